"""Open the store a command asks for: memory (rdflib), oxigraph (on disk) or sparql (a server).

The interface every store implements is kb.stores.base. The stores import neither the loader
nor the pipeline: what they are built from comes in as Hooks from the layer above (kb.connect).

Each store's module is imported when that store is opened: this package runs whenever any
kb.stores module is imported, and a listing must not pay for rdflib (the memory store),
pyoxigraph or urllib (the others) before it knows which store answers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .base import Store, StoreError
from .manifest import cached_config

if TYPE_CHECKING:
    from .oxigraph import Hooks


class Settings(NamedTuple):
    """Which store to use and where, from the options, the environment and collection.yaml."""

    kind: str
    claims_dir: Path
    endpoint: str | None = None


def open_store(settings: Settings, hooks: Hooks,
               notify: Callable[[str], None] | None = None) -> Store:
    """Open the store the settings name (the oxigraph store is rebuilt first if stale)."""
    if settings.kind == "sparql":
        from .sparql import SparqlStore

        if not settings.endpoint:
            raise StoreError("the sparql store needs an endpoint; pass --endpoint URL, set "
                             "$KB_ENDPOINT or add 'endpoint:' to collection.yaml")
        return SparqlStore(settings.endpoint)
    if settings.kind == "oxigraph":
        from .oxigraph import open_fresh

        return open_fresh(settings.claims_dir, hooks, notify)
    from .memory import MemoryStore

    collection, graph, problems = hooks.graph(settings.claims_dir)
    return MemoryStore(graph.dataset(), collection.config.base, problems)


def resolve(claims_dir: Path, kind: str | None, endpoint: str | None,
            read_config: Callable[[Path], dict]) -> Settings:
    """Settings from explicit choices, else collection.yaml (read cheaply when it is unchanged).

    An --endpoint alone means the sparql store. Otherwise the store setting of collection.yaml
    decides; the oxigraph store's manifest remembers it, so a query on an unchanged collection
    never parses YAML (read_config reads it when the manifest cannot say).
    """
    if kind is None and endpoint:
        kind = "sparql"
    if kind is not None and (kind != "sparql" or endpoint):
        return Settings(kind, claims_dir, endpoint)
    config = cached_config(claims_dir)
    if config is None:
        config = read_config(claims_dir)
    return Settings(kind or config.get("store") or "memory", claims_dir,
                    endpoint or config.get("endpoint"))
