"""Serialise the knowledge base: TriG, Turtle, N-Quads, JSON-LD and a CSV of claims.

Every serialisation is deterministic (same graph, same bytes), so builds are reproducible.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import partial
from importlib import resources
from itertools import groupby
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TextIO

import pyoxigraph as ox
from rdflib import Graph

from . import atomic  # atomic.write_new through the module: fault tests replace it
from .choices import EXPORT_FORMATS
from .claimdata import claim_slices
from .claimindex import write_rows
from .graph import PREFIXES, KbGraph, prefixes, site_url
from .iris import Iris
from .layout import CLAIM_DATA, ONTOLOGY_PATH, claim_data_path, download_path
from .listings import CLAIM_COLUMNS, listing_row, value
from .model import Collection
from .oxterms import from_ox
from .queries import normalised, plain, query_text
from .reuse import Previous, Written, digest, write_keyed
from .stores.manifest import code_stamp

CSV_COLUMNS = (
    "id", "url", "source", "source_url", "subject", "subject_label", "property",
    "property_label", "compared_with", "compared_with_label", "amount", "unit", "bound", "lower",
    "upper", "precision", "time_kind", "time_start", "time_end", "time_phrase", "confidence",
    "verdict", "quote", "start", "end", "normalised", "statement", "evidence", "iri",
)
CSV_BOM = "\ufeff"
# The CSV's data dictionary, shown on the data page: what each column holds.
CSV_DICTIONARY = {
    "id": "The claim's id; its page is claim/ID/ on this site.",
    "url": "The address of the claim's review page on this site.",
    "source": "The id of the article the claim was made in.",
    "source_url": "The address of the article's annotated page on this site.",
    "subject": "The id of the entity the claim is about (see the entity pages).",
    "subject_label": "The English name of that entity.",
    "property": "The id of the property claimed (see the vocabulary page).",
    "property_label": "The English name of that property.",
    "compared_with": "For a comparison, the id of the other entity; else empty.",
    "compared_with_label": "For a comparison, the English name of the other entity; else empty.",
    "amount": "The amount claimed, in base units (亿 = 10⁸ resolved); for a range, its midpoint.",
    "unit": "The unit of amount, lower, upper and precision (USD, CNY, FLOPS, count, year…).",
    "bound": "How the text bounds the amount: exact, approximately, at-least, more-than, "
             "at-most, less-than or range.",
    "lower": "The lowest value the text admits, if any.",
    "upper": "The highest value the text admits, if any.",
    "precision": "The value of the last digit stated (1e8 for 50 亿), if known.",
    "time_kind": "period (over a span) or point (as of a time), or empty when no time is stated.",
    "time_start": "The start of the time the claim is about (ISO 8601).",
    "time_end": "The end of that time (ISO 8601).",
    "time_phrase": "The article's own words for the time (本年, 2022 年).",
    "confidence": "The chance the claim, as worded, is true after review, from 0 to 1.",
    "verdict": "accurate, mostly-accurate, misleading, inaccurate or unverifiable.",
    "quote": "The claim's exact words in the article.",
    "start": "Where the quote starts in the stored text, in Unicode code points.",
    "end": "Where the quote ends in the stored text, in code points.",
    "normalised": "The quote with the machine-spun wording undone.",
    "statement": "The claim as a plain English sentence.",
    "evidence": "The ids of the evidence statements the review cites, space-separated.",
    "iri": "The claim's IRI in the knowledge base.",
}


# The export formats that are RDF, as Oxigraph names them (the others: csv).
RDF_FORMATS = {"trig": ox.RdfFormat.TRIG, "turtle": ox.RdfFormat.TURTLE,
               "nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}


def serialize(collection: Collection, graph: KbGraph, fmt: str,
              rows: Sequence[int] | None = None) -> str:
    """The whole knowledge base (or the quads at some of its rows) in one format, as text."""
    if fmt == "csv":
        return claims_csv(collection, graph)
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(EXPORT_FORMATS)}")
    # Turtle has no named graphs: it is the union of them all.
    data = graph.serialize(RDF_FORMATS[fmt], rows, graphs=fmt != "turtle")
    return data.decode("utf-8")


def claims_csv(collection: Collection, graph: KbGraph) -> str:
    """One row per claim, read from the graph (not the YAML) so the CSV is the graph's.

    It starts with a byte-order mark: without one, Excel reads UTF-8 as the local code page
    and garbles the Chinese quotes (csv readers take it with encoding='utf-8-sig')."""
    out = io.StringIO()
    write_csv(collection, graph, out)
    return out.getvalue()


def write_csv(collection: Collection, graph: KbGraph, out: TextIO) -> None:
    """Write claims_csv to a text stream, row by row (the whole text is never held)."""
    out.write(_csv_head())
    for _, line in _csv_lines(collection, graph):
        out.write(line)


def _csv_head() -> str:
    """The CSV's byte-order mark and header line."""
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n").writeheader()
    return CSV_BOM + buffer.getvalue()


