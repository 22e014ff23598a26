"""The shapes' results kept between checks (kb/shapecache.py): a check whose pairs are answered
from the claims folder's entry reports what one without it reports, and an edit checks again
the pairs that read what it changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import edit
from test_faults import read_only
from test_shacl import FIXTURE_EDITS

from kb import shacl, shapecache
from kb.layout import CACHE_DIR
from kb.pipeline import check
from kb.shapecache import SHAPES_DIR, shapes_stamp

# Each test signs its caches with a key of its own (conftest.own_key).
pytestmark = pytest.mark.usefixtures("own_key")


@pytest.fixture
def checked_pairs(monkeypatch) -> list[int]:
    """How many (shape, focus node) pairs each validation checks, as the checks go."""
    counts: list[int] = []
    results = shacl._results

    def counting(roots, pairs, data, record=False):
        counts.append(len(pairs))
        return results(roots, pairs, data, record)
    monkeypatch.setattr(shacl, "_results", counting)
    return counts


def entry_files(claims: Path) -> list[Path]:
    return sorted((claims / CACHE_DIR / SHAPES_DIR).glob("*/*.pickle"))


def report(claims: Path) -> tuple[list, list]:
    got = check(claims).report
    return got.errors, got.findings


def report_without_kept(claims: Path) -> tuple[list, list]:
    """The report of a check of claims with no shapes' results kept (and none left after)."""
    shutil.rmtree(claims / CACHE_DIR / SHAPES_DIR, ignore_errors=True)
    got = report(claims)
    shutil.rmtree(claims / CACHE_DIR / SHAPES_DIR, ignore_errors=True)
    return got


def test_a_second_check_checks_no_pair_and_reports_the_same(mini, checked_pairs):
    first = report(mini)
    assert sum(checked_pairs) > 20 and len(entry_files(mini)) == 1
    checked_pairs.clear()
    assert report(mini) == first
    assert sum(checked_pairs) == 0


@pytest.mark.parametrize("name", [name for name in FIXTURE_EDITS if name != "none"])
def test_after_an_edit_a_check_with_kept_results_reports_what_one_without_reports(
        name, mini, checked_pairs):
    report(mini)
    for path, old, new in FIXTURE_EDITS[name]:
        edit(mini / path, old, new)
    assert report(mini) == report_without_kept(mini)


def test_an_edit_of_the_shared_files_checks_again_the_pairs_that_read_them(mini,
                                                                          checked_pairs):
    # An entity's kind is its type in the shared graph, which the claims about it read (the
    # class of their subject): they are checked again, though their source did not change.
    report(mini)
    checked_pairs.clear()
    edit(mini / "entities.yaml", "kind: organization", "kind: person")
    kept = report(mini)
    assert sum(checked_pairs) > 0
    assert kept == report_without_kept(mini)


def test_a_damaged_entry_is_a_miss(mini, checked_pairs):
    first = report(mini)
    [entry] = entry_files(mini)
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    checked_pairs.clear()
    assert report(mini) == first
    assert sum(checked_pairs) > 20


def test_a_read_only_claims_folder_is_checked_without_kept_results(mini, checked_pairs):
    first = report(mini)
    for path in entry_files(mini):
        path.unlink()
    with read_only(mini):
        checked_pairs.clear()
        assert report(mini) == first
        assert sum(checked_pairs) > 20
        assert entry_files(mini) == []


def test_entries_of_other_shapes_or_code_are_deleted_when_one_is_written(mini):
    old = mini / CACHE_DIR / SHAPES_DIR / "0123456789abcdef"
    old.mkdir(parents=True)
    (old / ("0" * 32 + ".pickle")).write_bytes(b"old")
    report(mini)
    assert [p.parent.name for p in entry_files(mini)] == [shapes_stamp()]
    assert not old.exists()


def test_a_change_to_the_code_that_makes_the_graphs_meets_no_entry(mini, checked_pairs,
                                                                   monkeypatch):
    # A named graph's key names what it is made from, not the code that makes its quads: new
    # graph code under the same keys must not take results the old graphs gave.
    report(mini)
    checked_pairs.clear()
    monkeypatch.setattr(shapecache, "graph_stamp", lambda: "other graph code")
    report(mini)
    assert sum(checked_pairs) > 20
    monkeypatch.setattr(shapecache, "graph_stamp", lambda: None)  # unreadable: nothing kept
    checked_pairs.clear()
    report(mini)
    assert sum(checked_pairs) > 20
