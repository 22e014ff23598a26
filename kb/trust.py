"""Verdict discipline: the rules that bind a verdict to its sources and to the knowledge base's
own findings (docs/rating-method.md states them for readers).

1. Sourcing (finding + error): a verdict other than unverifiable must rest on at least one
   document of tier 1 or 2 (kb/tiers.py). Otherwise the claim gets a weakly-sourced finding,
   and its confidence may not exceed WEAK_CAP (an error if it does).
2. Findings bind verdicts (error): a claim that a failing relation, a contradiction or an
   evidence conflict involves may not be rated accurate, mostly accurate or unverifiable
   unless its explanation names that finding by id (and says there why it does not apply).
3. One premise, one verdict (error): two claims about the same subject, property and time whose
   intervals agree may not carry incompatible verdicts unless each explanation names the other
   claim by id (and says why the verdicts differ).
4. Figures (error): every number an explanation states must come from the claim, its evidence
   (and their documents), a relation or finding that involves the claim, an entity's name or
   the article's date, or be one arithmetic step (sum, difference, product, quotient,
   percentage) from two such numbers, to the precision the explanation writes it; a bare
   number (no unit, no scale word) may stand for a value in thousands to trillions.
5. Confidence (error): claims rated accurate, mostly accurate or inaccurate on the same
   evidence statements carry the same confidence: a confidence measures the evidence, not the
   reviewer's mood.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from functools import cache

from .errors import Problem
from .expr import references
from .findings import Finding
from .mention import Finder, Mention
from .mentioncache import MentionCache, find_anew
from .model import Claim, Collection, Evidence, Review, Statement
from .pairs import meeting
from .parsecache import code_stamp
from .tiers import STRONG_TIERS, tier

# A claim whose verdict rests only on tier 3-4 documents: the knowledge base cannot be surer
# than this that it is true. It is the floor of the accurate band: weak sources still let a
# reviewer say a figure matches what was found, but only with the least confidence that allows.
WEAK_CAP = Decimal("0.80")

# Verdicts a finding against the claim makes suspect: they say the figure holds or is unknown.
BOUND_BY_FINDINGS = ("accurate", "mostly-accurate", "unverifiable")
# Findings that bind verdicts: the kinds that report a failure.
BINDING_KINDS = ("relation", "contradiction", "evidence-conflict")

# Verdicts two claims of one premise may share: they differ only in degree within a class.
VERDICT_CLASSES = {"accurate": "holds", "mostly-accurate": "holds", "misleading": "misleading",
                   "inaccurate": "false", "unverifiable": "unknown"}

# Verdicts whose confidence the evidence alone sets (rule 5).
SAME_EVIDENCE_VERDICTS = ("accurate", "mostly-accurate", "inaccurate")


def run(c: Collection, claims: dict[str, Claim], evidence: dict[str, Evidence],
        findings: list[Finding], wrong: set[str] | frozenset[str] = frozenset(),
        find: Finder = find_anew, kept: MentionCache | None = None
        ) -> tuple[list[Problem], list[Finding]]:
    """The errors and weakly-sourced findings of the five rules.

    wrong: claims whose verdict already has an error (band, evidence): rules 2, 3 and 5, which
    judge the verdict again, leave them out. find: reads a text's mentions (rule 4); kept:
    where rule 4's answers are kept from one check to the next.
    """
    weak = weakly_sourced(c, claims, evidence)
    rated = {k: v for k, v in claims.items() if k not in wrong}
    errors = [*cap_problems(claims, weak), *finding_problems(rated, findings),
              *verdict_pair_problems(rated),
              *figure_problems(c, claims, evidence, findings, find, kept),
              *confidence_problems(rated)]
    return errors, weak


def verdict_class(claim: Claim) -> str:
    """The class of a claim's verdict (VERDICT_CLASSES): verdicts of one class may share a
    premise."""
    return VERDICT_CLASSES[review(claim).verdict]


def review(claim: Claim) -> Review:
    """A loaded claim's review (the loader drops a claim whose review fails to load)."""
    if claim.review is None:
        raise ValueError(f"claim {claim.id} has no review")
    return claim.review


# -- 1. sourcing -----------------------------------------------------------------------------------

