"""kb push and queries against real SPARQL servers: Oxigraph server and Virtuoso."""

from __future__ import annotations

import json
import re

import pytest
from conftest import edit
from helpers import invoke, run_kb
from servers import free_port

from kb.pipeline import graph
from kb.queries import Iri, Lit, query_text
from kb.stores.memory import MemoryStore
from kb.stores.sparql import SparqlStore

pytestmark = pytest.mark.server

SERVERS = ["oxigraph", "virtuoso"]


def push_args(server, claims, method: str) -> list[str]:
    args = ["push", "--claims", str(claims), "--endpoint", server.query,
            "--update-endpoint", server.update]
    return args + (["--graph-store", server.graph_store] if method == "gsp" else [])


XSD = "http://www.w3.org/2001/XMLSchema#"
PARTIAL_DATES = {XSD + "gYear", XSD + "gYearMonth", XSD + "date"}


def graph_triples(store, name: str, lossy_dates: bool = False) -> set:
    """One named graph's triples, numbers spelled canonically.

    With lossy_dates, 2025 (xsd:gYear), 2025-01 (xsd:gYearMonth) and 2025-01-01 (xsd:date)
    count as one value, as Virtuoso stores them: it keeps one SQL date per value, so a
    2025-01 given after a 2025 comes back as 2025.
    """
    triples = store.query(query_text("graph_triples"), {"graph": Iri(name)}).normalised().triples
    if lossy_dates:
        triples = [(s, p, _first_day(o)) for s, p, o in triples]
    return set(triples)


def _first_day(term):
    if isinstance(term, Lit) and term.datatype in PARTIAL_DATES:
        year, month, day = ([*term.value.split("-"), "01", "01"])[:3]
        return Lit(f"{year}-{month}-{day}", XSD + "date")
    return term


def assert_server_holds(server, claims) -> MemoryStore:
    """The server holds exactly the collection's graphs, triple for triple."""
    collection, kb_graph, _ = graph(claims)  # what push sent: check()'s graph, findings too
    local = MemoryStore(kb_graph.dataset(), collection.config.base)
    remote = SparqlStore(server.query)
    assert remote.graph_names() == local.graph_names()
    lossy = server.name == "virtuoso"
    for name in local.graph_names():
        expected, got = graph_triples(local, name, lossy), graph_triples(remote, name, lossy)
        assert got == expected, (f"{name}: {len(got - expected)} extra, "
                                 f"{len(expected - got)} missing")
    return local


# Each server is pushed the seed by one method here and the mini collection by both in
# test_a_removed_source_is_dropped_from_the_server (the seed takes seconds to check).
@pytest.mark.parametrize(("server_name", "method"), [("oxigraph", "gsp"),
                                                     ("virtuoso", "update")])
def test_push_the_seed_query_it_edit_and_push_again(server_name, method, seed, request):
    server = request.getfixturevalue(f"{server_name}_server")
    result = invoke(*push_args(server, seed, method))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("kb: pushed ")
    assert_server_holds(server, seed)

    listed = invoke("claims", "--claims", str(seed), "--store", "memory", "--json")
    remote = invoke("claims", "--endpoint", server.query, "--json")
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.output) == json.loads(listed.output)

    claims_file = next(seed.glob("sources/*/claims*.yaml"))
    text = claims_file.read_text(encoding="utf-8")
    first_statement = text.split("statement:", 1)[1].splitlines()[0].strip()
    edit(claims_file, first_statement, first_statement.rstrip(".") + " (as edited).")
    result = invoke(*push_args(server, seed, method))
    assert result.exit_code == 0, result.output
    local = assert_server_holds(server, seed)
    statements = [r["statement"].value for r in local.select("claims_list")]
    assert sum("(as edited)" in s for s in statements) == 1
    remote = invoke("claims", "--endpoint", server.query, "--json")
    assert json.loads(remote.output) == json.loads(
        invoke("claims", "--claims", str(seed), "--store", "memory", "--json").output)


@pytest.mark.parametrize("server_name", SERVERS)
def test_a_removed_source_is_dropped_from_the_server(server_name, mini, request):
    server = request.getfixturevalue(f"{server_name}_server")
    second = mini / "sources" / "second-article"
    second.mkdir()
    for path in (mini / "sources" / "mini-article").iterdir():
        text = path.read_text(encoding="utf-8")
        for ident in ("tesla-revenue-2022", "byd-revenue", "tesla-above-byd"):
            text = re.sub(rf"{ident}(?![\w-])", ident + "-again", text)
        (second / path.name).write_text(text, encoding="utf-8")
    assert invoke(*push_args(server, mini, "update")).exit_code == 0
    assert_server_holds(server, mini)
    assert "https://kb.example.org/graph/second-article" in SparqlStore(
        server.query).graph_names()

    for path in second.iterdir():
        path.unlink()
    second.rmdir()
    result = invoke(*push_args(server, mini, "gsp"))
    assert result.exit_code == 0, result.output
    assert "kb: dropped <https://kb.example.org/graph/second-article>: no longer in the " \
           "knowledge base" in result.output
    assert_server_holds(server, mini)


def test_push_one_graph_only(oxigraph_server, mini):
    graph = "https://kb.example.org/graph/shared"
    result = invoke(*push_args(oxigraph_server, mini, "update"), "--graph", graph)
    assert result.exit_code == 0, result.output
    assert f"kb: pushed <{graph}>: " in result.output
    result = run_kb(*push_args(oxigraph_server, mini, "update"), "--graph",
                    "https://kb.example.org/graph/nope")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: no graph <https://kb.example.org/graph/nope> in the knowledge base; its graphs "
        "are <https://kb.example.org/graph/mini-article>, <https://kb.example.org/graph/report>, "
        "<https://kb.example.org/graph/shared>")


def test_a_wrong_endpoint_path_says_what_the_server_answered(oxigraph_server, mini):
    url = oxigraph_server.query.rsplit("/", 1)[0] + "/nope"
    result = run_kb("claims", "--endpoint", url)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {url} answered 404 ")


def test_push_to_an_unreachable_endpoint_is_one_clear_line(mini):
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = run_kb("push", "--claims", str(mini), "--endpoint", url)
    assert result.exit_code == 1
    assert result.output == (f"Error: cannot reach the SPARQL endpoint {url}: [Errno 111] "
                             "Connection refused; is the server running and the URL right?\n")


def test_push_refuses_a_broken_knowledge_base(oxigraph_server, mini):
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 2")
    result = run_kb(*push_args(oxigraph_server, mini, "gsp"))
    assert result.exit_code == 1
    assert "confidence 2.0 is outside [0, 1]" in result.output
    assert result.output.splitlines()[-1] == "Error: 1 error(s); nothing was pushed"
