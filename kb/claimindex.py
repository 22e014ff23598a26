"""The claim index: kb claims answered from one table instead of a dozen joins a claim.

Oxigraph decodes every term an answer holds from its dictionary, and a claims listing joins
about a dozen patterns per claim and returns nineteen terms: on a million triples `kb claims`
spent 150 µs a claim in the store alone. The index, an SQLite database written with the store,
keeps each claim's listing row as one JSON text, with the columns the usual filters test
(source, subject, property, verdict, and whether a finding that does not hold involves it),
each indexed:

    claim(id, source, subject, property, verdict, failing, row)

A listing reads the rows of the most selective filter given from its index and tests the
others on them; the confidence and time filters are tested on the decoded rows, exactly (as
Decimals and dates). The rows are the graph queries' own answers (listings.graph_rows), taken
when the store is built, so the index says nothing the graph does not; a test compares both
on every filter. It is kept beside the Oxigraph store (in its folder): the store writes it
through the write hook and opens it with OxigraphStore.beside.

SQLite rather than a second Oxigraph database keyed by every combination of the filters: at
10,000 claims writing it took 0.3 s of CPU against 2.6 s, besides the 3 s of the rows'
queries that both need (docs/stores.md).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .collector import collector_paused
from .listings import CLAIM_COLUMNS, ClaimFilter, graph_rows
from .queries import text_of
from .stores.base import Store, StoreError
from .stores.oxigraph import Changed, OxigraphStore

NAME = "claim-index.sqlite"  # the database's file, in the store's folder

# The filters the table indexes, in the order a listing prefers them (the most selective
# first: a source or subject lists tens of claims, a verdict a fifth of them).
SLOTS = ("source", "subject", "property", "verdict", "failing")
_TABLE = ("CREATE TABLE claim (id TEXT PRIMARY KEY, source TEXT, subject TEXT, "
          "property TEXT, verdict TEXT, failing INTEGER NOT NULL, row TEXT NOT NULL) "
          "WITHOUT ROWID")
# Made after the rows are in, when the table is written whole (quicker than kept up row by row).
_INDEXES = (
    "CREATE INDEX claim_source ON claim (source)",
    "CREATE INDEX claim_subject ON claim (subject)",
    "CREATE INDEX claim_property ON claim (property)",
    "CREATE INDEX claim_verdict ON claim (verdict)",
    "CREATE INDEX claim_failing ON claim (failing)",
)
_INSERT = "INSERT INTO claim VALUES (:id, :source, :subject, :property, :verdict, :failing, :row)"
# Every slot's filter, tested when given (None: not given). The statement of the most
# selective slot given puts an indexed equality before them, which SQLite reads by its index.
_GIVEN = ("(:source IS NULL OR source = :source) AND (:subject IS NULL OR subject = :subject) "
          "AND (:property IS NULL OR property = :property) "
          "AND (:verdict IS NULL OR verdict = :verdict) "
          "AND (:failing IS NULL OR failing = :failing)")
_SELECT = {
    "source": "SELECT row FROM claim WHERE source = :source AND " + _GIVEN,
    "subject": "SELECT row FROM claim WHERE subject = :subject AND " + _GIVEN,
    "property": "SELECT row FROM claim WHERE property = :property AND " + _GIVEN,
    "verdict": "SELECT row FROM claim WHERE verdict = :verdict AND " + _GIVEN,
    "failing": "SELECT row FROM claim WHERE failing = :failing AND " + _GIVEN,
    None: "SELECT row FROM claim WHERE " + _GIVEN,
}


def _failing(store: Store) -> set[str]:
    """The ids of the claims a finding that does not hold involves."""
    # Not graph_rows(has_finding): its EXISTS per claim took 15 s on a million triples.
    claim = store.iri("claim", "").value
    return {iri[len(claim):] for iri in (text_of(term) for term in
                                          store.column("failing_claims", "involves", {})
                                          if term is not None)
            if iri.startswith(claim)}


def _record(row: dict[str, Any], failing: set[str]) -> dict[str, Any]:
    """A listing row as the table holds it."""
    return {"id": row["id"], "source": row["source"], "subject": row["subject"],
            "property": row["property"], "verdict": row["verdict"],
            "failing": row["id"] in failing, "row": encode(row)}


def write(store: OxigraphStore, path: Path, changed: Changed | None = None) -> None:
    """Write the claim index of a store to a new database file (the store's Hooks.beside).

    changed: the store was rebuilt by difference, so the index is a copy of the previous one
    with the rows of the changed sources replaced and every claim's failing flag set anew;
    tests/test_store.py compares it with an index written whole. Where that cannot be done (a
    shared graph changed, a damaged index), it is written whole. The previous index may also
    be one the build wrote from the same quads (write_rows), with no graph changed.
    """
    if changed is not None:
        try:
            if _updated(store, path, changed):
                return
        except (OSError, RuntimeError, ValueError, SyntaxError, sqlite3.Error):
            pass  # a damaged previous index or store, say: written whole below
        path.unlink(missing_ok=True)
    # A listing row is about twenty Python objects: at 100,000 claims the collector's passes
    # over them would take a tenth of the index's time.
    with collector_paused():
        failing = _failing(store)
        _write_whole(path, [_record(row, failing) for row in graph_rows(store, ClaimFilter())])


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write an index of listing rows made elsewhere from the store's quads (the build's CSV
    query, kb.export), every failing flag unset: the store then takes it as a previous index
    with no graph changed (write with Changed), which sets the flags from its findings.

    At 100,000 claims the listing queries on the on-disk store took 28 s of the store's
    process, at the end of a build; the CSV's query already yields every column of them."""
    with collector_paused():
        _write_whole(path, [_record(row, set()) for row in rows])


def _write_whole(path: Path, records: list[dict[str, Any]]) -> None:
    """Write a new index file of these records."""
    with _writing(path) as db:
        db.execute(_TABLE)
        db.executemany(_INSERT, records)
        for statement in _INDEXES:
            db.execute(statement)


@contextmanager
def _writing(path: Path) -> Iterator[sqlite3.Connection]:
    """A database file open for writing, committed and closed at the end of the block.

    No journal and no syncing: the file is written in the store's staging folder, which the
    rebuild swaps in only once it is complete (kb.atomic), or discards."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("BEGIN")
        yield db
        db.execute("COMMIT")
    finally:
        db.close()


def _updated(store: OxigraphStore, path: Path, changed: Changed) -> bool:
    """Make path the previous index updated for the changed graphs; False if a graph that is
    not a source's or the report changed (the rows may then all differ)."""
    # The graphs as kb.iris names them (graph/<source id>, graph/shared, graph/report): that
    # module is not imported here, as it brings rdflib, which kb claims must not load.
    prefix = store.iri("graph", "").value
    sources = set()
    for graph in changed.graphs:
        ident = graph[len(prefix):] if graph.startswith(prefix) else ""
        if ident in ("", "shared"):
            return False
        if ident != "report":
            sources.add(ident)
    shutil.copyfile(changed.previous, path)
    failing = _failing(store)
    rows = _rows_of_sources(store, sources) if sources else []
    with _writing(path) as db:
        db.executemany("DELETE FROM claim WHERE source = ?", [(s,) for s in sorted(sources)])
        db.executemany(_INSERT, [_record(row, failing) for row in rows])
        # Findings that came or went change claims of other sources too.
        was = {ident for (ident,) in db.execute("SELECT id FROM claim WHERE failing")}
        db.executemany("UPDATE claim SET failing = ? WHERE id = ?",
                       [(ident in failing, ident) for ident in sorted(was ^ failing)])
    return True


def _rows_of_sources(store: OxigraphStore, sources: set[str]) -> list[dict[str, Any]]:
    """The listing rows of these sources' claims, from their graphs alone, in a small store
    of their own: the store's plan for claims_list.rq with a source bound still reads every
    review (1 s at 10,000 claims). A claim's row is made of its source's graph only (the test
    compares)."""
    part = ox.Store()
    present = set(store.graph_names())
    for source in sorted(sources):
        name = store.iri("graph", source).value
        if name in present:
            part.load(store.graph_ntriples(name), format=ox.RdfFormat.N_TRIPLES,
                      to_graph=ox.NamedNode(name))
    return graph_rows(OxigraphStore.of(part, store.base), ClaimFilter())


def index_of(store: Store) -> ClaimIndex | None:
    """The claim index kept beside a store, if it keeps one (only the Oxigraph store does)."""
    return ClaimIndex(store) if isinstance(store, OxigraphStore) else None


def encode(row: dict[str, Any]) -> str:
    """A listing row as a JSON array; decimals as JSON numbers spelled as Decimal spells them,
    so that they come back exactly."""
    return "[" + ",".join(map(_json, map(row.__getitem__, CLAIM_COLUMNS))) + "]"


# What json.dumps(ensure_ascii=False) calls for a str (in C): a whole json.dumps call for each
# of a row's nineteen values took nine tenths of encoding it (100,000 claims: 5.5 s).
_json_text = json.encoder.encode_basestring


def _json(value: Any) -> str:
    """One value of a row as JSON text."""
    if type(value) is str:
        return _json_text(value)
    if value is None:
        return "null"
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=_refuse)


