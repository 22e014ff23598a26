"""The site's pages as typed views: everything a template shows, gathered from one checked KB.

Templates only lay these out; every figure comes here as a Figure built from the same literal the
graph holds (kb.graph.dec), so the site check can compare the page with the graph.
"""

from __future__ import annotations

import builtins
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import PurePath

from markupsafe import Markup
from rdflib import OWL, RDF, RDFS, Literal, URIRef

from .charts import Bar, Count, bar_chart, interval_chart, to_float
from .claimdata import claim_review, script_json
from .export import ontology_graph
from .expr import references
from .figures import FIGURE_PROPS, display, lexical, quantity_text
from .findings import KINDS, Finding, Side
from .graph import VERDICT_TERMS, dec
from .intervals import quantity_interval, to_decimal
from .iris import Iris
from .model import (
    Claim,
    Collection,
    Document,
    Entity,
    Evidence,
    IgnoredMention,
    PropertyDef,
    Quantity,
    Relation,
    Source,
    Statement,
    TimeSpec,
)
from .verdicts import BANDS, ICONS, LABELS, VERDICTS
from .vocab import KB

BOUND_TEXT = {"exact": "exactly", "approximately": "approximately", "at-least": "at least",
              "more-than": "more than", "at-most": "at most", "less-than": "less than",
              "range": "a range"}
CONTEXT_CHARS = 90  # code points of the source shown either side of a quote on its claim page

@dataclass(frozen=True)
class Figure:
    """A figure as a page shows it: the node and property it comes from, its value and text."""

    node: str
    prop: str
    value: str
    text: str


def figure(node: URIRef | str, curie: str, value: Literal | URIRef, unit: str | None = None
           ) -> Figure:
    """A Figure for one graph value, written as figures.display writes it."""
    prop = FIGURE_PROPS[curie]
    lex = lexical(prop, str(value))
    return Figure(str(node), curie, lex, display(prop, lex, unit))


@dataclass
class QuantityView:
    """A statement's amount, bounds and precision as figures, with its time in words."""

    amount: Figure
    lower: Figure | None
    upper: Figure | None
    precision: Figure | None
    unit: str
    bound: str
    bound_text: str
    time: str


def quantity_view(node: URIRef, q: Quantity, time: TimeSpec | None) -> QuantityView:
    """The figures of one quantity, exactly as the graph writes them."""
    lower, upper = q.implied_bounds()

    def fig(curie: str, value: Decimal | None) -> Figure | None:
        return None if value is None else figure(node, curie, dec(value), q.unit)

    return QuantityView(
        amount=figure(node, "rdf:object", dec(q.amount), q.unit),
        lower=fig("kb:lowerBound", lower), upper=fig("kb:upperBound", upper),
        precision=fig("kb:precision", q.precision), unit=q.unit, bound=q.bound,
        bound_text=BOUND_TEXT[q.bound], time=describe_time(time))


def describe_time(t: TimeSpec | None) -> str:
    """A time qualifier in words: 'over 2022 (2022 年)', 'as of 2025-06 (本年 6 月)'."""
    if t is None:
        return "no time stated"
    words = f"over {t.text}" if t.kind == "period" else f"as of {t.text}"
    return f"{words} ({t.phrase})" if t.phrase else words


@dataclass
class EvidenceView:
    """An evidence statement and the document it quotes."""

    id: str
    iri: str
    statement: Evidence
    document: Document
    quantity: QuantityView
    subject: Entity
    property: PropertyDef
    anchor: str
    cited_by: list[ClaimView] = field(default_factory=list)


@dataclass
class ClaimView:
    """Everything a claim page (and every list of claims) shows about one claim."""

    id: str
    iri: str
    url: str
    claim: Claim
    source: Source
    subject: Entity
    property: PropertyDef
    compared_with: Entity | None
    about: list[Entity]
    verdict: str
    verdict_label: str
    verdict_fig: Figure
    confidence: Figure
    quantity: QuantityView
    reviewer_name: str
    context_before: str
    context_after: str
    triple: str
    evidence: list[EvidenceView] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    related: list[ClaimView] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    chart: Markup | None = None
    chart_note: str = ""
    jsonld: Markup | None = None

    @builtins.property  # the field `property` above shadows the builtin here
    def verdict_rank(self) -> int:
        """The verdict's place on the scale, for sorting (0 = accurate)."""
        return VERDICTS.index(self.verdict)

    @builtins.property  # the field `property` above shadows the builtin here
    def entity_ids(self) -> list[str]:
        """The entities the claim is about, subject first."""
        return [e.id for e in (self.subject, self.compared_with, *self.about) if e is not None]


