"""The pipeline up to the report: load, graph, check. Every command starts here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .collector import long_lived
from .load import load_lenient
from .model import Collection
from .timing import stage
from .validate import Report, start_checks

if TYPE_CHECKING:
    from rdflib import Dataset

    from .graph import KbGraph


@dataclass
class Checked:
    """A loaded collection, its graph and what the checks found."""

    collection: Collection
    graph: KbGraph
    report: Report

    @property
    def dataset(self) -> Dataset:
        """The graph as an rdflib Dataset (made on first use: the pipeline never needs it)."""
        return self.graph.dataset()


def check(root: str | Path) -> Checked:
    """Load the claims folder, build its graph and run every check; never raises on bad data."""
    with long_lived():
        return _check(root)


def _check(root: str | Path) -> Checked:
    with stage("load"):
        collection, problems = load_lenient(root)
    if not collection.complete:
        # Like a compiler stopping at a syntax error: cross-file checks would only echo it.
        return _unchecked(collection, problems)
    # The model checks and the start of the consistency checks' child (a few ms) are counted
    # in no stage: the child works while this process builds the graph.
    finish_checks = start_checks(collection, problems)
    # Imported only now, after the fork: rdflib, the graph and the shapes take about 80 ms to
    # import, which kb check on a small collection then spends beside the child's own imports
    # and checks instead of before them (docs/benchmarks.md).
    from .graph import add_findings, build_graph
    from .shapecheck import check_shapes

    with stage("graph"):
        graph = build_graph(collection)
    with stage("check"):
        report = finish_checks(list(check_shapes(collection, graph)))
        # The report graph goes in after the checks (the shapes validate the data, not the report).
        add_findings(graph, report.findings, set(collection.claims))
    return Checked(collection, graph, report)


def _unchecked(collection: Collection, problems: list) -> Checked:
    """A collection that did not load whole: its loading errors, and an empty graph."""
    from .graph import KbGraph
    from .iris import Iris

    return Checked(collection, KbGraph([], Iris(collection.config.base)),
                   Report(errors=sorted(problems)))


def graph(root: str | Path) -> tuple[Collection, KbGraph, list]:
    """Load and graph the claims folder, with its findings: what the query stores hold.

    The structural checks are left out: a query must still answer while the collection has
    errors (kb check and kb build run them). The findings are computed as kb check computes
    them, skipping what failed to load.
    """
    # Imported here: kb check imports the consistency checks in its forked child only (see
    # kb.validate.start_checks).
    from .consistency import run as run_consistency
    from .graph import add_findings, build_graph

    with long_lived():
        collection, problems = load_lenient(root)
        kb_graph = build_graph(collection)
        if collection.complete:
            findings = run_consistency(collection, problems).findings
            add_findings(kb_graph, findings, set(collection.claims))
    return collection, kb_graph, problems
