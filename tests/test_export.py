"""Exports: every format re-parses to a graph isomorphic to the Dataset."""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
from decimal import Decimal

import pyoxigraph
import pytest
from helpers import assert_datasets_isomorphic, assert_isomorphic, union_graph
from rdflib import RDF, Dataset, Graph

from kb.choices import EXPORT_FORMATS
from kb.export import CSV_BOM, claim_files, claims_csv, serialize, write_table
from kb.graph import build_graph
from kb.layout import download_path
from kb.load import load
from kb.queries import query_text
from kb.vocab import KB


@pytest.fixture
def kb_seed(seed):
    collection = load(seed)
    return collection, build_graph(collection)


@pytest.mark.parametrize("fmt,parser", [("trig", "trig"), ("nquads", "nquads"),
                                        ("jsonld", "json-ld")])
def test_quad_formats_round_trip(kb_seed, fmt, parser):
    collection, graph = kb_seed
    again = Dataset()
    again.parse(data=serialize(collection, graph, fmt), format=parser)
    assert_datasets_isomorphic(graph.dataset(), again)


def test_turtle_round_trips_the_union(kb_seed):
    collection, graph = kb_seed
    again = Graph().parse(data=serialize(collection, graph, "turtle"), format="turtle")
    assert_isomorphic(union_graph(graph.dataset()), again)


@pytest.mark.parametrize("fmt,ox_format", [("trig", pyoxigraph.RdfFormat.TRIG),
                                           ("nquads", pyoxigraph.RdfFormat.N_QUADS)])
def test_pyoxigraph_parses_exports(kb_seed, fmt, ox_format):
    collection, graph = kb_seed
    quads = list(pyoxigraph.parse(serialize(collection, graph, fmt), format=ox_format))
    assert len(quads) == len(list(graph.dataset().quads((None, None, None, None))))


def test_csv_has_one_row_per_claim_matching_the_graph(kb_seed):
    collection, graph = kb_seed
    text = serialize(collection, graph, "csv")
    assert text.startswith(CSV_BOM), repr(text[:20])
    rows = list(csv.DictReader(io.StringIO(text.removeprefix(CSV_BOM))))
    assert sorted(r["id"] for r in rows) == sorted(collection.claims)
    for row in rows:
        claim = collection.claims[row["id"]]
        assert Decimal(row["amount"]) == claim.quantity.amount
        assert row["unit"] == claim.quantity.unit
        assert row["bound"] == claim.quantity.bound
        assert row["verdict"] == claim.review.verdict
        assert Decimal(row["confidence"]) == claim.confidence
        assert (int(row["start"]), int(row["end"])) == (claim.start, claim.end)
        assert sorted(row["evidence"].split()) == sorted(claim.review.evidence)
        assert row["subject"] == claim.subject


def test_exports_are_deterministic(seed):
    first = {f: serialize(load(seed), build_graph(load(seed)), f) for f in EXPORT_FORMATS}
    second = {f: serialize(load(seed), build_graph(load(seed)), f) for f in EXPORT_FORMATS}
    assert first == second


def test_decimals_survive_turtle_by_value(kb_seed):
    collection, graph = kb_seed
    ds = graph.dataset()
    again = Graph().parse(data=serialize(collection, graph, "turtle"), format="turtle")
    before = sorted(o.toPython() for o in ds.objects(None, RDF.object))
    after = sorted(o.toPython() for o in again.objects(None, RDF.object))
    assert before == after
    assert len(set(again.subjects(RDF.type, KB.Claim))) == len(collection.claims)


@pytest.mark.parametrize("collection", ["seed", "mini"])
def test_claims_queried_in_batches_give_the_whole_graphs_rows(collection, request):
    # The CSV runs its query on a store per batch of claims (their quads and their linked
    # nodes'); with batches of one, every row must still equal the row on the whole graph.
    query = query_text("claims_table")
    graph = build_graph(load(request.getfixturevalue(collection)))
    whole = [str(tuple(row)) for row in graph.store().query(query,
                                                             use_default_graph_as_union=True)]
    batched = [str(tuple(row)) for result in graph.query_claims(query, batch=1)
               for row in result]
    assert len(whole) > 1, len(whole)
    assert batched == whole, "\n".join(difflib.unified_diff(whole, batched, lineterm=""))


