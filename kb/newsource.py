"""A new source from a raw article: its text pinned by hash, and one draft claim per mention.

`kb new` writes claims/sources/<id>/ with text.txt, source.yaml (the text's sha256), claims.yaml
(one draft claim per numeric mention, pre-filled with what the finder read) and ignored.yaml
(look-alikes and labels, each with the reason). A draft is a claim with a `draft` line: `kb
check` reports each one as an error until a reviewer fills in what only a reader can (subject,
property, statement, confidence, review) and deletes that line, or moves the mention to
ignored.yaml. The folder appears whole or not at all, and never replaces an existing source.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .despin import normalise
from .errors import KbError
from .limits import shorten
from .load import SOURCES_DIR, id_problem, language_problem, url_problem
from .mention import MEASURED_KINDS, TIME_KINDS, Mention
from .mentions import find_lookalikes, find_mentions
from .model import ID_PATTERN
from .safefile import UnsafeFile, forbidden_char, read_regular

DRAFT_NOTE = ("kb new: fill in subject, property, statement, confidence and review, check the "
              "rest, then delete this line")
_PUBLISHED = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T\d{2}:\d{2}(:\d{2})?)?")
_LABEL_REASON = "A section number or designation (N 号), not a quantity."


@dataclass(frozen=True)
class SourceInfo:
    """What `kb new` records about a source besides its text (None: left for the reviewer)."""

    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None  # None: read from the text (guess_language)


@dataclass(frozen=True)
class NewSource:
    """What kb new wrote: the folder, the language it recorded and how many drafts."""

    folder: Path
    language: str
    language_guessed: bool
    drafts: int
    ignored: int


# Words that make a text in Latin letters English: a few per sentence in any English prose.
_ENGLISH_WORDS = re.compile(r"\b(?:the|and|of|to|in|is|was|for|that|with|from|by)\b",
                            re.IGNORECASE)
# Han, kana, Hangul and Latin letters.
_SCRIPTS = tuple(re.compile(letters) for letters in (
    "[\u4e00-\u9fff\u3400-\u4dbf]", "[\u3040-\u30ff]", "[\uac00-\ud7af]",
    "[A-Za-z\u00c0-\u024f]"))


def guess_language(text: str) -> str:
    """The language tag of a text by its script: zh (Han), ja (kana), ko (Hangul), en (Latin
    letters with English function words), else und (undetermined: pass --language)."""
    han, kana, hangul, latin = (len(script.findall(text)) for script in _SCRIPTS)
    letters = han + kana + hangul + latin
    if not letters:
        return "und"
    if kana >= 0.05 * letters:
        return "ja"
    if hangul >= 0.3 * letters:
        return "ko"
    if han >= 0.2 * letters:
        return "zh"
    words = len(re.findall(r"[A-Za-z]+", text))
    if latin >= 0.5 * letters and words and len(_ENGLISH_WORDS.findall(text)) >= 0.08 * words:
        return "en"
    return "und"


def new_source(root: str | Path, source_id: str, text_file: str | Path,
               info: SourceInfo) -> NewSource:
    """Create claims/sources/<source_id>/ from a text file; KbError if it exists or is bad."""
    if not ID_PATTERN.match(source_id):
        raise KbError(f"source id '{shorten(source_id)}' is not a valid id; use lowercase "
                      "letters, digits and single hyphens, starting with a letter")
    if problem := id_problem(source_id):
        raise KbError(f"source {problem}")
    try:
        raw = read_regular(Path(text_file), "split the article into smaller sources")
        text = raw.decode("utf-8")
    except UnsafeFile as exc:
        raise KbError(f"{text_file}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise KbError(f"{text_file}: not UTF-8 text ({exc.reason}); convert it to UTF-8") from None
    if found := forbidden_char(text):
        line, column, char = found
        raise KbError(f"{text_file}:{line}: control character {char} at column {column} is not "
                      "allowed; remove it")
    if info.published and not _PUBLISHED.fullmatch(info.published):
        raise KbError(f"--date '{shorten(info.published)}' is not a date; write 2025-10-24 or "
                      "2025-10-24T03:14:00")
    if info.url and (problem := url_problem(info.url)):
        raise KbError(f"--url '{shorten(info.url)}' {problem}")
    if info.language is not None and (problem := language_problem(info.language)):
        raise KbError(f"--language {problem}")
    sources = Path(root) / SOURCES_DIR
    if not Path(root).is_dir():
        raise KbError(f"{root}: claims folder not found; pass --claims DIR")
    target = sources / source_id
    if target.exists():
        raise KbError(f"{target}: source '{source_id}' already exists; kb new never overwrites "
                      "a source, choose another id")
    mentions = find_mentions(text, info.published)
    language = info.language or guess_language(text)
    ignored = ignored_rows(text, mentions)
    files = {
        "text.txt": raw,
        "source.yaml": source_yaml(dataclasses.replace(info, language=language),
                                   hashlib.sha256(raw).hexdigest()).encode("utf-8"),
        "claims.yaml": claims_yaml(source_id, text, mentions).encode("utf-8"),
        "ignored.yaml": ignored_yaml(ignored).encode("utf-8"),
    }
    sources.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{source_id}.new-", dir=sources))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        staging.chmod(0o755)
        # rename() onto a missing name is atomic; it fails rather than merge into a folder that
        # appeared in the meantime.
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if target.exists():
            raise KbError(f"{target}: source '{source_id}' already exists; kb new never "
                          "overwrites a source, choose another id") from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return NewSource(target, language, info.language is None,
                     sum(1 for m in mentions if m.kind != "label"), len(ignored))


def _q(value: object) -> str:
    """A YAML scalar: JSON text is valid YAML, and keeps Chinese readable."""
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return yaml_number(value)
    return json.dumps(value, ensure_ascii=False)


def yaml_number(d: Decimal) -> str:
    """A Decimal as a YAML number: 81462e6 for big round numbers, 0.25 otherwise."""
    n = d.normalize()
    sign, digits, exp = n.as_tuple()
    if isinstance(exp, int) and exp > 0:
        return f"{'-' if sign else ''}{''.join(map(str, digits))}e{exp}"
    return format(n, "f")


def source_yaml(info: SourceInfo, sha: str) -> str:
    """source.yaml for a new source; missing fields stay empty for `kb check` to report."""
    return (
        "# Written by kb new. text.txt is stored verbatim; sha256 pins it.\n"
        f"title: {_q(info.title)}\n"
        f"publisher: {_q(info.publisher)}\n"
        f"url: {_q(info.url)}\n"
        f"published: {_q(info.published)}\n"
        f"language: {_q(info.language)}\n"
        "notes: []\n"
        "text: text.txt\n"
        f"sha256: {sha}\n")


# Where a sentence ends: Chinese and Latin stops, and an English full stop before a space
# (not the point of 94.9, nor one inside a mention: Sept. 28, approx. 5).
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s)")


def sentence_ends(text: str, mentions: list[Mention]) -> list[int]:
    """Where the text's sentences end, in order (mentions: the text's, in order)."""
    starts = [o.start for o in mentions]
    ends = []
    for e in _SENTENCE_END.finditer(text):
        k = bisect.bisect_right(starts, e.start()) - 1
        if k < 0 or e.start() >= mentions[k].end:  # not inside the mention before it
            ends.append(e.start())
    return ends


def draft_time(m: Mention, mentions: list[Mention], text: str,
               ends: list[int]) -> tuple[str, str, str] | None:
    """(point|period, value, phrase): the date stated in the mention's sentence, if any (ends:
    sentence_ends of the text)."""
    k = bisect.bisect_left(ends, m.num_start)
    a = ends[k - 1] + 1 if k else 0
    k = bisect.bisect_left(ends, m.num_end)
    b = ends[k] if k < len(ends) else len(text)
    dates = [d for d in mentions if d.kind in TIME_KINDS and a <= d.num_start < b and d.iso
             and d.iso[:4].isdigit()]
    if not dates:
        return None
    before = [d for d in dates if d.num_start < m.num_start]
    d = before[-1] if before else dates[0]
    when = iso_time(d.iso or "")
    return (when[0], when[1], d.text) if when else None


def _time_of(m: Mention, mentions: list[Mention], text: str,
             ends: list[int]) -> tuple[str, str, str] | None:
    if m.kind not in TIME_KINDS:
        return draft_time(m, mentions, text, ends)
    when = iso_time(m.iso) if m.iso and m.iso[:4].isdigit() else None
    return (when[0], when[1], m.text) if when else None


def iso_time(iso: str) -> tuple[str, str] | None:
    """A mention's ISO date as a claim time: 2023-Q3 → period 2023-07/2023-09."""
    year = iso[:4]
    rest = iso[4:]
    if not rest:
        return "period", year
    if rest.startswith("-Q"):
        q = int(rest[2])
        return "period", f"{year}-{3 * q - 2:02d}/{year}-{3 * q:02d}"
    if rest.startswith("-H"):
        return "period", f"{year}-01/{year}-06" if rest == "-H1" else f"{year}-07/{year}-12"
    if len(rest) in (3, 6):
        return "point", iso
    return None


