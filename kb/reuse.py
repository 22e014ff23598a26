"""Reuse what the previous build wrote: a file that would come out the same is linked, not redone.

Every build records, in its own site, the hash and size of each page and verdict card it wrote,
and a key of the inputs each was made from (kb.layout.BUILD_RECORD); the record holds no
times, so two builds of the same claims still give the same bytes. The next build computes
each page's key from its views (Fingerprints, below) and each card's from what it shows; a
page or card whose key matches the record is hard-linked from the previous site without being
rendered or drawn, and a page rendered anew whose bytes match is linked too. The files that did
change are the ones the site check and the search index must look at again; the rest were
checked before the previous site was published.

A file in the previous site that is not as recorded is never reused: one of another size, or
one modified after the record was written (edited by hand, say), as make would judge it.
Nothing is written into the previous site: links are made into the staging folder only, and
a file written there is always a new file, so the previous site stays as it was if the build
fails.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any, BinaryIO

from .atomic import link_new
from .layout import BUILD_RECORD, CARD_NAME
from .parallel import forked_workers, start_forked

# 2: each file also says whether it marks the search index's body (kb.searchindex.marks_body),
# so that the search index need not read the pages again to know. 3: a page with regions
# Pagefind does not read also has the hash of the rest (kb.searchindex.searched_digest).
RECORD_VERSION = 3


def digest(data: bytes) -> str:
    """A short hash of a file's bytes: enough to tell two versions of one file apart."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# Values whose repr is their whole meaning, and stays the same from one build to the next.
_ATOMS = (str, int, float, bool, type(None), Decimal, datetime.date)
# Fewer views than this are digested in this process alone (Fingerprints.prime): forking
# costs more than half of them.
PRIME_VIEWS = 2000
# How Fingerprints encodes a value of each type (Fingerprints._kind).
_ATOM, _VIEW, _SEQUENCE, _MAPPING, _SET, _FROZEN, _PART = (
    "atom", "view", "sequence", "mapping", "set", "frozen", "part")


