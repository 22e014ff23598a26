"""The consistency checks: numbers in quotes, coverage, verdicts, relations, contradictions.

They run after the structural checks (kb/validate.py) and leave alone anything that already has
an error there: the numbers, units or anchors of such an object cannot be trusted, so reports
about it would only echo the first error.

Errors (the knowledge base must not be published):
- quote: the numbers written in a claim's quote must give its amount, bound kind, bounds,
  unit and precision (kb/mentions.py reads them);
- coverage: every numeric mention of a source text lies inside a claim's quote or an ignored
  mention (see `coverage` for the exact rule);
- verdicts: the confidence lies in the verdict's band (kb.verdicts); accurate, mostly
  accurate and inaccurate cite evidence; an accurate claim overlaps every comparable evidence
  statement it cites; an inaccurate one is refuted by at least one of them;
- relations that cannot be evaluated (malformed, unknown unit, mixed dimensions, division by
  exactly zero).

Findings (published facts about the sources): every declared relation (holds or not), pairs of
claims that contradict each other, and claims their own evidence refutes.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

from .errors import KbError, Origin, Problem, UsageError
from .expr import references
from .findings import KINDS as FINDING_KINDS
from .findings import Finding, Side
from .intervals import (
    Interval,
    describe_apart,
    factor_apart,
    format_interval,
    interval_decimals,
    quantity_interval,
)
from .load import load_lenient, read_text_file
from .mention import ISO_KINDS, MEASURED_KINDS, TIME_KINDS, Finder, Mention
from .mentioncache import MentionCache, find_anew
from .model import Claim, Collection, Evidence, IgnoredMention, Statement, TimeSpec
from .pairs import apart, interval_in
from .parsecache import code_stamp
from .queries import plain_decimal
from .relations import RelationError, decimal_factor, evaluate, stated
from .trust import run as run_trust
from .units import CURRENCIES, convert_factor, dimension, unit_problem
from .verdicts import BANDS, NEEDS_EVIDENCE, in_band

# Units the text may write that say nothing about the claim's dimension (measure words).
_NEUTRAL_UNITS = (None, "count")


@dataclass(frozen=True)
class Outcome:
    """What the consistency checks found."""

    errors: list[Problem]
    findings: list[Finding]


def run(c: Collection, prior: Iterable[Problem], load_problems: Iterable[Problem] = (),
        find: Finder | None = None, kept: MentionCache | None = None) -> Outcome:
    """Every consistency error and finding, given the errors already found.

    prior: every structural error (what it names is skipped); load_problems: the loader's own,
    whose files may have lost entries (coverage of their source is skipped); find: reads a
    text's mentions (by default kept's, else kb.mentions anew); kept: a
    kb.mentioncache.MentionCache, which keeps them and the figure rule's answers from one
    check to the next.
    """
    find = find if find is not None else kept.find if kept is not None else find_anew
    prior = list(prior)
    broken = {(p.kind, p.ident) for p in prior}
    broken_files = {p.origin.file for p in load_problems}
    # A unit the registry does not know is a structural error; skipping it here too keeps this
    # safe to run without the structural checks (as kb.pipeline.graph does).
    claims = {k: v for k, v in c.claims.items()
              if ("claim", k) not in broken and not unit_problem(v.quantity.unit)}
    evidence = {k: v for k, v in c.evidence.items()
                if ("evidence", k) not in broken and not unit_problem(v.quantity.unit)}
    verdict_errors = list(verdict_problems(claims, evidence))
    errors = [*source_problems(c, claims, broken_files, find, kept), *verdict_errors]
    findings: list[Finding] = []
    for outcome in relation_outcomes(c, claims, evidence, broken):
        if isinstance(outcome, Finding):
            findings.append(outcome)
        else:
            errors.append(outcome)
    findings += contradictions(c, claims) + evidence_conflicts(c, claims, evidence)
    # A verdict already reported wrong is not reported again by the verdict-discipline rules.
    wrong = {p.ident for p in verdict_errors}
    trust_errors, weak = run_trust(c, claims, evidence, findings, wrong, find, kept)
    errors += trust_errors
    findings += weak
    findings.sort(key=lambda f: (list(FINDING_KINDS).index(f.kind), f.id))
    return Outcome(errors, findings)


# -- numbers in quotes -----------------------------------------------------------------------------

def quote_mentions(claim: Claim, text: str, mentions: list[Mention]) -> list[Mention]:
    """The numeric mentions inside a claim's quote, read in the context of the whole text."""
    if text[claim.start:claim.end] != claim.quote:
        return find_anew(claim.quote)
    return [m for m in mentions if claim.start <= m.num_start and m.num_end <= claim.end]


