"""What the query commands list: claims, one claim in full, entities, findings and counts.

Each function asks a store (any of the three) through the named queries of kb/queries and
returns plain Python values (ids, Decimal, int, bool, str), so every store gives the same
listing and every output format (kb.output) can render it. No click here: the CLI is a thin
layer over these functions.
"""

from __future__ import annotations

import calendar
import difflib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from .choices import SORT_KEYS
from .errors import UsageError, quoted
from .findings import KINDS as FINDING_KINDS
from .queries import (
    NS,
    Iri,
    Lit,
    Term,
    boolean,
    date_literal,
    decimal,
    iri_text,
    slug_term,
    text_of,
)
from .stores.base import Store
from .verdicts import VERDICTS

SCHEMA = "https://schema.org/"

CLAIM_COLUMNS = (
    "id", "source", "subject", "property", "compared_with", "amount", "unit", "bound", "lower",
    "upper", "precision", "time_kind", "time", "time_start", "time_end", "time_phrase",
    "confidence", "verdict", "statement",
)
CLAIM_TABLE = ("id", "verdict", "confidence", "subject", "property", "amount", "unit", "time",
               "statement")
FINDING_COLUMNS = ("id", "kind", "holds", "message", "involves", "relation", "source",
                   "factor_low", "factor_high", "left_lower", "left_upper", "left_unit",
                   "right_lower", "right_upper", "right_unit")
FINDING_TABLE = ("id", "kind", "holds", "involves", "message")
ENTITY_COLUMNS = ("id", "label", "labels", "kind", "wikidata", "description", "claims")
ENTITY_TABLE = ("id", "label", "kind", "wikidata", "claims")
STATS_COLUMNS = ("by", "key", "count")
TOTALS = ("claims", "sources", "entities", "evidence", "relations", "findings")

# The class each kind of id belongs to, to tell an unknown id from an empty result.
ID_CLASSES = {"claim": NS + "Claim", "entity": NS + "Entity", "property": NS + "Property",
              "source": SCHEMA + "NewsArticle"}


class Listing(NamedTuple):
    """Rows of plain values with the columns programs get and the ones a table shows."""

    noun: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    table_columns: tuple[str, ...] = ()


class UnknownId(UsageError):
    """An id that the knowledge base does not have, with the closest ones it does."""

    def __init__(self, kind: str, ident: str, known: list[str], option: str | None = None):
        self.kind, self.ident, self.option = kind, ident, option
        # Ids that extend what was typed first (byd -> byd-revenue), then look-alikes.
        close = [k for k in known if k.startswith(ident)][:3]
        close += [k for k in difflib.get_close_matches(ident, known, n=3, cutoff=0.6)
                  if k not in close][:3 - len(close)]
        hint = (f"; did you mean {' or '.join(repr(c) for c in close)}?" if close
                else f"; kb {LISTERS[kind]} lists them")
        super().__init__(f"no {kind} {quoted(ident)}{hint}")


LISTERS = {"claim": "claims", "entity": "entities", "property": "claims --json",
           "source": "stats"}


# -- values ------------------------------------------------------------------------------------


def value(term, base: str) -> Any:
    """A term as a plain value: our IRIs as ids, vocabulary terms as slugs, literals as Python."""
    if term is None:
        return None
    if isinstance(term, Iri):
        return iri_text(term.value, base)
    if isinstance(term, Lit):
        return term.python()
    return term.n3()


def values(row: dict, base: str) -> dict[str, Any]:
    """A result row as plain values."""
    return {k: value(v, base) for k, v in row.items()}


def time_text(start: str | None, end: str | None) -> str | None:
    """A compact time: 2022 for a whole year, 2025-06 for a month, else START or START/END."""
    if not start or not end:
        return None
    if start == end:
        return start
    if start.endswith("-01-01") and end.endswith("-12-31") and start[:4] == end[:4]:
        return start[:4]
    if start[:7] == end[:7] and start.endswith("-01") and _month_end(end):
        return start[:7]
    return f"{start}/{end}"


def _month_end(day: str) -> bool:
    year, month, dd = (int(x) for x in day.split("-"))
    return dd == calendar.monthrange(year, month)[1]


# -- claims ------------------------------------------------------------------------------------


