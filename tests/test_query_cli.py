"""The query commands: kb query, claims, show, entities, findings, stats, in every format."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from conftest import FIXTURES, edit
from helpers import invoke, run_kb
from storekit import oxigraph_store_of, with_findings


def kb(claims, *args: str, exit_code: int = 0, input: str | None = None):
    """kb ARGS --claims CLAIMS: in this process if it should succeed, else the real script."""
    args = (*args, "--claims", str(claims))
    if exit_code == 0:
        return invoke(*args, input=input)
    result = run_kb(*args, input=input)
    assert result.exit_code == exit_code, result.output
    return result


@pytest.fixture(scope="module")
def warm_mini(tmp_path_factory):
    """The mini collection with its default (oxigraph) store built, once for the module."""
    claims = tmp_path_factory.mktemp("warm") / "claims"
    shutil.copytree(FIXTURES / "mini", claims)
    assert kb(claims, "stats").exit_code == 0
    return claims


@pytest.fixture
def mini(tmp_path, warm_mini):
    """A copy of the mini collection and its up-to-date store, so outputs hold no "updating"
    notice (the store's manifest finds the copied files' hashes unchanged)."""
    dest = tmp_path / "claims"
    shutil.copytree(warm_mini, dest)
    return dest


@pytest.fixture
def mini_ox(tmp_path):
    """The mini collection in an oxigraph store that also holds three test findings."""
    claims = tmp_path / "claims"
    shutil.copytree(FIXTURES / "mini", claims)
    collection, dataset = with_findings(claims)
    oxigraph_store_of(claims, collection, dataset).close()
    return claims


CLAIMS_TABLE = """\
id                  verdict       confidence  subject  property            amount  unit  time  statement
------------------  ------------  ----------  -------  -------------  -----------  ----  ----  ----------------------------------------------------
tesla-revenue-2022  accurate            0.95  tesla    total-revenue  81462000000  USD   2022  Tesla's total revenue in 2022 was US$81.462 billion.
byd-revenue         unverifiable         0.5  byd      total-revenue  60600000000  USD         BYD's annual revenue is about US$60.6 billion.
"""  # noqa: E501


def test_claims_table(mini):
    result = kb(mini, "claims", "--table", "--sort", "-confidence")
    assert result.exit_code == 0, result.output
    assert result.output == CLAIMS_TABLE


def test_claims_json_nl_and_csv_agree(mini):
    as_json = json.loads(kb(mini, "claims", "--json").output)
    as_nl = [json.loads(line) for line in kb(mini, "claims", "--nl").output.splitlines()]
    as_csv = list(csv.DictReader(io.StringIO(kb(mini, "claims", "--csv").output)))
    assert as_json == as_nl
    assert [r["id"] for r in as_json] == [r["id"] for r in as_csv] == [
        "byd-revenue", "tesla-revenue-2022"]
    tesla = as_json[1]
    assert tesla["amount"] == 81462000000 and tesla["confidence"] == 0.95
    assert tesla["time"] == "2022" and tesla["time_phrase"] == "2022 年"
    assert as_csv[1]["amount"] == "81462000000" and as_csv[1]["confidence"] == "0.95"
    assert as_csv[0]["time"] == ""


def test_default_format_when_piped_is_json_lines(mini):
    lines = kb(mini, "claims").output.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["byd-revenue", "tesla-revenue-2022"]


@pytest.mark.parametrize(("args", "ids"), [
    (["--subject", "tesla"], ["tesla-revenue-2022"]),
    (["--property", "total-revenue"], ["byd-revenue", "tesla-revenue-2022"]),
    (["--verdict", "unverifiable"], ["byd-revenue"]),
    (["--min-confidence", "0.6"], ["tesla-revenue-2022"]),
    (["--max-confidence", "0.5"], ["byd-revenue"]),
    (["--min-confidence", "0.5", "--max-confidence", "0.5"], ["byd-revenue"]),
    (["--source", "mini-article"], ["byd-revenue", "tesla-revenue-2022"]),
    (["--time", "2022-03"], ["tesla-revenue-2022"]),
    (["--time", "2021-06-01/2022-01-01"], ["tesla-revenue-2022"]),
    (["--sort", "amount"], ["byd-revenue", "tesla-revenue-2022"]),
    (["--sort", "-amount", "--limit", "1"], ["tesla-revenue-2022"]),
    (["--sort", "time"], ["tesla-revenue-2022", "byd-revenue"]),
    (["--has-finding"], ["byd-revenue", "tesla-revenue-2022"]),
    (["--has-finding", "--verdict", "accurate"], ["tesla-revenue-2022"]),
])
@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_claims_filters(mini_ox, store, args, ids):
    # Only the oxigraph store holds the test findings; the mini collection has none that fail.
    expected = ids if store == "oxigraph" or "--has-finding" not in args else []
    result = kb(mini_ox, "claims", "--store", store, "--json", *args,
                exit_code=0 if expected else 1)
    assert result.exit_code == (0 if expected else 1), result.output
    assert [r["id"] for r in json.loads(result.stdout)] == expected


def test_has_finding_without_findings_is_an_empty_result(mini):
    result = kb(mini, "claims", "--has-finding", exit_code=1)
    assert result.exit_code == 1
    assert result.output == "kb claims: no claims match these filters\n"


def test_empty_result_says_so_and_exits_1(mini):
    result = kb(mini, "claims", "--time", "2021", "--json", exit_code=1)
    assert result.exit_code == 1
    assert result.output == "[]\nkb claims: no claims match these filters\n"


@pytest.mark.parametrize(("args", "message"), [
    (["--subject", "teslaa"],
     "Error: Invalid value for '--subject': no entity 'teslaa'; did you mean 'tesla'?"),
    (["--property", "revenue"],
     "Error: Invalid value for '--property': no property 'revenue'; did you mean "
     "'total-revenue'?"),
    (["--source", "zzz"],
     "Error: Invalid value for '--source': no source 'zzz'; kb stats lists them"),
    (["--verdict", "wrong"],
     "Error: Invalid value for '--verdict': 'wrong' is not one of 'accurate', "
     "'mostly-accurate', 'unverifiable', 'misleading', 'inaccurate'."),
    (["--min-confidence", "2"], "Error: Invalid value for '--min-confidence': '2' is not a "
                                "number in [0, 1]"),
    (["--max-confidence", "x"], "Error: Invalid value for '--max-confidence': 'x' is not a "
                                "number in [0, 1]"),
    (["--time", "2022-13"], "Error: Invalid value for '--time': bad month number 13; must be 1-12"),
    (["--time", "last year"], "Error: Invalid value for '--time': 'last year' is not a date "
                              "like 2022, 2025-06 or 2025-06-30"),
    (["--sort", "colour"], "Error: Invalid value for '--sort': 'colour' is not one of id, "
                           "source, subject, property, amount, confidence, verdict, time "
                           "(prefix '-' to sort descending)"),
    (["--limit", "0"], "Error: Invalid value for '--limit': 0 is not in the range x>=1."),
])
def test_claims_bad_usage_exits_2(mini, args, message):
    result = kb(mini, "claims", *args, exit_code=2)
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == message


def test_show_a_claim(mini_ox):
    result = kb(mini_ox, "show", "tesla-revenue-2022", "--store", "oxigraph")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "claim tesla-revenue-2022"
    assert "  quote       …2022 年特斯拉【总营收 814.62 亿好意思元】,比亚迪年入约 606 " \
           "亿好意思元。点击次数:7…" in lines
    assert "  triple      tesla · total-revenue · 81462000000 USD (exact, precision 1000000)" \
           in lines
    assert "  verdict     accurate (Accurate), by Test desk on 2026-11-28" in lines
    assert "  tesla-revenue-2022-10k: tesla · total-revenue · 81462000000 USD (exact), 2022" \
           in lines
    assert "  test-contradiction (contradiction, does not hold): BYD's and Tesla's revenues " \
           "cannot both hold." in lines
    assert lines[-1] == ("  tesla-above-byd: tesla-revenue-2022 > byd-revenue — The article "
                         "implies Tesla out-earned BYD.")


def test_show_json(mini):
    record = json.loads(kb(mini, "show", "byd-revenue", "--json").output)
    assert record["id"] == "byd-revenue" and record["bound"] == "approximately"
    assert record["evidence"] == [] and record["time"] is None
    assert record["review"]["url"] == "https://kb.example.org/claim/byd-revenue/"


def test_show_a_missing_claim(mini):
    result = kb(mini, "show", "tesla-revenue", exit_code=1)
    assert result.exit_code == 1
    assert result.output == "Error: no claim 'tesla-revenue'; did you mean " \
                            "'tesla-revenue-2022' or 'byd-revenue'?\n"
    result = kb(mini, "show", "nothing-like-it", exit_code=1)
    assert result.output == "Error: no claim 'nothing-like-it'; kb claims lists them\n"


@pytest.mark.parametrize("fmt", ["--table", "--json", "--nl", "--csv"])
def test_entities(mini, fmt):
    result = kb(mini, "entities", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "--table":
        assert result.output.splitlines()[2].split() == ["byd", "BYD", "organization", "1"]
    elif fmt == "--csv":
        assert result.output.splitlines()[2] == ("tesla,Tesla,en=Tesla zh=特斯拉,organization,"
                                                 "Q478214,,1")
    else:
        rows = (json.loads(result.output) if fmt == "--json"
                else [json.loads(line) for line in result.output.splitlines()])
        assert rows[1] == {"id": "tesla", "label": "Tesla", "labels": {"en": "Tesla",
                           "zh": "特斯拉"}, "kind": "organization", "wikidata": "Q478214",
                           "description": None, "claims": 1}
    assert kb(mini, "entities", "--lang", "zh", "--json").output.count("特斯拉") == 2


@pytest.mark.parametrize("fmt", ["--table", "--json", "--nl", "--csv"])
def test_findings(mini_ox, fmt):
    result = kb(mini_ox, "findings", "--store", "oxigraph", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "--table":
        assert [line.split()[0] for line in result.output.splitlines()[2:]] == [
            "test-conflict", "test-contradiction"]
    elif fmt == "--csv":
        rows = list(csv.DictReader(io.StringIO(result.output)))
        assert rows[1]["involves"] == "byd-revenue tesla-revenue-2022"
        assert rows[1]["factor_low"] == "1.34"
    else:
        rows = (json.loads(result.output) if fmt == "--json"
                else [json.loads(line) for line in result.output.splitlines()])
        assert rows[1]["kind"] == "contradiction" and rows[1]["holds"] is False
        assert rows[0]["involves"] == ["tesla-revenue-2022", "tesla-revenue-2022-10k"]


def test_findings_filters(mini_ox):
    def ids(*args):
        result = kb(mini_ox, "findings", "--store", "oxigraph", "--json", *args)
        return [f["id"] for f in json.loads(result.output)]

    assert ids("--all") == ["tesla-above-byd", "test-conflict", "test-contradiction",
                            "test-relation"]
    assert ids("--kind", "contradiction") == ["test-contradiction"]
    assert ids("--claim", "byd-revenue") == ["test-contradiction"]
    result = kb(mini_ox, "findings", "--store", "oxigraph", "--claim", "byd", exit_code=2)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == ("Error: Invalid value for '--claim': no claim "
                                              "'byd'; did you mean 'byd-revenue'?")


def test_no_findings(mini):
    result = kb(mini, "findings", exit_code=1)
    assert result.exit_code == 1
    assert result.output == "kb findings: no findings\n"


def test_stats(mini_ox):
    result = kb(mini_ox, "stats", "--store", "oxigraph", "--csv")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "by,key,count\ntotal,claims,2\ntotal,sources,1\ntotal,entities,2\ntotal,evidence,1\n"
        "total,relations,1\ntotal,findings,2\nverdict,accurate,1\nverdict,mostly-accurate,0\n"
        "verdict,unverifiable,1\nverdict,misleading,0\nverdict,inaccurate,0\nentity,byd,1\n"
        "entity,tesla,1\nsource,mini-article,2\n")
    table = kb(mini_ox, "stats", "--store", "oxigraph", "--table").output.splitlines()
    assert table[:3] == ["by       key              count", "-------  ---------------  -----",
                         "total    claims               2"]
    assert json.loads(kb(mini_ox, "stats", "--json").output)[0] == {
        "by": "total", "key": "claims", "count": 2}


COUNT = ("PREFIX kb: <https://kb.example.org/ns#> SELECT ?unit (COUNT(?c) AS ?n) "
         "WHERE { ?c a kb:Claim ; kb:unit ?unit } GROUP BY ?unit")


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_query_select_in_every_format(mini, store):
    assert kb(mini, "query", COUNT, "--store", store, "--table").stdout == (
        "unit  n\n----  -\nUSD   2\n")
    assert json.loads(kb(mini, "query", COUNT, "--store", store, "--json").output) == [
        {"unit": "USD", "n": 2}]
    assert kb(mini, "query", COUNT, "--store", store, "--nl").output == \
        '{"unit": "USD", "n": 2}\n'
    assert kb(mini, "query", COUNT, "--store", store, "--csv").output == "unit,n\nUSD,2\n"


def test_bound_variables_must_be_projected_on_oxigraph(mini):
    result = kb(mini, "query", "SELECT ?s WHERE { ?s ?p ?o }", "-p", "o", "1", "--store",
                "oxigraph", exit_code=1)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: the query failed: a bound variable must be in the SELECT clause (The SPARQL "
        "query does not contains variable ?o in its SELECT projection)")


def test_query_ask_construct_and_files(mini, tmp_path):
    assert kb(mini, "query", "ASK { ?s ?p ?o }").output == "true\n"
    assert kb(mini, "query", "ASK { ?s <http://x/none> ?o }", "--json").output == \
        '{\n  "boolean": false\n}\n'
    rq = tmp_path / "conf.rq"
    rq.write_text("CONSTRUCT { ?c <http://x/conf> ?v } WHERE { "
                  "?c <https://kb.example.org/ns#confidence> ?v }")
    result = kb(mini, "query", f"@{rq}", "--store", "oxigraph")
    assert result.stdout == (
        '<https://kb.example.org/claim/byd-revenue> <http://x/conf> "0.5"^^'
        "<http://www.w3.org/2001/XMLSchema#decimal> .\n"
        '<https://kb.example.org/claim/tesla-revenue-2022> <http://x/conf> "0.95"^^'
        "<http://www.w3.org/2001/XMLSchema#decimal> .\n")
    assert kb(mini, "query", "@-", input="ASK { ?s ?p ?o }").output == "true\n"


def test_query_parameters_are_bound_not_pasted(mini):
    text = ("PREFIX kb: <https://kb.example.org/ns#> SELECT ?c ?min WHERE { ?c kb:confidence "
            "?conf FILTER(?conf >= ?min) }")
    for store in ("memory", "oxigraph"):
        result = kb(mini, "query", text, "--param", "min", "0.9", "--store", store, "--csv")
        assert result.stdout == "c,min\nhttps://kb.example.org/claim/tesla-revenue-2022,0.9\n"
        result = kb(mini, "query", "SELECT ?s ?label WHERE { ?s ?p ?label }", "-p", "label",
                    '" } DROP ALL #', "--store", store, exit_code=1)
        assert result.exit_code == 1 and result.stderr == "kb query: no results\n"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["SELEC ?s"], 1, "Error: SPARQL syntax error: "),
    (["@nowhere.rq"], 2, "Error: Invalid value for 'SPARQL': cannot read nowhere.rq: No such "
                         "file or directory"),
    (["SELECT * WHERE { ?s ?p ?o }", "--param", "a-b", "1"], 2,
     "Error: Invalid value for '--param': 'a-b' is not a variable name"),
    (["SELECT ?s WHERE { ?s <http://x/none> ?o }"], 1, "kb query: no results"),
    (["CONSTRUCT { ?s ?p ?o } WHERE { ?s <http://x/none> ?o }"], 1,
     "kb: query: the query constructed no triples"),
])
def test_query_errors(mini, args, code, message):
    result = kb(mini, "query", *args, exit_code=code)
    assert result.exit_code == code, result.output
    assert result.output.splitlines()[-1].startswith(message)


def test_the_default_store_is_oxigraph(mini):
    shutil.rmtree(mini / ".kb")
    result = kb(mini, "stats", "--json")
    assert result.output.splitlines()[0] == \
        "kb: updating the oxigraph store (there is no store yet)"
    assert (mini / ".kb" / "oxigraph" / "manifest.json").is_file()
    again = kb(mini, "stats", "--json")
    assert "updating" not in again.output


def test_store_setting_env_and_options(mini, monkeypatch):
    edit(mini / "collection.yaml", "title: Mini collection", "title: Mini collection\n"
         "store: memory")
    result = kb(mini, "stats", "--json")
    assert result.exit_code == 0
    assert "updating" not in result.output  # the memory store never touches .kb/oxigraph
    assert json.loads(result.output)[0] == {"by": "total", "key": "claims", "count": 2}
    monkeypatch.setenv("KB_STORE", "sparql")
    result = kb(mini, "stats", exit_code=1)
    assert result.exit_code == 1
    assert result.output == ("Error: the sparql store needs an endpoint; pass --endpoint URL, "
                             "set $KB_ENDPOINT or add 'endpoint:' to collection.yaml\n")


def test_a_collection_with_errors_still_answers_with_a_warning(mini):
    edit(mini / "sources/mini-article/claims.yaml", "  unit: USD\n  bound: approximately",
         "  bound: approximately")
    result = kb(mini, "claims", "--json")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "kb: updating the oxigraph store (sources/mini-article/claims.yaml changed)")
    assert result.output.splitlines()[1] == ("kb: warning: 1 entry of "
                                              f"{mini} could not be loaded and are left out; "
                                              "run kb check")


def test_missing_claims_folder(tmp_path):
    result = run_kb("claims", "--claims", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.output == f"{tmp_path / 'nowhere'}: claims folder not found; pass --claims DIR\n"
