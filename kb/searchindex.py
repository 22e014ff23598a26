"""The offline search index: Pagefind, run over the built pages at build time, in parts.

The pagefind[extended] package ships the binary; the extended build segments Chinese. The whole
site is indexed as one language (zh) so that a Chinese or an English query finds a page whatever
language its interface is in: Chinese quotes sit on English pages.

Pagefind holds every page it indexes in memory (about 150 KB a page) and cannot update an index,
so the pages are split into parts of about PART_PAGES pages, each an index of its own, made
by one of RUNS Pagefind services at a time: peak memory is bounded whatever the site's size.
The reader's browser merges the parts (Pagefind's multisite mergeIndex;
site/static/search.js). A page's part is a hash of its path, by linear hashing: adding pages
splits one part at a time, so an edit or a new claim changes only the parts of the pages it
changes. A claim's page goes with its source's page (the path hashed is the source's), as an
edit of the claim changes both (kb.build.search_groups). A part whose pages are
byte-identical to the previous build's is linked from the previous site (its manifest,
MANIFEST, records each part's pages by hash) instead of indexed again.

Layout of INDEX_DIR: Pagefind's scripts and the first part at its top (search.js imports
pagefind.js from there), every other part in PARTS_DIR/NNNN/, and MANIFEST listing them.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import errno
import gzip
import hashlib
import json
import math
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from .errors import KbError
from .layout import SEARCH_DIR
from .parallel import THREAD_CLAIMS, behind_the_check, die_with_parent, workers
from .reuse import digest

INDEX_DIR = SEARCH_DIR
LANGUAGE = "zh"
# Pages per part on average (a part holds at most about twice as many). Pagefind needs about
# 150 KB a page, so one run stays near 150 MB; a one-claim edit re-indexes two or three parts
# of this size, and the browser fetches a few small files per part (docs/site.md).
PART_PAGES = 500
RUNS = 2  # Pagefind services at a time: each uses a core while the build checks the site
MANIFEST = "parts.json"
PARTS_DIR = "part"
WORK_DIR = ".work"  # Pagefind's output (and, without a tmpfs, each part's pages) while indexing
# Pagefind indexes a folder, so each part's pages are put in a tree of their own, one folder a
# page. Made on the site's disk (hard links), that tree cost 12 of the 25 s an index of 10,000
# claims took, nearly all of it in mkdir: a journalled file system allocates an inode for each
# folder, slowly when many were just deleted. In a tmpfs the tree is symbolic links to the
# pages (Pagefind follows them; the URLs come from the tree's paths) and costs little.
MEMORY_DIR = Path("/dev/shm")
TREE_PREFIX = "kb-search-"  # then the indexing process's id, so a killed one's tree is found
FORMAT = 2  # of the manifest and of the way pages are split; a change re-indexes every part
# The files of one part; everything else Pagefind writes is its scripts, the same for all.
PART_FILES = ("pagefind-entry.json", "index", "fragment", "filter")
META_SUFFIX = ".pf_meta"
# Pagefind indexes only the elements marked data-pagefind-body when any page has one.
_BODY = b"data-pagefind-body"
# The two comments a template puts first and last inside an element marked
# data-pagefind-ignore="all", whose content Pagefind then does not read at all (text, filters,
# metadata, anchors): a part's pages are hashed without what lies between them, so that an
# edit that changes only such a region (an entity page's table of claims) re-indexes no part.
# Page text cannot hold them: it is escaped, and "<!--" begins no tag.
UNSEARCHED = ("<!--unsearched-->", "<!--/unsearched-->")
_CUT = tuple(mark.encode("ascii") for mark in UNSEARCHED)
# A page in Chinese: the first Pagefind reads makes it load its Chinese dictionary (_Service.warm).
_WARM_PAGE = "<html lang=\"zh\"><body><p>特斯拉的收入</p></body></html>"


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


@dataclass(frozen=True)
class IndexSummary:
    """What one indexing did: the parts, and which were indexed or reused from the previous."""

    pages: int
    parts: int
    indexed: tuple[int, ...]
    reused: tuple[int, ...]


class Indexing(ABC):
    """The indexing of one build's site: started early (prepare_index), given the site's
    pages once they are written (start), then indexing the parts in the background while the
    build checks the site (wait), or ended if the build fails (stop)."""

    site: Path

    @abstractmethod
    def start(self, pages: Mapping[str, tuple[str, bool]] | None = None,
              groups: Mapping[str, str] | None = None) -> None:
        """Index the site now: pages are every HTML page of it, with its hash and whether it
        marks the body, as the build wrote them; without, every page is read to know (see
        indexed_pages). groups: pages that go into the part of another (see split)."""

    def wait(self) -> IndexSummary:
        """Wait for the index; raise if it failed (a full disk as the OSError it is)."""
        outcome = self._outcome()
        if isinstance(outcome, IndexSummary):
            return outcome
        # Pagefind exits 0 even when a write of its failed: on a full disk its files are cut
        # short. Say so (as the OSError a write would have raised), else say what failed.
        if _nearly_full(self.site):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from None
        raise SearchIndexFailed(outcome)

    @abstractmethod
    def stop(self) -> None:
        """End the indexing (the build failed); it writes only inside the staging folder."""

    @abstractmethod
    def running(self) -> bool:
        """Is anything of this indexing still at work?"""

    @abstractmethod
    def _outcome(self) -> IndexSummary | str:
        """Wait for the indexing to end: what it did, or what failed in one line."""


class IndexingProcess(Indexing):
    """The indexing in a process of its own (python -m kb.searchindex, main below), behind
    the site check: a large site's parts take the indexing's Python as much as Pagefind."""

    def __init__(self, site: Path, proc: subprocess.Popen):
        self.site, self.proc = site, proc

    def start(self, pages: Mapping[str, tuple[str, bool]] | None = None,
              groups: Mapping[str, str] | None = None) -> None:
        """As Indexing.start: the pages go to the process's standard input."""
        assert self.proc.stdin is not None, "the indexing was started already"
        try:
            with self.proc.stdin:  # read whole before the process does anything else
                self.proc.stdin.write(json.dumps({"pages": pages, "groups": groups},
                                                 separators=(",", ":")))
        except BrokenPipeError:
            pass  # it failed at once: wait() reports what it said
        self.proc.stdin = None  # closed: communicate() must not flush it

    def stop(self) -> None:
        """As Indexing.stop: the process is killed."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def running(self) -> bool:
        """Is the process still running?"""
        return self.proc.poll() is None

    def _outcome(self) -> IndexSummary | str:
        out, err = self.proc.communicate()
        if self.proc.returncode == 0:
            done = json.loads(out.strip().splitlines()[-1])
            return IndexSummary(done["pages"], done["parts"], tuple(done["indexed"]),
                                tuple(done["reused"]))
        detail = (err or out).strip().splitlines()
        return detail[-1] if detail else \
            f"indexing failed (exit {self.proc.returncode}), no message"


_STOP = None  # what IndexingThread.stop sends instead of the pages


class IndexingThread(Indexing):
    """The indexing in a thread of the build's own process, for a small site: a process of
    its own would take longer to start (its imports) than the site takes to index. Its
    Pagefind service is kept warm for the process's next build (see _warm_service)."""

    def __init__(self, site: Path, previous: Path | None, part_pages: int):
        self.site = site
        self._pages: queue.SimpleQueue = queue.SimpleQueue()
        self._sent = False
        self._done: IndexSummary | str = "the indexing was never given the pages"
        try:
            # Started here, by the build's thread: it dies with that thread (die_with_parent),
            # and the indexing thread ends with this build.
            self._service: _Service | None = _warm_service()
        except SearchIndexFailed as exc:
            self._service, self._done = None, str(exc)
        self._thread = threading.Thread(target=self._run, args=(previous, part_pages),
                                        name="kb search index", daemon=True)
        self._thread.start()

    def _run(self, previous: Path | None, part_pages: int) -> None:
        service = self._service
        if service is None:
            return
        try:
            service.warm()
            pages = self._pages.get()
            if pages is _STOP:
                _keep_warm(service)
                return
            summary = index_site(self.site, previous, part_pages, pages[0], [service],
                                 pages[1])
        except SearchIndexFailed as exc:
            service.kill()
            self._done = str(exc)
        except BaseException as exc:  # reported by wait(), in the build's thread
            service.kill()
            self._done = f"{type(exc).__name__}: {exc}"
        else:
            _keep_warm(service)
            self._done = summary

    def start(self, pages: Mapping[str, tuple[str, bool]] | None = None,
              groups: Mapping[str, str] | None = None) -> None:
        """As Indexing.start: the pages go to the indexing thread."""
        assert not self._sent, "the indexing was started already"
        self._sent = True
        self._pages.put((pages, groups))

    def stop(self) -> None:
        """As Indexing.stop: a service at work is killed (the part it indexed is lost with
        the staging folder); one still waiting for the pages is kept warm."""
        if not self._thread.is_alive():
            return
        if self._sent:
            if self._service is not None:
                self._service.kill()
        else:
            self._sent = True
            self._pages.put(_STOP)
        self._thread.join()

    def running(self) -> bool:
        """Is the indexing thread still running?"""
        return self._thread.is_alive()

    def _outcome(self) -> IndexSummary | str:
        self._thread.join()
        return self._done


