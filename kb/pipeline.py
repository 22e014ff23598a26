"""The pipeline up to the report: load, graph, check. Every command starts here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset

from .check import Report, run_error_checks
from .graph import build_dataset
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
    report = Report(errors=run_error_checks(collection, dataset, problems))
    return Checked(collection, dataset, report)
