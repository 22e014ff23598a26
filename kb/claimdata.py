"""A claim's structured data: its slice of the graph and its ClaimReview JSON-LD.

The renderer writes these and the site check reads them back, so both use this one module.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup

from .choices import EXPORT_FORMATS
from .graph import VERDICT_RATINGS, KbGraph, site_url
from .iris import Iris
from .layout import FEED_PATH, ONTOLOGY_PATH, download_path
from .model import Claim, Collection

SCHEMA_CONTEXT = "https://schema.org"
# rdflib would fetch https://schema.org to expand the pages' context; this inline one maps the
# same terms without a network request. Pages keep the URL because Google reads only that.
OFFLINE_CONTEXT = {"@vocab": "https://schema.org/"}


def claim_slices(graph: KbGraph) -> Iterator[tuple[str, array]]:
    """Each claim node's rows of the graph with its hash sub-nodes' (time, anchor, review,
    rating), by claim id in sorted order."""
    rows = graph.claim_rows()
    for ident in sorted(rows):
        yield ident, rows.pop(ident)


def claim_review(c: Collection, claim: Claim) -> dict[str, Any]:
    """The ClaimReview of a claim in schema.org JSON-LD, with every field Google requires."""
    iris = Iris(c.config.base)
    node = iris.claim(claim.id)
    review = claim.review
    reviewer = c.config.reviewers[review.reviewer]
    source = c.sources[claim.source]
    name, value = VERDICT_RATINGS[review.verdict]
    author: dict[str, Any] = {
        "@id": str(iris.reviewer(reviewer.id)),
        "@type": "Person" if reviewer.kind == "person" else "Organization",
        "name": reviewer.name,
    }
    if reviewer.url:
        author["url"] = reviewer.url
    appearance: dict[str, Any] = {
        "@id": str(iris.source(source.id)),
        "@type": "NewsArticle",
        "headline": source.title,
        "datePublished": source.published,
        "publisher": {"@id": str(Iris.part(iris.source(source.id), "publisher")),
                      "@type": "Organization", "name": source.publisher},
    }
    if source.url:
        appearance["url"] = source.url
    doc: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "@id": str(Iris.part(node, "review")),
        "url": str(site_url(c, "claim", claim.id)),
        "headline": claim.headline,
        "claimReviewed": claim.claim_reviewed,
        "reviewBody": review.explanation,
        "datePublished": review.date.isoformat(),
        "author": author,
        "reviewRating": {
            "@id": str(Iris.part(node, "rating")),
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": name,
        },
        "itemReviewed": {"@id": str(node), "@type": "Claim", "appearance": appearance,
                         "firstAppearance": {"@id": appearance["@id"]},
                         "datePublished": source.published,
                         "author": appearance["publisher"]},
    }
    if review.evidence:
        doc["isBasedOn"] = [{"@id": str(iris.evidence(e))} for e in review.evidence]
    return doc


# Between two ClaimReviews of the feed: each sits two levels deep in json.dumps(indent=1).
FEED_SEPARATOR = b",\n  "


def feed_frame(c: Collection, modified: str) -> tuple[bytes, bytes, bytes]:
    """The schema.org DataFeed of every ClaimReview, the form Google's fact-check tools take,
    as `json.dumps(feed, ensure_ascii=False, indent=1)` writes it with a final newline: its
    text before the first review and after the last (feed_element writes each review, with
    FEED_SEPARATOR between them), and the whole feed when it has no review.

    The reviews are written one at a time, so the feed never holds all of them as dicts at
    once (about 1 GB at 100,000 claims, docs/benchmarks.md), and a rebuild copies those of
    unchanged claims from the previous feed (kb.render.write_feed)."""
    head = json.dumps({
        "@context": SCHEMA_CONTEXT,
        "@type": "DataFeed",
        "@id": f"{c.config.site_url}{FEED_PATH}",
        "name": f"{c.config.title}: ClaimReview feed",
        "license": c.config.license_url,
        "dateModified": modified,
        "dataFeedElement": [],
    }, ensure_ascii=False, indent=1)
    empty = "[]\n}"  # the last key's empty list and the end of the feed
    assert head.endswith(empty), head
    return (head[:-len(empty)].encode("utf-8") + b"[\n  ", b"\n ]\n}\n",
            (head + "\n").encode("utf-8"))


def feed_element(c: Collection, claim: Claim) -> bytes:
    """One claim's ClaimReview as the feed holds it (see feed_frame)."""
    review = claim_review(c, claim)
    del review["@context"]
    # An element sits two levels deep, so each of its lines takes two more spaces of indent
    # (a JSON string holds no raw newline, so every newline is one of json's).
    return json.dumps(review, ensure_ascii=False, indent=1).replace("\n", "\n  ").encode("utf-8")


def dataset_jsonld(c: Collection) -> dict[str, Any]:
    """The collection as a schema.org Dataset, with one distribution per download: the data
    page carries it, and the site check compares it with this, made again from the graph's
    collection."""
    iris = Iris(c.config.base)
    files = [(download_path(f.ext), f.media, f.name) for f in EXPORT_FORMATS.values()]
    files += [(ONTOLOGY_PATH, "text/turtle", "Vocabulary (Turtle)"),
              (FEED_PATH, "application/ld+json", "ClaimReview feed (JSON-LD)")]
    dates = [cl.review.date for cl in c.claims.values() if cl.review is not None]
    doc: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Dataset",
        "@id": str(iris.dataset()),
        "name": c.config.title,
        "url": c.config.site_url,
        "license": c.config.license_url,
        "creator": [{"@id": str(iris.reviewer(r.id)),
                     "@type": "Person" if r.kind == "person" else "Organization",
                     "name": r.name}
                    for r in sorted(c.config.reviewers.values(), key=lambda r: r.id)],
        "distribution": [{"@type": "DataDownload", "name": name, "encodingFormat": media,
                          "contentUrl": c.config.site_url + path}
                         for path, media, name in files],
    }
    if c.config.description:
        doc["description"] = c.config.description
    if dates:  # the newest review: the collection's last change a reader can see
        doc["dateModified"] = max(dates).isoformat()
    return doc


def script_json(value: Any) -> Markup:
    """JSON safe inside <script>: no '<', '>' or '&' survives, so '</script>' cannot end it."""
    # On one line: json's C encoder does not indent, and indenting in Python cost a claim
    # page 1.7 ms (docs/benchmarks.md).
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def offline(doc: Any) -> Any:
    """A JSON-LD document with the schema.org context swapped for the offline one."""
    if isinstance(doc, dict):
        return {k: (OFFLINE_CONTEXT if k == "@context" else offline(v)) for k, v in doc.items()}
    if isinstance(doc, list):
        return [offline(v) for v in doc]
    return doc
