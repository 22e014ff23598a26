"""kb check: each structural error kind, from an edited copy of a fixture, with its exact line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import edit, line_of
from helpers import invoke, run_kb

CLAIMS = Path("sources/mini-article/claims.yaml")


def run_check(folder: Path):
    return run_kb("check", "--claims", str(folder))


def errors(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.strip()]


def broken(folder: Path, old: str, new: str, path: Path = CLAIMS) -> list[str]:
    """Edit one file of a fixture copy, run kb check, expect exit 1 and return its errors."""
    edit(folder / path, old, new)
    result = run_check(folder)
    assert result.exit_code == 1, result.output
    return errors(result)


def test_clean_fixture_passes(mini):
    result = invoke("check", "--claims", str(mini))
    assert result.exit_code == 0, result.output
    assert errors(result) == []


def test_quote_not_at_offsets(mini):
    path = mini / CLAIMS
    assert broken(mini, "start: 9", "start: 10") == [
        f"{path}:{line_of(path, 'start: 10')}: claim tesla-revenue-2022: quote "
        "'总营收 814.62 亿好意思元' is not at its offsets: text at 10-25 is "
        "'营收 814.62 亿好意思元'; the quote occurs at 9-25; fix start/end"
    ]


def test_offsets_outside_the_text(mini):
    path = mini / CLAIMS
    assert broken(mini, "end: 42", "end: 420") == [
        f"{path}:{line_of(path, 'start: 29')}: claim byd-revenue: quote '年入约 606 亿好意思元' "
        "is not at its offsets: offsets 29-420 are outside the text (0-50); the quote occurs at "
        "29-42; fix start/end"
    ]


def test_source_text_hash_changed(mini):
    text = mini / "sources/mini-article/text.txt"
    text.write_text(text.read_text(encoding="utf-8") + " ", encoding="utf-8")
    source = mini / "sources/mini-article/source.yaml"
    result = run_check(mini)
    assert result.exit_code == 1
    import hashlib

    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    assert errors(result) == [
        f"{source}:{line_of(source, 'sha256:')}: source mini-article: text file 'text.txt' has "
        f"sha256 {digest}, expected "
        "06ff6f507430f465915e02053533b715a497d1b10b18a9e9bd1ccd6dc12ef8e8; restore the verbatim "
        "text (or, if the source itself changed, re-anchor every claim and update sha256)"
    ]


def test_confidence_outside_unit_interval(mini):
    path = mini / CLAIMS
    assert broken(mini, "confidence: 0.95", "confidence: 1.5") == [
        f"{path}:{line_of(path, 'confidence: 1.5')}: claim tesla-revenue-2022: confidence 1.5 "
        "is outside [0, 1]; set a number from 0 to 1"
    ]


def test_unknown_unit(mini):
    path = mini / CLAIMS
    assert broken(mini, "unit: USD", "unit: RMB") == [
        f"{path}:{line_of(path, 'unit: RMB')}: claim tesla-revenue-2022: unknown unit 'RMB'; "
        "use a unit such as USD, CNY, count, ratio, FLOPS, t, kg, USD/kg or USD/kWh"
    ]


def test_dangling_entity_reference(mini):
    path = mini / CLAIMS
    assert broken(mini, "subject: byd", "subject: byd-auto") == [
        f"{path}:{line_of(path, 'subject: byd-auto')}: claim byd-revenue: unknown entity "
        "'byd-auto'; add it to entities.yaml or fix the id"
    ]


def test_dangling_evidence_reference(mini):
    path = mini / CLAIMS
    assert broken(mini, "evidence: [tesla-revenue-2022-10k]", "evidence: [tesla-10k-typo]") == [
        f"{path}:{line_of(path, 'evidence: [tesla-10k-typo]')}: claim tesla-revenue-2022: "
        "unknown evidence 'tesla-10k-typo'; add it to claims/evidence/ or fix the id"
    ]


def test_dangling_reference_in_relation(mini):
    relations = Path("sources/mini-article/relations.yaml")
    path = mini / relations
    assert broken(mini, "tesla-revenue-2022 > byd-revenue",
                  "tesla-revenue-2022 > byd-revenue-2022", relations) == [
        f"{path}:1: relation tesla-above-byd: unknown claim or evidence 'byd-revenue-2022' in "
        "expression; fix the id (a binary minus needs spaces around it: a - b)"
    ]


def test_duplicate_claim_id(mini):
    path = mini / CLAIMS
    edit(path, "- id: byd-revenue", "- id: tesla-revenue-2022")
    result = run_check(mini)
    assert result.exit_code == 1
    first = line_of(path, "- id: tesla-revenue-2022", 1)
    second = line_of(path, "- id: tesla-revenue-2022", 2)
    relations = mini / "sources/mini-article/relations.yaml"
    assert errors(result) == [
        f"{path}:{second}: claim tesla-revenue-2022: duplicate id; first defined at "
        f"{path}:{first}; choose another id",
        f"{relations}:1: relation tesla-above-byd: unknown claim or evidence 'byd-revenue' in "
        "expression; fix the id (a binary minus needs spaces around it: a - b)",
    ]


def test_shape_violation_lower_above_upper(mini):
    path = mini / CLAIMS
    edit(path, "  bound: approximately\n", "  bound: range\n  lower: 70e9\n  upper: 50e9\n")
    result = run_check(mini)
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'lower: 70e9')}: claim byd-revenue: lower bound " \
           "70000000000.0 is above the upper bound; swap or correct them" in errors(result)


def test_shape_violation_amount_outside_bounds(mini):
    path = mini / CLAIMS
    assert broken(mini, "  bound: approximately\n",
                  "  bound: range\n  lower: 10e9\n  upper: 50e9\n") == [
        f"{path}:{line_of(path, '- id: byd-revenue')}: claim byd-revenue: amount 60600000000.0 "
        "lies outside its own bounds; fix the amount or the bounds"
    ]


def test_missing_required_field(mini):
    path = mini / CLAIMS
    assert broken(mini, "  statement: BYD's annual revenue is about US$60.6 billion.\n", "") == [
        f"{path}:{line_of(path, '- id: byd-revenue')}: claim byd-revenue: missing field "
        "'statement'; add it"
    ]


def test_misspelt_field(mini):
    path = mini / CLAIMS
    assert broken(mini, "  amount: 60.6e9", "  amout: 60.6e9") == [
        f"{path}:{line_of(path, '- id: byd-revenue')}: claim byd-revenue: missing field "
        "'amount'; add it",
        f"{path}:{line_of(path, 'amout:')}: claim byd-revenue: unknown field 'amout'; did you "
        "mean 'amount'?",
    ]


def test_yaml_syntax_error(mini):
    path = mini / CLAIMS
    assert broken(mini, "  unit: USD\n", "  unit: [USD\n") == [
        f"{path}:{line_of(path, 'unit: [USD') + 1}: YAML syntax error: did not find expected ',' "
        f"or ']' while parsing a flow sequence that starts on line {line_of(path, 'unit: [USD')}"
    ]


def test_invalid_id(mini):
    path = mini / CLAIMS
    edit(path, "- id: byd-revenue", "- id: BYD_revenue")
    result = run_check(mini)
    assert result.exit_code == 1
    relations = mini / "sources/mini-article/relations.yaml"
    assert errors(result) == [
        f"{path}:{line_of(path, '- id: BYD_revenue')}: claim BYD_revenue: 'BYD_revenue' is not "
        "a valid id; start with a letter and use lowercase letters, digits and single hyphens",
        f"{relations}:1: relation tesla-above-byd: unknown claim or evidence 'byd-revenue' in "
        "expression; fix the id (a binary minus needs spaces around it: a - b)",
    ]


def test_json_output(mini):
    edit(mini / CLAIMS, "confidence: 0.95", "confidence: -0.1")
    result = run_kb("check", "--json", "--claims", str(mini))
    assert result.exit_code == 1
    import json

    report = json.loads(result.stdout)
    assert report["ok"] is False
    [error] = report["errors"]
    assert error["id"] == "tesla-revenue-2022"
    assert error["message"] == "confidence -0.1 is outside [0, 1]; set a number from 0 to 1"


@pytest.mark.parametrize("missing", ["entities.yaml", "collection.yaml"])
def test_missing_file(mini, missing):
    (mini / missing).unlink()
    result = run_check(mini)
    assert result.exit_code == 1
    assert f"{mini / missing}: file not found; create it" in errors(result)
