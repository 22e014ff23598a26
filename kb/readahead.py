"""Reading ahead: the kernel is asked for the files of the next items while this one is
worked on, so that a pass over many files written a while ago does not wait for the disk at
each of them.

A site of 100,000 claims is 12 GB, written minutes before the site check reads it back; by
then the machine has let many of its pages go from memory. Read one at a time, each waited
for the disk: checking 12,000 pages of a 10,000-claim site whose files were out of memory
took 17.2 s against 12.6 s with them in memory, and 12.9 s with this (docs/benchmarks.md).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType

# How many items ahead of the one worked on their files are asked for: enough to keep the
# disk busy, few enough that what is read stays in memory until it is used (a claim page and
# its card are about 40 KB). They are asked for in batches of half as many: waking the
# thread for each item cost more than the reading saved (10,000 pages in memory: 14.4 s
# against 12.6 s).
WINDOW = 128
BATCH = WINDOW // 2
# A pass over fewer items reads them as it goes (a rebuild checks a few dozen pages).
MIN_ITEMS = 2 * WINDOW


def will_need(path: str) -> None:
    """Ask the kernel to read a file into memory, without waiting for it (nothing if the file
    cannot be opened: its reader reports that)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass
    finally:
        os.close(fd)


class ReadAhead:
    """Asks for the files of the items after the current one, up to WINDOW items ahead, in a
    thread of its own (its system calls let the worker's thread run). Use as a context
    manager and call next() as each item is started; a no-op for a short pass, or where the
    system has no posix_fadvise."""

    def __init__(self, items: Sequence[str], files: Callable[[str], Iterable[str]]):
        self._items, self._files = items, files
        self._batches = threading.Semaphore(WINDOW // BATCH)
        self._started = 0
        self._stopped = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ReadAhead:
        if len(self._items) >= MIN_ITEMS and hasattr(os, "posix_fadvise"):
            self._thread = threading.Thread(target=self._run, name="kb-read-ahead",
                                            daemon=True)
            self._thread.start()
        return self

    def next(self) -> None:
        """One more item started: after a batch of them, the thread asks for another."""
        self._started += 1
        if self._thread is not None and self._started % BATCH == 0:
            self._batches.release()

    def _run(self) -> None:
        for start in range(0, len(self._items), BATCH):
            self._batches.acquire()
            if self._stopped:
                return
            for item in self._items[start:start + BATCH]:
                for path in self._files(item):
                    will_need(path)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._stopped = True
            self._batches.release()  # a thread waiting for a batch sees it is stopped
            self._thread.join()
