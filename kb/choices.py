"""Every closed list of choices the library and the CLI share, defined once.

Nothing but the standard library: the CLI reads these at start-up for its --help.
"""

from typing import NamedTuple

# Where queries run. The embedded on-disk Oxigraph store is the default: a cold query on it
# answers in tens of milliseconds, where the memory store re-reads and re-graphs the claims.
STORE_KINDS = ("oxigraph", "memory", "sparql")
DEFAULT_STORE = "oxigraph"

# What kb claims sorts by (a leading '-' sorts descending).
SORT_KEYS = ("id", "source", "subject", "property", "amount", "confidence", "verdict", "time")

# How the query commands print a listing, with the help of each format's option.
LISTING_FORMATS = {
    "table": "Print an aligned table (the default on a terminal).",
    "json": "Print a JSON array of objects.",
    "nl": "Print one JSON object per line (the default when piped).",
    "csv": "Print CSV with a header row.",
}


class ExportFormat(NamedTuple):
    """One format kb export writes and the site offers for download."""

    ext: str  # the download's file extension: data/kb.EXT
    media: str  # its media type
    name: str  # as the data page names it
    text: str  # what the data page says it holds


EXPORT_FORMATS = {
    "trig": ExportFormat("trig", "application/trig", "TriG", "The whole knowledge base with its "
                         "named graphs (one per source, shared, report)."),
    "turtle": ExportFormat("ttl", "text/turtle", "Turtle",
                           "The whole knowledge base as one graph."),
    "nquads": ExportFormat("nq", "application/n-quads", "N-Quads",
                           "The named graphs as sorted N-Quads, one statement per line."),
    "jsonld": ExportFormat("jsonld", "application/ld+json", "JSON-LD",
                           "The named graphs as JSON-LD."),
    "csv": ExportFormat("csv", "text/csv", "CSV", "One row per claim: triple, bounds, time, "
                        "confidence, verdict, anchor, evidence."),
}
