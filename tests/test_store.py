"""The stores: one interface, the same answers from memory, Oxigraph on disk and SPARQL servers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pyoxigraph
import pytest
from conftest import edit
from storekit import open_kind, oxigraph_store_of, with_findings

from kb import listings
from kb.claimindex import index_of
from kb.connect import open_kb, read_config, rebuild_hooks
from kb.graphcache import GRAPHS_DIR
from kb.listings import ClaimFilter
from kb.mentioncache import MENTIONS_DIR
from kb.parallel import THREAD_CLAIMS
from kb.parsecache import PARSE_DIR
from kb.queries import NS, Blank, Iri, Lit, boolean, decimal, normalised
from kb.shapecache import SHAPES_DIR
from kb.sourcecache import SOURCES_CACHE_DIR
from kb.stores import resolve
from kb.stores.base import StoreError
from kb.stores.manifest import read_manifest, stale_reason, store_dir
from kb.stores.oxigraph import OxigraphStore
from kb.stores.oxigraph import open_fresh as open_with_hooks
from kb.stores.sparql import SparqlStore, where_group, with_values

# The store settings of the mini fixture, as a store's manifest records them.
MINI_STORE_CONFIG = {"store": "oxigraph", "endpoint": None, "base": "https://kb.example.org/"}
STORE_KINDS = ["memory", "oxigraph", pytest.param("oxigraph", marks=pytest.mark.server,
                                                  id="oxigraph-server"),
               pytest.param("virtuoso", marks=pytest.mark.server, id="virtuoso")]

QUERIES = {
    "count by verdict": """
        PREFIX kb: <https://kb.example.org/ns#>
        PREFIX schema: <https://schema.org/>
        SELECT ?verdict (COUNT(?claim) AS ?n) (SUM(?confidence) AS ?total)
        WHERE { ?claim a kb:Claim ; kb:confidence ?confidence ; schema:review/kb:verdict ?verdict }
        GROUP BY ?verdict ORDER BY ?verdict""",
    "ask": "ASK { ?c a <https://kb.example.org/ns#Claim> }",
    "construct": """
        PREFIX kb: <https://kb.example.org/ns#>
        CONSTRUCT { ?claim kb:confidence ?c ; kb:quote ?q }
        WHERE { ?claim a kb:Claim ; kb:confidence ?c ; kb:quote ?q }""",
    "strings and languages": """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?e ?label (LANG(?label) AS ?lang) WHERE { ?e rdfs:label ?label }
        ORDER BY ?e ?label""",
}


def open_fresh(claims_dir, notify=None):
    """The oxigraph store of a claims folder, rebuilt as kb's commands rebuild it."""
    return open_with_hooks(claims_dir, rebuild_hooks(), notify)


def claims(store, filters=None, **options):
    """kb claims as the CLI lists them: from the store's claim index when it keeps one."""
    return listings.claims(store, filters, index=index_of(store), **options)


def answers(store) -> dict:
    """Everything the query commands can show, from one store."""
    out = {
        "claims": claims(store).rows,
        "by subject": claims(store, ClaimFilter(subject="tesla")).rows,
        "by verdict": claims(store, ClaimFilter(verdict="unverifiable")).rows,
        "by property and source": claims(
            store, ClaimFilter(property="total-revenue", source="mini-article")).rows,
        "confidence range": claims(
            store, ClaimFilter(min_confidence=Decimal("0.6"), max_confidence=Decimal("1"))).rows,
        "time": claims(store, ClaimFilter(time=(_d("2022-06-01"), _d("2022-06-30")))).rows,
        "with findings": claims(store, ClaimFilter(has_finding=True)).rows,
        "sorted": claims(store, sort="-confidence", limit=1).rows,
        "show": [listings.show(store, i) for i in ("tesla-revenue-2022", "byd-revenue")],
        "entities": listings.entities(store).rows,
        "findings": listings.findings(store).rows,
        "all findings": listings.findings(store, include_holding=True).rows,
        "conflicts": listings.findings(store, kind="evidence-conflict").rows,
        "stats": listings.stats(store).rows,
        "one column": sorted(t.value for t in store.column("claims_list", "statement", {})),
    }
    for name, text in QUERIES.items():
        answer = store.query(text).normalised()
        out[name] = (answer.form, answer.variables, sorted(answer.rows, key=repr),
                     answer.boolean, sorted(answer.triples))
    return out


def _d(text):
    from datetime import date

    return date.fromisoformat(text)


