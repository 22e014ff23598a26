"""A rebuild links the pages and cards that come out the same from the previous site (kb.reuse)."""

from __future__ import annotations

import difflib
import itertools
import json
from pathlib import Path

import pytest
from conftest import edit
from helpers import leftovers, small_pages

import kb.parallel
from kb.atomic import SPARE_LIST, spare_path
from kb.build import build
from kb.layout import BUILD_RECORD, card_path, page_path
from kb.reuse import RECORD_VERSION

SOURCE = "sources/mini-article/claims.yaml"


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and p.name != BUILD_RECORD}


def _folders(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_dir())


def assert_same_site(expected: Path, actual: Path) -> None:
    """Two sites hold the same folders and files with the same bytes; the first difference is
    shown."""
    a, b = _files(expected), _files(actual)
    assert sorted(a) == sorted(b), "\n".join(difflib.unified_diff(sorted(a), sorted(b),
                                                                  lineterm=""))
    folders = _folders(expected), _folders(actual)
    assert folders[0] == folders[1], "\n".join(difflib.unified_diff(*folders, lineterm=""))
    for rel in sorted(a):
        if a[rel] != b[rel]:
            diff = difflib.unified_diff(a[rel].decode("utf-8", "replace").splitlines(),
                                        b[rel].decode("utf-8", "replace").splitlines(),
                                        "fresh build", "rebuild", lineterm="")
            raise AssertionError(f"{rel} differs:\n" + "\n".join(list(diff)[:40]))


def _inode(site: Path, rel: str) -> int:
    return (site / rel).stat().st_ino


def test_a_rebuild_links_what_did_not_change_and_equals_a_fresh_build(mini, built_mini, tmp_path,
                                                                     monkeypatch):
    site = built_mini
    # The explanation is on the claim's page, not on its card (verdict and headline only).
    kept = {rel: _inode(site, rel) for rel in (card_path("tesla-revenue-2022"),
                                               page_path("claim", "tesla-revenue-2022"),
                                               card_path("byd-revenue"))}
    redone = {rel: _inode(site, rel) for rel in (page_path("claim", "byd-revenue"),)}
    edit(mini / SOURCE, "No year is given.", "No year is stated.")

    # The rebuild on two cores, even for the mini fixture's few pages (the tests' builds run on
    # one, conftest): forked workers link the previous site's files as this process does.
    spawned = []
    with monkeypatch.context() as forked:
        forked.setenv("KB_JOBS", "2")
        forked.setattr(kb.parallel, "MIN_PARALLEL", 1)
        forked.setattr(kb.parallel, "_spawn", lambda *a, spawn=kb.parallel._spawn:
                       spawned.append(a) or spawn(*a))
        build(mini, site)
    assert len(spawned) >= 3, "the rebuild forked no page workers or children"

    assert {rel: _inode(site, rel) for rel in kept} == kept, "unchanged files were redone"
    assert all(_inode(site, rel) != ino for rel, ino in redone.items()), \
        "a changed page or card was linked from the previous site"
    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_the_folders_of_pages_a_rebuild_no_longer_has_are_not_left_empty(mini, built_mini,
                                                                        tmp_path):
    import json

    site = built_mini
    # As if the previous site had published a claim since removed: its folders are made
    # ahead of the pages, with the rest of the previous site's (kb.build).
    record = json.loads((site / BUILD_RECORD).read_text(encoding="utf-8"))
    for rel in (page_path("claim", "gone"), "claim/gone/deeper/file.txt"):
        record["files"][rel] = ["0" * 32, 1, ""]
    (site / BUILD_RECORD).write_text(json.dumps(record), encoding="utf-8")

    build(mini, site)

    assert not (site / "claim/gone").exists()
    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_a_rebuild_starts_from_the_folders_of_the_site_before_the_last(mini, built_mini,
                                                                       tmp_path):
    site = built_mini
    build(mini, site)  # the copied site's folders become the spare, emptied of files
    assert leftovers(tmp_path, "._site.") == []
    spare = spare_path(site)
    folder = "claim/byd-revenue"
    kept = _inode(spare, folder)
    # As if a claim published two builds ago were gone now: its folder is in the spare.
    (spare / "claim/gone/deeper").mkdir(parents=True)
    listed = json.loads((spare / SPARE_LIST).read_text("utf-8"))
    (spare / SPARE_LIST).write_text(json.dumps([*listed, "claim/gone",
                                                              "claim/gone/deeper"]))
    edit(mini / SOURCE, "No year is given.", "No year is stated.")

    build(mini, site)

    assert _inode(site, folder) == kept, "the folder was made again"
    assert not (site / "claim/gone").exists()
    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_a_file_edited_in_the_previous_site_is_never_reused(mini, built_mini, tmp_path):
    site = built_mini
    page, card = page_path("claim", "tesla-revenue-2022"), card_path("tesla-revenue-2022")
    good_page, good_card = (site / page).read_bytes(), (site / card).read_bytes()
    (site / page).write_bytes(good_page.replace(b"</body>", b"<p>hand-edited</p></body>"))
    (site / card).write_bytes(good_card + b"junk")

    build(mini, site)

    assert (site / page).read_bytes() == good_page
    assert (site / card).read_bytes() == good_card


