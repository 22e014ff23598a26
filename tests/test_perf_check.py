"""What keeps `kb check` quick (docs/benchmarks.md): no pint, no listings or stores, the
consistency checks' modules imported only in the forked child that runs them, and shortcuts
that must answer exactly as the long way round."""

import os
import random
import re
import re._constants as C
import re._parser as sre_parse
import subprocess
import sys
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from itertools import combinations
from pathlib import Path

from kb import consistency, mentions, pairs, trust
from kb.despin import lexicon, normalise
from kb.expr import references
from kb.load import load
from kb.mentions import find_mentions
from kb.model import parse_time_text
from kb.trust import _reachable

SEED = Path(__file__).resolve().parent.parent / "claims"


def _modules_after_check() -> tuple[str, str]:
    code = ("import sys\nfrom kb.cli import cli\n"
            "try: cli(['check', '--claims', sys.argv[1]])\n"
            "except SystemExit: pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m in "
            "('pint', 'kb.consistency', 'kb.mentions', 'kb.relations', 'kb.listings', "
            "'kb.stores')))")
    # Two workers even on a one-core machine: with one, the checks run in this process.
    proc = subprocess.run([sys.executable, "-c", code, str(SEED)], capture_output=True,
                          text=True, check=True, env={**os.environ, "KB_JOBS": "2"})
    return proc.stdout, proc.stderr


def test_kb_check_leaves_the_consistency_modules_to_its_child_and_the_listings_out():
    out, err = _modules_after_check()
    assert "finding relation d1-ratio-vs-datasheets" in out
    assert err.startswith("kb check: no errors, "), err  # the check ran to its end
    assert out.endswith("LOADED []\n"), out



# -- the figure check's arithmetic search ---------------------------------------------------------

def _reachable_by_every_pair(x: float, tol: float, known: list[float]) -> bool:
    """The rule as docs/rating-method.md states it, trying every pair: what kb.trust must give."""
    if any(abs(x - k) <= tol for k in known):
        return True
    for a in known:
        for b in known:
            if abs(x - (a + b)) <= tol or abs(x - (a - b)) <= tol or abs(x - a * b) <= tol:
                return True
            if b and (abs(x - a / b) <= tol or abs(x - 100 * a / b) <= tol
                      or abs(x - 100 * (a / b - 1)) <= tol):
                return True
    return False


def _figure_cases(seed: int):
    """(x, tol, known): figures right at the tolerance of one step between two known numbers,
    a rounding step either side of it, and anywhere, with zeros, extremes and negatives."""
    rng = random.Random(seed)
    for _ in range(2000):
        known = sorted({rng.choice([0.0, 1.0, -1.0, 100.0, 1e-300, 1e300]) if rng.random() < 0.1
                        else round(rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-3, 12),
                                   rng.randint(0, 3)) for _ in range(rng.randint(1, 30))})
        a, b = rng.choice(known), rng.choice(known)
        step = [a + b, a - b, a * b, a / b if b else a, 100 * a / b if b else a,
                100 * (a / b - 1) if b else a][rng.randrange(6)]
        tol = rng.choice([0.5, 0.05, 0.005, 5e3, abs(step) * 0.05 + 1e-9])
        for x in (step + tol, step - tol, step + tol * (1 + 1e-15), step - tol * 1.0000001,
                  step + rng.uniform(-3, 3) * tol, rng.uniform(-1e6, 1e6)):
            yield x, tol, known


def test_the_figure_search_answers_as_trying_every_pair():
    wrong = [(x, tol, known) for x, tol, known in _figure_cases(15)
             if _reachable(x, tol, known) != _reachable_by_every_pair(x, tol, known)]
    assert wrong == []


def test_the_figure_search_with_the_common_numbers_apart_answers_as_on_their_union():
    # A claim's own numbers and the collection's common ones (kept apart so that a figure costs
    # no pass over the common ones): split at random, overlapping, one side empty at times.
    rng = random.Random(16)
    wrong, steps = [], 0
    for x, tol, known in _figure_cases(16):
        own = sorted({k for k in known if rng.random() < 0.5})
        common = trust._Common(k for k in known if k not in own or rng.random() < 0.2)
        got = common.reachable(x, tol, own)
        if got != _reachable_by_every_pair(x, tol, known):
            wrong.append((x, tol, own, common.known))
        # The cases are not all answered by one side alone.
        steps += got and not _reachable(x, tol, own) and not _reachable(x, tol, common.known)
    assert wrong == []
    assert steps > 100


# -- the mention reader's shortcuts for texts of ASCII characters ---------------------------------