@pytest.fixture
def mini_findings(mini):
    collection, dataset = with_findings(mini)
    return mini, collection, dataset


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_every_store_gives_the_same_answers(kind, mini_findings, request):
    claims_dir, collection, dataset = mini_findings
    expected = answers(open_kind("memory", claims_dir, collection, dataset, request))
    store = open_kind(kind, claims_dir, collection, dataset, request)
    assert store.base == "https://kb.example.org/"
    got = answers(store)
    for name in expected:
        assert got[name] == expected[name], f"{kind} differs on {name}"
    # The answers are the collection's, not empty ones that would trivially agree.
    assert [r["id"] for r in got["claims"]] == ["byd-revenue", "tesla-revenue-2022"]
    assert [r["id"] for r in got["with findings"]] == ["byd-revenue", "tesla-revenue-2022"]
    assert [f["id"] for f in got["findings"]] == ["test-conflict", "test-contradiction"]
    assert got["time"][0]["id"] == "tesla-revenue-2022" and len(got["time"]) == 1
    assert got["ask"][3] is True and len(got["construct"][4]) == 4
    assert len(got["one column"]) == 2 and got["one column"][0].startswith("BYD")


def test_filters_on_the_memory_store(mini_findings, request):
    claims_dir, collection, dataset = mini_findings
    store = open_kind("memory", claims_dir, collection, dataset, request)
    ids = [r["id"] for r in claims(store, ClaimFilter(max_confidence=Decimal("0.5"))).rows]
    assert ids == ["byd-revenue"]
    assert claims(store, ClaimFilter(time=(_d("2021-01-01"), _d("2021-12-31")))).rows \
        == []
    rows = claims(store, sort="verdict").rows
    assert [r["verdict"] for r in rows] == ["accurate", "unverifiable"]
    assert [r["id"] for r in claims(store, sort="-id").rows] == [
        "tesla-revenue-2022", "byd-revenue"]
    with pytest.raises(listings.UnknownId, match="no entity 'teslaa'; did you mean 'tesla'"):
        claims(store, ClaimFilter(subject="teslaa"))


def test_show_has_evidence_findings_and_relations(mini_findings, request):
    claims_dir, collection, dataset = mini_findings
    store = open_kind("memory", claims_dir, collection, dataset, request)
    record = listings.show(store, "tesla-revenue-2022")
    assert record["amount"] == Decimal("81462000000")
    assert record["anchor"] == {"start": 9, "end": 25, "prefix": "2022 年特斯拉",
                                "suffix": ",比亚迪年入约 606 亿好意思元。点击次数:7"}
    assert record["review"]["url"] == "https://kb.example.org/claim/tesla-revenue-2022/"
    assert [e["id"] for e in record["evidence"]] == ["tesla-revenue-2022-10k"]
    assert record["evidence"][0]["document"]["title"] == "Tesla 10-K"
    # tesla-above-byd is kb's own finding (the relation holds); the test- ones were added.
    assert [f["id"] for f in record["findings"]] == ["tesla-above-byd", "test-conflict",
                                                      "test-contradiction", "test-relation"]
    assert record["relations"][0]["expression"] == "tesla-revenue-2022 > byd-revenue"
    with pytest.raises(listings.UnknownId,
                       match="no claim 'tesla-revenue'; did you mean 'tesla-revenue-2022'"):
        listings.show(store, "tesla-revenue")


# -- the claim index answers kb claims as the graph does ------------------------------------


def seed_filters(rows: list[dict]) -> list[ClaimFilter]:
    """Filters on every value the seed's claims have, alone and combined, with ranges."""
    def values(column):
        return sorted({r[column] for r in rows if r[column] is not None})

    singles = [ClaimFilter(**{column: v}) for column in ("source", "verdict")
               for v in values(column)]
    singles += [ClaimFilter(**{column: v}) for column in ("subject", "property")
                for v in values(column)[::3]]
    first = rows[0]
    combos = [
        ClaimFilter(subject=first["subject"], verdict=first["verdict"]),
        ClaimFilter(subject="tesla", property="total-revenue", source=first["source"]),
        ClaimFilter(has_finding=True), ClaimFilter(has_finding=True, verdict="inaccurate"),
        ClaimFilter(min_confidence=Decimal("0.5")), ClaimFilter(max_confidence=Decimal("0.3")),
        ClaimFilter(min_confidence=Decimal("0.3"), max_confidence=Decimal("0.3")),
        ClaimFilter(verdict="accurate", min_confidence=Decimal("0.95")),
        ClaimFilter(time=(_d("2022-01-01"), _d("2022-12-31"))),
        ClaimFilter(time=(_d("2023-06-15"), _d("2023-06-15")), subject="tesla"),
        ClaimFilter(time=(_d("2020-01-01"), _d("2030-12-31")), has_finding=True,
                    max_confidence=Decimal("0.6")),
        ClaimFilter(subject="a&verdict=inaccurate"), ClaimFilter(source="no such/ source ç"),
    ]
    return [ClaimFilter(), *singles, *combos]