def _csv_lines(collection: Collection, graph: KbGraph, only: set[str] | None = None,
               rows_of: dict[str, set[int]] | None = None,
               listed: list[dict[str, Any]] | None = None) -> Iterator[tuple[str, str]]:
    """Each claim's line of the CSV, with its id, in claim id order; only: of these claims
    (rows_of: as for KbGraph.query_claims). listed: where to add each claim's listing row
    (kb.listings.graph_rows), made from the same solution: the query yields all its columns."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    base = collection.config.base
    evidence_base = Iris(base).evidence("")
    for result in graph.query_claims(query_text("claims_table"), only=only, rows_of=rows_of):
        names = [v.value for v in result.variables]
        for solution in result:
            terms = [from_ox(solution[i]) for i in range(len(names))]
            row = {name: plain(term, base) for name, term in zip(names, terms, strict=True)}
            if listed is not None:
                listed.append(_listing_row(dict(zip(names, terms, strict=True)), base))
            # GROUP_CONCAT yields full IRIs in no set order; the CSV lists sorted ids.
            row["evidence"] = " ".join(sorted(e.removeprefix(evidence_base)
                                              for e in row["evidence"].split()))
            # The pages' addresses as the site publishes them (site_url may differ from the
            # base).
            row["url"] = str(site_url(collection, "claim", row["id"]))
            row["source_url"] = str(site_url(collection, "source", row["source"]))
            buffer.seek(0)
            buffer.truncate()
            writer.writerow({k: row.get(k, "") for k in CSV_COLUMNS})
            yield row["id"], buffer.getvalue()


def _listing_row(terms: dict[str, Any], base: str) -> dict[str, Any]:
    """A claim's listing row (kb.listings.graph_rows) from its claims_table terms, its numbers
    spelt as a store's answers spell them (kb.queries.normalised)."""
    return listing_row({column: value(normalised(term), base) for column in CLAIM_COLUMNS
                        if (term := terms.get(column)) is not None})


# A named graph's part of the N-Quads export: [sha256 of its lines, how many lines, and where
# they are in the file as [offset, length] runs]. The default graph is named "".
GraphPart = list


def write_table(collection: Collection, graph: KbGraph, folder: Path,
                previous: Previous | None = None, index: Path | None = None
                ) -> tuple[dict[str, int], Written]:
    """Write the CSV of claims and the vocabulary into folder; their sizes by path, and the
    CSV's blocks as the build record keeps them.

    The CSV is written a claim's line at a time: a line the previous site's record lists
    with the same key (the quads its query reads: the claim's and its linked nodes', such as
    its subject's label) is copied from the previous file, and only the other claims are
    queried (a one-claim edit: one line instead of 10,000).

    index: where to write the claim index of the graph's claims (kb.claimindex.write_rows)
    when every claim's line was queried and gave one row each; else nothing is written there."""
    table, ontology = download_path(EXPORT_FORMATS["csv"].ext), ONTOLOGY_PATH
    for rel in (table, ontology):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
    recorded = Written()
    if not _write_csv_blocks(collection, graph, folder / table, previous or Previous(),
                             recorded.blocks, table, index):
        with (folder / table).open("w", encoding="utf-8", newline="") as out:
            write_csv(collection, graph, out)
    (folder / ontology).write_text(ontology_text(), encoding="utf-8")
    return {rel: (folder / rel).stat().st_size for rel in (table, ontology)}, recorded


