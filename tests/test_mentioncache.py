"""The mention cache (kb/mentioncache.py): a check that reads its mentions from the cache
reports exactly what one that reads every text reports, and a cache file kb did not write for
this user, whole, is a miss for every text, never an error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import SEED, edit
from helpers import invoke
from test_faults import read_only

from kb import consistency, mentioncache
from kb.load import load_lenient
from kb.mentioncache import MentionCache
from kb.mentions import find_mentions
from kb.validate import run_model_checks

CLAIMS = Path("sources/tesla-dojo-commentary/claims-1.yaml")
EXPLANATION = "exactly the\n      article's 814.62 亿美元."


# Each test signs its caches with a key of its own (conftest.own_key).
pytestmark = pytest.mark.usefixtures("own_key")


def checked(claims: Path, find=find_mentions, kept: MentionCache | None = None
            ) -> consistency.Outcome:
    """The consistency checks' outcome on a claims folder, reading mentions with find."""
    c, problems = load_lenient(claims)
    return consistency.run(c, run_model_checks(c, problems), problems, find, kept)


def cached_run(claims: Path) -> tuple[consistency.Outcome, MentionCache]:
    """The checks through a fresh MentionCache of the folder, which is then saved."""
    kept = MentionCache(claims)
    outcome = checked(claims, kept.find, kept)
    kept.save()
    return outcome, kept


def no_finding(monkeypatch) -> None:
    """Make reading a text's mentions fail the test: what follows must come from the cache."""
    def find(text, published=None):
        raise AssertionError(f"read a text the cache holds: {text[:40]!r}")
    monkeypatch.setattr(mentioncache, "find_anew", find)


def cache_file(claims: Path) -> Path:
    return claims / ".kb" / mentioncache.MENTIONS_DIR / str(mentioncache.finder_stamp()) / \
        mentioncache.FILE_NAME


def test_a_second_check_reads_no_text_and_reports_what_reading_every_text_reports(
        seed, monkeypatch):
    want = checked(seed)
    first, kept = cached_run(seed)
    assert kept.misses > 200 and cache_file(seed).is_file()
    no_finding(monkeypatch)
    second, kept = cached_run(seed)
    assert (kept.misses, kept.figure_misses) == (0, 0)
    assert first == want and second == want


# A figure no text the claim cites carries (Tesla's 2021 revenue), then one its evidence does.
UNSOURCED = "exactly the\n      article's 814.62 亿美元; 2021 brought $53,823 million."
NOTE = "    note: Total revenues for 2021 were $53,823 million.\n"


def figure_errors(outcome: consistency.Outcome) -> list[str]:
    return [p.message for p in outcome.errors if "a figure found in no" in p.message]


def test_a_kept_figure_answer_is_the_one_reading_every_cited_text_gives(seed, monkeypatch):
    edit(seed / CLAIMS, EXPLANATION, UNSOURCED)
    want = checked(seed)
    assert figure_errors(want) == [
        "the explanation states '$53,823 million', a figure found in no evidence statement, "
        "claim or relation of this claim; cite the evidence that carries it, or remove it"]
    first, kept = cached_run(seed)
    assert kept.figure_misses > 50
    no_finding(monkeypatch)
    second, kept = cached_run(seed)
    assert (kept.misses, kept.figure_misses) == (0, 0)
    assert first == want and second == want


def test_a_figure_answer_is_made_again_when_a_cited_text_changes(seed):
    edit(seed / CLAIMS, EXPLANATION, UNSOURCED)
    first, _ = cached_run(seed)
    assert len(figure_errors(first)) == 1
    evidence = seed / "evidence" / "tesla-finance.yaml"
    edit(evidence, "    time: {period: \"2022\"}\n  - id: tesla-revenue-2023-10k",
         f"    time: {{period: \"2022\"}}\n{NOTE}  - id: tesla-revenue-2023-10k")
    second, kept = cached_run(seed)
    assert kept.figure_misses >= 1
    assert figure_errors(second) == [] and second == checked(seed)


