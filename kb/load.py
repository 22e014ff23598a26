"""Load a claims folder (YAML + source texts) into model objects, collecting every problem."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph

from .choices import DEFAULT_STORE, STORE_KINDS
from .errors import KbError, LoadError, Origin, Problem
from .limits import MAX_ID_CHARS, number_problem, shorten
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
    Lines,
    PropertyDef,
    Quantity,
    Relation,
    Review,
    Reviewer,
    Source,
    TimeSpec,
    parse_time_text,
    quote_hint,
)
from .parallel import WorkerFailed, forked_workers, start_forked
from .parsecache import ParseCache
from .safefile import (
    UnsafeFile,
    forbidden_char,
    read_inside,
    read_regular,
    relative_name_problem,
)
from .sourcecache import Kept, SourceCache, folder_key
from .tiers import DOCUMENT_KINDS
from .verdicts import VERDICTS
from .yamlfile import (
    MarkedYAMLError,
    YAMLError,
    YamlFloat,
    YamlLimitError,
    YamlMap,
    YamlSeq,
    parse_yaml,
)

SOURCES_DIR = "sources"
EVIDENCE_DIR = "evidence"
CONFIG_FILE, ENTITIES_FILE, PROPERTIES_FILE = "collection.yaml", "entities.yaml", "properties.yaml"
SOURCE_FILE = "source.yaml"
# A source folder's files of each kind: STEM.yaml and STEM-*.yaml (see _parts).
CLAIMS_STEM, RELATIONS_STEM, IGNORED_STEM = "claims", "relations", "ignored"
SOURCE_STEMS = (CLAIMS_STEM, RELATIONS_STEM, IGNORED_STEM)
# A source folder's objects: its source, claims, relations and ignored mentions.
_Folder = tuple[Source, list[Claim], list[Relation], list[IgnoredMention]]
# The objects of the files outside the source folders, and the shared graph's folder key.
_Shared = tuple[Config, dict[str, Entity], dict[str, PropertyDef], dict[str, Document],
                dict[str, Evidence], str | None]


class FileProblem(Exception):
    """A file cannot be read or parsed: the line (0 for the whole file) and what is wrong."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


_TOO_BIG_YAML = "split it into smaller files (claims-1.yaml, claims-2.yaml, ...)"
# At least this many files missing from the parse cache (as its count of entries says), and a
# worker parses them beside the load (Loader._parse_ahead); below it, forking costs more than
# the second core saves.
PARSE_AHEAD_FILES = 128


def read_yaml(path: Path, root: Path, optional: bool = False,
              cache: ParseCache | None = None, digests: dict[str, str] | None = None) -> Any:
    """Parse one YAML file of the claims folder root, keeping the line of every key and item.

    Raises FileProblem when the file is unsafe to read (see kb/safefile.py), not UTF-8, holds
    a control character, is not valid YAML, exceeds a bound of kb/limits.py or is empty
    (optional: the collection works without the file, so deleting it is a fix too).
    cache: where bytes parsed before are found parsed (only files without a problem are);
    digests: where to note the sha256 of the file's bytes, by its path.
    """
    try:
        raw = read_inside(path, root, _TOO_BIG_YAML)
    except UnsafeFile as exc:
        message = str(exc)
        raise FileProblem(0, message if message.startswith("file") else f"the file {message}"
                          ) from None
    digest = ""
    if digests is not None:  # hashed once, for the parse cache's lookup too
        digest = digests[str(path)] = hashlib.sha256(raw).hexdigest()
    entry, node = cache.lookup(raw, digest) if cache is not None else ("", None)
    if node is not None:
        return node
    node = _parse(raw, optional)
    if cache is not None:
        cache.store(entry, node)
    return node


