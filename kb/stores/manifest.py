"""Is the on-disk store stale? Answered with stat calls, hashing only files whose stat changed.

The oxigraph store keeps a manifest of every claims file it was built from (size, mtime and
sha256) and of every folder (its mtime and entries). A query compares the claims folder's stat
results with it; a file whose stat differs is hashed, and only a different hash (or an added or
removed file) makes the store stale. Adding, removing or renaming an entry changes its folder's
mtime, so only folders whose mtime changed are read again; the others' files are just stat'ed.
A fresh store is therefore confirmed without reading a byte of YAML or importing a YAML parser.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

from ..atomic import write_file
from ..layout import CACHE_DIR

FORMAT = 2
STORE_NAME = "oxigraph"
MANIFEST_NAME = "manifest.json"
CONFIG_FILE = "collection.yaml"
NO_STORE = "there is no store yet"  # the stale reason of a folder without a store

Stat = tuple[int, int]  # (size, mtime_ns)


def store_dir(claims_dir: Path) -> Path:
    """Where the oxigraph store of a claims folder lives."""
    return claims_dir / CACHE_DIR / STORE_NAME


Folder = list  # [mtime_ns, [file names], [folder names]], as the manifest stores it


class Snapshot(NamedTuple):
    """The claims files (relative path -> size, mtime) and folders (relative path, '' for the
    top, ending in '/' otherwise -> Folder); hidden files and folders are skipped."""

    files: dict[str, Stat]
    folders: dict[str, Folder]


def snapshot(claims_dir: Path, known: dict[str, Folder] | None = None) -> Snapshot:
    """Stat every claims file, reading only folders whose mtime differs from known's."""
    files: dict[str, Stat] = {}
    folders: dict[str, Folder] = {}
    known = known or {}
    # Plain strings and os calls, not Path objects: a million-triple collection has thousands
    # of files, and this runs before every query.
    root = os.fspath(claims_dir) + os.sep
    stack = [""]
    while stack:
        prefix = stack.pop()
        mtime = os.stat(root + prefix).st_mtime_ns
        before = known.get(prefix)
        if before is not None and before[0] == mtime:
            names, subfolders = before[1], before[2]
        else:
            names, subfolders = _entries(root + prefix)
        for name in names:
            try:
                st = os.stat(root + prefix + name)
            except FileNotFoundError:  # removed since the folder was read: it is not there
                continue
            files[prefix + name] = (st.st_size, st.st_mtime_ns)
        stack.extend(f"{prefix}{name}/" for name in subfolders)
        folders[prefix] = [mtime, names, subfolders]
    return Snapshot(files, folders)


def _entries(folder: str) -> tuple[list[str], list[str]]:
    """The visible file and folder names of a folder, sorted."""
    names, subfolders = [], []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            # A symlink could loop, lead out of the collection or name a device (/dev/zero):
            # the loader refuses those with a clear message, so the walk (which hashes what it
            # finds) never follows one; only regular files and real folders are recorded.
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry.name)
            elif entry.is_file(follow_symlinks=False):
                names.append(entry.name)
    return sorted(names), sorted(subfolders)


def file_hash(path: Path) -> str:
    """The sha256 of a file's bytes."""
    import hashlib  # only when a file's stat changed: a fresh store needs no hashing

    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_stamp() -> str:
    """A stamp of the code that turns claims into a graph: a new kb version rebuilds the store.

    Name, size and mtime of each module and data file, joined: cheaper than hashing them.
    """
    package = Path(__file__).resolve().parent.parent
    parts = []
    for folder in (package, package / "data"):
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith((".py", ".ttl")) and entry.is_file():
                    st = entry.stat()
                    parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
    return " ".join(parts)


class Taken(NamedTuple):
    """The claims folder as a store is built from it: each file's [size, mtime_ns, sha256],
    all three from one read of the file, and the folders as snapshot() gives them."""

    files: dict[str, list]
    folders: dict[str, Folder]


UNSETTLED = ""  # the hash of a file that changed while it was loaded: never matches, so stale