@dataclass
class SideView:
    """One side of a finding's comparison."""

    text: str
    lower: Figure | None
    upper: Figure | None
    unit: str


@dataclass
class FindingView:
    """A finding with its arithmetic, and links to what it involves."""

    id: str
    iri: str
    url: str
    finding: Finding
    kind_label: str
    holds: Figure
    left: SideView | None  # None: the finding compares no numbers (weakly-sourced)
    right: SideView | None
    factor_low: Figure | None
    factor_high: Figure | None
    involves: list[tuple[str, str, str]]  # (kind, id, url relative to the root)
    relation: Relation | None


@dataclass
class EntityView:
    """An entity with the claims and evidence about it."""

    id: str
    iri: str
    url: str
    entity: Entity
    claims: list[ClaimView]
    evidence: list[EvidenceView]
    verdicts: list[tuple[str, str, int]]  # (slug, label, count) for verdicts present


@dataclass
class Segment:
    """A piece of the annotated article: plain text, or a marked claim or ignored mention."""

    text: str = ""
    claim: ClaimView | None = None
    ignored: IgnoredMention | None = None
    part: bool = False  # a mark split because it crosses another: not the whole quote
    last: bool = True  # the last piece of its mark: the verdict tag goes after it
    children: list[Segment] = field(default_factory=list)


@dataclass
class SourceView:
    """A source article: metadata, the annotated text and what it contains."""

    id: str
    iri: str
    url: str
    source: Source
    segments: list[Segment]
    claims: list[ClaimView]
    ignored: list[IgnoredMention]
    text_file: str


@dataclass
class Term:
    """A vocabulary term for the vocabulary page."""

    curie: str
    anchor: str
    label: str
    comment: str
    kind: str


@dataclass
class Download:
    """One open-data file."""

    path: str
    format: str
    media_type: str
    size: int
    description: str


@dataclass
class Site:
    """The whole site's context."""

    collection: Collection
    built: str
    claims: list[ClaimView]
    entities: list[EntityView]
    sources: list[SourceView]
    findings: list[FindingView]
    documents: list[tuple[Document, list[EvidenceView]]]
    verdict_chart: Markup
    entity_chart: Markup
    verdict_scale: list[dict]
    terms: list[Term]
    properties: list[PropertyDef]
    downloads: list[Download] = field(default_factory=list)

    @property
    def finding_groups(self) -> list[tuple[str, str, list[FindingView]]]:
        """Findings by section of the findings page: what fails, by kind, then what holds."""
        failing = [f for f in self.findings if not f.finding.holds]
        groups = [(kind, about.failing, [f for f in failing if f.finding.kind == kind])
                  for kind, about in KINDS.items()]
        groups.append(("holds", "Relations that hold",
                       [f for f in self.findings if f.finding.holds]))
        return groups

    @property
    def verdict_labels(self) -> dict[str, str]:
        """Verdict slugs to labels, in scale order."""
        return {v: LABELS[v] for v in VERDICTS}


# -- building the views --------------------------------------------------------------------------