@dataclass(frozen=True)
class _Reading:
    """A mention converted into a claim's unit."""

    mention: Mention
    value: Fraction
    lower: Fraction | None
    upper: Fraction | None
    precision: Fraction
    unit_ok: bool


def _reading(m: Mention, unit: str) -> _Reading:
    factor, ok = _unit_factor(m.unit if m.kind in MEASURED_KINDS else None, unit)

    def conv(x):
        return None if x is None else Fraction(x) * factor

    return _Reading(m, conv(m.value), conv(m.lower), conv(m.upper), conv(m.precision), ok)


def _unit_factor(written: str | None, unit: str) -> tuple[Fraction, bool]:
    """(factor from the text's unit to the claim's, whether the two units agree)."""
    if written in _NEUTRAL_UNITS or unit_problem(written):
        return Fraction(1), True
    if dimension(written) == dimension(unit):
        return convert_factor(written, unit), True
    if written in CURRENCIES and f"currency_{written}" in dimension(unit):
        return Fraction(1), True  # 10 好意思元 for a claim in USD/kg ("每公斤 … 10 美元")
    return Fraction(1), False


def source_problems(c: Collection, claims: dict[str, Claim], broken_files: set[str],
                    find: Finder = find_anew, kept: MentionCache | None = None
                    ) -> list[Problem]:
    """What each source's text shows wrong: the numbers in each claim's quote must agree with
    its amount, bounds, unit and precision (claims: those to check, in the order reported),
    then every numeric mention of each text must be covered (`coverage_problems`).

    kept, if given, holds each source's problems from an earlier check under a hash of its
    folder's files, the rules' code and which of its claims are checked (_source_key): a
    source whose hash is kept is answered without reading its text (tests/test_mentioncache.py).
    """
    stamp = _rules_stamp() if kept is not None else ""
    spans_of: SourceSpans | None = None  # made at the first source not kept
    checked: dict[str, list[Claim]] = {sid: [] for sid in c.sources}
    for claim in claims.values():
        checked[claim.source].append(claim)
    quotes: dict[str, list[Problem]] = {}
    covers: list[Problem] = []
    for sid, source in c.sources.items():
        own, skipped = checked[sid], _loaded_badly(source.text_file, broken_files)
        key = _source_key(stamp, c.folder_keys.get(sid), [claim.id for claim in own], skipped)
        found = kept.source_problems(key) if kept is not None and key else None
        if found is None:
            spans_of = spans_by_source(c) if spans_of is None else spans_of
            mentions = find(source.text, source.published)
            found = ([p for claim in own
                      for p in _quote_problems(claim, quote_mentions(claim, source.text,
                                                                     mentions))],
                     [] if skipped else list(coverage_problems(c, sid, mentions, spans_of)))
            if kept is not None and key:
                kept.keep_source_problems(key, *found)
        for p in found[0]:
            quotes.setdefault(p.ident, []).append(p)
        covers += found[1]
    return [*(p for ident in claims for p in quotes.get(ident, ())), *covers]


def _loaded_badly(text_file: str, broken_files: set[str]) -> bool:
    """Whether the loader reported a problem in a file of the source's folder: an entry that
    failed to load would leave its mentions uncovered, and that would only repeat the error."""
    folder = text_file.rsplit("/", 1)[0] + "/"
    return any(f.startswith(folder) for f in broken_files)


def _source_key(stamp: str, folder: str | None, checked: list[str], skipped: bool) -> str:
    """The hash source_problems keeps a source's problems under ("" for none): its folder's
    key (kb.sourcecache.folder_key: its files, text included, and the loader's code), the
    rules' code, the claims checked and whether its coverage is skipped."""
    if not (stamp and folder):
        return ""
    data = json.dumps([stamp, folder, checked, skipped], ensure_ascii=False)
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@cache
def _rules_stamp() -> str:
    """A hash of the code that turns a source's objects and mentions into its problems (the
    finder's own code names the mention cache's folder); empty if it cannot be read."""
    return code_stamp("sources", _SOURCE_RULES) or ""


