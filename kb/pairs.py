"""Pairs of statements about one quantity, read off their sorted intervals, not tried one by one.

Two statements are about one quantity when they share subject, property and compared_with (the
callers group them so), their units measure one dimension, and their times are both missing or
both present and overlapping (kb.consistency.comparable with strict_time). Trying every pair of
such a group made the consistency checks quadratic in the number of articles that state one
figure: 1,000, 2,000 and 4,000 claims of one figure, all true, took 3.5, 14 and 60 s to check,
with nothing to report (docs/benchmarks.md). Here a group is split into sets of one dimension
and one time span, each sorted by its intervals' ends, and the pairs wanted are ranges of those
lists: the work grows with the statements and the pairs found, not with the pairs tried.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import lru_cache
from itertools import combinations
from typing import TypeVar, cast

from .intervals import Bound, Interval, quantity_interval
from .model import Quantity, Statement
from .units import convert_factor, dimension

S = TypeVar("S", bound=Statement)
_Entry = tuple[Bound, Bound, Statement]  # a statement's interval in its set's unit, and it


def interval_in(st: Statement, unit: str) -> Interval:
    """A statement's interval converted into another unit of the same dimension."""
    return _interval_in(st.quantity, unit)


@lru_cache(maxsize=1 << 16)
def _interval_in(q: Quantity, unit: str) -> Interval:
    # A claim is compared with its evidence and, here, sorted with its group: convert it once.
    return quantity_interval(q).scale(convert_factor(q.unit, unit))


def apart(group: Iterable[S]) -> Iterator[tuple[S, S]]:
    """The pairs of a group's statements about one quantity whose intervals cannot meet, each
    as (lower id, higher id)."""
    for mine, other in _comparable_sets(group, _no_kind):
        (s,), (t,) = mine.values(), other.values()
        for a, b in (_apart_within(s) if mine is other else _apart_between(s, t)):
            yield cast("tuple[S, S]", _by_id(a, b))  # entries hold the group's own


def meeting(group: Iterable[S], kind: Callable[[S], str]) -> Iterator[tuple[S, S]]:
    """The pairs of a group's statements about one quantity whose intervals meet and whose
    kinds differ, each as (lower id, higher id)."""
    for mine, other in _comparable_sets(group, kind):
        if mine is other:
            kinds = list(combinations(mine, 2))
        else:
            kinds = [(x, y) for x in mine for y in other if x != y]
        for x, y in kinds:
            for a, b in _meeting_between(mine[x], other[y]):
                yield cast("tuple[S, S]", _by_id(a, b))


class _Sorted:
    """Entries sorted by their intervals' lower ends, and by their upper ends."""

    def __init__(self, entries: list[_Entry]):
        self.by_lo = sorted(entries, key=lambda e: e[0])
        self.los = [e[0] for e in self.by_lo]
        self.by_hi = sorted(entries, key=lambda e: e[1])
        self.his = [e[1] for e in self.by_hi]


_Set = dict[Hashable, _Sorted]  # one dimension and time span: its statements by kind


def _no_kind(st: Statement) -> None:
    return None


def _comparable_sets(group: Iterable[S], kind: Callable[[S], Hashable]
                     ) -> Iterator[tuple[_Set, _Set]]:
    """Each pair of sets whose statements are about one quantity: every set with itself, and
    two sets of one dimension whose time spans overlap."""
    statements = [(dimension(st.quantity.unit), st) for st in group]
    # Overlap does not depend on the unit of a dimension (each factor is exact and positive):
    # any one will do, the same for every set of the dimension.
    common: dict[str, str] = {}
    for dim, st in statements:
        common[dim] = min(common.get(dim, st.quantity.unit), st.quantity.unit)
    entries: dict[tuple, dict[Hashable, list[_Entry]]] = defaultdict(lambda: defaultdict(list))
    for dim, st in statements:
        iv = interval_in(st, common[dim])
        span = (st.time.start, st.time.end) if st.time else None
        entries[(dim, span)][kind(st)].append((iv.lo, iv.hi, st))
    sets = {key: {k: _Sorted(v) for k, v in kinds.items()} for key, kinds in entries.items()}
    for one in sets.values():
        yield one, one
    # Spans swept in order of start: most pairs of a group's spans are years apart.
    timed = sorted(key for key in sets if key[1] is not None)
    for i, (dim, (_, end)) in enumerate(timed):
        for other in timed[i + 1:]:
            if other[0] != dim or other[1][0] > end:
                break
            yield sets[timed[i]], sets[other]


def _apart_within(s: _Sorted) -> Iterator[tuple[Statement, Statement]]:
    for _, hi, st in s.by_lo:
        for e in s.by_lo[bisect_right(s.los, hi):]:
            yield st, e[2]


def _apart_between(s: _Sorted, t: _Sorted) -> Iterator[tuple[Statement, Statement]]:
    for lo, hi, st in s.by_lo:
        for e in t.by_lo[bisect_right(t.los, hi):]:
            yield st, e[2]
        for e in t.by_hi[:bisect_left(t.his, lo)]:
            yield st, e[2]


def _meeting_between(s: _Sorted, t: _Sorted) -> Iterator[tuple[Statement, Statement]]:
    # A pair meets when the later lower end is at most the other's upper end: each pair is
    # read once, from the side whose lower end is not the later (ties from s's side).
    for lo, hi, st in s.by_lo:
        for e in t.by_lo[bisect_left(t.los, lo):bisect_right(t.los, hi)]:
            yield st, e[2]
    for lo, hi, st in t.by_lo:
        for e in s.by_lo[bisect_right(s.los, lo):bisect_right(s.los, hi)]:
            yield e[2], st


def _by_id(a: Statement, b: Statement) -> tuple[Statement, Statement]:
    return (a, b) if a.id < b.id else (b, a)
