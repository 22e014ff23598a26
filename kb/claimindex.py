"""The claim index: kb claims answered with one index scan instead of a dozen joins a claim.

Oxigraph decodes every term an answer holds from its dictionary, and a claims listing joins
about a dozen patterns per claim and returns nineteen terms: on a million triples `kb claims`
spent 150 µs a claim in the store alone. The index, a second Oxigraph database built with the
store, keeps each claim's listing row as one JSON literal, listed under a composite key for
every combination of the claim's source, subject, property, verdict and "has a failing
finding", so the usual filters are one scan of one key:

    <urn:kb:claim-index:key?source=a&verdict=inaccurate> idx:lists "[row]" .

A key that lists many claims also holds their rows in a few pages (idx:page "[[row],[row]]"),
read instead of one literal per claim. Each claim node carries its row, confidence and time,
for the range filters. The rows are the graph queries' own answers (listings.graph_rows),
taken when the store is built, so the index says nothing the graph does not; a test compares
both on every filter. The index is a database kept beside the Oxigraph store (in its folder):
the store builds it through the write hook and opens it with OxigraphStore.beside.
"""

from __future__ import annotations

import json
import shutil
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import compress, product
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .collector import collector_paused
from .listings import CLAIM_COLUMNS, ClaimFilter, graph_rows
from .oxterms import to_ox
from .queries import XSD, Iri, Lit, Term, boolean, date_literal, decimal, text_of
from .stores.base import Store
from .stores.oxigraph import Changed, OxigraphStore, linked_copy

NAME = "claim-index"  # the database's folder, beside the store's

IX = "urn:kb:claim-index#"
LISTS, PAGE, ROW, CONFIDENCE, START, END = (
    Iri(IX + n) for n in ("lists", "page", "row", "confidence", "start", "end"))
# A key listing at least PAGE_MIN claims also keeps their rows in pages of PAGE_SIZE: reading
# one literal a row costs 8 µs a claim (most of it finding each literal on disk), reading
# pages a tenth of that. Smaller keys are read row by row, which is as quick for a few rows.
PAGE_MIN, PAGE_SIZE = 100, 500
KEYS = "urn:kb:claim-index:key?"
# The filters a composite key combines, in the order the key spells them.
SLOTS = ("source", "subject", "property", "verdict", "has_finding")
UNBOUNDED = (Lit("-INF", XSD + "double"), Lit("INF", XSD + "double"))
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

# The predicates as pyoxigraph nodes, made once: the index holds about 28 triples a claim.
_OX = {p: ox.NamedNode(p.value) for p in (LISTS, PAGE, ROW, CONFIDENCE, START, END)}
# A triple of the index as it is written: the subject's IRI as text (made into a node once
# for each run of triples about it) and the predicate and object as pyoxigraph terms.
OxTriple = tuple[str, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


def key(filters: ClaimFilter) -> Iri:
    """The composite key of the source, subject, property, verdict and finding filters given.

    Ids, not IRIs: they name the same things (an IRI is the base, the kind and the id) in
    fewer bytes, and there are 16 to 32 keys a claim.
    """
    return _key(tuple((name, str(getattr(filters, name))) for name in SLOTS
                      if getattr(filters, name)))


@lru_cache(maxsize=1 << 16)
def _key(given: tuple[tuple[str, str], ...]) -> Iri:
    # The same few keys recur for every claim (verdict=accurate, a source's key, ...).
    return Iri(KEYS + "&".join(f"{name}={_escaped(value)}" for name, value in given))


@lru_cache(maxsize=1 << 16)
def _escaped(text: str) -> str:
    # Any text a user types must make a valid IRI; ids are almost always safe already.
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode())
                   for c in text)


def _index(store: Store) -> Iterator[OxTriple]:
    """The index of every claim in a store (built from the store's graph queries). Subjects
    are IRIs' text: the keys are made and grouped as text, as hashing an Iri (a tuple made
    per call) cost more than the store's queries; each row's literal is made once, not once
    for each of its keys."""
    failing = _failing(store)
    listed: dict[str, list[tuple[str, ox.Literal]]] = defaultdict(list)
    for row in sorted(graph_rows(store, ClaimFilter()), key=lambda r: r["id"]):
        claim, text = store.iri("claim", row["id"]).value, encode(row)
        literal = ox.Literal(text)
        for name in _keys(row, claim in failing):
            listed[name].append((text, literal))
        yield from _claim_triples(claim, row, literal)
    lists = _OX[LISTS]
    for name, rows in listed.items():
        for _, literal in rows:
            yield name, lists, literal
        yield from _pages(name, [text for text, _ in rows])