def _nearly_full(folder: Path) -> bool:
    """Has the disk that holds folder less than a megabyte left?"""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 1 << 20


def prepare_index(site: Path, previous: Path | None = None, part_pages: int = PART_PAGES,
                  claims: int | None = None) -> Indexing:
    """Start the indexing of site now, while the build still renders its pages: Pagefind
    starts and loads its Chinese dictionary (0.2 s), then waits for Indexing.start. previous
    is the site the last build published (its unchanged parts are linked, not indexed
    again). claims: how many the site shows; a site of at most THREAD_CLAIMS is indexed by a
    thread of this process, a larger one (or one of unknown size) by a process of its own."""
    if claims is not None and claims <= THREAD_CLAIMS:
        return IndexingThread(site, previous, part_pages)
    cmd = [sys.executable, "-m", __name__, str(site), str(previous or ""), str(part_pages)]
    # The child must run this very kb, also from a checkout that is not installed.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent.parent), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=behind_the_check, stdin=subprocess.PIPE)
    return IndexingProcess(site, proc)


def start_index(site: Path, previous: Path | None = None, part_pages: int = PART_PAGES,
                pages: Mapping[str, tuple[str, bool]] | None = None,
                claims: int | None = None) -> Indexing:
    """Start indexing site while the build goes on (prepare_index, then Indexing.start with
    pages)."""
    indexing = prepare_index(site, previous, part_pages, claims)
    indexing.start(pages)
    return indexing


