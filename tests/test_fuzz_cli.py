"""Fuzzing the query commands' filters and ids on every store (issue 13).

`kb claims` (every filter, sort and limit), `kb show ID`, `kb findings --claim ID` and
`kb entities --lang` are run through the CLI with arguments from Hypothesis: real ids, ids one
edit away, and arbitrary text. The only acceptable outcomes are the right answer (checked
against the full listings filtered here, in Python, and against the memory store) or a clean
error: exit 1 or 2, one Error line, no traceback, within TIME_BOUND seconds.

The stores are opened once (the CLI's _open_store is patched to hand them out), so each
example costs a query, not a load. The memory and oxigraph stores run EXAMPLES examples each
(1,000 unless $KB_FUZZ_EXAMPLES says otherwise); the sparql store, against a real Oxigraph
server, SPARQL_EXAMPLES.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kb.cli
from kb.choices import SORT_KEYS as SORT_CHOICES
from kb.cli import cli
from kb.errors import quoted
from kb.findings import KINDS
from kb.verdicts import VERDICTS as VERDICT_CHOICES

FINDING_CHOICES = tuple(KINDS)
EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "1000"))
SPARQL_EXAMPLES = int(os.environ.get("KB_FUZZ_SPARQL_EXAMPLES", "300"))
TIME_BOUND = 10.0  # seconds per command; the seed answers in well under one
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# The memory store answers from the mini fixture: rdflib takes seconds for one kb show on the
# seed (claim_detail.rq), so a thousand examples would take an hour. The oxigraph store and the
# server answer from the seed.
DATASETS = {"memory": FIXTURES / "mini", "oxigraph": SEED, "sparql": SEED}


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The memory and oxigraph stores, opened once, handed out by --store."""
    from kb.connect import open_kb

    opened = {}
    for kind in ("memory", "oxigraph"):
        copy = tmp_path_factory.mktemp(f"fuzz-{kind}") / "claims"
        shutil.copytree(DATASETS[kind], copy, ignore=shutil.ignore_patterns(".kb"))
        opened[kind] = open_kb(copy, kind)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kb.cli, "_open_store", lambda claims, kind, endpoint: opened[kind])
        yield opened


