"""The graph stage: the Dataset matches the golden TriG and carries every required node."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from helpers import assert_datasets_isomorphic
from rdflib import RDF, XSD, Dataset, URIRef

from kb.graph import build_dataset, build_graph, dec
from kb.load import load
from kb.oxterms import QuadTable
from kb.vocab import KB, OA, SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
RDF_TYPE = str(RDF.type)


def test_mini_dataset_matches_golden_trig(mini):
    ds = build_dataset(load(mini))
    golden = Dataset()
    golden.parse(FIXTURES / "mini.trig", format="trig")
    assert_datasets_isomorphic(golden, ds)


def test_one_named_graph_per_source_plus_shared(seed):
    ds = build_dataset(load(seed))
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert names == {"https://kb.example.org/graph/tesla-dojo-commentary",
                     "https://kb.example.org/graph/shared"}


def test_every_claim_node_is_complete(seed):
    """Subject, property, decimal amount, unit, bound, selectors, source, confidence, review."""
    ds = build_dataset(load(seed))
    claims = set(ds.subjects(RDF.type, KB.Claim))
    assert len(claims) >= 5
    for c in claims:
        assert ds.value(c, RDF.subject) is not None, c
        assert ds.value(c, RDF.predicate) is not None, c
        amount = ds.value(c, RDF.object)
        assert amount.datatype == XSD.decimal, c
        assert ds.value(c, KB.unit) is not None, c
        assert ds.value(c, KB.boundKind) is not None, c
        assert ds.value(c, KB.confidence).datatype == XSD.decimal, c
        target = ds.value(ds.value(c, KB.anchor), OA.hasTarget)
        kinds = {ds.value(s, RDF.type) for s in ds.objects(target, OA.hasSelector)}
        assert kinds == {OA.TextQuoteSelector, OA.TextPositionSelector}, c
        assert ds.value(c, SCHEMA.appearance) is not None, c
        review = ds.value(c, SCHEMA.review)
        assert ds.value(review, SCHEMA.reviewRating) is not None, c


def test_amount_resolves_chinese_scale_exactly(mini):
    ds = build_dataset(load(mini))
    from kb.iris import Iris

    node = Iris("https://kb.example.org/").claim("tesla-revenue-2022")
    assert ds.value(node, RDF.object).toPython() == Decimal("81462000000")


def test_decimal_literals_are_canonical():
    assert str(dec(Decimal("81462000000"))) == "81462000000.0"
    assert str(dec(Decimal("0.950"))) == "0.95"
    assert str(dec(Decimal("1E+6"))) == "1000000.0"
    assert str(dec(Decimal("-0"))) == "0.0"
    assert str(dec(Decimal("3"))) == "3.0"


# -- the compact quad table ------------------------------------------------------------------------

EX = "http://example.org/"


def _quad(s, p, o, g=None):
    graph = ox.NamedNode(EX + g) if g else ox.DefaultGraph()
    obj = o if isinstance(o, ox.Literal) else ox.NamedNode(EX + o)
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + p), obj, graph)


def test_quad_table_gives_back_the_quads_in_order_each_once():
    quads = [_quad("b", "p", "x", "g1"), _quad("a", "p", ox.Literal("1"), "g1"),
             _quad("b", "p", "x", "g1"), _quad("b", "p", "x", "g2"), _quad("a", "q", "b")]
    table = QuadTable()
    table.extend(quads)
    table.extend([_quad("a", "q", "b"), _quad("c", "p", "x", "g2")])
    expected = [quads[0], quads[1], quads[3], quads[4], _quad("c", "p", "x", "g2")]
    assert list(table) == expected
    assert list(table.quads_at([4, 0])) == [expected[4], expected[0]]


def test_quad_table_terms_are_shared_and_iris_as_text_are_the_same_term():
    table = QuadTable()
    table.extend([_quad("a", "p", "b", "g"), _quad("b", "p", "a", "g")])
    assert len(table.terms) == 4, table.terms
    assert table.id(EX + "a") == table.id(ox.NamedNode(EX + "a")) == table.id(URIRef(EX + "a"))
    assert table.known(EX + "zzz") is None


def test_the_union_counts_a_triple_once_where_it_first_occurs():
    table = QuadTable()
    table.extend([_quad("s", "p", "o", "g1"), _quad("t", "p", "o", "g1"),
                  _quad("s", "p", "o", "g2"), _quad("s", "q", "o", "g2")])
    assert [str(t) for t in table.triples()] == [
        f"<{EX}s> <{EX}p> <{EX}o>", f"<{EX}t> <{EX}p> <{EX}o>", f"<{EX}s> <{EX}q> <{EX}o>"]


def test_a_query_store_holds_only_the_predicates_the_query_names():
    table = QuadTable()
    table.extend([_quad("s", "p", "o"), _quad("s", "q", "o"),
                  ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(RDF_TYPE), ox.NamedNode(EX + "C"))])
    prefixed = f"PREFIX ex: <{EX}> SELECT ?s WHERE {{ ?s ex:p ?o }}"
    assert table.named_predicates(prefixed) == [EX + "p"]
    assert len(table.store_for(prefixed)) == 1
    full = f"SELECT ?s WHERE {{ ?s <{EX}q> ?o ; a ?c }}"
    assert sorted(table.named_predicates(full)) == [EX + "q", RDF_TYPE]
    assert [row["s"] for row in table.query(full)] == [ox.NamedNode(EX + "s")]


def test_claim_rows_are_each_claims_node_and_hash_nodes(mini):
    graph = build_graph(load(mini))
    prefix = str(graph.iris.claim(""))
    rows = graph.claim_rows()
    assert rows, "the mini collection has claims"
    for ident, found in rows.items():
        subjects = {q.subject.value for q in graph.quads_at(found)}
        assert {s.split("#")[0] for s in subjects} == {prefix + ident}, subjects
    owned = sum(len(r) for r in rows.values())
    assert owned == sum(1 for q in graph if q.subject.value.startswith(prefix)), owned
