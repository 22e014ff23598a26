"""The site as readers use it (issue 14): corrections first, on any screen, in both languages.

Each test checks one thing a reader relies on, on the seed site built once: a wrong claim is
never a page's headline, the errors come first, the verdict fits a phone, Chinese search finds
every page about a name, confidence cannot be misread, numbers read as an editor writes them,
findings say whom they are against, and a review opens in place in the annotated article.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import AXE, axe_violations, edit
from helpers import DESK, PAGE_KINDS, copy_of_site, serving
from lxml import etree

from kb.figures import chance_text
from kb.pages import COMPARING_KINDS
from kb.serve import make_server
from kb.siteverify import verify_site
from kb.verdicts import CORRECTED, LABELS, WORST_FIRST

PHONE = {"width": 375, "height": 800}


@pytest.fixture(scope="module")
def seed(seed_site):
    """(site folder, checked collection) of the session's seed site; tests change copies."""
    return seed_site.out, seed_site.checked


@pytest.fixture(scope="module")
def served(seed):
    """The seed site served on 127.0.0.1: (base url, checked)."""
    out, checked = seed
    with serving(make_server(out, port=0, quiet=True)) as server:
        yield server.url, checked



def page_tree(path: Path):
    return etree.fromstring(path.read_bytes(), etree.HTMLParser())


def text_of(el) -> str:
    return " ".join("".join(el.itertext()).split())


def head(tree) -> tuple[str, str, str]:
    """(title, meta description, h1) of a page."""
    title = text_of(tree.find(".//head/title"))
    description = tree.find(".//head/meta[@name='description']").get("content")
    [h1] = tree.findall(".//h1")
    return title, description, text_of(h1)


def corrected(checked):
    return [c for c in checked.collection.claims.values() if c.review.verdict in CORRECTED]


# -- 1. a wrong claim is never the headline -------------------------------------------------------


def test_wrong_claims_pages_lead_with_verdict_and_correction(seed):
    out, checked = seed
    wrong = corrected(checked)
    assert len(wrong) >= 10
    for claim in wrong:
        label = LABELS[claim.review.verdict]
        tree = page_tree(out / "claim" / claim.id / "index.html")
        title, description, h1 = head(tree)
        for where, text in (("title", title), ("description", description), ("h1", h1)):
            assert text.startswith(f"{label}: "), (claim.id, where, text)
            assert not text[len(label) + 2:].startswith(claim.statement), (claim.id, where)
        assert claim.review.correction, f"{claim.id} has no correction"
        assert h1 == f"{label}: {claim.review.correction}"
        [review] = [s for s in tree.iter("script") if s.get("type") == "application/ld+json"]
        assert f'"headline": "{label}: ' in review.text


def test_a_page_headlining_the_wrong_claim_fails_the_site_check(seed, tmp_path):
    out, checked = seed
    site = copy_of_site(out, tmp_path)
    claim = checked.collection.claims["tesla-highest-revenue-year"]
    page = site / "claim" / claim.id / "index.html"
    edit(page, "Inaccurate: Tesla&#39;s highest-revenue year was 2024, not 2022.</h1>",
         f"{claim.statement}</h1>")
    problems = [str(p) for p in verify_site(checked, site)]
    assert problems == [
        f"claim/{claim.id}/index.html: claim {claim.id}: H1 is [\"{claim.statement}\"], the "
        "review's headline is \"Inaccurate: Tesla's highest-revenue year was 2024, not 2022.\""]


# -- 2. the errors come first; filters in the URL; worst first; charts are links --------------


def test_home_and_article_pages_lead_with_the_errors_worst_first(seed):
    out, checked = seed
    wrong = corrected(checked)
    for path, before in (("index.html", 'id="count-all-claims"'),
                         (f"source/{next(iter(checked.collection.sources))}/index.html",
                          "SHA-256")):
        html = (out / path).read_text("utf-8")
        tree = page_tree(out / path)
        [errors] = tree.findall(".//ol[@class='errors']")
        links = [a.get("href").rstrip("/").rsplit("/", 1)[-1] for a in errors.iter("a")
                 if re.search(r"(^|/)claim/", a.get("href"))]
        assert sorted(links) == sorted(c.id for c in wrong), path
        verdicts = [checked.collection.claims[i].review.verdict for i in links]
        assert verdicts == sorted(verdicts, key=WORST_FIRST.index), path
        assert html.index('class="errors"') < html.index(before), path
        assert html.index('class="errors"') < html.index("<svg") if "<svg" in html else True


