"""The site's pages as typed views: everything a template shows, gathered from one checked KB.

Templates only lay these out; every figure comes here as a Figure built from the same literal the
graph holds (kb.graph.dec), so the site check can compare the page with the graph.
"""

from __future__ import annotations

import bisect
import builtins
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from pathlib import PurePath
from typing import TypeVar

from markupsafe import Markup
from rdflib import OWL, RDF, RDFS, Literal, URIRef

from .charts import Bar, Count, bar_chart, interval_chart, to_float
from .claimdata import claim_review, script_json
from .despin import Swap, normalise
from .export import CSV_COLUMNS, CSV_DICTIONARY, ontology_graph
from .expr import references
from .figures import FIGURE_PROPS, chance_text, display, lexical, prose, quantity_text
from .findings import KINDS, Finding, Side
from .graph import VERDICT_TERMS
from .history import History, VerdictChange
from .intervals import quantity_interval, to_decimal
from .iris import Iris
from .layout import CLAIMS_LIST, LIST_PAGE_DIR, PAGE_SIZE, list_path, page_count
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
    Reviewer,
    Source,
    Statement,
    TimeSpec,
)
from .queries import decimal_text
from .verdicts import BANDS, CORRECTED, ICONS, LABELS, VERDICTS, WORST_FIRST
from .vocab import KB

BOUND_TEXT = {"exact": "exactly", "approximately": "approximately", "at-least": "at least",
              "more-than": "more than", "at-most": "at most", "less-than": "less than",
              "range": "a range"}
CONTEXT_CHARS = 90  # code points of the source shown either side of a quote on its claim page
# Bars of the overview's chart of claims by subject entity: the entities with most claims (the
# entities index lists them all), so that the chart does not grow with the collection.
CHART_ENTITIES = 20
_Row = TypeVar("_Row")


@dataclass(frozen=True)
class Pager:
    """One page of a list too long for one page: which page it is, of how many, and where the
    others are. A list that fits on one page has one Pager, and shows no page links."""

    base: str  # the first page's folder, relative to the site's root: "claims/", "" (overview)
    number: int  # from 1
    count: int  # pages in the list
    total: int  # rows in the whole list

    @builtins.property
    def first(self) -> int:
        """The index (from 0) in the whole list of this page's first row."""
        return (self.number - 1) * PAGE_SIZE

    @builtins.property
    def last(self) -> int:
        """The number (from 1) in the whole list of this page's last row."""
        return min(self.total, self.number * PAGE_SIZE)

    @builtins.property
    def path(self) -> str:
        """The page's file, relative to the root."""
        return list_path(self.base, self.number)

    def url(self, number: int) -> str:
        """The address of page `number` of the list, relative to the root."""
        return self.base if number == 1 else f"{self.base}{LIST_PAGE_DIR}/{number}/"

    @builtins.property
    def window(self) -> list[int | None]:
        """The page numbers the navigation links: the first, the last and two either side of
        this one, None where numbers are left out (so a list of 1,000 pages links 7)."""
        near = {1, self.count, *range(self.number - 2, self.number + 3)}
        shown = sorted(n for n in near if 1 <= n <= self.count)
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def paginate(rows: Sequence[_Row], base: str) -> list[tuple[Pager, list[_Row]]]:
    """A list split into pages of at most PAGE_SIZE rows, each with its Pager (one page, maybe
    empty, for a list that fits)."""
    count = page_count(len(rows))
    return [(Pager(base, n, count, len(rows)), list(rows[(n - 1) * PAGE_SIZE:n * PAGE_SIZE]))
            for n in range(1, count + 1)]


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure as a page shows it: the node and property it comes from, its value and text."""

    node: str
    prop: str
    value: str
    text: str


# (property, value, unit) -> the figure's lexical form and text. A collection shows few
# distinct figures many times (10,000 claims: 84,000 figures, 21,000 distinct), and writing
# out a number as people read it costs a few microseconds.
_SHOWN: dict[tuple[str, str, str | None], tuple[str, str]] = {}
_SHOWN_MAX = 200_000  # emptied past this: each figure takes 200 bytes or so


def figure(node: URIRef | str, curie: str, value: Literal | URIRef | str,
           unit: str | None = None) -> Figure:
    """A Figure for one graph value (or its lexical form), written as figures.display writes
    it."""
    key = (curie, str(value), unit)
    shown = _SHOWN.get(key)
    if shown is None:
        if len(_SHOWN) >= _SHOWN_MAX:
            _SHOWN.clear()
        prop = FIGURE_PROPS[curie]
        lex = lexical(prop, key[1])
        shown = _SHOWN[key] = (lex, display(prop, lex, unit))
    return Figure(str(node), curie, *shown)


def dec(value: Decimal | int) -> str:
    """An xsd:decimal's canonical lexical form, as kb.graph.dec writes it (without making
    rdflib's Literal, which cost the views a third of their time)."""
    return decimal_text(Decimal(value))