def _damaged(record: dict) -> dict:
    return {"version": RECORD_VERSION, "files": {"x": 3}}


def _older(record: dict) -> dict:
    # As version 1 wrote it: no search mark, which this version would then take as "none".
    return {"version": 1, "files": {rel: entry[:3] for rel, entry in record["files"].items()}}


def _before_searched(record: dict) -> dict:
    # As version 2 wrote it: no hash of what Pagefind reads, which this version would take as
    # the whole page's.
    return {**record, "version": 2,
            "files": {rel: entry[:4] for rel, entry in record["files"].items()}}


@pytest.mark.parametrize("change", [_damaged, _older, _before_searched])
def test_a_damaged_or_older_record_means_a_full_rebuild(mini, built_mini, tmp_path, change):
    site = built_mini
    page = page_path("claim", "tesla-revenue-2022")
    before = _inode(site, page)
    record = json.loads((site / BUILD_RECORD).read_text("utf-8"))
    (site / BUILD_RECORD).write_text(json.dumps(change(record)), encoding="utf-8")

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


def test_a_rebuild_checks_only_the_pages_it_wrote_anew(mini, tmp_path, monkeypatch):
    import kb.build

    asked: list[set[str] | None] = []
    reviews: list[set[str] | None] = []
    real = kb.build.verify_site

    def recording(checked, site, written=None, only=None, made=None):
        asked.append(None if only is None else set(only))
        reviews.append(None if made is None else set(made))
        return real(checked, site, written, only, made)

    monkeypatch.setattr(kb.build, "verify_site", recording)
    site = tmp_path / "_site"
    first = build(mini, site)
    build(mini, site)
    edit(mini / SOURCE, "No year is given.", "No year is stated.")
    build(mini, site)

    assert asked[0] is None, "a first build checks every page"
    assert asked[1] == set(), "nothing changed, nothing to read again"
    assert page_path("claim", "byd-revenue") in asked[2]
    assert page_path("claim", "tesla-revenue-2022") not in asked[2], asked[2]
    # The DataFeed's reviews compared with the graph: those made anew, none copied from the
    # previous feed (tesla-revenue-2022's page key covers byd-revenue, which its page shows as
    # related, so its review is made again; its page, the same bytes, is linked).
    assert reviews == [set(first.checked.collection.claims), set(),
                       {"byd-revenue", "tesla-revenue-2022"}]


def test_a_changed_card_has_its_claim_page_checked():
    from kb.reuse import Previous, Written

    written = Written()
    written.add(card_path("c1"), "h1", 10, "k1", True)
    written.add(page_path("claim", "c2"), "h2", 20, "", True)
    written.add(page_path("claim", "c3"), "h3", 30, "", False)
    assert written.pages_to_check(Previous(Path("."))) == {page_path("claim", "c1"),
                                                          page_path("claim", "c2")}
    assert written.pages_to_check(Previous()) is None


