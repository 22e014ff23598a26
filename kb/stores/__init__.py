"""One query interface over three stores: memory (rdflib), oxigraph (on disk), sparql (a server).

Every store answers the named queries of kb/queries and any SPARQL text with the same
library-independent terms (kb.queries.Iri, Lit, Blank), so callers never see which one ran.
Importing this package imports no RDF library; each store imports its own when opened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..choices import STORE_KINDS
from ..errors import KbError
from ..queries import Iri, Term, normalised, query_text

if TYPE_CHECKING:
    from ..claimindex import ClaimIndex

STORES = STORE_KINDS


class StoreError(KbError):
    """A store cannot answer: unreachable server, malformed query, missing collection."""


class Answer(NamedTuple):
    """What a query returned: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE)."""

    form: str  # "select", "ask" or "construct"
    variables: tuple[str, ...] = ()
    rows: list[tuple[Term | None, ...]] = []  # noqa: RUF012  (never mutated)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = []  # noqa: RUF012

    def records(self) -> list[dict[str, Term | None]]:
        """The rows as dicts keyed by variable name."""
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]

    def normalised(self) -> Answer:
        """The same answer with numbers spelled canonically (see kb.queries.normalised)."""
        def norm(term):
            return None if term is None else normalised(term)

        return Answer(self.form, self.variables,
                      [tuple(norm(t) for t in row) for row in self.rows], self.boolean,
                      [tuple(norm(t) for t in triple) for triple in self.triples])


Bindings = dict[str, Term]


class Store(ABC):
    """A knowledge base that answers SPARQL over the union of its named graphs."""

    kind: str = ""
    problem_count: int = 0  # entries of the claims folder that could not be loaded

    @property
    @abstractmethod
    def base(self) -> str:
        """The collection's base IRI (our IRIs are base + kind/id)."""

    @abstractmethod
    def query(self, text: str, bindings: Bindings | None = None) -> Answer:
        """Run SPARQL text with variables bound to terms (never formatted into the text)."""

    @abstractmethod
    def graph_names(self) -> list[str]:
        """The named graphs of the collection, sorted."""

    @abstractmethod
    def graph_ntriples(self, name: str) -> bytes:
        """One named graph as N-Triples (UTF-8), for pushing to a server."""

    def select(self, name: str, **bindings: Term | None) -> list[dict[str, Term | None]]:
        """Rows of the named query kb/queries/NAME.rq; None bindings are left unbound."""
        given = {k: v for k, v in bindings.items() if v is not None}
        return self.run_named(name, given).normalised().records()

    def run_named(self, name: str, bindings: Bindings) -> Answer:
        """Run the named query kb/queries/NAME.rq."""
        return self.query(query_text(name), bindings)

    def column(self, name: str, variable: str, bindings: Bindings) -> list[Term | None]:
        """One variable's value in each row of the named query kb/queries/NAME.rq."""
        answer = self.run_named(name, bindings)
        i = answer.variables.index(variable)
        return [row[i] for row in answer.rows]

    def iri(self, kind: str, ident: str) -> Iri:
        """One of our IRIs: iri('entity', 'tesla') -> <base>entity/tesla."""
        return Iri(f"{self.base}{kind}/{ident}")

    def claim_index(self) -> ClaimIndex | None:
        """The store's claim index (kb.claimindex), if it keeps one."""
        return None

    def close(self) -> None:  # noqa: B027  (most stores hold nothing open)
        """Release what the store holds open."""


class Settings(NamedTuple):
    """Which store to use and where, from the options, the environment and collection.yaml."""

    kind: str
    claims_dir: Path
    endpoint: str | None = None


def open_store(settings: Settings, notify: Callable[[str], None] | None = None) -> Store:
    """Open the store the settings name (the oxigraph store is rebuilt first if stale)."""
    if settings.kind == "sparql":
        from .sparql import SparqlStore

        if not settings.endpoint:
            raise StoreError("the sparql store needs an endpoint; pass --endpoint URL, set "
                             "$KB_ENDPOINT or add 'endpoint:' to collection.yaml")
        return SparqlStore(settings.endpoint)
    if settings.kind == "oxigraph":
        from .oxigraph import open_fresh

        return open_fresh(settings.claims_dir, notify)
    from .memory import MemoryStore

    return MemoryStore.from_claims(settings.claims_dir)


def resolve(claims_dir: Path, kind: str | None = None, endpoint: str | None = None) -> Settings:
    """Settings from explicit choices, else collection.yaml (read cheaply when it is unchanged).

    An --endpoint alone means the sparql store. Otherwise the store setting of collection.yaml
    decides; the oxigraph store's manifest remembers it, so a query on an unchanged collection
    never parses YAML.
    """
    if kind is None and endpoint:
        kind = "sparql"
    if kind is not None and (kind != "sparql" or endpoint):
        return Settings(kind, claims_dir, endpoint)
    from .manifest import cached_config

    config = cached_config(claims_dir)
    if config is None:
        config = _read_config(claims_dir)
    return Settings(kind or config.get("store") or "memory", claims_dir,
                    endpoint or config.get("endpoint"))


def build_graph(claims_dir: Path):
    """(collection, KbGraph, load problems): the knowledge base as every store holds it.

    The graph is the pipeline's, findings included; the error checks are left to kb check,
    so a query on a collection with errors still answers (with a warning from the CLI).
    """
    from ..pipeline import graph

    return graph(claims_dir)


def _read_config(claims_dir: Path) -> dict:
    """The store settings of collection.yaml, read with the loader (and its errors)."""
    from ..load import load_config

    config = load_config(claims_dir)
    return {"store": config.store, "endpoint": config.endpoint, "base": config.base}
