"""The closed vocabulary: kb/vocab.py and the ontology file declare the same documented terms."""

from __future__ import annotations

import pytest
from rdflib import RDFS, Graph, URIRef

from kb.export import ontology_graph
from kb.vocab import KB, NS


def declared_terms() -> set[str]:
    return {name for name in KB.__annotations__}


def test_every_vocab_term_has_label_and_comment():
    g: Graph = ontology_graph()
    for name in declared_terms():
        term = URIRef(NS + name)
        assert g.value(term, RDFS.label) is not None, f"{name} has no rdfs:label"
        assert g.value(term, RDFS.comment) is not None, f"{name} has no rdfs:comment"


def test_ontology_declares_nothing_the_module_lacks():
    g = ontology_graph()
    in_ontology = {str(s)[len(NS):] for s in g.subjects() if str(s).startswith(NS)}
    assert in_ontology == declared_terms()


def test_namespace_is_closed():
    with pytest.raises(AttributeError):
        KB.NoSuchTerm  # noqa: B018


def test_shapes_use_only_declared_terms():
    from importlib import resources

    from rdflib import Graph

    shapes = Graph().parse(data=resources.files("kb").joinpath("data/shapes.ttl")
                           .read_text("utf-8"), format="turtle")
    used = {str(t)[len(NS):] for triple in shapes for t in triple
            if isinstance(t, URIRef) and str(t).startswith(NS)}
    assert used <= declared_terms(), used - declared_terms()