# One edit of each kind of input a page shows: (file, text, replacement). Each must leave a
# rebuild that equals a fresh build, though most pages are linked by key without rendering.
EDITS = {
    "claim explanation": (SOURCE, "No year is given.", "No year is stated."),
    "claim confidence": (SOURCE, "confidence: 0.95", "confidence: 0.96"),
    "claim statement (shown on a related claim's page)": (
        SOURCE, "BYD's annual revenue is about", "BYD's yearly revenue is about"),
    "verdict (and a new finding, weakly sourced)": (
        SOURCE, "verdict: unverifiable", "verdict: misleading"),
    "entity label": ("entities.yaml", "label: {en: BYD, zh: 比亚迪}",
                     "label: {en: BYD Co., zh: 比亚迪}"),
    "document title": ("evidence/finance.yaml", "title: Tesla 10-K",
                       "title: Tesla annual report (10-K)"),
    "evidence time": ("evidence/finance.yaml", 'time: {period: "2022"}',
                      'time: {period: "2022", phrase: FY2022}'),
    "relation description": ("sources/mini-article/relations.yaml",
                             "The article implies Tesla out-earned BYD.",
                             "The article says Tesla earned more than BYD."),
    "site title": ("collection.yaml", "title: Mini collection", "title: Mini fact checks"),
    "reviewer name": ("collection.yaml", "name: Test desk", "name: The test desk"),
}


def _rendered(monkeypatch) -> list[set[str]]:
    """The pages each following build renders (the rest are linked unrendered, by key)."""
    import kb.render

    seen: list[set[str]] = []
    real = kb.render.Rendered.write_pages

    def recording(self, *args, **kwargs):
        written = real(self, *args, **kwargs)
        if kwargs.get("downloads") is False:
            seen.append(set())
        seen[-1] |= written.rendered
        return written

    monkeypatch.setattr(kb.render.Rendered, "write_pages", recording)
    return seen


@pytest.mark.parametrize("what", EDITS)
def test_after_any_edit_a_rebuild_equals_a_fresh_build(what, mini, built_mini, tmp_path):
    site = built_mini
    rel, old, new = EDITS[what]
    edit(mini / rel, old, new)

    build(mini, site)

    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_a_rebuild_renders_only_the_pages_whose_inputs_changed(mini, tmp_path, monkeypatch):
    site = tmp_path / "_site"
    rendered = _rendered(monkeypatch)
    build(mini, site)
    build(mini, site)
    assert len(rendered[0]) == len(list(site.rglob("index.html"))) + 1  # and 404.html
    assert rendered[1] == set(), "nothing changed, yet pages were rendered"
    # A line inserted above the claims moves them in the file: no page shows that.
    edit(mini / SOURCE, "- id: tesla-revenue-2022", "# reviewed twice\n- id: tesla-revenue-2022")
    build(mini, site)
    assert rendered[2] == set()

    edit(mini / "evidence/finance.yaml", "retrieved: 2026-11-28", "retrieved: 2026-11-29")
    build(mini, site)

    # The document's own page, its statement's and the claim citing it show the date, and so
    # may the pages about the whole site; BYD's entity page shows neither the document nor a
    # claim that cites it.
    shown = {page_path("document", "tesla-10k"), "evidence/tesla-revenue-2022-10k/index.html",
             page_path("claim", "tesla-revenue-2022")}
    assert shown <= rendered[3], shown - rendered[3]
    assert page_path("entity", "byd") not in rendered[3]
    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_an_edit_renders_only_the_page_of_a_long_list_that_shows_it(mini, tmp_path,
                                                                     monkeypatch):
    # One review a page: the mini's reviewer signs two, on two pages. Editing one claim's
    # statement redoes the page that lists it, not the reviewer's other page.
    small_pages(monkeypatch, 1)
    site = tmp_path / "_site"
    rendered = _rendered(monkeypatch)
    build(mini, site)
    reviews = {p for p in rendered[0] if p.startswith("reviewer/tester/")}
    assert len(reviews) == 2, reviews
    edit(mini / SOURCE, *EDITS["claim statement (shown on a related claim's page)"][1:])
    build(mini, site)
    assert len({p for p in rendered[1] if p.startswith("reviewer/tester/")}) == 1, rendered[1]
    build(mini, tmp_path / "fresh")
    assert_same_site(tmp_path / "fresh", site)


