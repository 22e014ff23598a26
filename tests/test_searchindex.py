"""The search index in parts: pages split stably, each part indexed by a Pagefind service,
unchanged parts copied from the previous site, the same bytes either way, and a browser that
merges the parts finds pages in every one of them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import lxml.etree
import lxml.html
import pytest
from helpers import serving, shared_folder

from kb import searchindex
from kb.parallel import BEHIND_THE_CHECK
from kb.reuse import digest, read_previous
from kb.searchindex import (
    INDEX_DIR,
    LANGUAGE,
    MANIFEST,
    PART_PAGES,
    UNSEARCHED,
    SearchIndexFailed,
    canonicalise,
    indexed_pages,
    pagefind_binary,
    part_count,
    part_of,
    searched_digest,
    split,
    start_index,
)
from kb.serve import make_server
from kb.verdicts import LABELS

SMALL = 20  # pages per part in these tests, so that the seed's 183 pages make ten parts


def paths(n: int) -> list[str]:
    return [f"claim/c{i:05d}/index.html" for i in range(n)]


def test_part_count_grows_with_the_pages():
    assert [part_count(n) for n in (0, 1, PART_PAGES, PART_PAGES + 1, 10_000)] == [1, 1, 1, 2, 20]
    assert part_count(101, 20) == 6


def test_one_more_part_moves_pages_from_one_part_only():
    pages = paths(5000)
    for n in range(1, 70):
        before = {p: part_of(p, n) for p in pages}
        after = {p: part_of(p, n + 1) for p in pages}
        assert set(before.values()) == set(range(n)) and set(after.values()) == set(range(n + 1))
        moved = Counter((before[p], after[p]) for p in pages if before[p] != after[p])
        split_part = n - (1 << (n.bit_length() - 1))  # the part linear hashing splits next
        assert set(moved) == {(split_part, n)}, (n, moved)


def test_parts_hold_at_most_about_twice_the_average():
    for n in (999, 10_000, 23_456):
        sizes = Counter(part_of(p, part_count(n)) for p in paths(n))
        assert max(sizes.values()) <= 2.3 * PART_PAGES, (n, max(sizes.values()))
        assert sum(sizes.values()) == n


def test_a_grouped_page_goes_into_the_part_of_the_page_it_names():
    pages = dict.fromkeys(paths(3000), "h")
    source = "source/s1/index.html"
    groups = {path: source for path in paths(40)}
    parts = split({**pages, source: "h"}, 100, groups)
    home = part_of(source, len(parts))
    assert set(groups) <= parts[home].keys()
    assert {path: n for n, part in enumerate(parts) for path in part if path not in groups} \
        == {path: part_of(path, len(parts)) for path in [*paths(3000)[40:], source]}


def test_a_claim_s_page_is_indexed_with_its_source_s_unless_the_source_has_many(seed,
                                                                             monkeypatch):
    from kb import build
    from kb.layout import page_path
    from kb.load import load

    c = load(seed)
    assert build.search_groups(c) == {page_path("claim", ident):
                                      page_path("source", claim.source)
                                      for ident, claim in c.claims.items()}
    per_source = Counter(claim.source for claim in c.claims.values())
    largest, most = per_source.most_common(1)[0]
    monkeypatch.setattr(build, "GROUPED_CLAIMS", most - 1)
    assert build.search_groups(c) == {page_path("claim", ident):
                                      page_path("source", claim.source)
                                      for ident, claim in c.claims.items()
                                      if per_source[claim.source] < most}
    assert not any(claim.source == largest for claim in c.claims.values()
                   if page_path("claim", claim.id) in build.search_groups(c))


def write(site: Path, rel: str, html: str) -> None:
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_text(html, encoding="utf-8")


def test_indexed_pages_are_those_marking_their_body(tmp_path):
    write(tmp_path, "claim/a/index.html", "<html><article data-pagefind-body>A</article></html>")
    write(tmp_path, "entity/b/index.html", '<main><div class="x" data-pagefind-body>B</div>')
    write(tmp_path, "index.html", "<p>about data-pagefind-body and <b>data-pagefind-body</b></p>")
    write(tmp_path, f"{INDEX_DIR}/x/index.html", "<article data-pagefind-body>no</article>")
    write(tmp_path, "claim/a/claim.ttl", "<a> <b> <c> .")
    found = indexed_pages(tmp_path)
    assert list(found) == ["claim/a/index.html", "entity/b/index.html"]
    # With no page marking a body, Pagefind indexes every page whole, and so do the parts.
    shutil.rmtree(tmp_path / "claim")
    shutil.rmtree(tmp_path / "entity")
    assert list(indexed_pages(tmp_path)) == ["index.html"]


def listed_pages(site: Path) -> dict[str, tuple[str, bool]]:
    """The site's pages as its build record lists them, as kb build tells the indexer."""
    return {rel: (e.searched or e.hash, e.marked)
            for rel, e in read_previous(site).entries.items() if rel.endswith(".html")}