# -- splitting the pages into parts ------------------------------------------------------------


def part_count(pages: int, part_pages: int = PART_PAGES) -> int:
    """How many parts pages are split into: a pure function of the count, so that a build
    from scratch and an incremental one split the same way."""
    return max(1, math.ceil(pages / part_pages))


def part_of(path: str, parts: int) -> int:
    """The part a page's path falls in, by linear hashing: from n to n + 1 parts, only the
    pages of part n - 2**k (2**k <= n, the part being split) move, to part n."""
    h = int.from_bytes(hashlib.blake2b(path.encode("utf-8"), digest_size=8).digest(), "big")
    level = 1 << (parts.bit_length() - 1)
    low = h % level
    return h % (2 * level) if low < parts - level else low


def indexed_pages(site: Path, pages: Mapping[str, tuple[str, bool]] | None = None
                  ) -> dict[str, str]:
    """The pages Pagefind indexes (site-relative paths), each with the hash of what it reads
    of them (searched_digest).

    pages: the site's HTML pages as the build wrote them, each with that hash and whether it
    marks the body, so that none is read here (a 10,000-claim site: 1.5 s of the indexing
    process's CPU, before its first part could start); without, every page is read."""
    found: dict[str, tuple[str, bool]] = {}
    if pages is not None:
        found = {path: (h, body) for path, (h, body) in pages.items()
                 if path != INDEX_DIR and not path.startswith(INDEX_DIR + "/")}
    else:
        root = os.fspath(site)
        for folder, subdirs, names in os.walk(root):
            rel = folder[len(root) + 1:].replace(os.sep, "/")  # a third of relpath's time
            if rel == INDEX_DIR:
                subdirs.clear()
                continue
            for name in names:
                if name.endswith(".html"):
                    with open(os.path.join(folder, name), "rb") as f:
                        data = f.read()
                    path = f"{rel}/{name}" if rel else name
                    found[path] = (searched_digest(data), marks_body(data))
    # As Pagefind does: with no page marking its body, every page is indexed whole.
    marked = any(body for _, body in found.values())
    return {path: h for path, (h, body) in sorted(found.items()) if body or not marked}