@dataclass(slots=True)
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


def quantity_view(node: str, q: Quantity, time: TimeSpec | None) -> QuantityView:
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

    @builtins.property
    def url(self) -> str:
        """The statement's own page, relative to the root: its IRI read under site_url."""
        return f"evidence/{self.id}/"

    @builtins.property
    def document_url(self) -> str:
        """The page of the document it quotes, relative to the root."""
        return f"document/{self.document.id}/"

    @builtins.property
    def cited_brief(self) -> list[ClaimView]:
        """The claims the evidence list and the document's page name as citing it: at most
        CITED_SHOWN (the statement's own pages list them all)."""
        return self.cited_by[:CITED_SHOWN]

    @builtins.property
    def cited_more(self) -> int:
        """How many claims citing it cited_brief leaves out."""
        return max(0, len(self.cited_by) - CITED_SHOWN)

    @cached_property
    def quote_row(self) -> tuple[str, list[tuple[str, bool]]] | None:
        """A quote that is a table row ('Total revenues$97,690 $96,773 $81,462') as its label
        and cells, the cell this statement reads marked; None for a quote in prose."""
        return table_row(self.statement.quote, self.statement.quantity.amount)


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
    headline: str  # verdict first, then what is true instead: never the wrong claim as fact
    context_before: str
    context_after: str
    triple: str
    evidence: list[EvidenceView] = field(default_factory=list)
    findings: list[FindingView] = field(default_factory=list)
    related: list[ClaimView] = field(default_factory=list)
    related_more: int = 0  # related claims not listed (RELATED_SHOWN)
    relations: list[Relation] = field(default_factory=list)
    # For the JSON-LD, made as the page is rendered; not compared or fingerprinted: the page
    # key already covers what the claim's review reads of it (its claim, source and config).
    collection: Collection | None = field(default=None, compare=False, repr=False)

    # The chart and the JSON-LD are made as the claim page is rendered, in the page workers,
    # not kept in the views: 2.8 kB a claim, 43% of the views' memory (docs/benchmarks.md).
    @builtins.property
    def chart(self) -> Markup:
        """The interval chart of the claim and of its evidence stated in the same unit."""
        return interval_chart(_chart_rows(self), self.claim.quantity.unit, f"chart-{self.id}")

    @builtins.property
    def chart_note(self) -> str:
        """The evidence the chart leaves out, as it is in another unit ('' if none)."""
        unit = self.claim.quantity.unit
        others = [f"evidence {n} is in {ev.statement.quantity.unit}"
                  for n, ev in enumerate(self.evidence, 1) if ev.statement.quantity.unit != unit]
        return ("Not drawn on this axis: " + "; ".join(others) + ".") if others else ""

    @builtins.property
    def jsonld(self) -> Markup:
        """The claim's ClaimReview as JSON-LD for its page's script element."""
        assert self.collection is not None, "a ClaimView made by build_site"
        return script_json(claim_review(self.collection, self.claim))

    def citation(self, site_title: str, site_url: str) -> dict[str, str]:
        """How to cite the review: APA 7 and BibTeX, from its reviewer, date and headline."""
        review = self.claim.review
        day = review.date if review else None
        url = site_url + self.url
        when = f"{day.year}, {day:%B} {day.day}" if day else "n.d."
        apa = f"{self.reviewer_name}. ({when}). {self.headline} [Fact check]. {site_title}. {url}"
        fields = {"author": f"{{{bibtex(self.reviewer_name)}}}", "title": bibtex(self.headline),
                  "howpublished": bibtex(site_title), "year": str(day.year) if day else "",
                  "url": url,
                  "note": "Fact check"}
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
        return {"apa": apa, "bibtex": f"@misc{{kb-{self.id},\n{body}\n}}"}

    @cached_property
    def conclusion(self) -> str:
        """The review's first sentence: its conclusion in one line."""
        review = self.claim.review
        return prose(sentence(review.explanation)) if review else ""

    @builtins.property  # the field `property` above shadows the builtin here
    def verdict_rank(self) -> int:
        """The verdict's place for sorting, worst first (0 = inaccurate)."""
        return WORST_FIRST.index(self.verdict)

    @cached_property
    def corrected(self) -> bool:
        """Whether the claim is wrong or misleading as worded (pages lead with its correction)."""
        return self.verdict in CORRECTED

    @cached_property
    def findings_against(self) -> list[FindingView]:
        """Failing findings that tell against this claim: all of them, unless its review finds
        it right, when only those that involve no other claim do (a conflict with its own
        evidence, weak sources); the rest are the fault of the other claims involved."""
        return [f for f in self.findings if not f.finding.holds
                and (not self.upheld or all(o.id == self.id for o in f.claims))]

    @cached_property
    def findings_involving(self) -> list[FindingView]:
        """The other findings about this claim: checks that hold, and failing ones that, by its
        review, tell against another claim."""
        against = self.findings_against
        return [f for f in self.findings if f not in against]

    def blamed(self, fv: FindingView) -> list[ClaimView]:
        """The other claims of a finding that its failure points at (not found right)."""
        return [o for o in fv.claims if o.id != self.id and not o.upheld]

    @cached_property
    def upheld(self) -> bool:
        """Whether the review finds the claim right (accurate or mostly accurate)."""
        return self.verdict in ("accurate", "mostly-accurate")

    @builtins.property  # the field `property` above shadows the builtin here
    def entity_ids(self) -> list[str]:
        """The entities the claim is about, subject first."""
        return [e.id for e in (self.subject, self.compared_with, *self.about) if e is not None]