class ClaimFilter(NamedTuple):
    """The filters of kb claims; ids are checked against the store only when nothing matches."""

    subject: str | None = None
    property: str | None = None
    source: str | None = None
    verdict: str | None = None
    min_confidence: Decimal | None = None
    max_confidence: Decimal | None = None
    time: tuple[date, date] | None = None
    has_finding: bool = False

    def bindings(self, store: Store) -> tuple[dict, dict]:
        """The bindings of claims_list.rq and of claim_times.rq these filters mean (terms,
        never text pasted into SPARQL)."""
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise UsageError(f"verdict '{self.verdict}' is not one of: {', '.join(VERDICTS)}")
        ids = {
            "subject": store.iri("entity", self.subject) if self.subject else None,
            "property": store.iri("property", self.property) if self.property else None,
            "source": store.iri("source", self.source) if self.source else None,
            "verdict": slug_term(self.verdict) if self.verdict else None,
        }
        listed = {**ids, "min_confidence": _maybe(decimal, self.min_confidence),
                  "max_confidence": _maybe(decimal, self.max_confidence),
                  "with_finding": boolean(True) if self.has_finding else None}
        timed = {**ids, "time_from": date_literal(self.time[0]) if self.time else None,
                 "time_to": date_literal(self.time[1]) if self.time else None}
        return listed, timed

    def ids(self) -> list[tuple[str, str, str]]:
        """(option, kind, id) of every id filter given."""
        given = (("--subject", "entity", self.subject), ("--property", "property",
                                                          self.property),
                 ("--source", "source", self.source))
        return [(opt, kind, ident) for opt, kind, ident in given if ident]


def _maybe(make, x):
    return None if x is None else make(x)


class RowIndex(Protocol):
    """Listing rows kept ready for the usual filters (kb.claimindex.ClaimIndex)."""

    def rows(self, filters: ClaimFilter) -> list[dict[str, Any]]:
        """The listing rows of the claims that pass the filters (unsorted)."""
        ...


def claims(store: Store, filters: ClaimFilter | None = None, sort: str = "id",
           limit: int | None = None, index: RowIndex | None = None) -> Listing:
    """The claims that pass the filters, sorted (a leading '-' sorts descending) and cut;
    the rows come from the index when one is given, else from the store's graph."""
    filters = filters or ClaimFilter()
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key not in SORT_KEYS:
        raise UsageError(f"cannot sort by '{key}'; choose one of: {', '.join(SORT_KEYS)}")
    if not all(well_formed(ident) for _, _, ident in filters.ids()):
        check_ids(store, filters.ids())  # names the first unknown id, as for an empty result
    rows = index.rows(filters) if index is not None else graph_rows(store, filters)
    rows.sort(key=lambda r: r["id"])
    if key != "id":
        rows = _sorted(rows, key, descending)
    elif descending:
        rows.reverse()
    if limit is not None:
        rows = rows[:limit]
    if not rows:
        check_ids(store, filters.ids())
    return Listing("claims", CLAIM_COLUMNS, rows, CLAIM_TABLE)


def graph_rows(store: Store, filters: ClaimFilter) -> list[dict[str, Any]]:
    """The listing rows of the claims that pass the filters, from the graph (unsorted)."""
    base = store.base

    def plain(term: Term) -> Any:
        return value(term, base)

    listed, timed = filters.bindings(store)
    # Each claim as its id (value() gives our IRIs as ids).
    times = {row["claim"]: row for row in store.select_values("claim_times", plain, **timed)}
    rows = []
    for r in store.select_values("claims_list", plain, **listed):
        if filters.time and r["claim"] not in times:
            continue
        r.update(times.get(r["claim"], {}))
        r["id"] = r["claim"]
        rows.append(listing_row(r))
    return rows


def listing_row(values: Mapping[str, Any]) -> dict[str, Any]:
    """A claim's listing row from its plain values by column (the query's variables): its
    time spelt compactly from the start and end; a column without a value is None."""
    row = {column: values.get(column) for column in CLAIM_COLUMNS}
    row["time"] = time_text(row["time_start"], row["time_end"])
    return row


def _sorted(rows: list[dict], key: str, descending: bool) -> list[dict]:
    """Sort by one column; rows without a value come last either way; ties keep id order."""
    if key == "verdict":
        def rank(r):
            return VERDICTS.index(r["verdict"]) if r["verdict"] in VERDICTS else None
    elif key == "time":
        def rank(r):
            return r["time_start"]
    else:
        def rank(r):
            return r[key]
    present = [r for r in rows if rank(r) is not None]
    missing = [r for r in rows if rank(r) is None]
    return sorted(present, key=rank, reverse=descending) + missing