# The bytes of every export of the mini collection. They changed neither when the working graph
# became a compact table nor when the exports began to stream from it; a change here changes
# every published download, so make it on purpose (and say why in the commit).
MINI_EXPORT_SHA256 = {
    "trig": "dc227f7b85bdf682315378bc199d4e733ae50c7d78effe6bf84f42c67983c676",
    "turtle": "ebbf843fb9f6eb81155ffcf48a375ca229c7e883e0183252c8bc5dc680372e8e",
    "nquads": "96c223cfe09a7f42c38330a9f4bf988f2210141b4ef773f883eace759fc28ade",
    "jsonld": "e0ba57f132aec8aebd7b4dadabdd117287ed389cf46524bf62000694847eb1aa",
    "csv": "2a3addb9c0befaf250f7b289de03a931f4b243bbd58414abe04e8f84d88009e1",
    "claim files": "6df97c0828d577fa1da63d7eaa563347c798c83a0401a338c4c5dc04486c694c",
}


def test_mini_exports_keep_their_bytes(mini):
    collection = load(mini)
    graph = build_graph(collection)
    found = {fmt: hashlib.sha256(serialize(collection, graph, fmt).encode()).hexdigest()
             for fmt in EXPORT_FORMATS}
    files = hashlib.sha256()
    for path, text in sorted(claim_files(collection, graph).items()):
        files.update(path.encode() + b"\0" + text.encode() + b"\0")
    found["claim files"] = files.hexdigest()
    changed = {k: v for k, v in found.items() if v != MINI_EXPORT_SHA256[k]}
    assert not changed, f"these exports' bytes changed: {sorted(changed)}"


def test_written_table_is_the_csv_text(mini, tmp_path):
    collection = load(mini)
    graph = build_graph(collection)
    sizes, _ = write_table(collection, graph, tmp_path)
    table = tmp_path / download_path(EXPORT_FORMATS["csv"].ext)
    assert table.read_bytes() == claims_csv(collection, graph).encode("utf-8")
    assert sizes[download_path(EXPORT_FORMATS["csv"].ext)] == table.stat().st_size


def test_a_rebuild_links_the_files_of_unchanged_claims_and_redoes_the_edited_ones(
        mini, built_mini, tmp_path):
    from conftest import edit

    from kb.build import build
    from kb.layout import CLAIM_DATA, claim_data_path

    site = built_mini
    paths = {ident: [claim_data_path(ident, fmt) for fmt in CLAIM_DATA]
             for ident in ("tesla-revenue-2022", "byd-revenue")}
    before = {rel: (site / rel).stat().st_ino for rels in paths.values() for rel in rels}
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 0.9")

    build(mini, site)

    inodes = {rel: (site / rel).stat().st_ino for rel in before}
    assert [rel for rel in paths["byd-revenue"] if inodes[rel] != before[rel]] == [], \
        "an unchanged claim's files must be linked from the previous site"
    assert [rel for rel in paths["tesla-revenue-2022"] if inodes[rel] == before[rel]] == [], \
        "an edited claim's files must be made anew"
    assert b"0.9" in (site / paths["tesla-revenue-2022"][0]).read_bytes()
    build(mini, tmp_path / "fresh")
    for rel in before:
        assert (site / rel).read_bytes() == (tmp_path / "fresh" / rel).read_bytes(), rel


