"""The oxigraph store: an embedded on-disk Oxigraph database that mirrors the claims folder.

Queries open it read-only (several may run at once) after the manifest confirms that no claims
file changed; only then, and only once, is it rebuilt: loaded, graphed, bulk-loaded into a new
folder that replaces the old one atomically, with the databases the layer above keeps beside
it (the claim index, kb.claimindex). This module imports pyoxigraph, never rdflib, the loader
or the listings: what a rebuild needs from them comes in as Hooks.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pyoxigraph as ox

from ..atomic import replace_dir
from ..oxterms import from_ox, to_ox
from ..queries import Term, normalised, query_text
from .base import Answer, Bindings, Store, StoreError
from .manifest import (
    CACHE_DIR,
    MANIFEST_NAME,
    NO_STORE,
    Taken,
    build_manifest,
    code_stamp,
    read_manifest,
    settle,
    stale_reason,
    store_dir,
    take,
)

DB_NAME = "store"
Notify = Callable[[str], None]


class Changed(NamedTuple):
    """How a store rebuilt by difference differs from the previous one: the path of the
    previous one's database of that name (Hooks.beside), and the named graphs replaced or
    removed ("" is the default graph)."""

    previous: Path
    graphs: frozenset[str]


class Hooks(NamedTuple):
    """What the layer above hands the store so that it can rebuild itself.

    graph:  claims folder -> (collection, KbGraph, load problems), the graph the store holds.
    beside: database name -> writer(store, path, changed) of a database kept beside the
            store and derived from it (the claim index), opened later with
            OxigraphStore.beside; changed is None when the store was loaded whole.
    """

    graph: Callable[[Path], tuple[Any, Any, list]]
    beside: Mapping[str, Callable[[OxigraphStore, Path, Changed | None], None]]


class OxigraphStore(Store):
    """A read-only view of the on-disk store of one claims folder, opened on first use.

    Opening costs about 10 ms, so kb claims, which reads only the claim index, never opens the
    store itself. A database that cannot be opened is handed to recover (once), which rebuilds
    the folder and returns the new manifest.
    """

    kind = "oxigraph"

    def __init__(self, folder: Path, manifest: dict, name: str = DB_NAME,
                 recover: Callable[[str], dict] | None = None):
        self._folder, self._name, self._recover = folder, name, recover
        self._manifest = manifest
        self._base = manifest["config"]["base"]
        self.triples = manifest.get("triples", 0)
        self.problem_count = manifest.get("problems", 0)
        self._opened: ox.Store | None = None
        self._beside: dict[str, Any] = {}

    @classmethod
    def of(cls, db, base: str) -> OxigraphStore:
        """A view of an already open database (the one a rebuild is filling)."""
        store = cls(Path(), {"config": {"base": base}}, name="")
        store._opened = db
        return store

    def _open(self):
        if self._opened is None:
            try:
                self._opened = ox.Store.read_only(str(self._folder / self._name))
            except (OSError, RuntimeError) as exc:
                self._recovered("the oxigraph store", exc)
                return self._open()
        return self._opened

    def beside(self, name: str, open_: Callable[[Path], Any]) -> Any:
        """A database kept beside this one (Hooks.beside), opened by open_(its path) on first
        use and kept: a process that lists claims again and again (kb serve, a test) opens it
        once. One that cannot be opened (open_ raises OSError or ValueError) is rebuilt with
        this one."""
        if name not in self._beside:
            try:
                self._beside[name] = open_(self._folder / name)
            except (OSError, ValueError) as exc:
                self._recovered(f"the oxigraph store's {name}", exc)
                self._opened = None  # the rebuild replaced this database too
                return self.beside(name, open_)
        return self._beside[name]

    def _recovered(self, what: str, exc: Exception) -> None:
        """Rebuild the folder after one of its databases could not be opened: once, and only
        with a recover hook; else StoreError, saying how to fix it."""
        if self._recover is None:
            raise StoreError(f"{self._folder}: cannot open {what} ({exc}); delete the folder "
                             "and run the command again to rebuild it") from None
        recover, self._recover = self._recover, None
        self._manifest = recover(f"it could not be opened: {exc}")

    @property
    def folder(self) -> Path:
        """The store's folder, which holds its databases."""
        return self._folder

    @property
    def base(self) -> str:
        return self._base

    def query(self, text: str, bindings: Bindings | None = None) -> Answer:
        result = self._run(text, bindings)
        try:  # solutions are computed as they are read: a SERVICE call fails only here
            return answer_from_ox(result)
        except (RuntimeError, OSError) as exc:
            raise StoreError(f"the query failed: {exc}") from None

    def _run(self, text: str, bindings: Bindings | None):
        substitutions = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        try:
            result = self._open().query(text, use_default_graph_as_union=True,
                                        substitutions=substitutions or None)
        except SyntaxError as exc:
            raise StoreError(f"SPARQL syntax error: {exc}") from None
        except (RuntimeError, OSError) as exc:
            if "projection" in str(exc):  # substitutions (SEP-0007) need projected variables
                raise StoreError("the query failed: a bound variable must be in the SELECT "
                                 f"clause ({exc})") from None
            raise StoreError(f"the query failed: {exc}") from None
        return result

    def column(self, name: str, variable: str, bindings: Bindings) -> list[Term | None]:
        # Straight from the solutions: a claims listing reads one long literal a row, and an
        # Answer's per-row bookkeeping cost a fifth of the query.
        result = self._run(query_text(name), bindings)
        i = [v.value for v in result.variables].index(variable)
        return [from_ox(solution[i]) for solution in result]

    def select_values(self, name: str, convert: Callable[[Term], Any],
                      **bindings: Term | None) -> list[dict[str, Any]]:
        # Straight from the solutions, each distinct term converted once: the claim index
        # reads every claim's listing row this way when the store is built, and the Answer,
        # its normalised copy and a dict of terms per row took half of that (100,000
        # claims: 44 s).
        result = self._run(query_text(name), {k: v for k, v in bindings.items()
                                              if v is not None})
        names = [v.value for v in result.variables]
        cache: dict[Any, Any] = {}
        rows = []
        try:  # solutions are computed as they are read, as in query()
            for solution in result:
                row: dict[str, Any] = {}
                for i, variable in enumerate(names):
                    term = solution[i]
                    if term is None:
                        row[variable] = None
                        continue
                    value = cache.get(term, _UNSEEN)
                    if value is _UNSEEN:
                        value = cache[term] = convert(normalised(from_ox(term)))
                    row[variable] = value
                rows.append(row)
        except (RuntimeError, OSError) as exc:
            raise StoreError(f"the query failed: {exc}") from None
        return rows

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._open().named_graphs() if isinstance(g, ox.NamedNode))

    def graph_ntriples(self, name: str) -> bytes:
        return self._open().dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))

    def close(self) -> None:
        self._opened = None


