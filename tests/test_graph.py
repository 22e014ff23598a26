"""The graph stage: the Dataset matches the golden TriG and carries every required node."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from helpers import assert_datasets_isomorphic
from rdflib import RDF, XSD, Dataset

from kb.graph import build_dataset, dec
from kb.load import load
from kb.vocab import KB, OA, SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"


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
