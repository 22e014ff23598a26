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
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import KbError

T = TypeVar("T")
R = TypeVar("R")

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


def map_chunks(func: Callable[[Sequence[T]], R], items: Sequence[T]) -> list[R]:
    """func over items split into one chunk per worker; the results in chunk order.

    The first chunk runs in this process, the others in forked children. An exception in a
    child is raised here as WorkerFailed with the child's message.
    """
    n = min(workers(), max(1, len(items) // MIN_PARALLEL))
    if n == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [func(items)]
    chunks = [items[i::n] for i in range(n)]
    ctx = multiprocessing.get_context("fork")
    children = []
    for chunk in chunks[1:]:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(func, chunk, send), daemon=True)
        proc.start()
        send.close()
        children.append((proc, receive))
    try:
        results = [func(chunks[0])]
        for proc, receive in children:
            try:
                ok, value = pickle.loads(receive.recv_bytes())
            except EOFError:
                proc.join()
                raise WorkerFailed(f"a worker process died (exit {proc.exitcode})") from None
            proc.join()
            if not ok:
                raise WorkerFailed(value)
            results.append(value)
        return results
    finally:
        for proc, receive in children:
            receive.close()
            if proc.is_alive():
                proc.kill()
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


def _child(func: Callable[[Any], Any], chunk: Any, send) -> None:
    die_with_parent()
    # What the child inherited lives as long as it does: keep it out of the collector's scans.
    gc.freeze()
    try:
        payload = (True, func(chunk))
    except BaseException as exc:  # reported to the parent, which raises it
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        payload = (False, detail)
    send.send_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    send.close()
    os._exit(0)  # skip atexit handlers and buffers inherited from the parent


def start_forked(func: Callable[[], R]) -> Callable[[], R]:
    """Start func() in a forked child now; the returned wait() gives its result (or raises).

    Without fork (or with KB_JOBS=1), func runs at once, here, and wait() reports it the same
    way: its result, or WorkerFailed with its message.
    """
    if workers() == 1 or "fork" not in multiprocessing.get_all_start_methods():
        try:
            outcome: tuple[bool, Any] = (True, func())
        except Exception as exc:  # reported by wait(), as a child's would be
            outcome = (False, traceback.format_exception_only(type(exc), exc)[-1].strip())

        def wait_inline() -> R:
            ok, value = outcome
            if not ok:
                raise WorkerFailed(value)
            return value

        return wait_inline
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(lambda _: func(), None, send), daemon=True)
    proc.start()
    send.close()
    done: list[tuple[bool, Any]] = []

    def wait() -> R:
        if not done:  # the first call collects the child; later calls repeat its outcome
            try:
                done.append(pickle.loads(receive.recv_bytes()))
            except EOFError:
                done.append((False, f"a worker process died (exit {proc.exitcode})"))
            finally:
                receive.close()
                proc.join()
        ok, value = done[0]
        if not ok:
            raise WorkerFailed(value)
        return value

    return wait
