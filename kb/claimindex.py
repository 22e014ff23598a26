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
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import compress, product
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .listings import CLAIM_COLUMNS, ClaimFilter, graph_rows
from .oxterms import to_ox
from .queries import XSD, Iri, Lit, Term, boolean, date_literal, decimal, text_of
from .stores.base import Store
from .stores.oxigraph import OxigraphStore

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

Triple = tuple[Iri, Iri, Iri | Lit]


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


def triples(store: Store) -> Iterator[Triple]:
    """The index of every claim in a store (built from the store's graph queries)."""
    return ((Iri(s), p, o) for s, p, o in _index(store))


def _index(store: Store) -> Iterator[tuple[str, Iri, Lit]]:
    """triples(store) with each subject as its IRI's text: the keys are made and grouped as
    text, as hashing an Iri (a tuple made per call) cost more than the store's queries."""
    # What findings.rq involves, not graph_rows(has_finding): its EXISTS per claim takes
    # 15 s on a million triples, this 1.5 s.
    failing = {row["involves"] for row in store.select("findings")}
    listed: dict[str, list[str]] = defaultdict(list)
    for row in sorted(graph_rows(store, ClaimFilter()), key=lambda r: r["id"]):
        claim, text = store.iri("claim", row["id"]), encode(row)
        # The claim's own value of each slot, in SLOTS order, as key() spells it.
        own = (row["source"], row["subject"], row["property"], row["verdict"],
               claim in failing)
        given = [f"{name}={_escaped(str(value))}" for name, value in zip(SLOTS, own,
                                                                          strict=True)
                 if value]
        for chosen in product((False, True), repeat=len(given)):
            listed[KEYS + "&".join(compress(given, chosen))].append(text)
        yield claim.value, ROW, Lit(text)
        yield claim.value, CONFIDENCE, decimal(row["confidence"])
        if row["time_start"] is not None:
            yield claim.value, START, date_literal(date.fromisoformat(row["time_start"]))
            yield claim.value, END, date_literal(date.fromisoformat(row["time_end"]))
    for name, texts in listed.items():
        for text in texts:
            yield name, LISTS, Lit(text)
        if len(texts) >= PAGE_MIN:
            for start in range(0, len(texts), PAGE_SIZE):
                yield name, PAGE, Lit("[" + ",".join(texts[start:start + PAGE_SIZE]) + "]")


def write(store: OxigraphStore, folder: Path) -> None:
    """Build the claim index of a store into a new database (the store's Hooks.beside)."""
    index = ox.Store(str(folder))
    graph = ox.DefaultGraph()
    predicates = {p: ox.NamedNode(p.value) for p in (LISTS, PAGE, ROW, CONFIDENCE, START, END)}
    # Each subject's triples come together: one node for the run, not one per triple.
    node, last = None, None

    def quad(s: str, p: Iri, o: Lit) -> ox.Quad:
        nonlocal node, last
        if s is not last:
            node, last = ox.NamedNode(s), s
        return ox.Quad(node, predicates[p], to_ox(o), graph)

    index.bulk_extend(quad(s, p, o) for s, p, o in _index(store))
    index.flush()


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
