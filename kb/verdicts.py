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

# What each verdict means, in the manner of IFCN signatories' rating definitions. The site's
# method page shows these; docs/rating-method.md repeats them word for word (a test checks it).
DEFINITIONS = {
    "accurate": "The figure is correct: the best available evidence matches it within the "
                "precision and bound the article states, for the subject and time it names.",
    "mostly-accurate": "The figure is right or nearly so but needs clarification: it is "
                       "rounded or dated, a loose count, or a price called a cost.",
    "misleading": "The number may be defensible on some basis, but the claim leaves a false "
                  "impression: a target stated as fact, mixed bases, or a part presented as "
                  "the whole.",
    "inaccurate": "The figure is wrong: the best available evidence contradicts it beyond the "
                  "precision and bound the article states.",
    "unverifiable": "No filing, statistics, statement or reputable news report confirms or "
                    "refutes the figure; the explanation says what was searched and found.",
}

# Verdicts that rest on evidence: they must cite at least one evidence statement.
NEEDS_EVIDENCE = ("accurate", "mostly-accurate", "inaccurate")


def in_band(verdict: str, confidence: Decimal) -> bool:
    """Whether a confidence lies in the band its verdict allows."""
    low, high = BANDS[verdict]
    return low <= confidence <= high
