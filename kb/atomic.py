"""Atomic writes: a reader sees the old file or folder or the new one, never half of either."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TypeVar

from .errors import KbError, display_path
from .safefile import relative_name_problem

T = TypeVar("T")


def write_file(path: Path, data: str | bytes) -> None:
    """Write a file through a temporary sibling and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_new(path: str, data: bytes) -> None:
    """Write data as the whole of the file at path (made, or emptied first) in a folder no
    reader sees yet, such as a build's staging folder: straight through the system calls.

    A site's pages and cards are written once each, whole; Path.write_bytes makes a buffered
    file object for each, and its fstat, ioctl and bookkeeping cost 13 µs of the 15 µs of
    Python's CPU a file takes (540,000 files at 100,000 claims). Its folder is made if it
    is missing (_in_folder)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
    fd = _in_folder(path, lambda: os.open(path, flags, 0o666))
    try:
        view = memoryview(data)
        while view:  # a write may take fewer bytes than it is given
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def link_new(source: str, path: str) -> None:
    """Hard-link source (not followed if a symlink) to path, in a folder no reader sees yet, as
    write_new writes one; its folder is made if it is missing (_in_folder)."""
    _in_folder(path, lambda: os.link(source, path, follow_symlinks=False))


def _in_folder(path: str, make: Callable[[], T]) -> T:
    """make() the file at path, and again once its folder is made if the system says that is
    missing: most of a staged site's folders are there already (take_spare), and asking for
    each first cost a system call a file (a rebuild of 10,000 claims links 54,000)."""
    try:
        return make()
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return make()


@contextmanager
def replace_dir(target: Path, delete_later: bool = False, spare: bool = False
                ) -> Iterator[Path]:
    """Yield an empty staging folder; on success it replaces target, on failure it is discarded.

    The previous folder stays in place until the new one is complete, so an interrupted or
    failed build leaves the last good site untouched. delete_later: the replaced folder is
    deleted by a detached process (see discard), so that the caller need not wait for it.
    spare: its files are deleted but its folders kept, as the spare the next caller may start
    from (take_spare).
    """
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    staging.chmod(0o755)
    swap_in(staging, target, delete_later, spare_path(target) if spare else None)


def swap_in(staging: Path, target: Path, delete_later: bool = False,
            spare: Path | None = None) -> None:
    """Put the folder staging in target's place, so that target never stops existing.

    On Linux one renameat2(RENAME_EXCHANGE) swaps the two folders atomically, and the old one
    is then deleted under the staging name (a kill before that leaves it to _clean_leftovers).
    Elsewhere, or on a file system without it, two renames: target aside, staging in; a kill
    between them leaves no target for a moment, and _clean_leftovers puts the old one back.
    """
    if target.exists() and exchange(staging, target):
        discard(staging, delete_later, spare)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    discard(old, delete_later, spare)


def make_folders(root: Path, rels: Iterable[str]) -> None:
    """Make each folder rel (a relative path) under root, with its parents."""
    for rel in rels:
        os.makedirs(root / rel, exist_ok=True)


def remove_empty(root: Path, rels: Iterable[str]) -> None:
    """Remove each folder rel under root that is empty, children before parents (one that
    holds anything stays)."""
    for rel in sorted(rels, reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(root / rel)


def discard(folder: Path, later: bool = False, spare: Path | None = None) -> None:
    """Delete a folder no reader uses any more; later: in a detached process, not waited for.
    spare: keep its folders there instead, emptied of files (retire).

    Deleting a site is one system call per file and folder, slow on a journalled file system
    (a tenth of a 10,000-claim rebuild's time on the development machine, docs/benchmarks.md).
    The folder keeps a leftover's name meanwhile, so a build that starts before the deletion
    ends removes the rest itself (_clean_leftovers). Without fork, it is deleted here and now.
    """
    def delete() -> None:
        if spare is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            retire(folder, spare)

    if not later or not hasattr(os, "fork"):
        delete()
        return
    try:
        pid = os.fork()
    except OSError:  # no memory or no process left for it: delete it here
        delete()
        return
    if pid == 0:
        # The child forks the deleter and leaves at once: the deleter is then nobody's child to
        # wait for, and its own session keeps it out of the caller's terminal and signals.
        try:
            if os.fork() == 0:
                os.setsid()
                delete()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


# A spare's list of its folders, written last: a folder without it is no spare (see retire).
SPARE_LIST = ".kb-spare-folders.json"


def spare_path(target: Path) -> Path:
    """Where the folders of the folder target replaced wait for the next build (a sibling)."""
    return target.parent / f".{target.name}.spare"


def retire(folder: Path, spare: Path) -> None:
    """Delete every file under folder but keep its folders, list them in it, and rename it to
    spare; delete it whole if that fails (a spare is there already, or it was removed).

    A folder is an inode the file system must allocate: making a 10,000-claim site's 24,000
    folders again cost 2.4 s of CPU on the development machine, 100 µs each, and deleting them
    as much again, where deleting a file or linking one costs 10 to 20 µs (docs/benchmarks.md)."""
    folders: list[str] = []
    stack = [("", os.fspath(folder))]
    try:
        while stack:
            prefix, path = stack.pop()
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(prefix + entry.name)
                        stack.append((prefix + entry.name + "/", entry.path))
                    else:
                        os.unlink(entry.path)
        (folder / SPARE_LIST).write_text(json.dumps(folders), encoding="utf-8")
        os.rename(folder, spare)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def take_spare(target: Path, staging: Path) -> set[str]:
    """Make the spare a retire left beside target the staging folder (empty, as replace_dir
    made it); the folders it holds, none if there was no whole spare of this user's."""
    spare = spare_path(target)
    try:
        # A build writes into the spare's folders: another user's is left alone, unused.
        if hasattr(os, "geteuid") and spare.lstat().st_uid != os.geteuid():
            return set()
        os.rename(spare, staging)  # onto the empty folder: one step
    except OSError:
        return set()
    try:
        folders = json.loads((staging / SPARE_LIST).read_bytes())
        os.unlink(staging / SPARE_LIST)
        if not isinstance(folders, list) or not all(
                isinstance(f, str) and relative_name_problem(f) is None for f in folders):
            raise ValueError("not a list of folders inside it")
    except (OSError, ValueError):  # cut short by a build's _clean_leftovers: start afresh
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        return set()
    staging.chmod(0o700)  # as mkdtemp made it: no reader's until the swap
    return set(folders)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step; False where the system or file system cannot."""
    func = _renameat2()
    if func is None:
        return False
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes
    import errno

    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # not here: rename instead
        return False
    raise OSError(err, os.strerror(err), os.fspath(b))


@cache
def _renameat2():
    """glibc's renameat2 (2.28 and later), or None."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                     ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


class Busy(KbError):
    """Another process holds the lock of a folder that this one would replace."""


@contextmanager
def exclusive(target: Path, command: str) -> Iterator[None]:
    """Hold the lock of target (a hidden file beside it, removed after) while command writes
    it, or raise Busy at once: two builds into one folder would delete each other's staging
    folders."""
    import errno
    import fcntl

    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.parent / f".{target.name}.lock"
    while True:
        fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115  (closed below)
        try:
            # A POSIX record lock, not flock: the build's forked workers do not inherit it, so
            # it ends with the build itself, even when a kill leaves a worker alive a moment.
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                fh.close()
                raise
            fh.seek(0)
            pid = fh.read().strip()
            fh.close()
            who = f"another {command} (process {pid})" if pid.isdigit() else f"another {command}"
            raise Busy(f"{display_path(str(target))}: {who} is writing it now; wait for it to "
                       f"finish, then run {command} again") from None
        # The holder before us removes the file as it finishes: a lock on a removed file
        # excludes nobody, so lock the file that is there now.
        try:
            same = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        fh.close()
    try:
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        Path(path).unlink(missing_ok=True)
        fh.close()


def _clean_leftovers(target: Path) -> None:
    """Remove staging folders of builds that were killed, and restore a site a kill left aside."""
    for leftover in target.parent.glob(f".{target.name}.staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    olds = sorted(target.parent.glob(f".{target.name}.old-*"))
    if olds and not target.exists():
        os.rename(olds.pop(), target)
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)