@dataclass(slots=True)
class SideView:
    """One side of a finding's comparison."""

    text: str
    lower: Figure | None
    upper: Figure | None
    unit: str


@dataclass(slots=True)
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
    title: str = ""  # plain words, not the slug
    same_as: list[FindingView] = field(default_factory=list)  # duplicates merged into this one
    duplicate_of: FindingView | None = None  # the finding this one repeats, shown instead
    claims: list[ClaimView] = field(default_factory=list)  # the claims it involves


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

    @property
    def claim_count(self) -> int:
        """How many claims are about the entity (for ordering the entity index)."""
        return len(self.claims)

    @property
    def worst_first(self) -> list[tuple[str, str, int]]:
        """The verdicts present, worst first."""
        return sorted(self.verdicts, key=lambda v: WORST_FIRST.index(v[0]))


@dataclass
class ReviewerView:
    """A reviewer with the reviews they signed: the page a ClaimReview's author @id names."""

    id: str
    iri: str
    url: str
    reviewer: Reviewer
    claims: list[ClaimView]


@dataclass(slots=True)
class Segment:
    """A piece of the annotated article: plain text, or a marked claim or ignored mention."""

    text: str = ""
    claim: ClaimView | None = None
    ignored: IgnoredMention | None = None
    part: bool = False  # a mark split because it crosses another: not the whole quote
    last: bool = True  # the last piece of its mark: the verdict tag goes after it
    children: list[Segment] = field(default_factory=list)
    # Spun wording the de-spinner replaces: text is (a piece of) the spun form; the piece
    # where the swap starts (lead) carries the whole replacement, so the de-spun reading is
    # the normaliser's output even where a claim's mark cuts a spun phrase.
    swap: Swap | None = None
    lead: bool = False


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

    @property
    def errors(self) -> list[ClaimView]:
        """The article's wrong and misleading claims, worst first."""
        return worst_first(self.claims)


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
    reviewers: list[ReviewerView] = field(default_factory=list)
    history: History = field(default_factory=lambda: History(available=False))
    downloads: list[Download] = field(default_factory=list)

    @property
    def article(self) -> str:
        """The source the menu's Article entry opens (the first by id); '' if none."""
        return self.sources[0].id if self.sources else ""

    @property
    def csv_dictionary(self) -> dict[str, str]:
        """The CSV's columns and what each holds, in the CSV's order."""
        return {column: CSV_DICTIONARY[column] for column in CSV_COLUMNS}

    @property
    def errors(self) -> list[ClaimView]:
        """The wrong and misleading claims, worst first: what the home page leads with."""
        return worst_first(self.claims)

    @property
    def claim_lists(self) -> list[tuple[str, str, str, list[ClaimView]]]:
        """The lists of claims, each (folder, verdict slug or "", heading, claims): every claim
        in reading order, then the claims of each verdict, least likely true first."""
        by_verdict: dict[str, list[ClaimView]] = {v: [] for v in VERDICTS}
        for cv in sorted(self.claims, key=lambda cv: (cv.claim.confidence, cv.id)):
            by_verdict[cv.verdict].append(cv)
        return [(CLAIMS_LIST, "", "All claims", self.claims),
                *((f"{CLAIMS_LIST}{v}/", v, f"Claims rated {LABELS[v]}", by_verdict[v])
                  for v in VERDICTS)]

    @property
    def by_verdict(self) -> list[Count]:
        """How many claims have each verdict, worst first (every verdict, with its list)."""
        return verdict_counts(self.claims)

    @property
    def chart_entities(self) -> list[EntityView]:
        """The entities the overview's chart draws: most claims as subject first."""
        by_id = {e.id: e for e in self.entities}
        return [by_id[c.key] for c in entity_counts(self.claims, self.collection.entities)
                [:CHART_ENTITIES]]

    @property
    def finding_rows(self) -> list[tuple[str, str, FindingView]]:
        """The findings page's rows in order, each with its section (key, heading)."""
        return [(key, label, fv) for key, label, items in self.finding_groups for fv in items]

    @property
    def evidence_rows(self) -> list[tuple[Document, EvidenceView | None]]:
        """The evidence page's rows in order: each document's statements (a document no
        statement quotes yet, alone)."""
        rows: list[tuple[Document, EvidenceView | None]] = []
        for doc, statements in self.documents:
            rows += [(doc, ev) for ev in statements] if statements else [(doc, None)]
        return rows

    @property
    def shown_findings(self) -> list[FindingView]:
        """Findings without duplicates (a duplicate is listed under the one it repeats)."""
        return [f for f in self.findings if f.duplicate_of is None]

    @property
    def finding_groups(self) -> list[tuple[str, str, list[FindingView]]]:
        """Findings by section of the findings page: what fails, by kind, then what holds."""
        failing = [f for f in self.shown_findings if not f.finding.holds]
        groups = [(kind, about.failing, [f for f in failing if f.finding.kind == kind])
                  for kind, about in KINDS.items()]
        groups.append(("holds", "Relations that hold",
                       [f for f in self.shown_findings if f.finding.holds]))
        return groups

    @property
    def corrections(self) -> list[tuple[VerdictChange, ClaimView | None]]:
        """Each recorded verdict change, newest first, with the claim as it stands (None: the
        claim has since been removed)."""
        by_id = {cv.id: cv for cv in self.claims}
        return [(change, by_id.get(change.claim)) for change in self.history.changes]

    @property
    def verdict_labels(self) -> dict[str, str]:
        """Verdict slugs to labels, in scale order."""
        return {v: LABELS[v] for v in VERDICTS}