_UNSEEN = object()


def answer_from_ox(result) -> Answer:
    """A pyoxigraph query result as an Answer."""
    if isinstance(result, ox.QueryBoolean):
        return Answer("ask", boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        return Answer("construct", triples=[(from_ox(t.subject), from_ox(t.predicate),
                                             from_ox(t.object)) for t in result])
    names = tuple(v.value for v in result.variables)
    cache: dict = {}

    def convert(term):
        # Answers repeat the same IRIs and literals over and over; convert each once.
        if term is None:
            return None
        hit = cache.get(term)
        if hit is None:
            hit = cache[term] = from_ox(term)
        return hit

    width = range(len(names))
    return Answer("select", names, [tuple(convert(row[i]) for i in width) for row in result])


# -- keeping the store up to date -----------------------------------------------------------------


def open_fresh(claims_dir: Path, hooks: Hooks, notify: Notify | None = None) -> OxigraphStore:
    """Open the store of a claims folder, rebuilding it first if a claims file changed."""
    manifest = read_manifest(claims_dir)
    if not claims_dir.is_dir():
        if manifest is None:
            raise StoreError(f"{claims_dir}: claims folder not found; pass --claims DIR")
        return OxigraphStore(store_dir(claims_dir), manifest)  # all there is: answer from it
    reason = stale_reason(claims_dir, manifest)
    if manifest is None or reason is not None:
        manifest = rebuild(claims_dir, reason or NO_STORE, hooks, notify=notify)
        return OxigraphStore(store_dir(claims_dir), manifest)
    # A damaged store (a disk error, a killed copy) is a cache: build it again, once.
    recover = _once(lambda why: rebuild(claims_dir, why, hooks, notify=notify, force=True))
    return OxigraphStore(store_dir(claims_dir), manifest, recover=recover)


def _once(func: Callable[[str], dict]) -> Callable[[str], dict]:
    """func, called at most once however many databases (store, claim index) share it."""
    results: list[dict] = []

    def call(why: str) -> dict:
        if not results:
            results.append(func(why))
        return results[0]

    return call


def rebuild(claims_dir: Path, reason: str, hooks: Hooks, graph=None,
            config: dict | None = None, notify: Notify | None = None, force: bool = False,
            nquads: Path | None = None, taken: Taken | None = None,
            graphs: Mapping[str, list] | None = None,
            prepared: Mapping[str, Path] | None = None) -> dict:
    """Build the store anew from the claims folder (through hooks.graph), from a KbGraph built
    from it, or from its N-Quads export (with config, and taken: the files as they were when
    the export's build loaded them); its manifest.

    With the export comes graphs, where each named graph is in it (kb.export.write_nquads):
    the store is then a copy of the previous one with only the graphs whose hash changed
    replaced, if the previous one recorded its graphs' hashes; else it is loaded whole.
    prepared: files the build already made from the same quads, by the name of the hook that
    writes them beside the store; each is taken as that hook's previous file with no graph
    changed when the store is loaded whole."""
    with _lock(claims_dir):
        # Another process may have rebuilt it while this one waited for the lock.
        manifest = read_manifest(claims_dir)
        if not force and manifest is not None and stale_reason(claims_dir, manifest) is None:
            return manifest
        if notify:
            notify(f"updating the oxigraph store ({reason})")
        problem_count = 0
        if graph is None and nquads is None:
            # Hashed before loading and settled after: the manifest names what was loaded,
            # and a file edited meanwhile leaves the store stale, so it is picked up next time.
            before = take(claims_dir)
            collection, graph, problems = hooks.graph(claims_dir)
            taken = settle(claims_dir, before)
            config = config_settings(collection.config)
            problem_count = len(problems)
        elif taken is None:
            taken = take(claims_dir)
        if config is None:
            raise ValueError("rebuild: a graph or N-Quads export needs its config")
        with replace_dir(store_dir(claims_dir)) as staging:
            updated = None
            if nquads is not None and graphs is not None and not force:
                updated = _by_difference(claims_dir, manifest, config, graphs, nquads,
                                         staging / DB_NAME)
            replaced: frozenset[str] | None = None
            if updated is not None:
                db, triples, replaced = updated
            else:
                shutil.rmtree(staging / DB_NAME, ignore_errors=True)  # a copy given up on
                db = ox.Store(str(staging / DB_NAME))
                if nquads is not None:
                    # lenient: the export is the build's own, written by pyoxigraph from a
                    # graph whose IRIs and literals were checked as it was made. Skipping the
                    # parser's checks: 6.5 and 6.8 s of CPU against 7.0 and 7.0 s at 10,000
                    # claims (769k quads; in memory 1.7 against 2.1 s).
                    db.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS, lenient=True)
                else:
                    db.bulk_extend(graph.quads)
                db.flush()
                triples = len(db)
            if graphs is not None:
                (staging / GRAPHS_NAME).write_text(json.dumps(
                    {name: part[:2] for name, part in sorted(graphs.items())}), "utf-8")
            built = OxigraphStore.of(db, config["base"])
            for name, write in hooks.beside.items():
                if replaced is not None:
                    write(built, staging / name, Changed(store_dir(claims_dir) / name, replaced))
                elif prepared and name in prepared:
                    write(built, staging / name, Changed(prepared[name], frozenset()))
                else:
                    write(built, staging / name, None)
            del db
            manifest = build_manifest(taken, config, triples)
            manifest["problems"] = problem_count
            (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1), "utf-8")
        return manifest


