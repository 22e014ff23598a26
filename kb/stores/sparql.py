"""The sparql store: any SPARQL 1.1 server, read with the protocol and written graph by graph.

Reading names the collection's graphs in each request (default-graph-uri, named-graph-uri), so
queries see exactly the collection, whatever else the server holds and however its default graph
is set up. Writing replaces each named graph atomically, either with one Graph Store
Protocol PUT or with SPARQL Update: batches of INSERT DATA into a staging graph, then one MOVE.
Triple-by-triple updates (one request per triple) are never used.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import quoted
from ..oxterms import from_ox
from ..queries import Blank, Iri, Lit, Term, query_text
from .base import Answer, Bindings, Store, StoreError

BATCH_TRIPLES = 500  # Virtuoso rejects very large INSERT DATA requests
TIMEOUT = 60.0
ACCEPT_RESULTS = "application/sparql-results+json"
# Virtuoso answers a CONSTRUCT with JSON results if JSON is acceptable at all: ask for RDF only.
ACCEPT_RDF = "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5"
_RDF_TYPES = {
    "application/n-triples": "nt", "text/plain": "nt", "text/turtle": "ttl",
    "application/x-turtle": "ttl", "application/rdf+xml": "rdf", "text/rdf+n3": "ttl",
}


class SparqlStore(Store):
    """A SPARQL 1.1 endpoint (and, for pushing, its update and Graph Store endpoints)."""

    kind = "sparql"

    def __init__(self, endpoint: str, update_endpoint: str | None = None,
                 graph_store: str | None = None, timeout: float = TIMEOUT):
        for url in (endpoint, update_endpoint, graph_store):
            if url is not None:
                check_url(url)
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graph_store = graph_store
        self.timeout = timeout
        self._base: str | None = None
        self._graph_list: list[str] | None = None

    @property
    def base(self) -> str:
        if self._base is None:
            found = [row["dataset"].value for row in self._discover("collection")
                     if isinstance(row["dataset"], Iri)]
            if not found:
                raise StoreError(f"{self.endpoint} holds no kb collection; push one with "
                                 "kb push --endpoint URL")
            if len(found) > 1:
                raise StoreError(f"{self.endpoint} holds {len(found)} kb collections "
                                 f"({', '.join(found)}); kb reads one collection per endpoint")
            self._base = found[0]
        return self._base

    # -- reading --------------------------------------------------------------------------------

    def query(self, text: str, bindings: Bindings | None = None) -> Answer:
        # The collection's graphs are named in the request (default-graph-uri for the union,
        # named-graph-uri for GRAPH patterns): the server's other data, such as Virtuoso's
        # system graphs, stays out, and no union-default-graph setting is needed.
        graphs = self._graphs()
        dataset = [("default-graph-uri", g) for g in graphs]
        dataset += [("named-graph-uri", g) for g in graphs]
        return self._query(text, bindings, dataset)

    def _graphs(self) -> list[str]:
        if self._graph_list is None:
            self._graph_list = self.graph_names()
        return self._graph_list

    def _discover(self, name: str, **bindings) -> list[dict]:
        """Rows of a named query over everything the server holds (to find the collection)."""
        return self._query(query_text(name), bindings).normalised().records()

    def _query(self, text: str, bindings: Bindings | None,
               dataset: Sequence[tuple[str, str]] = ()) -> Answer:
        params = [("query", with_values(text, bindings or {})), *dataset]
        body = urllib.parse.urlencode(params).encode()
        graph_form = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        kind, data = self._request(self.endpoint, body,
                                   {"Content-Type": "application/x-www-form-urlencoded",
                                    "Accept": ACCEPT_RDF if graph_form else ACCEPT_RESULTS})
        if kind in ("application/sparql-results+json", "application/json") and not graph_form:
            return answer_from_json(data)
        if kind in _RDF_TYPES and graph_form:
            return Answer("construct", triples=parse_triples(data, _RDF_TYPES[kind]))
        raise StoreError(f"{self.endpoint} answered with unexpected content type '{kind}'")

    def graph_names(self) -> list[str]:
        return self.graphs_under(self.base + "graph/")

    def graphs_under(self, prefix: str) -> list[str]:
        """The non-empty graphs named prefix + something that a kb collection writes."""
        rows = self._discover("source_graphs")
        names = {row["graph"].value for row in rows if isinstance(row["graph"], Iri)}
        return sorted(n for n in names | {prefix + "shared", prefix + "report"}
                      if n.startswith(prefix) and self._has_graph(n))

    def _has_graph(self, name: str) -> bool:
        answer = self._query(query_text("graph_exists"), {"graph": Iri(name)})
        return answer.boolean is True

    def graph_ntriples(self, name: str) -> bytes:
        answer = self._query(query_text("graph_triples"), {"graph": Iri(name)})
        return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n"
                       for s, p, o in sorted(answer.triples)).encode("utf-8")

    # -- writing --------------------------------------------------------------------------------

    def replace_graph(self, name: str, ntriples: bytes) -> int:
        """Replace one named graph with the given N-Triples; the number of triples sent."""
        graph = Iri(name).n3()  # validates the IRI before it goes into a request
        lines = [line for line in ntriples.decode("utf-8").splitlines() if line.strip()]
        if self.graph_store:
            url = _with_query(self.graph_store, {"graph": name})
            self._request(url, ntriples, {"Content-Type": "application/n-triples"}, "PUT")
            return len(lines)
        staging = Iri(f"urn:kb:staging:{uuid.uuid4()}").n3()
        try:
            for start in range(0, len(lines), BATCH_TRIPLES):
                batch = "\n".join(lines[start:start + BATCH_TRIPLES])
                self.update(f"INSERT DATA {{ GRAPH {staging} {{\n{batch}\n}} }}")
            # One request swaps the complete graph in: readers see the old or the new one.
            self.update(f"MOVE SILENT GRAPH {staging} TO {graph}")
        except StoreError:
            self._drop_quietly(staging)
            raise
        return len(lines)

    def drop_graph(self, name: str) -> None:
        """Remove one named graph (no error if it does not exist)."""
        self.update(f"DROP SILENT GRAPH {Iri(name).n3()}")

    def update(self, text: str) -> None:
        """Send one SPARQL Update request."""
        self._request(self.update_endpoint, text.encode("utf-8"),
                      {"Content-Type": "application/sparql-update; charset=utf-8"})

    def _drop_quietly(self, graph_n3: str) -> None:
        with suppress(StoreError):  # the original error is the one to report
            self.update(f"DROP SILENT GRAPH {graph_n3}")

    # -- HTTP -----------------------------------------------------------------------------------

    def _request(self, url: str, body: bytes, headers: dict[str, str],
                 method: str = "POST") -> tuple[str, bytes]:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                kind = response.headers.get_content_type()
                return kind, response.read()
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read().decode("utf-8", "replace").split())[:300]
            raise StoreError(f"{url} answered {exc.code} {exc.reason}"
                             + (f": {detail}" if detail else "")) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {reason}; is the "
                             "server running and the URL right?") from None


def check_url(url: str) -> None:
    """Raise StoreError unless url is an http(s) URL that urllib can send a request to."""
    if not url.startswith(("http://", "https://")):
        raise StoreError(f"endpoint {quoted(url)} is not an http:// or https:// URL")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number raises here, not mid-request)
    except ValueError as exc:
        raise StoreError(f"endpoint {quoted(url)} is not a valid URL: {exc}") from None
    if not parts.hostname or any(ord(ch) <= 0x20 or ch == "\x7f" for ch in url):
        raise StoreError(f"endpoint {quoted(url)} is not a valid URL: it needs a host name "
                         "and no spaces or control characters")


def _with_query(url: str, params: dict[str, str]) -> str:
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + sep + urllib.parse.urlencode(params)


# -- bindings -------------------------------------------------------------------------------------


def with_values(text: str, bindings: Bindings) -> str:
    """The query with its bindings as a VALUES block at the head of the WHERE group.

    The SPARQL protocol has no parameters. A VALUES block at the start of the outermost group
    binds the variables before that group's filters run, which is what initBindings and
    substitutions mean; every term is serialised and escaped by its n3(), never pasted in.
    """
    if not bindings:
        return text
    names = sorted(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise StoreError(f"'{name}' is not a SPARQL variable name")
    values = (" VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
              + " ".join(bindings[n].n3() for n in names) + ") } ")
    at = where_group(text) + 1
    return text[:at] + values + text[at:]


@dataclass
class _Scan:
    """A position in query text, skipping comments, strings and IRIs."""

    text: str
    i: int = 0

    def tokens(self) -> Iterator[tuple[int, str]]:
        """Yield (position, character) for braces and the first letter of each word."""
        text, n = self.text, len(self.text)
        while self.i < n:
            ch = text[self.i]
            if ch == "#":
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end
            elif ch in "\"'":
                self.i = _string_end(text, self.i)
            elif ch == "<" and re.match(r"<[^<>\"{}|^`\\\s]*>", text[self.i:]):
                self.i = text.index(">", self.i) + 1
            elif ch in "{}":
                yield self.i, ch
                self.i += 1
            elif m := re.match(r"[A-Za-z_]+", text[self.i:]):
                yield self.i, m.group(0).upper()
                self.i += len(m.group(0))
            else:  # punctuation, or a letter outside ASCII (which no keyword starts with)
                self.i += 1


def _string_end(text: str, i: int) -> int:
    quote = text[i] * 3 if text.startswith(text[i] * 3, i) else text[i]
    j = i + len(quote)
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text.startswith(quote, j):
            return j + len(quote)
        else:
            j += 1
    raise StoreError("SPARQL syntax error: unterminated string")


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's form keyword (None if it has none)."""
    for _, token in _Scan(text).tokens():
        if token in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return token
    return None


