"""The shapes' results kept in the claims folder's .kb/shapes/, per (shape, focus node), with
the nodes each read and the keys of the named graphs those were described in (kb.shacl.Kept).

Checking the 79,000 (shape, focus node) pairs of 10,000 claims took three quarters of the
shapes' CPU, which every rebuild spent again for a one-line edit; a pair whose nodes are still
described in the same named graphs, under the same keys, gives the results it gave
(docs/benchmarks.md). The entry is pickled and signed like the sources' graphs
(kb.sourcecache.PickledFolder), named by a hash of the shapes and of the code that checks
them: a change to either meets no old entry. A miss is never an error, and a failed write only
loses the entry.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pyoxigraph as ox

from .graphcache import graph_stamp
from .layout import CACHE_DIR
from .limits import MAX_FILE_BYTES
from .parsecache import code_stamp
from .shacl import Kept
from .sourcecache import PickledFolder

FORMAT = 1  # of the entry: raise it when its encoding changes
SHAPES_DIR = "shapes"  # then a folder named by shapes_stamp(), then the entry
ENTRY = "results"
# The shapes and the code that checks them. A named graph's key names its content only with
# the code that makes its quads (kb.graphcache names its folder by that code, not each key):
# the stamp covers that code too, so a graph made otherwise under the same key meets no entry.
_MODULES = ("data/shapes.ttl", "shacl.py", "shapecache.py", "oxterms.py")
# The entry of 100,000 claims is about 80 MB (each pair's focus node and the nodes it read).
MAX_ENTRY_BYTES = 64 * MAX_FILE_BYTES


def shapes_stamp() -> str | None:
    """A short hash of the shapes, of the code that checks them and of the code that makes the
    graphs' quads; None if one is unreadable."""
    graphs = graph_stamp()
    if graphs is None:
        return None
    return code_stamp(f"{FORMAT} {ox.__version__} {pickle.HIGHEST_PROTOCOL} {graphs}", _MODULES)


class ShapeCache(PickledFolder):
    """The shapes' results kept for one claims folder."""

    def __init__(self, claims_dir: Path):
        super().__init__(claims_dir / CACHE_DIR / SHAPES_DIR, shapes_stamp, MAX_ENTRY_BYTES)

    def load(self) -> Kept:
        """The results kept, or none."""
        got = self.get(ENTRY)
        return Kept(None if got is None else self.unpickle(got[1]))

    def save(self, kept: Kept) -> None:
        """Keep this validation's results in place of the ones there were, if worth it
        (Kept.worth_keeping), and delete the entries of other shapes or code."""
        if kept.worth_keeping():
            self.put(ENTRY, b"", kept.kept())
            self.prune()