@pytest.mark.parametrize("answer", [[10**6], ["0"], "0", None])
def test_a_kept_figure_answer_that_is_not_one_is_a_miss(seed, answer):
    edit(seed / CLAIMS, EXPLANATION, UNSOURCED)
    want, _ = cached_run(seed)
    kept = MentionCache(seed)
    kept._kept_figures = dict.fromkeys(kept._kept_figures, answer)
    assert checked(seed, kept.find, kept) == want
    assert kept.figure_misses > 50


def test_a_check_whose_every_text_is_kept_never_loads_the_finder(seed):
    # The finder's patterns are most of the consistency checks' imports on the seed: a check
    # that reads every text from the cache must not pay for them (docs/benchmarks.md).
    cached_run(seed)
    script = ("import sys\n"
              "from kb.validate import _consistency, run_model_checks\n"
              "from kb.load import load_lenient\n"
              f"c, problems = load_lenient({str(seed)!r})\n"
              "_consistency(c, run_model_checks(c, problems), problems)\n"
              "print(sorted(m for m in sys.modules if m in ('kb.mentions', 'kb.despin')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


def test_kept_mentions_are_the_finders_field_for_field(seed):
    c, _ = load_lenient(seed)
    texts = [(s.text, s.published) for s in c.sources.values()] + \
        [(cl.review.explanation, None) for cl in c.claims.values()] + \
        [("去年营收 3 亿元, 上个月增长 5%", "2025-10-24"), ("about $29 billion in Q3 2024", None)]
    first = MentionCache(seed)
    for text, published in texts:
        first.find(text, published)
    first.save()
    again = MentionCache(seed)
    for text, published in texts:
        assert again.find(text, published) == find_mentions(text, published)
    assert again.misses == 0


def explanations(claims: Path) -> set[str]:
    """The names of the kept texts that hold the edited explanation (EXPLANATION)."""
    read: list[tuple[str, str | None]] = []

    def find(text, published=None):
        read.append((text, published))
        return find_mentions(text, published)

    checked(claims, find)
    return {mentioncache.text_name(*r) for r in read if "814.62 亿美元" in r[0] and
            "Findings" in r[0]}


def test_an_edited_text_alone_is_read_again_and_the_old_one_dropped(seed):
    cached_run(seed)
    old = explanations(seed)
    edit(seed / CLAIMS, EXPLANATION, "exactly the\n      article's 814.62 亿美元 figure.")
    new = explanations(seed)
    outcome, kept = cached_run(seed)
    assert kept.misses == 1
    assert outcome == checked(seed)
    held = MentionCache(seed)._kept.keys()
    # What this check read, no more: the old explanation's entry is gone.
    assert held == kept._used.keys() and new <= held and len(old) == 1 and not old & held


@pytest.mark.parametrize("damage", ["a changed byte", "cut short", "another key"])
def test_a_cache_file_kb_did_not_write_whole_is_a_miss(seed, damage, own_key, tmp_path):
    want, _ = cached_run(seed)
    path = cache_file(seed)
    data = path.read_bytes()
    if damage == "a changed byte":
        data = data.replace(b'"exact"', b'"range"', 1)
    elif damage == "cut short":
        data = data[:len(data) // 2]
    path.write_bytes(data)
    if damage == "another key":
        (own_key / "kb" / "parse-cache.key").write_bytes(b"k" * 32)
    outcome, kept = cached_run(seed)
    assert kept.misses > 200
    assert outcome == want


def test_a_cache_folder_that_is_a_symlink_is_never_used(seed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (seed / ".kb").mkdir()
    (seed / ".kb" / mentioncache.MENTIONS_DIR).symlink_to(elsewhere)
    cached_run(seed)
    assert not any(elsewhere.iterdir())


def test_a_read_only_claims_folder_checks_as_without_the_cache(seed):
    invoke("check", "--claims", str(seed))  # the parse cache filled, as a user's folder has it
    shutil.rmtree(seed / ".kb" / mentioncache.MENTIONS_DIR)
    with read_only(seed):
        result = invoke("check", "--claims", str(seed), "--json")
        assert not cache_file(seed).exists()
    assert result.output == invoke("check", "--claims", str(seed), "--json").output
    assert cache_file(seed).is_file()


# -- each source's own problems --------------------------------------------------------------

SOURCE = Path("sources/tesla-dojo-commentary")
AMOUNT = (CLAIMS, "amount: 81462e6", "amount: 81463e6")


def entry_removed(path: Path, first_line: str) -> tuple[Path, str, str]:
    """An edit of the seed's path that removes the YAML list entry starting with first_line."""
    text = (SEED / path).read_text(encoding="utf-8")
    at = text.index(first_line)
    return path, text[at:text.index("\n- ", at) + 1], ""


# An ignored mention's entry gone: its mention is uncovered.
UNCOVERED = entry_removed(SOURCE / "ignored.yaml", "- text: 本年\n  start: 975\n")
# Edits, in steps, that change what a source's rules report: a quote's number, a bound, a
# precision, an uncovered mention; then a claim the structural checks skip (its quote is not
# checked), by an edit of its folder or of a shared file, and a loading problem in the folder
# (its coverage is not checked).
SOURCE_EDITS = {
    "amount": [AMOUNT],
    "bound": [(CLAIMS, "  bound: exact\n  precision: 1e6", "  bound: approximately\n"
               "  precision: 1e6")],
    "precision": [(CLAIMS, "precision: 1e6        #", "precision: 1e4        #")],
    "skipped claim": [AMOUNT, (CLAIMS, "unit: USD\n  bound: exact\n  precision: 1e6",
                               "unit: RMB\n  bound: exact\n  precision: 1e6")],
    "claim skipped by a shared file": [AMOUNT, (Path("entities.yaml"), "- id: tesla\n",
                                                "- id: tesla-inc\n")],
    "loading problem": [UNCOVERED, (CLAIMS, "  amount: 81462e6", "  amout: 81462e6")],
}


def source_texts_read(claims: Path) -> tuple[consistency.Outcome, MentionCache, list[str]]:
    """cached_run, noting which sources' texts it read (kept or anew)."""
    c, problems = load_lenient(claims)
    texts = {s.text for s in c.sources.values()}
    kept, read = MentionCache(claims), []

    def find(text, published=None):
        if text in texts:
            read.append(text[:20])
        return kept.find(text, published)

    outcome = consistency.run(c, run_model_checks(c, problems), problems, find, kept)
    kept.save()
    return outcome, kept, read


def test_a_second_check_reads_no_source_text_and_reports_the_same(seed):
    want = checked(seed)
    first, kept, read = source_texts_read(seed)
    assert kept.source_misses == 1 and len(read) == 1
    second, kept, read = source_texts_read(seed)
    assert (kept.source_misses, read) == (0, [])
    assert first == want and second == want


@pytest.mark.parametrize("name", SOURCE_EDITS)
def test_after_an_edit_of_a_source_its_kept_problems_are_what_its_rules_give(seed, name):
    reports = [cached_run(seed)[0]]
    for path, old, new in SOURCE_EDITS[name]:
        edit(seed / path, old, new)
        want = checked(seed)
        outcome, _, read = source_texts_read(seed)
        assert outcome == want and len(read) == 1
        again, _, read = source_texts_read(seed)
        assert again == want
        reports.append(want)
    # Each step changed what is reported, so a stale entry would have shown.
    assert all(a != b for a, b in pairwise(reports))


@pytest.mark.parametrize("row", [["f", "1", "claim", "x", "m"], ["f", 1, "claim", "x"], "x",
                                 None])
def test_a_kept_source_problem_that_is_not_one_is_a_miss(seed, row):
    edit(seed / CLAIMS, "amount: 81462e6", "amount: 81463e6")
    want, _ = cached_run(seed)
    kept = MentionCache(seed)
    kept._kept_sources = {key: [[row], []] for key in kept._kept_sources}
    assert checked(seed, kept.find, kept) == want
    assert kept.source_misses == 1


@pytest.mark.parametrize("stamp", ["another", ""])
def test_other_rules_code_meets_no_kept_source_problems(seed, monkeypatch, stamp):
    want, _ = cached_run(seed)
    monkeypatch.setattr(consistency, "_rules_stamp", lambda: stamp)
    outcome, kept, read = source_texts_read(seed)
    assert outcome == want and len(read) == 1
    assert kept.source_misses == (1 if stamp else 0)