def _write_csv_blocks(collection: Collection, graph: KbGraph, path: Path, previous: Previous,
                      blocks: dict[str, Any], rel: str, index: Path | None = None) -> bool:
    """Write the CSV to path claim by claim (see write_table) and note its blocks, and the
    claim index to index if every line was queried; False if the query's lines do not come
    one claim after another in id order, as they should (the caller then writes the CSV
    whole, and no index)."""
    sparql = query_text("claims_table")
    texts, g = graph.texts(), graph
    stamp = "\n".join(("csv", collection.config.base, collection.config.site_url,
                       ox.__version__, code_stamp(), ""))
    keys = {}
    rows_of = graph.query_rows(sparql)
    for ident, rows in sorted(rows_of.items()):
        lines = "\n".join(f"{texts[g.s[r]]} {texts[g.p[r]]} {texts[g.o[r]]} {texts[g.g[r]]}"
                          for r in sorted(rows))
        keys[ident] = digest((stamp + lines).encode("utf-8"))
    old = previous.blocks_of(rel)
    queried = {i for i, key in keys.items() if key not in old}
    listed: list[dict[str, Any]] | None = [] if index and len(queried) == len(keys) else None
    fresh = _csv_lines(collection, graph, queried, rows_of, listed)
    pending = next(fresh, None)

    def lines_of(ident: str) -> bytes:
        nonlocal pending
        parts = []
        while pending is not None and pending[0] == ident:
            parts.append(pending[1])
            pending = next(fresh, None)
        return "".join(parts).encode("utf-8")

    with path.open("wb") as out:
        out.write(_csv_head().encode("utf-8"))
        runs = write_keyed(out, [(key, partial(lines_of, ident)) for ident, key in keys.items()],
                           previous, rel)
        size = out.tell()
    if runs is None or pending is not None:
        return False
    blocks[rel] = {"size": size, "runs": runs}
    # One row a claim, as the listing queries give them; a claim without one of the CSV's
    # columns (which the shapes require) leaves the index to the store's own queries.
    if index and listed is not None and len(listed) == len(keys) and \
            {row["id"] for row in listed} == keys.keys():
        write_rows(index, listed)
    return True


class Exported(NamedTuple):
    """What write_rdf wrote: sizes by path, where each named graph is in the N-Quads
    (write_nquads), and each claim's files and the other downloads' blocks as the build
    record keeps them (kb.reuse)."""

    sizes: dict[str, int]
    graphs: dict[str, GraphPart]
    recorded: Written


class _Run(NamedTuple):
    """One run of rows in one named graph, the sha256 of its N-Quads lines, and where they
    are in the N-Quads file."""

    start: int
    end: int
    sha: str
    offset: int
    size: int


