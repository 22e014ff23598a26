"""Load a claims folder (YAML + source texts) into model objects, collecting every problem."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .choices import DEFAULT_STORE, STORE_KINDS
from .errors import LoadError, Origin, Problem
from .model import (
    BOUND_KINDS,
    CONFIG_KEYS,
    ENTITY_KINDS,
    ID_PATTERN,
    Claim,
    Collection,
    Config,
    Document,
    Entity,
    Evidence,
    IgnoredMention,
    PropertyDef,
    Quantity,
    Relation,
    Review,
    Reviewer,
    Source,
    TimeSpec,
    parse_time_text,
)
from .tiers import DOCUMENT_KINDS
from .verdicts import VERDICTS
from .yamlfile import MarkedYAMLError, YamlMap, YamlSeq, parse_yaml

SOURCES_DIR = "sources"
EVIDENCE_DIR = "evidence"


def read_yaml(path: Path) -> Any:
    """Parse one YAML file with libyaml, keeping the line of every key and list item."""
    return parse_yaml(path.read_bytes().decode("utf-8"))


class _Sink:
    """Collects problems while loading, so one run reports all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, origin: Origin, kind: str, ident: str, message: str) -> None:
        self.problems.append(Problem(origin, kind, ident, message))


class _Fields:
    """Typed, located access to one YAML mapping; records a problem for each bad field."""

    def __init__(self, node: Any, file: str, kind: str, sink: _Sink, line: int = 1):
        self.file, self.kind, self.sink = file, kind, sink
        self.ok = isinstance(node, YamlMap)
        self.node: YamlMap = node if self.ok else YamlMap()
        self.line = node.line if self.ok else line
        raw_id = self.node.get("id")
        self.ident = str(raw_id) if raw_id is not None else ""
        if not self.ok:
            self.problem(f"expected a mapping of fields, found {_describe(node)}")

    @property
    def origin(self) -> Origin:
        return Origin(self.file, self.line)

    def line_of(self, key: str) -> int:
        if key in self.node:
            return self.node.key_lines[key]
        return self.line

    def lines(self) -> dict[str, int]:
        return {str(k): self.node.key_lines[k] for k in self.node}

    def problem(self, message: str, key: str | None = None) -> None:
        line = self.line_of(key) if key else self.line
        self.sink.add(Origin(self.file, line), self.kind, self.ident, message)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
                self.problem(f"unknown field '{key}'; {hint}", key)

    def raw(self, key: str, required: bool) -> Any:
        if key not in self.node or self.node[key] is None:
            if required:
                self.problem(f"missing field '{key}'; add it")
            return None
        return self.node[key]

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, (YamlMap, YamlSeq)):
            self.problem(f"field '{key}' must be text, found {_describe(value)}", key)
            return None
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return str(value).strip() if isinstance(value, str) else str(value)

    def ident_field(self, key: str = "id", required: bool = True) -> str | None:
        value = self.text(key, required)
        if value is not None and not ID_PATTERN.match(value):
            self.problem(
                f"'{value}' is not a valid id; start with a letter and use lowercase letters, "
                "digits and single hyphens",
                key,
            )
            return None
        return value

    def choice(self, key: str, choices: tuple[str, ...], required: bool = True,
               default: str | None = None) -> str | None:
        value = self.text(key, required and default is None)
        if value is None:
            return default
        if value not in choices:
            self.problem(f"{key} '{value}' is not one of: {', '.join(choices)}", key)
            return None
        return value

    def decimal(self, key: str, required: bool = True) -> Decimal | None:
        value = self.raw(key, required)
        if value is None:
            return None
        parsed = parse_decimal(value)
        if parsed is None:
            self.problem(f"{key} {value!r} is not a number", key)
        return parsed

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"{key} {value!r} is not a whole number", key)
            return None
        return int(value)

    def day(self, key: str, required: bool = True) -> date | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.problem(f"{key} {value!r} is not a date like 2025-10-24", key)
            return None

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.raw(key, False)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, YamlSeq):
            self.problem(f"field '{key}' must be a list", key)
            return ()
        return tuple(str(v) for v in value)

    def labels(self, key: str = "label") -> dict[str, str]:
        value = self.raw(key, True)
        if value is None:
            return {}
        if isinstance(value, str):
            return {"en": value}
        if not isinstance(value, YamlMap):
            self.problem(f"field '{key}' must map languages to labels, like {{en: Tesla}}", key)
            return {}
        return {str(k): str(v) for k, v in value.items()}

    def sub(self, key: str, kind: str | None = None, required: bool = True) -> _Fields | None:
        value = self.raw(key, required)
        if value is None:
            return None
        sub = _Fields(value, self.file, kind or self.kind, self.sink, self.line_of(key))
        sub.ident = self.ident
        return sub if sub.ok else None