def _needs_non_ascii(items) -> bool:
    """Whether every match of a parsed regular expression holds a non-ASCII character."""
    def needs(op, av) -> bool:
        if op is C.LITERAL:
            return av > 127
        if op is C.IN:
            return all((o is C.LITERAL and a > 127) or (o is C.RANGE and a[0] > 127) for o, a in av)
        if op is C.BRANCH:
            return all(_needs_non_ascii(alt) for alt in av[1])
        if op is C.SUBPATTERN:
            return _needs_non_ascii(av[3])
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            return av[0] >= 1 and _needs_non_ascii(av[2])
        if op is C.ATOMIC_GROUP:
            return _needs_non_ascii(av)
        return False  # lookarounds, anchors, categories, ...: assume an ASCII match

    return any(needs(op, av) for op, av in items)


def test_only_the_latin_lookalikes_can_match_ascii_text():
    cjk_only = [p for p in mentions.NOT_NUMBERS] + [
        p for p, reason in mentions.LOOKALIKES if reason not in mentions.LATIN_LOOKALIKES]
    can_match_ascii = [p for p in cjk_only if not _needs_non_ascii(sre_parse.parse(p))]
    assert can_match_ascii == []
    # The analysis is not vacuous: it sees that the Latin look-alikes can match ASCII text.
    latin = [p for p, reason in mentions.LOOKALIKES if reason in mentions.LATIN_LOOKALIKES]
    assert latin and not any(_needs_non_ascii(sre_parse.parse(p)) for p in latin)
    assert [m[2] for m in mentions.find_lookalikes("the iPhone 15 Pro")] == ["iPhone 15 Pro"]


def test_despinning_with_the_shipped_tables_is_despinning_with_its_entries():
    texts = ["東谈主民币 100 好意思元", "plain ASCII 12", "５０％ 的东谈主", ""]
    for text in texts:
        for delete in (True, False):
            fast = normalise(text, delete=delete)
            slow = normalise(text, delete=delete, entries=lexicon())
            assert (fast.text, fast.offset_map()) == (slow.text, slow.offset_map()), text


def _figure_problems_reading_everything(c, claims, evidence, findings) -> list:
    """The figure rule with every text of every claim read first: what kb.trust must give."""
    by_claim, relations_of = defaultdict(list), defaultdict(list)
    for f in findings:
        for ident in f.involves:
            by_claim[ident].append(f)
    for rel in c.relations.values():
        for ident in references(rel.expression):
            relations_of[ident].append(rel)
    ids = {*c.claims, *c.evidence, *c.relations, *c.documents, *(f.id for f in findings)}
    out = []
    for claim in claims.values():
        values, texts = trust._claim_sources(c, claim, evidence, claims, by_claim[claim.id],
                                             relations_of[claim.id])
        known = sorted(values | trust._common_numbers(c) | trust._Numbers()(*texts))
        out += [(claim.id, m.text)
                for m in find_mentions(trust._without_ids(claim.review.explanation, ids))
                if not trust._sourced(m, known)]
    return out


def test_the_figure_check_reads_texts_only_as_needed_and_answers_as_reading_all():
    c = load(SEED)
    rng = random.Random(12)
    claims = {}
    for claim in c.claims.values():
        # Figures from the claim's own values, from its texts, one step from two of them, and
        # made up: each explanation needs a different share of the texts, or all of them.
        values, texts = trust._claim_sources(c, claim, c.evidence, c.claims, [], [])
        pool = sorted(values | trust._Numbers()(*texts))
        picks = [rng.choice(pool) for _ in range(3)]
        figures = [*picks, picks[0] + picks[1], picks[1] * 1.07, rng.uniform(1, 1e6)]
        explanation = " and ".join(f"{x:,.2f}" for x in figures)
        claims[claim.id] = replace(claim, review=replace(claim.review, explanation=explanation))
    findings = consistency.run(c, []).findings
    expected = _figure_problems_reading_everything(c, claims, c.evidence, findings)
    got = [(p.ident, p.message.split("'")[1])
           for p in trust.figure_problems(c, claims, c.evidence, findings)]
    assert got == expected
    assert 0 < len(got) < 3 * len(claims)  # some figures fail, many pass