@pytest.mark.slow
def test_the_claim_index_answers_as_the_graph_does(seed):
    memory = open_kb(seed, "memory")
    store = open_fresh(seed)
    assert index_of(store) is not None and index_of(memory) is None
    everything = claims(memory).rows
    assert claims(store).rows == everything and len(everything) >= 78
    nonempty = 0
    for filters in seed_filters(everything):
        try:
            expected = claims(memory, filters).rows
        except listings.UnknownId as exc:
            with pytest.raises(listings.UnknownId, match=re.escape(str(exc))):
                claims(store, filters)
            continue
        assert claims(store, filters).rows == expected, filters
        nonempty += bool(expected)
    assert nonempty >= 20, "most filters must find something, or the comparison proves little"


def test_index_rows_keep_every_value_exactly():
    from kb.claimindex import decode_rows, encode

    row = dict.fromkeys(listings.CLAIM_COLUMNS)
    row.update(id="x", amount=Decimal("2.0E+10"), lower=Decimal("-0.000001"),
               upper=Decimal("1E-7"), precision=Decimal("10000.0"), confidence=Decimal("0.30"),
               statement='He said "100 亿亿次" \\ then\nstopped.', time_phrase="2020 年")
    [back] = decode_rows([encode(row)])
    assert back == row
    assert [str(back[c]) for c in ("amount", "confidence")] == ["2.0E+10", "0.30"]
    with pytest.raises(ValueError, match="a listing row cannot hold Decimal"):
        encode({**row, "amount": Decimal("NaN")})


# -- the oxigraph store stays fresh without re-reading YAML ---------------------------------


def test_oxigraph_store_is_rebuilt_only_when_a_file_changes(mini):
    notes: list[str] = []
    first = open_fresh(mini, notes.append)
    assert notes == ["updating the oxigraph store (there is no store yet)"]
    assert first.triples > 50
    manifest = read_manifest(mini)
    open_fresh(mini, notes.append)
    assert len(notes) == 1, "a fresh store must not be rebuilt"

    claims_file = mini / "sources/mini-article/claims.yaml"
    os.utime(claims_file, ns=(1, 1))  # touched, same bytes: no rebuild, stat remembered
    open_fresh(mini, notes.append)
    assert len(notes) == 1
    assert read_manifest(mini)["files"]["sources/mini-article/claims.yaml"][:2] == [
        claims_file.stat().st_size, 1]
    assert read_manifest(mini)["files"]["collection.yaml"] == manifest["files"]["collection.yaml"]

    edit(claims_file, "confidence: 0.95", "confidence: 0.9")
    store = open_fresh(mini, notes.append)
    assert notes[-1] == ("updating the oxigraph store "
                         "(sources/mini-article/claims.yaml changed)")
    assert [r["confidence"] for r in claims(store, ClaimFilter(subject="tesla")).rows] \
        == [Decimal("0.9")]

    (mini / "evidence/more.yaml").write_text("documents: []\nstatements: []\n")
    assert stale_reason(mini, read_manifest(mini)) == "evidence/more.yaml was added"
    open_fresh(mini)
    (mini / "evidence/more.yaml").unlink()
    assert stale_reason(mini, read_manifest(mini)) == "evidence/more.yaml was removed"
    (mini / ".hidden.swp").write_text("editor noise")
    open_fresh(mini)
    assert stale_reason(mini, read_manifest(mini)) is None


def test_stale_check_reads_only_folders_whose_entries_changed(mini, monkeypatch):
    from kb.stores import manifest as manifest_module

    open_fresh(mini)
    read: list[str] = []
    entries = manifest_module._entries
    monkeypatch.setattr(manifest_module, "_entries",
                        lambda folder: read.append(folder) or entries(folder))
    assert stale_reason(mini, read_manifest(mini)) is None
    assert read == [], "unchanged folders are not read, only their files stat'ed"

    (mini / "sources/extra").mkdir()
    assert stale_reason(mini, read_manifest(mini)) is None  # an empty folder holds no file
    assert [Path(f).name for f in read] == ["sources", "extra"]
    (mini / "sources/extra/notes.txt").write_text("new")
    assert stale_reason(mini, read_manifest(mini)) == "sources/extra/notes.txt was added"
    (mini / "sources/extra/notes.txt").unlink()
    (mini / "sources/extra").rmdir()
    assert stale_reason(mini, read_manifest(mini)) is None

    claims_file = mini / "sources/mini-article/claims.yaml"
    claims_file.rename(claims_file.with_name("renamed.yaml"))
    assert stale_reason(mini, read_manifest(mini)) == (
        "sources/mini-article/renamed.yaml was added")
    claims_file.with_name("renamed.yaml").rename(claims_file)
    assert stale_reason(mini, read_manifest(mini)) is None
    shutil.rmtree(mini / "evidence")
    assert stale_reason(mini, read_manifest(mini)).startswith("evidence/")


def test_store_setting_is_read_from_collection_yaml_and_remembered(mini):
    edit(mini / "collection.yaml", "title: Mini collection", "title: Mini collection\n"
         "store: oxigraph")
    settings = resolve(mini, None, None, read_config)
    assert settings.kind == "oxigraph"
    open_kb(mini)
    assert read_manifest(mini)["config"] == MINI_STORE_CONFIG
    assert resolve(mini, "memory", None, read_config).kind == "memory"
    assert resolve(mini, None, "http://127.0.0.1:1/sparql", read_config).kind == "sparql"
    with pytest.raises(StoreError, match="the sparql store needs an endpoint"):
        open_kb(mini, "sparql")