# Beside the manifest (which every query reads, so it stays small): each named graph's
# [sha256, quad count] in the N-Quads the store was loaded from (kb.export.write_nquads).
GRAPHS_NAME = "graphs.json"
# Above this share of the quads changed, loading the export whole is quicker than a difference.
MOST = 0.5


def _by_difference(claims_dir: Path, manifest: dict | None, config: dict,
                   graphs: Mapping[str, list], nquads: Path, target: Path
                   ) -> tuple[ox.Store, int, frozenset[str]] | None:
    """The previous store copied to target with the graphs that changed replaced from the
    export, its quad count and the graphs replaced or removed; None if it cannot be (then the
    export is loaded whole).

    Only a store the same kb built with the same settings qualifies, and only one that recorded
    its graphs: the copy then differs from a whole load in no quad (tests/test_store.py)."""
    old = store_dir(claims_dir)
    if manifest is None or manifest.get("code") != code_stamp() or \
            manifest.get("config") != config:
        return None
    try:
        known = json.loads((old / GRAPHS_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(known, dict) or not all(
            isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and type(v[1]) is int
            for v in known.values()) or sum(v[1] for v in known.values()) != \
            manifest.get("triples"):
        return None
    changed = sorted(name for name, part in graphs.items()
                     if name not in known or known[name][0] != part[0])
    gone = sorted(known.keys() - graphs.keys())
    total = sum(part[1] for part in graphs.values())
    if sum(graphs[name][1] for name in changed) > MOST * total:
        return None
    with nquads.open("rb") as fh:
        data = b"".join(_read_at(fh, offset, length)
                        for name in changed for offset, length in graphs[name][2])
    db = None
    try:
        linked_copy(old / DB_NAME, target)
        db = ox.Store(str(target))
        for name in (*gone, *changed):
            if name in known:
                db.remove_graph(ox.NamedNode(name) if name else ox.DefaultGraph())
        if data:
            db.load(input=data, format=ox.RdfFormat.N_QUADS, lenient=True)  # as in rebuild
        db.flush()
    except (OSError, RuntimeError, SyntaxError, ValueError):
        # A damaged previous store, say: the caller loads the export whole instead.
        del db
        return None
    return db, total, frozenset((*gone, *changed))


def _read_at(fh, offset: int, length: int) -> bytes:
    fh.seek(offset)
    data = fh.read(length)
    if len(data) != length:
        raise OSError(f"{fh.name}: the N-Quads export ends before byte {offset + length}")
    return data


def linked_copy(source: Path, target: Path) -> None:
    """A copy of a closed RocksDB database: its table files, which RocksDB never changes once
    written (it writes new ones and deletes the old), hard-linked; the rest copied. This is
    what a RocksDB checkpoint does; the copy is then opened and written on its own."""
    target.mkdir()
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.name == "LOCK" or entry.name.startswith("LOG"):
                continue  # made anew on opening: the lock and the informational log
            if not entry.is_file(follow_symlinks=False):
                raise OSError(f"{entry.path}: not a file of a RocksDB database")
            if entry.name.endswith((".sst", ".blob")):
                try:
                    os.link(entry.path, target / entry.name)
                    continue
                except OSError:  # another file system, or links not allowed: copy it
                    pass
            shutil.copy2(entry.path, target / entry.name)


def config_settings(config) -> dict:
    """The collection settings a store remembers (so queries need not parse collection.yaml)."""
    return {"store": config.store, "endpoint": config.endpoint, "base": config.base}


@contextmanager
def _lock(claims_dir: Path):
    """One rebuild at a time per claims folder."""
    folder = claims_dir / CACHE_DIR
    folder.mkdir(exist_ok=True)
    with (folder / "lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
