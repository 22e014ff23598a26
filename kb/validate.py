"""Structural checks: the errors that make a knowledge base unpublishable."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import RDF
from rdflib.namespace import PROV

from .errors import Origin, Problem
from .expr import references
from .findings import Finding
from .graph import KbGraph
from .iris import Iris
from .limits import shorten
from .model import Collection, Document, Entity, PropertyDef, Relation, Statement, quote_hint
from .parallel import WorkerFailed, start_forked
from .shacl import validate
from .units import unit_problem
from .vocab import KB, SCHEMA

ModelCheck = Callable[[Collection], Iterable[Problem]]
CLASS_COMPONENT = "http://www.w3.org/ns/shacl#ClassConstraintComponent"


@dataclass
class Report:
    """What the checks found: errors (not publishable) and findings (facts to publish)."""

    errors: list[Problem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_references(c: Collection) -> Iterable[Problem]:
    """Every id a claim, evidence statement or relation names must exist."""
    def missing(kind, obj, key, ident, known, where):
        if ident and ident not in known and (where[0], ident) not in c.broken:
            return Problem(obj.line_of(key), kind, obj.id,
                           f"unknown {where[0]} '{shorten(ident)}'; add it to {where[1]} or fix "
                           "the id")
        return None

    entity = ("entity", "entities.yaml")
    prop = ("property", "properties.yaml")
    for kind, statements in (("claim", c.claims), ("evidence", c.evidence)):
        for st in statements.values():
            yield from filter(None, (
                missing(kind, st, "subject", st.subject, c.entities, entity),
                missing(kind, st, "property", st.property, c.properties, prop),
                missing(kind, st, "compared_with", st.compared_with, c.entities, entity),
            ))
    for ev in c.evidence.values():
        if p := missing("evidence", ev, "document", ev.document, c.documents,
                        ("document", "the documents of claims/evidence/")):
            yield p
    for claim in c.claims.values():
        for ident in claim.about:
            if p := missing("claim", claim, "about", ident, c.entities, entity):
                yield p
        review = claim.review
        if review.reviewer not in c.config.reviewers:
            yield Problem(review.line_of("reviewer"), "claim", claim.id,
                          f"unknown reviewer '{review.reviewer}'; add it to the reviewers of "
                          "collection.yaml")
        for ident in review.evidence:
            if ident not in c.evidence and ("evidence", ident) not in c.broken:
                yield Problem(review.line_of("evidence"), "claim", claim.id,
                              f"unknown evidence '{shorten(ident)}'; add it to claims/evidence/ "
                              "or fix the id")
    known = c.claims.keys() | c.evidence.keys() | {i for k, i in c.broken
                                                   if k in ("claim", "evidence")}
    for rel in c.relations.values():
        for ident in references(rel.expression):
            if ident not in known:
                yield Problem(rel.origin, "relation", rel.id,
                              f"unknown claim or evidence '{ident}' in expression; fix the id "
                              "(a binary minus needs spaces around it: a - b)")


def check_anchors(c: Collection) -> Iterable[Problem]:
    """Every quote must be exactly at its offsets in the stored source text."""
    for claim in c.claims.values():
        yield from _anchor_problems(c, "claim", claim.id, claim.source, claim.quote,
                                    claim.start, claim.end, claim.line_of("start"))
    for m in c.ignored:
        yield from _anchor_problems(c, "ignored mention", m.id, m.source, m.text,
                                    m.start, m.end, m.origin)


def _anchor_problems(c: Collection, kind: str, ident: str, source_id: str, quote: str,
                     start: int, end: int, origin: Origin) -> Iterable[Problem]:
    # The loader has checked that start-end is a span of the text.
    text = c.sources[source_id].text
    if text[start:end] == quote:
        return
    yield Problem(origin, kind, ident,
                  f"quote '{shorten(quote)}' is not at its offsets: text at {start}-{end} is "
                  f"'{shorten(text[start:end])}'; {quote_hint(text, quote)}")


def check_units(c: Collection) -> Iterable[Problem]:
    """Every unit must be known to the unit registry."""
    for kind, statements in (("claim", c.claims), ("evidence", c.evidence)):
        for st in statements.values():
            if message := unit_problem(st.quantity.unit):
                yield Problem(st.line_of("unit"), kind, st.id, message)


# -- SHACL ---------------------------------------------------------------------------------------

# Which YAML field a SHACL result path (or a claim's sub-node) points at, to report its line;
# keyed by the IRI as text, as kb.shacl reports it (a URIRef hashes unlike its str).
_PATH_FIELDS = {str(term): field for term, field in {
    RDF.subject: "subject",
    RDF.predicate: "property",
    RDF.object: "amount",
    KB.unit: "unit",
    KB.boundKind: "bound",
    KB.lowerBound: "lower",
    KB.upperBound: "upper",
    KB.precision: "precision",
    KB.time: "time",
    KB.confidence: "confidence",
    KB.quote: "quote",
    KB.normalisedQuote: "normalised",
    KB.statement: "statement",
    KB.anchor: "start",
    KB.reason: "reason",
    SCHEMA.review: "review",
    PROV.wasDerivedFrom: "document",
}.items()}
_FRAGMENT_FIELDS = {"time": "time", "review": "review", "rating": "review", "anchor": "start",
                    "target": "start", "quote-selector": "quote", "position-selector": "start"}


def check_shapes(c: Collection, graph: KbGraph) -> Iterable[Problem]:
    """Validate the graph against the package's SHACL shapes; locate each violation in the YAML."""
    results = validate(graph)
    if not results:
        return
    locator = _Locator(c)
    # sh:class restates dangling references, which check_references reports more clearly, and
    # references to entries that failed to load, whose own error is reported.
    dangling = {(p.kind, p.ident) for p in check_references(c)} | _refers_to_broken(c)
    for r in results:
        message = r.message.replace("{value}", r.value if r.value is not None else "")
        origin, kind, ident = locator.locate(r.focus, r.path)
        if r.component == CLASS_COMPONENT and (kind, ident) in dangling:
            continue
        yield Problem(origin, kind, ident, message)


