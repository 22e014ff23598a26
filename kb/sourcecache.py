"""Each source folder as loaded, kept by its files' hashes in the claims folder's .kb/sources/.

With every file's parse kept (kb.parsecache), a load of 10,000 claims still took about 2 s of
one core, most of it making and checking the model objects from the parsed files, and every
build, rebuild and check waits for it (docs/benchmarks.md). A source folder's objects (its
source, claims, relations and ignored mentions) depend only on its own files and the loader's
code, so a folder that loaded without a problem is kept whole: when its files are the same
bytes, the load reads its objects back instead of making them (at 10,000 claims 0.45 s
against 2.0 to 2.9 s).

An entry is named by the folder's path and lists each file the load read there with its
sha256; it is used only if the folder holds the same files of each kind, each with the same
hash. It lives in a folder named by a stamp of the loader's code, so a new kb never meets an
old entry. The objects are pickled, which the parse cache avoids (pickle runs code as it
reads): an entry is unpickled only after its keyed BLAKE2b under this user's secret holds
(kb.parsecache.signing_key), so only what this user's kb wrote is ever unpickled; an entry
from elsewhere, damaged or cut short is a miss, never an error. Writes are atomic and their
failures ignored; a load that wrote entries deletes those of folders it did not meet.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from .layout import CACHE_DIR
from .limits import MAX_FILE_BYTES
from .parsecache import SignedFolder, code_stamp, parser_stamp

FORMAT = 1  # of an entry: raise it when the encoding changes
SOURCES_CACHE_DIR = "sources"  # then a folder named by loader_stamp(), then the entries
# The modules whose code decides what a source folder loads to, and how an entry is read.
_LOADER_MODULES = ("load.py", "model.py", "sourcecache.py", "choices.py", "errors.py",
                   "tiers.py", "verdicts.py")
_ENTRY = ".pickle"
_OURS = re.compile(r"\.?[0-9a-f]{32}\.pickle(?:\.[^/]*\.tmp)?")
# A folder's objects take about as many bytes pickled as its files, which are at most this.
MAX_ENTRY_BYTES = 64 * MAX_FILE_BYTES


class Kept(NamedTuple):
    """One source folder as a load made it: its objects and the files it read."""

    files: list[str]  # the YAML files the load read there, as it recorded them
    digests: dict[str, str]  # each file the load read there (the source text too): its sha256
    objects: Any  # (source, claims, relations, ignored mentions); pickled, as lookup gives it


def loader_stamp() -> str | None:
    """A short hash of everything a folder's objects depend on but its files; None if
    unreadable."""
    parser = parser_stamp()
    if parser is None:
        return None
    return code_stamp(f"{FORMAT} {parser} {sys.version} {pickle.HIGHEST_PROTOCOL}",
                      _LOADER_MODULES)


def folder_key(digests: dict[str, str]) -> str | None:
    """A source folder's key: a hash of its files (digests: path -> sha256) and of the loader's
    code; None without a stamp."""
    stamp = loader_stamp()
    if stamp is None:
        return None
    return hashlib.sha256(json.dumps([stamp, sorted(digests.items())]).encode()).hexdigest()


def entry_name(of: str) -> str:
    """The name of the entry kept of `of` (a folder's path, a source's id), without its
    suffix."""
    return hashlib.sha256(of.encode("utf-8", "surrogateescape")).hexdigest()[:32]


class PickledFolder(SignedFolder):
    """Signed entries of pickled objects, each named by a hash of what it is of and led by a
    line that says what it was made from (kb.graphcache keeps its graphs the same way)."""

    def __init__(self, parent: Path, stamp: Callable[[], str | None], limit: int):
        super().__init__(parent, stamp, _ENTRY, _OURS, limit)

    def _name(self, of: str) -> str:
        self.used.add(name := entry_name(of))
        return name

    def get(self, of: str) -> tuple[bytes, bytes] | None:
        """The entry of `of`, if there is one signed by this user's kb: its head line and its
        objects, still pickled."""
        name = self._name(of)
        if not self._open() or (body := self._read(name)) is None:
            return None
        head, _, objects = body.partition(b"\n")
        return head, objects

    def put(self, of: str, head: bytes, objects: Any) -> None:
        """Keep objects under `of`, after the head line; a failure only loses the entry."""
        name = self._name(of)
        if not self.writable or not self._open():
            return
        try:
            body = head + b"\n" + pickle.dumps(objects, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, ValueError, RecursionError):
            return
        self._write(name, body)

    @staticmethod
    def unpickle(objects: bytes) -> Any:
        """The objects of an entry get gave, or None."""
        try:
            # Signed with this user's key, so written by this user's kb: the only bytes
            # unpickled.
            return pickle.loads(objects)
        except Exception:  # signed but not readable here (a damaged write, say): a miss
            return None


class SourceCache(PickledFolder):
    """The source folders kept for one claims folder, for one load: what it met and wrote."""

    def __init__(self, claims_dir: Path):
        super().__init__(claims_dir / CACHE_DIR / SOURCES_CACHE_DIR, loader_stamp,
                         MAX_ENTRY_BYTES)

    def lookup(self, folder: Path) -> Kept | None:
        """The entry of folder, if it has a sound one (its files are for the caller to check).
        Named by the path as the load names it, which the objects' origins hold."""
        got = self.get(str(folder))
        if got is None:
            return None
        try:
            files, digests = json.loads(got[0])
        except ValueError:
            return None
        return Kept(files, digests, got[1])

    def objects(self, kept: Kept) -> Any:
        """The objects of an entry lookup gave (once its files are found the same), or None."""
        return self.unpickle(kept.objects)

    def store(self, folder: Path, kept: Kept) -> None:
        """Keep a folder's objects; a failure only loses the entry."""
        self.put(str(folder), json.dumps([kept.files, kept.digests],
                                         ensure_ascii=False).encode(), kept.objects)
