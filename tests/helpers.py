"""Test helpers shared across test modules."""

from __future__ import annotations

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    """Fail with the triples only in one graph or the other."""
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["graphs differ"]
    lines += ["  - " + " ".join(t.n3() for t in triple) for triple in sorted(only_expected)]
    lines += ["  + " + " ".join(t.n3() for t in triple) for triple in sorted(only_actual)]
    raise AssertionError("\n".join(lines))


def union_graph(ds) -> Graph:
    """All named graphs of a Dataset as one plain Graph."""
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def named_graphs(ds) -> dict[str, Graph]:
    """The non-empty named graphs of a Dataset, by name."""
    out = {}
    for g in ds.graphs():
        if len(g):
            out[str(g.identifier)] = g
    return out


def assert_datasets_isomorphic(expected, actual) -> None:
    """Same named graphs, each isomorphic; print the difference on failure."""
    exp, act = named_graphs(expected), named_graphs(actual)
    assert sorted(exp) == sorted(act), f"graph names differ: {sorted(exp)} != {sorted(act)}"
    for name in exp:
        try:
            assert_isomorphic(exp[name], act[name])
        except AssertionError as exc:
            raise AssertionError(f"in graph {name}: {exc}") from None
