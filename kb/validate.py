"""Structural checks: the errors that make a knowledge base unpublishable.

The checks here read the model only; kb.shapecheck validates the graph. This module imports
neither rdflib nor the graph, so that kb check can start the consistency checks' child before
it imports them (see start_checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .errors import Origin, Problem
from .expr import references
from .findings import Finding
from .limits import shorten
from .model import Collection, quote_hint
from .parallel import WorkerFailed, start_forked
from .units import unit_problem

ModelCheck = Callable[[Collection], Iterable[Problem]]


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


# The structural checks that read the model only; check_shapes, which reads the graph, runs
# beside the consistency checks (see start_checks).
MODEL_CHECKS: list[ModelCheck] = [check_references, check_anchors, check_units]


def run_model_checks(c: Collection, load_problems: Iterable[Problem] = ()) -> list[Problem]:
    """The structural errors the model shows, with the loader's, once each, in file order."""
    problems: list[Problem] = list(load_problems)
    for check in MODEL_CHECKS:
        problems.extend(check(c))
    return sorted(dict.fromkeys(problems))


def start_checks(c: Collection, load_problems: Iterable[Problem] = ()
                 ) -> tuple[list[Problem], Callable[[list[Problem]], Report]]:
    """Start the checks before the graph is built: the structural errors found, and
    finish(shape_errors), which gives the Report, given what kb.shapecheck found in the graph.

    The consistency checks skip whatever already has a structural error, so one mistake is
    reported once, not again as each of its consequences. They start now, in a forked child,
    and import their modules there (docs/benchmarks.md): that work overlaps importing rdflib
    and the graph, building the graph and validating the shapes, trusting that the shapes
    find nothing; in the rare case they do, the consistency checks run again knowing those
    errors too.
    """
    load_problems = list(load_problems)
    errors = run_model_checks(c, load_problems)
    consistency = start_forked(lambda: _consistency(c, errors, load_problems))

    def finish(shape_errors: list[Problem]) -> Report:
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

    return errors, finish


def _consistency(c: Collection, errors: list[Problem], load_problems: list[Problem]
                 ) -> tuple[list[Problem], list[Finding]]:
    # Imported here, in the child: the mention reader and the relation evaluator take about
    # 50 ms to import, which kb check then spends beside the graph instead of before it. The
    # result goes back as plain lists, so unpickling it imports nothing more in the parent.
    from .consistency import run
    from .mentioncache import MentionCache

    kept = MentionCache(c.root)
    outcome = run(c, errors, load_problems, kept=kept)
    kept.save()
    return outcome.errors, outcome.findings