def run(store: str, *args: str):
    """Run kb ARGS --store STORE in-process; (exit code, stdout, stderr), checked to be clean."""
    start = time.perf_counter()
    result = CliRunner().invoke(cli, [args[0], f"--store={store}", *args[1:]])
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_BOUND, f"kb {args} took {elapsed:.1f} s"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kb {args} raised {result.exception!r}") from result.exception
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err, err
    assert result.exit_code in (0, 1, 2), (result.exit_code, err)
    if result.exit_code == 2:  # a usage error: click's Usage lines, then one Error line
        errors = [line for line in err.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 and err.endswith(errors[0] + "\n"), err
    elif result.exit_code == 1:
        lines = err.splitlines()
        assert len(lines) == 1 and (lines[0].startswith("Error: ")
                                    or lines[0].startswith("kb ")), err
    return result.exit_code, out, err


def rows(out: str) -> list[dict]:
    return [json.loads(line, parse_float=Decimal) for line in out.splitlines()]


def truth_of(store: str) -> dict:
    """The unfiltered listings of a store, which the filtered ones are checked against."""
    code, out, _ = run(store, "claims", "--nl")
    assert code == 0
    claims = rows(out)
    code, out, _ = run(store, "findings", "--all", "--nl")
    assert code == 0
    findings = rows(out)
    code, out, _ = run(store, "entities", "--nl")
    assert code == 0
    ids = KNOWN[DATASETS[store]]
    assert sorted(c["id"] for c in claims) == ids["claim"]
    return {"claims": claims, "findings": findings, "entities": rows(out), "ids": ids}


# -- strategies ---------------------------------------------------------------------------------

# What argv can carry: any code point but NUL (and lone surrogates, which are not text).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=30)
TRICKY = st.sampled_from(["", " ", "a b", 'x"', "<x>", "x>", "a\\b", "%00", "%20", "é", "a\nb",
                          "a\tb", "-", "--help", "x" * 500, "{", "}", "^^", "@en", "#", "?x",
                          "$x", "a/b", "../x", "http://x/", "Tesla", "TESLA", "tesla\n",
                          " tesla", "tesla ", "\u200btesla", "ｔｅｓｌａ"])


def near(known: list[str]):
    """Ids one edit away from real ones: the typos users make."""
    def mutate(args):
        ident, at, ch, how = args
        at %= len(ident) + 1
        if how == 0:
            return ident[:at] + ch + ident[at:]
        if how == 1:
            return ident[:at] + ident[at + 1:]
        return ident[:at] + ch + ident[at + 1:]
    return st.tuples(st.sampled_from(known), st.integers(0, 60), st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x00"), st.integers(0, 2)).map(mutate)


def mostly(good, bad, weight: int = 4):
    """good about weight times as often as bad: most examples should get past the option
    parsing to a query, the rest test the errors."""
    return st.integers(0, weight).flatmap(lambda i: good if i else bad)


def ids(known: list[str]):
    """Real ids half the time, else a typo of one or any text."""
    return mostly(st.sampled_from(known), st.one_of(near(known), TEXT, TRICKY), 1)


def decimals_text():
    return mostly(st.decimals(0, 1, places=3).map(str), st.one_of(st.sampled_from(
        ["0", "1", "0.5", "1.0", "-0", "1e-1", "2", "-0.1", "nan", "inf", "1e999999", "0x1",
         "", " 0.5", "½"]), TEXT))


def times_text():
    year = st.integers(1, 9999).map(lambda y: f"{y:04d}")
    month = st.tuples(year, st.integers(0, 13)).map(lambda t: f"{t[0]}-{t[1]:02d}")
    day = st.tuples(month, st.integers(0, 32)).map(lambda t: f"{t[0]}-{t[1]:02d}")
    one = st.one_of(st.sampled_from(["2020", "2022", "2021-06", "2022-12-31", "2023"]), year,
                    month, day)
    valid = st.sampled_from(["2020", "2022", "2021-06", "2022-12-31", "2023", "2015/2030"])
    return mostly(valid, st.one_of(one, st.tuples(one, one).map("/".join), TEXT), 2)


@st.composite
def claims_args(draw, known):
    """argv for kb claims, every option given in its --opt=VALUE form (a value may start
    with '-'), each option in about one example in three."""
    def given_() -> bool:
        return draw(st.integers(0, 2)) == 0

    args = []
    for option, kind in (("--subject", "entity"), ("--property", "property"),
                         ("--source", "source")):
        if given_():
            args.append(f"{option}={draw(ids(known[kind]))}")
    if given_():
        args.append(f"--verdict={draw(mostly(st.sampled_from(VERDICT_CHOICES), TEXT))}")
    for option in ("--min-confidence", "--max-confidence"):
        if given_():
            args.append(f"{option}={draw(decimals_text())}")
    if given_():
        args.append(f"--time={draw(times_text())}")
    if given_():
        args.append("--has-finding")
    if given_():
        keys = st.sampled_from([*SORT_CHOICES, *(f"-{k}" for k in SORT_CHOICES)])
        args.append(f"--sort={draw(mostly(keys, TEXT))}")
    if given_():
        limits = st.integers(1, 200).map(str)
        bad = st.one_of(st.integers(-2, 0).map(str), TEXT)
        args.append(f"--limit={draw(mostly(limits, bad))}")
    return args


# -- the expected answers -----------------------------------------------------------------------


def parsed(args: list[str]) -> dict[str, str]:
    """The options given, by name (a flag's value is 'flag')."""
    return dict(a.removeprefix("--").split("=", 1) if "=" in a else (a[2:], "flag")
                for a in args)


def expected_claims(truth, opts: dict[str, str]) -> list[dict] | None:
    """The claims kb claims must list for valid options (None: some option is invalid)."""
    from kb.model import parse_time_text

    try:
        low = Decimal(opts["min-confidence"]) if "min-confidence" in opts else None
        high = Decimal(opts["max-confidence"]) if "max-confidence" in opts else None
        span = parse_time_text(opts["time"], "period") if "time" in opts else None
        limit = int(opts["limit"]) if "limit" in opts else None
    except (ArithmeticError, ValueError):
        return None
    if any(x is not None and not (x.is_finite() and 0 <= x <= 1) for x in (low, high)):
        return None
    if opts.get("verdict", VERDICT_CHOICES[0]) not in VERDICT_CHOICES or (
            limit is not None and limit < 1) or opts.get("sort", "id").removeprefix(
            "-") not in SORT_CHOICES:
        return None
    failing = {c for f in truth["findings"] if not f["holds"] for c in f["involves"]}
    out = []
    for claim in truth["claims"]:
        if any(opts.get(opt) and claim[opt] != opts[opt]
               for opt in ("subject", "property", "source", "verdict")):
            continue
        if (low is not None and claim["confidence"] < low) or (
                high is not None and claim["confidence"] > high):
            continue
        if "has-finding" in opts and claim["id"] not in failing:
            continue
        if span is not None and not (claim["time_start"] and claim["time_start"] <=
                                     span.end.isoformat() and claim["time_end"] >=
                                     span.start.isoformat()):
            continue
        out.append(claim)
    return out


def check_claims(truth, store: str, args: list[str]) -> tuple:
    code, out, err = run(store, "claims", *args, "--nl")
    opts = parsed(args)
    want = expected_claims(truth, opts)
    if want is None:
        assert code == 2, (args, code, err)
        return code, out, err
    got = rows(out)
    if not want:
        unknown = [(opt, kind) for opt, kind in (("subject", "entity"), ("property", "property"),
                                                 ("source", "source"))
                   if opts.get(opt) and opts[opt] not in truth["ids"][kind]]
        if unknown:
            opt, kind = unknown[0]
            assert code == 2, (args, err)
            assert f"Error: Invalid value for '--{opt}': no {kind} {quoted(opts[opt])}" in err, \
                err
        else:
            assert (code, err) == (1, "kb claims: no claims match these filters\n"), (args, err)
        return code, out, err
    assert code == 0, (args, err)
    limit = int(opts.get("limit", len(want)))
    got_ids, want_ids = [r["id"] for r in got], sorted(r["id"] for r in want)
    assert len(got_ids) == min(limit, len(want_ids)) and set(got_ids) <= set(want_ids), (
        args, got_ids, want_ids)
    if opts.get("sort", "id") == "id":
        assert got_ids == want_ids[:limit]
    elif opts["sort"] == "-id":
        assert got_ids == sorted(want_ids, reverse=True)[:limit]
    by_id = {r["id"]: r for r in want}
    assert all(r == by_id[r["id"]] for r in got), args
    return code, out, err


def check_show(truth, store: str, ident: str) -> tuple:
    code, out, err = run(store, "show", "--json", "--", ident)
    if ident in truth["ids"]["claim"]:
        assert code == 0, err
        assert json.loads(out)["id"] == ident
    else:
        assert code == 1 and err.startswith(f"Error: no claim {quoted(ident)}"), (ident, err)
    return code, out, err


def check_findings(truth, store: str, ident: str, kind: str | None, everything: bool) -> tuple:
    args = [f"--claim={ident}", "--nl", *([f"--kind={kind}"] if kind else []),
            *(["--all"] if everything else [])]
    code, out, err = run(store, "findings", *args)
    kind = kind or None  # an empty kind is not passed at all (see args)
    if kind is not None and kind not in FINDING_CHOICES:
        assert code == 2, err
        return code, out, err
    want = sorted(f["id"] for f in truth["findings"] if ident and ident in f["involves"]
                  and (everything or not f["holds"]) and kind in (None, f["kind"]))
    if not ident:  # an empty --claim is no filter at all
        want = sorted(f["id"] for f in truth["findings"]
                      if (everything or not f["holds"]) and kind in (None, f["kind"]))
    if want:
        assert code == 0, err
        assert [f["id"] for f in rows(out)] == want
    elif ident and ident not in truth["ids"]["claim"]:
        assert code == 2 and f"Error: Invalid value for '--claim': no claim {quoted(ident)}" in err
    else:
        message = "no findings match" if kind or ident else "no findings"
        assert (code, err) == (1, f"kb findings: {message}\n"), err
    return code, out, err


def check_entities(truth, store: str, lang: str) -> tuple:
    code, out, err = run(store, "entities", f"--lang={lang}", "--nl")
    assert code == 0, err
    got = rows(out)
    assert [e["id"] for e in got] == [e["id"] for e in truth["entities"]]
    for e in got:
        assert e["label"] == (e["labels"].get(lang) or next(iter(e["labels"].values()), e["id"]))
    return code, out, err


@st.composite
def commands(draw, known):
    """One query command with fuzzed arguments, as (checker name, arguments)."""
    which = draw(st.sampled_from(["claims", "claims", "show", "findings", "entities"]))
    if which == "claims":
        return which, (draw(claims_args(known)),)
    if which == "show":
        return which, (draw(ids(known["claim"])),)
    if which == "findings":
        return which, (draw(ids(known["claim"])), draw(st.one_of(
            st.none(), st.sampled_from(FINDING_CHOICES), st.sampled_from(FINDING_CHOICES),
            TEXT)), draw(st.booleans()))
    return which, (draw(st.one_of(st.sampled_from(["en", "zh", "de", ""]), TEXT)),)


CHECKS = {"claims": check_claims, "show": check_show, "findings": check_findings,
          "entities": check_entities}


def known_ids(folder: Path) -> dict[str, list[str]]:
    """The ids of a collection, read without a store (strategies exist before fixtures run)."""
    from kb.load import load

    collection = load(folder)
    return {"claim": sorted(collection.claims), "entity": sorted(collection.entities),
            "property": sorted(collection.properties), "source": sorted(collection.sources)}


KNOWN = {folder: known_ids(folder) for folder in {FIXTURES / "mini", SEED}}


# -- the fuzz targets ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_fuzz_query_commands(stores, store):
    truth = truth_of(store)
    ran = []

    @FUZZ
    @given(commands(KNOWN[DATASETS[store]]))
    def fuzz(command):
        name, args = command
        ran.append(f"{name} exit {CHECKS[name](truth, store, *args)[0]}")

    fuzz()
    report(store, ran, EXAMPLES)


def report(store: str, ran: list[str], wanted: int) -> None:
    """Print how many examples ran, per command and exit status, and check that all did."""
    counts = {outcome: ran.count(outcome) for outcome in sorted(set(ran))}
    print(f"\n{store}: {len(ran)} examples: {counts}")
    assert len(ran) >= wanted, counts


@pytest.mark.server
def test_fuzz_query_commands_on_a_sparql_server(stores, oxigraph_server):
    from kb.stores.sparql import SparqlStore, push

    push(stores["oxigraph"], SparqlStore(oxigraph_server.query, oxigraph_server.update))
    stores["sparql"] = SparqlStore(oxigraph_server.query)
    try:
        truth = truth_of("sparql")

        # The same answers, on the same collection, as the oxigraph store's.
        ran: list[str] = []

        @settings(FUZZ, max_examples=SPARQL_EXAMPLES)
        @given(commands(KNOWN[SEED]))
        def fuzz(command):
            name, args = command
            got = CHECKS[name](truth, "sparql", *args)
            assert got == CHECKS[name](truth, "oxigraph", *args)
            ran.append(f"{name} exit {got[0]}")

        fuzz()
        report("sparql", ran, SPARQL_EXAMPLES)
    finally:
        del stores["sparql"]
