"""From pyoxigraph (the working graph) to rdflib (the public Python API and the memory store).

Used only at that edge. Each distinct term is converted once, since IRIs recur on every claim.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef


def to_rdflib(quads: Iterable[ox.Quad]) -> Dataset:
    """pyoxigraph quads as an rdflib Dataset (default graph = union of the named graphs)."""
    ds = Dataset(default_union=True)
    cache: dict = {}

    def term(t):
        hit = cache.get(t)
        if hit is None:
            if isinstance(t, ox.NamedNode):
                hit = URIRef(t.value)
            elif isinstance(t, ox.BlankNode):
                hit = BNode(t.value)
            elif t.language:
                hit = Literal(t.value, lang=t.language)
            elif t.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
                hit = Literal(t.value)
            else:
                hit = Literal(t.value, datatype=URIRef(t.datatype.value))
            cache[t] = hit
        return hit

    graphs: dict = {}
    for q in quads:
        name = q.graph_name
        g = graphs.get(name)
        if g is None:
            g = graphs[name] = (ds.default_graph if isinstance(name, ox.DefaultGraph)
                                else ds.graph(term(name)))
        g.add((term(q.subject), term(q.predicate), term(q.object)))
    return ds