def build_site(c: Collection, findings: list[Finding], built: str) -> Site:
    """Gather every page's view from the collection and its findings."""
    iris = Iris(c.config.base)
    evidence = {e.id: _evidence_view(c, iris, e) for e in sorted(c.evidence.values(),
                                                                  key=lambda e: e.id)}
    claims = [_claim_view(c, iris, claim, evidence)
              for claim in sorted(c.claims.values(), key=lambda x: (x.source, x.start, x.id))]
    by_id = {cv.id: cv for cv in claims}
    finding_views = [_finding_view(c, iris, f) for f in sorted(findings, key=lambda f: f.id)]
    _link_related(c, claims, by_id, finding_views)
    # Group once, so every page kind is linear in the collection (no scan per entity/source).
    by_entity: dict[str, list[ClaimView]] = {}
    by_source: dict[str, list[ClaimView]] = {}
    for cv in claims:
        for ident in dict.fromkeys(cv.entity_ids):
            by_entity.setdefault(ident, []).append(cv)
        by_source.setdefault(cv.source.id, []).append(cv)
    evidence_by_entity: dict[str, list[EvidenceView]] = {}
    evidence_by_document: dict[str, list[EvidenceView]] = {}
    for ev in evidence.values():
        for about in dict.fromkeys((ev.statement.subject, ev.statement.compared_with)):
            if about:
                evidence_by_entity.setdefault(about, []).append(ev)
        evidence_by_document.setdefault(ev.document.id, []).append(ev)
    ignored_by_source: dict[str, list[IgnoredMention]] = {}
    for m in c.ignored:
        ignored_by_source.setdefault(m.source, []).append(m)
    entities = [_entity_view(iris, e, by_entity.get(e.id, []), evidence_by_entity.get(e.id, []))
                for e in sorted(c.entities.values(), key=lambda e: e.id)]
    sources = [_source_view(iris, s, by_source.get(s.id, []), ignored_by_source.get(s.id, []))
               for s in sorted(c.sources.values(), key=lambda s: s.id)]
    documents = [(doc, evidence_by_document.get(doc.id, []))
                 for doc in sorted(c.documents.values(), key=lambda d: d.id)]
    return Site(
        collection=c, built=built, claims=claims, entities=entities, sources=sources,
        findings=finding_views, documents=documents,
        verdict_chart=bar_chart(verdict_counts(claims), "verdict", "Claims by verdict"),
        entity_chart=bar_chart(entity_counts(claims, c.entities), "entity",
                               "Claims by subject entity"),
        verdict_scale=verdict_scale(), terms=vocabulary_terms(),
        properties=sorted(c.properties.values(), key=lambda p: p.id),
    )


def _evidence_view(c: Collection, iris: Iris, ev: Evidence) -> EvidenceView:
    node = iris.evidence(ev.id)
    return EvidenceView(id=ev.id, iri=str(node), statement=ev, document=c.documents[ev.document],
                        quantity=quantity_view(node, ev.quantity, ev.time),
                        subject=c.entities[ev.subject], property=c.properties[ev.property],
                        anchor=f"ev-{ev.id}")


def _claim_view(c: Collection, iris: Iris, claim: Claim,
                evidence: dict[str, EvidenceView]) -> ClaimView:
    node = iris.claim(claim.id)
    source = c.sources[claim.source]
    review = claim.review
    before = source.text[max(0, claim.start - CONTEXT_CHARS):claim.start]
    after = source.text[claim.end:claim.end + CONTEXT_CHARS]
    view = ClaimView(
        id=claim.id, iri=str(node), url=f"claim/{claim.id}/", claim=claim, source=source,
        subject=c.entities[claim.subject], property=c.properties[claim.property],
        compared_with=c.entities.get(claim.compared_with) if claim.compared_with else None,
        about=[c.entities[a] for a in claim.about if a in c.entities],
        verdict=review.verdict, verdict_label=LABELS[review.verdict],
        verdict_fig=figure(Iris.part(node, "review"), "kb:verdict",
                           VERDICT_TERMS[review.verdict]),
        confidence=figure(node, "kb:confidence", dec(claim.confidence)),
        quantity=quantity_view(node, claim.quantity, claim.time),
        reviewer_name=c.config.reviewers[review.reviewer].name,
        context_before=before.rsplit("\n", 1)[-1], context_after=after.split("\n", 1)[0],
        triple=f"entity:{claim.subject} property:{claim.property} {dec(claim.quantity.amount)}",
        evidence=[evidence[e] for e in review.evidence if e in evidence],
    )
    for ev in view.evidence:
        ev.cited_by.append(view)
    view.chart, view.chart_note = _chart(view)
    view.jsonld = script_json(claim_review(c, claim))
    return view


