"""Stage timings of one process: wall time and peak memory after each pipeline stage.

`kb build --timings FILE` writes them; the benchmark reads them. Recording costs a clock read
and a getrusage call per stage, so it is always on.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

_STAGES: list[dict] = []


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time a block as one stage (a stage run twice adds up under one name)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        entry = next((e for e in _STAGES if e["name"] == name), None)
        if entry is None:
            entry = {"name": name, "seconds": 0.0}
            _STAGES.append(entry)
        entry["seconds"] += time.perf_counter() - start
        entry["peak_rss_mb"] = peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def reset() -> None:
    """Forget the stages timed so far (a new command starts)."""
    _STAGES.clear()


def stages() -> list[dict]:
    """The stages timed so far in this process, in the order they first ran."""
    return [dict(e) for e in _STAGES]
