"""Each text's numeric mentions, kept by the text's hash in the claims folder's .kb/mentions/.

The consistency checks read the numbers of every source text, explanation and cited text
(kb.mentions), and on an unchanged collection they read the same numbers every time: on the
seed that was about 80 of the consistency child's 175 ms, the path `kb check` waits on
(docs/benchmarks.md). A text's mentions depend only on the text, its date (for relative
dates) and the finder's code, so they are kept under a hash of the first two, in a file named
by a stamp of the third: a changed text or a new kb never meets an old entry.

The file is data, never code, and signed like the parse cache's entries (kb.parsecache: JSON,
keyed BLAKE2b under the user's secret, never read through a symlink), so a file this user's
kb did not write, or one damaged or cut short, is a miss for every text: never an error and
never a number the text does not hold. It holds the texts one check used, written whole and
atomically when that check read a text anew or used fewer than the file held; a failure to
write only loses the cache.

Beside the mentions it keeps the figure rule's answers (kb.trust.figure_problems): which of a
claim's explanation's figures no number it may use reaches, under a hash of every input that
answer depends on. On an unchanged claim that rule, a third of the consistency checks at
10,000 claims, then reads no cited text (docs/benchmarks.md). And each source's own problems
(kb.consistency.source_problems: its claims' quotes and its text's coverage), under a hash of
its folder's files and of the rules' code: an unchanged source's text is then not read at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from contextlib import suppress
from dataclasses import fields
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from .atomic import write_file
from .errors import Origin, Problem
from .layout import CACHE_DIR
from .limits import MAX_FILE_BYTES
from .mention import Mention
from .parsecache import MAC_LINE, code_stamp, real_folders, signed, signing_key, verified
from .safefile import UnsafeFile, read_regular

# of the file: raise it when the encoding changes (2: the figures' answers, 3: the sources')
FORMAT = 3
MENTIONS_DIR = "mentions"  # then a folder named by finder_stamp(), then FILE_NAME
FILE_NAME = "mentions.json"
_STAMP = re.compile(r"[0-9a-f]{16}")
# The modules and data whose content decides what the finder reads in a text.
_FINDER_FILES = ("mention.py", "mentions.py", "despin.py", "units.py", "limits.py",
                 "data/despin.yaml")
# A collection's texts hold a few hundred bytes of mentions each: far below this many files'.
MAX_CACHE_BYTES = 64 * MAX_FILE_BYTES
# Each Mention field but the two cut from the text itself (text[start:end], the number's span).
_FIELDS = tuple(f.name for f in fields(Mention) if f.name not in ("text", "number"))
_DECIMALS = frozenset({"value", "lower", "upper", "precision"})


def find_anew(text: str, published: str | None = None) -> list[Mention]:
    """kb.mentions.find_mentions, imported at its first use."""
    # Not at the top: the finder's patterns take about 60 ms to compile, most of the
    # consistency checks' imports, and a check whose every text is kept never reads one.
    from .mentions import find_mentions
    return find_mentions(text, published)


@cache
def finder_stamp() -> str | None:
    """A short hash of the finder's code and tables; None if they cannot be read."""
    return code_stamp(f"{FORMAT} {' '.join(_FIELDS)}", _FINDER_FILES)


def text_name(text: str, published: str | None = None) -> str:
    """The name a text's mentions are kept under: a hash of it and its date."""
    return hashlib.blake2b(f"{published or ''}\0{text}".encode(), digest_size=16).hexdigest()


