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


# Verdicts whose claim is wrong or misleads as worded: pages never repeat such a claim as a
# headline, they lead with the verdict and what is true instead. Worst first.
CORRECTED = ("inaccurate", "misleading")
# Lists for readers put what they come for first: the wrong claims, then the rest.
WORST_FIRST = tuple(reversed(VERDICTS))


def rating(verdict: str) -> int:
    """ClaimReview's rating of a verdict: 5 for the best, 1 for the worst."""
    return len(VERDICTS) - VERDICTS.index(verdict)


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
