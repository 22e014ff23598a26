"""Serialise the knowledge base: TriG, Turtle, N-Quads, JSON-LD and a CSV of claims.

Every serialisation is deterministic (same graph, same bytes), so builds are reproducible.
"""

from __future__ import annotations

import csv
import io
import json
from importlib import resources

from rdflib import Dataset, Graph

from .check import union_graph
from .graph import PREFIXES, bind_prefixes
from .iris import Iris
from .model import Collection

FORMATS = {
    # name: (file extension, media type)
    "trig": ("trig", "application/trig"),
    "turtle": ("ttl", "text/turtle"),
    "nquads": ("nq", "application/n-quads"),
    "jsonld": ("jsonld", "application/ld+json"),
    "csv": ("csv", "text/csv"),
}

CSV_COLUMNS = (
    "id", "source", "subject", "property", "compared_with", "amount", "unit", "bound", "lower",
    "upper", "precision", "time_kind", "time_start", "time_end", "time_phrase", "confidence",
    "verdict", "quote", "start", "end", "normalised", "statement", "evidence", "iri",
)


def serialize(collection: Collection, ds: Dataset, fmt: str) -> str:
    """The whole knowledge base in one format, as text."""
    if fmt == "trig":
        return _trig(ds)
    if fmt == "turtle":
        g = union_graph(ds)
        bind_prefixes(g, Iris(collection.config.base))
        return g.serialize(format="turtle")
    if fmt == "nquads":
        lines = ds.serialize(format="nquads").splitlines()
        return "".join(line + "\n" for line in sorted(set(lines)) if line.strip())
    if fmt == "jsonld":
        return _stable_json(ds.serialize(format="json-ld"))
    if fmt == "csv":
        return claims_csv(collection, ds)
    raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")


def _trig(ds: Dataset) -> str:
    """TriG with the named graphs in name order.

    rdflib writes them in the order of a set of graphs, which changes with Python's hash seed,
    so two processes would write the same Dataset differently.
    """
    from rdflib.plugins.serializers.trig import TrigSerializer

    serializer = TrigSerializer(ds)
    serializer.contexts.sort(key=lambda g: str(g.identifier))
    out = io.BytesIO()
    serializer.serialize(out, encoding="utf-8")
    return out.getvalue().decode("utf-8")


def _sorted_json(value):
    """Sort every JSON-LD array: none of ours is an @list, so order carries no meaning."""
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _stable_json(text: str) -> str:
    return json.dumps(_sorted_json(json.loads(text)), ensure_ascii=False, indent=1) + "\n"


def claims_csv(collection: Collection, ds: Dataset) -> str:
    """One row per claim, read from the graph (not the YAML) so the CSV is the graph's."""
    from .queries import run_select

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    evidence_base = Iris(collection.config.base).evidence("")
    for row in run_select(ds, "claims_table", base=collection.config.base):
        # GROUP_CONCAT yields full IRIs in no set order; the CSV lists sorted ids.
        row["evidence"] = " ".join(sorted(e.removeprefix(evidence_base)
                                          for e in row["evidence"].split()))
        writer.writerow({k: row.get(k, "") for k in CSV_COLUMNS})
    return out.getvalue()


def ontology_graph() -> Graph:
    """The vocabulary shipped with the package."""
    g = Graph()
    g.parse(data=resources.files("kb").joinpath("data/ontology.ttl").read_text("utf-8"),
            format="turtle")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g