# -- building the views --------------------------------------------------------------------------


@dataclass
class StatementViews:
    """The views of the evidence statements and the claims, before any finding is linked:
    they need none, so a build makes them while the consistency checks run."""

    collection: Collection
    evidence: dict[str, EvidenceView]
    claims: list[ClaimView]


def statement_views(c: Collection) -> StatementViews:
    """The evidence statements' and the claims' views, each claim's evidence linked."""
    iris = Iris(c.config.base)
    evidence = {e.id: _evidence_view(c, iris, e) for e in sorted(c.evidence.values(),
                                                                  key=lambda e: e.id)}
    claims = [_claim_view(c, iris, claim, evidence)
              for claim in sorted(c.claims.values(), key=lambda x: (x.source, x.start, x.id))]
    return StatementViews(c, evidence, claims)


def build_site(c: Collection, findings: list[Finding], built: str,
               made: StatementViews | None = None) -> Site:
    """Gather every page's view from the collection and its findings (made: the statements'
    views of this collection, if made already)."""
    iris = Iris(c.config.base)
    if made is None or made.collection is not c:
        made = statement_views(c)
    evidence, claims = made.evidence, made.claims
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
    reviewers = [ReviewerView(r.id, str(iris.reviewer(r.id)), f"reviewer/{r.id}/", r,
                              [cv for cv in claims if cv.claim.review.reviewer == r.id])
                 for r in sorted(c.config.reviewers.values(), key=lambda r: r.id)]
    return Site(
        collection=c, built=built, claims=claims, entities=entities, sources=sources,
        findings=finding_views, documents=documents, reviewers=reviewers,
        verdict_chart=bar_chart(verdict_counts(claims), "verdict", "Claims by verdict"),
        entity_chart=bar_chart(entity_counts(claims, c.entities)[:CHART_ENTITIES], "entity",
                               "Claims by subject entity"),
        verdict_scale=verdict_scale(), terms=vocabulary_terms(),
        properties=sorted(c.properties.values(), key=lambda p: p.id),
    )