# The modules whose code source_problems' answers depend on, besides the finder's and the
# loader's (their stamps are the cache's folder's and the folder key's).
_SOURCE_RULES = ("consistency.py", "units.py", "queries/__init__.py", "model.py", "errors.py",
                 "mention.py")


def _quote_problems(claim: Claim, found: list[Mention]) -> Iterable[Problem]:
    def problem(key: str, message: str) -> Problem:
        return Problem(claim.line_of(key), "claim", claim.id, message)

    q = claim.quantity
    if not found:
        yield problem("quote", "the quote contains no number; quote the words that state the "
                               "claimed figure (with its scale, unit and bound words)")
        return
    readings = [_reading(m, q.unit) for m in found]
    match = next((r for r in readings if _matches(r, claim)), None)
    if match is None:
        yield _mismatch(claim, readings, problem)
        return
    m = match.mention
    if not match.unit_ok:
        yield problem("unit", f"the quote says {m.text} ({m.unit}) but unit is {q.unit}; fix "
                              "unit (currencies convert only through a stated rate)")
    if m.bound != q.bound:
        yield problem("bound", f"the quote says {m.text}, which is {_bound_words(m.bound)}, but "
                               f"bound is {q.bound}; set bound: {m.bound}")
        return
    yield from _bounds_problems(claim, match, problem)
    yield from _precision_problems(claim, match, problem)


def _matches(r: _Reading, claim: Claim) -> bool:
    q = claim.quantity
    if q.bound == "range" and r.mention.bound == "range":
        return (r.lower, r.upper) == (_f(q.lower), _f(q.upper))
    return r.value == Fraction(q.amount)


def _mismatch(claim: Claim, readings: list[_Reading], problem) -> Problem:
    q = claim.quantity
    target = Fraction(q.amount)
    wrong_unit = [r for r in readings if not r.unit_ok and r.value == target]
    if wrong_unit:
        m = wrong_unit[0].mention
        return problem("unit", f"the quote says {m.text} ({m.unit}) but unit is {q.unit}; fix "
                               "unit (currencies convert only through a stated rate)")
    quantities = [r for r in readings if r.mention.kind in MEASURED_KINDS and r.unit_ok] or readings
    best = min(quantities, key=lambda r: _distance(r.value, target))
    m = best.mention
    if q.bound == "range" and m.bound == "range":
        return problem("lower", f"the quote says {m.number} ({_plain(best.lower)}–"
                                f"{_plain(best.upper)}) but lower/upper are {_plain(q.lower)}–"
                                f"{_plain(q.upper)}; fix lower and upper")
    if (m.bound == "range" and best.lower is not None and best.upper is not None
            and best.lower <= target <= best.upper):
        return problem("amount", f"the quote says {m.number} ({_plain(best.lower)}–"
                                 f"{_plain(best.upper)}) but bound is {q.bound}; set bound: range, "
                                 f"lower: {_plain(best.lower)}, upper: {_plain(best.upper)}")
    return problem("amount", f"the quote says {m.number} ({_plain(best.value)}) but amount is "
                             f"{_plain(q.amount)}; fix amount")


def _distance(value: Fraction, target: Fraction) -> Fraction:
    if value > 0 and target > 0:
        ratio = value / target
        return ratio if ratio >= 1 else 1 / ratio
    return abs(value - target) + 10**30


def _bounds_problems(claim: Claim, r: _Reading, problem) -> Iterable[Problem]:
    q = claim.quantity
    lower, upper = q.implied_bounds()
    if (q.bound == "range" and r.lower is not None and r.upper is not None
            and Fraction(q.amount) != (r.lower + r.upper) / 2):
        yield problem("amount", f"the quote says {r.mention.number} ({_plain(r.lower)}–"
                                f"{_plain(r.upper)}) but amount is {_plain(q.amount)}; set amount "
                                f"to the midpoint {_plain((r.lower + r.upper) / 2)}")
    for key, want, have in (("lower", r.lower, lower), ("upper", r.upper, upper)):
        if want != _f(have):
            now = "not set" if have is None else _plain(have)
            fix = f"set {key}: {_plain(want)}" if want is not None else f"remove {key}"
            yield problem(key, f"the quote says {r.mention.text} ({_describe(r)}) but {key} is "
                               f"{now}; {fix}")