def searched_digest(html: bytes, whole: str = "") -> str:
    """The hash of what Pagefind reads of a page: its bytes without the regions between the
    UNSEARCHED comments (the hash of all its bytes, whole, if given and it has none)."""
    start = html.find(_CUT[0])
    if start == -1:
        return whole or digest(html)
    kept, at = [], 0
    while start != -1:
        end = html.find(_CUT[1], start)
        if end == -1:  # not closed: the rest is hashed as it is
            break
        kept.append(html[at:start])
        at = end + len(_CUT[1])
        start = html.find(_CUT[0], at)
    kept.append(html[at:])
    return digest(b"".join(kept))


def marks_body(html: bytes) -> bool:
    """Does a tag in html carry the data-pagefind-body attribute? Text cannot hold a raw "<",
    so an attribute is one whose nearest "<" before it is nearer than any ">"; words that
    mention it are not (a regular expression over the page took four times as long)."""
    i = html.find(_BODY)
    while i != -1:
        end = i + len(_BODY)
        if html[i - 1:i].isspace() and html[end:end + 1] in b" \t\r\n>=/" \
                and html.rfind(b"<", 0, i) > html.rfind(b">", 0, i):
            return True
        i = html.find(_BODY, end)
    return False


def split(pages: Mapping[str, str], part_pages: int = PART_PAGES,
          groups: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """pages split into parts (some may be empty), each {path: hash}; a page that groups
    names goes into the part of the path it names (a claim's page, with its source's)."""
    parts: list[dict[str, str]] = [{} for _ in range(part_count(len(pages), part_pages))]
    key = (groups or {}).get
    for path, h in pages.items():
        parts[part_of(key(path, path), len(parts))][path] = h
    return parts


def _digest(lines: list[str]) -> str:
    return hashlib.blake2b("\n".join(lines).encode("utf-8"), digest_size=16).hexdigest()


def _pages_digest(pages: Mapping[str, str]) -> str:
    return _digest([f"{path} {h}" for path, h in sorted(pages.items())])


def _listing(folder: Path, names: list[str]) -> list[tuple[str, os.stat_result]]:
    """The files under folder/name for each name (a file, or a folder's files), sorted, as
    paths relative to folder, each with its stat (os.walk: a part's thousands of fragments
    took a third of a second through Path.rglob)."""
    out: list[tuple[str, os.stat_result]] = []
    for name in names:
        path = folder / name
        if not path.is_dir():
            out.append((name, path.stat()))
            continue
        for top, dirs, files in os.walk(path):
            dirs.sort()
            rel = Path(top).relative_to(folder).as_posix()
            out += [(f"{rel}/{f}", os.stat(os.path.join(top, f))) for f in sorted(files)]
    return out


def _part_names(folder: Path) -> list[str]:
    """The names in folder that belong to the part there (not Pagefind's scripts)."""
    metas = sorted(p.name for p in folder.glob(f"*{META_SUFFIX}"))
    return [n for n in PART_FILES if (folder / n).exists()] + metas


def _script_names(folder: Path) -> list[str]:
    """The names of Pagefind's scripts in folder: its files that are no part's."""
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != MANIFEST
                  and p.name not in PART_FILES and not p.name.endswith(META_SUFFIX))