def test_charts_bars_are_links_to_what_they_count(seed):
    out, checked = seed
    tree = page_tree(out / "index.html")
    bars = {}
    for a in tree.iter("a"):
        count = [t for t in a.iter("text") if (t.get("id") or "").startswith("count-")]
        if count:
            bars[count[0].get("id")] = a.get("href")
    for verdict in WORST_FIRST:  # each verdict's list of claims, a page of its own
        assert bars[f"count-verdict-{verdict}"] == f"claims/{verdict}/"
        assert (out / f"claims/{verdict}/index.html").is_file()
    subjects = {c.subject for c in checked.collection.claims.values()}
    for ident in subjects:
        assert bars[f"count-entity-{ident}"] == f"entity/{ident}/"


@pytest.mark.browser
def test_filters_and_sort_live_in_the_url_and_verdict_sorts_worst_first(served, browser):
    origin, checked = served
    claims = checked.collection.claims.values()
    page = browser.new_page()
    page.goto(f"{origin}?verdict=misleading#all-claims")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#claims-table tbody tr:visible")
    assert rows.count() == sum(1 for c in claims if c.review.verdict == "misleading")
    assert page.locator("#filter-verdict").input_value() == "misleading"
    page.select_option("#filter-verdict", "inaccurate")
    assert "verdict=inaccurate" in page.url
    page.select_option("#filter-verdict", "")
    assert "verdict=" not in page.url
    page.get_by_role("button", name="Verdict").click()
    order = [r.get_attribute("data-verdict") for r in
             page.locator("#claims-table tbody tr").all()]
    assert order == sorted(order, key=WORST_FIRST.index) and order[0] == "inaccurate"
    assert "sort=verdict" in page.url
    page.reload()
    page.wait_for_load_state("networkidle")
    first = page.locator("#claims-table tbody tr").first.get_attribute("data-verdict")
    assert first == "inaccurate", "the sort order is restored from the URL"
    page.close()


# -- 3. on a phone the verdict is visible ---------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", "entity/tesla/", "source/tesla-dojo-commentary/",
                                  "claim/tesla-highest-revenue-year/", "findings/",
                                  "finding/dojo-a100-count-vs-exapod/"])