def _precision_problems(claim: Claim, r: _Reading, problem) -> Iterable[Problem]:
    """A claim may not be more precise than the digits its text states."""
    q = claim.quantity
    if q.bound not in ("exact", "approximately", "range"):
        return
    stated_to = r.precision
    if q.precision is None:
        if stated_to != 1:
            yield problem("amount", f"the quote states {r.mention.number} to "
                                    f"{_plain(stated_to)} (one unit of its last digit) but "
                                    f"precision is not set; set precision: {_plain(stated_to)}")
    elif Fraction(q.precision) < stated_to:
        yield problem("precision", f"the quote states {r.mention.number} to {_plain(stated_to)} "
                                   f"(one unit of its last digit) but precision is "
                                   f"{_plain(q.precision)}, finer than that; set precision: "
                                   f"{_plain(stated_to)}")


_BOUND_WORDS = {"exact": "exact (no bound word)", "approximately": "approximately",
                "more-than": "more than", "at-least": "at least", "less-than": "less than",
                "at-most": "at most", "range": "a range"}


def _bound_words(bound: str) -> str:
    return _BOUND_WORDS[bound]


def _describe(r: _Reading) -> str:
    """The bounds a mention states, in words: 'more than 5000000000, below 6000000000'."""
    bound, lower, upper = r.mention.bound, r.lower, r.upper
    if bound == "range":
        return f"{_plain(lower)}–{_plain(upper)}"
    if bound in ("more-than", "at-least"):
        below = f", below {_plain(upper)}" if upper is not None else ""
        return f"{_bound_words(bound)} {_plain(lower)}{below}"
    if bound in ("less-than", "at-most"):
        return f"{_bound_words(bound)} {_plain(upper)}"
    return _bound_words(bound)


def _f(x: Decimal | None) -> Fraction | None:
    return None if x is None else Fraction(x)


def _plain(x: Fraction | Decimal | None) -> str:
    """An exact number without exponent: 81462000000, 0.1, 2.5; fractions as a decimal."""
    if x is None:
        return "none"
    return plain_decimal(Decimal(x.numerator) / Decimal(x.denominator)
                         if isinstance(x, Fraction) else x)


# -- coverage --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Covered:
    """A numeric mention and what covers it: 'claim ID', 'ignored mention', 'time of claim ID'."""

    mention: Mention
    by: str | None
    partly: str | None = None  # when uncovered: a claim or ignored mention overlapping it


SourceSpans = dict[str, tuple[list[Claim], list[IgnoredMention]]]


def spans_by_source(c: Collection) -> SourceSpans:
    """Each source's claims and ignored mentions, in file order: found in one pass, not in
    a pass over the whole collection per source (quadratic: sources grow with claims)."""
    out: SourceSpans = {sid: ([], []) for sid in c.sources}
    for claim in c.claims.values():
        out.setdefault(claim.source, ([], []))[0].append(claim)
    for m in c.ignored:
        out.setdefault(m.source, ([], []))[1].append(m)
    return out


def coverage(c: Collection, source_id: str, mentions: list[Mention],
             spans_of: SourceSpans | None = None) -> list[Covered]:
    """What covers each numeric mention of a source (spans_of: spans_by_source(c), if made).

    A mention is covered when its number (num_start..num_end: digits, scale words, 多, range)
    lies wholly inside [start, end) of a claim of that source or of an ignored mention. A date
    mention (2022 年, 6 月, 一个月前, 去年) is also covered by a claim whose time phrase contains it
    and whose quote starts on the same line: the time is part of that claim.
    """
    source = c.sources[source_id]
    if spans_of is None:
        spans_of = spans_by_source(c)
    own, ignored = spans_of.get(source_id, ([], []))
    claims = sorted(own, key=lambda cl: (cl.start, cl.id))
    spans = [(cl.start, cl.end, f"claim {cl.id}") for cl in claims]
    spans += [(m.start, m.end, "ignored mention") for m in ignored]
    newlines = [i for i, ch in enumerate(source.text) if ch == "\n"]
    phrases = defaultdict(list)
    for cl in claims:
        if cl.time and cl.time.phrase:
            line = bisect.bisect_right(newlines, cl.start - 1) + 1
            phrases[line].append((_despace(cl.time.phrase), cl.id))
    out = []
    for m in mentions:
        by = next((who for a, b, who in spans if a <= m.num_start and m.num_end <= b), None)
        if by is None and m.kind in TIME_KINDS:
            by = next((f"time of claim {ident}" for phrase, ident in phrases[m.line]
                       if _despace(m.text) in phrase), None)
        partly = None if by else next(
            (who for a, b, who in spans if a < m.num_end and m.num_start < b), None)
        out.append(Covered(m, by, partly))
    return out