def claims_yaml(source_id: str, text: str, mentions: list[Mention]) -> str:
    """One draft claim per mention that is not a label, pre-filled with what was read."""
    out = ["# Draft claims written by kb new: one per numeric mention of text.txt.",
           "# start/end are Unicode code-point offsets into text.txt (end exclusive).",
           "# kb check reports each draft until it is completed and its 'draft' line deleted,",
           "# or its mention is moved to ignored.yaml with a reason (docs/mentions.md).", ""]
    n = 0
    ends = sentence_ends(text, mentions)
    for m in mentions:
        if m.kind == "label":
            continue
        n += 1
        amount, unit = _amount(m)
        out += [f"- id: {source_id}-{n:03d}",
                f"  draft: {_q(DRAFT_NOTE)}",
                f"  quote: {_q(m.text)}",
                f"  start: {m.start}",
                f"  end: {m.end}",
                f"  normalised: {_q(normalise(m.text).text)}",
                "  statement: null",
                "  subject: null",
                "  property: null",
                f"  amount: {_q(amount)}",
                f"  unit: {_q(unit)}"
                + (f"  # {m.kind} {m.iso}" if m.iso else "")
                + (f" ({m.offset} from the published date)" if m.offset else "")
                + ("  # currency inferred from the sentence" if m.unit_inferred else ""),
                f"  bound: {m.bound}"]
        if m.lower is not None:
            out.append(f"  lower: {_q(m.lower)}")
        if m.upper is not None:
            out.append(f"  upper: {_q(m.upper)}")
        out.append(f"  precision: {_q(m.precision)}")
        if when := _time_of(m, mentions, text, ends):
            out.append(f"  time: {{{when[0]}: {_q(when[1])}, phrase: {_q(when[2])}}}")
        out += ["  confidence: null", "  review: null", ""]
    if n == 0:
        out.append("[]")
    return "\n".join(out) + "\n"


