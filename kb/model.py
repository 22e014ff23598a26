"""Model objects the loader produces and every later stage reads. Immutable, no I/O."""

from __future__ import annotations

import calendar
import re
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from .choices import DEFAULT_STORE
from .errors import Origin
from .limits import shorten
from .verdicts import review_headline

# Ids become IRI path segments and file names, so they are kept to a safe, stable alphabet.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")

BOUND_KINDS = ("exact", "approximately", "at-least", "more-than", "at-most", "less-than", "range")
ENTITY_KINDS = ("organization", "person", "product", "project", "place", "event")


class Lines(Mapping[str, int]):
    """The line of each field of one YAML mapping, compactly.

    A dict per claim and review, with its own copy of every field name, was a fifth of a
    loaded collection's memory. Here the field names and their positions are shared by every
    mapping that has the same fields in the same order, and the lines take 4 bytes each.
    """

    __slots__ = ("_index", "_lines")
    _shared: ClassVar[dict[tuple[str, ...], dict[str, int]]] = {}

    def __init__(self, lines: Mapping[str, int]):
        keys = tuple(lines)
        index = Lines._shared.get(keys)
        if index is None:
            index = {key: i for i, key in enumerate(keys)}
            if len(Lines._shared) < 4096:  # field orders are few; bound them all the same
                Lines._shared[keys] = index
        self._index = index
        self._lines = array("I", lines.values())

    def __getitem__(self, key: str) -> int:
        return self._lines[self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"Lines({dict(self)!r})"


class Located:
    """Mixin for objects read from YAML with a line per field."""

    __slots__ = ()
    origin: Origin
    lines: Mapping[str, int]

    def line_of(self, key: str) -> Origin:
        """The origin of one field, falling back to the object's own line."""
        line = self.lines.get(key)
        return Origin(self.origin.file, line) if line else self.origin


@dataclass(frozen=True, slots=True)
class Quantity:
    """An amount in a unit, how the text bounds it, and the precision it was stated to."""

    amount: Decimal
    unit: str
    bound: str = "exact"
    lower: Decimal | None = None
    upper: Decimal | None = None
    precision: Decimal | None = None

    def implied_bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """The lower and upper bounds the bound kind implies (explicit ones win)."""
        lower, upper = self.lower, self.upper
        if self.bound in ("at-least", "more-than") and lower is None:
            lower = self.amount
        if self.bound in ("at-most", "less-than") and upper is None:
            upper = self.amount
        return lower, upper


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A point in time or a period, as dates with the precision they were stated to."""

    kind: str  # "point" or "period"
    start: date
    end: date
    precision: str  # "year", "month" or "day"
    text: str  # the ISO form it was written in: 2022, 2025-06, 2024-01-01/2024-06-30
    phrase: str | None = None


def parse_time_text(text: str, kind: str) -> TimeSpec:
    """Parse 2022, 2025-06, 2025-06-30 or START/END into a TimeSpec; ValueError if malformed."""
    if "/" in text:
        if kind != "period":
            raise ValueError("a START/END interval is a period, not a point")
        first, last = text.split("/", 1)
        a, b = parse_time_text(first, kind), parse_time_text(last, kind)
        if b.end < a.start:
            raise ValueError(f"period {text} ends before it starts")
        return TimeSpec(kind, a.start, b.end, "day" if a.precision == b.precision == "day"
                        else min(a.precision, b.precision, key=_PRECISIONS.index), text)
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not m:
        raise ValueError(f"'{shorten(text)}' is not a date like 2022, 2025-06 or 2025-06-30")
    year, month, day = int(m[1]), m[2], m[3]
    if month is None:
        return TimeSpec(kind, date(year, 1, 1), date(year, 12, 31), "year", text)
    mon = int(month)
    if day is None:
        last_day = calendar.monthrange(year, mon)[1]
        return TimeSpec(kind, date(year, mon, 1), date(year, mon, last_day), "month", text)
    d = date(year, mon, int(day))
    return TimeSpec(kind, d, d, "day", text)


_PRECISIONS = ("year", "month", "day")


def quote_hint(text: str, quote: str) -> str:
    """How to fix a claim's offsets: where its quote occurs in the text, if anywhere."""
    found: list[int] = []
    i = text.find(quote) if quote else -1
    while i >= 0 and len(found) < 6:
        found.append(i)
        i = text.find(quote, i + 1)
    if not found:
        return "the quote does not occur in the text; copy it verbatim from the source"
    if len(found) == 1:
        return f"the quote occurs at {found[0]}-{found[0] + len(quote)}; fix start/end"
    spots = ", ".join(f"{i}-{i + len(quote)}" for i in found[:5])
    return f"the quote occurs at {spots}; set start/end to the one meant"


@dataclass(frozen=True)
class Config:
    """Collection-wide settings from claims/collection.yaml."""

    title: str
    base: str
    site_url: str
    license: str
    license_url: str
    description: str = ""
    store: str = DEFAULT_STORE
    endpoint: str | None = None  # SPARQL endpoint of the sparql store
    reviewers: dict[str, Reviewer] = field(default_factory=dict)
    origin: Origin | None = None


# The keys collection.yaml may hold: Config's fields, but where each was read from.
CONFIG_KEYS = tuple(f.name for f in fields(Config) if f.name != "origin")


@dataclass(frozen=True, slots=True)
class Reviewer:
    """A person or organisation that reviews claims."""

    id: str
    name: str
    url: str | None
    kind: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class Source(Located):
    """A source article: its metadata and its verbatim text."""

    id: str
    title: str
    publisher: str
    url: str | None
    published: str  # ISO date or date-time as the page shows it
    language: str
    notes: tuple[str, ...]
    text_file: str
    sha256: str
    text: str
    origin: Origin
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    title_en: str | None = None  # an English gloss of a title in another language
    summary: str | None = None  # what the article argues, in English, in a sentence or two


@dataclass(frozen=True, slots=True)
class Entity:
    """Something claims are about, with labels per language and an optional Wikidata id."""

    id: str
    labels: dict[str, str]
    kind: str
    wikidata: str | None
    description: str | None
    origin: Origin

    def label(self, lang: str = "en") -> str:
        """The label in a language, falling back to any label, then the id."""
        return self.labels.get(lang) or next(iter(self.labels.values()), self.id)


@dataclass(frozen=True, slots=True)
class PropertyDef:
    """A measurable property of our vocabulary, with its dimension and Wikidata mapping."""

    id: str
    labels: dict[str, str]
    description: str
    dimension: str
    wikidata: str | None
    origin: Origin

    def label(self, lang: str = "en") -> str:
        """The label in a language, falling back to the id."""
        return self.labels.get(lang) or self.id


@dataclass(frozen=True, slots=True)
class Document:
    """A document evidence is taken from, with what a reader needs to weigh it."""

    id: str
    title: str
    publisher: str
    date: str | None  # 2025, 2025-07 or 2025-07-28: as precisely as the document is dated
    url: str
    kind: str  # one of kb.tiers.DOCUMENT_KINDS
    origin: Origin
    notes: str | None = None
    retrieved: str = ""  # ISO date the page was read at url
    archive_url: str | None = None  # a dated copy (Wayback Machine, archive.today), if one exists


@dataclass(frozen=True, slots=True)
class Statement(Located):
    """The common shape of claims and evidence: subject, property, quantity, time."""

    id: str
    subject: str
    property: str
    quantity: Quantity
    time: TimeSpec | None
    compared_with: str | None
    origin: Origin
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence(Statement):
    """A statement derived from a primary document, quoting the line it relies on."""

    document: str
    quote: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Review(Located):
    """A verdict on a claim, with the reasoning and the evidence it rests on."""

    verdict: str
    explanation: str
    reviewer: str
    date: date
    evidence: tuple[str, ...]
    origin: Origin
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    correction: str | None = None  # what is true instead, for a wrong or misleading claim


@dataclass(frozen=True, kw_only=True, slots=True)
class Claim(Statement):
    """A numeric claim made by a source, anchored to exact offsets in its text."""

    source: str
    quote: str
    start: int
    end: int
    normalised: str
    statement: str
    confidence: Decimal
    review: Review
    about: tuple[str, ...] = ()

    @property
    def claim_reviewed(self) -> str:
        """The statement as a ClaimReview's claimReviewed: at most CLAIM_REVIEWED_CHARS, cut at
        a word boundary with an ellipsis when longer (the full statement stays kb:statement)."""
        return cut_at_word(self.statement, CLAIM_REVIEWED_CHARS)

    @property
    def headline(self) -> str:
        """Its review's headline, verdict first (see verdicts.review_headline)."""
        if self.review is None:
            return self.statement
        return review_headline(self.review.verdict, self.statement, self.review.correction)


@dataclass(frozen=True, slots=True)
class Relation:
    """A declared arithmetic relation between claims, evidence and constants."""

    id: str
    source: str
    expression: str
    description: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class IgnoredMention:
    """A numeric mention that is deliberately not a claim, and why."""

    source: str
    start: int
    end: int
    text: str
    reason: str
    origin: Origin

    @property
    def id(self) -> str:
        """A stable id from the offsets: ignored mentions have no author-chosen id."""
        return f"{self.start}-{self.end}"


# Google advises a claimReviewed of at most 75 characters: longer ones are cut in results.
CLAIM_REVIEWED_CHARS = 75
_TRAILING = " ,;:–—-("


def cut_at_word(text: str, limit: int) -> str:
    """text if it fits in limit characters; else its longest run of whole words that fits
    with a trailing '…' (a single word longer than that is cut inside it)."""
    if len(text) <= limit:
        return text
    room = text[:limit - 1]  # one character is left for the ellipsis
    if text[limit - 1] != " " and " " in room:  # the cut falls inside a word: drop it
        room = room.rsplit(" ", 1)[0]
    return (room.rstrip(_TRAILING) or text[:limit - 1]) + "…"


@dataclass(frozen=True)
class Collection:
    """Everything loaded from a claims folder."""

    root: str
    config: Config
    sources: dict[str, Source]
    entities: dict[str, Entity]
    properties: dict[str, PropertyDef]
    documents: dict[str, Document]
    evidence: dict[str, Evidence]
    claims: dict[str, Claim]
    relations: dict[str, Relation]
    ignored: tuple[IgnoredMention, ...]
    files: tuple[str, ...] = ()
    # (kind, id) of entries that declared an id but failed to load: their own error is
    # reported, so references to them are not reported again as dangling.
    broken: frozenset[tuple[str, str]] = frozenset()
    # False when a file could not be read or parsed: what it declares is unknown, so checks
    # that compare across files would only report consequences of that one error.
    complete: bool = True
    # Each source that loaded without a problem: a hash of the files its folder was loaded from
    # and of the loader's code (kb.sourcecache.folder_key), by which later stages keep what
    # they made of it (kb.graphcache). Where the objects came from, not what they say: left
    # out of comparisons and of the pages' keys (kb.reuse), like an origin.
    folder_keys: dict[str, str] = field(default_factory=dict, compare=False)
    # The same of the files outside the source folders (collection, entities, properties,
    # evidence), if they loaded without a problem.
    shared_key: str | None = field(default=None, compare=False)


def _unpickled_fast(cls: type) -> None:
    """Give a frozen dataclass with slots a __setstate__ that sets its fields' values, in
    order (as dataclasses' own __getstate__ gives them), through its slots' setters (they skip
    the frozen check). Dataclasses' own asks for the class's fields again for every object: a
    kept load of 10,000 claims unpickles about 100,000 (kb.sourcecache), and took a fifth
    longer."""
    setters = tuple(getattr(cls, f.name).__set__ for f in fields(cls))

    def __setstate__(self: Any, state: list) -> None:
        for set_field, value in zip(setters, state, strict=True):
            set_field(self, value)

    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]


for _cls in list(globals().values()):
    _params = getattr(_cls, "__dataclass_params__", None)
    if isinstance(_cls, type) and _cls.__module__ == __name__ and "__slots__" in vars(_cls) \
            and _params is not None and _params.frozen:
        _unpickled_fast(_cls)