def take(claims_dir: Path) -> Taken:
    """Stat and hash every claims file before it is loaded, each from the bytes read."""
    import hashlib

    folder = snapshot(claims_dir)
    files: dict[str, list] = {}
    for rel in sorted(folder.files):
        try:
            with open(claims_dir / rel, "rb") as fh:
                st = os.fstat(fh.fileno())
                digest = hashlib.sha256(fh.read()).hexdigest()
                after = os.fstat(fh.fileno())
        except FileNotFoundError:  # removed since the snapshot: it is not there
            continue
        same = (st.st_size, st.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
        files[rel] = [st.st_size, st.st_mtime_ns, digest if same else UNSETTLED]
    return Taken(files, folder.folders)


def settle(claims_dir: Path, taken: Taken) -> Taken:
    """taken, with every file whose stat changed since (while the loader read it) marked
    unsettled: the store may hold either version, so the next query rebuilds it."""
    now = snapshot(claims_dir, taken.folders).files
    files = {rel: entry if now.get(rel) == (entry[0], entry[1]) else [*entry[:2], UNSETTLED]
             for rel, entry in taken.files.items()}
    return Taken(files, taken.folders)


def taken_json(taken: Taken) -> str:
    """taken as JSON, to hand to the process that rebuilds the store."""
    return json.dumps({"files": taken.files, "folders": taken.folders})


def taken_from_json(text: str) -> Taken:
    """The Taken that taken_json wrote."""
    data = json.loads(text)
    return Taken(data["files"], data["folders"])


def build_manifest(taken: Taken, config: dict, triples: int) -> dict:
    """The manifest of a store built from the files as taken (and settled) recorded them."""
    return {
        "format": FORMAT,
        "code": code_stamp(),
        "config": config,
        "triples": triples,
        "files": dict(sorted(taken.files.items())),
        "folders": dict(sorted(taken.folders.items())),
    }


def read_manifest(claims_dir: Path) -> dict | None:
    """The manifest of the store, or None if there is no usable one (missing, unreadable or
    of another shape: the store is then rebuilt, as if there were none)."""
    try:
        data = json.loads((store_dir(claims_dir) / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if _well_formed(data) else None


def _well_formed(data) -> bool:
    """Does a parsed manifest have the shape build_manifest gives it?"""
    def ints(*xs) -> bool:
        return all(type(x) is int for x in xs)

    def strs(xs) -> bool:
        return isinstance(xs, list) and all(isinstance(x, str) for x in xs)

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return False
    config, files, folders = data.get("config"), data.get("files"), data.get("folders")
    return (isinstance(data.get("code"), str) and ints(data.get("triples"),
                                                      data.get("problems", 0))
            and isinstance(config, dict) and isinstance(config.get("base"), str)
            and all(isinstance(config.get(k), str | None) for k in ("store", "endpoint"))
            and isinstance(files, dict) and isinstance(folders, dict)
            and all(isinstance(v, list) and len(v) == 3 and ints(v[0], v[1])
                    and isinstance(v[2], str) for v in files.values())
            and all(isinstance(v, list) and len(v) == 3 and ints(v[0]) and strs(v[1])
                    and strs(v[2]) for v in folders.values()))


def stale_reason(claims_dir: Path, manifest: dict | None) -> str | None:
    """Why the store must be rebuilt, or None if it matches the claims folder."""
    if manifest is None:
        return NO_STORE
    if manifest.get("code") != code_stamp():
        return "kb itself changed"
    known: dict[str, list] = manifest.get("files", {})
    current = snapshot(claims_dir, manifest.get("folders"))
    if added := sorted(current.files.keys() - known.keys()):
        return f"{added[0]} was added"
    if removed := sorted(known.keys() - current.files.keys()):
        return f"{removed[0]} was removed"
    touched = [rel for rel, (size, mtime) in current.files.items()
               if size != known[rel][0] or mtime != known[rel][1]]
    for rel in touched:
        if file_hash(claims_dir / rel) != known[rel][2]:
            return f"{rel} changed"
    if touched or current.folders != manifest.get("folders"):
        _remember_stats(claims_dir, manifest, current, touched)
    return None


def _remember_stats(claims_dir: Path, manifest: dict, current: Snapshot,
                    touched: list[str]) -> None:
    """Record new stat results of files touched but not changed (and of folders), so they are
    not hashed or read again."""
    for rel in touched:
        manifest["files"][rel][:2] = list(current.files[rel])
    manifest["folders"] = dict(sorted(current.folders.items()))
    # A read-only store still answers; it just hashes those files again next time.
    with suppress(OSError):
        write_file(store_dir(claims_dir) / MANIFEST_NAME, json.dumps(manifest, indent=1))


def cached_config(claims_dir: Path) -> dict | None:
    """The store settings the manifest recorded, if collection.yaml has not changed since."""
    manifest = read_manifest(claims_dir)
    if manifest is None:
        return None
    known = manifest.get("files", {}).get(CONFIG_FILE)
    path = claims_dir / CONFIG_FILE
    try:
        st = path.stat()
    except OSError:
        return None
    if known is None:
        return None
    if [st.st_size, st.st_mtime_ns] != known[:2] and file_hash(path) != known[2]:
        return None
    return manifest.get("config")
