"""Each source's named graph, kept by what it was made from in the claims folder's .kb/graphs/.

A source's named graph holds the quads of its source, claims, relations and ignored mentions,
and nothing else; they depend on the folder's files (its key, kb.sourcecache.folder_key), the
collection's base and site URL, which of the ids its relations name are claims or evidence,
and the graph's code. Making them was most of the graph stage (2.3 s at 10,000 claims), which
a rebuild after a one-line edit waits for; a kept graph is spliced into the table instead
(docs/benchmarks.md).

An entry holds the graph's distinct terms and its quads as numbers into them, pickled and
signed like the loaded folders' (kb.sourcecache.PickledFolder): unpickled only once its
signature holds under this user's key and its key matches. A miss is never an error, a failed
write only loses the entry, and a build that wrote entries deletes those of sources it did not
meet.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from array import array
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from .layout import CACHE_DIR
from .limits import MAX_FILE_BYTES
from .parsecache import code_stamp
from .sourcecache import PickledFolder

FORMAT = 1  # of an entry: raise it when the encoding changes
GRAPHS_DIR = "graphs"  # then a folder named by graph_stamp(), then the entries
# The modules whose code decides a source's quads.
_GRAPH_MODULES = ("graph.py", "graphcache.py", "iris.py", "vocab.py", "oxterms.py",
                  "queries/__init__.py", "terms.py", "verdicts.py", "tiers.py", "expr.py",
                  "model.py", "findings.py")
# A graph pickled takes a few times its folder's bytes, which are at most a few files'.
MAX_ENTRY_BYTES = 256 * MAX_FILE_BYTES


class Block(NamedTuple):
    """A named graph's quads: its distinct terms (as kb.oxterms.QuadTable.key gives them: an
    IRI as its text), and each quad's as numbers into them."""

    terms: list[Any]
    s: array
    p: array
    o: array


def graph_stamp() -> str | None:
    """A short hash of the code that makes a source's quads; None if unreadable."""
    return code_stamp(f"{FORMAT} {ox.__version__} {pickle.HIGHEST_PROTOCOL}", _GRAPH_MODULES)


def block_key(folder: str, context: object) -> str:
    """The key of a source's graph: its folder's key and what else its quads depend on
    (context: JSON data, such as the base IRI and its relations' references)."""
    return hashlib.sha256(json.dumps([folder, context]).encode()).hexdigest()


class GraphCache(PickledFolder):
    """The sources' graphs kept for one claims folder, for one build of the graph."""

    def __init__(self, claims_dir: Path):
        super().__init__(claims_dir / CACHE_DIR / GRAPHS_DIR, graph_stamp, MAX_ENTRY_BYTES)

    def lookup(self, source: str, key: str) -> Block | None:
        """The graph kept for a source under key, or None."""
        got = self.get(source)
        if got is None or got[0] != key.encode():
            return None
        kept = self.unpickle(got[1])
        return None if kept is None else Block(kept[0], *(array("I", c) for c in kept[1:]))

    def store(self, source: str, key: str, block: Block) -> None:
        """Keep a source's graph under key; a failure only loses the entry."""
        self.put(source, key.encode(), (block.terms, block.s.tobytes(), block.p.tobytes(),
                                         block.o.tobytes()))