class Fingerprints:
    """Digests of what a page shows, from the views it is given, cheap enough that a rebuild
    can tell which pages to render at all.

    A view (an instance of one of `views`) links to other views: a claim's page shows its
    related claims, and each of their findings. A view's digest at depth d covers its own data
    (every field that is not a view) and the digests at depth d - 1 of the views it links to;
    at depth -1, a view counts by its id only. A view's own data is encoded once per build,
    and so is each model object (a frozen dataclass). A field declared compare=False, or a
    YAML origin, is left out: pages never show where in a file a value was read, so inserting
    a line above a claim does not redo it. An object of a type kb does not know is an error,
    never a guess.
    """

    def __init__(self, views: tuple[type, ...], depth: int):
        self.views = views
        self.depth = depth
        # The memos keep each object alive, so that its id is not reused by another one.
        self._frozen: dict[int, tuple[object, str]] = {}
        self._own: dict[int, tuple[object, str, list[Any]]] = {}
        self._view: dict[tuple[int, int], tuple[object, str]] = {}
        self._kinds: dict[type, str] = {}

    def of(self, values: Iterable[Any], depth: int | None = None) -> str:
        """The digest of a page's values (the views among them at the full depth, or at depth:
        a list page shows only its rows' own data)."""
        out: list[str] = []
        links: list[Any] = []
        for value in values:
            self._encode(value, out, links)
        depth = self.depth if depth is None else depth
        return _text_digest([_text_digest(out), *(self.view(v, depth) for v in links)])

    def prime(self, views: Sequence[Any]) -> None:
        """Digest the own data of views on two cores, half in a forked child: the whole site's
        key needs every view's (10,000 claims: 21,000 views, 1.5 s), and the other core is idle
        by then. The digests are the ones digesting them here gives (tests/test_reuse.py)."""
        todo = [v for v in views if id(v) not in self._own]  # not those digested before
        if len(todo) < PRIME_VIEWS or forked_workers() < 2:
            return
        half = len(todo) // 2
        at = {id(v): i for i, v in enumerate(views)}

        def theirs() -> list[tuple[str, list[int]]]:
            made = []
            for v in todo[half:]:
                _, own, links = self._own_data(v)
                made.append((own, [at.get(id(link), -1) for link in links]))
            return made

        wait = start_forked(theirs)
        for v in todo[:half]:
            self._own_data(v)
        for v, (own, linked) in zip(todo[half:], wait(), strict=True):
            # A link to a view not in views (none, as kb.render lists them) is digested here.
            if id(v) not in self._own and -1 not in linked:
                self._own[id(v)] = (v, own, [views[i] for i in linked])

    def view(self, obj: Any, depth: int) -> str:
        """The digest of one view and of what it links to, depth links deep."""
        if depth < 0:
            return f"<{type(obj).__name__} {obj.id}>"
        memo = self._view.get((id(obj), depth))
        if memo is None:
            _, own, links = self._own_data(obj)
            memo = self._view[id(obj), depth] = (
                obj, _text_digest([own, *(self.view(v, depth - 1) for v in links)]))
        return memo[1]

    def _own_data(self, obj: Any) -> tuple[object, str, list[Any]]:
        """A view's own data as a digest, and the views it links to, in order."""
        memo = self._own.get(id(obj))
        if memo is None:
            out = [type(obj).__name__]
            links: list[Any] = []
            for name in _fields(obj.__class__):
                self._encode(getattr(obj, name), out, links)
            memo = self._own[id(obj)] = (obj, _text_digest(out), links)
        return memo

    def _encode(self, obj: Any, out: list[str], links: list[Any] | None) -> None:
        # links None: inside a frozen dataclass, a value digested once, so it holds no view.
        # Each type is classified once (_kind): two million values at 10,000 claims, most of
        # them atoms, went through a chain of isinstance checks each.
        kind = type(obj)
        how = self._kinds.get(kind)
        if how is None:
            how = self._kinds[kind] = self._kind(kind)
        if how is _ATOM:
            out.append(repr(obj))
        elif how is _VIEW:
            if links is None:
                raise TypeError(f"a {kind.__name__} inside a frozen dataclass: kb.reuse "
                                "digests those once, so they hold no views")
            links.append(obj)
            out.append("@")
        elif how is _SEQUENCE:
            out.append(f"{kind.__name__}[")
            for item in obj:
                self._encode(item, out, links)
            out.append("]")
        elif how is _MAPPING:
            out.append("{")
            for k, v in obj.items():
                self._encode(k, out, links)
                self._encode(v, out, links)
            out.append("}")
        elif how is _SET:  # str hashes differ between processes
            parts: list[str] = []
            for item in obj:
                self._encode(item, parts, None)
            out.append("{" + ",".join(sorted(parts)) + "}")
        elif how is _FROZEN:
            # Digested once if it is a thing with an id (a claim, a source, an entity), which
            # many pages share; a small value (a figure) is cheaper written out than kept in
            # the memo.
            memo = self._frozen.get(id(obj))
            if memo is None:
                inner = [kind.__name__]
                fields = _fields(obj.__class__)
                for name in fields:
                    self._encode(getattr(obj, name), inner, None)
                if "id" not in fields:
                    out.append("(" + "\x1e".join(inner) + ")")
                    return
                memo = self._frozen[id(obj)] = (obj, _text_digest(inner))
            out.append(memo[1])
        else:  # a part of a view (a figure's quantity, a segment): it may link views
            out.append(kind.__name__ + "(")
            for name in _fields(obj.__class__):
                self._encode(getattr(obj, name), out, links)
            out.append(")")

    def _kind(self, kind: type) -> str:
        """How values of a type are encoded; TypeError for a type kb does not know."""
        if issubclass(kind, _ATOMS):  # a subclass too: Markup is a str
            return _ATOM
        if issubclass(kind, self.views):
            return _VIEW
        if issubclass(kind, (list, tuple)):
            return _SEQUENCE
        if issubclass(kind, dict):
            return _MAPPING
        if issubclass(kind, (set, frozenset)):
            return _SET
        params = getattr(kind, "__dataclass_params__", None)  # a dataclass's
        if params is not None:
            return _FROZEN if params.frozen else _PART
        raise TypeError(f"kb.reuse cannot fingerprint a {kind.__name__}; teach "
                        "Fingerprints._encode what it shows")


@cache
def _fields(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls)
                 if f.compare and f.name != "origin")