def coverage_problems(c: Collection, source_id: str, mentions: list[Mention],
                      spans_of: SourceSpans | None = None) -> Iterable[Problem]:
    """Every numeric mention of a source must be covered (see `coverage`)."""
    source = c.sources[source_id]
    for cov in coverage(c, source_id, mentions, spans_of):
        if cov.by:
            continue
        m = cov.mention
        hint = (f"{cov.partly} covers only part of it, extend it to cover "
                f"{m.num_start}-{m.num_end}, or " if cov.partly else "")
        yield Problem(Origin(source.text_file, m.line), "source", source_id,
                      f"numeric mention '{m.number}' ({_mention_summary(m)}) at "
                      f"{m.num_start}-{m.num_end} is not covered by any claim or ignored "
                      f"mention; {hint}add a claim or list it in ignored.yaml with a reason")


def _despace(text: str) -> str:
    return "".join(text.split())


def _mention_summary(m: Mention) -> str:
    if m.kind not in MEASURED_KINDS:
        return f"{m.kind} {m.iso or _plain(m.value)}"
    unit = f" {m.unit}" if m.unit not in _NEUTRAL_UNITS else ""
    bound = "" if m.bound == "exact" else f", {_bound_words(m.bound)}"
    if m.bound == "range":
        return f"{_plain(m.lower)}–{_plain(m.upper)}{unit}, a range"
    return f"{_plain(m.value)}{unit}{bound}"


# -- verdicts --------------------------------------------------------------------------------------

def comparable(claim: Statement, ev: Statement, strict_time: bool = False) -> bool:
    """Whether two statements are about the same quantity: subject, property, dimension, time.

    Times are compatible when they overlap; a missing time is compatible with any time unless
    strict_time (then both must be missing or both present and overlapping).
    """
    if (claim.subject, claim.property, claim.compared_with) != \
            (ev.subject, ev.property, ev.compared_with):
        return False
    if dimension(claim.quantity.unit) != dimension(ev.quantity.unit):
        return False
    return _times_compatible(claim.time, ev.time, strict_time)


def _times_compatible(a: TimeSpec | None, b: TimeSpec | None, strict: bool) -> bool:
    if a is None or b is None:
        return not strict or (a is None and b is None)
    return a.start <= b.end and b.start <= a.end


def verdict_problems(claims: dict[str, Claim],
                     evidence: dict[str, Evidence]) -> Iterable[Problem]:
    """Verdicts must agree with the confidence band and with the evidence they cite."""
    for claim in claims.values():
        review = claim.review
        verdict = review.verdict
        if 0 <= claim.confidence <= 1 and not in_band(verdict, claim.confidence):
            low, high = BANDS[verdict]
            yield Problem(claim.line_of("confidence"), "claim", claim.id,
                          f"verdict {verdict} needs a confidence from {low} to {high}, found "
                          f"{claim.confidence}; change the verdict or the confidence")
        if verdict in NEEDS_EVIDENCE and not review.evidence:
            yield Problem(review.line_of("verdict"), "claim", claim.id,
                          f"verdict {verdict} needs evidence, but review.evidence is empty; cite "
                          "the evidence statements it rests on, or use unverifiable")
            continue
        cited = [evidence[e] for e in review.evidence if e in evidence]
        same = [e for e in cited if comparable(claim, e)]
        if not same or verdict not in ("accurate", "inaccurate"):
            continue
        unit = claim.quantity.unit
        mine = quantity_interval(claim.quantity)
        overlapping = [e for e in same if mine.overlaps(interval_in(e, unit))]
        if verdict == "accurate":
            for e in same:
                if e not in overlapping:
                    # Formatted only for a message: most verdicts agree, and formatting every
                    # claim's interval was two thirds of this check (10,000 claims: 0.6 s).
                    shown = format_interval(mine, unit)
                    yield Problem(review.line_of("verdict"), "claim", claim.id,
                                  f"verdict accurate, but the claim's interval {shown} does not "
                                  f"overlap evidence {e.id} "
                                  f"({format_interval(interval_in(e, unit), unit)}); correct the "
                                  "verdict or the figures")
        elif len(overlapping) == len(same):
            ids = ", ".join(e.id for e in same)
            yield Problem(review.line_of("verdict"), "claim", claim.id,
                          f"verdict inaccurate, but the claim's interval "
                          f"{format_interval(mine, unit)} overlaps its "
                          f"evidence ({ids}: "
                          f"{format_interval(interval_in(same[0], unit), unit)}); correct the "
                          "verdict or cite the evidence that refutes it")


