"""kb.shacl reports exactly what pySHACL reports: on the seed, on every error fixture of
test_check_errors.py and on a graph mutation for every constraint component shapes.ttl uses."""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, SEED, edit

from kb import shacl
from kb.oxterms import QuadTable
from kb.shacl import DEFAULT_MESSAGE, Result, _compile, validate

Quads = list[ox.Quad]
Row = tuple[str, str | None, str | None, str, str]


def seed_quads(root: Path = SEED) -> Quads:
    """The quads kb builds for a claims folder (the one place that knows how the graph is made)."""
    from kb.graph import build_graph
    from kb.load import load_lenient

    return list(build_graph(load_lenient(root)[0]).quads)


SHAPES_TEXT = (Path(__file__).resolve().parent.parent / "kb/data/shapes.ttl").read_text("utf-8")
SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
KB = "https://kb.example.org/ns#"
SCHEMA = "https://schema.org/"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
BLANK = "_:blank"  # rdflib renames blank nodes, so results compare them all as one


# -- the comparison ------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _prepared_sparql():
    """rdflib parses each SPARQL query it is given as text, and pySHACL gives it the text of
    each sh:sparql constraint again for every validation: parsing took 37% of pySHACL's time.

    Here each text is parsed once and reused as a prepared query, which is how rdflib's own
    prepareQuery runs one query with different bindings: the answers are the same.
    """
    from rdflib.plugins.sparql.processor import SPARQLProcessor, parseQuery, translateQuery

    prepared: dict = {}
    original = SPARQLProcessor.query

    def query(self, text, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(text, str):
            key = (text, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = translateQuery(parseQuery(text), base, initNs)
            text = prepared[key]
        return original(self, text, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SPARQLProcessor, "query", query)
        yield


def pyshacl_rows(quads: Quads, shapes_text: str = SHAPES_TEXT) -> Counter[Row]:
    """pySHACL's report on the union of the quads' graphs, as kb.shacl would word it."""
    import pyshacl
    from rdflib import BNode, Dataset, Graph, URIRef
    from rdflib.namespace import RDF as RDF_NS
    from rdflib.namespace import SH as SH_NS

    shapes = Graph().parse(data=shapes_text, format="turtle")
    messages = {str(m) for m in shapes.objects(None, SH_NS.message)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rdflib warns about the ill-typed literals we make
        ds = Dataset()
        ds.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS), format="nquads")
        union = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        _, report, _ = pyshacl.validate(union, shacl_graph=shapes, inference="none",
                                        advanced=True)
    rows: Counter[Row] = Counter()
    for r in report.subjects(RDF_NS.type, SH_NS.ValidationResult):
        focus = report.value(r, SH_NS.focusNode)
        path, value = report.value(r, SH_NS.resultPath), report.value(r, SH_NS.value)
        # pySHACL words results without sh:message itself; kb.shacl uses one default text.
        message = str(report.value(r, SH_NS.resultMessage))
        rows[(BLANK if isinstance(focus, BNode) else str(focus),
              str(path) if isinstance(path, URIRef) else None,  # a blank node: sequence path
              None if value is None else BLANK if isinstance(value, BNode) else str(value),
              message if message in messages else DEFAULT_MESSAGE,
              str(report.value(r, SH_NS.sourceConstraintComponent)))] += 1
    return rows


def our_rows(quads: Iterable[ox.Quad | ox.Triple], shapes_text: str | None = None
             ) -> Counter[Row]:
    """kb.shacl's results, with blank nodes named as pyshacl_rows names them."""
    quads = list(quads)
    results = validate(quads) if shapes_text is None else _compile(shapes_text).validate(quads)
    assert all(isinstance(r, Result) for r in results)
    blanks = {t.value for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    return Counter((BLANK if r.focus in blanks else r.focus, r.path,
                    BLANK if r.value in blanks else r.value, r.message, r.component)
                   for r in results)


def differences(quads: Quads, shapes_text: str | None = None
                ) -> tuple[Counter[Row], Counter[Row], Counter[Row]]:
    """Our results, those only pySHACL gives and those only kb.shacl gives."""
    ours = our_rows(quads, shapes_text)
    theirs = pyshacl_rows(quads, SHAPES_TEXT if shapes_text is None else shapes_text)
    return ours, theirs - ours, ours - theirs


def assert_agree(quads: Quads, shapes_text: str | None = None) -> Counter[Row]:
    """Both validators give the same results, counted; return them."""
    ours, only_theirs, only_ours = differences(quads, shapes_text)
    if only_theirs or only_ours:
        lines = ["kb.shacl and pySHACL differ"]
        lines += [f"  only pySHACL: {row} x{n}" for row, n in sorted(only_theirs.items(), key=str)]
        lines += [f"  only kb.shacl: {row} x{n}" for row, n in sorted(only_ours.items(), key=str)]
        raise AssertionError("\n".join(lines))
    return ours


# -- the seed and the error fixtures -------------------------------------------------------------


@pytest.mark.slow
def test_seed_agrees():
    assert_agree(seed_quads())


CLAIMS = Path("sources/mini-article/claims.yaml")
RELATIONS = Path("sources/mini-article/relations.yaml")
SOURCE = Path("sources/mini-article/source.yaml")
TEXT = Path("sources/mini-article/text.txt")

# The edits tests/test_check_errors.py makes to a copy of the mini fixture, and a bad sha256.
FIXTURE_EDITS = {
    "none": [],
    "quote-not-at-offsets": [(CLAIMS, "start: 9", "start: 10")],
    "offsets-outside-text": [(CLAIMS, "end: 42", "end: 420")],
    "text-changed": [(TEXT, "点击次数:78", "点击次数:78 ")],
    "sha256-not-hex": [(SOURCE, "sha256: 06ff", "sha256: 06FF")],
    "confidence-above-one": [(CLAIMS, "confidence: 0.95", "confidence: 1.5")],
    "confidence-below-zero": [(CLAIMS, "confidence: 0.95", "confidence: -0.1")],
    "unknown-unit": [(CLAIMS, "unit: USD", "unit: RMB")],
    "dangling-entity": [(CLAIMS, "subject: byd", "subject: byd-auto")],
    "dangling-evidence": [(CLAIMS, "evidence: [tesla-revenue-2022-10k]",
                           "evidence: [tesla-10k-typo]")],
    "dangling-relation": [(RELATIONS, "tesla-revenue-2022 > byd-revenue",
                           "tesla-revenue-2022 > byd-revenue-2022")],
    "duplicate-id": [(CLAIMS, "- id: byd-revenue", "- id: tesla-revenue-2022")],
    "lower-above-upper": [(CLAIMS, "  bound: approximately\n",
                           "  bound: range\n  lower: 70e9\n  upper: 50e9\n")],
    "amount-outside-bounds": [(CLAIMS, "  bound: approximately\n",
                               "  bound: range\n  lower: 10e9\n  upper: 50e9\n")],
    "missing-statement": [(CLAIMS, "  statement: BYD's annual revenue is about US$60.6 billion.\n",
                           "")],
    "misspelt-field": [(CLAIMS, "  amount: 60.6e9", "  amout: 60.6e9")],
    "yaml-syntax": [(CLAIMS, "  unit: USD\n", "  unit: [USD\n")],
    "invalid-id": [(CLAIMS, "- id: byd-revenue", "- id: BYD_revenue")],
}


@pytest.mark.parametrize("name", FIXTURE_EDITS)
def test_error_fixture_agrees(name, mini):
    for path, old, new in FIXTURE_EDITS[name]:
        edit(mini / path, old, new)
    assert_agree(seed_quads(mini))


# -- a mutation per constraint -------------------------------------------------------------------


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def lit(value: str, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang is not None:
        return ox.Literal(value, language=lang)
    return ox.Literal(value, datatype=iri(datatype or XSD + "string"))


def dec(value: str) -> ox.Literal:
    return lit(value, XSD + "decimal")


def date(value: str) -> ox.Literal:
    return lit(value, XSD + "date")


class Graph:
    """A mutable list of quads with the few look-ups and edits the mutations need."""

    def __init__(self, quads: Quads):
        self.quads = list(quads)

    def objects(self, s: ox.NamedNode, p: str) -> list:
        return sorted({q.object for q in self.quads if q.subject == s and q.predicate.value == p},
                      key=str)

    def one(self, s: ox.NamedNode, p: str):
        [o] = self.objects(s, p)
        return o

    def typed(self, cls: str) -> list:
        return sorted({q.subject for q in self.quads
                       if q.predicate.value == RDF + "type" and q.object == iri(cls)}, key=str)

    def remove(self, s, p: str, o=None) -> Graph:
        before = len(self.quads)
        self.quads = [q for q in self.quads if not (
            q.subject == s and q.predicate.value == p and (o is None or q.object == o))]
        assert len(self.quads) < before, f"nothing to remove: {s} {p} {o}"
        return self

    def add(self, s, p: str, o) -> Graph:
        self.quads.append(ox.Quad(s, iri(p), o, iri("https://kb.example.org/graph/test")))
        return self

    def set(self, s, p: str, o) -> Graph:
        return self.remove(s, p).add(s, p, o)


class Nodes:
    """The nodes of the mini graph the mutations edit, found by their types and links."""

    def __init__(self, g: Graph):
        self.claim = next(c for c in g.typed(KB + "Claim") if g.objects(c, KB + "time"))
        self.other_claim = next(c for c in g.typed(KB + "Claim") if c != self.claim)
        self.review = g.one(self.claim, SCHEMA + "review")
        self.rating = g.one(self.review, SCHEMA + "reviewRating")
        self.reviewer = g.one(self.review, SCHEMA + "author")
        self.time = g.one(self.claim, KB + "time")
        self.anchor = g.one(self.claim, KB + "anchor")
        self.target = g.one(self.anchor, OA + "hasTarget")
        selectors = g.objects(self.target, OA + "hasSelector")
        self.quote_selector = next(s for s in selectors
                                   if g.one(s, RDF + "type").value == OA + "TextQuoteSelector")
        self.position_selector = next(s for s in selectors if s != self.quote_selector)
        other_target = g.one(g.one(self.other_claim, KB + "anchor"), OA + "hasTarget")
        self.other_quote_selector = next(
            s for s in g.objects(other_target, OA + "hasSelector")
            if g.one(s, RDF + "type").value == OA + "TextQuoteSelector")
        self.source = g.one(self.claim, PROV + "wasDerivedFrom")
        self.text = g.one(self.source, KB + "text")
        self.entity = g.one(self.claim, RDF + "subject")
        self.property = g.one(self.claim, RDF + "predicate")
        [self.evidence] = g.typed(KB + "EvidenceStatement")
        self.document = g.one(self.evidence, PROV + "wasDerivedFrom")
        [self.relation] = g.typed(KB + "Relation")
        [self.ignored] = g.typed(KB + "IgnoredMention")


Mutation = Callable[[Graph, Nodes], Graph]


def range_bounds(lower: str, upper: str) -> Mutation:
    """Make the claim a range with the given bounds."""
    return lambda g, n: (g.set(n.claim, KB + "boundKind", iri(KB + "Range"))
                         .add(n.claim, KB + "lowerBound", dec(lower))
                         .add(n.claim, KB + "upperBound", dec(upper)))


def subclass_target(g: Graph, n: Nodes) -> Graph:
    # A claim typed only with a subclass of kb:Claim is still a target of the claim shapes.
    return (g.add(iri(KB + "Memo"), RDFS + "subClassOf", iri(KB + "Claim"))
            .remove(n.claim, RDF + "type", iri(KB + "Claim"))
            .add(n.claim, RDF + "type", iri(KB + "Memo"))
            .remove(n.claim, KB + "statement"))


def subclass_reviewer(g: Graph, n: Nodes) -> Graph:
    # A reviewer of a subclass of schema:Organization passes sh:or; the verdict still fails.
    return (g.add(iri(KB + "Desk"), RDFS + "subClassOf", iri(SCHEMA + "Organization"))
            .set(n.reviewer, RDF + "type", iri(KB + "Desk"))
            .set(n.review, KB + "verdict", iri(KB + "Great")))


MUTATIONS: dict[str, Mutation] = {
    # statements: claims and evidence
    "no-subject": lambda g, n: g.remove(n.claim, RDF + "subject"),
    "two-subjects": lambda g, n: g.add(n.claim, RDF + "subject",
                                       g.one(n.other_claim, RDF + "subject")),
    "unknown-subject": lambda g, n: g.set(n.claim, RDF + "subject", iri(KB + "nobody")),
    "property-of-wrong-class": lambda g, n: g.set(n.claim, RDF + "predicate", n.entity),
    "amount-as-string": lambda g, n: g.set(n.claim, RDF + "object", lit("81462000000.0")),
    "amount-ill-typed": lambda g, n: g.set(n.claim, RDF + "object", dec("eighty")),
    "amount-integer": lambda g, n: g.set(n.claim, RDF + "object", lit("81", XSD + "integer")),
    "no-amount": lambda g, n: g.remove(n.claim, RDF + "object"),
    "unit-with-language": lambda g, n: g.set(n.claim, KB + "unit", lit("USD", lang="en")),
    "evidence-without-unit": lambda g, n: g.remove(n.evidence, KB + "unit"),
    "bound-not-in-list": lambda g, n: g.set(n.claim, KB + "boundKind", iri(KB + "Roughly")),
    "two-bound-kinds": lambda g, n: g.add(n.claim, KB + "boundKind", iri(KB + "AtLeast")),
    "lower-above-upper": range_bounds("90000000000.0", "85000000000.0"),
    "lower-above-upper-around-amount": range_bounds("90000000000.0", "50000000000.0"),
    "amount-below-bounds": range_bounds("85000000000.0", "90000000000.0"),
    "amount-above-bounds": range_bounds("10000000000.0", "50000000000.0"),
    "range-without-upper": lambda g, n: (g.set(n.claim, KB + "boundKind", iri(KB + "Range"))
                                         .add(n.claim, KB + "lowerBound", dec("1.0"))),
    "range-without-bounds": lambda g, n: g.set(n.claim, KB + "boundKind", iri(KB + "Range")),
    "two-lower-bounds": lambda g, n: range_bounds("1.0", "90000000000.0")(g, n).add(
        n.claim, KB + "lowerBound", dec("95000000000.0")),
    "two-uppers-below-lower": lambda g, n: range_bounds("95000000000.0", "90000000000.0")(
        g, n).add(n.claim, KB + "upperBound", dec("85000000000.0")),
    "amount-not-canonical": lambda g, n: range_bounds("1.0", "2.0")(g, n).set(
        n.claim, RDF + "object", dec("81462000000.50")),  # the store gives 81462000000.5
    "upper-bound-integer": lambda g, n: range_bounds("1.0", "90000000000.0")(g, n).set(
        n.claim, KB + "upperBound", lit("90000000000", XSD + "integer")),
    "upper-bound-string": lambda g, n: range_bounds("1.0", "90000000000.0")(g, n).set(
        n.claim, KB + "upperBound", lit("lots")),
    "precision-zero": lambda g, n: g.set(n.claim, KB + "precision", dec("0.0")),
    "precision-negative": lambda g, n: g.set(n.evidence, KB + "precision", dec("-1.0")),
    "precision-ill-typed": lambda g, n: g.set(n.claim, KB + "precision", dec("1,000")),
    "two-times": lambda g, n: g.add(n.claim, KB + "time", g.one(n.evidence, KB + "time")),
    # times
    "time-without-start": lambda g, n: g.remove(n.time, KB + "startDate"),
    "time-with-two-ends": lambda g, n: g.add(n.time, KB + "endDate", date("2023-12-31")),
    "start-after-end": lambda g, n: g.set(n.time, KB + "startDate", date("2023-01-01")),
    "start-as-year": lambda g, n: g.set(n.time, KB + "startDate", lit("2022", XSD + "gYear")),
    "end-as-string": lambda g, n: g.set(n.time, KB + "endDate", lit("2022-12-31")),
    "precision-not-in-list": lambda g, n: g.set(n.time, KB + "timePrecision", lit("week")),
    "time-as-literal": lambda g, n: g.set(n.claim, KB + "time", lit("2022")),
    # claims
    "confidence-above-one": lambda g, n: g.set(n.claim, KB + "confidence", dec("1.5")),
    "confidence-below-zero": lambda g, n: g.set(n.claim, KB + "confidence", dec("-0.1")),
    "confidence-double": lambda g, n: g.set(n.claim, KB + "confidence", lit("0.5", XSD + "double")),
    "confidence-string": lambda g, n: g.set(n.claim, KB + "confidence", lit("high")),
    "two-confidences": lambda g, n: g.add(n.claim, KB + "confidence", dec("0.5")),
    "quote-without-language": lambda g, n: g.set(n.claim, KB + "quote", lit("总营收")),
    "no-normalised-quote": lambda g, n: g.remove(n.claim, KB + "normalisedQuote"),
    "two-statements": lambda g, n: g.add(n.claim, KB + "statement", lit("Another.", lang="en")),
    "derived-from-document": lambda g, n: g.set(n.claim, PROV + "wasDerivedFrom", n.document),
    "no-anchor": lambda g, n: g.remove(n.claim, KB + "anchor"),
    "review-of-wrong-class": lambda g, n: g.set(n.claim, SCHEMA + "review", n.rating),
    "subclass-target": subclass_target,
    # anchors and selectors
    "anchor-without-body": lambda g, n: g.remove(n.anchor, OA + "hasBody"),
    "anchor-into-article": lambda g, n: g.set(n.target, OA + "hasSource", n.source),
    "anchor-into-two-texts": lambda g, n: g.add(n.target, OA + "hasSource", iri(KB + "other")),
    "anchor-without-target": lambda g, n: g.remove(n.anchor, OA + "hasTarget"),
    "two-quote-selectors": lambda g, n: g.add(n.target, OA + "hasSelector",
                                              n.other_quote_selector),
    "no-quote-selector": lambda g, n: g.remove(n.target, OA + "hasSelector", n.quote_selector),
    "empty-exact": lambda g, n: g.set(n.quote_selector, OA + "exact", lit("")),
    "two-prefixes": lambda g, n: g.add(n.quote_selector, OA + "prefix", lit("x")),
    "quote-selector-untyped": lambda g, n: g.remove(n.quote_selector, RDF + "type"),
    "start-after-end-offset": lambda g, n: g.set(n.position_selector, OA + "start",
                                                 lit("30", XSD + "nonNegativeInteger")),
    "start-at-end-offset": lambda g, n: g.set(n.position_selector, OA + "start",
                                              lit("25", XSD + "nonNegativeInteger")),
    "negative-offset": lambda g, n: g.set(n.position_selector, OA + "start",
                                          lit("-1", XSD + "nonNegativeInteger")),
    "offset-as-integer": lambda g, n: g.set(n.position_selector, OA + "end",
                                            lit("25", XSD + "integer")),
    "url-as-literal": lambda g, n: g.set(n.review, SCHEMA + "url", lit("https://example.org/")),
    "reviewer-of-wrong-class": lambda g, n: g.set(n.review, SCHEMA + "author", n.property),
    "reviewer-is-a-literal": lambda g, n: g.set(n.review, SCHEMA + "author", lit("me")),
    "two-reviewers": lambda g, n: g.add(n.review, SCHEMA + "author", iri(KB + "nobody")),
    "subclass-reviewer": subclass_reviewer,
    "review-date-as-string": lambda g, n: g.set(n.review, SCHEMA + "datePublished",
                                                lit("2026-11-28")),
    "no-item-reviewed": lambda g, n: g.remove(n.review, SCHEMA + "itemReviewed"),
    "item-reviewed-not-a-claim": lambda g, n: g.set(n.review, SCHEMA + "itemReviewed", n.source),
    "no-review-body": lambda g, n: g.remove(n.review, SCHEMA + "reviewBody"),
    "verdict-not-in-list": lambda g, n: g.set(n.review, KB + "verdict", iri(KB + "Great")),
    "evidence-not-evidence": lambda g, n: g.add(n.review, SCHEMA + "isBasedOn", n.other_claim),
    "no-rating": lambda g, n: g.remove(n.review, SCHEMA + "reviewRating"),
    "rating-without-name": lambda g, n: g.remove(n.rating, SCHEMA + "alternateName"),
    "rating-above-five": lambda g, n: g.set(n.rating, SCHEMA + "ratingValue",
                                            lit("6", XSD + "integer")),
    "rating-zero": lambda g, n: g.set(n.rating, SCHEMA + "ratingValue", lit("0", XSD + "integer")),
    "rating-decimal": lambda g, n: g.set(n.rating, SCHEMA + "ratingValue", dec("3.0")),
    # evidence and documents
    "evidence-empty-quote": lambda g, n: g.set(n.evidence, KB + "quote", lit("")),
    "evidence-from-article": lambda g, n: g.set(n.evidence, PROV + "wasDerivedFrom", n.source),
    "document-without-name": lambda g, n: g.remove(n.document, SCHEMA + "name"),
    "document-with-two-publishers": lambda g, n: g.add(n.document, SCHEMA + "publisher",
                                                       iri(KB + "other")),
    "document-date-time": lambda g, n: g.set(n.document, SCHEMA + "datePublished",
                                             lit("2023-01-15T00:00:00", XSD + "dateTime")),
    "document-date-string": lambda g, n: g.set(n.document, SCHEMA + "datePublished",
                                               lit("January 2023")),
    "document-two-dates": lambda g, n: g.add(n.document, SCHEMA + "datePublished",
                                             lit("2023", XSD + "gYear")),
    "document-url-literal": lambda g, n: g.set(n.document, SCHEMA + "url", lit("https://x.org")),
    "document-kind-not-in-list": lambda g, n: g.set(n.document, KB + "documentKind",
                                                    iri(KB + "Blog")),
    # sources, entities, properties, relations, ignored mentions
    "source-without-headline": lambda g, n: g.remove(n.source, SCHEMA + "headline"),
    "source-two-languages": lambda g, n: g.add(n.source, SCHEMA + "inLanguage", lit("en")),
    "source-text-wrong-class": lambda g, n: g.set(n.source, KB + "text", n.document),
    "sha256-uppercase": lambda g, n: g.set(n.text, KB + "sha256", lit("06FF" + "0" * 60)),
    "sha256-short": lambda g, n: g.set(n.text, KB + "sha256", lit("0" * 63)),
    "sha256-blank-node": lambda g, n: g.set(n.text, KB + "sha256", ox.BlankNode("hash")),
    "two-sha256": lambda g, n: g.add(n.text, KB + "sha256", lit("1" * 64)),
    "entity-without-label": lambda g, n: g.remove(n.entity, RDFS + "label"),
    "property-without-dimension": lambda g, n: g.remove(n.property, KB + "dimension"),
    "property-two-dimensions": lambda g, n: g.add(n.property, KB + "dimension", lit("count")),
    "property-without-comment": lambda g, n: g.remove(n.property, RDFS + "comment"),
    "relation-without-involves": lambda g, n: g.remove(n.relation, KB + "involves"),
    "relation-without-expression": lambda g, n: g.remove(n.relation, KB + "expression"),
    "ignored-short-reason": lambda g, n: g.set(n.ignored, KB + "reason", lit("ab", lang="en")),
    "ignored-without-anchor": lambda g, n: g.remove(n.ignored, KB + "anchor"),
    "ignored-anchor-wrong-class": lambda g, n: g.set(n.ignored, KB + "anchor", n.text),
}


# Edits that break nothing: both validators must report nothing.
CLEAN: dict[str, Mutation] = {
    "start-on-end": lambda g, n: g.set(n.time, KB + "startDate", date("2022-12-31")),
    "reviewer-person": lambda g, n: g.set(n.reviewer, RDF + "type", iri(SCHEMA + "Person")),
    "extra-selector-literal": lambda g, n: g.add(n.target, OA + "hasSelector", lit("quote")),
    # Python's re.search, as pySHACL uses it: "$" also matches before a final newline.
    "sha256-trailing-newline": lambda g, n: g.set(n.text, KB + "sha256", lit("0" * 64 + "\n")),
    "triple-in-two-graphs": lambda g, n: g.add(n.claim, RDF + "subject", n.entity),
    "document-date-year": lambda g, n: g.set(n.document, SCHEMA + "datePublished",
                                             lit("2023", XSD + "gYear")),
    "document-date-day": lambda g, n: g.set(n.document, SCHEMA + "datePublished",
                                            date("2023-01-31")),
}

# Where kb.shacl differs from pySHACL: (mutation, rows only pySHACL gives, rows only kb.shacl
# gives). pySHACL decides whether a literal is ill-typed by what rdflib can convert to Python,
# so it accepts any xsd:gYearMonth or xsd:gYear and some non-XSD decimals; it orders an
# ill-typed literal by its lexical form, where SPARQL cannot compare it; and rdflib rewrites a
# number's lexical form when it parses it, so pySHACL reports a value the data does not contain.
OUTSIDE = "amount {value} lies outside its own bounds; fix the amount or the bounds"
CONFIDENCE = "confidence {value} is outside [0, 1]; set a number from 0 to 1"
Rows = Callable[[Nodes], list[Row]]
KNOWN_DIFFERENCES: dict[str, tuple[Mutation, Rows, Rows]] = {
    "document-date-bad-month": (
        lambda g, n: g.set(n.document, SCHEMA + "datePublished",
                           lit("2023-13", XSD + "gYearMonth")),
        lambda n: [],
        lambda n: [(n.document.value, SCHEMA + "datePublished", "2023-13", DEFAULT_MESSAGE,
                    SH + "OrConstraintComponent")]),
    "confidence-exponent": (  # Python's Decimal reads "1e-1"; XSD decimals have no exponent
        lambda g, n: g.set(n.claim, KB + "confidence", dec("1e-1")),
        lambda n: [],
        lambda n: [(n.claim.value, KB + "confidence", "1e-1", CONFIDENCE, SH + component)
                   for component in ("DatatypeConstraintComponent",
                                     "MinInclusiveConstraintComponent",
                                     "MaxInclusiveConstraintComponent")]),
    "start-invalid-date": (
        lambda g, n: g.set(n.time, KB + "startDate", date("2022-02-30")),
        lambda n: [],
        lambda n: [(n.time.value, KB + "startDate", "2022-02-30",
                    "time must start on or before its end",
                    SH + "LessThanOrEqualsConstraintComponent")]),
    "amount-leading-zero": (
        lambda g, n: (range_bounds("1.0", "2.0")(g, n)
                      .set(n.claim, RDF + "object", dec("081462000000.0"))),
        lambda n: [(n.claim.value, None, "81462000000.0", OUTSIDE,
                    SH + "SPARQLConstraintComponent")],
        lambda n: [(n.claim.value, None, "081462000000.0", OUTSIDE,
                    SH + "SPARQLConstraintComponent")]),
}


@pytest.fixture(scope="module")
def mini_quads() -> Quads:
    return seed_quads(FIXTURES / "mini")


def test_mini_is_clean(mini_quads):
    assert assert_agree(mini_quads) == Counter()


@pytest.mark.parametrize("name", MUTATIONS)
def test_mutation_agrees(name, mini_quads):
    g = Graph(mini_quads)
    MUTATIONS[name](g, Nodes(g))
    assert assert_agree(g.quads), f"mutation {name} gives no result at all"


@pytest.mark.parametrize("name", CLEAN)
def test_clean_edit_agrees(name, mini_quads):
    g = Graph(mini_quads)
    CLEAN[name](g, Nodes(g))
    assert assert_agree(g.quads) == Counter()


@pytest.mark.parametrize("name", KNOWN_DIFFERENCES)
def test_known_difference(name, mini_quads):
    mutate, theirs, ours = KNOWN_DIFFERENCES[name]
    g = Graph(mini_quads)
    n = Nodes(g)
    mutate(g, n)
    _, only_theirs, only_ours = differences(g.quads)
    assert (only_theirs, only_ours) == (Counter(theirs(n)), Counter(ours(n)))


def test_every_component_of_the_shapes_is_exercised(mini_quads):
    """The mutations above reach every constraint component shapes.ttl can report."""
    seen = set()
    for mutate in MUTATIONS.values():
        g = Graph(mini_quads)
        mutate(g, Nodes(g))
        seen |= {row[4] for row in our_rows(g.quads)}
    expected = {SH + c + "ConstraintComponent" for c in (
        "MinCount", "MaxCount", "Class", "Datatype", "In", "LessThanOrEquals", "MinInclusive",
        "MaxInclusive", "MinExclusive", "MinLength", "NodeKind", "Or", "Pattern",
        "QualifiedMinCount", "QualifiedMaxCount", "SPARQL")}
    assert seen == expected


def test_focus_nodes_checked_in_two_processes_give_the_same_results(mini_quads, monkeypatch):
    """From PARALLEL_FOCUS (shape, focus node) pairs on, half are checked in a forked child."""
    monkeypatch.setenv("KB_JOBS", "2")
    for name, mutate in MUTATIONS.items():
        g = Graph(mini_quads)
        mutate(g, Nodes(g))
        monkeypatch.setattr(shacl, "PARALLEL_FOCUS", 10**9)
        alone = validate(g.quads)
        monkeypatch.setattr(shacl, "PARALLEL_FOCUS", 2)
        assert validate(g.quads) == alone, name


# -- results kept between validations (kb.shacl.Kept) -------------------------------------------


def keyed(quads: Quads, unkeyed: frozenset[str] = frozenset()) -> QuadTable:
    """The quads as a table whose named graphs have keys, each a hash of the graph's quads (as
    kb.graphcache's key names what a graph is made from), but those named in unkeyed."""
    table = QuadTable()
    table.extend(quads)
    lines: dict[str, list[str]] = {}
    for q in quads:
        lines.setdefault(str(q.graph_name), []).append(str(q))
    for name, graph in lines.items():
        if name not in unkeyed:
            number = table.known(next(q.graph_name for q in quads if str(q.graph_name) == name))
            table.graph_keys[number] = hashlib.sha256(
                "\n".join(sorted(graph)).encode()).hexdigest()
    return table


def kept_after(quads: Quads, kept: shacl.Kept | None = None,
               unkeyed: frozenset[str] = frozenset()) -> shacl.Kept:
    """The Kept a validation of the quads leaves, checking that its results are those of a
    validation without kept results; kept: the one an earlier validation left."""
    before = shacl.Kept(kept.kept()) if kept is not None else shacl.Kept()
    assert shacl.start_validation(keyed(quads, unkeyed), before)() == validate(quads)
    return before


def mutated(quads: Quads, mutate: Mutation) -> Quads:
    g = Graph(quads)
    mutate(g, Nodes(g))
    return g.quads


@pytest.mark.parametrize("name", [*MUTATIONS, *CLEAN])
def test_kept_results_are_those_of_checking_again(name, mini_quads):
    # Every constraint component's mutation, from the clean graph's kept results and back:
    # the pairs whose nodes are described where they were are answered from them, and the
    # results are those a validation without them gives.
    clean = kept_after(mini_quads)
    total = len(clean.made)
    assert total > 20 and clean.reused == 0  # every pair of the mini graph is kept
    changed = mutated(mini_quads, {**MUTATIONS, **CLEAN}[name])
    assert kept_after(changed, clean).reused < total
    kept_after(mini_quads, kept_after(changed))


def test_an_edit_of_a_claim_checks_again_only_the_pairs_that_read_it(mini_quads):
    clean = kept_after(mini_quads)
    after = kept_after(mutated(mini_quads, MUTATIONS["amount-as-string"]), clean)
    assert 0 < after.reused < len(clean.made)
    assert kept_after(mini_quads, clean).reused == len(clean.made)


def test_a_node_described_in_one_more_named_graph_is_checked_again(mini_quads):
    # The mutations' added quads go into a named graph of their own: a claim's extra subject
    # there changes where the claim is described, though no graph it was described in did.
    two = mutated(mini_quads, MUTATIONS["two-subjects"])
    kept = shacl.Kept(kept_after(mini_quads).kept())
    assert Counter(r.component for r in shacl.start_validation(keyed(two), kept)()) == \
        Counter({SH + "MaxCountConstraintComponent": 1})
    assert kept.reused > 0


def test_a_pair_is_checked_again_when_a_node_it_read_changes_in_another_graph(mini_quads):
    # The claim's subject loses its types in the shared graph: the claim's own rows are as
    # they were, but its class constraint read the subject's types.
    clean = kept_after(mini_quads)
    g = Graph(mini_quads)
    n = Nodes(g)
    for t in g.objects(n.entity, RDF + "type"):
        g.remove(n.entity, RDF + "type", t)
    results = shacl.start_validation(keyed(g.quads), shacl.Kept(clean.kept()))()
    assert results == validate(g.quads)
    assert (SH + "ClassConstraintComponent", n.entity.value) in {
        (r.component, r.value) for r in results if r.focus == n.claim.value}


def test_pairs_reading_a_graph_without_a_key_are_not_kept(mini_quads):
    # The source's graph made with no key (as the report graph is): its nodes' pairs are
    # checked each time and never kept; the shared graph's still are.
    claim = Nodes(Graph(mini_quads)).claim
    source = next(str(q.graph_name) for q in mini_quads if q.subject == claim)
    kept = kept_after(mini_quads, unkeyed=frozenset({source}))
    again = kept_after(mini_quads, kept, frozenset({source}))
    assert again.reused == len(kept.made) > 0
    assert len(kept.made) < len(kept_after(mini_quads).made)


def test_kept_results_are_the_same_when_half_are_checked_in_a_child(mini_quads, monkeypatch):
    monkeypatch.setenv("KB_JOBS", "2")
    monkeypatch.setattr(shacl, "PARALLEL_FOCUS", 2)
    halves = kept_after(mini_quads)
    monkeypatch.setattr(shacl, "PARALLEL_FOCUS", 10**9)
    whole = kept_after(mini_quads)
    # each process names its own half's pairs and where their nodes are described
    assert halves.kept() == whole.kept()
    assert halves.checked == whole.checked > 0


def test_entries_not_as_written_are_misses(mini_quads):
    described, entries = kept_after(mini_quads).kept()
    broken = {name: (entry[0], 7) for name, entry in entries.items()}
    for junk in ((described, broken), None, "x", (1, 2, 3), ({}, []), ([], {})):
        kept = shacl.Kept(junk)
        assert shacl.start_validation(keyed(mini_quads), kept)() == validate(mini_quads)
        assert kept.reused == 0


# -- input forms ---------------------------------------------------------------------------------


def test_triples_and_one_shot_iterators_are_accepted(mini_quads):
    g = Graph(mini_quads)
    g.remove(Nodes(g).claim, KB + "unit")
    results = validate(g.quads)
    assert results and validate(iter([q.triple for q in g.quads])) == results


# -- shapes beyond shapes.ttl --------------------------------------------------------------------

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def test_node_kinds_and_max_exclusive_agree():
    kinds = ("IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral",
             "IRIOrLiteral")
    shapes = PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:C ;\n" + " ;\n".join(
        f"  sh:property [ sh:path ex:p ; sh:nodeKind sh:{k} ; sh:message \"{k}\" ]"
        for k in kinds) + " ;\n  sh:property [ sh:path ex:n ; sh:maxExclusive 5 ] .\n"
    data = """
        <http://example.org/a> a <http://example.org/C> ;
            <http://example.org/p> <http://example.org/b>, _:x, "lit" ;
            <http://example.org/n> 4, 5, 5.5, "6" .
    """
    quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    assert sum(assert_agree(quads, shapes).values()) == 12


@pytest.mark.parametrize("term, shape", [
    ("sh:closed", "sh:closed true"),
    ("sh:node", "sh:property [ sh:path ex:p ; sh:node ex:T ]"),
    ("sh:inversePath", "sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ]"),
    ("sh:targetNode", "sh:targetNode ex:a"),
    ("sh:severity", "sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:severity sh:Warning ]"),
    ("sh:flags", "sh:property [ sh:path ex:p ; sh:pattern \"a\" ; sh:flags \"i\" ]"),
    ("sh:prefixes", "sh:sparql [ sh:select \"SELECT $this WHERE {}\" ; sh:prefixes ex: ]"),
    ("dateTime", "sh:property [ sh:path ex:p ; sh:datatype xsd:dateTime ]"),
    ("more than one sh:message", "sh:message \"a\", \"b\""),
    ("sh:minCount on node shape", "sh:minCount 1"),
    ("sh:property on property shape",
     "sh:property [ sh:path ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ]"),
    ("must project", "sh:sparql [ sh:select \"SELECT ?x WHERE { ?x ?p ?o }\" ]"),
    ("pre-bound", "sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p $currentShape }\" ]"),
    ("recursion", "sh:property [ sh:path ex:p ; sh:or ( ex:S ) ]"),
])
def test_unsupported_shapes_raise(term, shape):
    text = SHAPES_TEXT + PREFIXES + f"ex:S a sh:NodeShape ; sh:targetClass ex:C ; {shape} .\n"
    with pytest.raises(NotImplementedError, match=term):
        _compile(text)


def test_package_shapes_compile():
    assert validate([]) == []