class MentionCache:
    """The kept mentions of one claims folder, for one check: find() reads through it."""

    def __init__(self, claims_dir: str | Path):
        self.parent = Path(claims_dir) / CACHE_DIR / MENTIONS_DIR
        stamp = finder_stamp()
        folder = self.parent / stamp if stamp else None
        key = signing_key() if folder and real_folders(folder) else None
        self.path = folder / FILE_NAME if folder and key else None
        self._key = key or b""  # unused without a path
        self._label = f"mentions {FILE_NAME}"
        self._kept, self._kept_figures, self._kept_sources = self._read()
        self._used: dict[str, list] = {}
        self._used_figures: dict[str, list[int]] = {}
        self._used_sources: dict[str, list] = {}
        # Each text's mentions as found or decoded, once per check: a text is read again for
        # every claim that cites it (10,000 claims: 10,734 readings of 6,449 texts), and
        # decoding its rows every time was a tenth of the consistency checks.
        self._found: dict[str, list[Mention]] = {}
        self.misses = 0
        self.figure_misses = 0
        self.source_misses = 0

    def find(self, text: str, published: str | None = None) -> list[Mention]:
        """find_anew(text, published), from the cache when the text was read before."""
        name = text_name(text, published)
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = self._find(name, text, published)
        return list(found)  # the caller's own list (a Mention is frozen)

    def _find(self, name: str, text: str, published: str | None) -> list[Mention]:
        rows = self._kept.get(name)
        if rows is not None:
            with suppress(ValueError, TypeError, IndexError, ArithmeticError):
                found = [_decode(text, row) for row in rows]
                self._used[name] = rows
                return found
        found = find_anew(text, published)
        self.misses += 1
        self._used[name] = [_encode(m) for m in found]
        return found

    def unsourced(self, key: str, figures: int) -> list[int] | None:
        """The figures (by position, of so many) kb.trust.figure_problems found unsourced
        under key, the hash of its inputs, when a check kept them; None if none did."""
        found = self._kept_figures.get(key)
        if not (isinstance(found, list) and all(type(i) is int and 0 <= i < figures
                                                for i in found)):
            self.figure_misses += 1
            return None
        self._used_figures[key] = found
        return list(found)

    def keep_unsourced(self, key: str, found: list[int]) -> None:
        """Keep what figure_problems found under key (see unsourced)."""
        self._used_figures[key] = list(found)

    def source_problems(self, key: str) -> tuple[list[Problem], list[Problem]] | None:
        """A source's quote and coverage problems (kb.consistency.source_problems) kept under
        key, the hash of its inputs, when a check kept them; None if none did."""
        rows = self._kept_sources.get(key)
        try:
            quotes, covers = rows  # type: ignore[misc]
            found = [_problem(row) for row in quotes], [_problem(row) for row in covers]
        except (ValueError, TypeError):
            self.source_misses += 1
            return None
        self._used_sources[key] = rows  # type: ignore[assignment]
        return found

    def keep_source_problems(self, key: str, quotes: list[Problem], covers: list[Problem]
                             ) -> None:
        """Keep what source_problems gives under key."""
        self._used_sources[key] = [[_problem_row(p) for p in quotes],
                                   [_problem_row(p) for p in covers]]

    def save(self) -> None:
        """Write what this check used, if it read a text, a figure or a source anew or the
        file held more."""
        if self.path is None or (not self.misses and not self.figure_misses
                                 and not self.source_misses
                                 and len(self._used) == len(self._kept)
                                 and len(self._used_figures) == len(self._kept_figures)
                                 and len(self._used_sources) == len(self._kept_sources)):
            return
        body = json.dumps({"mentions": self._used, "figures": self._used_figures,
                           "sources": self._used_sources},
                          ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        if len(body) > MAX_CACHE_BYTES:
            return
        with suppress(OSError):  # a read-only claims folder checks as without a cache
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_file(self.path, signed(self._key, self._label, body))
            self._prune()

    def _prune(self) -> None:
        """Delete the files of other stamps (an older kb's), and their folders."""
        assert self.path is not None
        for entry in os.scandir(self.parent):
            if (entry.name != self.path.parent.name and _STAMP.fullmatch(entry.name)
                    and entry.is_dir(follow_symlinks=False)):
                with suppress(OSError):
                    os.unlink(os.path.join(entry.path, FILE_NAME))
                    os.rmdir(entry.path)

    def _read(self) -> tuple[dict[str, list], dict[str, Any], dict[str, Any]]:
        """The kept mentions, figures' answers and sources' problems; none if the file is not
        whole and signed."""
        if self.path is None:
            return {}, {}, {}
        try:
            data = read_regular(self.path, "", MAC_LINE + MAX_CACHE_BYTES, os.O_NOFOLLOW)
        except (UnsafeFile, OSError):
            return {}, {}, {}
        body = verified(self._key, self._label, data)
        if body is None:
            return {}, {}, {}
        try:
            kept = json.loads(body)
        except (ValueError, RecursionError):
            return {}, {}, {}
        if not isinstance(kept, dict):
            return {}, {}, {}
        sections = (kept.get(name) for name in ("mentions", "figures", "sources"))
        mentions, figures, sources = (s if isinstance(s, dict) else {} for s in sections)
        return mentions, figures, sources


def _problem_row(p: Problem) -> list:
    return [p.origin.file, p.origin.line, p.kind, p.ident, p.message]


def _problem(row: Any) -> Problem:
    """A kept problem; ValueError (a miss) for a row that is not one."""
    if not (isinstance(row, list) and len(row) == 5 and type(row[1]) is int
            and all(type(v) is str for v in (row[0], *row[2:]))):
        raise ValueError("a problem's file, line, kind, id and message")
    return Problem(Origin(row[0], row[1]), row[2], row[3], row[4])


def _encode(m: Mention) -> list:
    return [str(v) if name in _DECIMALS and v is not None else v
            for name, v in zip(_FIELDS, (getattr(m, f) for f in _FIELDS), strict=True)]


def _decode(text: str, row: Any) -> Mention:
    """A kept mention of text; ValueError (a miss) for a row that is not one."""
    if not isinstance(row, list) or len(row) != len(_FIELDS):
        raise ValueError("a row per mention")
    values = dict(zip(_FIELDS, row, strict=True))
    for name in _DECIMALS:
        if values[name] is not None:
            values[name] = Decimal(values[name])
    start, end, num_start, num_end = (values[k] for k in ("start", "end", "num_start", "num_end"))
    if not all(type(x) is int and 0 <= x <= len(text) for x in (start, end, num_start, num_end)):
        raise ValueError("offsets in the text")
    mention = object.__new__(Mention)  # as kb.mentions._moved: Mention checks nothing
    mention.__dict__.update(values, text=text[start:end], number=text[num_start:num_end])
    return mention