# -- relations, contradictions, evidence conflicts -------------------------------------------------

def relation_outcomes(c: Collection, claims: dict[str, Claim], evidence: dict[str, Evidence],
                      broken: set[tuple[str, str]]) -> Iterable[Finding | Problem]:
    """A finding for each declared relation, or an error if it cannot be evaluated."""
    statements: dict[str, Statement] = {**evidence, **claims}
    for rel in c.relations.values():
        if ("relation", rel.id) in broken:
            continue
        if any(ident not in statements for ident in references(rel.expression)):
            continue  # an unknown or broken id is reported by the structural checks
        try:
            yield evaluate(rel, statements)
        except RelationError as exc:
            yield Problem(rel.origin, "relation", rel.id, str(exc))


def _side(st: Statement, iv: Interval, unit: str) -> Side:
    lower, upper = interval_decimals(iv)
    return Side(lower, upper, unit, stated(st.quantity))


def _about(c: Collection, st: Statement) -> str:
    entity = c.entities.get(st.subject)
    prop = c.properties.get(st.property)
    who = entity.label("en") if entity else st.subject
    what = prop.label("en") if prop else st.property
    versus = f" relative to {st.compared_with}" if st.compared_with else ""
    when = f" ({st.time.text})" if st.time else ""
    return f"{who}'s {what}{versus}{when}"


def _pair_finding(kind: str, ident: str, a: Statement, b: Statement,
                  message: Callable[[], str], source: str | None) -> Finding | None:
    """A finding if a's and b's intervals cannot meet (texts are made only then: most of a
    claim's evidence overlaps it, and formatting cost more than comparing; the contradictions'
    pairs, from kb.pairs, never overlap)."""
    unit = a.quantity.unit
    aiv, biv = interval_in(a, unit), interval_in(b, unit)
    if aiv.overlaps(biv):
        return None
    factor = factor_apart(aiv, biv)
    return Finding(id=ident, kind=kind, holds=False,
                   message=f"{message()}: {describe_apart(aiv, biv, unit)}",
                   involves=(a.id, b.id), left=_side(a, aiv, unit), right=_side(b, biv, unit),
                   source=source, factor=decimal_factor(factor))


def contradictions(c: Collection, claims: dict[str, Claim]) -> list[Finding]:
    """Pairs of claims about the same subject, property and time whose intervals cannot meet.

    Both claims must state a time and the times must overlap, or both must state none.
    """
    groups = defaultdict(list)
    for claim in claims.values():
        groups[(claim.subject, claim.property, claim.compared_with)].append(claim)
    out = []
    for group in groups.values():
        found_here = []
        for a, b in apart(group):
            def message(a=a, b=b) -> str:
                return (f"{a.id} says {stated(a.quantity)} and {b.id} says "
                        f"{stated(b.quantity)} for {_about(c, a)}; both cannot hold")

            source = a.source if a.source == b.source else None
            found = _pair_finding("contradiction", f"contradiction-{a.id}--{b.id}", a, b,
                                  message, source)
            if found:
                found_here.append(found)
        # In the order of trying every pair by id, as before kb.pairs.
        out += sorted(found_here, key=lambda f: f.involves)
    return out