def test_a_page_key_covers_its_views_to_the_depth_pages_show_them():
    from dataclasses import dataclass, field

    from kb.reuse import Fingerprints

    @dataclass(frozen=True)
    class Model:
        id: str
        value: int
        origin: str = ""  # where it was read: no page shows it
        lines: dict = field(default_factory=dict, compare=False)

    @dataclass
    class View:
        id: str
        model: Model
        links: list = field(default_factory=list)

    def key(view: View, depth: int = 2) -> str:
        return Fingerprints((View,), depth).of([view])

    def chain(*values: int, origin: str = "") -> View:
        views = [View(f"v{n}", Model(f"m{n}", v, origin)) for n, v in enumerate(values)]
        for a, b in itertools.pairwise(views):
            a.links.append(b)
        views[-1].links.append(views[0])  # views link in loops: a claim and its related
        return views[0]

    base = key(chain(1, 2, 3, 4))
    assert key(chain(1, 2, 3, 4)) == base, "the same views, the same key"
    for changed in (chain(9, 2, 3, 4), chain(1, 9, 3, 4), chain(1, 2, 9, 4)):
        assert key(changed) != base, "a view's own data and its links' to depth 2 count"
    assert key(chain(1, 2, 3, 9)) == base, "three links away is not shown"
    assert key(chain(1, 2, 3, 4, origin="claims.yaml:9")) == base
    moved = chain(1, 2, 3, 4)
    object.__setattr__(moved.model, "lines", {"value": 12})
    assert key(moved) == base
    renamed = chain(1, 2, 3, 4)
    renamed.links[0].links[0].links[0].id = "other"
    assert key(renamed) != base, "a linked view's id counts even where its data does not"
    assert Fingerprints((View,), 2).of([{"b", "a"}]) == Fingerprints((View,), 2).of([{"a", "b"}])

    with pytest.raises(TypeError) as error:
        Fingerprints((View,), 2).of([object()])
    assert str(error.value) == ("kb.reuse cannot fingerprint a object; teach "
                                "Fingerprints._encode what it shows")


def test_views_digested_on_two_cores_give_the_keys_one_process_gives(seed, monkeypatch):
    """Fingerprints.prime: half the views' own data digested in a forked child."""
    from kb import reuse
    from kb.pipeline import check
    from kb.render import build_date, render_site

    checked = check(seed)

    def keys(workers: int) -> tuple[list[str], int]:
        monkeypatch.setenv("KB_JOBS", str(workers))
        rendered = render_site(checked, build_date(checked.collection))
        digested: list[object] = []  # the views whose own data is digested in this process
        fingerprints = rendered.fingerprints
        own = fingerprints._own_data

        def counted(view):
            if id(view) not in fingerprints._own:
                digested.append(view)
            return own(view)
        monkeypatch.setattr(fingerprints, "_own_data", counted)
        site_keys = rendered.site_keys()
        return [*site_keys, *(rendered.page_key(job, site_keys)
                              for job in rendered.pages)], len(digested)

    monkeypatch.setattr(reuse, "PRIME_VIEWS", 10)  # the seed's 275 views, on two cores
    alone, digested_alone = keys(1)
    shared, digested_here = keys(2)
    assert shared == alone and len(alone) > 300
    # Half the views digested in the child: their own data was not digested here again.
    assert digested_here < 0.6 * digested_alone