def check_ids(store: Store, given: list[tuple[str, str, str]]) -> None:
    """Raise UnknownId for the first id filter naming nothing in the store."""
    for option, kind, ident in given:
        known = known_ids(store, kind)
        if ident not in known:
            raise UnknownId(kind, ident, known, option)


def well_formed(ident: str) -> bool:
    """Could ident be an id? One the loader refuses is in no store, and must not reach one as
    an IRI (a space or a quote is not allowed in one)."""
    from .model import ID_PATTERN

    return ID_PATTERN.fullmatch(ident) is not None


def known_ids(store: Store, kind: str) -> list[str]:
    """Every id of one kind (claim, entity, property, source) in the store."""
    rows = store.select("instances", **{"class": Iri(ID_CLASSES[kind])})
    base = store.base
    return sorted(value(r["node"], base) for r in rows)


# -- one claim ---------------------------------------------------------------------------------


def show(store: Store, ident: str) -> dict[str, Any]:
    """Everything about one claim: the claim, its review, evidence, findings and relations."""
    if not well_formed(ident):
        raise UnknownId("claim", ident, known_ids(store, "claim"))
    base, claim = store.base, store.iri("claim", ident)
    rows = store.select("claim_detail", claim=claim)
    if not rows:
        raise UnknownId("claim", ident, known_ids(store, "claim"))
    r = values(rows[0], base)
    record: dict[str, Any] = {
        "id": ident,
        "source": r["source"], "source_title": r["source_title"],
        "subject": r["subject"], "property": r["property"], "compared_with": r["compared_with"],
        "amount": r["amount"], "unit": r["unit"], "bound": r["bound"], "lower": r["lower"],
        "upper": r["upper"], "precision": r["precision"],
        "time": None if r["time_start"] is None else {
            "kind": r["time_kind"], "start": r["time_start"], "end": r["time_end"],
            "phrase": r["time_phrase"], "text": time_text(r["time_start"], r["time_end"])},
        "confidence": r["confidence"],
        "quote": r["quote"], "normalised": r["normalised"], "statement": r["statement"],
        "anchor": {"start": r["start"], "end": r["end"], "prefix": r["prefix"],
                   "suffix": r["suffix"]},
        "review": {"verdict": r["verdict"], "rating": r["rating"],
                   "explanation": r["explanation"], "reviewer": r["reviewer"],
                   "reviewer_name": r["reviewer_name"], "date": r["review_date"],
                   "url": _raw(rows[0]["review_url"])},
    }
    record["evidence"] = sorted((_evidence(values(e, base))
                                 for e in store.select("claim_evidence", claim=claim)),
                                key=lambda e: e["id"])
    record["findings"] = findings(store, claim=ident, include_holding=True).rows
    record["relations"] = sorted(
        ({"id": x["relation"], "expression": x["expression"], "description": x["description"]}
         for x in (values(x, base) for x in store.select("claim_relations", claim=claim))),
        key=lambda x: x["id"])
    return record


def _evidence(e: dict) -> dict[str, Any]:
    return {
        "id": e["evidence"], "subject": e["subject"], "property": e["property"],
        "amount": e["amount"], "unit": e["unit"], "bound": e["bound"], "lower": e["lower"],
        "upper": e["upper"], "time": time_text(e["time_start"], e["time_end"]),
        "time_phrase": e["time_phrase"], "quote": e["quote"], "note": e["note"],
        "document": {"id": e["document"], "title": e["title"], "publisher": e["publisher"],
                     "date": e["date"], "url": e["url"]},
    }


# -- findings, entities, stats -----------------------------------------------------------------


def findings(store: Store, kind: str | None = None, claim: str | None = None,
             include_holding: bool = False) -> Listing:
    """Findings (by default those that do not hold), each with the ids it involves."""
    if kind is not None and kind not in FINDING_KINDS:
        raise UsageError(f"finding kind '{kind}' is not one of: {', '.join(FINDING_KINDS)}")
    if claim and not well_formed(claim):
        check_ids(store, [("--claim", "claim", claim)])
    base = store.base
    rows = store.select(
        "findings",
        kind=Iri(NS + FINDING_KINDS[kind].term) if kind else None,
        claim=store.iri("claim", claim) if claim else None,
        all=boolean(True) if include_holding else None)
    kinds = {NS + about.term: slug for slug, about in FINDING_KINDS.items()}
    by_id: dict[str, dict[str, Any]] = {}
    for row in rows:
        r = values(row, base)
        ident = r["finding"]
        if ident not in by_id:
            by_id[ident] = {c: r.get(c) for c in FINDING_COLUMNS}
            by_id[ident].update(id=ident, involves=[], kind=kinds.get(text_of(row["kind"])))
        by_id[ident]["involves"].append(r["involves"])
    out = []
    for ident in sorted(by_id):
        f = by_id[ident]
        f["involves"] = sorted(set(f["involves"]))
        out.append(f)
    return Listing("findings", FINDING_COLUMNS, out, FINDING_TABLE)


