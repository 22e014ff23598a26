"""Findings: facts about the sources that the checks establish and the site must show.

A finding is not an error. It is published: as a node in the report graph (a named graph of
the Dataset), on the findings page, on the pages of the claims it concerns, and by `kb findings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rdflib import RDF, Dataset, Literal
from rdflib.namespace import PROV

from .iris import Iris

KINDS = ("relation", "contradiction", "evidence-conflict")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: an interval in a unit, and how it was computed."""

    lower: Decimal | None  # None: unbounded below
    upper: Decimal | None  # None: unbounded above
    unit: str
    text: str = ""  # e.g. "3000 × (3–4 × 312 TFLOPS)"


@dataclass(frozen=True)
class Finding:
    """One result of the consistency checks.

    kind:     relation (a declared relation evaluated), contradiction (two claims about the same
              subject, property and time that cannot both hold), evidence-conflict (a claim whose
              interval misses its evidence's).
    holds:    for relations, whether it holds; contradictions and conflicts never hold.
    involves: the claim and evidence ids concerned, in a stable order.
    factor:   (low, high) factor by which the two sides are apart, when they do not overlap.
    """

    id: str
    kind: str
    holds: bool
    message: str
    involves: tuple[str, ...]
    left: Side
    right: Side
    relation: str | None = None
    source: str | None = None
    factor: tuple[Decimal, Decimal] | None = None


def add_findings(ds: Dataset, iris: Iris, findings: list[Finding], claims: set[str]) -> None:
    """Write findings into the report graph of the Dataset."""
    from .graph import dec
    from .vocab import KB

    kinds = {"relation": KB.RelationFinding, "contradiction": KB.Contradiction,
             "evidence-conflict": KB.EvidenceConflict}
    g = ds.graph(iris.report_graph())
    report = iris.report()
    g.add((report, RDF.type, KB.CheckReport))
    for f in findings:
        node = iris.finding(f.id)
        g.add((report, KB.finding, node))
        g.add((node, RDF.type, KB.Finding))
        g.add((node, RDF.type, kinds[f.kind]))
        g.add((node, KB.holds, Literal(f.holds)))
        g.add((node, KB.message, Literal(f.message, lang="en")))
        for ident in f.involves:
            g.add((node, KB.involves, iris.claim(ident) if ident in claims
                   else iris.evidence(ident)))
        if f.relation:
            g.add((node, KB.relation, iris.relation(f.relation)))
        if f.source:
            g.add((node, PROV.wasDerivedFrom, iris.source(f.source)))
        for side, lo, hi, unit in (("left", KB.leftLower, KB.leftUpper, KB.leftUnit),
                                   ("right", KB.rightLower, KB.rightUpper, KB.rightUnit)):
            s: Side = getattr(f, side)
            if s.lower is not None:
                g.add((node, lo, dec(s.lower)))
            if s.upper is not None:
                g.add((node, hi, dec(s.upper)))
            g.add((node, unit, Literal(s.unit)))
        if f.factor is not None:
            g.add((node, KB.factorLow, dec(f.factor[0])))
            g.add((node, KB.factorHigh, dec(f.factor[1])))