def _files_record(listing: list[tuple[str, os.stat_result]]) -> dict[str, int]:
    """What the manifest records of the files _listing gives: how many, their bytes in all."""
    return {"count": len(listing), "bytes": sum(st.st_size for _, st in listing)}


def _settings() -> dict:
    """What, besides its pages, makes a part's index: a change re-indexes every part."""
    try:
        version = metadata.version("pagefind_bin_extended")
    except metadata.PackageNotFoundError:
        version = "unknown"  # pagefind_binary() says what is missing
    return {"format": FORMAT, "pagefind": version, "language": LANGUAGE}


def _part_dir(index: Path, place: str) -> Path:
    return index / place if place else index


# -- the indexing process --------------------------------------------------------------------


@dataclass(frozen=True)
class _Trees:
    """Where the parts' page trees go, and how a page is put there."""

    folder: Path
    in_memory: bool

    def place(self, page: Path, target: Path) -> None:
        """Put page (a path in the site) at target in a part's tree."""
        if self.in_memory:
            os.symlink(page.absolute(), target)
        else:
            _link_or_copy(page, target)

    def remove(self) -> None:
        """Remove the trees' folder, if it is not in the work folder (which goes anyway)."""
        if self.in_memory:
            shutil.rmtree(self.folder, ignore_errors=True)


def _trees(work: Path) -> _Trees:
    """A folder in a tmpfs for the parts' page trees, or one in the work folder without."""
    _remove_orphans()
    try:
        return _Trees(Path(tempfile.mkdtemp(prefix=f"{TREE_PREFIX}{os.getpid()}-",
                                            dir=MEMORY_DIR)), True)
    except OSError:  # no /dev/shm (not Linux), or it is full or read-only
        return _Trees(work / "site", False)


def _remove_orphans() -> None:
    """Remove the trees an indexing process that was killed left in the tmpfs."""
    try:
        found = list(MEMORY_DIR.glob(f"{TREE_PREFIX}*-*"))
    except OSError:
        return
    for folder in found:
        pid = folder.name[len(TREE_PREFIX):].split("-", 1)[0]
        try:
            mine = folder.lstat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process, alive
        pass
    return True