def _parse(raw: bytes, optional: bool) -> Any:
    """A YAML file's bytes parsed, or FileProblem saying where and what is wrong."""
    text = decode_text(raw, "")
    try:
        node = parse_yaml(text)
    except YamlLimitError as exc:
        raise FileProblem(exc.line, exc.message) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(exc.problem or exc.context or exc).split())
        if exc.problem and exc.context and exc.context_mark and exc.problem_mark:
            # libyaml names the construct it was in and where that began: say both.
            what += f" {exc.context} that starts on line {exc.context_mark.line + 1}"
        if mark and _char_at(text, mark.line, mark.column) == "\t":
            what += "; it is a tab: indent with spaces"
        raise FileProblem(mark.line + 1 if mark else 0, f"YAML syntax error: {what}") from None
    except YAMLError as exc:
        raise FileProblem(0, f"YAML error: {shorten(' '.join(str(exc).split()))}") from None
    if node is None:
        raise FileProblem(0, "the file is empty or holds only comments; write its content"
                             + (", or delete the file" if optional else ""))
    return node


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column:column + 1] if line < len(lines) else ""


def decode_text(raw: bytes, fix: str) -> str:
    """UTF-8 bytes as text without forbidden characters; FileProblem (with the line) if not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise FileProblem(line, f"not UTF-8 text ({exc.reason} at byte {column} of the line); "
                                f"save it as UTF-8{fix}") from None
    if found := forbidden_char(text):
        line, column, char = found
        raise FileProblem(line, f"control character {char} at column {column} is not allowed; "
                                f"remove it{fix}")
    return text


def read_text_file(path: Path) -> tuple[str, bytes]:
    """A text file named on the command line, read as the loader reads a source's text.

    KbError with ': what is wrong' (or ':LINE: what is wrong'), for the caller to prefix with
    the file's name.
    """
    try:
        raw = read_regular(path, "split it into smaller texts")
        return decode_text(raw, ""), raw
    except UnsafeFile as exc:
        raise KbError(f": {exc}") from None
    except FileProblem as exc:
        raise KbError(f":{exc.line}: {exc.message}") from None


# A language tag's shape (en, zh-Hans, pt-BR); pyoxigraph then checks it against BCP 47.
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


def language_problem(tag: str) -> str | None:
    """Why tag is not a well-formed BCP 47 language tag, or None."""
    try:
        if _LANGUAGE.fullmatch(tag):
            pyoxigraph.Literal("", language=tag)
            return None
    except ValueError:
        pass
    return f"'{shorten(tag)}' is not a language tag like en, zh or pt-BR"


def url_problem(url: str) -> str | None:
    """Why url cannot be published as a link (only absolute http(s) URLs can), or None."""
    if not url.startswith(("http://", "https://")):
        return "must start with http:// or https://"
    if m := re.search(r'[\s<>"{}|\\^`]', url):
        return (f"holds {m.group()!r}, which a link cannot hold; percent-encode it (a space "
                "is %20)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (parsing the port is the check)
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if not parts.hostname:
        return "has no host name"
    return None


def show(value: Any) -> str:
    """A YAML value as an author wrote it, cut short, for an error message (never a repr)."""
    if isinstance(value, YamlMap):
        return "a mapping"
    if isinstance(value, YamlSeq):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return f"'{shorten(value)}'"
    return shorten(str(value))


class _Sink:
    """Collects problems while loading, so one run reports all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, origin: Origin, kind: str, ident: str, message: str) -> None:
        self.problems.append(Problem(origin, kind, ident, message))