def weakly_sourced(c: Collection, claims: dict[str, Claim],
                   evidence: dict[str, Evidence]) -> list[Finding]:
    """A finding for each claim rated other than unverifiable with no tier 1-2 document."""
    out = []
    for claim in claims.values():
        if review(claim).verdict == "unverifiable":
            continue
        ids = review(claim).evidence
        cited = [evidence[e] for e in ids if e in evidence]
        if len(cited) < len(ids) or any(ev.document not in c.documents for ev in cited):
            continue  # evidence or a document that failed to load has its own error
        docs = sorted({ev.document for ev in cited})
        tiers = {d: tier(c.documents[d].kind) for d in docs}
        if any(t in STRONG_TIERS for t in tiers.values()):
            continue
        rests = (", ".join(f"{d} (tier {tiers[d]})" for d in docs) if docs
                 else "no evidence document")
        out.append(Finding(
            id=f"weakly-sourced-{claim.id}", kind="weakly-sourced", holds=False,
            message=f"{claim.id} is rated {review(claim).verdict} on {rests}; no document of "
                    f"tier 1 or 2 supports the verdict, so its confidence is capped at "
                    f"{WEAK_CAP}",
            involves=(claim.id, *(e for e in review(claim).evidence if e in evidence)),
            source=claim.source))
    return out


def cap_problems(claims: dict[str, Claim], weak: list[Finding]) -> Iterable[Problem]:
    """A weakly-sourced claim's confidence may not exceed WEAK_CAP."""
    for f in weak:
        claim = claims[f.involves[0]]
        if claim.confidence > WEAK_CAP:
            yield Problem(claim.line_of("confidence"), "claim", claim.id,
                          f"weakly sourced (finding {f.id}): confidence {claim.confidence} "
                          f"exceeds the cap {WEAK_CAP}; cite a tier 1-2 document "
                          "(docs/evidence.md) or lower the confidence and the verdict")


# -- 2. findings bind verdicts ---------------------------------------------------------------------

def finding_problems(claims: dict[str, Claim], findings: list[Finding]) -> Iterable[Problem]:
    """A failing finding against a claim rated as holding or unknown must be answered."""
    for f in findings:
        if f.holds or f.kind not in BINDING_KINDS:
            continue
        for ident in f.involves:
            claim = claims.get(ident)
            if claim is None or review(claim).verdict not in BOUND_BY_FINDINGS:
                continue
            if _names(review(claim).explanation, f.id):
                continue
            yield Problem(review(claim).line_of("verdict"), "claim", claim.id,
                          f"verdict {review(claim).verdict}, but {f.kind} finding {f.id} fails "
                          "against it; change the verdict, or name the finding in the "
                          "explanation and say why it does not apply")


def _names(explanation: str, ident: str) -> bool:
    """Whether an explanation names an id as a whole word (not as part of a longer id)."""
    # Found with str.find, not a pattern made per id: compiling one per claim checked was a
    # tenth of the consistency checks on 10,000 claims (re caches only 512 patterns).
    i = explanation.find(ident)
    while i >= 0:
        end = i + len(ident)
        if not (i and _ID_CHAR.match(explanation, i - 1)) and not _ID_CHAR.match(explanation, end):
            return True
        i = explanation.find(ident, i + 1)
    return False


_ID_CHAR = re.compile(r"[\w-]")


# -- 3. one premise, one verdict -------------------------------------------------------------------

def verdict_pair_problems(claims: dict[str, Claim]) -> Iterable[Problem]:
    """Claims that state the same quantity must carry compatible verdicts, or say why not."""
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    for claim in claims.values():
        groups[(claim.subject, claim.property, claim.compared_with)].append(claim)
    for group in groups.values():
        # The pairs whose intervals meet (kb.pairs), in id order as every pair was tried before.
        for a, b in sorted(meeting(group, verdict_class), key=lambda p: (p[0].id, p[1].id)):
            for me, other in ((a, b), (b, a)):
                if not _names(review(me).explanation, other.id):
                    yield Problem(review(me).line_of("verdict"), "claim", me.id,
                                  f"verdict {review(me).verdict}, but {other.id} states the same "
                                  f"quantity and is rated {review(other).verdict}; make the "
                                  f"verdicts agree, or name {other.id} in the explanation and "
                                  "say why they differ")


# -- 4. figures in explanations --------------------------------------------------------------------

