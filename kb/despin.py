"""De-spinning: machine-spun Chinese (洗稿) back to standard text, with an offset map.

Spinners swap words for odd synonyms (人 → 东谈主, 美元 → 好意思元, 大约 → 省略). The mention
finder reads the standard text; the offset map takes every position of the standard text back
to a code-point offset of the raw text, so that a mention is anchored in the text as stored.
The lexicon is data (kb/data/despin.yaml): a new spun form is a new entry, not code.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import yaml

from .errors import KbError

LEXICON_FILE = Path(__file__).parent / "data" / "despin.yaml"
_CONTEXT_KEYS = ("before", "after", "not_before", "not_after")
_BEFORE_WINDOW = 12  # characters of left context a `before` rule sees
# Full-width digits and signs are the same characters as ASCII ones for the finder.
_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"．": ".", "－": "-", "，": ","}
_WIDTH_TABLE = str.maketrans(_WIDTH)


def fold_width(text: str) -> str:
    """text with full-width digits and signs written as ASCII, as normalise writes them: one
    character for one, so the de-spun reading may show the article's own characters."""
    return text.translate(_WIDTH_TABLE)


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: a spun phrase, what it stands for, and when."""

    spun: str
    original: str
    confidence: float
    delete: bool = False
    before: re.Pattern | None = None
    after: re.Pattern | None = None
    not_before: re.Pattern | None = None
    not_after: re.Pattern | None = None
    note: str = ""

    def fits(self, text: str, start: int, end: int) -> bool:
        """Whether the context rules allow this swap at text[start:end]."""
        left = text[max(0, start - _BEFORE_WINDOW):start]
        if self.before and not self.before.search(left):
            return False
        if self.not_before and self.not_before.search(left):
            return False
        if self.after and not self.after.match(text, end):
            return False
        return not (self.not_after and self.not_after.match(text, end))


@dataclass(frozen=True)
class Swap:
    """One replaced stretch: raw[raw_start:raw_end] became norm[norm_start:norm_end]."""

    raw_start: int
    raw_end: int
    norm_start: int
    norm_end: int
    spun: str
    original: str
    confidence: float
    deleted: bool


@dataclass(frozen=True)
class Normalised:
    """Standard text and the swaps that made it from the raw text."""

    raw: str
    text: str
    swaps: tuple[Swap, ...]

    def raw_start(self, i: int) -> int:
        """The raw offset where something starting at normalised offset i starts."""
        k = bisect.bisect_right(self._norm_starts, i) - 1
        if k < 0:
            return i
        s = self.swaps[k]
        return s.raw_start if i < s.norm_end else s.raw_end + (i - s.norm_end)

    def raw_end(self, i: int) -> int:
        """The raw offset where something ending at normalised offset i ends (exclusive)."""
        k = bisect.bisect_left(self._norm_starts, i) - 1
        if k < 0:
            return i
        s = self.swaps[k]
        return s.raw_end if i <= s.norm_end else s.raw_end + (i - s.norm_end)

    @cached_property
    def _norm_starts(self) -> list[int]:
        return [s.norm_start for s in self.swaps]

    def offset_map(self) -> list[dict]:
        """The swaps as records (the identity holds between them)."""
        return [{"raw_start": s.raw_start, "raw_end": s.raw_end, "norm_start": s.norm_start,
                 "norm_end": s.norm_end, "spun": s.spun, "original": s.original,
                 "confidence": s.confidence, "deleted": s.deleted} for s in self.swaps]


def _compile(entry: dict, key: str, where: str) -> re.Pattern | None:
    pattern = entry.get(key)
    if pattern is None:
        return None
    try:
        return re.compile(str(pattern))
    except re.error as exc:
        raise KbError(f"{where}: {key} is not a valid regular expression ({exc}); fix the "
                      "pattern") from None


def parse_lexicon(data: object, origin: str) -> tuple[Entry, ...]:
    """Lexicon entries from loaded YAML; KbError naming the entry when one is malformed."""
    if not isinstance(data, list):
        raise KbError(f"{origin}: the lexicon must be a list of entries")
    out = []
    for n, item in enumerate(data, 1):
        where = f"{origin}: entry {n}"
        if not isinstance(item, dict) or not isinstance(item.get("spun"), str) \
                or not item["spun"]:
            raise KbError(f"{where}: needs a non-empty 'spun' text")
        delete = item.get("delete") is True
        original = item.get("original", "")
        if not delete and not isinstance(original, str):
            raise KbError(f"{where} ({item['spun']}): needs an 'original' text or delete: true")
        confidence = item.get("confidence", 1)
        if not isinstance(confidence, (int, float)) or not 0 <= confidence <= 1:
            raise KbError(f"{where} ({item['spun']}): confidence must be a number from 0 to 1")
        rules = {k: _compile(item, k, where) for k in _CONTEXT_KEYS}
        out.append(Entry(item["spun"], "" if delete else original, float(confidence), delete,
                         note=str(item.get("note", "")), **rules))
    return tuple(out)


@cache
def lexicon() -> tuple[Entry, ...]:
    """The shipped lexicon (kb/data/despin.yaml), read once."""
    with LEXICON_FILE.open(encoding="utf-8") as f:
        # libyaml's scanner with PyYAML's safe constructor: safe_load's pure-Python scanner
        # took a third of the consistency checks' time on the seed.
        return parse_lexicon(yaml.load(f, Loader=yaml.CSafeLoader), str(LEXICON_FILE))


@cache
def _stops(entries: tuple[Entry, ...]) -> re.Pattern[str]:
    """The characters where normalise has work to do: an entry's first, or a full-width one."""
    return re.compile("[" + re.escape("".join(sorted({e.spun[0] for e in entries} | set(_WIDTH))))
                      + "]")