def evidence_conflicts(c: Collection, claims: dict[str, Claim],
                       evidence: dict[str, Evidence]) -> list[Finding]:
    """Claims whose interval misses a comparable evidence statement they cite."""
    out = []
    for claim in claims.values():
        for ident in claim.review.evidence:
            ev = evidence.get(ident)
            if ev is None or not comparable(claim, ev):
                continue

            def message(claim=claim, ev=ev) -> str:
                return (f"{claim.id} says {stated(claim.quantity)} but evidence {ev.id} says "
                        f"{stated(ev.quantity)} for {_about(c, claim)}")

            found = _pair_finding("evidence-conflict", f"conflict-{claim.id}--{ev.id}", claim,
                                  ev, message, claim.source)
            if found:
                out.append(found)
    return out


# -- records for programs --------------------------------------------------------------------------

FINDING_FIELDS = ("id", "kind", "holds", "message", "involves", "relation", "source",
                  "factor_low", "factor_high", "left_lower", "left_upper", "left_unit",
                  "left_text", "right_lower", "right_upper", "right_unit", "right_text")


def finding_record(f: Finding) -> dict:
    """A finding as one flat record (the columns `kb findings` uses, plus each side's text)."""
    low, high = f.factor if f.factor else (None, None)
    return {"id": f.id, "kind": f.kind, "holds": f.holds, "message": f.message,
            "involves": list(f.involves), "relation": f.relation, "source": f.source,
            "factor_low": low, "factor_high": high,
            **_side_record("left", f.left), **_side_record("right", f.right)}


def _side_record(name: str, s: Side | None) -> dict:
    return {f"{name}_lower": s.lower if s else None, f"{name}_upper": s.upper if s else None,
            f"{name}_unit": s.unit if s else None, f"{name}_text": s.text if s else None}


MENTION_FIELDS = ("line", "start", "end", "num_start", "num_end", "text", "number", "kind",
                  "value", "iso", "offset", "unit", "unit_inferred", "dimension", "scale", "bound",
                  "lower", "upper", "precision", "covered_by")
MENTION_TABLE = ("line", "num_start", "num_end", "number", "kind", "value", "unit", "bound",
                 "lower", "upper", "covered_by")


def mentions_of(root: str | Path, target: str) -> tuple[list[dict], bool]:
    """The mention records of a text file, or of a source of the collection (with coverage).

    Returns (records, whether target was a source). UsageError if it is neither.
    """
    if Path(target).is_file():
        return mention_records(find_anew(read_target_text(root, target))), False
    c = _collection_with(root, target)
    source = c.sources[target]
    return mention_records(coverage(c, target, find_anew(source.text, source.published))), True


def read_target_text(root: str | Path, target: str) -> str:
    """The text of a file, or of a source of the collection; UsageError if it is neither."""
    path = Path(target)
    if path.is_file():
        try:
            return read_text_file(path)[0]
        except KbError as exc:
            raise KbError(f"{target}{exc}") from None
    return _collection_with(root, target).sources[target].text


def _collection_with(root: str | Path, target: str) -> Collection:
    """The collection, which must hold the source `target`; UsageError if it does not."""
    c, _ = load_lenient(root)
    if target not in c.sources:
        known = ", ".join(sorted(c.sources)) or "none"
        raise UsageError(f"'{target}' is neither a file nor a source of {root} (sources: "
                         f"{known})")
    return c


def mention_records(items: Iterable[Covered | Mention]) -> list[dict]:
    """Mentions as flat records with Decimal values (and what covers each, when known)."""
    out = []
    for item in items:
        m, by = (item.mention, item.by) if isinstance(item, Covered) else (item, None)
        out.append({"line": m.line, "start": m.start, "end": m.end, "num_start": m.num_start,
                    "num_end": m.num_end, "text": m.text, "number": m.number, "kind": m.kind,
                    # a date's or cohort's value is its ISO text (2023-Q3); Mention.value keeps
                    # the year as a number for the quote checks. A relative date with no
                    # published date to resolve it from shows its offset (去年 → -P1Y).
                    "value": m.iso if m.iso and m.kind in ISO_KINDS
                    else f"{m.offset}{m.within}" if m.offset else m.value,
                    "iso": m.iso, "offset": m.offset, "unit": m.unit,
                    "unit_inferred": m.unit_inferred, "dimension": m.dimension, "scale": m.scale,
                    "bound": m.bound, "lower": m.lower,
                    "upper": m.upper, "precision": m.precision, "covered_by": by})
    return out
