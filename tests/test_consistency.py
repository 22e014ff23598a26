"""kb check's consistency checks: each error kind from an edited fixture, with its exact message,
and the findings (relations, contradictions, evidence conflicts) in text, JSON and RDF."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, edit, line_of
from helpers import invoke, run_kb
from rdflib import RDF, Literal

from kb.iris import Iris
from kb.pipeline import check as run_pipeline
from kb.vocab import KB

SOURCE = Path("sources/consistency-article")
CLAIMS = SOURCE / "claims.yaml"
RELATIONS = SOURCE / "relations.yaml"
TEXT = SOURCE / "text.txt"

FINDINGS = [
    "finding relation dojo-from-d1: 3000 × 3–4 × 312 TFLOPS = 2.34–4.21 EFLOPS, claimed "
    "100 EFLOPS: off by 24–43×",
    "finding contradiction contradiction-tesla-revenue-2022--tesla-revenue-2022-alt: "
    "tesla-revenue-2022 says 81.462 billion USD and tesla-revenue-2022-alt says 90 billion USD "
    "for Tesla's total revenue (2022); both cannot hold: off by 1.1×",
    "finding evidence-conflict conflict-dojo-compute--exapod-peak: dojo-compute says 100 EFLOPS "
    "but evidence exapod-peak says 1.1 EFLOPS for Dojo's compute performance: off by 87–96×",
    "finding evidence-conflict conflict-tesla-revenue-2022-alt--tesla-revenue-2022-10k: "
    "tesla-revenue-2022-alt says 90 billion USD but evidence tesla-revenue-2022-10k says "
    "81.462 billion USD for Tesla's total revenue (2022): off by 1.1×",
]


@pytest.fixture
def cons(tmp_path: Path) -> Path:
    """An editable copy of the consistency fixture collection."""
    dest = tmp_path / "claims"
    shutil.copytree(FIXTURES / "consistency", dest)
    return dest


def run(folder: Path, *args: str):
    return run_kb("check", "--claims", str(folder), *args)


def lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.strip()]


def errors(result) -> list[str]:
    return [line for line in lines(result) if not line.startswith("finding ")]


def at(path: Path, needle: str, nth: int = 1) -> str:
    return f"{path}:{line_of(path, needle, nth)}"


# -- clean fixture: findings only ----------------------------------------------------------------

def test_findings_are_printed_after_errors_and_exit_0(cons):
    result = invoke("check", "--claims", str(cons))
    assert result.exit_code == 0, result.output
    assert lines(result) == FINDINGS
    assert "kb check: no errors, 4 finding(s)" in result.stderr


def test_strict_makes_findings_exit_1(cons):
    assert run(cons, "--strict").exit_code == 1


def test_all_also_lists_relations_that_hold(cons):
    result = invoke("check", "--claims", str(cons), "--all")
    assert "finding relation spacex-cny-usd-rate: 2.6 trillion CNY ÷ ≈358.6 billion USD = " \
           "6.77–7.78 CNY/USD vs 7.25 CNY/USD: holds" in lines(result)
    assert len(lines(result)) == 6


def test_json_report_has_errors_and_findings(cons):
    result = invoke("check", "--claims", str(cons), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["errors"] == []
    by_id = {f["id"]: f for f in report["findings"]}
    assert len(by_id) == 6
    dojo = by_id["dojo-from-d1"]
    assert dojo["kind"] == "relation" and dojo["holds"] is False
    assert dojo["involves"] == ["dojo-compute", "dojo-d1-count", "d1-vs-a100"]
    # 100 Exa-FLOPS to 1 EFLOPS (precision 1e18): 99.5-100.5 EFLOPS
    assert (dojo["left_lower"], dojo["left_upper"], dojo["left_unit"]) == (
        99500000000000000000, 100500000000000000000, "FLOPS")
    assert (dojo["right_lower"], dojo["right_upper"]) == (2340000000000000000,
                                                          4212000000000000000)
    assert dojo["right_text"] == "3000 × 3–4 × 312 TFLOPS"
    # 99.5 / 4.212 and 100.5 / 2.34, to 6 digits rounded outward
    assert (dojo["factor_low"], dojo["factor_high"]) == (23.6229, 42.9488)
    assert by_id["spacex-cny-usd-rate"]["holds"] is True


def test_findings_go_into_the_report_graph(cons):
    checked = run_pipeline(cons)
    iris = Iris(checked.collection.config.base)
    g = checked.dataset.graph(iris.report_graph())
    node = iris.finding("contradiction-tesla-revenue-2022--tesla-revenue-2022-alt")
    assert (node, RDF.type, KB.Contradiction) in g
    assert (node, KB.holds, Literal(False)) in g
    assert set(g.objects(node, KB.involves)) == {iris.claim("tesla-revenue-2022"),
                                                 iris.claim("tesla-revenue-2022-alt")}
    conflict = iris.finding("conflict-dojo-compute--exapod-peak")
    assert (conflict, KB.involves, iris.evidence("exapod-peak")) in g
    assert len(set(g.subjects(RDF.type, KB.Finding))) == 6


# -- numbers in quotes -----------------------------------------------------------------------------

def test_amount_differs_from_the_quote(cons):
    path = cons / CLAIMS
    edit(path, "amount: 81462e6", "amount: 81462000001")
    result = run(cons)
    assert result.exit_code == 1
    assert errors(result) == [
        f"{at(path, 'amount: 81462000001')}: claim tesla-revenue-2022: the quote says "
        "814.62 亿 (81462000000) but amount is 81462000001; fix amount"]


def test_bound_kind_differs_from_the_quote(cons):
    path = cons / CLAIMS
    edit(path, "  bound: approximately\n", "")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, '- id: spacex-valuation-usd')}: claim spacex-valuation-usd: the quote says "
        "约合 3586 亿好意思元, which is approximately, but bound is exact; set bound: "
        "approximately"]


def test_upper_bound_of_duo_is_required(cons):
    path = cons / CLAIMS
    edit(path, "  upper: 6e9\n", "")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, '- id: tesla-vs-tsmc-revenue')}: claim tesla-vs-tsmc-revenue: the quote "
        "says 50 多亿 (more than 5000000000, below 6000000000) but upper is not set; set upper: "
        "6000000000"]


def test_range_bounds_differ_from_the_quote(cons):
    path = cons / CLAIMS
    edit(path, "  upper: 4\n", "  upper: 5\n")
    result = run(cons)
    assert f"{at(path, 'lower: 3')}: claim d1-vs-a100: the quote says 3 到 4 (3–4) but " \
           "lower/upper are 3–5; fix lower and upper" in errors(result)


def test_range_amount_must_be_the_midpoint(cons):
    path = cons / CLAIMS
    edit(path, "amount: 3.5", "amount: 3.6")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, 'amount: 3.6')}: claim d1-vs-a100: the quote says 3 到 4 (3–4) but amount "
        "is 3.6; set amount to the midpoint 3.5"]


def test_precision_finer_than_the_digits_stated(cons):
    path = cons / CLAIMS
    edit(path, "precision: 1e6", "precision: 1e5")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, 'precision: 1e5')}: claim tesla-revenue-2022: the quote states 814.62 亿 to "
        "1000000 (one unit of its last digit) but precision is 100000, finer than that; set "
        "precision: 1000000"]


def test_precision_missing_for_a_scaled_number(cons):
    path = cons / CLAIMS
    edit(path, "  precision: 1e11\n", "")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, 'amount: 2.6e12')}: claim spacex-valuation-cny: the quote states 2.6 万亿 to "
        "100000000000 (one unit of its last digit) but precision is not set; set precision: "
        "100000000000"]


def test_currency_differs_from_the_quote(cons):
    path = cons / CLAIMS
    edit(path, "  unit: CNY\n", "  unit: USD\n")
    result = run(cons)
    assert f"{at(path, 'unit: USD', 3)}: claim spacex-valuation-cny: the quote says " \
           "2.6 万亿元东谈主民币 (CNY) but unit is USD; fix unit (currencies convert only " \
           "through a stated rate)" in errors(result)


def test_quote_without_a_number(cons):
    path = cons / CLAIMS
    edit(path, "quote: 3000 块\n  start: 46\n  end: 52",
         "quote: 块 D1 芯片\n  start: 51\n  end: 58")
    result = run(cons)
    assert f"{at(path, 'quote: 块 D1 芯片')}: claim dojo-d1-count: the quote contains no number; " \
           "quote the words that state the claimed figure (with its scale, unit and bound " \
           "words)" in errors(result)


# -- coverage --------------------------------------------------------------------------------------

def test_uncovered_mention_names_the_text_line(cons):
    (cons / SOURCE / "ignored.yaml").write_text("[]\n", encoding="utf-8")
    result = run(cons)
    assert errors(result) == [
        f"{cons / TEXT}:5: source consistency-article: numeric mention '78' (78) at 177-179 is "
        "not covered by any claim or ignored mention; add a claim or list it in ignored.yaml "
        "with a reason"]


def test_partly_covered_mention_says_which_quote_to_extend(cons):
    path = cons / CLAIMS
    edit(path, "quote: 总营收 814.62 亿好意思元\n  start: 9\n  end: 25",
         "quote: 总营收 814.62\n  start: 9\n  end: 19")
    result = run(cons)
    assert f"{cons / TEXT}:1: source consistency-article: numeric mention '814.62 亿' " \
           "(81462000000 USD) at 13-21 is not covered by any claim or ignored mention; claim " \
           "tesla-revenue-2022 covers only part of it, extend it to cover 13-21, or add a claim " \
           "or list it in ignored.yaml with a reason" in errors(result)


def test_date_mention_is_covered_by_a_time_phrase_on_its_line(cons):
    # "2022 年" on lines 1 and 4 is in no quote: the claims' time phrase covers it.
    result = run(cons)
    assert not [e for e in errors(result) if "2022" in e]
    path = cons / CLAIMS
    edit(path, "time: {period: \"2022\", phrase: 2022 年}", "time: {period: \"2022\"}", count=3)
    result = run(cons)
    assert [e.split(": ", 1)[0] for e in errors(result)] == [f"{cons / TEXT}:1",
                                                              f"{cons / TEXT}:4"]


# -- verdicts --------------------------------------------------------------------------------------

def test_confidence_outside_the_verdict_band(cons):
    path = cons / CLAIMS
    edit(path, "confidence: 0.95", "confidence: 0.5")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, 'confidence: 0.5')}: claim tesla-revenue-2022: verdict accurate needs a "
        "confidence from 0.80 to 1.00, found 0.5; change the verdict or the confidence"]


def test_inaccurate_without_evidence(cons):
    path = cons / CLAIMS
    edit(path, "    evidence: [exapod-peak]\n", "")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, 'verdict: inaccurate')}: claim dojo-compute: verdict inaccurate needs "
        "evidence, but review.evidence is empty; cite the evidence statements it rests on, or "
        "use unverifiable"]


def test_accurate_claim_that_misses_its_evidence(cons):
    path = cons / CLAIMS
    edit(path, "  confidence: 0.05\n  review:\n    verdict: inaccurate\n    explanation: The "
               "10-K", "  confidence: 0.9\n  review:\n    verdict: accurate\n    explanation: "
               "The 10-K")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, 'verdict: accurate', 2)}: claim tesla-revenue-2022-alt: verdict accurate, "
        "but the claim's interval 89.95–90.05 billion USD does not overlap evidence "
        "tesla-revenue-2022-10k (81.4615–81.4625 billion USD); correct the verdict or the "
        "figures"]


def test_inaccurate_claim_that_its_evidence_supports(cons):
    path = cons / CLAIMS
    edit(path, "confidence: 0.95\n  review:\n    verdict: accurate",
         "confidence: 0.1\n  review:\n    verdict: inaccurate")
    result = run(cons)
    assert errors(result) == [
        f"{at(path, 'verdict: inaccurate')}: claim tesla-revenue-2022: verdict inaccurate, but "
        "the claim's interval 81.4615–81.4625 billion USD overlaps its evidence "
        "(tesla-revenue-2022-10k: 81.4615–81.4625 billion USD); correct the verdict or cite "
        "the evidence that refutes it"]


# -- relations that cannot be evaluated ------------------------------------------------------------

@pytest.mark.parametrize("expression,message", [
    ("dojo-compute == dojo-d1-count *",
     "malformed expression: expected a number, an id or '(', found the end at column 32; fix "
     "the expression (the syntax is in docs/claims-format.md, relations.yaml)"),
    ("spacex-valuation-cny == spacex-valuation-usd",
     "the two sides have different dimensions: CNY ([currency_CNY]) and USD ([currency_USD]) at "
     "column 22; currencies convert only through a stated rate: multiply or divide by one, "
     "e.g. `7.25 [CNY/USD]` or a claim whose unit is CNY/USD"),
    ("spacex-valuation-cny + spacex-valuation-usd > 0 [CNY]",
     "cannot add CNY ([currency_CNY]) and USD ([currency_USD]) at column 22; currencies "
     "convert only through a stated rate: multiply or divide by one, e.g. `7.25 [CNY/USD]` or "
     "a claim whose unit is CNY/USD"),
    ("spacex-valuation-cny / 0 == 7 [CNY]",
     "division by zero: 0 is exactly 0 at column 22; fix the divisor"),
    ("dojo-compute == 1 [FLOPZ]",
     "unknown unit 'FLOPZ' at column 17; use a unit such as USD, CNY, count, ratio, FLOPS, t, "
     "kg or USD/kg"),
    ("dojo-compute [kg] == 1 [kg]",
     "cannot convert FLOPS ([computation] / [time]) to kg ([mass]) at column 14; convert only "
     "between units of one dimension"),
])
def test_relation_errors(cons, expression, message):
    path = cons / RELATIONS
    edit(path, "dojo-compute == dojo-d1-count * d1-vs-a100 * 312e12 [FLOPS]", expression)
    result = run(cons)
    assert result.exit_code == 1
    assert errors(result) == [f"{path}:1: relation dojo-from-d1: {message}"]


def test_structural_error_is_not_echoed_by_consistency_checks(cons):
    path = cons / CLAIMS
    edit(path, "  unit: FLOPS\n", "  unit: FLOPZ\n")
    result = run(cons)
    # One error: the quote check, the relation and the evidence conflict skip the broken claim.
    assert errors(result) == [
        f"{at(path, 'unit: FLOPZ')}: claim dojo-compute: unknown unit 'FLOPZ'; use a unit such "
        "as USD, CNY, count, ratio, FLOPS, t, kg, USD/kg or USD/kWh"]


# -- kb mentions -----------------------------------------------------------------------------------

def test_mentions_of_a_source_say_what_covers_them(cons):
    result = invoke("mentions", "--claims", str(cons), "consistency-article", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["number"], r["covered_by"]) for r in rows] == [
        ("2022", "time of claim tesla-revenue-2022"),
        ("814.62 亿", "claim tesla-revenue-2022"),
        ("50 多亿", "claim tesla-vs-tsmc-revenue"),
        ("3000", "claim dojo-d1-count"),
        ("3 到 4", "claim d1-vs-a100"),
        ("100", "claim dojo-compute"),
        ("2.6 万亿", "claim spacex-valuation-cny"),
        ("3586 亿", "claim spacex-valuation-usd"),
        ("2022", "time of claim tesla-revenue-2022-alt"),
        ("900 亿", "claim tesla-revenue-2022-alt"),
        ("78", "ignored mention"),
    ]
    dojo = rows[5]
    # 100 Exa-FLOPS is read in the base unit: 1e20 FLOPS
    assert (dojo["value"], dojo["unit"], dojo["line"], dojo["num_start"]) == (10**20, "FLOPS", 2,
                                                                              89)


def test_mentions_of_a_file_as_a_table(cons):
    result = invoke("mentions", str(cons / TEXT))
    assert result.exit_code == 0
    header, _, *rows = result.stdout.splitlines()
    assert header.split() == ["line", "num_start", "num_end", "number", "kind", "value", "unit",
                              "bound", "lower", "upper"]
    # 50 多亿 takes the sentence's currency (好意思元), inferred
    assert rows[2].split() == ["1", "32", "37", "50", "多亿", "quantity", "5000000000", "USD",
                               "more-than", "5000000000", "6000000000"]


def test_mentions_uncovered_only(cons):
    (cons / SOURCE / "ignored.yaml").write_text("[]\n", encoding="utf-8")
    result = invoke("mentions", "--claims", str(cons), "consistency-article", "--uncovered",
                    "--json")
    assert [r["number"] for r in json.loads(result.stdout)] == ["78"]


def test_mentions_of_an_unknown_source_is_bad_usage(cons):
    result = run_kb("mentions", "--claims", str(cons), "no-such-source")
    assert result.exit_code == 2
    assert "'no-such-source' is neither a file nor a source of" in result.output


def test_consistency_alone_survives_an_unknown_unit(cons):
    """kb.pipeline.graph runs the consistency checks without the structural ones."""
    from kb.consistency import run as run_consistency
    from kb.load import load_lenient

    edit(cons / CLAIMS, "  unit: FLOPS\n", "  unit: FLOPZ\n")
    collection, problems = load_lenient(cons)
    outcome = run_consistency(collection, problems)
    assert "dojo-from-d1" not in {f.id for f in outcome.findings}
    assert "contradiction-tesla-revenue-2022--tesla-revenue-2022-alt" in {
        f.id for f in outcome.findings}
