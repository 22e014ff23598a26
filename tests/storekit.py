"""Stores holding a small collection plus findings the tests add themselves.

The findings computation is not what these tests are about: add_findings writes two known
findings into the report graph, so kb findings and --has-finding have something to show.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kb.connect import rebuild_hooks
from kb.findings import Finding, Side
from kb.graph import add_findings
from kb.pipeline import graph
from kb.stores.base import Store
from kb.stores.memory import MemoryStore
from kb.stores.oxigraph import OxigraphStore, config_settings, rebuild
from kb.stores.sparql import SparqlStore, push

CONTRADICTION = Finding(
    id="test-contradiction", kind="contradiction", holds=False,
    message="BYD's and Tesla's revenues cannot both hold.",
    involves=("byd-revenue", "tesla-revenue-2022"),
    left=Side(Decimal("60.55e9"), Decimal("60.65e9"), "USD"),
    right=Side(Decimal("81.4615e9"), Decimal("81.4625e9"), "USD"),
    source="mini-article", factor=(Decimal("1.34"), Decimal("1.35")))
HOLDS = Finding(
    id="test-relation", kind="relation", holds=True,
    message="tesla-above-byd holds.", involves=("byd-revenue", "tesla-revenue-2022"),
    left=Side(Decimal("81.4615e9"), Decimal("81.4625e9"), "USD"),
    right=Side(Decimal("60.55e9"), None, "USD"),
    relation="tesla-above-byd", source="mini-article")
CONFLICT = Finding(
    id="test-conflict", kind="evidence-conflict", holds=False,
    message="The 10-K gives another figure.",
    involves=("tesla-revenue-2022", "tesla-revenue-2022-10k"),
    left=Side(Decimal("81.4615e9"), Decimal("81.4625e9"), "USD"),
    right=Side(Decimal("81.4615e9"), Decimal("81.4625e9"), "USD"))


def with_findings(claims_dir: Path):
    """(collection, KbGraph) of a claims folder with the three test findings added."""
    collection, kb_graph, problems = graph(claims_dir)
    assert not problems, problems
    add_findings(kb_graph, [CONTRADICTION, HOLDS, CONFLICT], set(collection.claims))
    return collection, kb_graph


def oxigraph_store_of(claims_dir: Path, collection, kb_graph) -> OxigraphStore:
    """The claims folder's oxigraph store, built from the given graph."""
    manifest = rebuild(claims_dir, "test", rebuild_hooks(), kb_graph,
                       config_settings(collection.config))
    return OxigraphStore(claims_dir / ".kb" / "oxigraph", manifest)


def open_kind(kind: str, claims_dir: Path, collection, kb_graph, request) -> Store:
    """A store of one kind holding the graph (servers get it pushed first)."""
    if kind == "memory":
        return MemoryStore(kb_graph.dataset(), collection.config.base)
    if kind == "oxigraph":
        return oxigraph_store_of(claims_dir, collection, kb_graph)
    server = request.getfixturevalue(f"{kind}_server")
    target = SparqlStore(server.query, server.update)
    push(MemoryStore(kb_graph.dataset(), collection.config.base), target)
    return target