class _Service:
    """One Pagefind process in service mode (`pagefind --service`), indexing part after part.

    Each Pagefind process spends about 0.2 s of CPU starting (the extended build's Chinese
    dictionary) before it reads a page: a run per part spent 2.8 s of CPU on the seed's ten
    test parts where one service spent 0.8 s, and at 100,000 claims (323 parts) about 70 s.
    The service's parts come out byte-identical to the command line's once canonicalised.
    Its protocol: each message is base64 of a JSON object followed by a comma, both ways.
    """

    def __init__(self, binary: Path, preexec: Callable[[], None] = die_with_parent):
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        # Started by the thread that stops it: die_with_parent follows the starting thread.
        self.proc = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._errors,
                                     preexec_fn=preexec)
        self._sent, self._read = 0, b""
        self.warmed = False
        self.owner = os.getpid()  # a forked child that exits must not end its parent's

    def warm(self) -> _Service:
        """Have Pagefind load its Chinese dictionary now, as it does on the first Chinese page
        it reads (0.2 s of CPU), by indexing one in an index made for that alone."""
        if self.warmed:
            return self
        self.warmed = True
        what = "its start"
        made = self._ask(what, {"type": "NewIndex", "config": {"force_language": LANGUAGE}})
        index = made["index_id"]
        self._ask(what, {"type": "AddFile", "index_id": index, "url": "/",
                         "file_contents": _WARM_PAGE})
        self._ask(what, {"type": "DeleteIndex", "index_id": index})
        return self

    def index(self, number: int, tree: Path, out: Path) -> None:
        """Index the pages under tree as one part, written to out (as `pagefind --site tree
        --output-path out --force-language LANGUAGE` does)."""
        what = f"part {number}"
        made = self._ask(what, {"type": "NewIndex", "config": {"force_language": LANGUAGE}})
        index = made["index_id"]
        self._ask(what, {"type": "AddDir", "index_id": index, "path": str(tree)})
        # The files come back in the answer and kb writes them: the service's WriteFiles
        # answers before its writes are done (one file was found empty under load).
        for made_file in self._ask(what, {"type": "GetFiles", "index_id": index})["files"]:
            name = PurePosixPath(made_file["path"])
            if name.is_absolute() or ".." in name.parts:
                raise SearchIndexFailed(f"Pagefind named a file outside part {number}'s "
                                        f"folder: {made_file['path']!r}")
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(made_file["content"]))
        self._ask(what, {"type": "DeleteIndex", "index_id": index})

    def _ask(self, what: str, payload: dict) -> dict:
        """Send one request and return its answer's payload."""
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload})
        try:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
            self.proc.stdin.flush()
            while b"," not in self._read:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    raise BrokenPipeError
                self._read += chunk
        except BrokenPipeError:
            raise SearchIndexFailed(f"Pagefind failed (exit {self.proc.wait()}) on {what}: "
                                    f"{self._last_error()}") from None
        answer, self._read = self._read.split(b",", 1)
        try:
            reply = json.loads(base64.b64decode(answer, validate=True))
        except ValueError:
            raise SearchIndexFailed(f"Pagefind answered what kb cannot read on {what}: "
                                    f"{answer[:80]!r}") from None
        got = reply.get("payload") or {}
        if got.get("type") == "Error" or reply.get("message_id") != self._sent:
            raise SearchIndexFailed(f"Pagefind failed on {what}: "
                                    f"{got.get('message') or reply}")
        return got

    def _last_error(self) -> str:
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no message"

    def kill(self) -> None:
        """End the service at once, busy or not."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.close()

    def close(self) -> None:
        """End the service: it exits when its input ends; killed if it is still busy."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._errors.close()


# Warm Pagefind services a process keeps between its builds (a test run, a long-lived caller
# of kb.build): a small site's index then costs its pages only, not Pagefind's start and
# Chinese dictionary (0.2 s of the 0.5 s a build of a few pages took). At most one is kept.
_WARM: list[_Service] = []
_WARM_LOCK = threading.Lock()


def _warm_service() -> _Service:
    """A Pagefind service kept warm by an earlier build of this process, or a new one (not
    warmed yet), behind the site check as the indexing process is."""
    with _WARM_LOCK:
        while _WARM:
            service = _WARM.pop()
            if service.proc.poll() is None:
                return service
            service.close()
    return _Service(pagefind_binary(), preexec=behind_the_check)


def _keep_warm(service: _Service) -> None:
    """Keep an idle, working service for this process's next build; close any other."""
    with _WARM_LOCK:
        if service.proc.poll() is None and service.warmed and not _WARM:
            _WARM.append(service)
            return
    service.close()


@atexit.register
def _end_warm() -> None:
    with _WARM_LOCK:
        while _WARM:
            service = _WARM.pop()
            if service.owner == os.getpid():
                service.kill()


class _Run:
    """One part's indexing by a free service over a tree of its pages (_Trees says where and
    how), in a thread of its own: the thread only waits on the service."""

    def __init__(self, services: queue.SimpleQueue[_Service], pool: ThreadPoolExecutor,
                 site: Path, work: Path, trees: _Trees, number: int, pages: Mapping[str, str]):
        self.number = number
        self.tree, self.out = trees.folder / f"{number:04d}", work / "out" / f"{number:04d}"
        for path in pages:
            target = self.tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            trees.place(site / path, target)
        self.done = pool.submit(self._index, services)

    def _index(self, services: queue.SimpleQueue[_Service]) -> None:
        service = services.get()
        try:
            service.index(self.number, self.tree, self.out)
        finally:
            services.put(service)

    def finish(self) -> Path:
        """Wait for the part's index and make it reproducible; the output folder."""
        self.done.result()
        try:
            canonicalise(self.out)
        except (OSError, ValueError, KeyError, IndexError, EOFError) as exc:
            raise SearchIndexFailed(f"{self.out}: Pagefind wrote an index kb cannot read "
                                    f"({type(exc).__name__}: {exc})") from None
        shutil.rmtree(self.tree)
        return self.out