def _refuse(value: Any) -> Any:
    raise ValueError(f"a listing row cannot hold {value!r}")


# Every number a row holds is a Decimal (CLAIM_COLUMNS has no integer column).
_parse = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal).decode


class ClaimIndex:
    """The claim index of an Oxigraph store, opened when first read."""

    def __init__(self, store: OxigraphStore):
        self.store = store

    def rows(self, filters: ClaimFilter) -> list[dict[str, Any]]:
        """The listing rows of the claims that pass the filters (unsorted)."""
        filters.bindings(self.store)  # validates the verdict
        # An empty id filters nothing, as ClaimFilter.bindings has it (kb claims --source=).
        given = {"source": filters.source or None, "subject": filters.subject or None,
                 "property": filters.property or None, "verdict": filters.verdict or None,
                 "failing": True if filters.has_finding else None}
        drive = next((slot for slot in SLOTS if given[slot] is not None), None)
        db = self.store.beside(NAME, _open)
        try:
            texts = [text for (text,) in db.execute(_SELECT[drive], given)]
        except sqlite3.Error as exc:
            raise StoreError(f"{self.store.folder}: cannot read the claim index ({exc}); "
                             "delete the folder and run the command again to rebuild "
                             "it") from None
        rows = decode_rows(texts)
        if filters.min_confidence is None and filters.max_confidence is None \
                and filters.time is None:
            return rows
        return [row for row in rows if _in_ranges(row, filters)]


