"""The cyclic garbage collector, paused while a block builds many objects without cycles.

A module of its own, importing no other: the claim index uses it, and `kb claims` imports the
claim index on every query; taking this from kb.parallel (multiprocessing, ctypes) cost a cold
query 20 ms more.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block builds many objects without cycles.

    Each full pass revisits every object alive, so a block that builds millions of them pays
    again and again for no memory freed: a quarter of the load's time at 10,000 claims, a
    tenth of the claim index's at 100,000 (docs/benchmarks.md). What the block drops is still
    freed at once by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block builds objects that live until the
    process ends (the model, graph and views), then freeze them out of its later scans.

    One pass at the end (0.04 s after loading 10,000 claims) still frees any cycle the block
    left, so no garbage is frozen. A child forked inside the block inherits the pause, which
    suits the consistency checks' child too.
    """
    with collector_paused():
        yield
        gc.collect(0)  # only what the block made: the collector was off, so it is all young
        gc.freeze()
