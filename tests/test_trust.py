"""Trust (issue 10): evidence documents carry their kind, tier, retrieval date and archive copy,
and kb check binds every verdict to its sources and to the knowledge base's own findings."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner
from conftest import ROOT, edit, line_of

from kb.cli import cli
from kb.graph import DOCUMENT_TERMS
from kb.pipeline import check as run_pipeline
from kb.tiers import DOCUMENT_KINDS, KINDS, STRONG_TIERS
from kb.trust import WEAK_CAP
from kb.verdicts import DEFINITIONS, LABELS
from kb.vocab import KB

SOURCE = Path("sources/mini-article")
CLAIMS = SOURCE / "claims.yaml"
EVIDENCE = Path("evidence/finance.yaml")


def run(folder: Path, *args: str):
    result = CliRunner().invoke(cli, ["check", "--claims", str(folder), *args])
    assert "Traceback" not in result.output, result.output
    return result


def errors(result) -> list[str]:
    return [line for line in result.stdout.splitlines()
            if line.strip() and not line.startswith("finding ")]


def findings(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("finding ")]


def at(folder: Path, rel: Path, needle: str, nth: int = 1) -> str:
    """file:line of the nth line containing needle, as kb check prints it."""
    return f"{folder / rel}:{line_of(folder / rel, needle, nth)}"


def explain(folder: Path, old: str, new: str) -> None:
    edit(folder / CLAIMS, f"explanation: {old}", f"explanation: {new}")


def add_sentence(folder: Path, sentence: str, claim_yaml: str, quote: str) -> None:
    """Append a sentence to the mini article and a claim quoting part of it (offsets computed,
    the text's sha256 updated): the existing claims' offsets do not move."""
    text_path = folder / SOURCE / "text.txt"
    text = text_path.read_text(encoding="utf-8") + sentence
    text_path.write_text(text, encoding="utf-8")
    start = text.rindex(quote)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = folder / SOURCE / "source.yaml"
    old = next(line for line in source.read_text().splitlines() if line.startswith("sha256:"))
    edit(source, old, f"sha256: {digest}")
    with (folder / CLAIMS).open("a", encoding="utf-8") as out:
        out.write(claim_yaml.format(start=start, end=start + len(quote), quote=quote))


# -- the reliability model ------------------------------------------------------------------------

def test_every_kind_has_a_tier_and_a_graph_term():
    assert DOCUMENT_KINDS == ("filing", "statistics", "statement", "news", "aggregator", "other")
    assert {k: t for k, (t, _) in KINDS.items()} == {
        "filing": 1, "statistics": 1, "statement": 1, "news": 2, "aggregator": 3, "other": 4}
    assert STRONG_TIERS == (1, 2)
    assert tuple(DOCUMENT_TERMS) == DOCUMENT_KINDS


def test_document_without_retrieved_date_is_a_one_line_error(mini):
    edit(mini / EVIDENCE, "    retrieved: 2026-11-28\n", "")
    result = run(mini)
    assert result.exit_code == 1
    # The evidence that cites the document is not reported again (one mistake, one line);
    # the verdict rules say nothing about a claim whose sources are unknown.
    assert errors(result) == [
        f"{at(mini, EVIDENCE, '- id: tesla-10k')}: document tesla-10k: missing field "
        "'retrieved'; add it"], result.stdout


def test_old_document_kind_names_are_rejected_with_the_kinds_to_use(mini):
    edit(mini / EVIDENCE, "kind: filing", "kind: annual-report")
    result = run(mini)
    assert errors(result) == [f"{at(mini, EVIDENCE, 'kind:')}: document tesla-10k: kind "
                              "'annual-report' is not one of: filing, statistics, statement, "
                              "news, aggregator, other"], result.stdout


def test_archive_url_must_be_a_web_address(mini):
    edit(mini / EVIDENCE, "    retrieved: 2026-11-28\n",
         "    retrieved: 2026-11-28\n    archive_url: web.archive.org/x\n")
    result = run(mini)
    assert errors(result) == [f"{at(mini, EVIDENCE, 'archive_url')}: document tesla-10k: "
                              "archive_url 'web.archive.org/x' must start with http:// or "
                              "https://"], result.stdout


def test_graph_carries_kind_tier_retrieved_and_archive(mini):
    edit(mini / EVIDENCE, "    retrieved: 2026-11-28\n",
         "    retrieved: 2026-11-28\n    archive_url: https://web.archive.org/web/2026/x\n")
    checked = run_pipeline(mini)
    assert checked.report.errors == []
    store = ox.Store()
    store.extend(checked.graph.quads)
    rows = list(store.query(
        "PREFIX kb: <https://kb.example.org/ns#> PREFIX schema: <https://schema.org/> "
        "SELECT ?kind ?tier ?retrieved ?archive WHERE { GRAPH ?g { ?d a kb:EvidenceDocument ; "
        "kb:documentKind ?kind ; kb:reliabilityTier ?tier ; kb:retrieved ?retrieved ; "
        "schema:archivedAt ?archive } }"))
    assert [(r["kind"].value, r["tier"].value, r["retrieved"].value, r["archive"].value)
            for r in rows] == [(str(KB.Filing), "1", "2026-11-28",
                                "https://web.archive.org/web/2026/x")]


def test_export_carries_the_tier(mini):
    result = CliRunner().invoke(cli, ["export", "--claims", str(mini), "--format", "nquads"])
    assert result.exit_code == 0, result.output
    assert ('<https://kb.example.org/ns#reliabilityTier> '
            '"1"^^<http://www.w3.org/2001/XMLSchema#integer>') in result.stdout


# -- rule 1: a verdict rests on a tier 1-2 document, or the confidence is capped -----------------

def test_weakly_sourced_verdict_is_a_finding_and_its_confidence_is_capped(mini):
    edit(mini / EVIDENCE, "kind: filing", "kind: aggregator")
    result = run(mini)
    assert findings(result) == [
        "finding weakly-sourced weakly-sourced-tesla-revenue-2022: tesla-revenue-2022 is rated "
        "accurate on tesla-10k (tier 3); no document of tier 1 or 2 supports the verdict, so its "
        f"confidence is capped at {WEAK_CAP}"], result.stdout
    assert errors(result) == [
        f"{at(mini, CLAIMS, 'confidence: 0.95')}: claim tesla-revenue-2022: weakly sourced "
        "(finding weakly-sourced-tesla-revenue-2022): confidence 0.95 exceeds the cap 0.80; cite "
        "a tier 1-2 document (docs/evidence.md) or lower the confidence and the verdict"]
    edit(mini / CLAIMS, "confidence: 0.95", "confidence: 0.8")
    result = run(mini)
    assert result.exit_code == 0 and errors(result) == [], result.stdout
    assert len(findings(result)) == 1


def test_news_is_strong_enough_and_unverifiable_needs_no_source(mini):
    edit(mini / EVIDENCE, "kind: filing", "kind: news")
    result = run(mini)
    assert result.exit_code == 0 and result.stdout.strip() == "", result.stdout


# -- rule 2: failing findings bind verdicts --------------------------------------------------------

RELATION = """- id: revenue-above-90b
  expression: tesla-revenue-2022 > 90e9 [USD]
  description: A test relation that fails.
"""


def test_failing_finding_forbids_accurate_unless_the_review_answers_it(mini):
    with (mini / SOURCE / "relations.yaml").open("a", encoding="utf-8") as out:
        out.write("\n" + RELATION)
    result = run(mini)
    assert errors(result) == [
        f"{at(mini, CLAIMS, 'verdict: accurate')}: claim tesla-revenue-2022: verdict accurate, but "
        "relation finding revenue-above-90b fails against it; change the verdict, or name the "
        "finding in the explanation and say why it does not apply"], result.stdout
    explain(mini, "The 10-K gives $81,462 million.",
            "The 10-K gives $81,462 million; revenue-above-90b tests a threshold the article "
            "never states.")
    assert errors(run(mini)) == []


def test_a_finding_named_only_inside_a_longer_id_does_not_count(mini):
    with (mini / SOURCE / "relations.yaml").open("a", encoding="utf-8") as out:
        out.write("\n" + RELATION)
    explain(mini, "The 10-K gives $81,462 million.",
            "The 10-K gives $81,462 million (see revenue-above-90b-old).")
    assert len(errors(run(mini))) == 1


# -- rule 3: one premise, one verdict --------------------------------------------------------------

SECOND_CLAIM = """- id: tesla-revenue-again
  quote: {quote}
  start: {start}
  end: {end}
  normalised: {quote}
  statement: Tesla's 2022 revenue was about US$81 billion.
  subject: tesla
  property: total-revenue
  amount: 81e9
  unit: USD
  bound: approximately
  precision: 1e9
  time: {{period: "2022", phrase: 去年}}
  confidence: 0.3
  review:
    verdict: misleading
    explanation: Rated without looking.
    reviewer: tester
    date: 2026-11-28
    evidence: [tesla-revenue-2022-10k]
"""


def test_claims_of_one_premise_may_not_carry_incompatible_verdicts(mini):
    add_sentence(mini, "去年营收约 810 亿好意思元。", SECOND_CLAIM, "约 810 亿好意思元")
    result = run(mini)
    assert errors(result) == [
        f"{at(mini, CLAIMS, 'verdict: accurate')}: claim tesla-revenue-2022: verdict accurate, "
        "but tesla-revenue-again states the same quantity and is rated misleading; make the "
        "verdicts agree, or name tesla-revenue-again in the explanation and say why they differ",
        f"{at(mini, CLAIMS, 'verdict: misleading')}: claim tesla-revenue-again: verdict "
        "misleading, but tesla-revenue-2022 states the same quantity and is rated accurate; make "
        "the verdicts agree, or name tesla-revenue-2022 in the explanation and say why they "
        "differ"], result.stdout
    edit(mini / CLAIMS, "verdict: misleading", "verdict: mostly-accurate")
    edit(mini / CLAIMS, "confidence: 0.3", "confidence: 0.8")
    edit(mini / CLAIMS, "Rated without looking.", "The 10-K gives $81,462 million.")
    result = run(mini)
    assert result.exit_code == 0 and errors(result) == [], result.stdout


# -- rule 4: every figure in an explanation comes from the knowledge base -------------------------

def test_a_figure_no_evidence_carries_is_an_error(mini):
    explain(mini, "The 10-K gives $81,462 million.",
            "The 10-K gives $81,462 million; Chinese media reported $85 billion.")
    result = run(mini)
    assert errors(result) == [
        f"{at(mini, CLAIMS, 'explanation: The 10-K')}: claim tesla-revenue-2022: the "
        "explanation states '$85 billion', a figure found in no evidence statement, claim or "
        "relation of this claim; cite the evidence that carries it, or remove it"], result.stdout


def test_a_figure_rounded_to_the_digits_written_is_accepted(mini):
    explain(mini, "The 10-K gives $81,462 million.", "The 10-K gives $81.5 billion for 2022.")
    result = run(mini)
    assert result.exit_code == 0 and errors(result) == [], result.stdout


def test_figures_of_other_claims_and_one_step_from_them_need_a_relation(mini):
    relations = mini / SOURCE / "relations.yaml"
    declared = relations.read_text(encoding="utf-8")
    assert "expression: tesla-revenue-2022 > byd-revenue" in declared
    relations.write_text("[]\n", encoding="utf-8")
    explain(mini, "The 10-K gives $81,462 million.",
            "The 10-K gives $81,462 million; BYD's 60.6 billion is about 21 billion less, and "
            "Tesla's is 34.4% more.")
    result = run(mini)
    # The figure is quoted with its English bound word: the check allowed it 5% for "about".
    assert sorted(e.split("states ")[1].split(",")[0] for e in errors(result)) == [
        "'34.4%'", "'60.6 billion'", "'about 21 billion'"], result.stdout
    relations.write_text(declared, encoding="utf-8")
    result = run(mini)
    assert errors(result) == [], result.stdout


# -- rule 5: the same evidence, the same confidence ----------------------------------------------

def test_same_verdict_on_the_same_evidence_needs_the_same_confidence(mini):
    add_sentence(mini, "去年营收约 810 亿好意思元。", SECOND_CLAIM, "约 810 亿好意思元")
    edit(mini / CLAIMS, "verdict: misleading", "verdict: accurate")
    edit(mini / CLAIMS, "confidence: 0.3", "confidence: 0.9")
    edit(mini / CLAIMS, "Rated without looking.", "The 10-K gives $81,462 million.")
    result = run(mini)
    assert errors(result) == [
        f"{at(mini, CLAIMS, 'confidence: 0.9', 2)}: claim tesla-revenue-again: confidence 0.9, "
        "but tesla-revenue-2022 has the same verdict on the same evidence with confidence 0.95; "
        "give both the same confidence (docs/rating-method.md)"], result.stdout
    edit(mini / CLAIMS, "confidence: 0.9\n", "confidence: 0.95\n")
    assert errors(run(mini)) == []


# -- the published method --------------------------------------------------------------------------

def test_rating_method_defines_every_verdict_and_tier_as_the_code_does():
    method = (ROOT / "docs/rating-method.md").read_text(encoding="utf-8")
    for verdict, text in DEFINITIONS.items():
        assert f"**{LABELS[verdict]}**" in method and " ".join(text.split()) in \
            " ".join(method.split()), verdict
    evidence = (ROOT / "docs/evidence.md").read_text(encoding="utf-8")
    for kind, (tier, _) in KINDS.items():
        assert f"`{kind}`" in evidence and f"tier {tier}" in evidence.lower(), kind


def test_site_shows_a_badge_on_every_evidence_item_and_publishes_the_method(mini, tmp_path):
    edit(mini / EVIDENCE, "    retrieved: 2026-11-28\n",
         "    retrieved: 2026-11-28\n    archive_url: https://web.archive.org/web/2026/x\n")
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["build", "--claims", str(mini), "--out", str(out)])
    assert result.exit_code == 0, result.output
    badge = ('<span class="source-badge tier-1"><a href="../../method/#tiers">Tier 1</a> · '
             'Filing or release</span> <span class="muted">retrieved 2026-11-28 · '
             '<a href="https://web.archive.org/web/2026/x">archived copy</a></span>')
    claim = (out / "claim/tesla-revenue-2022/index.html").read_text(encoding="utf-8")
    assert badge in claim
    assert '<a class="method-link" href="../../method/#accurate">what this means</a>' in claim
    evidence = (out / "evidence/index.html").read_text(encoding="utf-8")
    assert badge.replace("../../", "../") in evidence
    method = (out / "method/index.html").read_text(encoding="utf-8")
    for verdict, text in DEFINITIONS.items():
        assert f'<dt id="{verdict}">{LABELS[verdict]}' in method and text in method, verdict
    assert '<h2 id="tiers">' in method


def test_seed_passes_every_rule_with_its_findings_answered():
    """kb check on the seed: no rule violation; every weakly-sourced claim within the cap."""
    checked = run_pipeline(ROOT / "claims")
    assert [str(p) for p in checked.report.errors] == []
    weak = [f for f in checked.report.findings if f.kind == "weakly-sourced"]
    claims = checked.collection.claims
    assert weak and all(claims[f.involves[0]].confidence <= WEAK_CAP for f in weak)
    kinds = {d.kind for d in checked.collection.documents.values()}
    assert kinds <= set(DOCUMENT_KINDS)
    titles = " ".join(d.title + d.url for d in checked.collection.documents.values())
    assert "THIS IS A TEST" not in titles and "webflow.io" not in titles