def test_a_rebuild_copies_the_reviews_of_unchanged_claims_into_the_feed(mini, tmp_path,
                                                                         monkeypatch):
    from conftest import edit

    import kb.render
    from kb.build import build
    from kb.layout import BUILD_RECORD, FEED_PATH

    site = tmp_path / "_site"  # from this claims folder: a page's key depends on where it is
    build(mini, site)
    made: list[str] = []
    feed_element = kb.render.feed_element
    monkeypatch.setattr(kb.render, "feed_element",
                        lambda c, claim: made.append(claim.id) or feed_element(c, claim))

    def claim_page_keys() -> dict[str, str]:
        files = json.loads((site / BUILD_RECORD).read_text("utf-8"))["files"]
        return {rel.split("/")[1]: entry[2] for rel, entry in files.items()
                if rel.startswith("claim/") and rel.endswith("/index.html")}

    claims = mini / "sources/mini-article/claims.yaml"
    # A comment moves the claims in their file: no page shows that, so no review is made.
    edit(claims, "- id: tesla-revenue-2022", "# reviewed twice\n- id: tesla-revenue-2022")
    build(mini, site)
    assert made == []
    # A confidence: the reviews of the claims whose pages changed are made, and only those.
    before = claim_page_keys()
    edit(claims, "confidence: 0.95", "confidence: 0.9")
    build(mini, site)
    after = claim_page_keys()
    assert sorted(made) == sorted(i for i in after if after[i] != before[i]) != []
    made.clear()
    build(mini, tmp_path / "fresh")
    assert sorted(made) == sorted(after), "a first build makes every review"
    assert (site / FEED_PATH).read_bytes() == (tmp_path / "fresh" / FEED_PATH).read_bytes()


def test_a_claim_file_edited_in_the_previous_site_is_never_reused(mini, built_mini, tmp_path):
    from kb.build import build
    from kb.layout import claim_data_path

    site = built_mini
    rel = claim_data_path("byd-revenue", "turtle")
    good = (site / rel).read_bytes()
    (site / rel).write_bytes(good.replace(b"byd", b"xyz"))  # same size, newer than the record

    build(mini, site)

    assert (site / rel).read_bytes() == good


def test_the_nquads_written_graph_by_graph_are_the_whole_export(kb_seed, tmp_path):
    from kb.export import write_nquads

    collection, graph = kb_seed
    parts, _ = write_nquads(graph, tmp_path / "kb.nq")
    data = (tmp_path / "kb.nq").read_bytes()
    assert data == serialize(collection, graph, "nquads").encode("utf-8")
    assert sum(count for _, count, _ in parts.values()) == len(data.splitlines())
    for name, (sha, count, runs) in parts.items():
        lines = b"".join(data[at:at + length] for at, length in runs)
        assert hashlib.sha256(lines).hexdigest() == sha, name
        assert len(lines.splitlines()) == count, name
        assert all(line.endswith(f" <{name}> .".encode()) for line in lines.splitlines()), name


def test_the_nquads_export_spells_every_kind_of_term_as_oxigraph_does(tmp_path):
    # write_nquads joins its lines from the terms' N-Triples forms: every escape, language
    # and datatype, in the default graph and a named one, must come out as Oxigraph's own
    # N-Quads serialiser writes it.
    from kb.export import write_nquads
    from kb.graph import KbGraph
    from kb.iris import Iris

    s, p = pyoxigraph.NamedNode("https://e.org/s"), pyoxigraph.NamedNode("https://e.org/p")
    named = pyoxigraph.NamedNode("https://e.org/graph/a")
    objects = [pyoxigraph.Literal('quote " backslash \\ tab \t newline \n cr \r'),
               pyoxigraph.Literal("特斯拉 \u0000 \u007f \U0001f600", language="zh"),
               pyoxigraph.Literal("0.50", datatype=pyoxigraph.NamedNode(
                   "http://www.w3.org/2001/XMLSchema#decimal")),
               pyoxigraph.NamedNode("https://e.org/o?q=1&r=é#frag")]
    quads = [pyoxigraph.Quad(s, p, o, g) for g in (pyoxigraph.DefaultGraph(), named)
             for o in objects]
    graph = KbGraph(quads, Iris("https://e.org/"))
    write_nquads(graph, tmp_path / "kb.nq")
    got = (tmp_path / "kb.nq").read_bytes()
    want = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS)
    assert got == want, "\n".join(difflib.unified_diff(
        want.decode().splitlines(), got.decode().splitlines(), lineterm=""))


