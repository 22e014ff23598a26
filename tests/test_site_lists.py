"""Long lists split into pages: no page of the site grows with the collection.

The seed's lists all fit on one page of PAGE_SIZE rows, so these tests build it with pages of
ten rows (every module that reads the size is patched) and read the pages back: each list's
pages link each other, say where they are, and together list every claim once; the site
check holds them to the graph; a page too large to check is one clear problem; a site with
more pages than one sitemap may list gets a sitemap index; the feeds carry the newest reviews.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import SEED, edit
from generate import generate
from helpers import invoke, small_pages
from lxml import html as lxml_html

import kb.pages
import kb.render
import kb.siteverify
from kb.expr import references
from kb.layout import page_count
from kb.pages import Pager, build_site, paginate
from kb.pipeline import check
from kb.siteverify import verify_site
from kb.verdicts import WORST_FIRST

ROWS = 10  # rows a list page holds in these tests


def _small_pages(monkeypatch) -> None:
    small_pages(monkeypatch, ROWS)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """(checked, site) of the seed built with list pages of ROWS rows."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _small_pages(monkeypatch)
        claims = tmp_path_factory.mktemp("small") / "claims"
        shutil.copytree(SEED, claims, ignore=shutil.ignore_patterns(".kb"))
        out = claims.parent / "site"
        invoke("build", "--claims", str(claims), "--out", str(out))
        yield check(claims), out


@pytest.fixture
def small_copy(small, tmp_path, monkeypatch):
    """A copy of the small-pages site a test may tamper with, the page size still patched."""
    _small_pages(monkeypatch)
    checked, out = small
    site = tmp_path / "site"
    shutil.copytree(out, site)
    return checked, site


def problems(checked, site, only=None) -> list[str]:
    return [str(p) for p in verify_site(checked, site, only=only)]


def drop_first_row(page: Path) -> str:
    """Delete the first row of a list page's table; the id of what it listed."""
    row = re.search(r'<tr data-verdict="[^"]*" data-entities="[^"]*" data-item="([^"]*)">.*?'
                    r"</tr>\n", page.read_text("utf-8"), re.S)
    assert row is not None
    edit(page, row.group(0), "")
    return row.group(1)


def _tree(path: Path):
    return lxml_html.fromstring(path.read_bytes())


def _claims_url(n: int) -> str:
    return "claims/" if n == 1 else f"claims/page/{n}/"


def test_the_claims_list_is_split_into_pages_that_link_each_other(small):
    checked, out = small
    total = len(checked.collection.claims)
    pages = page_count(total)
    assert pages == 8  # 78 claims
    listed: list[str] = []
    for n in range(1, pages + 1):
        path = out / ("claims/index.html" if n == 1 else f"claims/page/{n}/index.html")
        tree = _tree(path)
        navs = tree.xpath("//nav[@class='pagination']")
        assert len(navs) == 2, "page links above and below the table"
        nav = navs[0]
        assert nav.get("aria-label") == "All claims, pages"
        assert nav.xpath("string(.//p)") == (
            f"Page {n} of {pages}: {(n - 1) * ROWS + 1}–{min(total, n * ROWS)} of {total}.")
        current = nav.xpath(".//a[@aria-current='page']")
        assert [a.text_content() for a in current] == [f"Page {n}"]
        prev, nxt = nav.xpath(".//a[@rel='prev']/@href"), nav.xpath(".//a[@rel='next']/@href")
        root = "../" * path.relative_to(out).as_posix().count("/")
        assert prev == ([] if n == 1 else [root + _claims_url(n - 1)])
        assert nxt == ([] if n == pages else [root + _claims_url(n + 1)])
        assert tree.findtext(".//title").startswith(f"All claims · page {n} of {pages} · ")
        rows = tree.xpath("//table[@id='claims-table']/tbody/tr")
        assert len(rows) == min(ROWS, total - (n - 1) * ROWS)
        numbers = [int(r.xpath("string(td[1])")) for r in rows]
        assert numbers == list(range((n - 1) * ROWS + 1, (n - 1) * ROWS + len(rows) + 1))
        listed += [r.get("data-item") for r in rows]
    assert sorted(listed) == sorted(checked.collection.claims), "every claim listed once"
    assert not (out / f"claims/page/{pages + 1}/index.html").exists()