def _amount(m: Mention) -> tuple[Decimal | None, str | None]:
    """What a claim on this mention would state, as the curated claims do: a year claim is the
    year in unit `year` (收入最高的 2022 年), a rank is dimensionless (名列第一)."""
    if m.kind in MEASURED_KINDS:
        return m.value, m.unit
    if m.kind in TIME_KINDS and m.iso and m.iso[:4].isdigit():
        return Decimal(m.iso[:4]), "year"
    if m.kind == "ordinal":
        return m.value, "dimensionless"
    return None, None


def ignored_rows(text: str, mentions: list[Mention]) -> list[tuple[int, int, str, str]]:
    """Labels (which need covering) and look-alikes (recorded for the reviewer), with reasons,
    as (start, end, text, reason) in order."""
    rows = [(m.num_start, m.num_end, m.number, _LABEL_REASON) for m in mentions
            if m.kind == "label"]
    rows += [(a, b, t, f"Look-alike: {reason}.") for a, b, t, reason in find_lookalikes(text)]
    return sorted(rows)


def ignored_yaml(rows: list[tuple[int, int, str, str]]) -> str:
    """ignored.yaml for the rows of ignored_rows."""
    out = ["# Numbers in text.txt that are not claims, each with the reason (written by kb new).",
           ""]
    for a, b, t, reason in rows:
        out += [f"- text: {_q(t)}", f"  start: {a}", f"  end: {b}", f"  reason: {_q(reason)}", ""]
    if not rows:
        out.append("[]")
    return "\n".join(out) + "\n"