def test_verdicts_and_findings_fit_a_375px_phone(served, browser, path):
    origin, _ = served
    page = browser.new_page(viewport=PHONE)
    page.goto(origin + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    boxes = page.evaluate("""() => [...document.querySelectorAll(
        'td.verdict-cell, .claim-box .verdict, table.arithmetic td')].map(el => {
        const r = el.getBoundingClientRect();
        return [el.textContent.trim().slice(0, 40), r.left, r.right, r.width];
    })""")
    assert boxes or path in ("findings/",), "the page shows verdicts or arithmetic"
    outside = [b for b in boxes if b[3] > 0 and (b[1] < 0 or b[2] > PHONE["width"])]
    assert outside == [], f"cut off at 375px: {outside[:3]}"
    page.close()


@pytest.mark.browser
def test_chart_labels_stay_legible_on_a_phone(served, browser):
    origin, _ = served
    page = browser.new_page(viewport=PHONE)
    page.goto(origin)
    page.wait_for_load_state("networkidle")
    heights = page.evaluate("""() => [...document.querySelectorAll('svg.bar-chart text.label')]
        .map(t => t.getBoundingClientRect().height)""")
    assert heights and min(heights) >= 10, f"chart labels {min(heights):.1f}px tall"
    clipped = page.evaluate("""() => [...document.querySelectorAll('svg.bar-chart text.label')]
        .filter(t => t.getBoundingClientRect().left
                     < t.ownerSVGElement.getBoundingClientRect().left)
        .map(t => t.textContent)""")
    assert clipped == [], f"labels cut off at the chart's left edge: {clipped}"
    page.close()


# -- 4. Chinese search ----------------------------------------------------------------------------


def search(page, origin: str, query: str) -> tuple[list[str], list[str]]:
    """(result hrefs, result texts) of a search on the search page."""
    page.goto(f"{origin}search/?q={query}")
    page.wait_for_function(
        "document.getElementById('search-status').textContent.includes('result')")
    items = page.locator("#search-results li").all()
    return ([li.locator("a").first.get_attribute("href") for li in items],
            [li.inner_text() for li in items])


@pytest.mark.browser
@pytest.mark.parametrize("entity", ["tesla", "tsmc", "starship", "byd"])
def test_chinese_names_find_every_claim_about_them_and_the_article(served, browser, entity):
    origin, checked = served
    c = checked.collection
    label = c.entities[entity].labels["zh"]
    about = {f"/claim/{cl.id}/" for cl in c.claims.values()
             if entity in (cl.subject, cl.compared_with, *cl.about)}
    page = browser.new_page()
    hrefs, _ = search(page, origin, label)
    missing = about - set(hrefs)
    assert missing == set(), f"{label} misses {sorted(missing)}"
    assert f"/source/{next(iter(c.sources))}/" in hrefs
    page.close()


@pytest.mark.browser
def test_search_results_carry_the_verdict(served, browser):
    origin, checked = served
    page = browser.new_page()
    hrefs, texts = search(page, origin, "特斯拉")
    claims = checked.collection.claims
    shown = 0
    for href, text in zip(hrefs, texts, strict=True):
        if href.startswith("/claim/"):
            label = LABELS[claims[href.strip("/").split("/")[1]].review.verdict]
            assert text.startswith(label), (href, text[:80])
            shown += 1
    assert shown >= 23
    page.close()


# -- 5. confidence cannot be read as certainty of the verdict -------------------------------------


def test_confidence_is_labelled_as_the_chance_the_claim_is_true(seed):
    out, checked = seed
    claim = checked.collection.claims["tesla-highest-revenue-year"]
    tree = page_tree(out / "claim" / claim.id / "index.html")
    box = text_of(tree.find(".//div[@class='claim-box v-inaccurate']"))
    assert f"Chance the claim is true only about {chance_text(claim.confidence)}" in box
    for path in out.rglob("*.html"):
        text = text_of(page_tree(path).find(".//body"))
        assert not re.search(r"Confidence \d", text), path


# -- 6. numbers for people ------------------------------------------------------------------------


def test_numbers_are_written_for_people(seed):
    out, checked = seed
    for path in out.rglob("*.html"):
        if "pagefind" in path.parts:
            continue
        body = page_tree(path).find(".//body")
        for script in list(body.iter("script")):  # JSON-LD states the graph's text as it is
            script.getparent().remove(script)
        text = text_of(body)
        assert "10^" not in text, path
        if path.parent.name != "vocabulary":  # there it names a dimension, not a unit shown
            assert "dimensionless" not in text, path
        assert not re.search(r"(^|[\s(=])-\d", text), (path, re.search(r".{30}[\s(=]-\d.{10}",
                                                                          text))
        for fig in body.iter("data"):
            shown = "".join(fig.itertext())
            assert not re.search(r"(^|\s)-\d", shown), (path, shown)  # U+2212, not a hyphen
            if fig.get("data-prop", "").startswith(("kb:left", "kb:right", "kb:factor")):
                digits = re.sub(r"\D", "", shown.split("×")[0].split(" ")[0]).strip("0")
                assert len(digits) <= 3, (path, shown)
    claim = checked.collection.claims["spacex-investment-estimate"]
    assert claim.quantity.bound == "range"
    [row] = [text_of(tr) for tr in page_tree(out / "index.html").xpath(
        f"//tr[td/a[@href='claim/{claim.id}/']]")]
    assert "20 billion USD to 30 billion USD" in row
    assert "25 billion" not in row  # the midpoint the article never stated


# -- 7. findings ----------------------------------------------------------------------------------


def test_upheld_claims_show_no_red_findings_against_other_claims(seed):
    out, checked = seed
    claims = checked.collection.claims
    checked_pages = 0
    for claim in claims.values():
        if claim.review.verdict not in ("accurate", "mostly-accurate"):
            continue
        tree = page_tree(out / "claim" / claim.id / "index.html")
        red = [d for d in tree.iter("div") if d.get("class", "").split() == ["finding", "fails"]]
        for box in red:  # only a check of this claim alone (its evidence) may be red here
            others = {a.get("href") for a in box.iter("a")
                      if "/claim/" in a.get("href", "") and claim.id not in a.get("href")}
            assert others == set(), (claim.id, text_of(box)[:120])
        elsewhere = [d for d in tree.iter("div") if "elsewhere" in d.get("class", "").split()]
        for box in elsewhere:
            assert "because of" in text_of(box), claim.id
        checked_pages += bool(elsewhere)
    assert checked_pages >= 3, "the seed has upheld claims involved in failing checks"


def test_findings_have_titles_not_slugs_and_are_shown_once(seed):
    out, checked = seed
    tree = page_tree(out / "findings" / "index.html")
    headings = [text_of(h) for h in tree.iter("h3")]
    ids = {f.id for f in checked.report.findings}
    for heading in headings:
        title = heading.rsplit(" (", 1)[0]
        assert title not in ids and not re.fullmatch(r"[a-z0-9-]+", title), heading
    shown = [a.get("href") for h in tree.iter("h3") for a in h.iter("a")]
    compared = [(frozenset(f.involves), f.holds,
                 "comparison" if f.kind in COMPARING_KINDS else f.kind)
                for f in checked.report.findings if f"../finding/{f.id}/" in shown]
    assert len(compared) == len(set(compared)), "a comparison is shown twice"
    assert len(shown) < len(checked.report.findings), "duplicates were merged"


def test_evidence_quoted_from_a_table_is_shown_as_a_row(seed):
    out, _ = seed
    tree = page_tree(out / "claim" / "tesla-revenue-2022" / "index.html")
    rows = [tr for tr in tree.iter("tr") if tr.find("th") is not None
            and text_of(tr.find("th")) == "Total revenues"]
    assert rows
    cells = [text_of(td) for td in rows[0].findall("td")]
    assert cells == ["$97,690", "$96,773", "$81,462"]
    assert text_of(rows[0].find(".//mark")) == "$81,462"


# -- 8. the annotated article ---------------------------------------------------------------------


@pytest.mark.browser
def test_a_verdict_tag_opens_its_review_in_place_by_keyboard(served, browser):
    origin, checked = served
    claim = checked.collection.claims["tesla-highest-revenue-year"]
    page = browser.new_page()
    url = f"{origin}source/{claim.source}/"
    page.goto(url)
    page.wait_for_load_state("networkidle")
    popover = page.locator(f"#review-{claim.id}")
    assert not popover.is_visible()
    page.locator(f"button[popovertarget='review-{claim.id}'].tag").focus()
    page.keyboard.press("Enter")
    assert popover.is_visible()
    assert "Tesla's highest-revenue year was 2024, not 2022." in popover.inner_text()
    assert page.url == url, "the review opened without leaving the page"
    page.keyboard.press("Escape")
    assert not popover.is_visible()
    page.close()


@pytest.mark.browser
def test_anchor_highlights_its_passage_below_the_sticky_bar(served, browser):
    origin, checked = served
    claim = checked.collection.claims["tesla-highest-revenue-year"]
    page = browser.new_page()
    page.goto(f"{origin}source/{claim.source}/#claim-{claim.id}")
    page.wait_for_load_state("networkidle")
    mark = page.locator(f"#claim-{claim.id}")
    assert mark.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    bar = page.locator(".reader-bar").bounding_box()
    assert mark.bounding_box()["y"] >= bar["y"] + bar["height"], "hidden under the sticky bar"
    page.close()


# -- the rest: dark mode, 404, entity index, sitemap and robots -----------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", "claim/tesla-highest-revenue-year/",
                                  "source/tesla-dojo-commentary/", "findings/", "entity/",
                                  "404.html"])