def _evidence_view(c: Collection, iris: Iris, ev: Evidence) -> EvidenceView:
    node = str(iris.evidence(ev.id))  # one string for all its figures, not a copy each
    return EvidenceView(id=ev.id, iri=node, statement=ev, document=c.documents[ev.document],
                        quantity=quantity_view(node, ev.quantity, ev.time),
                        subject=c.entities[ev.subject], property=c.properties[ev.property],
                        anchor=f"ev-{ev.id}")


def _claim_view(c: Collection, iris: Iris, claim: Claim,
                evidence: dict[str, EvidenceView]) -> ClaimView:
    node = str(iris.claim(claim.id))  # one string for all its figures, not a copy each
    source = c.sources[claim.source]
    review = claim.review
    before = source.text[max(0, claim.start - CONTEXT_CHARS):claim.start]
    after = source.text[claim.end:claim.end + CONTEXT_CHARS]
    view = ClaimView(
        id=claim.id, iri=node, url=f"claim/{claim.id}/", claim=claim, source=source,
        subject=c.entities[claim.subject], property=c.properties[claim.property],
        compared_with=c.entities.get(claim.compared_with) if claim.compared_with else None,
        about=[c.entities[a] for a in claim.about if a in c.entities],
        verdict=review.verdict, verdict_label=LABELS[review.verdict],
        verdict_fig=figure(Iris.part(node, "review"), "kb:verdict",
                           VERDICT_TERMS[review.verdict]),
        confidence=figure(node, "kb:confidence", dec(claim.confidence)),
        quantity=quantity_view(node, claim.quantity, claim.time),
        reviewer_name=c.config.reviewers[review.reviewer].name,
        headline=prose(claim.headline),
        context_before=before.rsplit("\n", 1)[-1], context_after=after.split("\n", 1)[0],
        triple=f"entity:{claim.subject} property:{claim.property} {dec(claim.quantity.amount)}",
        evidence=[evidence[e] for e in review.evidence if e in evidence],
        collection=c,
    )
    for ev in view.evidence:
        ev.cited_by.append(view)
    return view