def build_index(site: Path, previous: Path | None = None, part_pages: int = PART_PAGES,
                pages: Mapping[str, tuple[str, bool]] | None = None,
                ready: Sequence[_Service] = (),
                groups: Mapping[str, str] | None = None) -> IndexSummary:
    """Index site's pages in parts into site/INDEX_DIR (see the module's docstring); pages as
    for indexed_pages, groups as for split. ready: services started already, used first (the
    caller ends them)."""
    index = site / INDEX_DIR
    work = index / WORK_DIR
    settings = _settings()
    parts = split(indexed_pages(site, pages), part_pages, groups)
    numbers = [i for i, pages in enumerate(parts) if pages]
    if not numbers:
        raise SearchIndexFailed(f"{site}: no page to index")
    # The first part with pages sits at the top, where pagefind.js loads its primary index.
    places = {n: "" if n == numbers[0] else f"{PARTS_DIR}/{n:04d}" for n in numbers}
    old_index = previous / INDEX_DIR if previous is not None else None
    before, written_ns = _previous_manifest(old_index, settings)
    old_parts = {r.get("part"): r for r in before.get("parts", []) if isinstance(r, dict)}
    index.mkdir(parents=True, exist_ok=True)
    if work.exists():
        shutil.rmtree(work)
    records: dict[int, dict] = {}
    todo: list[int] = []
    for n in numbers:
        records[n] = {"part": n, "pages": len(parts[n]), "digest": _pages_digest(parts[n]),
                      "place": places[n]}
        old = old_parts.get(n, {})
        if old_index is not None and old.get("digest") == records[n]["digest"] \
                and _copy_verified(_part_dir(old_index, str(old.get("place"))), _part_names,
                                   old.get("files"), written_ns, _part_dir(index, places[n])):
            records[n]["files"] = old["files"]
        else:
            todo.append(n)
    if not todo and not _copy_verified(old_index, _script_names, before.get("scripts"),
                                       written_ns, index):
        todo.append(numbers[0])  # the scripts come with any part's run
    running: list[_Run] = []
    trees = _trees(work) if todo else _Trees(work / "site", False)
    services: queue.SimpleQueue[_Service] = queue.SimpleQueue()
    wanted = min(RUNS, workers(), len(todo))
    started = list(ready[:wanted])  # the caller's, which the caller ends
    own: list[_Service] = []  # started here, ended here
    try:
        while len(started) < wanted:
            own.append(_Service(pagefind_binary()))
            started.append(own[-1])
        for service in started:
            services.put(service)
        with ThreadPoolExecutor(max(1, len(started))) as pool:
            try:
                for n in todo:
                    running.append(_Run(services, pool, site, work, trees, n, parts[n]))
                    if len(running) >= len(started):
                        _place(running.pop(0), index, places, records)
                while running:
                    _place(running.pop(0), index, places, records)
            finally:
                if running:  # a part failed: end the other services' waits too
                    for service in started:
                        service.proc.kill()
    finally:
        for service in own:
            service.close()
        trees.remove()
        if work.exists():
            shutil.rmtree(work)
    manifest = {**settings, "parts": [records[n] for n in numbers],
                "scripts": _files_record(_listing(index, _script_names(index)))}
    (index / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1,
                                             sort_keys=True) + "\n", encoding="utf-8")
    return IndexSummary(sum(len(p) for p in parts), len(numbers), tuple(todo),
                        tuple(n for n in numbers if n not in todo))