def test_each_verdict_has_its_list_and_the_overview_links_them(small):
    checked, out = small
    claims = checked.collection.claims.values()
    for verdict in ("inaccurate", "misleading", "accurate"):
        want = sorted(c.id for c in claims if c.review.verdict == verdict)
        got: list[str] = []
        for n in range(1, page_count(len(want)) + 1):
            path = out / (f"claims/{verdict}/index.html" if n == 1
                          else f"claims/{verdict}/page/{n}/index.html")
            got += _tree(path).xpath("//table[@id='claims-table']/tbody/tr/@data-item")
        assert sorted(got) == want, verdict
    overview = _tree(out / "index.html")
    # The chart's bars and the overview's list of lists lead to each verdict's list.
    assert "claims/inaccurate/" in overview.xpath("//svg//a/@href")
    assert overview.xpath("//ul[@class='verdict-lists']//a/@href")[0] == "claims/inaccurate/"
    # The overview shows the first ROWS errors, worst first, and links the rest.
    errors = overview.xpath("//ol[@class='errors']/li")
    assert len(errors) == ROWS
    assert overview.xpath("//section[@aria-labelledby='errors-h']//a[.='the claims rated "
                          "inaccurate']/@href") == ["claims/inaccurate/"]
    assert not overview.xpath("//table[@id='claims-table']"), "the table moved to claims/"


def test_every_long_list_is_split_and_the_site_check_holds_it(small):
    checked, out = small
    # Pages 2 and on of the lists that are longer than ROWS rows in the seed.
    for path in ("findings/page/2/index.html", "evidence/page/2/index.html",
                 "entity/page/2/index.html", "entity/tesla/page/2/index.html",
                 "reviewer/kb-editors/page/2/index.html"):
        assert (out / path).is_file(), path
    biggest = max(len(_tree(p).xpath("//*[@data-item]"))
                  for p in out.rglob("page/*/index.html"))
    assert biggest <= ROWS
    assert problems(checked, out) == []


def test_a_missing_or_stray_list_page_or_row_fails_the_site_check(small_copy):
    checked, site = small_copy
    (site / "claims/page/3/index.html").unlink()
    (site / "claims/page/9").mkdir()
    shutil.copy(site / "claims/page/8/index.html", site / "claims/page/9/index.html")
    page2 = site / "claims/page/2/index.html"
    dropped = drop_first_row(page2)
    found = problems(checked, site)
    for want in (
            "claims/page/3/index.html: missing: page 3 of the 8 pages of the list claims/",
            "claims/page/9/index.html: its page links say page(s) 8 of 8, but it is page 9 "
            "of the list claims/",
            "claims/page/9/index.html: page 9 of the list claims/, which has 8 pages",
            f"claims/index.html: the list claims/ does not list {dropped}",
            "claims/page/2/index.html: broken link '../../../claims/page/3/': "
            "claims/page/3/index.html does not exist"):
        assert want in found, "\n".join(found)


def test_a_rebuild_reads_again_only_the_lists_with_a_page_it_wrote_anew(small_copy):
    checked, site = small_copy
    page2 = site / "claims/page/2/index.html"
    dropped = drop_first_row(page2)
    missing = f"claims/index.html: the list claims/ does not list {dropped}"
    # Nothing written anew: every list is as the build before checked it.
    assert missing not in problems(checked, site, only=set())
    # Another page of the list written anew: the whole list is read again.
    assert missing in problems(checked, site, only={"claims/page/5/index.html"})


def test_the_feeds_carry_the_newest_reviews_and_the_site_check_holds_them(small_copy):
    checked, site = small_copy
    site_url = checked.collection.config.site_url
    newest = sorted(checked.collection.claims.values(),
                    key=lambda c: (-c.review.date.toordinal(),
                                   WORST_FIRST.index(c.review.verdict), c.id))[:ROWS]
    atom = (site / "reviews.atom").read_text("utf-8")
    assert re.findall(r"<entry><id>(.*?)</id>", atom) == [
        f"{site_url}claim/{c.id}/" for c in newest]
    # An entry for an older review in place of the newest one is caught.
    older = sorted(set(checked.collection.claims) - {c.id for c in newest})[0]
    edit(site / "reviews.atom", f"<id>{site_url}claim/{newest[0].id}/</id>",
         f"<id>{site_url}claim/{older}/</id>")
    assert problems(checked, site) == [
        f"reviews.atom: does not list the review at {site_url}claim/{newest[0].id}/",
        f"reviews.atom: lists {site_url}claim/{older}/, which is not one of the site's "
        f"{ROWS} newest reviews"]


def test_a_page_too_large_to_check_is_one_clear_problem(small_copy, monkeypatch):
    checked, site = small_copy
    page = "entity/index.html"
    size = (site / page).stat().st_size
    monkeypatch.setattr(kb.siteverify, "MAX_PAGE_BYTES", size - 1)
    assert problems(checked, site, only={page}) == [
        f"{page}: page too large to check: {size / 1e6:.1f} MB, more than the "
        f"{(size - 1) / 1e6:.1f} MB a page may be; a list that grows with the collection "
        "must be split into pages"]


