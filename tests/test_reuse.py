"""A rebuild links the pages and cards that come out the same from the previous site (kb.reuse)."""

from __future__ import annotations

import difflib
from pathlib import Path

from conftest import edit

from kb.build import build
from kb.layout import BUILD_RECORD, card_path, page_path

SOURCE = "sources/mini-article/claims.yaml"


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and p.name != BUILD_RECORD}


def assert_same_site(expected: Path, actual: Path) -> None:
    """Two sites hold the same files with the same bytes; the first difference is shown."""
    a, b = _files(expected), _files(actual)
    assert sorted(a) == sorted(b), "\n".join(difflib.unified_diff(sorted(a), sorted(b),
                                                                  lineterm=""))
    for rel in sorted(a):
        if a[rel] != b[rel]:
            diff = difflib.unified_diff(a[rel].decode("utf-8", "replace").splitlines(),
                                        b[rel].decode("utf-8", "replace").splitlines(),
                                        "fresh build", "rebuild", lineterm="")
            raise AssertionError(f"{rel} differs:\n" + "\n".join(list(diff)[:40]))


def _inode(site: Path, rel: str) -> int:
    return (site / rel).stat().st_ino


def test_a_rebuild_links_what_did_not_change_and_equals_a_fresh_build(mini, tmp_path):
    site = tmp_path / "_site"
    build(mini, site)
    # The explanation is on the claim's page, not on its card (verdict and headline only).
    kept = {rel: _inode(site, rel) for rel in (card_path("tesla-revenue-2022"),
                                               page_path("claim", "tesla-revenue-2022"),
                                               card_path("byd-revenue"))}
    redone = {rel: _inode(site, rel) for rel in (page_path("claim", "byd-revenue"),)}
    edit(mini / SOURCE, "No year is given.", "No year is stated.")

    build(mini, site)

    assert {rel: _inode(site, rel) for rel in kept} == kept, "unchanged files were redone"
    assert all(_inode(site, rel) != ino for rel, ino in redone.items()), \
        "a changed page or card was linked from the previous site"
    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_a_file_edited_in_the_previous_site_is_never_reused(mini, tmp_path):
    site = tmp_path / "_site"
    build(mini, site)
    page, card = page_path("claim", "tesla-revenue-2022"), card_path("tesla-revenue-2022")
    good_page, good_card = (site / page).read_bytes(), (site / card).read_bytes()
    (site / page).write_bytes(good_page.replace(b"</body>", b"<p>hand-edited</p></body>"))
    (site / card).write_bytes(good_card + b"junk")

    build(mini, site)

    assert (site / page).read_bytes() == good_page
    assert (site / card).read_bytes() == good_card


def test_a_damaged_record_means_a_full_rebuild(mini, tmp_path):
    site = tmp_path / "_site"
    build(mini, site)
    page = page_path("claim", "tesla-revenue-2022")
    before = _inode(site, page)
    (site / BUILD_RECORD).write_text('{"version": 1, "files": {"x": 3}}', encoding="utf-8")

    build(mini, site)

    assert _inode(site, page) != before
    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_a_card_is_redrawn_when_what_it_shows_changes():
    from kb.cards import Card
    from kb.render import card_key

    card = Card("c1", "inaccurate", "Inaccurate: revenue was $81bn, not $90bn", "kb")
    assert card_key(card) == card_key(Card(*vars(card).values()))
    for changed in (Card("c2", card.verdict, card.headline, card.site),
                    Card(card.claim, "misleading", card.headline, card.site),
                    Card(card.claim, card.verdict, card.headline + ".", card.site),
                    Card(card.claim, card.verdict, card.headline, "other site")):
        assert card_key(changed) != card_key(card), changed
