"""The query interface every store implements, and the answers it gives.

Every store answers the named queries of kb/queries and any SPARQL text with the same
library-independent terms (kb.queries.Iri, Lit, Blank), so callers never see which one ran.
This module imports no RDF library.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, NamedTuple

from ..errors import KbError
from ..queries import Iri, Term, normalised, query_text


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

    def select_values(self, name: str, convert: Callable[[Term], Any],
                      **bindings: Term | None) -> list[dict[str, Any]]:
        """select(), with each bound term (numbers spelled canonically) passed through
        convert and each unbound one as None."""
        return [{k: None if v is None else convert(v) for k, v in row.items()}
                for row in self.select(name, **bindings)]

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

    def close(self) -> None:  # noqa: B027  (most stores hold nothing open)
        """Release what the store holds open."""
