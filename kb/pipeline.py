"""The pipeline up to the report: load, graph, check. Every command starts here."""

from __future__ import annotations

from collections.abc import Callable
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


def check(root: str | Path, beside: Callable[[Collection], None] | None = None) -> Checked:
    """Load the claims folder, build its graph and run every check; never raises on bad data.

    beside(collection), if given, runs while the checks' children are still at work, once the
    loader and the structural checks have found nothing: work for a collection that will most
    likely be published, wasted if the shapes or the consistency checks find an error (if it
    raises then, their errors are reported)."""
    with long_lived():
        return _check(root, beside)


def _check(root: str | Path, beside: Callable[[Collection], None] | None = None) -> Checked:
    with stage("load"):
        collection, problems = load_lenient(root)
    if not collection.complete:
        # Like a compiler stopping at a syntax error: cross-file checks would only echo it.
        return _unchecked(collection, problems)
    # The model checks and the start of the consistency checks' child (a few ms) are counted
    # in no stage: the child works while this process builds the graph.
    model_errors, finish_checks = start_checks(collection, problems)
    # Imported only now, after the fork: rdflib, the graph and the shapes take about 80 ms to
    # import, which kb check on a small collection then spends beside the child's own imports
    # and checks instead of before them (docs/benchmarks.md).
    from .graph import build_graph
    from .shapecheck import start_shapes

    with stage("graph"):
        graph = build_graph(collection, cache=True)
    with stage("check"):
        finish_shapes = start_shapes(collection, graph)
        if beside is None or problems or model_errors:
            return _checked(collection, graph, finish_checks(finish_shapes()))
    # This process has checked its half of the shapes; the child checking the other half and
    # the consistency checks' child may still be at work (kb.shacl.PARALLEL_FOCUS), each on a
    # core, while this one would only wait for them.
    try:
        beside(collection)
    except Exception:
        # Made for a collection the shapes reject: their errors are the report, not this.
        if shape_errors := finish_shapes():
            return _checked(collection, graph, finish_checks(shape_errors))
        raise
    with stage("check (waiting)"):
        return _checked(collection, graph, finish_checks(finish_shapes()))


def _checked(collection: Collection, graph: KbGraph, report: Report) -> Checked:
    """The checked collection, its findings written into the graph's report graph."""
    from .graph import add_findings

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
        kb_graph = build_graph(collection, cache=True)
        if collection.complete:
            findings = run_consistency(collection, problems).findings
            add_findings(kb_graph, findings, set(collection.claims))
    return collection, kb_graph, problems
