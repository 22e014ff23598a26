"""A content-hash cache of parsed YAML files, in the claims folder's .kb/parse/ folder.

libyaml and the loader's constructor take most of a load's time; an unchanged file is read back
from its parsed form instead. An entry is named by the sha256 of the file's bytes and lives in
a folder named by a stamp of the parser (PyYAML and libyaml versions, and the source of the
modules that decide what a file parses to), so a changed file or a new kb never meets an old
entry. Only files that parsed without a problem are kept: every error is found and worded by
the parser itself, with its line, exactly as without a cache.

The claims folder may come from someone else, so an entry is data, never code: JSON, with a
small tagged encoding for the values the YAML loader builds (not pickle, which runs code as it
reads, nor marshal, which may crash on crafted bytes). Each entry is signed with keyed BLAKE2b
under a secret kept outside the claims folder (the user's cache folder), so an entry this
user's kb did not write, or one damaged or cut short, is a miss: never an error and never a
result the YAML does not say. Writes are atomic and their failures ignored (a read-only folder
loads as without a cache), and a load that wrote entries deletes those it did not use, so the
cache holds one collection's files.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from yaml import _yaml as libyaml

from .atomic import write_file
from .layout import CACHE_DIR
from .limits import MAX_FILE_BYTES
from .safefile import UnsafeFile, read_regular
from .yamlfile import YamlFloat, YamlMap, YamlSeq, yaml_float

FORMAT = 1  # of an entry: raise it when the encoding changes
PARSE_DIR = "parse"
KEY_BYTES = 32
# The modules whose code decides what a YAML file parses to (kb/limits.py holds the bounds).
_PARSER_MODULES = ("yamlfile.py", "limits.py", "safefile.py", "parsecache.py")
_ENTRY = ".json"
# What the cache writes, and all that pruning may delete: entries, and the temporary files of
# writes that were killed (kb/atomic.py's write_file names them .NAME.RANDOM.tmp).
_OURS = re.compile(r"\.?[0-9a-f]{64}\.json(?:\.[^/]*\.tmp)?")
_STAMP = re.compile(r"[0-9a-f]{16}")
# JSON adds a few bytes per value to the YAML it was parsed from, which is at most this.
MAX_ENTRY_BYTES = 4 * MAX_FILE_BYTES


@cache
def parser_stamp() -> str | None:
    """A short hash of everything a parsed file depends on but its bytes; None if unreadable."""
    return code_stamp(f"{FORMAT} {yaml.__version__} {libyaml.get_version_string()}",
                      _PARSER_MODULES)


def code_stamp(head: str, names: Iterable[str]) -> str | None:
    """A short hash of head and the bytes of the named files of the kb package (a cache's
    folder name: new code never meets old entries); None if one cannot be read."""
    digest = hashlib.sha256(head.encode())
    package = Path(__file__).resolve().parent
    try:
        for name in names:
            digest.update((package / name).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()[:16]


def key_path() -> Path:
    """The file of this user's secret signing key: in $XDG_CACHE_HOME/kb, else ~/.cache/kb."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative, which the XDG specification ignores
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kb" / "parse-cache.key"


def signing_key() -> bytes | None:
    """This user's signing key, made at first use; None (no cache) if it cannot be had."""
    path = key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        key = b""
    except OSError:
        return None
    if len(key) == KEY_BYTES:
        return key
    try:
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".key.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(os.urandom(KEY_BYTES))
            if key:
                os.replace(tmp, path)  # a damaged key
            else:
                # Linked, never replaced: when two processes make one, both use the first.
                with suppress(FileExistsError):
                    os.link(tmp, path)
        finally:
            with suppress(OSError):
                os.unlink(tmp)
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


# The first line of a cache file: the hex of its 32-byte keyed BLAKE2b, and the newline.
MAC_LINE = 2 * 32 + 1


def signed(key: bytes, label: str, body: bytes) -> bytes:
    """body as a cache file keeps it: after a line with the keyed BLAKE2b of label and body
    (label names the entry, so that an entry cannot stand in for another)."""
    return _mac(key, label, body) + b"\n" + body