def uses_service(text: str) -> bool:
    """Does the query have a SERVICE clause, which makes whoever runs it ask another server?"""
    for pos, token in _Scan(text).tokens():
        if token != "SERVICE":
            continue
        before, after = text[pos - 1:pos], text[pos + 7:pos + 8]
        # Not a keyword inside a variable (?service), a prefixed name (ex:service, service:x)
        # or a longer word (services, service2).
        if not any(ch and (ch.isalnum() or ch in "?$:_-.") for ch in (before, after)):
            return True
    return False


def where_group(text: str) -> int:
    """The index of the opening brace of the query's WHERE group."""
    depth, skip_template, seen_form = 0, False, False
    for pos, token in _Scan(text).tokens():
        if token in ("SELECT", "ASK", "DESCRIBE") and not seen_form:
            seen_form = True
        elif token == "CONSTRUCT" and not seen_form:
            seen_form, skip_template = True, True
        elif token == "WHERE" and depth == 0:
            skip_template = False
        elif token == "{":
            if depth == 0 and not skip_template:
                return pos
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0 and skip_template:
                skip_template = False
    raise StoreError("cannot bind variables in this query: it has no WHERE group")


# -- answers --------------------------------------------------------------------------------------


def answer_from_json(data: bytes) -> Answer:
    """A SPARQL 1.1 Query Results JSON document as an Answer."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise StoreError(f"the endpoint sent malformed JSON results: {exc}") from None
    if "boolean" in doc:
        return Answer("ask", boolean=bool(doc["boolean"]))
    names = tuple(doc.get("head", {}).get("vars", []))
    rows = [tuple(_term(b.get(n)) for n in names) for b in doc.get("results", {}).get(
        "bindings", [])]
    return Answer("select", names, rows)


def _term(binding: dict | None) -> Term | None:
    if binding is None:
        return None
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return Iri(value)
    if kind == "bnode":
        return Blank(value)
    lang = binding.get("xml:lang")
    if lang:
        return Lit(value, None, lang)
    datatype = binding.get("datatype")
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        datatype = None
    return Lit(value, datatype)


def parse_triples(data: bytes, fmt: str) -> list[tuple[Term, Term, Term]]:
    """An RDF document (a CONSTRUCT answer) as triples of kb terms, parsed by pyoxigraph."""
    formats = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE,
               "rdf": ox.RdfFormat.RDF_XML}
    try:
        return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
                for t in ox.parse(data, format=formats[fmt])]
    except SyntaxError as exc:
        raise StoreError(f"the endpoint sent malformed RDF: {exc}") from None


# -- pushing --------------------------------------------------------------------------------------


@dataclass
class Pushed:
    """What a push did: the graphs written (name, triples) and those dropped."""

    graphs: list[tuple[str, int]]
    dropped: list[str]


def push(source: Store, target: SparqlStore, only: list[str] | None = None,
         notify: Callable[[str], None] | None = None) -> Pushed:
    """Replace the target's copy of each named graph of source (or of the graphs in only).

    A full push also drops the target's graphs of this collection that source no longer has
    (a source removed since the last push), so the server holds exactly the collection.
    """
    names = source.graph_names()
    for name in only or ():
        if name not in names:
            raise StoreError(f"no graph <{name}> in the knowledge base; its graphs are "
                             + ", ".join(f"<{n}>" for n in names))
    written = []
    for name in only or names:
        count = target.replace_graph(name, source.graph_ntriples(name))
        written.append((name, count))
        if notify:
            notify(f"pushed <{name}>: {count} triples")
    dropped = []
    if not only:
        for name in sorted(set(target.graphs_under(source.base + "graph/")) - set(names)):
            target.drop_graph(name)
            dropped.append(name)
            if notify:
                notify(f"dropped <{name}>: no longer in the knowledge base")
    return Pushed(written, dropped)