def test_the_pages_the_build_lists_are_the_pages_as_read(seed_site):
    # kb build tells the indexing process each page's hash and search mark (from the page
    # workers, or the record for a page linked from the previous site) instead of it reading
    # the pages: the same pages, hashes and marks as reading them gives, none missing.
    listed = listed_pages(seed_site.out)
    assert sum(marked for _, marked in listed.values()) > 100, "the seed's pages mark bodies"
    assert indexed_pages(seed_site.out, listed) == indexed_pages(seed_site.out)


def test_listed_pages_are_those_marking_their_body(tmp_path):
    listed = {"claim/a/index.html": ("1", True), "index.html": ("2", False),
              f"{INDEX_DIR}/index.html": ("3", True), f"{INDEX_DIR}/x/index.html": ("4", True)}
    assert indexed_pages(tmp_path, listed) == {"claim/a/index.html": "1"}
    unmarked = {rel: (h, False) for rel, (h, _) in listed.items()}
    assert indexed_pages(tmp_path, unmarked) == {"claim/a/index.html": "1", "index.html": "2"}


def test_the_indexer_runs_behind_the_site_check(tmp_path):
    # The build checks the site while Pagefind indexes it: the check gets the cores first.
    indexing = start_index(tmp_path)
    try:
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        want = min(19, ours + BEHIND_THE_CHECK)
        assert os.getpriority(os.PRIO_PROCESS, indexing.proc.pid) == want
        assert os.sched_getscheduler(indexing.proc.pid) == os.SCHED_IDLE
    finally:
        indexing.stop()


@pytest.mark.parametrize("threshold", [0, searchindex.THREAD_CLAIMS], ids=["process", "thread"])
def test_a_build_failing_before_its_pages_are_indexed_ends_its_indexing(mini, tmp_path,
                                                                         monkeypatch, threshold):
    """The build starts the indexing before it renders (Pagefind is ready when the pages are);
    a build that fails before sending it the pages does not leave it waiting, in a process of
    its own (a large site) or in a thread (a small one)."""
    import kb.build

    monkeypatch.setattr(searchindex, "THREAD_CLAIMS", threshold)
    started: list[searchindex.Indexing] = []
    prepare = kb.build.prepare_index
    monkeypatch.setattr(kb.build, "prepare_index",
                        lambda *args, **kw: started.append(prepare(*args, **kw)) or started[-1])

    def broken(*args, **kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kb.build, "render_site", broken)
    with pytest.raises(kb.build.OutputFailed, match="No space left"):
        kb.build.build(mini, tmp_path / "site")
    [indexing] = started
    assert isinstance(indexing, searchindex.IndexingThread if threshold else
                      searchindex.IndexingProcess)
    assert not indexing.running(), "the indexing was left running"