class _Fields:
    """Typed, located access to one YAML mapping; records a problem for each bad field."""

    def __init__(self, node: Any, file: str, kind: str, sink: _Sink, line: int = 1,
                 reported: bool = False):
        """reported: node is None because reading the file already reported a problem."""
        self.file, self.kind, self.sink = file, kind, sink
        self.ok = isinstance(node, YamlMap)
        self.node: YamlMap = node if self.ok else YamlMap()
        self.line = node.line if self.ok else line
        raw_id = self.node.get("id")
        self.ident = shorten(str(raw_id)) if raw_id is not None else ""
        if not self.ok and not reported:
            self.problem(f"expected a mapping of fields, found {show(node)}")

    @property
    def origin(self) -> Origin:
        return Origin(self.file, self.line)

    def line_of(self, key: str) -> int:
        if key in self.node:
            return self.node.key_lines[key]
        return self.line

    def lines(self) -> Lines:
        return Lines({str(k): self.node.key_lines[k] for k in self.node})

    def problem(self, message: str, key: str | None = None) -> None:
        line = self.line_of(key) if key else self.line
        self.sink.add(Origin(self.file, line), self.kind, self.ident, message)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
                self.problem(f"unknown field '{shorten(str(key))}'; {hint}", key)

    def raw(self, key: str, required: bool) -> Any:
        if key not in self.node or self.node[key] is None:
            if required and self.ok:  # a node that is not a mapping was reported as such
                self.problem(f"missing field '{key}'; add it")
            return None
        return self.node[key]

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, (YamlMap, YamlSeq)):
            self.problem(f"field '{key}' must be text, found {show(value)}", key)
            return None
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return str(value).strip() if isinstance(value, str) else str(value)

    def ident_field(self, key: str = "id", required: bool = True) -> str | None:
        value = self.text(key, required)
        if value is not None and (problem := id_problem(value)):
            self.problem(problem, key)
            return None
        # Ids recur (a claim names its subject, property, reviewer and evidence): one copy each.
        return None if value is None else sys.intern(value)

    def choice(self, key: str, choices: tuple[str, ...], required: bool = True,
               default: str | None = None) -> str | None:
        value = self.text(key, required and default is None)
        if value is None:
            return default
        if value not in choices:
            self.problem(f"{key} '{shorten(value)}' is not one of: {', '.join(choices)}", key)
            return None
        return choices[choices.index(value)]  # the choice's own string, not a copy per entry

    def decimal(self, key: str, required: bool = True) -> Decimal | None:
        value = self.raw(key, required)
        if value is None:
            return None
        parsed = parse_decimal(value)
        if parsed is None:
            self.problem(f"{key} {show(value)} is not a number; write a number like 81.5 or "
                         "81462e6", key)
        elif problem := number_problem(parsed):
            self.problem(f"{key} {show(value)} {problem} (docs/limits.md); write it with at "
                         "most that many digits and a smaller exponent", key)
            return None
        return parsed

    def integer(self, key: str, required: bool = True) -> int | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"{key} {show(value)} is not a whole number; write one like 42", key)
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
            self.problem(f"{key} {show(value)} is not a date like 2025-10-24", key)
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
        if any(isinstance(v, (YamlMap, YamlSeq)) or v is None for v in value):
            self.problem(f"field '{key}' must be a list of text, not of lists, mappings or "
                         "empty items", key)
            return ()
        return tuple(str(v).strip() if isinstance(v, str) else show(v) for v in value)

    def ident_list(self, key: str) -> tuple[str, ...]:
        """A list of ids (or one id); each must be a valid id."""
        idents = self.string_list(key)
        for ident in idents:
            if problem := id_problem(ident):
                self.problem(f"in '{key}': {problem}", key)
                return ()
        return tuple(map(sys.intern, idents))

    def labels(self, key: str = "label") -> dict[str, str]:
        value = self.raw(key, True)
        if value is None:
            return {}
        if isinstance(value, str):
            return {"en": value}
        if not isinstance(value, YamlMap):
            self.problem(f"field '{key}' must map languages to labels, like {{en: Tesla}}", key)
            return {}
        labels = {}
        for lang, label in value.items():
            if problem := language_problem(str(lang)):
                self.problem(f"label language {problem}", key)
                return {}
            if isinstance(label, (YamlMap, YamlSeq)):
                self.problem(f"label '{lang}' must be text, found {show(label)}", key)
                return {}
            labels[str(lang)] = str(label)
        return labels

    def url(self, key: str, required: bool = True) -> str | None:
        """A link: an absolute http(s) URL that every serialisation can carry."""
        value = self.text(key, required)
        if value is not None and (problem := url_problem(value)):
            self.problem(f"{key} '{shorten(value)}' {problem}", key)
            return None
        return value

    def sub(self, key: str, kind: str | None = None, required: bool = True) -> _Fields | None:
        value = self.raw(key, required)
        if value is None:
            return None
        sub = _Fields(value, self.file, kind or self.kind, self.sink, self.line_of(key))
        sub.ident = self.ident
        return sub if sub.ok else None


def id_problem(value: str) -> str | None:
    """Why value cannot be an id, or None."""
    if len(value) > MAX_ID_CHARS:
        return (f"id '{shorten(value)}' is {len(value)} characters long, more than "
                f"{MAX_ID_CHARS} (docs/limits.md); choose a shorter id")
    if not ID_PATTERN.match(value):
        return (f"'{shorten(value)}' is not a valid id; start with a letter and use lowercase "
                "letters, digits and single hyphens")
    return None


