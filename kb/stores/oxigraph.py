"""The oxigraph store: an embedded on-disk Oxigraph database that mirrors the claims folder.

Queries open it read-only (several may run at once) after the manifest confirms that no claims
file changed; only then, and only once, is it rebuilt: loaded, graphed, bulk-loaded into a new
folder that replaces the old one atomically. This module imports pyoxigraph, never rdflib: the
rebuild path imports the loader and rdflib lazily.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from ..queries import RDF_LANG_STRING, XSD, Blank, Iri, Lit, Term
from . import Answer, Bindings, Store, StoreError
from .manifest import (
    CACHE_DIR,
    MANIFEST_NAME,
    build_manifest,
    read_manifest,
    snapshot,
    stale_reason,
    store_dir,
)

DB_NAME = "store"
Notify = Callable[[str], None]


class OxigraphStore(Store):
    """A read-only view of the on-disk store of one claims folder."""

    kind = "oxigraph"

    def __init__(self, folder: Path, manifest: dict):
        try:
            self._db = ox.Store.read_only(str(folder / DB_NAME))
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"{folder}: cannot open the oxigraph store ({exc}); delete the "
                             "folder and run the command again to rebuild it") from None
        self._base = manifest["config"]["base"]
        self.triples = manifest.get("triples", 0)
        self.problem_count = manifest.get("problems", 0)

    @property
    def base(self) -> str:
        return self._base

    def query(self, text: str, bindings: Bindings | None = None) -> Answer:
        substitutions = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        try:
            result = self._db.query(text, use_default_graph_as_union=True,
                                    substitutions=substitutions or None)
        except SyntaxError as exc:
            raise StoreError(f"SPARQL syntax error: {exc}") from None
        except (RuntimeError, OSError) as exc:
            if "projection" in str(exc):  # substitutions (SEP-0007) need projected variables
                raise StoreError("the query failed: a bound variable must be in the SELECT "
                                 f"clause ({exc})") from None
            raise StoreError(f"the query failed: {exc}") from None
        return answer_from_ox(result)

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._db.named_graphs() if isinstance(g, ox.NamedNode))

    def graph_ntriples(self, name: str) -> bytes:
        return self._db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))

    def close(self) -> None:
        del self._db


# -- terms ----------------------------------------------------------------------------------------

_STRING = XSD + "string"


def to_ox(term: Term):
    """A kb term as a pyoxigraph term."""
    if isinstance(term, Iri):
        return ox.NamedNode(term.value)
    if isinstance(term, Blank):
        return ox.BlankNode(term.id)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    if term.datatype and term.datatype != _STRING:
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
    return ox.Literal(term.value)


def from_ox(term) -> Term | None:
    """A pyoxigraph term as a kb term."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Iri(term.value)
    if isinstance(term, ox.BlankNode):
        return Blank(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Lit(term.value, None, term.language)
        datatype = term.datatype.value
        return Lit(term.value, None if datatype in (_STRING, RDF_LANG_STRING) else datatype)
    raise StoreError(f"unsupported term in an answer: {term!r}")


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


def open_fresh(claims_dir: Path, notify: Notify | None = None) -> OxigraphStore:
    """Open the store of a claims folder, rebuilding it first if a claims file changed."""
    manifest = read_manifest(claims_dir)
    reason = stale_reason(claims_dir, manifest) if claims_dir.is_dir() else None
    if manifest is None and not claims_dir.is_dir():
        raise StoreError(f"{claims_dir}: claims folder not found; pass --claims DIR")
    if reason is not None:
        manifest = rebuild(claims_dir, reason, notify=notify)
    try:
        return OxigraphStore(store_dir(claims_dir), manifest)
    except StoreError as exc:
        if reason is not None or not claims_dir.is_dir():
            raise
        # A damaged store (a disk error, a killed copy) is a cache: build it again, once.
        manifest = rebuild(claims_dir, f"it could not be opened: {exc}", notify=notify,
                           force=True)
        return OxigraphStore(store_dir(claims_dir), manifest)


def refresh(claims_dir: Path, dataset, config: dict, notify: Notify | None = None) -> bool:
    """Bring the store up to date from an already built Dataset; False if it was fresh."""
    reason = stale_reason(claims_dir, read_manifest(claims_dir))
    if reason is None:
        return False
    rebuild(claims_dir, reason, dataset, config, notify)
    return True


def rebuild(claims_dir: Path, reason: str, dataset=None, config: dict | None = None,
            notify: Notify | None = None, force: bool = False) -> dict:
    """Build the store anew from the claims folder (or a Dataset built from it); its manifest."""
    with _lock(claims_dir):
        # Another process may have rebuilt it while this one waited for the lock.
        manifest = read_manifest(claims_dir)
        if not force and stale_reason(claims_dir, manifest) is None:
            return manifest
        if notify:
            notify(f"updating the oxigraph store ({reason})")
        problem_count = 0
        # Stat before reading: a file edited during the rebuild leaves the store stale.
        stats = snapshot(claims_dir)
        if dataset is None:
            from . import build_graph

            collection, dataset, problems = build_graph(claims_dir)
            config = config_settings(collection.config)
            problem_count = len(problems)
        from ..atomic import replace_dir

        with replace_dir(store_dir(claims_dir)) as staging:
            db = ox.Store(str(staging / DB_NAME))
            db.bulk_extend(quads_to_ox(dataset.quads((None, None, None, None))))
            db.flush()
            triples = len(db)
            del db
            manifest = build_manifest(claims_dir, stats, config, triples)
            manifest["problems"] = problem_count
            (staging / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1), "utf-8")
        return manifest


def config_settings(config) -> dict:
    """The collection settings a store remembers (so queries need not parse collection.yaml)."""
    return {"store": config.store, "endpoint": config.endpoint, "base": config.base}


def quads_to_ox(quads: Iterable) -> Iterator:
    """rdflib quads as pyoxigraph quads, converting each distinct term once."""
    from rdflib import BNode, Literal, URIRef

    cache: dict = {}

    def term(t):
        hit = cache.get(t)
        if hit is None:
            if isinstance(t, URIRef):
                hit = ox.NamedNode(str(t))
            elif isinstance(t, BNode):
                hit = ox.BlankNode(str(t))
            elif isinstance(t, Literal):
                if t.language:
                    hit = ox.Literal(str(t), language=t.language)
                elif t.datatype is not None:
                    hit = ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
                else:
                    hit = ox.Literal(str(t))
            else:
                raise StoreError(f"unsupported term {t!r}")
            cache[t] = hit
        return hit

    for s, p, o, g in quads:
        graph = term(g) if g is not None else ox.DefaultGraph()
        yield ox.Quad(term(s), term(p), term(o), graph)


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