def test_a_small_site_is_indexed_in_a_thread_by_a_service_kept_warm_between_builds(
        mini, tmp_path, monkeypatch):
    """A build of a small site indexes it in a thread of its own process, through a Pagefind
    service the process keeps for its next build; the index is the one the indexing process
    makes, and a kept service that died is replaced."""
    import kb.build

    def built(name: str) -> dict[str, bytes]:
        kb.build.build(mini, tmp_path / name)
        return files(tmp_path / name / INDEX_DIR)

    searchindex._end_warm()
    monkeypatch.setattr(searchindex, "THREAD_CLAIMS", 0)
    by_process = built("process")
    assert searchindex._WARM == [], "the indexing process keeps no service in this one"
    monkeypatch.setattr(searchindex, "THREAD_CLAIMS", 10_000)
    assert built("first") == by_process
    [kept] = searchindex._WARM
    assert os.sched_getscheduler(kept.proc.pid) == os.SCHED_IDLE, "it yields to the site check"
    assert built("second") == by_process
    assert [s.proc.pid for s in searchindex._WARM] == [kept.proc.pid], \
        "the second build did not use the service kept warm"
    child = os.fork()
    if child == 0:  # a forked child ending as an interpreter does must leave it to its parent
        searchindex._end_warm()
        os._exit(0)
    os.waitpid(child, 0)
    assert kept.proc.poll() is None
    kept.proc.kill()
    kept.proc.wait()
    assert built("third") == by_process
    [replaced] = searchindex._WARM
    assert replaced is not kept and replaced.proc.poll() is None
    searchindex._end_warm()
    assert replaced.proc.poll() is not None


def test_a_failing_pagefind_fails_a_small_site_s_build_with_one_line(mini, tmp_path,
                                                                     monkeypatch):
    import kb.build

    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: cannot read the dictionary' >&2\nexit 3\n",
                    encoding="utf-8")
    fake.chmod(0o755)
    searchindex._end_warm()
    monkeypatch.setattr(searchindex, "pagefind_binary", lambda: fake)
    with pytest.raises(SearchIndexFailed) as err:
        kb.build.build(mini, tmp_path / "site")
    assert str(err.value) == "Pagefind failed (exit 3) on its start: Error: cannot read the " \
                             "dictionary"
    assert searchindex._WARM == [] and not (tmp_path / "site").exists()