def _refers_to_broken(c: Collection) -> set[tuple[str, str]]:
    """(kind, id) of the claims and evidence that name an entry which failed to load."""
    out = set()
    for kind, statements in (("claim", c.claims), ("evidence", c.evidence)):
        for st in statements.values():
            names = {("entity", st.subject), ("property", st.property),
                     ("entity", st.compared_with or ""),
                     ("document", getattr(st, "document", "")),
                     *(("entity", ident) for ident in getattr(st, "about", ()))}
            if names & c.broken:
                out.add((kind, st.id))
    return out


class _Locator:
    """Maps a graph node back to the YAML file, line and id it came from."""

    def __init__(self, c: Collection):
        self.c, self.iris = c, Iris(c.config.base)

    def locate(self, node: str, path: str | None) -> tuple[Origin, str, str]:
        fragment = str(node).partition("#")[2]
        key = _FRAGMENT_FIELDS.get(fragment) or _PATH_FIELDS.get(path or "", "")
        split = self.iris.kind_and_id(str(node))
        kind, ident = split if split else ("", str(node))
        table: dict[str, Mapping[str, Statement]] = {"claim": self.c.claims,
                                                     "evidence": self.c.evidence}
        if kind in table and ident in table[kind]:
            return table[kind][ident].line_of(key), kind, ident
        if kind in ("entity", "property", "document", "relation"):
            by_kind: dict[str, Mapping[str, Entity | PropertyDef | Document | Relation]] = {
                "entity": self.c.entities, "property": self.c.properties,
                "document": self.c.documents, "relation": self.c.relations}
            objects = by_kind[kind]
            if ident in objects:
                return objects[ident].origin, kind, ident
        if kind == "source":
            source_id, _, rest = ident.partition("/")
            if rest.startswith("ignored/"):
                for m in self.c.ignored:
                    if m.source == source_id and m.id == rest.split("/", 1)[1]:
                        return m.origin, "ignored mention", m.id
            if source_id in self.c.sources:
                return self.c.sources[source_id].origin, "source", source_id
        return Origin(self.c.root, 0), kind, ident


# The structural checks that read the model only; check_shapes, which reads the graph, runs
# beside the consistency checks (see start_checks).
MODEL_CHECKS: list[ModelCheck] = [check_references, check_anchors, check_units]


def run_model_checks(c: Collection, load_problems: Iterable[Problem] = ()) -> list[Problem]:
    """The structural errors the model shows, with the loader's, once each, in file order."""
    problems: list[Problem] = list(load_problems)
    for check in MODEL_CHECKS:
        problems.extend(check(c))
    return sorted(dict.fromkeys(problems))


def run_checks(c: Collection, graph: KbGraph, load_problems: Iterable[Problem] = ()) -> Report:
    """The structural errors, then the consistency checks' errors and findings."""
    return start_checks(c, load_problems)(graph)


def start_checks(c: Collection, load_problems: Iterable[Problem] = ()
                 ) -> Callable[[KbGraph], Report]:
    """Start the checks before the graph is built; the returned finish(graph) gives the Report.

    The consistency checks skip whatever already has a structural error, so one mistake is
    reported once, not again as each of its consequences. They start now, in a forked child,
    and import their modules there (docs/benchmarks.md): that work overlaps building the graph
    and validating the shapes, trusting that the shapes find nothing; in the rare case they
    do, the consistency checks run again knowing those errors too.
    """
    load_problems = list(load_problems)
    errors = run_model_checks(c, load_problems)
    consistency = start_forked(lambda: _consistency(c, errors, load_problems))

    def finish(graph: KbGraph) -> Report:
        shape_errors = list(check_shapes(c, graph))
        try:
            found = consistency()
        except WorkerFailed:
            if not shape_errors:
                raise
            # What the shapes reject (bounds the wrong way round) can break the arithmetic.
        all_errors = errors
        if shape_errors:
            all_errors = sorted(dict.fromkeys(errors + shape_errors))
            found = _consistency(c, all_errors, load_problems)
        return Report(errors=sorted(dict.fromkeys(all_errors + found[0])), findings=found[1])

    return finish


def _consistency(c: Collection, errors: list[Problem], load_problems: list[Problem]
                 ) -> tuple[list[Problem], list[Finding]]:
    # Imported here, in the child: the mention reader and the relation evaluator take about
    # 50 ms to import, which kb check then spends beside the graph instead of before it. The
    # result goes back as plain lists, so unpickling it imports nothing more in the parent.
    from .consistency import run

    outcome = run(c, errors, load_problems)
    return outcome.errors, outcome.findings
