"""One numeric mention: the record kb.mentions finds in a text, its kinds, the finder's shape.

Apart from the finder so that what only reads mentions (the consistency checks, with every
text's mentions kept by kb.mentioncache) need not import it: its patterns take about 60 ms to
compile, most of the seed's consistency checks' imports (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

KINDS = ("quantity", "duration", "date", "relative-date", "ordinal", "cohort", "label")
MEASURED_KINDS = ("quantity", "duration")  # kinds whose value is an amount in a unit
ISO_KINDS = ("date", "relative-date", "cohort")  # kinds whose value is ISO text (Mention.iso)
TIME_KINDS = ("date", "relative-date")  # kinds a claim's time phrase may cover


@dataclass(frozen=True)
class Mention:
    """One number found in a text, read as a quantity, a date, an ordinal, a cohort or a label."""

    start: int  # the whole mention: bound words, number, unit word
    end: int
    num_start: int  # the number itself: what a quote or an ignored mention must cover
    num_end: int
    text: str
    number: str
    kind: str  # one of KINDS
    value: Decimal  # in `unit`, scale words resolved; for a range the midpoint; a date's year
    bound: str
    lower: Decimal | None
    upper: Decimal | None
    precision: Decimal
    unit: str | None
    unit_text: str = ""
    line: int = 0
    iso: str | None = None  # a date's or cohort's value: 2023-Q3, 2022-06, 1998-03-05, 1980s
    scale: str = ""  # the scale word as written: 亿, 万亿, million
    dimension: str | None = None  # what the unit measures (DIMENSIONS)
    unit_inferred: bool = False  # the unit is taken from the sentence (亿 in a money sentence)
    # a relative date's distance from the text's date, as a signed ISO 8601 duration (去年 →
    # -P1Y, 一个月前 → -P1M, 本月 → P0M; Q for quarters), and the part of that period it names
    # (今年上半年 → -H1, 去年底 → -12); iso is the date it resolves to, when the text's date
    # is known
    offset: str | None = None
    within: str = ""


class Finder(Protocol):
    """find_mentions, or what stands in for it (kb.mentioncache.MentionCache.find)."""

    def __call__(self, text: str, published: str | None = None) -> list[Mention]: ...
