"""Reuse what the previous build wrote: a file that would come out the same is linked, not redone.

Every build records, in its own site, the hash and size of each page and verdict card it wrote,
and the inputs each card was drawn from (kb.layout.BUILD_RECORD); the record holds no times, so
two builds of the same claims still give the same bytes. The next build still
renders every page (a page costs a fraction of a millisecond), but a page whose bytes match the
record is hard-linked from the previous site, and so is a card whose inputs and drawing code
are unchanged (a card costs milliseconds to draw). The files that did change are the ones the
site check and the search index must look at again; the rest were checked before the previous
site was published.

A file in the previous site that is not as recorded is never reused: one of another size, or
one modified after the record was written (edited by hand, say), as make would judge it.
Nothing is written into the previous site: links are made into the staging folder only, and
a file written there is always a new file, so the previous site stays as it was if the build
fails.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .layout import BUILD_RECORD

RECORD_VERSION = 1


def digest(data: bytes) -> str:
    """A short hash of a file's bytes: enough to tell two versions of one file apart."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Entry:
    """What the record says of one file: its hash and size, and for a card its inputs."""

    hash: str
    size: int
    key: str = ""


@dataclass
class Previous:
    """The previous site and its record; empty when there is none to reuse."""

    folder: Path | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    recorded_ns: int = 0  # when the record was written: no file was modified later

    def link(self, rel: str, dest: Path, hash: str = "", key: str = "") -> bool:
        """Hard-link the previous site's rel to dest if it holds the same bytes (hash) or was
        made from the same inputs (key), and is still as recorded; True if it did."""
        entry = self.entries.get(rel)
        if self.folder is None or entry is None or not (
                (hash and entry.hash == hash) or (key and entry.key == key)):
            return False
        source = self.folder / rel
        try:
            st = source.stat(follow_symlinks=False)
            if st.st_size != entry.size or st.st_mtime_ns > self.recorded_ns:
                return False
            os.link(source, dest, follow_symlinks=False)
        except OSError:  # gone, or links not possible here (another file system): redo it
            return False
        return True

    def same(self, rel: str, hash: str) -> bool:
        """Did the previous site record rel with these bytes?"""
        entry = self.entries.get(rel)
        return entry is not None and entry.hash == hash


def read_previous(folder: Path) -> Previous:
    """The record of the site in folder, or an empty one if it has none kb can trust."""
    try:
        with (folder / BUILD_RECORD).open("rb") as f:
            recorded = os.fstat(f.fileno()).st_mtime_ns
            data = json.loads(f.read())
        if data.get("version") != RECORD_VERSION:
            return Previous()
        entries = {rel: Entry(str(h), int(size), str(key))
                   for rel, (h, size, key) in data["files"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        # No record (a first build, or a site from before records) or a damaged one: rebuild.
        return Previous()
    return Previous(folder, entries, recorded)


@dataclass
class Written:
    """The pages and cards one build wrote: their hash and card key, and which were new."""

    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # rel -> (hash, key)
    changed: set[str] = field(default_factory=set)

    def add(self, rel: str, hash: str, key: str, changed: bool) -> None:
        """Note one file written (changed) or linked from the previous site."""
        self.files[rel] = (hash, key)
        if changed:
            self.changed.add(rel)

    def merge(self, other: Written) -> None:
        """Take in what a worker wrote."""
        self.files.update(other.files)
        self.changed |= other.changed


def write_record(folder: Path, written: Written, epoch: int | None = None) -> None:
    """Record, in the site folder, what each page and card is, once they are all written
    (and stamped with SOURCE_DATE_EPOCH, if epoch is given: the record gets it too)."""
    files = {rel: [h, (folder / rel).stat().st_size, key]
             for rel, (h, key) in sorted(written.files.items())}
    path = folder / BUILD_RECORD
    path.write_text(json.dumps({"version": RECORD_VERSION, "files": files},
                               separators=(",", ":")) + "\n", encoding="utf-8")
    if epoch is not None:
        os.utime(path, (epoch, epoch))