def _place(run: _Run, index: Path, places: Mapping[int, str], records: dict[int, dict]) -> None:
    """Move a finished run's part into its place in the index, and Pagefind's scripts (the
    same from every run) to the top."""
    out = run.finish()
    target = _part_dir(index, places[run.number])
    names = _part_names(out)
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob(f"*{META_SUFFIX}"):
        stale.unlink()
    for folder, moved in ((target, names), (index, _script_names(out))):
        for name in moved:
            # a copy from the previous site that then failed its check may be in the way
            if (folder / name).is_dir():
                shutil.rmtree(folder / name)
            os.replace(out / name, folder / name)
    records[run.number]["files"] = _files_record(_listing(target, names))


def _previous_manifest(old_index: Path | None, settings: Mapping) -> tuple[dict, int]:
    """The previous build's manifest, if its index was made the same way, and when it was
    written (no file of that index was changed later)."""
    if old_index is None:
        return {}, 0
    try:
        path = old_index / MANIFEST
        written_ns = path.stat().st_mtime_ns
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, 0  # no previous site, or one indexed another way: index every part
    if not isinstance(manifest, dict) or any(manifest.get(k) != v for k, v in settings.items()):
        return {}, 0
    return manifest, written_ns


def _copy_verified(source: Path | None, names_in: Callable[[Path], list[str]],
                   recorded: object, written_ns: int, target: Path) -> bool:
    """Link (or copy) the files names_in(source) names to target if they are still as the
    previous manifest recorded them (recorded: their count and bytes, and none changed after
    written_ns, when it was written); False if they are not.

    Checked as kb.reuse checks a page it links, by size and time, not by reading every file:
    hashing the fragments of every unchanged part took 0.6 s of each rebuild of a
    10,000-claim site. A file damaged since changes its time, its size or the count."""
    if source is None or not isinstance(recorded, dict):
        return False
    try:
        names = names_in(source)
        listing = _listing(source, names)
        if not names or _files_record(listing) != recorded or \
                any(st.st_mtime_ns > written_ns for _, st in listing):
            return False
        made: set[str] = set()
        for rel, _ in listing:
            parent = os.path.dirname(rel)
            if parent not in made:
                made.add(parent)
                (target / parent).mkdir(parents=True, exist_ok=True)
            _link_or_copy(source / rel, target / rel)
    except OSError:
        return False
    return True


def _link_or_copy(source: Path, dest: Path) -> None:
    """Hard-link source to dest (as kb.reuse links unchanged pages), or copy it where links
    cannot be made. Nothing here ever writes into a linked file: a part indexed again replaces
    its files with new ones."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def index_site(site: Path, previous: Path | None, part_pages: int,
               pages: Mapping[str, tuple[str, bool]] | None, ready: Sequence[_Service],
               groups: Mapping[str, str] | None = None) -> IndexSummary:
    """build_index, with a failure to write said as SearchIndexFailed in one line."""
    try:
        return build_index(site, previous, part_pages, pages, ready, groups)
    except OSError as exc:
        raise SearchIndexFailed(f"{site}: cannot write the search index "
                                f"({exc.filename or ''}: {exc.strerror})") from None


def main(argv: list[str]) -> int:
    """The indexing process: site, previous site (or ""), pages per part. It starts one
    Pagefind service at once, then reads the site's pages and their groups from standard
    input (JSON: {"pages": ..., "groups": ...}, pages null to read them from the site; see
    IndexingProcess.start); prints a summary."""
    site, previous, part_pages = argv
    ready: list[_Service] = []
    try:
        try:
            ready.append(_Service(pagefind_binary()))  # listed first: closed even if warm fails
            ready[0].warm()
            listed = json.load(sys.stdin)
        except ValueError:  # the build ended without sending them: it failed, or was killed
            print("the build sent no pages to index", file=sys.stderr)
            return 1
        pages = None if listed["pages"] is None else {
            path: (str(h), bool(body)) for path, (h, body) in listed["pages"].items()}
        done = index_site(Path(site), Path(previous) if previous else None, int(part_pages),
                          pages, ready, listed["groups"])
    except SearchIndexFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        for service in ready:
            service.close()
    print(json.dumps({"pages": done.pages, "parts": done.parts, "indexed": done.indexed,
                      "reused": done.reused}))
    return 0


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