def _failing(store: Store) -> set[str]:
    """The IRIs of the claims a finding that does not hold involves."""
    # Not graph_rows(has_finding): its EXISTS per claim took 15 s on a million triples, and
    # findings.rq's every detail of every finding a fifth of a 10,000-claim index update.
    return {text_of(term) for term in store.column("failing_claims", "involves", {})
            if term is not None}


def _keys(row: dict[str, Any], failing: bool) -> list[str]:
    """Every composite key a claim is listed under: each combination of its own values of
    the slots, as key() spells it."""
    own = (row["source"], row["subject"], row["property"], row["verdict"], failing)
    given = [f"{name}={_escaped(str(value))}" for name, value in zip(SLOTS, own, strict=True)
             if value]
    return [KEYS + "&".join(compress(given, chosen))
            for chosen in product((False, True), repeat=len(given))]


def _claim_triples(claim: str, row: dict[str, Any], literal: ox.Literal
                   ) -> Iterator[OxTriple]:
    """The claim node's row (literal), confidence and time, for the range filters."""
    yield claim, _OX[ROW], literal
    yield claim, _OX[CONFIDENCE], to_ox(decimal(row["confidence"]))
    if row["time_start"] is not None:
        yield claim, _OX[START], to_ox(date_literal(date.fromisoformat(row["time_start"])))
        yield claim, _OX[END], to_ox(date_literal(date.fromisoformat(row["time_end"])))


def _pages(name: str, texts: list[str], force: bool = False) -> Iterator[OxTriple]:
    """A key's rows in pages, if it lists enough of them or force (texts in the order of
    their ids)."""
    if force or len(texts) >= PAGE_MIN:
        for start in range(0, len(texts), PAGE_SIZE):
            yield name, _OX[PAGE], ox.Literal("[" + ",".join(texts[start:start + PAGE_SIZE])
                                              + "]")


def write(store: OxigraphStore, folder: Path, changed: Changed | None = None) -> None:
    """Build the claim index of a store into a new database (the store's Hooks.beside).

    changed: the store was rebuilt by difference, so the index is a copy of the previous one
    with the rows of the claims of the changed sources, and of those whose failing findings
    came or went, replaced: on 10,000 claims, 1.6 s instead of 14 to 20 s on the busy
    development machine. tests/test_store.py compares it with an index built whole. Where
    that cannot be done (a shared graph changed, a damaged index), it is built whole.
    """
    if changed is not None:
        try:
            if _updated(store, folder, changed):
                return
        except (OSError, RuntimeError, ValueError, SyntaxError):
            pass  # a damaged previous index, say: built whole below
        shutil.rmtree(folder, ignore_errors=True)
    # About 28 index triples a claim, each a few Python objects, and each row kept under
    # every key until its pages are written: at 100,000 claims the collector's passes over
    # them took about a tenth of the index's time (docs/benchmarks.md).
    with collector_paused():
        _write(ox.Store(str(folder)), _index(store))