def test_the_xpath_limit_is_reported_as_a_page_too_large(monkeypatch):
    def fails(root):
        raise kb.siteverify.etree.XPathEvalError("unknown error")

    monkeypatch.setattr(kb.siteverify, "_IDS", fails)
    page = kb.siteverify.read_page("claims/index.html", b"<!DOCTYPE html><p id=a>x</p>")
    assert [str(p) for p in kb.siteverify.html_problems(page)] == [
        "claims/index.html: page too large to check: more nodes than libxml2's XPath can take "
        "(unknown error); a list that grows with the collection must be split into pages"]


def test_a_site_of_more_pages_than_a_sitemap_may_list_gets_a_sitemap_index(
        small_copy, monkeypatch):
    checked, site = small_copy
    monkeypatch.setattr(kb.render, "SITEMAP_URLS", 100)
    monkeypatch.setattr(kb.siteverify, "SITEMAP_URLS", 100)
    pages = [p.relative_to(site).as_posix() for p in site.rglob("*.html")
             if "pagefind" not in p.parts]
    files = kb.render.sitemaps(checked.collection.config.site_url, pages)
    parts = -(-(len(pages) - 2) // 100)  # not 404.html nor search/
    assert sorted(files) == sorted(["sitemap.xml", *(f"sitemap-{n}.xml"
                                                     for n in range(1, parts + 1))])
    for name, data in files.items():
        (site / name).write_bytes(data)
    index = files["sitemap.xml"].decode()
    assert index.count("<sitemap><loc>") == parts and "<sitemapindex" in index
    assert problems(checked, site) == []
    gone = re.search(r"<loc>([^<]*)</loc>", files["sitemap-2.xml"].decode()).group(1)
    edit(site / "sitemap-2.xml", f"<url><loc>{gone}</loc></url>\n", "")
    assert problems(checked, site) == [f"sitemap.xml: does not list the page {gone}"]


def test_a_page_s_links_to_other_pages_stay_few_however_long_the_list():
    # 100,000 claims in pages of 100: the page links of the 500th page are the first and the
    # last page and two either side, so a list page stays bounded however long its list.
    pager = Pager("claims/", 500, 1000, 100_000)
    assert pager.window == [1, None, 498, 499, 500, 501, 502, None, 1000]
    assert Pager("claims/", 1, 3, 250).window == [1, 2, 3]
    assert [(p.number, rows) for p, rows in paginate(list(range(5)), "x/")] == [(1, [0, 1, 2, 3,
                                                                                        4])]
    assert paginate([], "x/")[0][0].count == 1, "an empty list still has its (one) page"


# -- related claims: a claim page lists at most RELATED_SHOWN ------------------------------------

def _old_related(checked) -> dict[str, set[str]]:
    """Every claim's related claims as every page listed them before the cap: the claims of its
    subject and property, and those a relation or finding links to it."""
    claims = checked.collection.claims
    linked = _linked(checked)
    return {k: linked[k] | {i for i, o in claims.items() if i != k and
                            (o.subject, o.property) == (claim.subject, claim.property)}
            for k, claim in claims.items()}


def _linked(checked) -> dict[str, set[str]]:
    """The claims a relation or finding links to each claim."""
    c = checked.collection
    out: dict[str, set[str]] = {k: set() for k in c.claims}
    refs_of = [[r for r in references(rel.expression) if r in c.claims]
               for rel in c.relations.values()]
    refs_of += [[i for i in f.involves if i in c.claims]
                for f in checked.report.findings]
    for refs in refs_of:
        for r in refs:
            out[r].update(refs)
    return {k: v - {k} for k, v in out.items()}


def _views(checked) -> dict:
    return {cv.id: cv for cv in build_site(checked.collection, checked.report.findings,
                                           "2026-12-07").claims}


def test_a_small_group_lists_every_related_claim_as_before(small):
    checked, _ = small
    views, want = _views(checked), _old_related(checked)
    assert {k: ({o.id for o in cv.related}, cv.related_more) for k, cv in views.items()} == \
        {k: (v, 0) for k, v in want.items()}
    assert max(len(v) for v in want.values()) >= 4


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated collection: eight companies, each property stated for several years."""
    return check(generate(tmp_path_factory.mktemp("generated") / "claims", 400))


@pytest.mark.parametrize("shown", [2, 3])
@pytest.mark.parametrize("collection", ["seed", "generated"])
def test_a_large_group_lists_the_linked_claims_then_the_nearest_in_time(request, monkeypatch,
                                                                        shown, collection):
    monkeypatch.setattr(kb.pages, "RELATED_SHOWN", shown)
    checked = request.getfixturevalue("small")[0] if collection == "seed" else \
        request.getfixturevalue("generated")
    views, want = _views(checked), _old_related(checked)
    claims = checked.collection.claims
    order = {ident: n for n, ident in enumerate(views)}  # the site's order of claims
    links = _linked(checked)

    def when(i: str) -> tuple:
        time = claims[i].time
        return ((0, time.start.isoformat()) if time else (1, ""), order[i])

    capped = 0
    for k, cv in views.items():
        got = {o.id for o in cv.related}
        assert got <= want[k] and len(got) == min(shown, len(want[k])), k
        assert cv.related_more == len(want[k]) - len(got), k
        if not cv.related_more:
            continue
        capped += 1
        group = sorted((i for i, o in claims.items()
                        if (o.subject, o.property) == (claims[k].subject, claims[k].property)),
                       key=when)
        linked = links[k]
        assert (got <= linked) if len(linked) >= shown else (linked <= got), k
        here = group.index(k)
        steps = {i: abs(group.index(i) - here) for i in group if i != k}
        nearest = [steps[i] for i in got - linked]
        skipped = [steps[i] for i in set(group) - got - linked - {k}]
        assert not nearest or not skipped or max(nearest) <= min(skipped), (k, got)
    assert capped > 0


def test_a_figure_many_articles_state_lists_forty_related_claims_a_page(tmp_path):
    checked = check(generate(tmp_path / "one", kb.pages.RELATED_SHOWN + 25, one_figure=True))
    views = _views(checked)
    assert {(len(cv.related), cv.related_more) for cv in views.values()} == \
        {(kb.pages.RELATED_SHOWN, 24)}


# -- the claims citing one statement -------------------------------------------------------------

CITING = 25  # claims of one figure, each citing the one statement generate.py writes for it
BRIEF = 4  # CITED_SHOWN in these tests


@pytest.fixture(scope="module")
def cited(tmp_path_factory):
    """(checked, site, statement view) of CITING claims citing one statement, built with list
    pages of ROWS rows and at most BRIEF citing claims named on the evidence list."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _small_pages(monkeypatch)
        monkeypatch.setattr(kb.pages, "CITED_SHOWN", BRIEF)
        claims = generate(tmp_path_factory.mktemp("cited") / "claims", CITING, one_figure=True)
        out = claims.parent / "site"
        invoke("build", "--claims", str(claims), "--out", str(out))
        checked = check(claims)
        [ev] = checked.collection.evidence.values()
        yield checked, out, ev


def _citing_pages(out: Path, ev) -> list[Path]:
    return [out / "evidence" / ev.id / ("index.html" if n == 1 else f"page/{n}/index.html")
            for n in range(1, page_count(CITING) + 1)]


def test_a_statement_s_pages_list_every_claim_citing_it_once(cited):
    checked, out, ev = cited
    listed: list[str] = []
    for n, path in enumerate(_citing_pages(out, ev), 1):
        tree = _tree(path)
        rows = tree.xpath("//table//tr[@data-item]/@data-item")
        assert 0 < len(rows) <= ROWS, (path, rows)
        listed += rows
        [nav] = tree.xpath("//nav[@class='pagination'][1]")
        assert (nav.get("data-page"), nav.get("data-pages")) == (str(n), str(page_count(CITING)))
    assert sorted(listed) == sorted(checked.collection.claims), listed
    assert not (out / "evidence" / ev.id / f"page/{page_count(CITING) + 1}").exists()
    assert problems(checked, out) == []


def test_the_evidence_list_and_the_document_name_a_few_citing_claims(cited):
    _, out, ev = cited
    for page, at in ((out / "evidence/index.html", "../"),
                     (out / "document" / ev.document / "index.html", "../../")):
        [item] = _tree(page).xpath(f"//li[@id='ev-{ev.id}']")
        claims = item.xpath(".//a[starts-with(@href, '" + at + "claim/')]")
        assert len(claims) == BRIEF, (page, [a.get("href") for a in claims])
        [more] = item.xpath(".//a[contains(., 'more')]")
        assert (more.text, more.get("href")) == (f"{CITING - BRIEF} more",
                                                 f"{at}evidence/{ev.id}/"), page


def test_a_statement_page_that_leaves_out_a_citing_claim_fails_the_site_check(cited, tmp_path,
                                                                            monkeypatch):
    _small_pages(monkeypatch)
    checked, out, ev = cited
    site = tmp_path / "site"
    shutil.copytree(out, site)
    page2 = site / "evidence" / ev.id / "page/2/index.html"
    dropped = drop_first_row(page2)
    assert problems(checked, site) == [
        f"evidence/{ev.id}/index.html: the list evidence/{ev.id}/ does not list {dropped}"]