ENTITY_KINDS = {SCHEMA + t: t.lower() for t in
                ("Organization", "Person", "Product", "Project", "Place", "Event")}


def entities(store: Store, lang: str = "en") -> Listing:
    """Entities with their label (in lang if there is one), kind, Wikidata id and claim count."""
    base = store.base
    found: dict[str, dict[str, Any]] = {}
    for row in store.select("entities"):
        ident = value(row["entity"], base)
        e = found.setdefault(ident, {"id": ident, "labels": {}, "kind": None,
                                     "wikidata": None, "description": None, "claims": 0})
        kind = ENTITY_KINDS.get(row["type"].value) if isinstance(row["type"], Iri) else None
        e["kind"] = e["kind"] or kind
        if isinstance(row["label"], Lit):
            e["labels"][row["label"].lang or ""] = row["label"].value
        if isinstance(row["wikidata"], Iri):
            e["wikidata"] = row["wikidata"].value.rsplit("/", 1)[-1]
        e["description"] = value(row["description"], base)
    for row in store.select("entity_claims"):
        ident = value(row["entity"], base)
        if ident in found:
            found[ident]["claims"] = value(row["claims"], base)
    rows = []
    for ident in sorted(found):
        e = found[ident]
        labels = dict(sorted(e["labels"].items()))
        e["labels"] = labels
        e["label"] = labels.get(lang) or next(iter(labels.values()), ident)
        rows.append({c: e[c] for c in ENTITY_COLUMNS})
    return Listing("entities", ENTITY_COLUMNS, rows, ENTITY_TABLE)


def stats(store: Store) -> Listing:
    """Counts: totals, then claims by verdict (all five), entity and source (most first)."""
    base = store.base
    counts: dict[str, dict[str, int]] = {"total": {}, "verdict": {}, "entity": {}, "source": {}}
    for row in store.select("stats"):
        r = values(row, base)
        counts.setdefault(r["by"], {})[r["key"]] = r["count"]
    rows = [{"by": "total", "key": k, "count": counts["total"].get(k, 0)} for k in TOTALS]
    rows += [{"by": "verdict", "key": v, "count": counts["verdict"].get(v, 0)}
             for v in VERDICTS]
    for by in ("entity", "source"):
        ranked = sorted(counts[by].items(), key=lambda kv: (-kv[1], kv[0]))
        rows += [{"by": by, "key": k, "count": n} for k, n in ranked]
    return Listing("counts", STATS_COLUMNS, rows, STATS_COLUMNS)


class FederatedQuery(UsageError):
    """A query with a SERVICE clause, which would send requests to other servers."""


def query(store: Store, text: str, bindings: dict | None = None,
          allow_service: bool = False):
    """Run any SPARQL text: a Listing for SELECT, else the Answer (ASK, CONSTRUCT).

    A SERVICE clause makes the store (or the server) fetch from the URL it names, so it runs
    only with allow_service: a query from a file must not make requests nobody asked for.
    """
    if not allow_service and "service" in text.lower():
        from .stores.sparql import uses_service

        if uses_service(text):
            raise FederatedQuery("the query has a SERVICE clause, which sends a request to "
                                 "another server; pass --allow-service to run federated "
                                 "queries")
    answer = store.query(text, bindings).normalised()
    if answer.form != "select":
        return answer
    rows = [{name: _raw(term) for name, term in zip(answer.variables, row, strict=True)}
            for row in answer.rows]
    return Listing("results", answer.variables, rows, answer.variables)


def _raw(term) -> Any:
    """A term of a free query: IRIs in full, literals as Python values."""
    if term is None:
        return None
    if isinstance(term, Iri):
        return term.value
    if isinstance(term, Lit):
        return term.python()
    return term.n3()