def figure_problems(c: Collection, claims: dict[str, Claim], evidence: dict[str, Evidence],
                    findings: list[Finding], find: Finder = find_anew,
                    kept: MentionCache | None = None) -> Iterable[Problem]:
    """Every number an explanation states must come from the knowledge base (see module doc).

    kept, if given, holds each claim's answer from an earlier check under a hash of all it
    depends on (_figures_key): the explanation, the numbers and texts of what the claim cites,
    and the texts every claim may use. A claim whose hash is kept is answered without reading
    the texts it cites; the answer is the one reading them gives (tests/test_mentioncache.py)."""
    by_claim: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        for ident in f.involves:
            by_claim[ident].append(f)
    relations_of: dict[str, list] = defaultdict(list)
    for rel in c.relations.values():
        for ident in references(rel.expression):
            relations_of[ident].append(rel)
    ids = {*c.claims, *c.evidence, *c.relations, *c.documents, *(f.id for f in findings)}
    common: _Common | None = None
    common_key = ""
    numbers = _Numbers(find)
    # Without its own code's stamp an answer could outlive a change of the rule: none is kept.
    kept = kept if _rule_stamp() else None
    for claim in claims.values():
        explanation = _without_ids(review(claim).explanation, ids)
        figures = find(explanation)
        if not figures:
            continue
        values, texts = _claim_sources(c, claim, evidence, claims, by_claim[claim.id],
                                       relations_of[claim.id])
        key = ""
        if kept is not None:
            common_key = common_key or _figures_key(_common_texts(c))
            key = _figures_key([explanation, sorted(values), texts, common_key])
            found = kept.unsourced(key, len(figures))
            if found is not None:
                yield from (_unsourced(claim, figures[i]) for i in found)
                continue
        common = _Common(_common_numbers(c, numbers)) if common is None else common
        unsourced = []
        # Reading the numbers of every text a claim cites was most of a seed check's time, yet
        # most figures are a value itself or one step from the values. A figure one step from
        # some numbers is one step from any set that holds them, so the texts are read in
        # batches (1, 2, 4, ... of them), only until each figure is reached; a figure no text
        # makes reachable is reported once all were read, as before. The answers are the same.
        have = set(values)
        known = sorted(have)
        unread = list(dict.fromkeys(texts))
        unread.reverse()
        batch = 1
        for at, m in enumerate(figures):
            while not _sourced(m, known, common):
                if not unread:
                    unsourced.append(at)
                    yield _unsourced(claim, m)
                    break
                for _ in range(min(batch, len(unread))):
                    have |= numbers(unread.pop())
                batch *= 2
                known = sorted(have)
        if kept is not None:
            kept.keep_unsourced(key, unsourced)


def _unsourced(claim: Claim, m: Mention) -> Problem:
    return Problem(review(claim).line_of("explanation"), "claim", claim.id,
                   f"the explanation states {m.text!r}, a figure found in no evidence "
                   "statement, claim or relation of this claim; cite the evidence that "
                   "carries it, or remove it")