def _text_digest(parts: list[str]) -> str:
    return digest("\x1f".join(parts).encode("utf-8", "surrogatepass"))


@dataclass
class Entry:
    """What the record says of one file: its hash and size, for a card its inputs, and for a
    page whether it marks the search index's body and the hash of what Pagefind reads of it
    (searched; "" when that is the whole page)."""

    hash: str
    size: int
    key: str = ""
    marked: bool = False
    searched: str = ""


@dataclass
class Previous:
    """The previous site and its record; empty when there is none to reuse."""

    folder: Path | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    recorded_ns: int = 0  # when the record was written: no file was modified later
    # A download written in blocks (kb.export.write_blocks): its size, and each block's key,
    # offset and length.
    blocks: dict[str, Any] = field(default_factory=dict)

    def link(self, rel: str, dest: str | Path, hash: str = "", key: str = "") -> bool:
        """Hard-link the previous site's rel to dest if it holds the same bytes (hash) or was
        made from the same inputs (key), and is still as recorded; True if it did."""
        entry = self.entries.get(rel)
        if self.folder is None or entry is None or not (
                (hash and entry.hash == hash) or (key and entry.key == key)):
            return False
        # Paths as text: a rebuild links tens of thousands of files (kb.render).
        source = self._prefix + rel
        try:
            st = os.stat(source, follow_symlinks=False)
            if st.st_size != entry.size or st.st_mtime_ns > self.recorded_ns:
                return False
            link_new(source, os.fspath(dest))
        except OSError:  # gone, or links not possible here (another file system): redo it
            return False
        return True

    @cached_property
    def _prefix(self) -> str:
        return f"{os.fspath(self.folder or '')}/"

    def blocks_of(self, rel: str) -> dict[str, tuple[int, int]]:
        """The blocks of the previous site's rel by key, {offset, length}, if the record
        lists them and the file is still as recorded; else none."""
        listed = self.blocks.get(rel)
        if self.folder is None or not isinstance(listed, dict):
            return {}
        try:
            st = (self.folder / rel).stat(follow_symlinks=False)
            if st.st_size != listed["size"] or st.st_mtime_ns > self.recorded_ns:
                return {}
            found = {str(key): (int(at), int(size)) for key, at, size in listed["runs"]}
        except (OSError, ValueError, TypeError, KeyError):
            return {}
        if any(at < 0 or size < 0 or at + size > st.st_size for at, size in found.values()):
            return {}
        return found

    def blocks_reader(self, rel: str) -> tuple[dict[str, tuple[int, int]], BinaryIO]:
        """The blocks of rel (blocks_of) and the previous file to read them from; none, and
        an empty file, if there are none to reuse or the file cannot be opened."""
        found = self.blocks_of(rel)
        if found and self.folder is not None:
            try:
                return found, (self.folder / rel).open("rb")
            except OSError:  # gone meanwhile
                pass
        return {}, io.BytesIO()

    def folders(self) -> list[str]:
        """The folders that hold the recorded files, each parent before its children."""
        return sorted(folders_of(self.entries))

    def same(self, rel: str, hash: str) -> bool:
        """Did the previous site record rel with these bytes?"""
        entry = self.entries.get(rel)
        return entry is not None and entry.hash == hash


def write_keyed(out: BinaryIO, items: Iterable[tuple[str, Callable[[], bytes | None]]],
                previous: Previous, rel: str, sep: bytes = b"",
                made: set[str] | None = None) -> list[list[Any]] | None:
    """Write each item's block to out, after what out holds (sep between blocks): copied
    from the previous site's rel where its record lists the item's key, made otherwise (its
    key then added to made, if given); the blocks as the build record keeps them ([key,
    offset, length]), or None, out left unfinished, if a make gave None."""
    old, src = previous.blocks_reader(rel)
    runs: list[list[Any]] = []
    offset = out.tell()
    with src:
        for key, make in items:
            if key in old:
                src.seek(old[key][0])
                body = src.read(old[key][1])
            else:
                block = make()
                if block is None:
                    return None
                body = block
                if made is not None:
                    made.add(key)
            if sep and runs:
                offset += out.write(sep)
            runs.append([key, offset, len(body)])
            offset += out.write(body)
    return runs


