"""Term conversion between pyoxigraph and kb.queries' library-free terms (no rdflib import), and
a compact table of pyoxigraph quads."""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress
from typing import Any, overload

import pyoxigraph as ox

from .errors import KbError
from .queries import RDF_LANG_STRING, XSD, Blank, Iri, Lit, Term

# -- terms ----------------------------------------------------------------------------------------

_STRING = XSD + "string"


class UnsupportedTerm(KbError):
    """A term kb has no form for (an RDF-star triple term, say): one line, not a traceback."""


def to_ox(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
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


OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@overload
def from_ox(term: OxTerm) -> Term: ...
@overload
def from_ox(term: None) -> None: ...
@overload
def from_ox(term: OxTerm | None) -> Term | None: ...
def from_ox(term: OxTerm | None) -> Term | None:
    """A pyoxigraph term as a kb term (None, an unbound variable, as None)."""
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
    raise UnsupportedTerm(f"unsupported term in an answer: {term!r}")


# -- quads, compactly ----------------------------------------------------------------------------

# A term's key in a QuadTable: an IRI by its text (callers mostly have the text, and a str
# hashes faster than a pyoxigraph term), any other term by itself.
_TermKey = str | ox.Literal | ox.BlankNode | ox.DefaultGraph | ox.Triple
GraphTerm = OxTerm | ox.DefaultGraph

_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def _key(term: str | GraphTerm) -> _TermKey:
    kind = type(term)
    if kind is str:
        return term  # type: ignore[return-value]
    if kind is ox.NamedNode:
        return term.value  # type: ignore[union-attr]
    # rdflib's URIRef is a str that neither hashes nor compares like its text
    return str(term) if isinstance(term, str) else term  # type: ignore[return-value]


class QuadTable:
    """Quads as four columns of term numbers over one table of distinct terms, in the order
    they were added.

    A pyoxigraph Quad holds its own copy of each of its four terms (about 470 bytes), and an
    in-memory Store about 360 bytes a quad; here a quad takes 16 bytes, plus each distinct term
    once (a claim has about 70 quads but 20 distinct terms). Iterating makes the Quads again,
    at about 1 microsecond each (docs/benchmarks.md, "Memory").
    """

    def __init__(self) -> None:
        self.terms: list[GraphTerm] = []
        self._ids: dict[_TermKey, int] = {}
        self._texts: list[str] = []
        self.s, self.p, self.o, self.g = array("I"), array("I"), array("I"), array("I")
        # The key of each named graph (by number) whose rows are a function of it and of the
        # graph's code, as kb.graphcache keys a source's graph: the shapes keep their results
        # by them (kb.shapecache's stamp covers that code).
        self.graph_keys: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.s)

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_at(None)

    def id(self, term: str | GraphTerm) -> int:
        """The number of a term (an IRI may be given as its text), added if new."""
        key = _key(term)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.terms)
            self.terms.append(ox.NamedNode(key) if isinstance(key, str) else key)
        return found

    def ids(self, keys: list[_TermKey]) -> list[int]:
        """The numbers of terms given as keys (an IRI as its text, any other term as itself),
        each added if new: one dict lookup each where id makes two calls."""
        ids, terms = self._ids, self.terms
        found = list(map(ids.get, keys))
        if None in found:
            named = ox.NamedNode
            for at, number in enumerate(found):
                if number is None:
                    key = keys[at]
                    # a key given twice is added the first time
                    number = ids.get(key)
                    if number is None:
                        number = ids[key] = len(terms)
                        terms.append(named(key) if isinstance(key, str) else key)
                    found[at] = number
        return found  # type: ignore[return-value]  # no None is left

    @staticmethod
    def key(term: GraphTerm) -> _TermKey:
        """A term as ids takes it."""
        return _key(term)

    def texts(self) -> list[str]:
        """Each term in N-Triples form (its str, as Oxigraph's serialisers spell it), by
        number; made once, and for terms added since."""
        texts = self._texts
        if len(texts) < len(self.terms):
            texts += map(str, self.terms[len(texts):])
        return texts

    def known(self, term: str | GraphTerm) -> int | None:
        """The number of a term already in the table, or None."""
        return self._ids.get(_key(term))

    def add_ids(self, s: int, p: int, o: int, g: int) -> None:
        """Append one quad by its terms' numbers (no check for duplicates)."""
        self.graph_keys.pop(g, None)  # see extend_ids
        self.s.append(s)
        self.p.append(p)
        self.o.append(o)
        self.g.append(g)

    def extend(self, quads: Iterable[ox.Quad | ox.Triple]) -> None:
        """Add quads (triples go in the default graph) not already present, in order."""
        default = ox.DefaultGraph()
        ident = self.id
        numbers = [ident(term) for q in quads
                   for term in (q.subject, q.predicate, q.object,
                                q.graph_name if isinstance(q, ox.Quad) else default)]
        self.extend_ids(*(numbers[i::4] for i in range(4)))

    def extend_ids(self, s: Sequence[int], p: Sequence[int], o: Sequence[int],
                   g: Sequence[int]) -> None:
        """Add quads given as columns of their terms' numbers (see id), those not already
        present, in order."""
        # Each quad is compared as one int (its four 32-bit numbers side by side), and the
        # columns go into the arrays whole: a dict of tuples took 150 bytes a quad, which for
        # the findings of 100,000 claims (1.8 million quads) was a quarter of a gigabyte, and
        # a loop appending each quad's numbers to four arrays half of the report graph's time.
        packed = list(map(_packed, s, p, o, g))
        if not packed:
            return
        rows = [array("I", column) for column in (s, p, o, g)]
        if len(set(packed)) < len(packed):  # a quad given twice goes in once, where first given
            first: dict[int, int] = {}
            keep = [first.setdefault(key, at) == at for at, key in enumerate(packed)]
            rows = [array("I", compress(column, keep)) for column in rows]
            packed = list(compress(packed, keep))
        # Only a quad of a graph the new ones go into can be one of them: usually none is (the
        # findings go into a graph of their own), so this costs nothing on a big graph.
        graphs = set(rows[3])
        for number in graphs:  # rows added to a keyed graph: it is no longer what its key names
            self.graph_keys.pop(number, None)
        if graphs & set(self.g):
            old = {_packed(self.s[i], self.p[i], self.o[i], number)
                   for i, number in enumerate(self.g) if number in graphs}
            keep = [key not in old for key in packed]
            rows = [array("I", compress(column, keep)) for column in rows]
        for column, new_rows in zip((self.s, self.p, self.o, self.g), rows, strict=True):
            column.extend(new_rows)

    def quads_at(self, rows: Sequence[int] | None) -> Iterator[ox.Quad]:
        """The quads, or those at the given row numbers, as pyoxigraph Quads."""
        get: Callable[[int], Any] = self.terms.__getitem__
        columns = (self.s, self.p, self.o, self.g)
        if rows is None:
            return map(ox.Quad, *(map(get, column) for column in columns))
        return map(ox.Quad, *(map(get, map(column.__getitem__, rows)) for column in columns))

    def triples_at(self, rows: Sequence[int]) -> list[ox.Triple]:
        """The triples at the given row numbers, each once."""
        get: Callable[[int], Any] = self.terms.__getitem__
        return [ox.Triple(get(a), get(b), get(c)) for a, b, c in self._unique_triples(rows)]

    def _unique_triples(self, rows: Sequence[int]) -> dict[tuple[int, int, int], None]:
        """The term numbers of the triples at the rows, each once, in order."""
        s, p, o = self.s, self.p, self.o
        return dict.fromkeys(zip(map(s.__getitem__, rows), map(p.__getitem__, rows),
                                 map(o.__getitem__, rows), strict=True))

    def ntriples(self, rows: Sequence[int]) -> bytes:
        """The triples at the given row numbers, each once, as N-Triples lines (for
        pyoxigraph to parse: quicker than making each Triple here, for more than a few)."""
        texts = self.texts()
        return "".join([f"{texts[a]} {texts[b]} {texts[c]} .\n"
                        for a, b, c in self._unique_triples(rows)]).encode("utf-8")

    def triples(self) -> Iterator[ox.Triple]:
        """The union of the graphs: each triple once, where it first occurs."""
        get: Callable[[int], Any] = self.terms.__getitem__
        triples = map(ox.Triple, map(get, self.s), map(get, self.p), map(get, self.o))
        repeated = self._repeated_rows()
        if not repeated:
            return triples
        keep = bytearray(b"\x01") * len(self)
        for i in repeated:
            keep[i] = 0
        return compress(triples, keep)

    def _repeated_rows(self) -> list[int]:
        """The rows whose triple an earlier row of another graph already holds."""
        # A triple can repeat only across graphs (a graph holds each quad once), so only the
        # rows of subjects found in more than one graph are compared.
        first_graph = array("q", [-1]) * len(self.terms)
        shared: set[int] = set()
        for s, g in zip(self.s, self.g, strict=True):
            seen = first_graph[s]
            if seen == -1:
                first_graph[s] = g
            elif seen != g:
                shared.add(s)
        if not shared:
            return []
        found: set[tuple[int, int, int]] = set()
        repeated = []
        for i, s in enumerate(self.s):
            if s in shared:
                key = (s, self.p[i], self.o[i])
                if key in found:
                    repeated.append(i)
                found.add(key)
        return repeated

    def store(self, predicates: Iterable[str] | None = None) -> ox.Store:
        """A new in-memory Oxigraph store of the quads, or only of those with these predicates
        (IRIs as text)."""
        store = ox.Store()
        if predicates is None:
            store.bulk_extend(self)
            return store
        wanted = {i for i in map(self.known, predicates) if i is not None}
        rows = bytes(map(wanted.__contains__, self.p))
        get: Callable[[int], Any] = self.terms.__getitem__
        store.bulk_extend(map(ox.Quad, *(map(get, compress(column, rows))
                                         for column in (self.s, self.p, self.o, self.g))))
        return store

    def query(self, sparql: str) -> ox.QuerySolutions:
        """Run a SELECT over the union of the graphs, on a store made for it (store_for)."""
        solutions = self.store_for(sparql).query(sparql, use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("QuadTable.query runs SELECT queries only")
        return solutions

    def store_for(self, *queries: str) -> ox.Store:
        """A new store of just the quads whose predicates the queries name.

        Each query must name every predicate it matches (no variable in a predicate position).
        A store of everything would take about 360 bytes a quad for as long as it is used.
        """
        return self.store(self.named_predicates(*queries))

    def named_predicates(self, *queries: str) -> list[str]:
        """The graph's predicates (IRIs as text) that the queries name."""
        named = set().union(*(_named_iris(q) for q in queries))
        return [iri for iri in map(_iri_text, (self.terms[p] for p in set(self.p)))
                if iri in named]

    def subject_rows(self) -> tuple[array, array]:
        """(first, after): first[t] is the first row with subject t, after[r] the next row
        with row r's subject, -1 when there is none; 4 bytes a term and a quad."""
        first = array("i", [-1]) * len(self.terms)
        after = array("i", [-1]) * len(self)
        subjects = self.s
        for row in range(len(self) - 1, -1, -1):
            s = subjects[row]
            after[row] = first[s]
            first[s] = row
        return first, after

    def store_rows(self, rows: Sequence[int]) -> ox.Store:
        """A new in-memory Oxigraph store of the quads at these rows."""
        store = ox.Store()
        store.bulk_extend(self.quads_at(rows))
        return store


def _packed(s: int, p: int, o: int, g: int) -> int:
    """A quad's four term numbers as one int."""
    return (s << 96) | (p << 64) | (o << 32) | g


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _iri_text(term: GraphTerm) -> str:
    return term.value if isinstance(term, ox.NamedNode) else ""


_IRI = re.compile(r"<([^<>\s]*)>")
# `a`, the keyword for rdf:type: over-matching (the word in a string) only loads more quads.
_A = re.compile(r"(?<![\w:?$<@\\-])a(?![\w:-])")
_PREFIXED = re.compile(r"(?<![\w.:-])([A-Za-z][\w.-]*)?:((?:[\w-]|\.(?=[\w-]))*)")


def _named_iris(sparql: str) -> Iterator[str]:
    """Every IRI a SPARQL query names, written in full or with one of its prefixes."""
    prefixes = {name or "": ns for name, ns in _PREFIX.findall(sparql)}
    body = _PREFIX.sub("", sparql)
    yield from _IRI.findall(body)
    body = _IRI.sub(" ", body)
    if _A.search(body):
        yield _RDF_TYPE
    for name, local in _PREFIXED.findall(body):
        if (name or "") in prefixes:
            yield prefixes[name or ""] + local
