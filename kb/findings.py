"""Findings: facts about the sources that the checks establish and the site must show.

A finding is not an error. It is published: as a node in the report graph (a named graph of
the Dataset), on the findings page, on the pages of the claims it concerns, and by `kb findings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple


class Kind(NamedTuple):
    """How one kind of finding is named in the graph and on the pages."""

    term: str  # its class in the kb: vocabulary
    label: str  # one finding of the kind, on its page
    failing: str  # the findings page's heading for those that do not hold


# In the order reports and pages list them.
KINDS: dict[str, Kind] = {
    "relation": Kind("RelationFinding", "Relation", "Relations that do not hold"),
    "contradiction": Kind("Contradiction", "Contradiction", "Contradictions"),
    "evidence-conflict": Kind("EvidenceConflict", "Evidence conflict", "Evidence conflicts"),
    "weakly-sourced": Kind("WeaklySourced", "Weakly sourced", "Verdicts on weak sources"),
}


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: an interval in a unit, and how it was computed."""

    lower: Decimal | None  # None: unbounded below
    upper: Decimal | None  # None: unbounded above
    unit: str
    text: str = ""  # e.g. "3000 × (3–4 × 312 TFLOPS)"


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of the consistency checks.

    kind:     relation (a declared relation evaluated), contradiction (two claims about the same
              subject, property and time that cannot both hold), evidence-conflict (a claim whose
              interval misses its evidence's), weakly-sourced (a verdict that rests on no
              document of tier 1 or 2, kb/trust.py).
    holds:    for relations, whether it holds; contradictions and conflicts never hold.
    involves: the claim and evidence ids concerned, in a stable order.
    left, right: the two sides compared; None for findings that compare no numbers
              (weakly-sourced).
    factor:   (low, high) factor by which the two sides are apart, when they do not overlap.
    """

    id: str
    kind: str
    holds: bool
    message: str
    involves: tuple[str, ...]
    left: Side | None = None
    right: Side | None = None
    relation: str | None = None
    source: str | None = None
    factor: tuple[Decimal, Decimal] | None = None