def _open(path: Path) -> sqlite3.Connection:
    """The index database, read-only; ValueError if it is not one."""
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    # immutable: the file is never written once the store is swapped in (a rebuild writes a
    # new one), so SQLite need not lock it or look for a journal.
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True,
                         check_same_thread=False)
    try:
        db.execute("SELECT id, source, subject, property, verdict, failing, row FROM claim "
                   "LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        db.close()
        raise ValueError(str(exc)) from None
    return db


def _in_ranges(row: dict[str, Any], filters: ClaimFilter) -> bool:
    """Whether a row passes the confidence and time filters, as claims_list.rq and
    claim_times.rq test them (a claim without a confidence or time passes no such filter)."""
    confidence = row["confidence"]
    if filters.min_confidence is not None or filters.max_confidence is not None:
        if confidence is None:
            return False
        if filters.min_confidence is not None and confidence < filters.min_confidence:
            return False
        if filters.max_confidence is not None and confidence > filters.max_confidence:
            return False
    if filters.time is not None:
        if row["time_start"] is None or row["time_end"] is None:
            return False
        low, high = filters.time
        return date.fromisoformat(row["time_start"]) <= high and \
            date.fromisoformat(row["time_end"]) >= low
    return True


def decode_rows(texts: Iterable[str]) -> list[dict[str, Any]]:
    """The listing rows of rows that encode wrote (parsed as one JSON text: a thousand small
    json.loads calls cost a tenth more)."""
    return [dict(zip(CLAIM_COLUMNS, values, strict=True))
            for values in _parse("[" + ",".join(texts) + "]")]