def test_dark_mode_keeps_every_contrast(served, browser, path):
    origin, _ = served
    page = browser.new_page(color_scheme="dark")
    page.goto(origin + path)
    page.wait_for_load_state("networkidle")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    violations = [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
                  for v in axe_violations(page)]
    assert violations == []
    page.close()


@pytest.mark.browser
def test_a_missing_address_gets_the_404_page_with_working_links(served, browser):
    origin, _ = served
    page = browser.new_page()
    response = page.goto(f"{origin}claim/no-such-claim/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px", "styled"
    page.get_by_role("link", name="Entities", exact=True).first.click()
    assert page.url == f"{origin}entity/"
    response = page.goto(f"{origin}static/")
    assert response.status == 404, "no directory listing"
    page.close()


def test_entity_index_lists_every_entity_in_both_languages(seed):
    out, checked = seed
    text = text_of(page_tree(out / "entity" / "index.html").find(".//main"))
    for e in checked.collection.entities.values():
        assert e.label("en") in text
        if "zh" in e.labels:
            assert e.labels["zh"] in text


def test_sitemap_lists_every_page_and_the_site_check_holds_it(seed, tmp_path):
    out, checked = seed
    site_url = checked.collection.config.site_url
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    locs = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert f"{site_url}claim/tesla-highest-revenue-year/" in locs
    assert f"{site_url}404.html" not in locs
    assert len(locs) == len(set(locs)) == sum(
        1 for p in out.rglob("index.html") if "pagefind" not in p.parts) - 1  # not search/
    assert f"Sitemap: {site_url}sitemap.xml" in (out / "robots.txt").read_text("utf-8")
    site = copy_of_site(out, tmp_path)
    gone = f"{site_url}claim/tesla-highest-revenue-year/"
    edit(site / "sitemap.xml", f"<url><loc>{gone}</loc></url>\n", "")
    assert [str(p) for p in verify_site(checked, site)] == [
        f"sitemap.xml: does not list the page {gone}"]


def test_a_canonical_url_that_is_not_the_claimreview_url_fails_the_site_check(seed, tmp_path):
    out, checked = seed
    site = copy_of_site(out, tmp_path)
    site_url = checked.collection.config.site_url
    page = site / "claim" / "tesla-revenue-2022" / "index.html"
    edit(page, f'<link rel="canonical" href="{site_url}claim/tesla-revenue-2022/">',
         '<link rel="canonical" href="https://elsewhere.example/claim/tesla-revenue-2022/">')
    assert [str(p) for p in verify_site(checked, site)] == [
        "claim/tesla-revenue-2022/index.html: canonical URL is "
        "'https://elsewhere.example/claim/tesla-revenue-2022/', the page's address is "
        f"'{site_url}claim/tesla-revenue-2022/' (site_url + path)",
        "claim/tesla-revenue-2022/index.html: claim tesla-revenue-2022: canonical URL "
        "'https://elsewhere.example/claim/tesla-revenue-2022/' is not the ClaimReview's url "
        f"'{site_url}claim/tesla-revenue-2022/'"]


def test_shares_carry_the_verdict_first_headline(seed):
    out, checked = seed
    claim = checked.collection.claims["tesla-highest-revenue-year"]
    tree = page_tree(out / "claim" / claim.id / "index.html")
    og = {m.get("property"): m.get("content") for m in tree.iter("meta") if m.get("property")}
    assert og["og:title"] == "Inaccurate: Tesla's highest-revenue year was 2024, not 2022."
    assert og["og:description"].startswith(og["og:title"])
    assert og["og:url"] == f"{checked.collection.config.site_url}claim/{claim.id}/"
    assert og["og:type"] == "article"


def test_the_article_page_glosses_its_title_and_sums_it_up(seed):
    out, checked = seed
    source = checked.collection.sources["tesla-dojo-commentary"]
    tree = page_tree(out / "source" / source.id / "index.html")
    text = text_of(tree.find(".//main"))
    assert f"In English: “{source.title_en}”" in text
    assert source.summary.split()[0] in text
    assert text.index(source.title_en) < text.index("What this article gets wrong")


def test_a_review_can_be_cited_in_apa_and_bibtex(seed):
    out, checked = seed
    claim = checked.collection.claims["tesla-cumulative-revenue"]
    tree = page_tree(out / "claim" / claim.id / "index.html")
    apa = text_of(tree.find(".//p[@class='cite-apa']"))
    url = f"{checked.collection.config.site_url}claim/{claim.id}/"
    assert apa == ("APA: kb fact-check desk. (2026, November 28). Inaccurate: Tesla's revenue "
                   "to date was about US$506 billion, not more than US$600 billion. [Fact "
                   f"check]. {checked.collection.config.title}. {url}")
    bib = "".join(tree.find(".//pre[@class='cite-bibtex']").itertext())
    assert bib.startswith(f"@misc{{kb-{claim.id},\n")
    assert "US\\$506 billion" in bib and f"url = {{{url}}}" in bib


def test_claimreview_names_when_and_where_the_claim_first_appeared(seed):
    import json

    out, checked = seed
    source = checked.collection.sources["tesla-dojo-commentary"]
    tree = page_tree(out / "claim" / "tesla-highest-revenue-year" / "index.html")
    [script] = [s for s in tree.iter("script") if s.get("type") == "application/ld+json"]
    item = json.loads(script.text)["itemReviewed"]
    assert item["datePublished"] == source.published
    assert item["firstAppearance"] == {"@id": item["appearance"]["@id"]}




@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["375px", "1280px"])
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_page_type_is_clean_and_accessible_on_a_phone_and_a_desk(served, browser, kind,
                                                                       viewport):
    origin, _ = served
    page = browser.new_page(viewport=viewport)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(origin + PAGE_KINDS[kind])
    page.wait_for_load_state("networkidle")
    if kind == "search":
        page.wait_for_function(
            "document.getElementById('search-status').textContent.includes('result')")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    violations = [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
                  for v in axe_violations(page)]
    assert violations == []
    assert problems == []
    page.close()