def test_kb_build_keeps_the_oxigraph_store_up_to_date(mini, tmp_path):
    from kb.build import build

    edit(mini / "collection.yaml", "title: Mini collection", "title: Mini collection\n"
         "store: oxigraph")
    build(mini, tmp_path / "site")
    assert stale_reason(mini, read_manifest(mini)) is None
    notes: list[str] = []
    open_fresh(mini, notes.append)
    assert notes == []


def test_a_query_on_a_fresh_store_imports_no_rdflib_yaml_or_units(mini):
    open_fresh(mini)
    code = ("import sys, runpy; sys.argv = ['kb', 'claims', '--claims', sys.argv[1], "
            "'--store', 'oxigraph', '--verdict', 'accurate']\n"
            "try: runpy.run_module('kb', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('rdflib', 'pint', 'pyshacl', 'ruamel', 'jinja2'))\n"
            "print('HEAVY', heavy)")
    proc = subprocess.run([sys.executable, "-c", code, str(mini)], capture_output=True,
                          text=True, check=True)
    assert '"id": "tesla-revenue-2022"' in proc.stdout
    assert "HEAVY []" in proc.stdout, proc.stdout


def test_kb_help_imports_no_library():
    code = ("import sys\nfrom kb.cli import cli\n"
            "try: cli(['--help'])\nexcept SystemExit: pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in "
            "('rdflib', 'pyoxigraph', 'pint', 'pyshacl', 'ruamel', 'jinja2')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "LOADED []" in proc.stdout, proc.stdout


@pytest.mark.parametrize("database", ["store", "claim-index.sqlite"])
def test_a_damaged_store_is_rebuilt_once(mini, database):
    open_fresh(mini)
    damaged = store_dir(mini) / database
    (damaged / "CURRENT" if damaged.is_dir() else damaged).write_text("garbage\n")
    notes: list[str] = []
    store = open_fresh(mini, notes.append)
    assert len(claims(store).rows) == 2
    # kb claims reads only the claim index; the store itself is opened when first needed.
    assert len(notes) == (1 if database == "claim-index.sqlite" else 0), notes
    assert listings.stats(store).rows[0] == {"by": "total", "key": "claims", "count": 2}
    assert len(notes) == 1, notes
    assert notes[0].startswith("updating the oxigraph store (it could not be opened: ")


def test_a_damaged_store_that_is_not_rebuilt_says_how_to_fix_it(mini):
    open_fresh(mini)
    manifest = read_manifest(mini)
    (store_dir(mini) / "store" / "CURRENT").write_text("garbage\n")
    store = OxigraphStore(store_dir(mini), manifest)
    with pytest.raises(StoreError, match=r"cannot open the oxigraph store \(.*\); delete the "
                       "folder and run the command again to rebuild it"):
        listings.stats(store)


def test_oxigraph_store_serves_named_graphs_for_push(mini_findings, request):
    claims_dir, collection, dataset = mini_findings
    store = oxigraph_store_of(claims_dir, collection, dataset)
    memory = open_kind("memory", claims_dir, collection, dataset, request)
    assert store.graph_names() == memory.graph_names() == [
        "https://kb.example.org/graph/mini-article", "https://kb.example.org/graph/report",
        "https://kb.example.org/graph/shared"]
    for name in store.graph_names():
        ox_lines = sorted(store.graph_ntriples(name).decode().splitlines())
        assert len(ox_lines) == len(memory.graph_ntriples(name).decode().splitlines()) > 10


# -- bindings reach servers as a VALUES block, never as pasted text -------------------------


def test_values_block_goes_to_the_head_of_the_where_group():
    query = ('PREFIX x: <http://x/a#>  # a comment with { brace\n'
             "SELECT ?s (?n < 3 AS ?small) WHERE { ?s ?p 'text with { brace' . "
             'FILTER(?s != """a } b""") }')
    out = with_values(query, {"s": Iri("http://z/1"), "n": decimal("0.5")})
    assert out.endswith('AS ?small) WHERE { VALUES (?n ?s) { ("0.5"^^<http://www.w3.org/2001/'
                        'XMLSchema#decimal> <http://z/1>) }  ?s ?p \'text with { brace\' . '
                        'FILTER(?s != """a } b""") }')
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert construct[where_group(construct):].startswith("{ GRAPH ?g")
    assert where_group("ASK { ?s ?p ?o }") == 4


def test_bound_values_are_escaped():
    nasty = Lit('he said "hi" }\n DROP ALL', None, None)
    out = with_values("SELECT ?q WHERE { ?s ?p ?q }", {"q": nasty})
    assert '"he said \\"hi\\" }\\n DROP ALL"' in out
    with pytest.raises(ValueError, match="is not a valid IRI"):
        with_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": Iri("http://x/> } ; DROP ALL <x")})
    with pytest.raises(StoreError, match="'a b' is not a SPARQL variable name"):
        with_values("SELECT ?s WHERE { ?s ?p ?o }", {"a b": Iri("http://x")})


def test_escaped_literals_and_iris_parse_back_as_they_were():
    import pyoxigraph as ox

    text = 'a "quote" \\ backslash\nnew line\rreturn\ttab 营收约 1,000 亿美元 \x7f'
    line = f"{Iri('http://x/s?a=%20').n3()} <http://x/p> {Lit(text).n3()} .\n"
    [triple] = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    assert (triple.subject.value, triple.object.value) == ("http://x/s?a=%20", text)
    for bad in ("http://x/a b", "http://x/a\tb", "http://x/a\x00b", "http://x/a`b"):
        with pytest.raises(ValueError, match="is not a valid IRI"):
            Iri(bad).n3()


def test_terms_compare_by_value_across_spellings():
    assert normalised(Lit("0.50", "http://www.w3.org/2001/XMLSchema#decimal")) == decimal("0.5")
    assert normalised(Lit("81462000000", "http://www.w3.org/2001/XMLSchema#decimal")) \
        == Lit("81462000000.0", "http://www.w3.org/2001/XMLSchema#decimal")
    assert normalised(Lit("1", "http://www.w3.org/2001/XMLSchema#boolean")) == boolean(True)
    # Virtuoso keeps 15 decimal places of "470672.2689075630252100840337".
    assert normalised(decimal("470672.2689075630252100840337")) \
        == normalised(decimal("470672.26890756302521")) == decimal("470672.268907563025")
    assert normalised(Lit("9", "http://www.w3.org/2001/XMLSchema#nonNegativeInteger")) \
        == Lit("9", "http://www.w3.org/2001/XMLSchema#integer")
    assert Iri("x") != Blank("x") and Lit("x") != Iri("x")


def test_namespace_needs_no_rdflib_but_matches_the_vocabulary():
    from kb.vocab import NS as VOCAB_NS

    assert NS == VOCAB_NS


def test_unreachable_endpoint_is_one_clear_line():
    from servers import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(StoreError) as info:
        SparqlStore(url).query("ASK {}")
    assert str(info.value) == (f"cannot reach the SPARQL endpoint {url}: [Errno 111] "
                               "Connection refused; is the server running and the URL right?")
    with pytest.raises(StoreError, match="endpoint 'ftp://x' is not an http"):
        SparqlStore("ftp://x")


def test_memory_store_reports_syntax_errors(mini):
    store = open_kb(Path(mini), "memory")
    with pytest.raises(StoreError, match=r"^SPARQL syntax error: "):
        store.query("SELEC ?s WHERE { ?s ?p ?o }")
    ox = open_kb(Path(mini), "oxigraph")
    with pytest.raises(StoreError, match=r"^SPARQL syntax error: "):
        ox.query("SELEC ?s WHERE { ?s ?p ?o }")


def test_a_store_rebuilt_beside_a_build_says_why_it_failed(mini, tmp_path):
    from kb.rebuild import start_rebuild

    wait = start_rebuild(mini, tmp_path / "no-such-export.nq", MINI_STORE_CONFIG)
    with pytest.raises(StoreError) as caught:
        wait()
    assert str(caught.value).startswith(f"{mini}: the oxigraph store could not be rebuilt: ")
    assert "no-such-export.nq" in str(caught.value)
    assert not (mini / ".kb" / "oxigraph" / "store").exists()  # nothing half-built is left


def test_the_store_process_runs_behind_the_site_check(mini, tmp_path, monkeypatch):
    # It works while the build checks the site, which decides whether anything is published.
    import kb.rebuild
    from kb.parallel import BEHIND_THE_CHECK

    seen = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        proc = real(*args, **kwargs)  # returns once the child has run preexec_fn and exec'd
        seen.append((os.getpriority(os.PRIO_PROCESS, proc.pid),
                     os.sched_getscheduler(proc.pid)))
        return proc

    monkeypatch.setattr(kb.rebuild.subprocess, "Popen", popen)
    wait = kb.rebuild.start_rebuild(mini, tmp_path / "no-such-export.nq", MINI_STORE_CONFIG)
    with pytest.raises(StoreError):
        wait()
    assert seen == [(min(19, os.getpriority(os.PRIO_PROCESS, 0) + BEHIND_THE_CHECK),
                     os.SCHED_IDLE)]


def test_the_store_process_imports_this_kb_not_one_in_the_current_folder(
        mini, tmp_path, monkeypatch):
    from kb.graph import build_graph
    from kb.load import load
    from kb.rebuild import start_rebuild
    from kb.stores.manifest import code_stamp, read_manifest
    from kb.stores.oxigraph import config_settings

    decoy = tmp_path / "elsewhere"
    (decoy / "kb").mkdir(parents=True)
    (decoy / "kb" / "__init__.py").write_text("raise SystemExit('a different kb')\n")
    monkeypatch.chdir(decoy)  # e.g. a checkout beside an installed kb
    collection = load(mini)
    nquads = tmp_path / "kb.nq"
    nquads.write_bytes(build_graph(collection).serialize(pyoxigraph.RdfFormat.N_QUADS))
    start_rebuild(mini, nquads, config_settings(collection.config))()
    assert read_manifest(mini)["code"] == code_stamp()  # so queries find the store fresh


def test_a_small_collection_s_store_refreshed_in_a_thread_is_the_one_a_process_makes(
        mini, tmp_path):
    from kb.rebuild import start_rebuild
    from kb.stores.manifest import take

    nquads, graphs = _export(mini, tmp_path, "kb.nq")
    stores = {}
    for claims in (None, THREAD_CLAIMS):  # unknown (a process), then small (a thread)
        shutil.rmtree(store_dir(mini), ignore_errors=True)
        threads = threading.active_count()
        start_rebuild(mini, nquads, MINI_STORE_CONFIG, take(mini), graphs, claims=claims)()
        assert threading.active_count() == threads
        manifest = read_manifest(mini)
        assert stale_reason(mini, manifest) is None
        stores[claims] = (_dump(mini), answers(open_fresh(mini)),
                          manifest)
    assert stores[THREAD_CLAIMS] == stores[None]


@pytest.mark.parametrize("claims", [None, THREAD_CLAIMS], ids=["process", "thread"])
def test_a_store_that_cannot_be_refreshed_says_why_in_one_line(mini, tmp_path, claims):
    from kb.rebuild import start_rebuild

    missing = tmp_path / "no-such-export.nq"
    with pytest.raises(StoreError) as err:
        start_rebuild(mini, missing, MINI_STORE_CONFIG, claims=claims)()
    assert str(err.value).startswith(f"{mini}: the oxigraph store could not be rebuilt: ")
    assert str(missing) in str(err.value) and "\n" not in str(err.value)


def test_a_bug_in_the_store_s_thread_fails_the_wait_as_the_process_s_would(mini, tmp_path,
                                                                            monkeypatch):
    import kb.rebuild

    def broken(*args, **kwargs):
        raise KeyError("files")

    monkeypatch.setattr(kb.rebuild, "rebuild", broken)
    with pytest.raises(StoreError) as err:
        kb.rebuild.start_rebuild(mini, tmp_path / "kb.nq", MINI_STORE_CONFIG, claims=1)()
    assert str(err.value) == f"{mini}: the oxigraph store could not be rebuilt: KeyError: 'files'"


def _export(claims_dir, folder, name, extra=()):
    """The N-Quads export of a claims folder's checked graph (plus extra quads), as kb build
    writes it, and where each named graph is in it."""
    from kb.export import write_nquads
    from kb.pipeline import check

    kb_graph = check(claims_dir).graph
    kb_graph.extend(extra)
    path = folder / name
    return path, write_nquads(kb_graph, path)[0]


def _load_export(claims_dir, nquads, graphs, force=False):
    """Bring the claims folder's oxigraph store up to date from an export, as the build's
    store child does: by difference where it can; loaded whole if force."""
    from kb.stores import oxigraph
    from kb.stores.manifest import take

    return oxigraph.rebuild(claims_dir, "test", rebuild_hooks(), config=MINI_STORE_CONFIG,
                            nquads=nquads, taken=take(claims_dir), graphs=graphs, force=force)


def _dump(claims_dir):
    """Every quad of a claims folder's oxigraph store, sorted, and its manifest's count."""
    db = pyoxigraph.Store.read_only(str(store_dir(claims_dir) / "store"))
    quads = sorted(str(q) for q in db)
    del db
    return quads, read_manifest(claims_dir)["triples"]


def _tables(claims_dir):
    return {p.stat().st_ino for p in (store_dir(claims_dir) / "store").glob("*.sst")}


EXTRA = pyoxigraph.Quad(pyoxigraph.NamedNode("https://kb.example.org/claim/x"),
                        pyoxigraph.NamedNode("https://kb.example.org/ns#note"),
                        pyoxigraph.Literal("gone next time"),
                        pyoxigraph.NamedNode("https://kb.example.org/graph/extra"))


def test_a_build_updates_the_store_by_difference_and_it_answers_as_a_whole_load(
        mini, tmp_path, monkeypatch):
    from kb.stores import oxigraph

    first, graphs = _export(mini, tmp_path, "first.nq", [EXTRA])
    _load_export(mini, first, graphs)
    before = _tables(mini)
    # Linked here, the first store's tables keep their inode numbers, which the file system
    # would otherwise give to new tables once the store is replaced.
    (tmp_path / "pinned").mkdir()
    for table in (store_dir(mini) / "store").glob("*.sst"):
        os.link(table, tmp_path / "pinned" / table.name)
    assert len(_dump(mini)[0]) == _dump(mini)[1] == sum(p[1] for p in graphs.values())

    # One claim edited, one graph gone: the mini collection's source graph is most of it, so
    # the share above which the export is loaded whole is raised for this test.
    monkeypatch.setattr(oxigraph, "MOST", 1.0)
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 0.9")
    second, graphs = _export(mini, tmp_path, "second.nq")
    _load_export(mini, second, graphs)
    assert _tables(mini) & before, "the unchanged tables must be shared, not loaded again"
    assert stale_reason(mini, read_manifest(mini)) is None
    by_difference = _dump(mini)
    answered = answers(open_fresh(mini))
    assert answered["by subject"][0]["confidence"] == Decimal("0.9")
    assert not any("gone next time" in q for q in by_difference[0])

    _load_export(mini, second, graphs, force=True)  # loaded whole
    assert not _tables(mini) & before
    assert _dump(mini) == by_difference
    assert answers(open_fresh(mini)) == answered


@pytest.mark.parametrize("damage", ["graphs.json", "a wrong count", "another kb"])
def test_a_store_without_trusted_graph_hashes_is_loaded_whole(mini, tmp_path, monkeypatch,
                                                              damage):
    import json

    from kb.stores import oxigraph

    first, graphs = _export(mini, tmp_path, "first.nq")
    _load_export(mini, first, graphs)
    before = _tables(mini)
    hashes = store_dir(mini) / "graphs.json"
    if damage == "graphs.json":
        hashes.write_text("{not json")
    elif damage == "a wrong count":
        known = json.loads(hashes.read_text())
        known[next(iter(known))][1] += 1
        hashes.write_text(json.dumps(known))
    else:
        manifest = read_manifest(mini)
        manifest["code"] = "an older kb"
        (store_dir(mini) / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(oxigraph, "MOST", 1.0)
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 0.9")
    second, graphs = _export(mini, tmp_path, "second.nq")
    _load_export(mini, second, graphs)
    assert not _tables(mini) & before
    assert answers(open_fresh(mini))["by subject"][0]["confidence"] == Decimal("0.9")


def test_an_update_killed_half_way_leaves_the_previous_store(mini, tmp_path, monkeypatch):
    from kb.stores import oxigraph

    first, graphs = _export(mini, tmp_path, "first.nq")
    _load_export(mini, first, graphs)
    old, manifest = _dump(mini), read_manifest(mini)
    copy = oxigraph.linked_copy

    def killed(source, target):
        copy(source, target)
        raise KeyboardInterrupt  # as a kill between the copy and the update

    monkeypatch.setattr(oxigraph, "linked_copy", killed)
    monkeypatch.setattr(oxigraph, "MOST", 1.0)
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 0.9")
    second, graphs = _export(mini, tmp_path, "second.nq")
    with pytest.raises(KeyboardInterrupt):
        _load_export(mini, second, graphs)
    assert _dump(mini) == old and read_manifest(mini) == manifest
    # No half-made store is left beside the store (the caches are the loader's, the graph's
    # and the checks' own).
    left = sorted(p.name for p in store_dir(mini).parent.iterdir()
                  if p.name not in (PARSE_DIR, SOURCES_CACHE_DIR, GRAPHS_DIR, MENTIONS_DIR,
                                    SHAPES_DIR))
    assert left == ["lock", "oxigraph"]
    assert stale_reason(mini, manifest) == "sources/mini-article/claims.yaml changed"


def _index_dump(claims_dir):
    """Every row of a claims folder's claim index, as text, sorted."""
    import sqlite3

    from kb.claimindex import NAME

    db = sqlite3.connect(store_dir(claims_dir) / NAME)
    rows = sorted(db.execute("SELECT * FROM claim"))
    db.close()
    return rows


def test_the_claim_index_updated_by_difference_is_the_one_built_whole(tmp_path, monkeypatch):
    # Three generated articles whose claims contradict one another's. First one article is
    # removed (its claims' contradictions go, so claims of the others lose their failing
    # findings), and one claim's confidence and another's verdict are edited in a second, the
    # third untouched; then one confidence alone; then the article comes back.
    from generate import generate

    from kb import claimindex
    from kb.stores import oxigraph

    claims = generate(tmp_path / "claims", 120)
    first, graphs = _export(claims, tmp_path, "first.nq")
    _load_export(claims, first, graphs)
    failing_before = _index_dump(claims)
    monkeypatch.setattr(oxigraph, "MOST", 1.0)
    updates = []
    real = claimindex._updated
    monkeypatch.setattr(claimindex, "_updated", lambda *a: updates.append(real(*a)) or
                        updates[-1])

    def updated_is_whole(step: str) -> list[str]:
        updates.clear()
        nquads, graphs = _export(claims, tmp_path, f"{step}.nq")
        _load_export(claims, nquads, graphs)
        assert updates == [True], f"{step}: the index was not updated by difference"
        updated = _index_dump(claims)
        _load_export(claims, nquads, graphs, force=True)  # built whole
        whole = _index_dump(claims)
        missing, extra = sorted(set(whole) - set(updated)), sorted(set(updated) - set(whole))
        assert (step, missing, extra) == (step, [], [])
        return whole

    article = claims / "sources/article-00002"
    kept = tmp_path / "article-00002"
    shutil.copytree(article, kept)
    shutil.rmtree(article)
    edited = claims / "sources/article-00001/claims.yaml"
    text = edited.read_text("utf-8")
    text = re.sub(r"confidence: 0\.5\n", "confidence: 0.55\n", text, count=1)
    text = re.sub(r"verdict: accurate\n", "verdict: mostly-accurate\n", text, count=1)
    edited.write_text(text, "utf-8")
    whole = updated_is_whole("removed")
    # The update had claims of the untouched article whose failing findings went.
    flipped = {row[0] for row in set(failing_before) ^ set(whole)
               if row[0].startswith("a00000-")}
    assert flipped
    text = re.sub(r"confidence: 0\.55\n", "confidence: 0.6\n", text, count=1)
    edited.write_text(text, "utf-8")
    updated_is_whole("edited in place")
    shutil.copytree(kept, article)
    updated_is_whole("restored")


def test_the_claim_index_a_build_writes_from_its_csv_is_the_one_the_store_writes(
        seed, tmp_path, monkeypatch):
    """A build that refreshes the store hands it the claim index its CSV's query gave (the
    store then sets the failing flags): the same rows as the store's own listing queries, on
    the seed and on articles whose claims contradict one another's."""
    from generate import generate

    from kb import claimindex
    from kb.build import build
    from kb.stores import oxigraph

    taken = []
    real = claimindex._updated
    monkeypatch.setattr(claimindex, "_updated", lambda store, path, changed: taken.append(
        changed.graphs) or real(store, path, changed))
    for claims in (seed, generate(tmp_path / "generated", 120)):
        taken.clear()
        build(claims, tmp_path / f"site-{claims.name}")
        assert taken == [frozenset()], f"{claims.name}: the build's index was not taken"
        prepared = _index_dump(claims)
        oxigraph.rebuild(claims, "test", rebuild_hooks(), force=True)  # from the store
        assert taken == [frozenset()], "the store wrote its own index whole"
        whole = _index_dump(claims)
        missing, extra = sorted(set(whole) - set(prepared)), sorted(set(prepared) - set(whole))
        assert (claims.name, missing, extra) == (claims.name, [], [])
        assert any(row[5] for row in whole) and len(whole) >= 78


def test_the_store_process_takes_the_claim_index_the_build_hands_it(mini, tmp_path):
    """Handed over by name through the process's arguments file, the build's index is the
    one the store keeps (a row only it holds shows it)."""
    from kb import claimindex
    from kb.rebuild import start_rebuild
    from kb.stores.manifest import take

    nquads, graphs = _export(mini, tmp_path, "kb.nq")
    rows = listings.graph_rows(open_kb(mini, "memory"), ClaimFilter())
    prepared = tmp_path / "from-the-build" / claimindex.NAME
    prepared.parent.mkdir()
    claimindex.write_rows(prepared, [*rows, dict(rows[0], id="only-in-the-build")])
    start_rebuild(mini, nquads, MINI_STORE_CONFIG, take(mini), graphs,
                  prepared={claimindex.NAME: prepared})()  # claims unknown: a process
    kept = {row[0]: row for row in _index_dump(mini)}
    assert set(kept) == {row["id"] for row in rows} | {"only-in-the-build"}


def test_a_damaged_claim_index_is_written_whole_when_the_store_is_updated(tmp_path,
                                                                         monkeypatch):
    from generate import generate

    from kb import claimindex
    from kb.stores import oxigraph

    claims = generate(tmp_path / "claims", 60)
    first, graphs = _export(claims, tmp_path, "first.nq")
    _load_export(claims, first, graphs)
    (store_dir(claims) / claimindex.NAME).write_bytes(b"not a database\n" * 100)
    edited = claims / "sources/article-00001/claims.yaml"
    edited.write_text(re.sub(r"confidence: 0\.5\n", "confidence: 0.55\n",
                             edited.read_text("utf-8"), count=1), "utf-8")
    monkeypatch.setattr(oxigraph, "MOST", 1.0)
    tried = []
    real = claimindex._updated
    monkeypatch.setattr(claimindex, "_updated", lambda *a: tried.append(a) or real(*a))
    nquads, graphs = _export(claims, tmp_path, "second.nq")
    _load_export(claims, nquads, graphs)
    assert tried, "the store was not updated by difference"
    updated = _index_dump(claims)
    _load_export(claims, nquads, graphs, force=True)
    assert updated == _index_dump(claims) and len(updated) >= 60