def test_an_explanation_names_an_id_as_the_whole_word_pattern_says():
    def by_pattern(text: str, ident: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", text) is not None

    rng = random.Random(17)
    alphabet = ["a", "b", "-", "_", " ", "1", "é", "二", "٣", ".", "(", "\n"]
    wrong = []
    for _ in range(5000):
        ident = "".join(rng.choice([*alphabet[:3], "1"]) for _ in range(rng.randint(0, 3)))
        text = "".join(rng.choice([*alphabet, ident]) for _ in range(rng.randint(0, 12)))
        if trust._names(text, ident) != by_pattern(text, ident):
            wrong.append((text, ident))
    assert wrong == []


def test_contradictions_found_by_sweeping_times_are_those_of_every_pair():
    # Claims of one subject and property with times that overlap, touch, nest, lie years apart
    # or are missing: the sweep must find what comparing every pair finds, in the same order.
    c = load(SEED)
    rng = random.Random(18)
    base = next(iter(c.claims.values()))
    times = [None, *(parse_time_text(t, "period") for t in (
        "2020/2021", "2021-06/2022-01", "2022", "2022-01-01/2022-01-01", "2023/2025", "2024-03",
        "2019", "2021-12-31/2022-06-30"))]
    claims = {}
    for i in range(60):
        q = replace(base.quantity, amount=Decimal(rng.choice([1, 2, 5, 100, 101])),
                    bound="exact", lower=None, upper=None, precision=None)
        claims[f"c{i:02d}"] = replace(base, id=f"c{i:02d}", quantity=q, time=rng.choice(times))
    found = consistency.contradictions(c, claims)

    every_pair = []
    for a, b in combinations(sorted(claims.values(), key=lambda x: x.id), 2):
        if consistency.comparable(a, b, strict_time=True):
            unit = a.quantity.unit
            if not consistency.interval_in(a, unit).overlaps(consistency.interval_in(b, unit)):
                every_pair.append(f"contradiction-{a.id}--{b.id}")
    assert [f.id for f in found] == every_pair
    assert len(every_pair) > 100


def _one_quantity_claims(rng: random.Random, n: int) -> dict:
    """n claims of one subject and property: bounds of every kind, units of two dimensions
    (and of several scales), times that overlap, nest, lie apart or are missing, and each
    verdict, so that many pairs meet and many cannot."""
    c = load(SEED)
    base = next(iter(c.claims.values()))
    times = [None, *(parse_time_text(t, "period") for t in (
        "2020/2021", "2021-06/2022-01", "2022", "2022-01-01/2022-01-01", "2023/2025", "2024-03",
        "2019", "2021-12-31/2022-06-30"))]
    units = ["kg", "g", "t", "count", "percent"]
    claims = {}
    for i in range(n):
        amount = Decimal(rng.choice([0, 1, 2, 5, 100, 101, 1000, -3]))
        bound = rng.choice(["exact", "exact", "approximately", "at-least", "more-than",
                            "at-most", "less-than", "range"])
        lower = upper = None
        if bound == "range":
            lower, upper = amount, amount + Decimal(rng.choice([1, 50, 2000]))
        q = replace(base.quantity, amount=amount, unit=rng.choice(units), bound=bound,
                    lower=lower, upper=upper,
                    precision=rng.choice([None, Decimal(1), Decimal(10)]))
        verdict = rng.choice(list(trust.VERDICT_CLASSES))
        ident = f"c{i:03d}"
        claims[ident] = replace(base, id=ident, quantity=q, time=rng.choice(times),
                                review=replace(base.review, verdict=verdict, explanation=""))
    return claims


def _meet(a, b) -> bool:
    """Whether two claims' intervals meet, compared in the first one's unit (as ever)."""
    unit = a.quantity.unit
    return consistency.interval_in(a, unit).overlaps(consistency.interval_in(b, unit))


def test_the_pairs_read_off_sorted_intervals_are_those_of_trying_every_pair():
    # kb.pairs must find what comparing every pair finds: the pairs that cannot meet (the
    # contradictions) and the pairs of different verdict classes that meet (rule 3).
    for seed in range(6):
        claims = _one_quantity_claims(random.Random(seed), 120)
        every = [(a.id, b.id) for a, b in combinations(sorted(claims.values(),
                                                              key=lambda x: x.id), 2)
                 if consistency.comparable(a, b, strict_time=True)]
        by_id = claims.__getitem__
        want_apart = [p for p in every if not _meet(by_id(p[0]), by_id(p[1]))]
        want_meeting = [p for p in every if _meet(by_id(p[0]), by_id(p[1]))
                        and trust.verdict_class(by_id(p[0])) != trust.verdict_class(by_id(p[1]))]
        got_apart = sorted((a.id, b.id) for a, b in pairs.apart(claims.values()))
        got_meeting = sorted((a.id, b.id)
                             for a, b in pairs.meeting(claims.values(), trust.verdict_class))
        assert (got_apart, got_meeting) == (want_apart, want_meeting)
        assert len(want_apart) > 200 and len(want_meeting) > 200


def test_verdict_pairs_are_those_of_trying_every_pair():
    claims = _one_quantity_claims(random.Random(7), 150)
    want = []
    for a, b in combinations(sorted(claims.values(), key=lambda x: x.id), 2):
        if trust.verdict_class(a) != trust.verdict_class(b) and \
                consistency.comparable(a, b, strict_time=True) and _meet(a, b):
            want += [a.id, b.id]
    got = [p.ident for p in trust.verdict_pair_problems(claims)]
    assert got == want and len(want) > 1000