def _chart(view: ClaimView) -> tuple[Markup, str]:
    """The interval chart of a claim and those of its evidence stated in the same unit."""
    unit = view.claim.quantity.unit
    rows = [_bar("Claim", view.claim, "claim")]
    others = []
    for n, ev in enumerate(view.evidence, 1):
        if ev.statement.quantity.unit == unit:
            rows.append(_bar(f"Evidence {n}", ev.statement, "evidence"))
        else:
            others.append(f"evidence {n} is in {ev.statement.quantity.unit}")
    note = ("Not drawn on this axis: " + "; ".join(others) + ".") if others else ""
    return interval_chart(rows, unit, f"chart-{view.id}"), note


def _bar(label: str, st: Statement, css: str) -> Bar:
    q = st.quantity
    iv = quantity_interval(q)

    def end(x, none: str) -> str:
        value = to_decimal(x)
        return none if value is None else quantity_text(value.normalize(), q.unit)

    words = (f"{label}: {quantity_text(q.amount, q.unit)} ({BOUND_TEXT[q.bound]}), "
             f"from {end(iv.lo, 'no lower bound')} to {end(iv.hi, 'no upper bound')}.")
    return Bar(label, to_float(iv.lo), to_float(iv.hi), to_float(q.amount), css, words)


def _finding_view(c: Collection, iris: Iris, f: Finding) -> FindingView:
    node = iris.finding(f.id)

    def side(s: Side | None, lo: str, hi: str) -> SideView | None:
        if s is None:
            return None
        return SideView(
            text=s.text,
            lower=None if s.lower is None else figure(node, lo, dec(s.lower), s.unit),
            upper=None if s.upper is None else figure(node, hi, dec(s.upper), s.unit),
            unit=s.unit)

    involves = []
    for ident in f.involves:
        if ident in c.claims:
            involves.append(("claim", ident, f"claim/{ident}/"))
        else:
            involves.append(("evidence", ident, f"evidence/#ev-{ident}"))
    factor = f.factor
    return FindingView(
        id=f.id, iri=str(node), url=f"finding/{f.id}/", finding=f,
        kind_label=KINDS[f.kind].label,
        holds=figure(node, "kb:holds", Literal(f.holds)),
        left=side(f.left, "kb:leftLower", "kb:leftUpper"),
        right=side(f.right, "kb:rightLower", "kb:rightUpper"),
        factor_low=None if factor is None else figure(node, "kb:factorLow", dec(factor[0])),
        factor_high=None if factor is None else figure(node, "kb:factorHigh", dec(factor[1])),
        involves=involves, relation=c.relations.get(f.relation) if f.relation else None)


def _link_related(c: Collection, claims: list[ClaimView], by_id: dict[str, ClaimView],
                  findings: list[FindingView]) -> None:
    """Attach findings, relations and related claims to each claim view."""
    for fv in findings:
        for kind, ident, _ in fv.involves:
            if kind == "claim" and ident in by_id:
                by_id[ident].findings.append(fv)
    linked: dict[str, set[str]] = {cv.id: set() for cv in claims}
    for rel in sorted(c.relations.values(), key=lambda r: r.id):
        refs = [r for r in references(rel.expression) if r in by_id]
        for ident in refs:
            by_id[ident].relations.append(rel)
            linked[ident].update(refs)
    for fv in findings:
        refs = [i for k, i, _ in fv.involves if k == "claim" and i in by_id]
        for ident in refs:
            linked[ident].update(refs)
    groups: dict[tuple[str, str], set[str]] = {}
    for cv in claims:
        groups.setdefault((cv.subject.id, cv.property.id), set()).add(cv.id)
    order = {cv.id: i for i, cv in enumerate(claims)}
    for cv in claims:
        related = (groups[cv.subject.id, cv.property.id] | linked[cv.id]) - {cv.id}
        cv.related = [by_id[i] for i in sorted(related, key=order.__getitem__)]


def _entity_view(iris: Iris, e: Entity, mine: list[ClaimView],
                 evidence: list[EvidenceView]) -> EntityView:
    """An entity page: the claims about it (as subject, comparison or topic) and its evidence."""
    counts = Counter(cv.verdict for cv in mine)
    return EntityView(
        id=e.id, iri=str(iris.entity(e.id)), url=f"entity/{e.id}/", entity=e, claims=mine,
        evidence=evidence,
        verdicts=[(v, LABELS[v], counts[v]) for v in VERDICTS if counts[v]])