def _write(index: ox.Store, triples: Iterable[OxTriple], bulk: bool = True) -> None:
    """Add triples to an index database and flush it; bulk: with the bulk loader, for a new
    database (an update goes in as one transaction)."""
    graph = ox.DefaultGraph()
    # Each subject's triples come together: one node for the run, not one per triple.
    node, last = None, None

    def quad(s: str, p: ox.NamedNode, o: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.Quad:
        nonlocal node, last
        if s is not last:
            node, last = ox.NamedNode(s), s
        return ox.Quad(node, p, o, graph)

    quads = (quad(s, p, o) for s, p, o in triples)
    if bulk:
        index.bulk_extend(quads)
    else:
        index.extend(quads)
    index.flush()


def _updated(store: OxigraphStore, folder: Path, changed: Changed) -> bool:
    """Make folder the previous index updated for the changed graphs; False if a graph that
    is not a source's or the report changed (the rows may then all differ)."""
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
    linked_copy(changed.previous, folder)
    index = ox.Store(str(folder))
    default = ox.DefaultGraph()
    lists = _OX[LISTS]

    def listed(name: str) -> list[str]:
        return [_literal(q.object) for q in
                index.quads_for_pattern(ox.NamedNode(name), lists, None, default)]

    def claim_of(text: str) -> str:
        return store.iri("claim", _row_id(text)).value

    failing = _failing(store)
    was_failing = {claim_of(text) for text in listed(key(ClaimFilter(has_finding=True)).value)}
    # The claims whose rows or keys may differ, with the rows the index lists now: those of
    # the changed sources, and those whose failing findings came or went.
    before = {claim_of(text): text for source in sorted(sources)
              for text in listed(key(ClaimFilter(source=source)).value)}
    for claim in failing ^ was_failing:
        for q in index.quads_for_pattern(ox.NamedNode(claim), _OX[ROW], None, default):
            before.setdefault(claim, _literal(q.object))
    # The changed sources' rows from their graphs alone, in a small store of their own: the
    # store's plan for claims_list.rq with a source bound still reads every review (1 s at
    # 10,000 claims). A claim's row is made of its source's graph only (the test compares).
    part = ox.Store()
    present = set(store.graph_names())
    for source in sorted(sources):
        name = store.iri("graph", source).value
        if name in present:
            part.load(store.graph_ntriples(name), format=ox.RdfFormat.N_TRIPLES,
                      to_graph=ox.NamedNode(name))
    after = {store.iri("claim", row["id"]).value: (row, encode(row))
             for row in graph_rows(OxigraphStore.of(part, store.base), ClaimFilter())}
    old_rows = dict(zip(before, decode_rows(before.values()), strict=True))
    for claim, text in before.items():
        if old_rows[claim]["source"] not in sources:  # the same row, under other keys now
            after[claim] = (old_rows[claim], text)
    gone: dict[str, set[str]] = defaultdict(set)  # key -> the rows it no longer lists as they were
    for claim, text in before.items():
        for name in _keys(old_rows[claim], claim in was_failing):
            index.remove(ox.Quad(ox.NamedNode(name), lists, ox.Literal(text), default))
            gone[name].add(text)
        for q in list(index.quads_for_pattern(ox.NamedNode(claim), None, None, default)):
            index.remove(q)
    new: dict[str, list[str]] = defaultdict(list)  # key -> the rows it lists anew
    added: list[OxTriple] = []
    for claim, (row, text) in sorted(after.items()):
        literal = ox.Literal(text)
        for name in _keys(row, claim in failing):
            added.append((name, lists, literal))
            new[name].append(text)
        added += _claim_triples(claim, row, literal)
    _write(index, added, bulk=False)
    pages: list[OxTriple] = []
    for name in sorted(gone.keys() | new.keys()):
        pages += _repaged(index, name, gone[name], new[name], listed)
    _write(index, pages, bulk=False)
    return True


def _repaged(index: ox.Store, name: str, gone: set[str], new: list[str],
             listed: Callable[[str], list[str]]) -> list[OxTriple]:
    """Remove the pages of a key that its rows gone and new change, and give the pages to
    write in their place: the pages a build made whole would hold.

    Pages hold the key's rows in the order of their ids, PAGE_SIZE a page. A row edited in
    place changes its own page only; rows that come or go shift every page after the first
    they touch. Only those pages are read and written again: the key of every claim has all
    of them in its pages (200 at 100,000 claims), and an edit touches one.
    """
    node, default = ox.NamedNode(name), ox.DefaultGraph()
    found = [(_literal(q.object), q)
             for q in index.quads_for_pattern(node, _OX[PAGE], None, default)]
    old = sorted(((_page_first(text), text, q) for text, q in found), key=lambda page: page[0])
    if not old:  # a key without pages: from what it lists now
        return list(_pages(name, sorted(listed(name), key=_row_id)))
    firsts = [first for first, _, _ in old]

    def page_of(ident: str) -> int:
        return max(bisect_right(firsts, ident) - 1, 0)

    gone_ids, new_ids = sorted(map(_row_id, gone)), sorted(map(_row_id, new))
    if gone_ids == new_ids:  # rows edited in place: each stays on its page
        added: dict[int, list[str]] = defaultdict(list)
        for text in new:
            added[page_of(_row_id(text))].append(text)
        out: list[OxTriple] = []
        for n, texts in added.items():
            rows = list(_split_page(old[n][1]))
            kept = [text for text in rows if text not in gone]
            if len(kept) + len(texts) != len(rows):  # a damaged index: built whole
                raise ValueError(f"a page of {name} does not hold the rows it listed")
            index.remove(old[n][2])
            out += _pages(name, sorted(kept + texts, key=_row_id), force=True)
        return out
    start = min(map(page_of, gone_ids + new_ids))
    rows = [text for _, page, _ in old[start:] for text in _split_page(page)
            if text not in gone] + new
    # The pages before start are full; too few rows left, and the key keeps no pages.
    paged = start * PAGE_SIZE + len(rows) >= PAGE_MIN
    for _, _, q in old[start if paged else 0:]:
        index.remove(q)
    return list(_pages(name, sorted(rows, key=_row_id), force=True)) if paged else []


def _literal(term: Any) -> str:
    """The text of a row literal; ValueError for anything else (a damaged index)."""
    if not isinstance(term, ox.Literal):
        raise ValueError(f"the claim index holds {term} where a row should be")
    return term.value


_first_value = json.JSONDecoder().raw_decode


def _split_page(text: str) -> Iterator[str]:
    """The row texts a page literal joins ("[row,row,...]")."""
    i, end = 1, len(text) - 1
    while i < end:
        j = _first_value(text, i)[1]
        yield text[i:j]
        i = j + 1


def _row_id(text: str) -> str:
    """The claim id a row's text starts with (the first of CLAIM_COLUMNS)."""
    return _first_value(text, 1)[0]


def _page_first(text: str) -> str:
    """The claim id of the first row of a page's text."""
    return _first_value(text, 1)[0][0]


def index_of(store: Store) -> ClaimIndex | None:
    """The claim index kept beside a store, if it keeps one (only the Oxigraph store does)."""
    return ClaimIndex(store.beside(NAME)) if isinstance(store, OxigraphStore) else None


def encode(row: dict[str, Any]) -> str:
    """A listing row as a JSON array; decimals as JSON numbers spelled as Decimal spells them,
    so that they come back exactly."""
    return "[" + ",".join(str(v) if isinstance(v, Decimal) and v.is_finite()
                          else json.dumps(v, ensure_ascii=False, default=_refuse)
                          for v in (row[c] for c in CLAIM_COLUMNS)) + "]"


def _refuse(value: Any) -> Any:
    raise ValueError(f"a listing row cannot hold {value!r}")


# Every number a row holds is a Decimal (CLAIM_COLUMNS has no integer column).
_parse = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal).decode


