"""Exports: every format re-parses to a graph isomorphic to the Dataset."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pyoxigraph
import pytest
from helpers import assert_datasets_isomorphic, assert_isomorphic, union_graph
from rdflib import RDF, Dataset, Graph

from kb.choices import EXPORT_FORMATS
from kb.export import CSV_BOM, serialize
from kb.graph import build_graph
from kb.load import load
from kb.vocab import KB


@pytest.fixture
def kb_seed(seed):
    collection = load(seed)
    return collection, build_graph(collection)


@pytest.mark.parametrize("fmt,parser", [("trig", "trig"), ("nquads", "nquads"),
                                        ("jsonld", "json-ld")])
def test_quad_formats_round_trip(kb_seed, fmt, parser):
    collection, graph = kb_seed
    again = Dataset()
    again.parse(data=serialize(collection, graph, fmt), format=parser)
    assert_datasets_isomorphic(graph.dataset(), again)


def test_turtle_round_trips_the_union(kb_seed):
    collection, graph = kb_seed
    again = Graph().parse(data=serialize(collection, graph, "turtle"), format="turtle")
    assert_isomorphic(union_graph(graph.dataset()), again)


@pytest.mark.parametrize("fmt,ox_format", [("trig", pyoxigraph.RdfFormat.TRIG),
                                           ("nquads", pyoxigraph.RdfFormat.N_QUADS)])
def test_pyoxigraph_parses_exports(kb_seed, fmt, ox_format):
    collection, graph = kb_seed
    quads = list(pyoxigraph.parse(serialize(collection, graph, fmt), format=ox_format))
    assert len(quads) == len(list(graph.dataset().quads((None, None, None, None))))


def test_csv_has_one_row_per_claim_matching_the_graph(kb_seed):
    collection, graph = kb_seed
    text = serialize(collection, graph, "csv")
    assert text.startswith(CSV_BOM), repr(text[:20])
    rows = list(csv.DictReader(io.StringIO(text.removeprefix(CSV_BOM))))
    assert sorted(r["id"] for r in rows) == sorted(collection.claims)
    for row in rows:
        claim = collection.claims[row["id"]]
        assert Decimal(row["amount"]) == claim.quantity.amount
        assert row["unit"] == claim.quantity.unit
        assert row["bound"] == claim.quantity.bound
        assert row["verdict"] == claim.review.verdict
        assert Decimal(row["confidence"]) == claim.confidence
        assert (int(row["start"]), int(row["end"])) == (claim.start, claim.end)
        assert sorted(row["evidence"].split()) == sorted(claim.review.evidence)
        assert row["subject"] == claim.subject


def test_exports_are_deterministic(seed):
    first = {f: serialize(load(seed), build_graph(load(seed)), f) for f in EXPORT_FORMATS}
    second = {f: serialize(load(seed), build_graph(load(seed)), f) for f in EXPORT_FORMATS}
    assert first == second


def test_decimals_survive_turtle_by_value(kb_seed):
    collection, graph = kb_seed
    ds = graph.dataset()
    again = Graph().parse(data=serialize(collection, graph, "turtle"), format="turtle")
    before = sorted(o.toPython() for o in ds.objects(None, RDF.object))
    after = sorted(o.toPython() for o in again.objects(None, RDF.object))
    assert before == after
    assert len(set(again.subjects(RDF.type, KB.Claim))) == len(collection.claims)
