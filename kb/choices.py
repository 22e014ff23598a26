"""Every closed list of choices, defined once. No imports: the CLI reads these at start-up."""

# Where queries run. The embedded on-disk Oxigraph store is the default: a cold query on it
# answers in tens of milliseconds, where the memory store re-reads and re-graphs the claims.
STORE_KINDS = ("oxigraph", "memory", "sparql")
DEFAULT_STORE = "oxigraph"

# The kinds of finding the checks publish (kb/findings.py), in the order reports list them.
FINDING_KINDS = ("relation", "contradiction", "evidence-conflict", "weakly-sourced")
