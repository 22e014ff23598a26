"""The verdict scale: each verdict with its label, icon and confidence band, defined once."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Verdict(NamedTuple):
    """What one verdict means and how it is shown."""

    label: str
    icon: str
    # The lowest and highest confidence it allows, inclusive. Confidence is the knowledge
    # base's credence that the claim, as stated, is true; 0.5 is no information either way.
    low: Decimal
    high: Decimal
    needs_evidence: bool  # it rests on evidence: the claim must cite at least one statement


# Best to worst: the order of listings, sorting, pages and ClaimReview ratings. The bands
# overlap where the verdicts do: a claim can be mostly accurate at 0.8 or accurate at 0.8.
SCALE: dict[str, Verdict] = {
    "accurate": Verdict("Accurate", "✓", Decimal("0.80"), Decimal("1.00"), True),
    "mostly-accurate": Verdict("Mostly accurate", "≈", Decimal("0.60"), Decimal("0.85"), True),
    "unverifiable": Verdict("Unverifiable", "?", Decimal("0.20"), Decimal("0.70"), False),
    "misleading": Verdict("Misleading", "!", Decimal("0.15"), Decimal("0.60"), False),
    "inaccurate": Verdict("Inaccurate", "✗", Decimal("0.00"), Decimal("0.20"), True),
}
VERDICTS = tuple(SCALE)
LABELS = {verdict: v.label for verdict, v in SCALE.items()}
ICONS = {verdict: v.icon for verdict, v in SCALE.items()}
BANDS = {verdict: (v.low, v.high) for verdict, v in SCALE.items()}
NEEDS_EVIDENCE = tuple(verdict for verdict, v in SCALE.items() if v.needs_evidence)


def rating(verdict: str) -> int:
    """ClaimReview's rating of a verdict: 5 for the best, 1 for the worst."""
    return len(VERDICTS) - VERDICTS.index(verdict)


def in_band(verdict: str, confidence: Decimal) -> bool:
    """Whether a confidence lies in the band its verdict allows."""
    low, high = BANDS[verdict]
    return low <= confidence <= high
