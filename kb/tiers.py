"""Evidence-document kinds and their reliability tiers: defined once, used everywhere.

docs/evidence.md explains each kind and tier; docs/rating-method.md says how tiers bound verdicts.
No imports: the loader, the graph, the checks and the site all read these.
"""

# kind: (tier, label). Tier 1 is the figure's own origin, 2 a reputable news organisation that
# reported it, 3 a copy or summary by someone else, 4 anything else.
KINDS: dict[str, tuple[int, str]] = {
    "filing": (1, "Filing or release"),
    "statistics": (1, "Official statistics"),
    "statement": (1, "The statement itself"),
    "news": (2, "News organisation"),
    "aggregator": (3, "Aggregator or copy"),
    "other": (4, "Other"),
}
DOCUMENT_KINDS = tuple(KINDS)

# The two strongest tiers: a verdict other than unverifiable must rest on one of them.
STRONG_TIERS = (1, 2)

TIER_LABELS = {1: "primary", 2: "reputable news", 3: "secondary", 4: "other"}

# What each kind is, for readers (the site's method page; docs/evidence.md says more).
DEFINITIONS = {
    "filing": "The original publisher's own filing or release, on its own site or a "
              "regulator's (a 10-K on SEC EDGAR, a results release, an index publisher's release).",
    "statistics": "Official statistics: a statistics office, central bank, regulator or audit "
                  "office.",
    "statement": "The statement itself: a transcript or video of the speaker, or the speaker's "
                 "own post.",
    "news": "A reputable news organisation, with editors and a corrections policy, on its own "
            "site or as licensed wire copy.",
    "aggregator": "A secondary aggregator, repost, mirror or data aggregator: someone else's "
                  "copy or summary of the figure.",
    "other": "Anything else: a personal page, a blog, a content farm, an undated topic page.",
}


def tier(kind: str) -> int:
    """The reliability tier of a document kind (1 strongest, 4 weakest)."""
    return KINDS[kind][0]


def kind_label(kind: str) -> str:
    """The label a reader sees for a document kind."""
    return KINDS[kind][1]


def is_strong(kind: str) -> bool:
    """Whether a document of this kind can carry a verdict on its own (tiers 1 and 2)."""
    return tier(kind) in STRONG_TIERS