def _figures_key(inputs: list) -> str:
    """A hash of the figure rule's inputs and of its code (floats written exactly, as JSON
    writes their repr): the same inputs give the same answer (kb.mentioncache keeps it)."""
    data = json.dumps([_rule_stamp(), inputs], ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@cache
def _rule_stamp() -> str:
    """A hash of this module, whose code turns the inputs into the answer (the finder's own
    code names the mention cache's folder); empty if it cannot be read."""
    return code_stamp("figures", ("trust.py",)) or ""


_SLUG = re.compile(r"(?<![\w-])[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?![\w-])")


def _without_ids(text: str, ids: set[str]) -> str:
    """The text with the knowledge base's ids blanked: the digits of an id are not figures."""
    return _SLUG.sub(lambda m: " " * len(m[0]) if m[0] in ids else m[0], text)


def _common_numbers(c: Collection, numbers: _Numbers | None = None) -> set[float]:
    """Numbers any explanation may use: those in entity names and in the articles' dates."""
    numbers = numbers or _Numbers()
    return numbers(*_common_texts(c))


def _common_texts(c: Collection) -> list[str]:
    """The texts whose numbers any explanation may use (_common_numbers)."""
    return [*(label for entity in c.entities.values() for label in entity.labels.values()),
            *(source.published.replace("-", " ") for source in c.sources.values())]


def _claim_sources(c: Collection, claim: Claim, evidence: dict[str, Evidence],
                   claims: dict[str, Claim], findings: list[Finding], relations: list
                   ) -> tuple[set[float], list[str]]:
    """Where the numbers a claim's explanation may state come from (see the module doc): the
    values of the statements and findings, and the texts whose numbers count too."""
    # Looked up in both tables, not merged into one: a merge per claim made the check quadratic.
    def statements(ids: Iterable[str]) -> list[Statement]:
        return [st for i in ids if (st := claims.get(i) or evidence.get(i)) is not None]

    values = _statement_numbers(claim)
    texts = [claim.quote, claim.normalised, claim.statement]
    cited: list[Statement] = [evidence[e] for e in review(claim).evidence if e in evidence]
    for f in findings:
        for side in (f.left, f.right):
            if side is not None:
                values |= {float(x) for x in (side.lower, side.upper) if x is not None}
        if f.factor:
            values |= {float(x) for x in f.factor}
        cited += statements(f.involves)
    for rel in relations:
        texts += [rel.expression, rel.description]
        cited += statements(references(rel.expression))
    for st in cited:
        values |= _statement_numbers(st)
        if isinstance(st, Evidence):
            doc = c.documents.get(st.document)
            texts += [st.quote, st.note or ""]
            if doc is not None:
                texts += [doc.title, doc.notes or "", (doc.date or "").replace("-", " ")]
        elif isinstance(st, Claim):
            texts += [st.quote, st.normalised, st.statement]
    return values, texts


def _statement_numbers(st: Statement) -> set[float]:
    q = st.quantity
    out = {float(x) for x in (q.amount, q.lower, q.upper) if x is not None}
    if st.time is not None:
        for d in (st.time.start, st.time.end):
            out |= {float(d.year), float(d.month), float(d.day)}
    return out


class _Numbers:
    """The numbers texts state, read with find, each text once per check.

    Each claim's explanation is checked against the texts of everything it cites, so one
    evidence quote would be read once per claim citing it (3,015 readings of 711 texts on the
    seed, most of a check's time: docs/benchmarks.md). Kept per check, not per process: the
    finder may be a check's own (kb.mentioncache)."""

    def __init__(self, find: Finder = find_anew):
        self.find = find
        self.memo: dict[str, frozenset[float]] = {}

    def __call__(self, *texts: str) -> set[float]:
        out: set[float] = set()
        for text in texts:
            found = self.memo.get(text)
            if found is None:
                found = self.memo[text] = frozenset(
                    float(x) for m in self.find(text) for x in (m.value, m.lower, m.upper)
                    if x is not None)
            out |= found
        return out


# A bare number in a sum of billions ("19.34 + 22.49 = $41.8 billion") leaves its scale to the
# context: such a number may stand for a known value in thousands, millions, billions, trillions.
_SCALES = (1.0, 1e3, 1e6, 1e9, 1e12)


def _sourced(m: Mention, known: list[float], common: _Common | None = None) -> bool:
    """Whether a mention's value (each end of a range) is a known number or one step from two:
    known are the claim's own numbers (sorted), common those any claim may use."""
    values = [m.lower, m.upper] if m.bound == "range" and m.lower is not None else [m.value]
    scales = _SCALES if m.unit is None and m.precision is not None and m.precision <= 1 \
        else (1.0,)
    reachable = _reachable if common is None else common.reachable
    return all(any(reachable(float(v) * k, _tolerance(m, v) * k, known) for k in scales)
               for v in values if v is not None)


def _tolerance(m: Mention, value: Decimal) -> float:
    """How far a written number may be from the value it rounds: half its last digit, or 5%
    when the explanation says it is approximate (the bound the knowledge base uses)."""
    half = float(m.precision) / 2 if m.precision is not None else 0.5
    if m.bound == "approximately":
        return max(half, abs(float(value)) * 0.05)
    return half


def _reachable(x: float, tol: float, known: list[float]) -> bool:
    """Whether x is within tol of a known number (known is sorted) or of a sum, difference,
    product, quotient, percentage or percentage change of two.

    Trying every pair took a tenth of the consistency checks on the seed. Instead, for each
    number the other operand is looked up by bisection in the interval it must lie in, widened
    by far more than any rounding, and each candidate is then tested exactly as written: the
    answer is the one that trying every pair gives (tests/test_perf_check.py compares them).
    """
    return _near(x, tol, known) or _steps(x, tol, known, known)


def _near(x: float, tol: float, known: list[float]) -> bool:
    """Whether x is within tol of a number of known (sorted)."""
    return any(abs(x - k) <= tol for k in _between(known, x - tol, x + tol, abs(x) + tol))


def _steps(x: float, tol: float, first: list[float], other: list[float]) -> bool:
    """Whether x is within tol of a + b, a - b or a * b with a in first and b in other, or of
    a / b, 100 * a / b or 100 * (a / b - 1) with b in first and a in other (both sorted)."""
    mag = abs(x) + tol
    for a in first:
        for b in _between(other, x - a - tol, x - a + tol, mag + abs(a)):
            if abs(x - (a + b)) <= tol:
                return True
        for b in _between(other, a - x - tol, a - x + tol, mag + abs(a)):
            if abs(x - (a - b)) <= tol:
                return True
        # 0 × b is 0 whatever b is
        for b in _between(other, (x - tol) / a, (x + tol) / a, mag / abs(a)) if a else other:
            if abs(x - a * b) <= tol:
                return True
    for b in first:
        if not b:
            continue
        scale = abs(b) * (mag + 100)
        for a in _between(other, b * (x - tol), b * (x + tol), scale):
            if abs(x - a / b) <= tol:
                return True
        for a in _between(other, b * (x - tol) / 100, b * (x + tol) / 100, scale):
            if abs(x - 100 * a / b) <= tol:
                return True
        for a in _between(other, b * (1 + (x - tol) / 100), b * (1 + (x + tol) / 100), scale):
            if abs(x - 100 * (a / b - 1)) <= tol:
                return True
    return False


def _steps_back(x: float, tol: float, first: list[float], other: list[float]) -> bool:
    """The steps _steps(x, tol, first, other) leaves out with the operands the other way round:
    a - b with b in first and a in other; a / b, 100 * a / b and 100 * (a / b - 1) with a in
    first and b in other. (A sum and a product are the same either way round.)"""
    mag = abs(x) + tol
    for b in first:
        for a in _between(other, x + b - tol, x + b + tol, mag + abs(b)):
            if abs(x - (a - b)) <= tol:
                return True
    lo, hi = x - tol, x + tol
    for a in first:
        for b in _divisors(other, a, lo, hi):
            if b and abs(x - a / b) <= tol:
                return True
        for b in _divisors(other, 100 * a, lo, hi):
            if b and abs(x - 100 * a / b) <= tol:
                return True
        for b in _divisors(other, a, 1 + lo / 100, 1 + hi / 100):
            if b and abs(x - 100 * (a / b - 1)) <= tol:
                return True
    return False


def _divisors(known: list[float], a: float, lo: float, hi: float) -> list[float]:
    """The numbers b of known (sorted) for which a / b may lie from lo to hi: all b whose
    quotient does, and some more. The range is widened by far more than the rounding of the
    arithmetic that gave it; when it holds 0, b may be any size, so all of known are tried."""
    slack = 1e-9 * (abs(lo) + abs(hi) + 1)
    lo, hi = lo - slack, hi + slack
    if not a or not lo * hi > 0:  # 0 in the range, or a NaN
        return known
    ends = (a / lo, a / hi)
    return _between(known, *ends, max(map(abs, ends)))


class _Common:
    """The numbers every claim's explanation may use (entity names, article dates).

    They grow with the collection, so they are kept apart from each claim's own numbers: a
    figure is looked up among them by bisection, and the steps between two of them are tried
    once per figure, however many claims state it. The answers are those of _reachable on the
    union (tests/test_perf_check.py compares them).
    """

    def __init__(self, numbers: Iterable[float]):
        self.known = sorted(numbers)
        self._steps: dict[tuple[float, float], bool] = {}

    def reachable(self, x: float, tol: float, own: list[float]) -> bool:
        """_reachable(x, tol, sorted(own + the common numbers)), own sorted."""
        common = self.known
        if _reachable(x, tol, own) or _near(x, tol, common):
            return True
        if own and common and (_steps(x, tol, own, common) or _steps_back(x, tol, own, common)):
            return True
        found = self._steps.get((x, tol))
        if found is None:
            found = self._steps[x, tol] = _steps(x, tol, common, common)
        return found


def _between(known: list[float], lo: float, hi: float, magnitude: float) -> list[float]:
    """The sorted numbers from lo to hi (either way round), widened by a margin that dwarfs
    the rounding error of any float arithmetic on numbers of that magnitude."""
    margin = 1e-7 * magnitude
    lo, hi = min(lo, hi) - margin, max(lo, hi) + margin
    if not -math.inf < lo <= hi < math.inf:  # an overflow (or inf - inf): try them all
        return known
    return known[bisect_left(known, lo):bisect_right(known, hi)]


# -- 5. the same evidence, the same confidence -----------------------------------------------------

def confidence_problems(claims: dict[str, Claim]) -> Iterable[Problem]:
    """Claims with one verdict on one set of evidence statements share one confidence."""
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    for claim in claims.values():
        # Only verdicts that say the evidence matches or refutes the claim: for unverifiable and
        # misleading ones the same evidence can bear on two claims in opposite directions.
        if review(claim).evidence and review(claim).verdict in SAME_EVIDENCE_VERDICTS:
            groups[(review(claim).verdict, frozenset(review(claim).evidence))].append(claim)
    for group in groups.values():
        first, *rest = sorted(group, key=lambda x: x.id)
        for claim in rest:
            if claim.confidence != first.confidence:
                yield Problem(claim.line_of("confidence"), "claim", claim.id,
                              f"confidence {claim.confidence}, but {first.id} has the same "
                              f"verdict on the same evidence with confidence {first.confidence}; "
                              "give both the same confidence (docs/rating-method.md)")
