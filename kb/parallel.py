"""Run a pure function over many items on every core, in forked worker processes.

Rendering and checking pages is CPU-bound Python, so threads would share one core. Forked
workers inherit the already built views (copy-on-write) instead of pickling them; only each
chunk's results travel back, pickled through a pipe. A worker must not open an Oxigraph
store: RocksDB deadlocks in a child forked after the parent has used it (parsing with
pyoxigraph is fine).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any, TypeVar

from .errors import KbError

T = TypeVar("T")
R = TypeVar("R")

Outcome = tuple[bool, Any]  # (True, result) or (False, the error in one line)
# Below this many items, forking costs more than it saves.
MIN_PARALLEL = 64


class WorkerFailed(KbError):
    """A worker process raised or died; its message says what happened."""


def workers() -> int:
    """How many processes to use: KB_JOBS if set, else one per core available to us."""
    if raw := os.environ.get("KB_JOBS"):
        return max(1, int(raw)) if raw.isdigit() else 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


def forked_workers() -> int:
    """How many processes map_chunks may use: workers(), or 1 where none can be forked."""
    return workers() if _can_fork() else 1


def map_chunks(func: Callable[[Sequence[T]], R], items: Sequence[T]) -> list[R]:
    """func over items split into one chunk per worker; the results in chunk order.

    The first chunk runs in this process (in_own_arena), the others in forked children. An
    exception in a child is raised here as WorkerFailed with the child's message.
    """
    n = min(forked_workers(), max(1, len(items) // MIN_PARALLEL))
    if n == 1:
        return [func(items)]
    chunks = [items[i::n] for i in range(n)]
    children = [_spawn(func, chunk) for chunk in chunks[1:]]
    try:
        return [in_own_arena(func, chunks[0]),
                *(_report(_collect(*child)) for child in children)]
    finally:
        for proc, receive in children:
            receive.close()
            if proc.is_alive():
                proc.kill()
                proc.join()


def start_forked(func: Callable[[], R]) -> Callable[[], R]:
    """Start func() in a forked child now; the returned wait() gives its result (or raises).

    Without fork (or with KB_JOBS=1), func runs at once, here, and wait() reports it the same
    way: its result, or WorkerFailed with its message.
    """
    def call(_: None) -> R:
        return func()

    if forked_workers() == 1:
        outcome = _outcome(call, None, Exception)
        return lambda: _report(outcome)
    child = _spawn(call, None)
    done: list[Outcome] = []

    def wait() -> R:
        if not done:  # the first call collects the child; later calls repeat its outcome
            done.append(_collect(*child))
        return _report(done[0])

    return wait


def in_own_arena(func: Callable[[T], R], arg: T) -> R:
    """func(arg), run in a new thread while this one waits: its result, or its exception.

    glibc's malloc gives each thread an arena of its own. The main thread's arena, which
    loading a large collection leaves in millions of scattered pieces, makes every later
    allocation there slow: parsing one claim page with lxml took 0.24 ms after loading 10,000
    claims and 0.74 to 0.95 ms after loading 100,000, against 0.25 ms in a thread of the same
    process (docs/benchmarks.md). The page workers and every forked child do their work so.
    """
    done: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            done.append((True, func(arg)))
        except BaseException as exc:  # raised again in the calling thread
            done.append((False, exc))

    # A daemon: a Ctrl-C that ends the waiting thread must not wait for this one.
    worker = threading.Thread(target=run, name="kb-work", daemon=True)
    try:
        worker.start()
    except RuntimeError:  # no thread to be had: the same work, in this arena
        return func(arg)
    worker.join()
    ok, value = done[0]
    if not ok:
        raise value
    return value


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _outcome(func: Callable[[Any], Any], arg: Any, catch: type[BaseException]) -> Outcome:
    try:
        return True, func(arg)
    except catch as exc:
        return False, traceback.format_exception_only(type(exc), exc)[-1].strip()


def _report(outcome: Outcome) -> Any:
    ok, value = outcome
    if not ok:
        raise WorkerFailed(value)
    return value


def _spawn(func: Callable[[Any], Any], arg: Any) -> tuple[Any, Any]:
    """A forked child running func(arg), and the end of the pipe its outcome comes back on."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(func, arg, send), daemon=True)
    proc.start()
    send.close()
    return proc, receive


def _collect(proc, receive) -> Outcome:
    """Wait for a child's outcome (a child that died without one is a failure)."""
    try:
        return pickle.loads(receive.recv_bytes())
    except EOFError:
        proc.join()
        return False, f"a worker process died (exit {proc.exitcode})"
    finally:
        receive.close()
        proc.join()


def _load_prctl():
    # Resolved here, in the parent: a Popen preexec_fn runs between fork and exec, where
    # loading a library could wait forever on a lock another thread held at the fork.
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover (not Linux)
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux; elsewhere a no-op).

    A build killed with SIGKILL must not leave workers writing into its staging folder.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


# The processes a build starts to work beside its site check (the search index, the store's
# update) yield the cores to it: the check decides whether the build is published at all, so
# its answer should come first (and a failing check stops the build sooner); they take the
# cores once it is done. At 100,000 claims the store's update at the same priority took a
# core's share from the check for most of its 276 s, and the check's time per claim grew
# 1.64x from 1,000 claims, where the store's update is small. Niceness alone still left them
# a seventh of the cores (the weight of three niced processes against two workers'): the
# check's time per claim grew 1.87x while its own work per page grew 1.15x. Linux's
# SCHED_IDLE runs them only on a core the check leaves idle.
BEHIND_THE_CHECK = 10  # their niceness, where SCHED_IDLE is not to be had

# A collection of at most this many claims does that work (its search index, its store's
# update) in threads of the build's own process instead: a process of its own spent about
# 0.1 s of CPU starting (its imports), as much as the work itself. kb build with the index in
# a thread against a process (farm-bench): the seed 0.96x of the wall time, 300 claims 0.97x,
# 1,000 claims 1.04x (the parts' Python then competes with the site check's); the store in a
# thread: the seed 1.01x, 300 claims 1.02x.
THREAD_CLAIMS = 300


def behind_the_check() -> None:
    """For a process started beside the site check (a preexec_fn): it dies with its parent
    and yields the cores to the check."""
    die_with_parent()
    os.nice(BEHIND_THE_CHECK)
    with suppress(AttributeError, OSError):  # not Linux
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _child(func: Callable[[Any], Any], arg: Any, send) -> None:
    die_with_parent()
    # What the child inherited lives as long as it does: keep it out of the collector's scans.
    gc.freeze()
    # Everything, SystemExit included, is reported to the parent, which raises it.
    payload = in_own_arena(lambda a: _outcome(func, a, BaseException), arg)
    send.send_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    send.close()
    os._exit(0)  # skip atexit handlers and buffers inherited from the parent