def _chart_rows(view: ClaimView) -> list[Bar]:
    """The bars of a claim's chart: the claim, then its evidence stated in the same unit."""
    unit = view.claim.quantity.unit
    rows = [_bar("Claim", view.claim, "claim")]
    rows += [_bar(f"Evidence {n}", ev.statement, "evidence")
             for n, ev in enumerate(view.evidence, 1) if ev.statement.quantity.unit == unit]
    return rows


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
    node = str(iris.finding(f.id))  # one string for all its figures, not a copy each

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
            involves.append(("evidence", ident, f"evidence/{ident}/"))
    factor = f.factor
    return FindingView(
        id=f.id, iri=node, url=f"finding/{f.id}/", finding=f,
        kind_label=KINDS[f.kind].label,
        # xsd:boolean's lexical form, as kb.graph writes it (an rdflib Literal cost an eighth
        # of a finding's view, and the findings outnumber the claims 1.5 to 1 at 100,000)
        holds=figure(node, "kb:holds", "true" if f.holds else "false"),
        left=side(f.left, "kb:leftLower", "kb:leftUpper"),
        right=side(f.right, "kb:rightLower", "kb:rightUpper"),
        factor_low=None if factor is None else figure(node, "kb:factorLow", dec(factor[0])),
        factor_high=None if factor is None else figure(node, "kb:factorHigh", dec(factor[1])),
        involves=involves, relation=c.relations.get(f.relation) if f.relation else None,
        title=finding_title(c, f))


def _link_related(c: Collection, claims: list[ClaimView], by_id: dict[str, ClaimView],
                  findings: list[FindingView]) -> None:
    """Attach findings, relations and related claims to each claim view."""
    merge_duplicates(findings)
    for fv in findings:
        fv.claims = [by_id[i] for k, i, _ in fv.involves if k == "claim" and i in by_id]
        if fv.duplicate_of is not None:
            continue
        for cv in fv.claims:
            cv.findings.append(fv)
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
    groups: dict[tuple[str, str], list[ClaimView]] = {}
    for cv in claims:
        groups.setdefault((cv.subject.id, cv.property.id), []).append(cv)
    order = {cv.id: i for i, cv in enumerate(claims)}
    for group in groups.values():
        members = {cv.id for cv in group}
        by_time: list[str] = []  # sorted only for a group with a claim that needs it
        position: dict[str, int] = {}
        for cv in group:
            outside = linked[cv.id] - members
            if len(group) - 1 + len(outside) <= RELATED_SHOWN:
                related = (members | outside) - {cv.id}
            else:
                if not by_time:
                    by_time = [v.id for v in sorted(group, key=lambda v: (_time_key(v),
                                                                          order[v.id]))]
                    position = {ident: i for i, ident in enumerate(by_time)}
                related = _nearest(linked[cv.id] - {cv.id}, by_time, position[cv.id], order)
                cv.related_more = len(group) - 1 + len(outside) - len(related)
            cv.related = [by_id[i] for i in sorted(related, key=order.__getitem__)]


# The evidence list and a document's page name at most this many of the claims citing each
# statement: a statement a whole desk's archive cites (a company's annual revenue) would
# otherwise make each of those pages grow with the collection. The statement's own pages,
# split like any list (kb.render.list_jobs), list them all.
CITED_SHOWN = 40

# A claim page lists at most this many related claims: a figure many articles state would
# otherwise make each of its claim pages list every other (a site growing with their square).
RELATED_SHOWN = 40


def _time_key(cv: ClaimView) -> tuple[int, str]:
    time = cv.claim.time
    return (0, time.start.isoformat()) if time else (1, "")