WHOLE_GRAPH_FORMATS = ("trig", "turtle", "jsonld")


def test_downloads_written_graph_by_graph_are_the_whole_graph_serialised(kb_seed, tmp_path):
    from kb.export import write_rdf

    collection, graph = kb_seed
    exported = write_rdf(collection, graph, tmp_path)
    for fmt in WHOLE_GRAPH_FORMATS:
        rel = download_path(EXPORT_FORMATS[fmt].ext)
        data = (tmp_path / rel).read_bytes()
        want = serialize(collection, graph, fmt)
        assert data.decode("utf-8") == want, "\n".join(difflib.unified_diff(
            want.splitlines(), data.decode("utf-8").splitlines(), lineterm="", n=1))
        blocks = exported.recorded.blocks[rel]
        assert blocks["size"] == len(data) == exported.sizes[rel]
        assert len(blocks["runs"]) == len(set(graph.g)) > 1  # one per named graph


def test_a_rebuild_copies_the_downloads_blocks_of_unchanged_graphs(mini, tmp_path,
                                                                  monkeypatch):
    from conftest import edit

    import kb.export
    from kb.export import write_rdf
    from kb.reuse import read_previous, write_record

    collection = load(mini)
    first = write_rdf(collection, build_graph(collection), tmp_path / "one")
    write_record(tmp_path / "one", first.recorded)
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 0.9")
    collection = load(mini)
    graph = build_graph(collection)
    serialised: list[tuple[str, int]] = []
    real = kb.export._run_serialised

    def recording(graph, fmt, run, nquads, names):
        serialised.append((fmt.file_extension, run.end - run.start))
        return real(graph, fmt, run, nquads, names)

    monkeypatch.setattr(kb.export, "_run_serialised", recording)
    second = write_rdf(collection, graph, tmp_path / "two", read_previous(tmp_path / "one"))
    monkeypatch.undo()
    source_rows = sum(1 for g in graph.g if str(graph.terms[g]).endswith("mini-article>"))
    for fmt in WHOLE_GRAPH_FORMATS:
        rel = download_path(EXPORT_FORMATS[fmt].ext)
        ext = pyoxigraph.RdfFormat.from_extension(EXPORT_FORMATS[fmt].ext).file_extension
        # The edited source's graph is serialised again (and one quad, for the prefixes);
        # the shared graph is copied from the previous file.
        assert sorted(n for e, n in serialised if e == ext and n != 1) == [source_rows], fmt
        assert (tmp_path / "two" / rel).read_bytes() == \
            serialize(collection, graph, fmt).encode("utf-8"), fmt
        before, after = (r.recorded.blocks[rel]["runs"] for r in (first, second))
        assert len({key for key, _, _ in before} & {key for key, _, _ in after}) == \
            len(after) - 1 > 0


def test_a_rebuild_queries_the_csv_lines_of_changed_claims_only(mini, tmp_path, monkeypatch):
    from conftest import edit

    from kb.graph import KbGraph
    from kb.reuse import read_previous, write_record

    table = download_path(EXPORT_FORMATS["csv"].ext)
    collection = load(mini)
    _, first = write_table(collection, build_graph(collection), tmp_path / "one")
    write_record(tmp_path / "one", first)
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 0.9")
    collection = load(mini)
    graph = build_graph(collection)
    asked: list[set[str] | None] = []
    real = KbGraph.query_claims

    def recording(self, sparql, batch=500, only=None, rows_of=None):
        asked.append(only)
        return real(self, sparql, batch, only, rows_of)

    monkeypatch.setattr(KbGraph, "query_claims", recording)
    sizes, second = write_table(collection, graph, tmp_path / "two",
                                read_previous(tmp_path / "one"))
    monkeypatch.undo()
    assert asked == [{"tesla-revenue-2022"}]
    data = (tmp_path / "two" / table).read_bytes()
    assert data.decode("utf-8") == claims_csv(collection, graph)
    assert sizes[table] == len(data) == second.blocks[table]["size"]
    before, after = (r.blocks[table]["runs"] for r in (first, second))
    assert len(after) == len(collection.claims) == 2
    # In id order: byd-revenue's line kept as it was, tesla-revenue-2022's made anew.
    assert before[0] == after[0] and before[1][0] != after[1][0]