def write_rdf(collection: Collection, graph: KbGraph, folder: Path,
              previous: Previous | None = None) -> Exported:
    """Write the whole graph in every RDF format, and each claim's slice of it, into folder.
    Serialisations stream to disk (the N-Quads alone are 200 bytes a quad) and use no store,
    so this may run in a forked child (see kb.build).

    A claim's file is hard-linked from the previous site when the record says it was made from
    the same quads (claim_key): most claims' files are unchanged by an edit, and making them
    is most of the time an export of the claims takes."""
    sizes = {}
    previous = previous or Previous()
    written = Written()
    keys = ClaimKeys(collection, graph)
    rel = download_path(EXPORT_FORMATS["nquads"].ext)
    nquads = folder / rel
    nquads.parent.mkdir(parents=True, exist_ok=True)
    copied: set[int] = set()
    parts, runs = write_nquads(graph, nquads, previous, written, rel, copied)
    sizes[rel] = nquads.stat().st_size
    for fmt, rdf_format in RDF_FORMATS.items():
        if fmt != "nquads":
            rel = download_path(EXPORT_FORMATS[fmt].ext)
            sizes[rel] = write_blocks(graph, rdf_format, folder, rel, runs, keys.stamp,
                                      previous, written, nquads)
    base = os.fspath(folder) + "/"  # paths as text, as kb.render writes the pages
    graph_of = graph.g
    for ident, piece in claim_slices(graph):
        # A claim whose every row lies in a graph the N-Quads copied has the previous build's
        # rows, so the key its files were recorded under is the one its rows give (writing
        # out 10,000 claims' 580,000 rows to hash them took 0.55 s of every rebuild). Its rows
        # are all in its article's graph, by the same code (the N-Quads' key covers it): the
        # report graph names claims only as objects (tests/test_export.py).
        same = bool(copied) and all(graph_of[r] in copied for r in piece)
        key = ""
        for fmt in CLAIM_DATA:
            rel = claim_data_path(ident, fmt)
            entry = previous.entries.get(rel)
            if same and entry is not None and previous.link(rel, base + rel, key=entry.key):
                sizes[rel] = entry.size
                written.add(rel, entry.hash, entry.size, entry.key, changed=False)
                continue
            key = key or keys.of(piece)
            # A link or a write makes its folder if it is missing (kb.atomic.link_new).
            if previous.link(rel, base + rel, key=key):
                entry = previous.entries[rel]
                sizes[rel] = entry.size
                written.add(rel, entry.hash, entry.size, key, changed=False)
                continue
            data = serialize(collection, graph, fmt, piece).encode("utf-8")
            atomic.write_new(base + rel, data)
            sizes[rel] = len(data)
            written.add(rel, digest(data), len(data), key, changed=True)
    return Exported(sizes, parts, written)


def write_blocks(graph: KbGraph, rdf_format: ox.RdfFormat, folder: Path, rel: str,
                 runs: Sequence[_Run], stamp: str, previous: Previous,
                 written: Written, nquads: Path) -> int:
    """Write the whole graph in one format (TriG, Turtle or JSON-LD) to folder/rel, a run of
    one named graph's rows at a time; its size. A run the previous site's record lists with
    the same key (its quads, the prefixes, pyoxigraph, kb's code) is copied from the previous
    file instead of serialised again: a one-claim edit changes one of its source's runs.

    Each run is serialised on its own, which gives what one serialisation of the whole graph
    gives once the prefixes Turtle and TriG write at the top of each are dropped but the
    first's, and the lists JSON-LD puts around each are joined into one (a test compares the
    two). Should a run's prefixes ever come out otherwise, the whole graph is serialised at
    once and no run is recorded.

    A run's quads are parsed by pyoxigraph from their N-Quads lines (read back from nquads,
    the N-Quads export write_nquads wrote) and its triples from N-Triples lines, rather than
    made one by one as Python objects from the table: at 10,000 claims (769k quads) this took
    0.68 s of CPU instead of 1.30 s for TriG, 0.93 s instead of 1.60 s for JSON-LD and 1.12 s
    instead of 1.56 s for Turtle, to the same bytes (docs/benchmarks.md). A claim's own files
    are not made this way: for 58 quads, parsing costs as much as it saves.
    """
    path = folder / rel
    graphs = rdf_format != ox.RdfFormat.TURTLE  # Turtle: the union of the graphs
    json = rdf_format == ox.RdfFormat.JSON_LD
    tag = f"{stamp}{rdf_format.file_extension}\n"
    names = prefixes(graph.iris)

    head = b"" if json or not runs else \
        _prefix_lines(graph.serialize(rdf_format, range(runs[0].start, runs[0].start + 1),
                                      graphs=graphs))
    with nquads.open("rb") as lines:
        def made(run: _Run) -> bytes | None:
            return _body(_run_serialised(graph, rdf_format, run, lines, names), head, json)

        with path.open("wb") as out:
            out.write(b"[" if json else head)
            blocks = write_keyed(out, [(digest(f"{tag}{run.sha}".encode()), partial(made, run))
                                       for run in runs], previous, rel, b"," if json else b"")
            if json:
                out.write(b"]")
            size = out.tell()
    if blocks is None:
        graph.serialize(rdf_format, graphs=graphs, output=path)
        return path.stat().st_size
    written.blocks[rel] = {"size": size, "runs": blocks}
    return size