def _nearest(linked: set[str], by_time: list[str], here: int, order: dict[str, int]
             ) -> set[str]:
    """RELATED_SHOWN of a claim's related claims: those a relation or finding links to it
    first, then those of its group nearest to it in time (by_time: the group's ids in time
    order, the claim's at here)."""
    chosen = set(sorted(linked, key=order.__getitem__)[:RELATED_SHOWN])
    for step in range(1, len(by_time)):
        if len(chosen) >= RELATED_SHOWN:
            break
        for i in (here - step, here + step):
            if 0 <= i < len(by_time) and len(chosen) < RELATED_SHOWN:
                chosen.add(by_time[i])
    return chosen


# The kinds that compare values, which two findings can do alike (the first shown); a finding
# of another kind (weakly-sourced) says something else about the same statements.
COMPARING_KINDS = {"relation": 0, "evidence-conflict": 1, "contradiction": 2}


def merge_duplicates(findings: list[FindingView]) -> None:
    """Findings that compare the same statements with the same outcome say one thing: the
    first (a relation, which has a description, before a generated conflict) is shown, the
    others are listed under it."""
    first: dict[tuple[frozenset[str], bool], FindingView] = {}
    for fv in sorted(findings, key=lambda f: (COMPARING_KINDS.get(f.finding.kind, 9), f.id)):
        if fv.finding.kind not in COMPARING_KINDS:
            continue
        key = (frozenset(fv.finding.involves), fv.finding.holds)
        if key in first:
            fv.duplicate_of = first[key]
            first[key].same_as.append(fv)
        else:
            first[key] = fv


def finding_title(c: Collection, f: Finding) -> str:
    """A finding's heading in plain words: its relation's first sentence, or what it compares."""
    if f.relation and f.relation in c.relations:
        return first_sentence(prose(c.relations[f.relation].description))
    statements = [c.claims.get(i) or c.evidence.get(i) for i in f.involves]
    about = next((s for s in statements if s is not None), None)
    what = "" if about is None else (f"{c.entities[about.subject].label('en')}, "
                                     f"{c.properties[about.property].label('en')}")
    head = {"evidence-conflict": "The claim against its evidence",
            "contradiction": "Two claims that cannot both hold"}.get(f.kind, "A check")
    return f"{head}: {what}" if what else head


TITLE_CHARS = 110
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")
_CELL = r"[$¥€£]?\(?[\d,]+(?:\.\d+)?\)?%?"
_ROW = re.compile(rf"^(.*?\D)\s*({_CELL}(?:\s+{_CELL})+)$")


_BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "$%&#_{}"})


def bibtex(text: str) -> str:
    """Text safe in a BibTeX field: TeX's special characters escaped (US\\$506)."""
    return text.translate(_BIBTEX_SPECIAL)


def sentence(text: str) -> str:
    """The first sentence of a text (up to a full stop followed by a capital)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def table_row(quote: str, amount: Decimal) -> tuple[str, list[tuple[str, bool]]] | None:
    """A quoted table row as (label, [(cell, whether it is the amount)]), or None."""
    m = _ROW.match(quote.strip())
    if m is None:
        return None
    cells = []
    for cell in m.group(2).split():
        digits = re.sub(r"[^\d.]", "", cell)
        value = Decimal(digits) if digits.strip(".") else None
        cells.append((cell, value is not None and any(
            value.scaleb(k) == abs(amount) for k in range(0, 13, 3))))
    return m.group(1).strip(), cells


def first_sentence(text: str) -> str:
    """The first sentence of a text, cut at a word (never inside a number) if it is long."""
    cut = len(text)
    for stop in (". ", ": ", "; "):
        at = text.find(stop)
        if 0 < at < cut:
            cut = at
    head = text[:cut].rstrip(".")
    if len(head) <= TITLE_CHARS:
        return head
    return head[:head.rfind(" ", 0, TITLE_CHARS)].rstrip(",;: ") + " …"


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
                      segments=annotate(s.text, spans, normalise(s.text).swaps),
                      claims=claims,
                      ignored=sorted(ignored, key=lambda m: m.start),
                      text_file=f"source/{s.id}/{PurePath(s.text_file).name}")


def annotate(text: str, spans: list[tuple[int, int, ClaimView | None, IgnoredMention | None]],
             swaps: Sequence[Swap] = ()) -> list[Segment]:
    """Split text into plain and marked segments; nested marks nest, crossing ones are split;
    the de-spinner's swaps (sorted, disjoint) split the plain text further."""
    todo = [(start, end, cv, ig, False, True) for start, end, cv, ig in spans]
    return _annotate(text, 0, len(text), sorted(todo, key=_span_order),
                     _Swaps(tuple(swaps), [w.raw_start for w in swaps]))