def test_a_rebuild_copies_the_nquads_of_unchanged_graphs_and_links_their_claims_files(
        tmp_path, monkeypatch):
    """An edit of one article: the N-Quads of the other graphs are copied from the previous
    site, the files of the other articles' claims linked without their rows written out to
    be hashed; everything comes out as a fresh build writes it."""
    from bench import nudge_confidence
    from generate import generate

    from kb import export
    from kb.build import build

    monkeypatch.setenv("KB_JOBS", "1")  # the export in this process, where it is watched
    claims = generate(tmp_path / "claims", 120)
    site, fresh = tmp_path / "site", tmp_path / "fresh"
    build(claims, site)
    files = {str(path.relative_to(site)): path.stat().st_ino
             for path in (site / "claim").glob("*/claim.*")}
    nudge_confidence(claims / "sources" / "article-00001" / "claims.yaml")
    graphs: list[set[int]] = []
    copied: list[set[int]] = []
    keys_made: list[int] = []
    real_nquads, real_of = export.write_nquads, export.ClaimKeys.of

    def write_nquads(graph, path, previous=None, written=None, rel="", into=None):
        got = real_nquads(graph, path, previous, written, rel, into)
        graphs.append(set(graph.graph_keys))
        copied.append(set(into or ()))
        return got

    def of(self, rows):
        keys_made.append(len(rows))
        return real_of(self, rows)

    monkeypatch.setattr(export, "write_nquads", write_nquads)
    monkeypatch.setattr(export.ClaimKeys, "of", of)
    build(claims, site)

    # The shared graph's and two of the three articles' lines copied; keys made for the
    # edited article's 40 claims alone (each once for its two files).
    assert (len(graphs[0]), len(copied[0] & graphs[0]), len(keys_made)) == (4, 3, 40)
    changed = sorted(rel for rel, ino in files.items() if (site / rel).stat().st_ino != ino)
    assert changed and all(rel.startswith("claim/a00001-") for rel in changed)
    build(claims, fresh)
    for rel in ["data/kb.nq", *files]:
        assert (site / rel).read_bytes() == (fresh / rel).read_bytes(), rel


def test_a_previous_nquads_file_not_as_recorded_is_not_copied_from(mini, tmp_path):
    from kb.build import build

    site, nq = tmp_path / "site", "data/kb.nq"
    build(mini, site)  # from this claims folder: its graphs' keys name where it is
    good = (site / nq).read_bytes()
    (site / nq).write_bytes(good.replace(b"byd", b"xyz"))  # same size, newer than the record

    build(mini, site)

    assert (site / nq).read_bytes() == good


def test_every_claims_rows_lie_in_its_articles_graph(seed):
    """What linking a claim's files by its graph's key (kb.export.write_rdf) rests on: a
    claim's rows (its node's and its hash nodes') are all in its article's named graph, never
    in the report graph, whose findings name claims only as objects."""
    from kb.claimdata import claim_slices
    from kb.pipeline import check

    checked = check(seed)
    graph, claims = checked.graph, checked.collection.claims
    assert checked.report.findings, "the report graph must hold findings"
    outside = {ident: {str(graph.terms[graph.g[r]]) for r in rows}
               for ident, rows in claim_slices(graph)
               if {graph.g[r] for r in rows} != {graph.id(graph.iris.source_graph(
                   claims[ident].source))}}
    assert outside == {}