class ClaimIndex:
    """The claim index of a store, queried through kb/queries/claim_*.rq."""

    def __init__(self, index: Store):
        self.index = index

    def rows(self, filters: ClaimFilter) -> list[dict[str, Any]]:
        """The listing rows of the claims that pass the filters (unsorted)."""
        listed, timed = filters.bindings(self.index)  # validates the verdict
        bindings: dict[str, Term] = {"key": key(filters)}
        ranged = filters.time is not None or listed["min_confidence"] is not None \
            or listed["max_confidence"] is not None
        if ranged:
            low, high = listed["min_confidence"], listed["max_confidence"]
            bindings.update(min_confidence=UNBOUNDED[0] if low is None else low,
                            max_confidence=UNBOUNDED[1] if high is None else high,
                            timed=boolean(filters.time is not None))
            if filters.time is not None:
                bindings.update(time_from=timed["time_from"], time_to=timed["time_to"])
        else:
            pages = self.index.column("claim_pages", "page", bindings)
            if pages:
                return decode_rows(text_of(page)[1:-1] for page in pages)
        texts = self.index.column("claim_index_ranges" if ranged else "claim_index", "row",
                                  bindings)
        return decode_rows(text_of(text) for text in texts)


def decode_rows(texts: Iterable[str]) -> list[dict[str, Any]]:
    """The listing rows of rows that encode wrote (parsed as one JSON text: a thousand small
    json.loads calls cost a tenth more)."""
    return [dict(zip(CLAIM_COLUMNS, values, strict=True))
            for values in _parse("[" + ",".join(texts) + "]")]
