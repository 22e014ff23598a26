"""Connect a claims folder to its store: the store factory with the pipeline and the claim
index wired in, so that the stores themselves import neither."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import claimindex
from .stores import open_store, resolve
from .stores.base import Store
from .stores.oxigraph import Hooks, config_settings


def open_kb(claims_dir: Path, kind: str | None = None, endpoint: str | None = None,
            notify: Callable[[str], None] | None = None) -> Store:
    """The store of a claims folder: the kind and endpoint given, else collection.yaml's."""
    return open_store(resolve(claims_dir, kind, endpoint, read_config), rebuild_hooks(), notify)


def rebuild_hooks() -> Hooks:
    """What the oxigraph store rebuilds itself with: the pipeline's graph and the claim index."""
    return Hooks(build_graph, {claimindex.NAME: claimindex.write})


def build_graph(claims_dir: Path):
    """(collection, KbGraph, load problems): the knowledge base as every store holds it.

    The graph is the pipeline's, findings included; the error checks are left to kb check,
    so a query on a collection with errors still answers (with a warning from the CLI).
    """
    # Imported when a store is built: a query on a fresh store must not import rdflib or YAML.
    from .pipeline import graph

    return graph(claims_dir)


def read_config(claims_dir: Path) -> dict:
    """The store settings of collection.yaml, read with the loader (and its errors)."""
    from .load import load_config  # YAML, as above: only when the store's manifest cannot say

    return config_settings(load_config(claims_dir))