def test_a_site_without_pages_fails_with_one_line(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(SearchIndexFailed) as err:
        start_index(tmp_path).wait()
    assert str(err.value) == f"{tmp_path}: no page to index"


# -- with Pagefind --------------------------------------------------------------------------------


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def bare_copy(site: Path, dest: Path) -> Path:
    """A copy of a built site without its search index."""
    shutil.copytree(site, dest, ignore=shutil.ignore_patterns(INDEX_DIR))
    return dest


def index(site: Path, previous: Path | None = None):
    return start_index(site, previous, part_pages=SMALL).wait()


@pytest.fixture(scope="module")
def parted(seed_site, tmp_path_factory) -> Path:
    """The seed site indexed in parts of SMALL pages, from scratch (once a run: shared by the
    test workers)."""
    def make(folder: Path) -> None:
        done = index(bare_copy(seed_site.out, folder / "site"))
        assert (done.pages, done.parts, done.reused) == (183, 10, ())

    return shared_folder(tmp_path_factory, "parted", make)[0] / "site"


def test_parts_are_listed_and_laid_out(parted):
    manifest = json.loads((parted / INDEX_DIR / MANIFEST).read_text(encoding="utf-8"))
    parts = manifest["parts"]
    assert [p["part"] for p in parts] == list(range(10))
    assert [p["place"] for p in parts] == [""] + [f"part/{n:04d}" for n in range(1, 10)]
    assert sum(p["pages"] for p in parts) == 183
    on_disk = files(parted / INDEX_DIR)
    for p in parts:
        prefix = f"{p['place']}/" if p["place"] else ""
        entry = json.loads(on_disk[f"{prefix}pagefind-entry.json"])
        assert entry["languages"]["zh"]["page_count"] == p["pages"], p
    # Pagefind's scripts once, at the top; a part holds only its index.
    assert [f for f in on_disk if f.endswith("pagefind.js")] == ["pagefind.js"]
    assert not any(f.startswith(".work") for f in on_disk)


def test_an_unchanged_site_copies_every_part(parted, tmp_path):
    site = bare_copy(parted, tmp_path / "site")
    before = files(parted)
    # The pages listed, as kb build lists them, give the parts reading them gave.
    done = start_index(site, parted, part_pages=SMALL, pages=listed_pages(site)).wait()
    assert (done.indexed, done.reused) == ((), tuple(range(10)))
    assert files(site / INDEX_DIR) == files(parted / INDEX_DIR)
    assert files(parted) == before  # nothing written outside the new site


def test_an_edit_indexes_only_its_part_and_gives_the_index_a_fresh_build_gives(parted, tmp_path):
    site = bare_copy(parted, tmp_path / "site")
    page = "claim/tesla-revenue-2022/index.html"
    html = (site / page).read_text(encoding="utf-8")
    (site / page).write_text(html.replace("</article>", "<p>zqxedited</p></article>"),
                             encoding="utf-8")
    done = index(site, previous=parted)
    assert done.indexed == (part_of(page, 10),)
    fresh = bare_copy(site, tmp_path / "fresh")
    assert index(fresh).indexed == tuple(range(10))
    assert files(site / INDEX_DIR) == files(fresh / INDEX_DIR)
    assert files(site / INDEX_DIR) != files(parted / INDEX_DIR)


def test_an_edit_pagefind_does_not_read_indexes_no_part_and_changes_no_index_file(parted,
                                                                                  tmp_path):
    # An entity page's table of claims lies in a region marked data-pagefind-ignore="all"
    # between the UNSEARCHED comments: what is written there reaches no index file, so a part
    # whose pages changed only there is copied, as indexing it again would give it.
    site = bare_copy(parted, tmp_path / "site")
    page = "entity/tesla/index.html"
    html = (site / page).read_text(encoding="utf-8")
    start, end = UNSEARCHED
    assert html.count(start) == html.count(end) == 1, "the seed's entity page has its region"
    edited = html.replace(start, start + '<h2 id="zqx">zqxedited</h2><p data-pagefind-filter='
                          '"verdict:zqx" data-pagefind-meta="image:zqx.png">zqxedited</p>')
    (site / page).write_text(edited, encoding="utf-8")
    assert index(site, previous=parted).indexed == ()
    fresh = bare_copy(site, tmp_path / "fresh")
    assert index(fresh).indexed == tuple(range(10))
    assert files(fresh / INDEX_DIR) == files(site / INDEX_DIR) == files(parted / INDEX_DIR)
    # Outside the region, the same edit is read, and its part is indexed again.
    (fresh / page).write_text(html.replace(end, end + "<p>zqxedited</p>"), encoding="utf-8")
    outside = bare_copy(fresh, tmp_path / "outside")
    assert index(outside, previous=parted).indexed == (part_of(page, 10),)


def test_the_hash_of_what_pagefind_reads_leaves_out_the_unsearched_regions():
    start, end = (mark.encode() for mark in UNSEARCHED)
    page = b"<p>a</p><div data-pagefind-ignore=all>" + start + b"<p>b</p>" + end + b"</div>"
    assert searched_digest(page) == searched_digest(page.replace(b"<p>b</p>", b"<p>c</p>"))
    assert searched_digest(page) != searched_digest(page.replace(b"<p>a</p>", b"<p>c</p>"))
    assert searched_digest(page) == digest(page.replace(start + b"<p>b</p>" + end, b""))
    twice = page + page.replace(b"<p>b</p>", b"<p>d</p>")
    assert searched_digest(twice) == digest(
        (page.replace(start + b"<p>b</p>" + end, b"")) * 2)
    # A region left open is read whole, as Pagefind would read what follows its start.
    unclosed = page.replace(end, b"")
    assert searched_digest(unclosed) == digest(unclosed)
    assert searched_digest(b"<p>a</p>") == digest(b"<p>a</p>")
    assert searched_digest(b"<p>a</p>", "given") == "given"


def test_every_unsearched_region_is_the_whole_of_an_element_pagefind_ignores(seed_site):
    # What the hash leaves out must be what Pagefind leaves out: the comments are the first and
    # last nodes of one element marked data-pagefind-ignore="all".
    start, end = (mark[4:-3] for mark in UNSEARCHED)
    regions, ends = 0, 0
    for path in sorted(seed_site.out.rglob("*.html")):
        if UNSEARCHED[0] not in path.read_text(encoding="utf-8"):
            continue
        tree = lxml.html.parse(str(path))
        for comment in tree.iter(lxml.etree.Comment):
            ends += comment.text == end
            if comment.text == start:
                regions += 1
                parent = comment.getparent()
                assert parent.get("data-pagefind-ignore") == "all", path
                assert parent[0] is comment and not (parent.text or "").strip(), path
                assert parent[-1].tag is lxml.etree.Comment and parent[-1].text == end, path
                assert not (parent[-1].tail or "").strip(), path
    assert regions == ends >= 3, "the seed's entity pages have their regions"


def test_a_damaged_previous_part_is_indexed_again(parted, tmp_path):
    previous = shutil.copytree(parted, tmp_path / "previous")
    manifest = json.loads((previous / INDEX_DIR / MANIFEST).read_text(encoding="utf-8"))
    [fragment, *_] = sorted((previous / INDEX_DIR / "part" / "0003" / "fragment").iterdir())
    fragment.write_bytes(b"damaged")
    (previous / INDEX_DIR / "part" / "0005" / "pagefind-entry.json").unlink()
    site = bare_copy(parted, tmp_path / "site")
    done = index(site, previous=previous)
    assert done.indexed == (3, 5)
    assert files(site / INDEX_DIR) == files(parted / INDEX_DIR)
    # A previous index made another way (another manifest format) is not reused at all.
    manifest["format"] = 0
    (previous / INDEX_DIR / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    again = bare_copy(parted, tmp_path / "again")
    assert index(again, previous=previous).reused == ()


def test_a_previous_part_rewritten_in_place_is_indexed_again(parted, tmp_path):
    # The same number of bytes, written after the previous manifest: its time gives it away.
    previous = shutil.copytree(parted, tmp_path / "previous")
    [fragment, *_] = sorted((previous / INDEX_DIR / "part" / "0002" / "fragment").iterdir())
    fragment.write_bytes(bytes(len(fragment.read_bytes())))
    site = bare_copy(parted, tmp_path / "site")
    assert index(site, previous=previous).indexed == (2,)
    assert files(site / INDEX_DIR) == files(parted / INDEX_DIR)


def test_the_service_s_parts_are_those_pagefind_s_command_line_writes(parted, tmp_path):
    # Each part of the parted index against bare Pagefind run on that part's pages alone.
    parts = split(indexed_pages(parted), SMALL)
    manifest = json.loads((parted / INDEX_DIR / MANIFEST).read_text(encoding="utf-8"))
    for record in manifest["parts"][:3]:
        tree, out = tmp_path / f"tree-{record['part']}", tmp_path / f"out-{record['part']}"
        for page in parts[record["part"]]:
            (tree / page).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(parted / page, tree / page)
        subprocess.run([pagefind_binary(), "--site", tree, "--output-path", out,
                        "--force-language", LANGUAGE, "--silent"], check=True)
        canonicalise(out)
        assert part_files(out) and \
            part_files(out) == part_files(parted / INDEX_DIR / record["place"]), record


def part_files(folder: Path) -> dict[str, bytes]:
    """The files of the part in folder (not Pagefind's scripts, nor other parts), by path."""
    return {rel: (folder / rel).read_bytes()
            for rel, _ in searchindex._listing(folder, searchindex._part_names(folder))}


def test_a_failing_pagefind_stops_the_index_with_one_line(parted, tmp_path, monkeypatch):
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: cannot read the dictionary' >&2\nexit 3\n",
                    encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(searchindex, "pagefind_binary", lambda: fake)
    site = bare_copy(parted, tmp_path / "site")
    with pytest.raises(SearchIndexFailed) as err:
        searchindex.build_index(site, part_pages=SMALL)
    assert str(err.value) in {f"Pagefind failed (exit 3) on part {n}: Error: cannot read the "
                              "dictionary" for n in range(10)}
    assert not (site / INDEX_DIR / ".work").exists()


def test_split_is_the_same_for_the_same_pages(parted):
    pages = indexed_pages(parted)
    assert split(pages, SMALL) == split(dict(reversed(list(pages.items()))), SMALL)


# -- in the browser -------------------------------------------------------------------------------


def test_part_trees_in_a_tmpfs_give_the_index_trees_on_disk_give(mini_site, tmp_path,
                                                                  monkeypatch):
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(searchindex, "MEMORY_DIR", memory)
    linked = bare_copy(mini_site[1], tmp_path / "linked")
    searchindex.build_index(linked, part_pages=4)
    assert list(memory.iterdir()) == [], "the trees in the tmpfs are removed"
    monkeypatch.setattr(searchindex, "MEMORY_DIR", tmp_path / "no-tmpfs")
    on_disk = bare_copy(mini_site[1], tmp_path / "on-disk")
    done = searchindex.build_index(on_disk, part_pages=4)
    assert done.parts > 1
    assert files(linked / INDEX_DIR) == files(on_disk / INDEX_DIR)


def test_the_trees_a_killed_indexing_process_left_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(searchindex, "MEMORY_DIR", tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = tmp_path / f"{searchindex.TREE_PREFIX}{dead.pid}-abc"
    (left / "0001/claim/x").mkdir(parents=True)
    (left / "0001/claim/x/index.html").symlink_to(tmp_path / "gone")
    running = tmp_path / f"{searchindex.TREE_PREFIX}{os.getpid()}-def"
    running.mkdir()
    searchindex._remove_orphans()
    assert sorted(p.name for p in tmp_path.iterdir()) == [running.name]


@pytest.mark.browser
def test_a_query_finds_pages_in_every_part(parted, seed_site, browser):
    problems: list[str] = []
    page = browser.new_page()
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    with serving(make_server(parted, port=0, quiet=True)) as server:
        claims = seed_site.checked.collection.claims.values()
        found: set[str] = set()
        # The first verdict comes from the address, the others from the page's form: the
        # parts are merged once (a reload merges all ten again, about 1 s of Chromium's CPU).
        for n, verdict in enumerate(sorted({c.review.verdict for c in claims})):
            want = {f"/claim/{c.id}/" for c in claims if c.review.verdict == verdict}
            hrefs = search_hrefs(page, server.url, f"verdict={quote(LABELS[verdict])}") \
                if n == 0 else search_again(page, verdict=LABELS[verdict])
            assert set(hrefs) == want, (verdict, sorted(set(hrefs) ^ want))
            found |= set(hrefs)
        parts_found = {part_of(f"{h.strip('/')}/index.html", 10) for h in found}
        assert parts_found == set(range(10)), sorted(parts_found)
        # A word search merges the parts too: Tesla's pages sit in several of them.
        tesla = search_again(page, q="特斯拉", verdict="")
        assert "/entity/tesla/" in tesla
        assert len({part_of(f"{h.strip('/')}/index.html", 10) for h in tesla}) > 1
        assert problems == []
    page.close()


def search_hrefs(page, origin: str, query: str) -> list[str]:
    page.goto(f"{origin}search/?{query}")
    return found_hrefs(page)


def search_again(page, q: str = "", verdict: str = "") -> list[str]:
    """Search from the open search page's form, as a reader does, without a reload."""
    page.fill("#search-q", q)
    page.select_option("#search-verdict", verdict)
    page.evaluate("document.getElementById('search-status').textContent = ''")
    page.press("#search-q", "Enter")
    hrefs = found_hrefs(page)
    wanted = {"q": q, "verdict": verdict}
    assert {k: v for k, v in parse_qsl(urlsplit(page.url).query, keep_blank_values=True)
            if k in wanted} == wanted, page.url  # the address keeps the search
    return hrefs


def found_hrefs(page) -> list[str]:
    page.wait_for_function(
        "document.getElementById('search-status').textContent.includes('result')")
    return [a.get_attribute("href") for a in page.locator("#search-results li > a").all()]


def test_damaged_previous_scripts_are_made_again(parted, tmp_path):
    previous = shutil.copytree(parted, tmp_path / "previous")
    (previous / INDEX_DIR / "pagefind.js").write_text("damaged", encoding="utf-8")
    site = bare_copy(parted, tmp_path / "site")
    done = index(site, previous=previous)
    assert done.indexed == (0,)  # the scripts come with a part's run
    assert files(site / INDEX_DIR) == files(parted / INDEX_DIR)