def folders_of(paths: Iterable[str]) -> set[str]:
    """The folders that hold these files (paths relative to a site, as kb writes them: no
    "." or ".." parts, no doubled or trailing slash), the site's root left out."""
    # Not PurePosixPath(rel).parent: making a path object per file took 0.6 s of a 10,000-claim
    # build's main process, for 57,000 files.
    return {rel.rpartition("/")[0] for rel in paths} - {""}


def read_previous(folder: Path) -> Previous:
    """The record of the site in folder, or an empty one if it has none kb can trust."""
    try:
        with (folder / BUILD_RECORD).open("rb") as f:
            recorded = os.fstat(f.fileno()).st_mtime_ns
            data = json.loads(f.read())
        if data.get("version") != RECORD_VERSION:
            return Previous()
        entries = {rel: _entry(*row) for rel, row in data["files"].items()}
        blocks = data.get("blocks", {})
        if not isinstance(blocks, dict):
            blocks = {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        # No record (a first build, or a site from before records) or a damaged one: rebuild.
        return Previous()
    return Previous(folder, entries, recorded, blocks)


def _entry(h: Any, size: Any, key: Any, marked: Any, searched: Any = "") -> Entry:
    """One file's entry from its row in the record (write_record)."""
    return Entry(str(h), int(size), str(key), bool(marked), str(searched))


@dataclass
class Written:
    """The pages and cards one build wrote: their hash and card key, which were new, and
    which pages mark the search index's body."""

    files: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # (hash, size, key)
    changed: set[str] = field(default_factory=set)
    rendered: set[str] = field(default_factory=set)  # pages rendered, not linked by key
    marked: set[str] = field(default_factory=set)
    blocks: dict[str, Any] = field(default_factory=dict)  # as Previous.blocks
    # The pages with regions Pagefind does not read: the hash of the rest (Entry.searched).
    searched: dict[str, str] = field(default_factory=dict)

    def add(self, rel: str, hash: str, size: int, key: str, changed: bool,
            marked: bool = False, searched: str = "") -> None:
        """Note one file written (changed) or linked from the previous site."""
        self.files[rel] = (hash, size, key)
        if changed:
            self.changed.add(rel)
        if marked:
            self.marked.add(rel)
        if searched and searched != hash:
            self.searched[rel] = searched

    def key(self, rel: str) -> str:
        """The key of a file written: what its bytes depend on."""
        return self.files[rel][2]

    def merge(self, other: Written) -> None:
        """Take in what a worker wrote."""
        self.files.update(other.files)
        self.changed |= other.changed
        self.rendered |= other.rendered
        self.marked |= other.marked
        self.blocks.update(other.blocks)
        self.searched.update(other.searched)

    def pages(self) -> dict[str, tuple[str, bool]]:
        """Each HTML page written: the hash of what Pagefind reads of it, and whether it marks
        the search index's body."""
        searched = self.searched.get
        return {rel: (searched(rel, h), rel in self.marked)
                for rel, (h, _, _) in self.files.items() if rel.endswith(".html")}

    def pages_to_check(self, previous: Previous) -> set[str] | None:
        """The pages the site check must read: those that changed, and the claim page of each
        card that did (it is checked with its page); None, every page, without a previous
        site whose pages were checked when it was built."""
        if previous.folder is None:
            return None
        return {rel.removesuffix(CARD_NAME) + "index.html" if rel.endswith("/" + CARD_NAME)
                else rel for rel in self.changed}


def write_record(folder: Path, written: Written, epoch: int | None = None) -> None:
    """Record, in the site folder, what each page and card is, once they are all written
    (and stamped with SOURCE_DATE_EPOCH, if epoch is given: the record gets it too)."""
    # The sizes as the writers knew them: a stat of each file took 0.5 s for 10,000 claims.
    searched = written.searched
    files = {rel: [h, size, key, int(rel in written.marked),
                   *((searched[rel],) if rel in searched else ())]
             for rel, (h, size, key) in sorted(written.files.items())}
    path = folder / BUILD_RECORD
    path.write_text(json.dumps({"version": RECORD_VERSION, "files": files,
                                "blocks": dict(sorted(written.blocks.items()))},
                               separators=(",", ":")) + "\n", encoding="utf-8")
    if epoch is not None:
        os.utime(path, (epoch, epoch))