@dataclass(frozen=True)
class _Swaps:
    swaps: tuple[Swap, ...]
    starts: list[int]

    def plain(self, text: str, lo: int, hi: int) -> list[Segment]:
        """Segments of unmarked text[lo:hi]: plain runs and the pieces of spun phrases."""
        out: list[Segment] = []
        pos = lo
        for w in self.swaps[max(bisect.bisect_right(self.starts, lo) - 1, 0):]:
            if w.raw_start >= hi:
                break
            if w.raw_end <= lo:
                continue
            a, b = max(w.raw_start, lo), min(w.raw_end, hi)
            if pos < a:
                out.append(Segment(text=text[pos:a]))
            out.append(Segment(text=text[a:b], swap=w, lead=a == w.raw_start))
            pos = b
        if pos < hi:
            out.append(Segment(text=text[pos:hi]))
        return out


def _span_order(span: tuple) -> tuple[int, int]:
    return span[0], -span[1]


def _annotate(text: str, lo: int, hi: int, spans: list[tuple], swaps: _Swaps
              ) -> list[Segment]:
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
        out += swaps.plain(text, pos, start)
        out.append(Segment(claim=cv, ignored=ig, part=part, last=last,
                           children=_annotate(text, start, end, inner, swaps)))
        pos = end
        spans = sorted(rest, key=_span_order)
    return out + swaps.plain(text, pos, hi)


def by_document(rows: Sequence[tuple[Document, EvidenceView | None]]
                ) -> list[tuple[Document, list[EvidenceView]]]:
    """Evidence rows (of one page of the evidence list) as each document's statements."""
    out: list[tuple[Document, list[EvidenceView]]] = []
    for doc, ev in rows:
        if not out or out[-1][0] is not doc:
            out.append((doc, []))
        if ev is not None:
            out[-1][1].append(ev)
    return out


def worst_first(claims: list[ClaimView]) -> list[ClaimView]:
    """The wrong and misleading claims, worst verdict first, then least likely true first."""
    return sorted((cv for cv in claims if cv.corrected),
                  key=lambda cv: (cv.verdict_rank, cv.claim.confidence, cv.id))


def verdict_counts(claims: list[ClaimView]) -> list[Count]:
    """Claims per verdict, worst first (zero counts included, so the scale is complete); each
    bar links to the list of the claims of its verdict."""
    counts = Counter(cv.verdict for cv in claims)
    return [Count(v, LABELS[v], counts[v], f"v-{v}", f"{CLAIMS_LIST}{v}/")
            for v in WORST_FIRST]


def entity_counts(claims: list[ClaimView], entities: dict[str, Entity]) -> list[Count]:
    """Claims per subject entity, most first, then by id; entities with no claim are left out.
    Each bar links to the entity's page."""
    counts = Counter(cv.subject.id for cv in claims)
    ordered = sorted(counts, key=lambda e: (-counts[e], e))
    return [Count(e, entities[e].label("en"), counts[e], "entity", f"entity/{e}/")
            for e in ordered]


_ontology = cache(ontology_graph)


def verdict_scale() -> list[dict]:
    """The verdict scale: label, confidence band and meaning (from the ontology's comments)."""
    g = _ontology()
    rows = []
    for v in VERDICTS:
        low, high = BANDS[v]
        rows.append({"slug": v, "label": LABELS[v], "icon": ICONS[v],
                     "low": chance_text(low), "high": chance_text(high),
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

