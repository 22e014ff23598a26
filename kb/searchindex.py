"""The offline search index: Pagefind, run over the built pages at build time.

The pagefind[extended] package ships the binary; the extended build segments Chinese. The whole
site is indexed as one language (zh) so that a Chinese or an English query finds a page whatever
language its interface is in: Chinese quotes sit on English pages.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import subprocess
from pathlib import Path

from .errors import KbError
from .parallel import die_with_parent

INDEX_DIR = "pagefind"
LANGUAGE = "zh"


class SearchIndexFailed(KbError):
    """Pagefind could not be run or failed; the build stops before replacing the site."""


def pagefind_binary() -> Path:
    """The Pagefind executable shipped by the pagefind_bin_extended package."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise SearchIndexFailed("Pagefind is not installed; pip install 'pagefind[extended]'"
                                ) from None
    try:
        return Path(get_executable())
    except FileNotFoundError as exc:
        raise SearchIndexFailed(f"the Pagefind binary is missing ({exc}); reinstall "
                                "'pagefind[extended]'") from None


class Indexing:
    """A Pagefind run going on in the background while the build checks the site."""

    def __init__(self, site: Path, proc: subprocess.Popen):
        self.site, self.proc = site, proc

    def wait(self) -> None:
        """Wait for Pagefind, then make its output reproducible; raise if it failed."""
        out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            detail = (err or out).strip().splitlines()
            raise SearchIndexFailed(f"Pagefind failed (exit {self.proc.returncode}): "
                                    f"{detail[-1] if detail else 'no message'}")
        index = self.site / INDEX_DIR
        try:
            canonicalise(index)
        except (OSError, ValueError, KeyError, IndexError, EOFError) as exc:
            # Pagefind exits 0 even when a write of its failed: on a full disk its files are
            # cut short. Say so (as the OSError a write would have raised), else name the file.
            if _nearly_full(self.site):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from None
            raise SearchIndexFailed(f"{index}: Pagefind wrote an index kb cannot read "
                                    f"({type(exc).__name__}: {exc})") from None

    def stop(self) -> None:
        """End Pagefind (the build failed); it writes only inside the staging folder."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _nearly_full(folder: Path) -> bool:
    """Has the disk that holds folder less than a megabyte left?"""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 1 << 20


def start_index(site: Path) -> Indexing:
    """Start Pagefind on site; it runs on its own core while the build goes on."""
    cmd = [str(pagefind_binary()), "--site", str(site), "--output-subdir", INDEX_DIR,
           "--force-language", LANGUAGE, "--silent"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=die_with_parent)
    return Indexing(site, proc)


# -- making Pagefind's output reproducible ---------------------------------------------------------
#
# Pagefind writes its filter indexes (and so the metadata file that names them) in hash-map order,
# which changes from run to run (Pagefind issue #638). The builds must be byte-identical, so after
# indexing, each filter file's entries and the metadata's filter list are sorted, and the files
# are renamed by the hash of their new content. Pagefind's files are gzip("pagefind_dcd" + CBOR).

_MAGIC = b"pagefind_dcd"


def canonicalise(index: Path) -> None:
    """Rewrite Pagefind's filter and metadata files in a stable order, with stable names."""
    entry_path = index / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for lang, info in sorted(entry["languages"].items()):
        meta_path = index / f"pagefind.{info['hash']}.pf_meta"
        meta = _load(meta_path)
        filters = meta[3]
        renamed = []
        for name, old in filters:
            data = _load(index / "filter" / f"{old}.pf_filter")
            data[1] = sorted(data[1], key=lambda item: _encode(item[0]))
            new = _store(index / "filter", f"{lang}_", ".pf_filter", data, 7)
            (index / "filter" / f"{old}.pf_filter").unlink()
            renamed.append([name, new])
        meta[3] = sorted(renamed, key=lambda item: _encode(item[0]))
        meta_path.unlink()
        info["hash"] = _store(index, f"pagefind.{lang}_", ".pf_meta", meta, 10,
                              stem_prefix="pagefind.")
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                          encoding="utf-8")


def _load(path: Path):
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(_MAGIC):
        raise SearchIndexFailed(f"{path}: not a Pagefind index file this version understands")
    body = raw[len(_MAGIC):]
    value, end = _decode(body, 0)
    if end != len(body) or _encode(value) != body:
        raise SearchIndexFailed(f"{path}: unexpected Pagefind index encoding; pin pagefind to a "
                                "version kb supports")
    return value


def _store(folder: Path, prefix: str, suffix: str, value, digits: int,
           stem_prefix: str = "") -> str:
    """Write value gzipped under a name from its hash; return the name Pagefind refers to."""
    body = _MAGIC + _encode(value)
    name = prefix + hashlib.sha256(body).hexdigest()[:digits]
    (folder / f"{name}{suffix}").write_bytes(gzip.compress(body, mtime=0))
    return name.removeprefix(stem_prefix)


def _decode(buf: bytes, i: int):
    """Decode one CBOR item (the subset Pagefind writes) at buf[i]; return (value, next i)."""
    major, info = buf[i] >> 5, buf[i] & 31
    i += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg, i = int.from_bytes(buf[i:i + size], "big"), i + size
    else:
        raise SearchIndexFailed(f"unsupported CBOR item (major {major}, info {info})")
    if major == 0:
        return arg, i
    if major == 1:
        return -1 - arg, i
    if major in (2, 3):
        raw = buf[i:i + arg]
        return (raw if major == 2 else raw.decode("utf-8")), i + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, i = _decode(buf, i)
            items.append(item)
        return items, i
    if major == 5:
        pairs = []
        for _ in range(arg):
            key, i = _decode(buf, i)
            value, i = _decode(buf, i)
            pairs.append((key, value))
        return _Map(pairs), i
    if major == 7 and arg in (20, 21, 22):
        return {20: False, 21: True, 22: None}[arg], i
    raise SearchIndexFailed(f"unsupported CBOR item (major {major}, info {info})")


class _Map(list):
    """A CBOR map kept as ordered pairs, so re-encoding keeps Pagefind's key order."""


def _head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise SearchIndexFailed(f"CBOR integer too large: {arg}")


def _encode(value) -> bytes:
    """Encode the CBOR subset _decode reads, with the shortest heads (as Pagefind writes)."""
    if value is False or value is True or value is None:
        return bytes([0xE0 | {False: 20, True: 21, None: 22}[value]])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, _Map):
        return _head(5, len(value)) + b"".join(_encode(k) + _encode(v) for k, v in value)
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(v) for v in value)
    raise SearchIndexFailed(f"cannot encode {type(value).__name__} as CBOR")