def test_feeds_list_every_review_and_the_site_check_holds_them(seed, tmp_path):
    import json

    out, checked = seed
    site_url = checked.collection.config.site_url
    claims = checked.collection.claims
    atom = (out / "reviews.atom").read_text("utf-8")
    ids = re.findall(r"<entry><id>(.*?)</id>", atom)
    assert sorted(ids) == sorted(f"{site_url}claim/{i}/" for i in claims)
    items = json.loads((out / "reviews.json").read_text("utf-8"))["items"]
    assert {i["url"] for i in items} == set(ids)
    first = items[0]
    assert first["title"].startswith(first["tags"][0] + ":")
    site = copy_of_site(out, tmp_path)
    url = f"{site_url}claim/tesla-highest-revenue-year/"
    edit(site / "reviews.atom",
         "<title>Inaccurate: Tesla's highest-revenue year was 2024, not 2022.</title>",
         "<title>2022 was Tesla's highest-revenue year.</title>")
    assert [str(p) for p in verify_site(checked, site)] == [
        f"reviews.atom: titles the review at {url} \"2022 was Tesla's highest-revenue year.\", "
        "the graph's headline is \"Inaccurate: Tesla's highest-revenue year was 2024, not "
        "2022.\""]


def test_the_data_page_explains_every_column_of_the_csv(seed):
    import csv

    out, _ = seed
    with (out / "data" / "kb.csv").open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    tree = page_tree(out / "data" / "index.html")
    [dictionary] = [dl for dl in tree.iter("dl")
                    if dl.getprevious() is not None and dl.getprevious().tag == "p"
                    and "One row per claim" in text_of(dl.getprevious())]
    columns = [text_of(dt) for dt in dictionary.findall("dt")]
    assert columns == header
    assert all(text_of(dd) for dd in dictionary.findall("dd"))


def test_the_vendored_axe_core_is_the_published_one():
    """The accessibility audits run axe-core 4.14.1 exactly as npm publishes it."""
    data = AXE.read_bytes()
    assert data.startswith(b"/*! axe v4.14.1\n"), data[:40]
    assert hashlib.sha256(data).hexdigest() == \
        "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
