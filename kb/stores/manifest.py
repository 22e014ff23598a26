"""Is the on-disk store stale? Answered with stat calls, hashing only files whose stat changed.

The oxigraph store keeps a manifest of every claims file it was built from (size, mtime and
sha256). A query compares the claims folder's stat results with it; a file whose stat differs
is hashed, and only a different hash (or an added or removed file) makes the store stale. A
fresh store is therefore confirmed without reading a byte of YAML or importing a YAML parser.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from pathlib import Path

FORMAT = 1
CACHE_DIR = ".kb"  # inside the claims folder, ignored by git (.gitignore lists .kb/)
STORE_NAME = "oxigraph"
MANIFEST_NAME = "manifest.json"
CONFIG_FILE = "collection.yaml"

Stat = tuple[int, int]  # (size, mtime_ns)


def store_dir(claims_dir: Path) -> Path:
    """Where the oxigraph store of a claims folder lives."""
    return claims_dir / CACHE_DIR / STORE_NAME


def snapshot(claims_dir: Path) -> dict[str, Stat]:
    """Every claims file (relative path -> size, mtime); hidden files and folders are skipped."""
    out: dict[str, Stat] = {}
    # Plain strings, not Path objects: a million-triple collection has thousands of files, and
    # this runs before every query.
    stack = [""]
    root = os.fspath(claims_dir) + os.sep
    while stack:
        prefix = stack.pop()
        with os.scandir(root + prefix) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    stack.append(f"{prefix}{entry.name}/")
                elif entry.is_file():
                    st = entry.stat()
                    out[prefix + entry.name] = (st.st_size, st.st_mtime_ns)
    return out


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


def build_manifest(claims_dir: Path, stats: dict[str, Stat], config: dict,
                   triples: int) -> dict:
    """The manifest of a store built from the files as they were when stats were taken."""
    return {
        "format": FORMAT,
        "code": code_stamp(),
        "config": config,
        "triples": triples,
        "files": {rel: [size, mtime, file_hash(claims_dir / rel)]
                  for rel, (size, mtime) in sorted(stats.items())},
    }


def read_manifest(claims_dir: Path) -> dict | None:
    """The manifest of the store, or None if there is no usable one."""
    try:
        data = json.loads((store_dir(claims_dir) / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def stale_reason(claims_dir: Path, manifest: dict | None) -> str | None:
    """Why the store must be rebuilt, or None if it matches the claims folder."""
    if manifest is None:
        return "there is no store yet"
    if manifest.get("code") != code_stamp():
        return "kb itself changed"
    known: dict[str, list] = manifest.get("files", {})
    current = snapshot(claims_dir)
    if added := sorted(current.keys() - known.keys()):
        return f"{added[0]} was added"
    if removed := sorted(known.keys() - current.keys()):
        return f"{removed[0]} was removed"
    touched = [rel for rel, (size, mtime) in current.items()
               if [size, mtime] != known[rel][:2]]
    for rel in touched:
        if file_hash(claims_dir / rel) != known[rel][2]:
            return f"{rel} changed"
    if touched:
        _remember_stats(claims_dir, manifest, current, touched)
    return None


def _remember_stats(claims_dir: Path, manifest: dict, current: dict[str, Stat],
                    touched: list[str]) -> None:
    """Record new stat results of files touched but not changed, so they are not hashed again."""
    from ..atomic import write_file

    for rel in touched:
        manifest["files"][rel][:2] = list(current[rel])
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
