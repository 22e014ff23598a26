"""kb: a fact-checked knowledge base of numeric claims, as RDF, checked and published."""

__version__ = "0.1.0"
