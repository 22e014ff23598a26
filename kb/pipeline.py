"""The pipeline up to the report: load, graph, check. Every command starts here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset

from .check import Report, run_checks
from .findings import add_findings
from .graph import build_dataset
from .iris import Iris
from .load import load_lenient
from .model import Collection


@dataclass
class Checked:
    """A loaded collection, its graph and what the checks found."""

    collection: Collection
    dataset: Dataset
    report: Report


def check(root: str | Path) -> Checked:
    """Load the claims folder, build its graph and run every check; never raises on bad data."""
    collection, problems = load_lenient(root)
    dataset = build_dataset(collection)
    if not collection.complete:
        # Like a compiler stopping at a syntax error: cross-file checks would only echo it.
        return Checked(collection, dataset, Report(errors=sorted(problems)))
    report = run_checks(collection, dataset, problems)
    # The report graph goes in after the checks (SHACL validates the data, not the report).
    add_findings(dataset, Iris(collection.config.base), report.findings, set(collection.claims))
    return Checked(collection, dataset, report)


def graph(root: str | Path) -> tuple[Collection, Dataset, list]:
    """Load and graph the claims folder, with its findings: what the query stores hold.

    The structural checks are left out: the SHACL run costs minutes on a million triples, and
    a query must still answer while the collection has errors (kb check and kb build run them).
    The findings are computed as kb check computes them, skipping what failed to load.
    """
    from .consistency import run as run_consistency

    collection, problems = load_lenient(root)
    dataset = build_dataset(collection)
    if collection.complete:
        findings = run_consistency(collection, problems).findings
        add_findings(dataset, Iris(collection.config.base), findings, set(collection.claims))
    return collection, dataset, problems