def verified(key: bytes, label: str, data: bytes) -> bytes | None:
    """The body of data (as signed wrote it) if its signature holds, else None."""
    mac, _, body = data.partition(b"\n")
    return body if body and hmac.compare_digest(mac, _mac(key, label, body)) else None


def _mac(key: bytes, label: str, body: bytes) -> bytes:
    mac = hashlib.blake2b(key=key, digest_size=32)
    mac.update(f"{label}\n".encode())
    mac.update(body)
    return mac.hexdigest().encode()


def _encode(value: Any) -> Any:
    """A parsed YAML value as plain JSON data; TypeError for a value the loader cannot make."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    # Text is most of a file, keys and values: it is kept as it is without a call for each.
    if kind is YamlMap:
        keys = list(value)
        return {"m": [value.line, [k if type(k) is str else _encode(k) for k in keys],
                      list(map(value.key_lines.__getitem__, keys)),
                      [v if type(v) is str else _encode(v) for v in value.values()]]}
    if kind is YamlSeq:
        return {"s": [value.line, value.item_lines,
                      [v if type(v) is str else _encode(v) for v in value]]}
    if kind is YamlFloat:
        return {"f": value.text}
    if kind is float and value in (float("inf"), float("-inf")):
        return {"f": ".inf" if value > 0 else "-.inf"}
    if kind is date:
        return {"d": value.isoformat()}
    if kind is datetime:
        return {"t": value.isoformat()}
    raise TypeError(f"cannot cache a {kind.__name__}")


def _decode_tagged(obj: dict) -> Any:
    """One JSON object of an entry back as the value _encode was given (json.loads' hook)."""
    ((tag, data),) = obj.items()
    if tag == "m":
        line, keys, key_lines, values = data
        node = YamlMap(zip(keys, values, strict=True))
        if len(node) != len(keys):
            raise ValueError("a key twice")
        node.line, node.key_lines = _line(line), dict(zip(keys, map(_line, key_lines),
                                                          strict=True))
        return node
    if tag == "s":
        line, item_lines, items = data
        seq = YamlSeq(items)
        seq.line, seq.item_lines = _line(line), [_line(n) for n in item_lines]
        if len(seq.item_lines) != len(seq):
            raise ValueError("a line per item")
        return seq
    if type(data) is not str:
        raise ValueError("a scalar's text")
    if tag == "f":
        return yaml_float(data)
    if tag == "d":
        return date.fromisoformat(data)
    if tag == "t":
        return datetime.fromisoformat(data)
    raise ValueError(f"unknown tag {tag!r}")


def _line(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise ValueError("a line number")
    return value


class SignedFolder:
    """A cache's folder for one stamp of the code its entries depend on, each entry signed with
    this user's key; for one load: the entries it used and whether it wrote any (the loaded
    folders' and the graphs' caches keep theirs the same way, kb.sourcecache.PickledFolder)."""

    def __init__(self, parent: Path, stamp: Callable[[], str | None], suffix: str,
                 ours: re.Pattern[str], limit: int):
        self.parent = parent
        self.used: set[str] = set()  # entry names this load looked up
        self.wrote = False
        self.writable = True
        self._stamp = stamp
        self._suffix = suffix
        self._ours = ours  # the names of the files the cache writes, and all pruning deletes
        self._limit = limit  # of an entry's file
        self._ready = False
        self._key: bytes | None = None
        self.folder: Path | None = None

    def _open(self) -> bool:
        """Find the key and the stamp's folder once, at the first entry; False: no cache."""
        if not self._ready:
            self._ready = True
            stamp = self._stamp()
            folder = self.parent / stamp if stamp else None
            self._key = signing_key() if folder and real_folders(folder) else None
            self.folder = folder if self._key else None
        return self.folder is not None

    def _label(self, name: str) -> str:
        assert self.folder is not None
        return f"{self.folder.name} {name}"

    def _read(self, name: str) -> bytes | None:
        """The body of an entry if it is there and its signature holds (the cache is open)."""
        assert self.folder is not None and self._key is not None
        try:
            # Never through a symlink, from a pipe or device, or more than an entry can be.
            data = read_regular(self.folder / (name + self._suffix), "", self._limit,
                                os.O_NOFOLLOW)
        except (UnsafeFile, OSError):
            return None
        return verified(self._key, self._label(name), data)

    def _write(self, name: str, body: bytes) -> None:
        """Write an entry, signed (the cache is open); a failure only loses the entry."""
        assert self.folder is not None and self._key is not None
        if len(body) > self._limit - MAC_LINE:  # more than a read takes: not kept
            return
        try:
            write_file(self.folder / (name + self._suffix),
                       signed(self._key, self._label(name), body))
        except OSError:
            self.writable = False  # a read-only claims folder: stop trying for this load
            return
        self.wrote = True

    def prune(self) -> None:
        """After a load of the whole folder that wrote entries: delete the others.

        Only a write can add an entry, so the cache stays the size of the collection; other
        stamps' folders (an older kb's) go too. A file of another load running meanwhile may
        be deleted: that load's next run misses it, nothing more.
        """
        if not self.wrote or self.folder is None:
            return
        self._remove_files(self.folder, {name + self._suffix for name in self.used})
        with suppress(OSError):
            for entry in os.scandir(self.parent):
                if (entry.name != self.folder.name and _STAMP.fullmatch(entry.name)
                        and entry.is_dir(follow_symlinks=False)):
                    self._remove_files(Path(entry.path), set())
                    with suppress(OSError):
                        os.rmdir(entry.path)

    def _remove_files(self, folder: Path, keep: set[str]) -> None:
        """Delete the cache's own files in folder but those named in keep; nothing else."""
        with suppress(OSError):
            for entry in os.scandir(folder):
                if (entry.name not in keep and self._ours.fullmatch(entry.name)
                        and entry.is_file(follow_symlinks=False)):
                    with suppress(OSError):
                        os.unlink(entry.path)


class ParseCache(SignedFolder):
    """The parse cache of one claims folder, for one load: what it used and what it wrote."""

    def __init__(self, claims_dir: Path):
        super().__init__(claims_dir / CACHE_DIR / PARSE_DIR, parser_stamp, _ENTRY, _OURS,
                         MAX_ENTRY_BYTES + MAC_LINE)

    def lookup(self, raw: bytes, name: str = "") -> tuple[str, Any]:
        """(the entry name of a file's bytes, its parsed value or None on a miss); name: the
        sha256 of raw, if the caller has it."""
        if not self._open():
            return "", None
        name = name or hashlib.sha256(raw).hexdigest()
        self.used.add(name)
        body = self._read(name)
        if body is None:
            return name, None
        try:
            return name, json.loads(body, object_hook=_decode_tagged)
        except (ValueError, TypeError, KeyError, RecursionError):
            return name, None  # signed but not ours to read (an older encoding): a miss

    def entries(self) -> int:
        """How many entries the cache holds (those of files since changed or gone included);
        0 without a cache."""
        if not self._open():
            return 0
        assert self.folder is not None
        try:
            with os.scandir(self.folder) as found:
                return sum(entry.name.endswith(_ENTRY) for entry in found)
        except OSError:
            return 0

    def absent(self, raw: bytes) -> str:
        """The entry name of a file's bytes when the cache could keep it and has no entry of
        that name yet; "" otherwise (a hit to come, or no cache)."""
        if not self.writable or not self._open():
            return ""
        assert self.folder is not None
        name = hashlib.sha256(raw).hexdigest()
        return "" if os.path.lexists(self.folder / (name + _ENTRY)) else name

    def store(self, name: str, value: Any) -> None:
        """Keep a file's parsed value under its entry name; a failure only loses the entry."""
        if not name or not self.writable or self.folder is None:
            return
        try:
            body = json.dumps(_encode(value), ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False).encode()
        except (TypeError, ValueError, RecursionError):
            return
        # aliases expanded past what lookup reads are not kept (_write)
        self._write(name, body)


def real_folders(folder: Path) -> bool:
    """Whether folder and its parents up to the claims folder's .kb are real folders or absent.

    A symlink there could lead the cache's writes, and its pruning, out of the claims folder.
    """
    for path in (folder.parent.parent, folder.parent, folder):
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        except OSError:
            return False
        if not stat.S_ISDIR(mode):
            return False
    return True