def _source_view(iris: Iris, s: Source, claims: list[ClaimView],
                 ignored: list[IgnoredMention]) -> SourceView:
    spans: list[tuple[int, int, ClaimView | None, IgnoredMention | None]] = [
        (cv.claim.start, cv.claim.end, cv, None) for cv in claims]
    spans += [(m.start, m.end, None, m) for m in ignored]
    return SourceView(id=s.id, iri=str(iris.source(s.id)), url=f"source/{s.id}/", source=s,
                      segments=annotate(s.text, spans), claims=claims,
                      ignored=sorted(ignored, key=lambda m: m.start),
                      text_file=f"source/{s.id}/{PurePath(s.text_file).name}")


def annotate(text: str, spans: list[tuple[int, int, ClaimView | None, IgnoredMention | None]]
             ) -> list[Segment]:
    """Split text into plain and marked segments; nested marks nest, crossing ones are split."""
    todo = [(start, end, cv, ig, False, True) for start, end, cv, ig in spans]
    return _annotate(text, 0, len(text), sorted(todo, key=_span_order))


def _span_order(span: tuple) -> tuple[int, int]:
    return span[0], -span[1]


def _annotate(text: str, lo: int, hi: int, spans: list[tuple]) -> list[Segment]:
    """Segments of text[lo:hi]; spans are (start, end, claim, ignored, part, last), sorted."""
    out: list[Segment] = []
    pos = lo
    while spans:
        (start, end, cv, ig, part, last), spans = spans[0], spans[1:]
        inner, rest = [], []
        for s in spans:
            if s[0] >= end:
                rest.append(s)
            elif s[1] <= end:
                inner.append(s)
            else:  # crosses this mark's end: the piece inside nests, the tail follows it
                inner.append((s[0], end, s[2], s[3], True, False))
                rest.append((end, s[1], s[2], s[3], True, s[5]))
        if pos < start:
            out.append(Segment(text=text[pos:start]))
        out.append(Segment(claim=cv, ignored=ig, part=part, last=last,
                           children=_annotate(text, start, end, inner)))
        pos = end
        spans = sorted(rest, key=_span_order)
    if pos < hi:
        out.append(Segment(text=text[pos:hi]))
    return out


def verdict_counts(claims: list[ClaimView]) -> list[Count]:
    """Claims per verdict, in scale order (zero counts included, so the scale is complete)."""
    counts = Counter(cv.verdict for cv in claims)
    return [Count(v, LABELS[v], counts[v], f"v-{v}") for v in VERDICTS]


def entity_counts(claims: list[ClaimView], entities: dict[str, Entity]) -> list[Count]:
    """Claims per subject entity, most first, then by id; entities with no claim are left out."""
    counts = Counter(cv.subject.id for cv in claims)
    ordered = sorted(counts, key=lambda e: (-counts[e], e))
    return [Count(e, entities[e].label("en"), counts[e], "entity") for e in ordered]


_ontology = cache(ontology_graph)


def verdict_scale() -> list[dict]:
    """The verdict scale: label, confidence band and meaning (from the ontology's comments)."""
    g = _ontology()
    rows = []
    for v in VERDICTS:
        low, high = BANDS[v]
        rows.append({"slug": v, "label": LABELS[v], "icon": ICONS[v],
                     "low": str(low), "high": str(high),
                     "meaning": str(g.value(VERDICT_TERMS[v], RDFS.comment) or "")})
    return rows


def vocabulary_terms() -> list[Term]:
    """Every term of the kb: vocabulary with its label and comment, classes first."""
    g = _ontology()
    ns = str(KB._NS)
    terms = []
    for s in sorted({s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(ns)}):
        local = str(s)[len(ns):]
        types = set(g.objects(s, RDF.type))
        kind = ("class" if OWL.Class in types else
                "property" if types & {OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property}
                else "value")
        terms.append(Term(f"kb:{local}", f"term-{local}", str(g.value(s, RDFS.label) or local),
                          str(g.value(s, RDFS.comment) or ""), kind))
    order = {"class": 0, "property": 1, "value": 2}
    return sorted(terms, key=lambda t: (order[t.kind], t.curie.lower()))