def parse_decimal(value: Any) -> Decimal | None:
    """Read a YAML number (or numeric string) exactly as written, never via binary rounding."""
    if isinstance(value, (bool, YamlMap, YamlSeq)):
        return None
    if isinstance(value, YamlFloat):
        value = value.text
    elif isinstance(value, float):
        # repr gives the shortest string that round-trips, i.e. the digits the author wrote.
        value = repr(value)
    try:
        result = Decimal(str(value).replace("_", "").strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _items(node: Any, file: str, kind: str, sink: _Sink,
           misshapen: list[str]) -> Iterator[_Fields]:
    """The entries of a YAML list, each as located fields.

    A file whose list, or one of its entries, has the wrong shape is added to misshapen: what
    it declares is unknown, so cross-file checks would only report consequences.
    """
    if node is None:
        return
    if not isinstance(node, YamlSeq):
        misshapen.append(file)
        sink.add(Origin(file, getattr(node, "line", 1)), kind, "",
                 f"expected a list of {kind} entries, found {show(node)}")
        return
    for i, item in enumerate(node):
        if not isinstance(item, YamlMap):
            misshapen.append(file)
        yield _Fields(item, file, kind, sink, node.item_lines[i])


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
        self.cache = ParseCache(root)
        self.kept = SourceCache(root)
        self._digests: dict[str, str] | None = None  # of the source folder being read anew
        self.folder_keys: dict[str, str] = {}  # of the sources loaded without a problem
        self._ahead: Callable[[], bool] | None = None  # the worker parsing ahead, if any

    def load(self) -> Collection:
        if not self.root.is_dir():
            raise LoadError([Problem(Origin(str(self.root), 0), "", "",
                                     "claims folder not found; pass --claims DIR")])
        self._folder_links()
        self._parse_ahead()
        # Not waited for if the load fails: the worker, a daemon, is stopped when kb exits.
        collection = self._load()
        self._parsed_ahead()
        return collection

    def _load(self) -> Collection:
        config, entities, properties, documents, evidence, shared_key = \
            self._kept_shared() or self._shared()
        sources: dict[str, Source] = {}
        claims: dict[str, Claim] = {}
        relations: dict[str, Relation] = {}
        ignored: list[IgnoredMention] = []
        for folder in self._source_folders():
            loaded = self._kept_folder(folder) or self._source_folder(folder)
            if loaded is None:
                continue
            source, folder_claims, folder_relations, folder_ignored = loaded
            sources[source.id] = source
            claims.update((c.id, c) for c in folder_claims)
            relations.update((r.id, r) for r in folder_relations)
            ignored.extend(folder_ignored)
        return Collection(
            root=str(self.root), config=config, sources=sources, entities=entities,
            properties=properties, documents=documents, evidence=evidence, claims=claims,
            relations=relations, ignored=tuple(ignored), files=tuple(self.files),
            broken=frozenset(set(self.seen) - self._loaded(entities, properties, documents,
                                                          evidence, claims, relations)),
            complete=not self.unreadable, folder_keys=self.folder_keys, shared_key=shared_key,
        )

    def _kept_shared(self) -> _Shared | None:
        """The objects of the files outside the source folders as a load kept them, if those
        files are as they were then (as _kept_folder, for the collection's own files: 5,298
        evidence statements at 10,000 claims took a quarter of a load whose every source
        folder was kept)."""
        if self.unreadable:  # a folder link reported: the collection is not complete
            return None
        found = self._kept_files(self.root, self._shared_files())
        if found is None:
            return None
        kept, (*objects, seen) = found
        self.seen.update(seen)
        self._take(kept)
        return (*objects, folder_key(kept.digests))

    def _shared_files(self) -> list[str]:
        """The YAML files a load of the collection's own files reads, in its order."""
        return [*(str(self.root / name) for name in (CONFIG_FILE, ENTITIES_FILE,
                                                     PROPERTIES_FILE)),
                *(str(path) for path in sorted((self.root / EVIDENCE_DIR).glob("*.yaml")))]

    def _shared(self) -> _Shared:
        """The objects of the files outside the source folders, read from those files; kept
        (kb.sourcecache) if they have no problem."""
        problems, files, seen = len(self.sink.problems), len(self.files), len(self.seen)
        shared = dict[str, str]()
        self._digests = shared
        config = self._config()
        entities = {e.id: e for e in self._list(ENTITIES_FILE, "entity", self._entity)}
        properties = {p.id: p for p in
                      self._list(PROPERTIES_FILE, "property", self._property)}
        documents: dict[str, Document] = {}
        evidence: dict[str, Evidence] = {}
        for path in sorted((self.root / EVIDENCE_DIR).glob("*.yaml")):
            node = self._read(path, optional=True)
            if node is None:
                continue
            fields = _Fields(node, str(path), "evidence file", self.sink)
            if not fields.ok:
                self.unreadable.append(str(path))
                continue
            fields.check_keys(("documents", "statements"))
            for f in _items(fields.node.get("documents"), str(path), "document", self.sink,
                            self.unreadable):
                if (doc := self._document(f)) is not None:
                    documents[doc.id] = doc
            for f in _items(fields.node.get("statements"), str(path), "evidence", self.sink,
                            self.unreadable):
                if (ev := self._evidence(f)) is not None:
                    evidence[ev.id] = ev
        self._digests = None
        if len(self.sink.problems) > problems or self.unreadable:
            return config, entities, properties, documents, evidence, None
        objects = (config, entities, properties, documents, evidence)
        self.kept.store(self.root, Kept(self.files[files:], shared,
                                        (*objects, list(self.seen.items())[seen:])))
        return (*objects, folder_key(shared))

    def _source_folder(self, folder: Path) -> _Folder | None:
        """A source folder's objects, read from its files; kept (kb.sourcecache) if the folder
        has no problem."""
        problems, unreadable, files = len(self.sink.problems), len(self.unreadable), \
            len(self.files)
        digests: dict[str, str] = {}
        self._digests = digests
        try:
            source = self._source(folder)
            if source is None:
                return None
            # claims.yaml may be split into claims-*.yaml (likewise relations and ignored) so
            # that long articles stay reviewable in parts.
            loaded = (source, [c for path in _parts(folder, CLAIMS_STEM) for c in self._list(
                          path, "claim", lambda f: self._claim(f, source))],
                      [r for path in _parts(folder, RELATIONS_STEM) for r in self._list(
                          path, "relation", lambda f: self._relation(f, source))],
                      [m for path in _parts(folder, IGNORED_STEM) for m in self._list(
                          path, "ignored mention", lambda f: self._ignored(f, source))])
        finally:
            self._digests = None
        if len(self.sink.problems) == problems and len(self.unreadable) == unreadable:
            self.kept.store(folder, Kept(self.files[files:], digests, loaded))
            self._note_key(source.id, digests)
        return loaded

    def _kept_folder(self, folder: Path) -> _Folder | None:
        """A source folder's objects as a load kept them, if its files are as they were then
        and its ids are not taken (a duplicate is left to _source_folder to report)."""
        found = self._kept_files(folder, self._folder_files(folder))
        if found is None:
            return None
        kept, loaded = found
        _, claims, relations, _ = loaded
        ids = [*(("claim", c.id, c.origin) for c in claims),
               *(("relation", r.id, r.origin) for r in relations)]
        if any((kind, ident) in self.seen for kind, ident, _ in ids):
            return None
        self.seen.update(((kind, ident), origin) for kind, ident, origin in ids)
        self._take(kept)
        self._note_key(loaded[0].id, kept.digests)
        return loaded

    def _kept_files(self, folder: Path, files: list[str]) -> tuple[Kept, Any] | None:
        """The entry kept for folder and its objects, if a load would read the same files
        there and each still has the hash it had then."""
        kept = self.kept.lookup(folder)
        if kept is None or kept.files != files:
            return None
        for name, digest in kept.digests.items():
            try:
                raw = read_inside(Path(name), self.root, "")
            except UnsafeFile:
                return None
            if hashlib.sha256(raw).hexdigest() != digest:
                return None
        objects = self.kept.objects(kept)
        return None if objects is None else (kept, objects)

    def _take(self, kept: Kept) -> None:
        """Note the files of an entry the load takes back as read (the parse cache's entries
        of them stay)."""
        self.files += kept.files
        self.cache.used.update(kept.digests.values())

    def _note_key(self, source: str, digests: dict[str, str]) -> None:
        if (key := folder_key(digests)) is not None:
            self.folder_keys[source] = key

    @staticmethod
    def _folder_files(folder: Path) -> list[str]:
        """The YAML files a load of a source folder reads, in its order."""
        return [str(folder / SOURCE_FILE), *(str(path) for stem in SOURCE_STEMS
                                             for path in _parts(folder, stem))]

    def _folder_links(self) -> None:
        """Report folder symlinks that lead out of the claims folder or loop back into it.

        The loader reads only the files it names, but whatever walks the whole folder (the
        store's manifest, a backup) would follow such a link out, or round a loop forever.
        """
        root = self.root.resolve()
        for folder, subfolders, _ in os.walk(self.root):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            for name in subfolders:
                path = Path(folder) / name
                if not path.is_symlink():
                    continue
                real = path.resolve()
                if not real.is_relative_to(root):
                    problem = "leads out of the claims folder"
                elif path.parent.resolve().is_relative_to(real):
                    problem = "is a symlink loop (it links to a folder that contains it)"
                else:
                    continue
                self.unreadable.append(str(path))
                self.sink.add(Origin(str(path), 0), "", "", f"the folder {problem}; replace "
                              "the link with the folder itself")

    @staticmethod
    def _loaded(entities, properties, documents, evidence, claims, relations) -> set:
        tables = {"entity": entities, "property": properties, "document": documents,
                  "evidence": evidence, "claim": claims, "relation": relations}
        return {(kind, ident) for kind, table in tables.items() for ident in table}

    # -- files -------------------------------------------------------------------------------

    def _source_folders(self) -> list[Path]:
        """The folders of sources/, in name order."""
        return sorted(p for p in (self.root / SOURCES_DIR).glob("*")
                      if p.is_dir() and str(p) not in self.unreadable)

    def _parse_ahead(self) -> None:
        """Start a worker parsing the YAML files the cache lacks into the cache, from the last
        file the load reads to the first, while the load reads them from the first on.

        Parsing is most of an uncached load's time (10,000 claims: 3.4 of 5.5 s), and the
        load is otherwise one process while the machine has more cores. The two meet in the
        middle, whatever their speeds: the load parses (and keeps) each file it finds no entry
        for, and the worker skips each file that has one. Split in two halves instead, the
        load first waited for its own half to be parsed, then read the worker's back, and
        files of one kind fell to one process (a source's claims every other file): at
        100,000 claims the first half took 23 s and the second 5 s. A file that fails to
        parse is skipped here: the load parses it again and reports the problem.
        """
        if forked_workers() < 2:  # alone it would only add writing and reading back entries
            return
        paths = [self.root / name for name in (CONFIG_FILE, ENTITIES_FILE, PROPERTIES_FILE)]
        paths += sorted((self.root / EVIDENCE_DIR).glob("*.yaml"))
        for folder in self._source_folders():
            paths.append(folder / SOURCE_FILE)
            for stem in SOURCE_STEMS:
                paths += _parts(folder, stem)
        # Without reading a file: at most as many files as the cache has entries are in it,
        # so a cache as large as the collection (a rebuild) costs one listing, not a read
        # and a hash of every file (10,000 claims: 0.1 s).
        if len(paths) - self.cache.entries() >= PARSE_AHEAD_FILES:
            self._ahead = start_forked(lambda: self._parse_into_cache(paths[::-1]))

    def _parsed_ahead(self) -> None:
        """Wait for the worker parsing ahead, if one was started, and note what it wrote."""
        if self._ahead is not None:
            # A worker that fails leaves its files to the load, which meets the same failure
            # and reports it as it always does.
            with suppress(WorkerFailed):
                self.cache.wrote |= self._ahead()
            self._ahead = None

    def _parse_into_cache(self, paths: Sequence[Path]) -> bool:
        """Parse each file the cache lacks into it (in the worker); whether any entry was
        written."""
        for path in paths:
            if not self.cache.writable:  # a read-only claims folder: the load parses them all
                break
            try:
                raw = read_inside(path, self.root, _TOO_BIG_YAML)
                if name := self.cache.absent(raw):
                    self.cache.store(name, _parse(raw, optional=False))
            except (UnsafeFile, FileProblem):
                continue
        return self.cache.wrote

    def _read(self, path: Path, optional: bool = False) -> Any:
        """The parsed file, or None after reporting why it cannot be read."""
        if path.exists() or path.is_symlink():
            self.files.append(str(path))
        try:
            return read_yaml(path, self.root, optional, self.cache, self._digests)
        except FileProblem as exc:
            self.unreadable.append(str(path))
            self.sink.add(Origin(str(path), exc.line), "", "", exc.message)
        return None

    def _list(self, name: str | Path, kind: str, build) -> list:
        path = name if isinstance(name, Path) else self.root / name
        # The files of a source folder (claims, relations, ignored) are optional.
        node = self._read(path, optional=isinstance(name, Path))
        out = []
        for fields in _items(node, str(path), kind, self.sink, self.unreadable):
            if fields.ok and (obj := build(fields)) is not None:
                out.append(obj)
        return out

    def _unique(self, kind: str, ident: str | None, fields: _Fields) -> bool:
        """Record an id, reporting a duplicate; each kind of object has its own IRI space."""
        if ident is None:
            raw = fields.node.get("id")
            if isinstance(raw, str) and raw.strip():
                # An id that is not valid: references to it are not reported again as unknown.
                self.seen.setdefault((kind, raw.strip()), fields.origin)
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
        path = self.root / CONFIG_FILE
        before = len(self.sink.problems)
        config = self._config_from(path)
        if len(self.sink.problems) > before and str(path) not in self.unreadable:
            # Every graph node's IRI is built from the base and the site's links from the
            # license: with any of them wrong, later checks would only report consequences.
            self.unreadable.append(str(path))
        return config

    def _config_from(self, path: Path) -> Config:
        node = self._read(path)
        f = _Fields(node, str(path), "collection", self.sink, reported=node is None)
        f.check_keys(CONFIG_KEYS)
        base = f.url("base") or "https://kb.example.org/"
        if not base.endswith("/"):
            f.problem(f"base '{base}' must end with '/'", "base")
        reviewers = {}
        for r in _items(f.node.get("reviewers"), str(path), "reviewer", self.sink,
                        self.unreadable):
            r.check_keys(("id", "name", "url", "kind"))
            rid, name = r.ident_field(), r.text("name")
            kind = r.choice("kind", ("organization", "person"), default="organization")
            if rid and name and kind:
                reviewers[rid] = Reviewer(rid, name, r.url("url", False), kind, r.origin)
        return Config(
            title=f.text("title") or "", description=f.text("description", False) or "",
            base=base, site_url=f.url("site_url", False) or base,
            # A missing or bad license_url is an error that stops kb check and kb build; the
            # base stands in so that the stores, which answer despite errors, get a valid IRI.
            license=f.text("license") or "", license_url=f.url("license_url") or base,
            store=f.choice("store", STORE_KINDS, default=DEFAULT_STORE) or DEFAULT_STORE,
            endpoint=f.url("endpoint", False), reviewers=reviewers, origin=f.origin,
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
        url, archive = f.url("url"), f.url("archive_url", False)
        day, kind = self._partial_date(f, "date"), f.choice("kind", DOCUMENT_KINDS)
        retrieved = f.day("retrieved")
        bad = f.node.get("archive_url") is not None and archive is None  # reported by f.url
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
        unit = None if unit is None else sys.intern(unit)
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
        if review is None or not unique or not _offsets_ok(f, source, quote, start, end):
            return None
        return Claim(**parts, source=source.id, quote=quote, start=start, end=end,
                     normalised=normalised, statement=statement, confidence=confidence,
                     review=review, about=f.ident_list("about"))

    def _review(self, f: _Fields) -> Review | None:
        r = f.sub("review")
        if r is None:
            return None
        r.check_keys(("verdict", "explanation", "correction", "reviewer", "date", "evidence"))
        verdict, explanation = r.choice("verdict", VERDICTS), r.text("explanation")
        correction = r.text("correction", required=False)
        reviewer, day = r.ident_field("reviewer"), r.day("date")
        evidence = r.ident_list("evidence")
        if verdict is None or explanation is None or reviewer is None or day is None:
            return None
        return Review(verdict, explanation, reviewer, day, evidence, r.origin, r.lines(),
                      correction=correction)

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
        f.ident = f"{start}-{end}"  # an ignored mention's id (see IgnoredMention.id)
        if text is None or start is None or end is None or reason is None:
            return None
        if not _offsets_ok(f, source, text, start, end):
            return None
        return IgnoredMention(source.id, start, end, text, reason, f.origin)

    def _text(self, f: _Fields, folder: Path, name: str) -> tuple[Path, bytes, str] | None:
        """A source's text file: a file inside its folder, read safely, as clean UTF-8 text."""
        if problem := relative_name_problem(name):
            _text_problem(f, name, f"{problem}; name a file inside {folder.name}/, like text.txt")
            return None
        path = folder / name
        try:
            raw = read_inside(path, self.root, "the limit is there to keep every command fast")
        except UnsafeFile as exc:
            message = str(exc)
            if message.startswith("file not found"):
                message = f"not found in {folder.name}/; restore it"
            _text_problem(f, name, message)
            return None
        try:
            text = decode_text(raw, ", then update sha256")
        except FileProblem as exc:
            # Reported at the text file's line, so that the message names text.txt.
            self.sink.add(Origin(str(path), exc.line), "source", f.ident,
                          f"text file '{shorten(name)}': {exc.message}")
            return None
        if not text.strip():
            _text_problem(f, name, "is empty; restore the source's text")
            return None
        return path, raw, text

    def _source(self, folder: Path) -> Source | None:
        path = folder / SOURCE_FILE
        node = self._read(path)
        if node is None:
            return None
        f = _Fields(node, str(path), "source", self.sink)
        f.ident = shorten(folder.name)
        if not f.ok:
            self.unreadable.append(str(path))
            return None
        if problem := id_problem(folder.name):
            f.problem(f"the folder name: {problem}; rename the folder")
            return None
        f.check_keys(("title", "title_en", "summary", "publisher", "url", "published", "language",
                      "notes", "text", "sha256"))
        title, publisher = f.text("title"), f.text("publisher")
        published, language = f.text("published"), f.text("language")
        text_name, sha, url = f.text("text"), f.text("sha256"), f.url("url", False)
        if language is not None and (problem := language_problem(language)):
            f.problem(f"language {problem}", "language")
            return None
        if (title is None or publisher is None or published is None or language is None
                or text_name is None or sha is None):
            return None
        if f.node.get("url") is not None and url is None:  # reported by f.url
            return None
        read = self._text(f, folder, text_name)
        if read is None:
            return None
        text_path, raw, text = read
        digest = hashlib.sha256(raw).hexdigest()
        if self._digests is not None:
            self._digests[str(text_path)] = digest
        if digest != sha:
            f.problem(f"text file '{shorten(text_name)}' has sha256 {digest}, expected "
                      f"{shorten(sha)}; restore the verbatim text (or, if the source itself "
                      "changed, re-anchor every claim and update sha256)", "sha256")
        return Source(folder.name, title, publisher, url, published, language,
                      f.string_list("notes"), str(text_path), sha, text, f.origin, f.lines(),
                      title_en=f.text("title_en", False), summary=f.text("summary", False))


def _offsets_ok(f: _Fields, source: Source, quote: str, start: int, end: int) -> bool:
    """Whether start-end is a span of the source text; reports it, with the fix, if not."""
    size = len(source.text)
    if 0 <= start < end <= size:
        return True
    if start >= end:
        where = f"start {start} is not before end {end}"
    else:
        where = f"offsets {start}-{end} are outside the text (0-{size})"
    f.problem(f"quote '{shorten(quote)}' is not at its offsets: {where}; "
              f"{quote_hint(source.text, quote)}", "start")
    return False


def _text_problem(f: _Fields, name: str, problem: str) -> None:
    f.problem(f"text file '{shorten(name)}' {problem}", "text")


def load_lenient(root: str | Path) -> tuple[Collection, list[Problem]]:
    """Load what can be loaded, with the problems found; bad entries are left out."""
    loader = Loader(Path(root))
    collection = loader.load()
    loader.cache.prune()  # every file was read: the entries not used are stale
    loader.kept.prune()
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