def _run_serialised(graph: KbGraph, rdf_format: ox.RdfFormat, run: _Run, nquads: BinaryIO,
                    names: dict[str, str]) -> bytes:
    """One run of rows in one format (write_blocks), from its lines in the N-Quads export."""
    if rdf_format == ox.RdfFormat.TURTLE:  # the union of the graphs: each triple once
        text, kind = graph.ntriples(range(run.start, run.end)), ox.RdfFormat.N_TRIPLES
    else:
        nquads.seek(run.offset)
        text, kind = nquads.read(run.size), ox.RdfFormat.N_QUADS
    # lenient: the lines are the build's own, from terms checked as they were made.
    return ox.serialize(ox.parse(text, format=kind, lenient=True), format=rdf_format,
                        prefixes=names) or b""


def _prefix_lines(data: bytes) -> bytes:
    """The @prefix lines a Turtle or TriG serialisation starts with."""
    end = 0
    while data.startswith(b"@prefix ", end):
        end = data.index(b"\n", end) + 1
    return data[:end]


def _body(data: bytes, head: bytes, json: bool) -> bytes | None:
    """A run's serialisation without what the whole file holds once: its JSON-LD list's
    brackets, or its prefixes (head); None if it does not hold them as expected."""
    if json:
        return data[1:-1] if data.startswith(b"[") and data.endswith(b"]") else None
    return data[len(head):] if _prefix_lines(data) == head else None


class ClaimKeys:
    """The key of a claim's files: a hash of the quads they are made from (every term of its
    rows, graph names included, in order), the collection's base (the prefixes), pyoxigraph's
    version (the serialiser) and kb's code stamp (kb.stores.manifest.code_stamp)."""

    def __init__(self, collection: Collection, graph: KbGraph):
        self.graph = graph
        self.stamp = "\n".join((collection.config.base, ox.__version__, code_stamp(), ""))

    def of(self, rows: Sequence[int]) -> str:
        """The key of the files made from these rows."""
        texts, g = self.graph.texts(), self.graph
        lines = "\n".join(f"{texts[g.s[r]]} {texts[g.p[r]]} {texts[g.o[r]]} {texts[g.g[r]]}"
                          for r in rows)
        return digest((self.stamp + lines).encode("utf-8"))