@cache
def _index(entries: tuple[Entry, ...]) -> dict[str, list[Entry]]:
    by_first: dict[str, list[Entry]] = {}
    for e in entries:
        by_first.setdefault(e.spun[0], []).append(e)
    for group in by_first.values():
        group.sort(key=lambda e: -len(e.spun))  # stable: file order within one length
    return by_first


@cache
def _tables() -> tuple[dict[str, list[Entry]], re.Pattern[str]]:
    """The shipped lexicon's entries by first character, and its stop characters."""
    entries = lexicon()
    return _index(entries), _stops(entries)


def normalise(raw: str, *, delete: bool = True,
              entries: tuple[Entry, ...] | None = None) -> Normalised:
    """De-spin raw text; delete=False keeps flagged brand strings (the finder reads them)."""
    # The shipped lexicon's tables are looked up without hashing its entries: the caches key
    # on the entries tuple, and hashing its ~70 entries on every call cost more than de-spinning
    # most short texts (a tenth of a seed check's consistency checks).
    index, stops = _tables() if entries is None else (_index(entries), _stops(entries))
    if stops.search(raw) is None:
        return Normalised(raw, raw, ())  # nothing to swap or fold: most texts, all English ones
    parts: list[str] = []
    swaps: list[Swap] = []
    i, n, out_len = 0, len(raw), 0
    while i < n:
        # Characters that start no entry and need no width fix are copied as one run: most
        # text is such, and stepping through it one character at a time took a third of a
        # seed check's consistency time.
        found = stops.search(raw, i)
        run_end = found.start() if found else n
        if run_end > i:
            parts.append(raw[i:run_end])
            out_len += run_end - i
            i = run_end
            continue
        ch = raw[i]
        candidates = index.get(ch)  # most characters start no entry: skip the search
        entry = next((e for e in candidates if raw.startswith(e.spun, i)
                      and (delete or not e.delete) and e.fits(raw, i, i + len(e.spun))),
                     None) if candidates else None
        if entry is not None and entry.original != entry.spun:
            new = "" if entry.delete else entry.original
            swaps.append(Swap(i, i + len(entry.spun), out_len, out_len + len(new), entry.spun,
                              new, entry.confidence, entry.delete))
            parts.append(new)
            out_len += len(new)
            i += len(entry.spun)
            continue
        step = len(entry.spun) if entry is not None else 1
        chunk = raw[i:i + step]
        if entry is None and ch in _WIDTH:
            chunk = _WIDTH[ch]  # one character for one: the offsets do not move
        parts.append(chunk)
        out_len += step
        i += step
    return Normalised(raw, "".join(parts), tuple(swaps))