def parse_decimal(value: Any) -> Decimal | None:
    """Read a YAML number (or numeric string) exactly as written, never via binary rounding."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        # repr gives the shortest string that round-trips, i.e. the digits the author wrote.
        value = repr(value)
    try:
        result = Decimal(str(value).replace("_", "").strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _describe(node: Any) -> str:
    if isinstance(node, YamlMap):
        return "a mapping"
    if isinstance(node, YamlSeq):
        return "a list"
    return f"{type(node).__name__} {node!r}"


def _items(node: Any, file: str, kind: str, sink: _Sink) -> Iterator[_Fields]:
    """The entries of a YAML list file, each as located fields."""
    if node is None:
        return
    if not isinstance(node, YamlSeq):
        sink.add(Origin(file, 1), kind, "", f"expected a list of {kind} entries at the top level")
        return
    for i, item in enumerate(node):
        line = node.item_lines[i]
        yield _Fields(item, file, kind, sink, line)


def _parts(folder: Path, stem: str) -> list[Path]:
    """STEM.yaml and STEM-*.yaml in a source folder, in name order."""
    return sorted(p for p in folder.glob(f"{stem}*.yaml")
                  if p.stem == stem or p.stem.startswith(f"{stem}-"))


class Loader:
    """Reads one claims folder into a Collection."""

    def __init__(self, root: Path):
        self.root = root
        self.sink = _Sink()
        self.files: list[str] = []
        self.seen: dict[tuple[str, str], Origin] = {}
        self.unreadable: list[str] = []

    def load(self) -> Collection:
        if not self.root.is_dir():
            raise LoadError([Problem(Origin(str(self.root), 0), "", "",
                                     "claims folder not found; pass --claims DIR")])
        config = self._config()
        entities = {e.id: e for e in self._list("entities.yaml", "entity", self._entity)}
        properties = {p.id: p for p in self._list("properties.yaml", "property", self._property)}
        documents: dict[str, Document] = {}
        evidence: dict[str, Evidence] = {}
        for path in sorted((self.root / EVIDENCE_DIR).glob("*.yaml")):
            node = self._read(path)
            if node is None:
                continue
            fields = _Fields(node, str(path), "evidence file", self.sink)
            if not fields.ok:
                continue
            fields.check_keys(("documents", "statements"))
            for f in _items(fields.node.get("documents"), str(path), "document", self.sink):
                if (doc := self._document(f)) is not None:
                    documents[doc.id] = doc
            for f in _items(fields.node.get("statements"), str(path), "evidence", self.sink):
                if (ev := self._evidence(f)) is not None:
                    evidence[ev.id] = ev
        sources: dict[str, Source] = {}
        claims: dict[str, Claim] = {}
        relations: dict[str, Relation] = {}
        ignored: list[IgnoredMention] = []
        source_root = self.root / SOURCES_DIR
        for folder in sorted(p for p in source_root.glob("*") if p.is_dir()):
            source = self._source(folder)
            if source is None:
                continue
            sources[source.id] = source
            # claims.yaml may be split into claims-*.yaml (likewise relations and ignored) so
            # that long articles stay reviewable in parts.
            for path in _parts(folder, "claims"):
                for c in self._list(path, "claim", lambda f, s=source: self._claim(f, s)):
                    claims[c.id] = c
            for path in _parts(folder, "relations"):
                for r in self._list(path, "relation", lambda f, s=source: self._relation(f, s)):
                    relations[r.id] = r
            for path in _parts(folder, "ignored"):
                ignored.extend(self._list(path, "ignored mention",
                                          lambda f, s=source: self._ignored(f, s)))
        return Collection(
            root=str(self.root), config=config, sources=sources, entities=entities,
            properties=properties, documents=documents, evidence=evidence, claims=claims,
            relations=relations, ignored=tuple(ignored), files=tuple(self.files),
            broken=frozenset(set(self.seen) - self._loaded(entities, properties, documents,
                                                          evidence, claims, relations)),
            complete=not self.unreadable,
        )

    @staticmethod
    def _loaded(entities, properties, documents, evidence, claims, relations) -> set:
        tables = {"entity": entities, "property": properties, "document": documents,
                  "evidence": evidence, "claim": claims, "relation": relations}
        return {(kind, ident) for kind, table in tables.items() for ident in table}

    # -- files -------------------------------------------------------------------------------

    def _read(self, path: Path) -> Any:
        if not path.exists():
            self.unreadable.append(str(path))
            self.sink.add(Origin(str(path), 0), "", "", "file not found; create it")
            return None
        self.files.append(str(path))
        try:
            return read_yaml(path)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 0
            what = " ".join(str(exc.problem or exc.context or exc).split())
            if exc.problem and exc.context and exc.context_mark and exc.problem_mark:
                # libyaml names the construct it was in and where that began: say both.
                what += f" {exc.context} that starts on line {exc.context_mark.line + 1}"
            self.unreadable.append(str(path))
            self.sink.add(Origin(str(path), line), "", "", f"YAML syntax error: {what}")
        except UnicodeDecodeError as exc:
            self.unreadable.append(str(path))
            self.sink.add(Origin(str(path), 0), "", "", f"not UTF-8 text: {exc.reason}")
        return None

    def _list(self, name: str | Path, kind: str, build) -> list:
        path = name if isinstance(name, Path) else self.root / name
        node = self._read(path)
        out = []
        for fields in _items(node, str(path), kind, self.sink):
            if fields.ok and (obj := build(fields)) is not None:
                out.append(obj)
        return out

    def _unique(self, kind: str, ident: str | None, fields: _Fields) -> bool:
        """Record an id, reporting a duplicate; each kind of object has its own IRI space."""
        if ident is None:
            return False
        key = (kind, ident)
        if key in self.seen:
            fields.problem(f"duplicate id; first defined at {self.seen[key]}; choose another id",
                           "id")
            return False
        self.seen[key] = fields.origin
        return True

    # -- objects -----------------------------------------------------------------------------

    def _config(self) -> Config:
        path = self.root / "collection.yaml"
        node = self._read(path)
        f = _Fields(node, str(path), "collection", self.sink)
        f.check_keys(CONFIG_KEYS)
        base = f.text("base") or "https://kb.example.org/"
        if not base.endswith("/"):
            f.problem(f"base '{base}' must end with '/'", "base")
        reviewers = {}
        for r in _items(f.node.get("reviewers"), str(path), "reviewer", self.sink):
            r.check_keys(("id", "name", "url", "kind"))
            rid, name = r.ident_field(), r.text("name")
            kind = r.choice("kind", ("organization", "person"), default="organization")
            if rid and name and kind:
                reviewers[rid] = Reviewer(rid, name, r.text("url", False), kind, r.origin)
        return Config(
            title=f.text("title") or "", description=f.text("description", False) or "",
            base=base, site_url=f.text("site_url", False) or base,
            license=f.text("license") or "", license_url=f.text("license_url") or "",
            store=f.choice("store", STORE_KINDS, default=DEFAULT_STORE) or DEFAULT_STORE,
            endpoint=f.text("endpoint", False), reviewers=reviewers, origin=f.origin,
        )

    def _entity(self, f: _Fields) -> Entity | None:
        f.check_keys(("id", "label", "kind", "wikidata", "description"))
        ident = f.ident_field()
        unique = self._unique("entity", ident, f)
        labels, kind = f.labels(), f.choice("kind", ENTITY_KINDS)
        wikidata = self._wikidata(f, "Q")
        if not unique or ident is None or not labels or kind is None:
            return None
        return Entity(ident, labels, kind, wikidata, f.text("description", False), f.origin)

    def _property(self, f: _Fields) -> PropertyDef | None:
        f.check_keys(("id", "label", "description", "dimension", "wikidata"))
        ident = f.ident_field()
        unique = self._unique("property", ident, f)
        labels, description, dimension = f.labels(), f.text("description"), f.text("dimension")
        wikidata = self._wikidata(f, "P")
        if not unique or ident is None or not labels or not description or not dimension:
            return None
        return PropertyDef(ident, labels, description, dimension, wikidata, f.origin)

    def _wikidata(self, f: _Fields, prefix: str) -> str | None:
        value = f.text("wikidata", False)
        if value is not None and not (value.startswith(prefix) and value[1:].isdigit()):
            f.problem(f"wikidata '{value}' is not an id like {prefix}123", "wikidata")
            return None
        return value

    def _document(self, f: _Fields) -> Document | None:
        f.check_keys(("id", "title", "publisher", "date", "url", "kind", "retrieved",
                      "archive_url", "notes"))
        ident = f.ident_field()
        unique = self._unique("document", ident, f)
        title, publisher = f.text("title"), f.text("publisher")
        url, archive = f.text("url"), f.text("archive_url", False)
        day, kind = self._partial_date(f, "date"), f.choice("kind", DOCUMENT_KINDS)
        retrieved = f.day("retrieved")
        bad = [(key, value) for key, value in (("url", url), ("archive_url", archive))
               if value and not value.startswith(("http://", "https://"))]
        for key, value in bad:
            f.problem(f"{key} '{value}' must start with http:// or https://", key)
        if (bad or not unique or ident is None or title is None or publisher is None
                or url is None or kind is None or retrieved is None):
            return None
        return Document(ident, title, publisher, day, url, kind, f.origin, f.text("notes", False),
                        retrieved.isoformat(), archive)

    @staticmethod
    def _partial_date(f: _Fields, key: str) -> str | None:
        """A date as precisely as it is known: 2025, 2025-07 or 2025-07-28 (optional)."""
        text = f.text(key, False)
        if text is None:
            return None
        try:
            parse_time_text(text, "point")
        except ValueError as exc:
            f.problem(f"{key}: {exc}", key)
            return None
        return text

    _STATEMENT_KEYS = ("id", "subject", "property", "amount", "unit", "bound", "lower", "upper",
                       "precision", "time", "compared_with")

    def _quantity(self, f: _Fields) -> Quantity | None:
        amount, unit = f.decimal("amount"), f.text("unit")
        bound = f.choice("bound", BOUND_KINDS, default="exact")
        lower, upper = f.decimal("lower", False), f.decimal("upper", False)
        precision = f.decimal("precision", False)
        if bound == "range" and (lower is None or upper is None):
            f.problem("a range needs both 'lower' and 'upper'; add them", "bound")
            return None
        if amount is None or unit is None or bound is None:
            return None
        return Quantity(amount, unit, bound, lower, upper, precision)

    def _time(self, f: _Fields) -> TimeSpec | None:
        t = f.sub("time", required=False)
        if t is None:
            return None
        t.check_keys(("point", "period", "phrase"))
        phrase = t.text("phrase", False)
        kinds = [k for k in ("point", "period") if k in t.node]
        if len(kinds) != 1:
            t.problem("time needs exactly one of 'point' or 'period'")
            return None
        text = t.text(kinds[0])
        try:
            spec = parse_time_text(text or "", kinds[0])
        except ValueError as exc:
            t.problem(f"{kinds[0]}: {exc}", kinds[0])
            return None
        return TimeSpec(spec.kind, spec.start, spec.end, spec.precision, spec.text, phrase)

    def _statement_parts(self, f: _Fields, ident: str | None) -> dict | None:
        subject, prop = f.ident_field("subject"), f.ident_field("property")
        quantity, time = self._quantity(f), self._time(f)
        compared = f.ident_field("compared_with", False)
        if None in (ident, subject, prop, quantity):
            return None
        return dict(id=ident, subject=subject, property=prop, quantity=quantity, time=time,
                    compared_with=compared, origin=f.origin, lines=f.lines())

    def _evidence(self, f: _Fields) -> Evidence | None:
        f.check_keys((*self._STATEMENT_KEYS, "document", "quote", "note"))
        ident = f.ident_field()
        unique = self._unique("evidence", ident, f)
        parts = self._statement_parts(f, ident)
        document, quote = f.ident_field("document"), f.text("quote")
        if not unique or parts is None or document is None or quote is None:
            return None
        return Evidence(**parts, document=document, quote=quote, note=f.text("note", False))

    # What a reviewer must fill in before a draft written by `kb new` is a claim.
    DRAFT_FIELDS = ("subject", "property", "amount", "unit", "statement", "confidence", "review")

    def _claim(self, f: _Fields, source: Source) -> Claim | None:
        f.check_keys((*self._STATEMENT_KEYS, "quote", "start", "end", "normalised",
                      "statement", "confidence", "review", "about", "draft"))
        ident = f.ident_field()
        unique = self._unique("claim", ident, f)
        if "draft" in f.node:
            # One line per draft, not one per empty field: the draft is unfinished as a whole.
            missing = [k for k in self.DRAFT_FIELDS if f.node.get(k) is None]
            todo = (f"fill in {', '.join(missing)}, then delete the 'draft' line" if missing
                    else "delete the 'draft' line once it is reviewed")
            f.problem(f"draft claim from kb new: {todo}; or move its mention to ignored.yaml "
                      "with a reason", "draft")
            return None
        parts = self._statement_parts(f, ident)
        quote, start, end = f.text("quote"), f.integer("start"), f.integer("end")
        normalised, statement = f.text("normalised"), f.text("statement")
        confidence, review = f.decimal("confidence"), self._review(f)
        if (parts is None or quote is None or start is None or end is None or normalised is None
                or statement is None or confidence is None):
            return None
        if review is None or not unique:
            return None
        return Claim(**parts, source=source.id, quote=quote, start=start, end=end,
                     normalised=normalised, statement=statement, confidence=confidence,
                     review=review, about=f.string_list("about"))

    def _review(self, f: _Fields) -> Review | None:
        r = f.sub("review")
        if r is None:
            return None
        r.check_keys(("verdict", "explanation", "reviewer", "date", "evidence"))
        verdict, explanation = r.choice("verdict", VERDICTS), r.text("explanation")
        reviewer, day = r.ident_field("reviewer"), r.day("date")
        evidence = r.string_list("evidence")
        if verdict is None or explanation is None or reviewer is None or day is None:
            return None
        return Review(verdict, explanation, reviewer, day, evidence, r.origin, r.lines())

    def _relation(self, f: _Fields, source: Source) -> Relation | None:
        f.check_keys(("id", "expression", "description"))
        ident = f.ident_field()
        unique = self._unique("relation", ident, f)
        expression, description = f.text("expression"), f.text("description")
        if not unique or ident is None or expression is None or description is None:
            return None
        return Relation(ident, source.id, expression, description, f.origin)

    def _ignored(self, f: _Fields, source: Source) -> IgnoredMention | None:
        f.check_keys(("text", "start", "end", "reason"))
        text, reason = f.text("text"), f.text("reason")
        start, end = f.integer("start"), f.integer("end")
        if text is None or start is None or end is None or reason is None:
            return None
        return IgnoredMention(source.id, start, end, text, reason, f.origin)

    def _source(self, folder: Path) -> Source | None:
        path = folder / "source.yaml"
        node = self._read(path)
        if node is None:
            return None
        f = _Fields(node, str(path), "source", self.sink)
        f.ident = folder.name
        if not ID_PATTERN.match(folder.name):
            f.problem(f"folder name '{folder.name}' is not a valid id; rename it to start with a "
                      "letter and use lowercase letters, digits and single hyphens")
            return None
        f.check_keys(("title", "publisher", "url", "published", "language", "notes", "text",
                      "sha256"))
        title, publisher = f.text("title"), f.text("publisher")
        published, language = f.text("published"), f.text("language")
        text_name, sha = f.text("text"), f.text("sha256")
        if (title is None or publisher is None or published is None or language is None
                or text_name is None or sha is None):
            return None
        text_path = folder / text_name
        try:
            raw = text_path.read_bytes()
            text = raw.decode("utf-8")
        except FileNotFoundError:
            f.problem(f"text file '{text_name}' not found in {folder.name}/; restore it", "text")
            return None
        except UnicodeDecodeError:
            f.problem(f"text file '{text_name}' is not UTF-8", "text")
            return None
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha:
            f.problem(f"text file '{text_name}' has sha256 {digest}, expected {sha}; restore the "
                      "verbatim text (or, if the source itself changed, re-anchor every claim and "
                      "update sha256)", "sha256")
        return Source(folder.name, title, publisher, f.text("url", False), published, language,
                      f.string_list("notes"), str(text_path), sha, text, f.origin, f.lines())


def load_lenient(root: str | Path) -> tuple[Collection, list[Problem]]:
    """Load what can be loaded, with the problems found; bad entries are left out."""
    loader = Loader(Path(root))
    collection = loader.load()
    return collection, loader.sink.problems


def load_config(root: str | Path) -> Config:
    """Read collection.yaml alone; raise LoadError if it has problems."""
    loader = Loader(Path(root))
    if not loader.root.is_dir():
        loader.load()  # raises the "claims folder not found" error
    config = loader._config()
    if loader.sink.problems:
        raise LoadError(loader.sink.problems)
    return config


def load(root: str | Path) -> Collection:
    """Load a claims folder; raise LoadError listing every problem found."""
    collection, problems = load_lenient(root)
    if problems:
        raise LoadError(problems)
    return collection