def write_nquads(graph: KbGraph, path: Path, previous: Previous | None = None,
                 written: Written | None = None, rel: str = "",
                 copied: set[int] | None = None) -> tuple[dict[str, GraphPart], list[_Run]]:
    """Write the N-Quads export (the bytes graph.serialize gives) to path, run of rows in one
    named graph after run, and say where each graph's lines are and what they hash to, and
    what each run's lines hash to (write_blocks).

    The oxigraph store is updated from this by difference (kb.stores.oxigraph): a graph whose
    hash changed is replaced with its lines, read back from the file at its runs.

    A run of a named graph with a key (KbGraph.graph_keys) is copied, with its hash, from the
    previous site's file at rel when its record (in written, for the next build) lists the
    same key: a rebuild joined and hashed all of a 10,000-claim graph's 140 MB of lines in
    about a second of CPU, to change one source's. copied, if given, gets the numbers of the
    graphs copied: their quads are the previous build's."""
    previous = previous or Previous()
    old, src = previous.blocks_reader(rel) if rel else ({}, io.BytesIO())
    shas = _recorded_shas(previous, rel, old)
    stamp = f"nquads\n{ox.__version__}\n{code_stamp()}\n"
    parts: dict[str, GraphPart] = {}
    hashes: dict[str, Any] = {}
    runs: list[_Run] = []
    blocks: list[list[Any]] = []
    made: dict[str, str] = {}
    offset = 0
    # Each line joined from its terms' N-Triples forms, as Oxigraph's N-Quads serialiser
    # writes it (a test compares the bytes): making a pyoxigraph Quad of every row to
    # serialise it took two and a half times as long (10,000 claims: 1.67 s against 0.66 s).
    texts, s, p, o = graph.texts(), graph.s, graph.p, graph.o
    graph_runs = list(_graph_runs(graph))
    runs_of = Counter(g for g, _, _ in graph_runs)
    with src, path.open("wb") as out:
        for g, start, end in graph_runs:
            term = graph.terms[g]
            name = term.value if isinstance(term, ox.NamedNode) else ""
            # A keyed graph is one run (rows added to it drop its key), but should it be more,
            # its runs are made anew: a key names the whole graph.
            key = graph.graph_keys.get(g) if runs_of[g] == 1 else None
            key = digest(f"{stamp}{key}".encode()) if key is not None else None
            if key is not None and key in old and key in shas:
                src.seek(old[key][0])
                data, sha = src.read(old[key][1]), shas[key]
                if copied is not None:
                    copied.add(g)
            else:
                tail = " .\n" if isinstance(term, ox.DefaultGraph) else f" {texts[g]} .\n"
                data = "".join([f"{texts[s[r]]} {texts[p[r]]} {texts[o[r]]}{tail}"
                                for r in range(start, end)]).encode("utf-8")
                sha = hashlib.sha256(data).hexdigest()
            out.write(data)
            if key is not None:
                blocks.append([key, offset, len(data)])
                made[key] = sha
            part = parts.setdefault(name, ["", 0, []])
            if runs_of[g] > 1:  # a graph of one run hashes to its run's hash
                hashes.setdefault(name, hashlib.sha256()).update(data)
            else:
                part[0] = sha
            runs.append(_Run(start, end, sha, offset, len(data)))
            part[1] += end - start
            part[2].append([offset, len(data)])
            offset += len(data)
    for name, running in hashes.items():
        parts[name][0] = running.hexdigest()
    if written is not None and rel:
        written.blocks[rel] = {"size": offset, "runs": blocks, "shas": made}
    return parts, runs


def _recorded_shas(previous: Previous, rel: str, old: dict[str, tuple[int, int]]
                   ) -> dict[str, str]:
    """The sha256 of each block of rel the previous record lists (write_nquads), by key."""
    listed = previous.blocks.get(rel)
    shas = listed.get("shas") if isinstance(listed, dict) else None
    if not isinstance(shas, dict):
        return {}
    return {key: sha for key, sha in shas.items()
            if key in old and isinstance(sha, str) and len(sha) == 64}


def _graph_runs(graph: KbGraph) -> Iterator[tuple[int, int, int]]:
    """(graph term number, first row, row after the last) of each run of rows in one graph."""
    start = 0
    for g, rows in groupby(graph.g):
        end = start + sum(1 for _ in rows)
        yield g, start, end
        start = end


def download_files(collection: Collection, graph: KbGraph) -> dict[str, str]:
    """The open-data downloads, by path relative to the site root."""
    files = {download_path(about.ext): serialize(collection, graph, fmt)
             for fmt, about in EXPORT_FORMATS.items()}
    files[ONTOLOGY_PATH] = ontology_text()
    return files


def claim_files(collection: Collection, graph: KbGraph) -> dict[str, str]:
    """Each claim's own slice of the graph, as Turtle and JSON-LD, by path."""
    return dict(each_claim_file(collection, graph))


def each_claim_file(collection: Collection, graph: KbGraph) -> Iterator[tuple[str, str]]:
    """claim_files one at a time (path, text), so the texts of all claims are never held."""
    for ident, piece in claim_slices(graph):
        for fmt in CLAIM_DATA:
            yield claim_data_path(ident, fmt), serialize(collection, graph, fmt, piece)


def ontology_text() -> str:
    """The vocabulary shipped with the package, as Turtle (published as it is)."""
    return resources.files("kb").joinpath("data/ontology.ttl").read_text("utf-8")


def ontology_graph() -> Graph:
    """The vocabulary shipped with the package."""
    g = Graph()
    g.parse(data=ontology_text(), format="turtle")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g
