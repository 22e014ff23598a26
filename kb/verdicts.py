"""The verdict scale and the confidence band each verdict allows. Defined once, used everywhere."""

from __future__ import annotations

from decimal import Decimal

# verdict: (lowest, highest) confidence it allows, inclusive. Confidence is the knowledge base's
# credence that the claim, as stated, is true; 0.5 is no information either way. The bands
# overlap where the verdicts do: a claim can be mostly accurate at 0.8 or accurate at 0.8.
BANDS: dict[str, tuple[Decimal, Decimal]] = {
    "accurate": (Decimal("0.80"), Decimal("1.00")),
    "mostly-accurate": (Decimal("0.60"), Decimal("0.85")),
    "unverifiable": (Decimal("0.20"), Decimal("0.70")),
    "misleading": (Decimal("0.15"), Decimal("0.60")),
    "inaccurate": (Decimal("0.00"), Decimal("0.20")),
}

LABELS = {
    "accurate": "Accurate",
    "mostly-accurate": "Mostly accurate",
    "unverifiable": "Unverifiable",
    "misleading": "Misleading",
    "inaccurate": "Inaccurate",
}

# Verdicts whose claim is wrong or misleads as worded: pages never repeat such a claim as a
# headline, they lead with the verdict and what is true instead. Worst first.
CORRECTED = ("inaccurate", "misleading")

# Verdicts that rest on evidence: they must cite at least one evidence statement.
NEEDS_EVIDENCE = ("accurate", "mostly-accurate", "inaccurate")


def in_band(verdict: str, confidence: Decimal) -> bool:
    """Whether a confidence lies in the band its verdict allows."""
    low, high = BANDS[verdict]
    return low <= confidence <= high


def review_headline(verdict: str, statement: str, correction: str | None) -> str:
    """A review's headline, verdict first: 'Inaccurate: Tesla's highest-revenue year was 2024,
    not 2022.' A wrong claim without a correction is quoted, never stated as fact."""
    label = LABELS[verdict]
    if correction:
        return f"{label}: {correction}"
    if verdict in CORRECTED:
        return f"{label} claim: “{statement.rstrip('.')}”"
    return f"{label}: {statement}"
