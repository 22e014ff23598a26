"""The site check's own workings: checking only the pages a build re-rendered, and reading a
verdict card from its chunks without decoding its pixels."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from conftest import edit
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from kb.cards import Card, draw_card, read_card
from kb.pipeline import check
from kb.siteverify import (
    _Links,
    _png_chunks,
    _resolve,
    _split_link,
    _split_url,
    _Tree,
    verify_site,
)

TESLA = "claim/tesla-revenue-2022/index.html"
BYD = "claim/byd-revenue/index.html"
TESLA_CARD = "claim/tesla-revenue-2022/card.png"


@pytest.fixture(scope="module")
def checked(mini_site):
    claims, _ = mini_site
    return check(claims)


def problems(checked, site, only=None) -> list[str]:
    return [str(p) for p in verify_site(checked, site, only=only)]


def test_only_the_named_pages_are_checked(checked, site_copy):
    _, site = site_copy
    h1 = 'data-pagefind-meta="title">'
    edit(site / TESLA, f"{h1}Accurate: Tesla&#39;s total", f"{h1}Tesla&#39;s total")
    edit(site / BYD, f"{h1}Unverifiable: BYD&#39;s annual", f"{h1}BYD&#39;s annual")
    tesla = (f"{TESLA}: claim tesla-revenue-2022: H1 is [\"Tesla's total revenue in 2022 was "
             "US$81.462 billion.\"], the review's headline is \"Accurate: Tesla's total revenue "
             "in 2022 was US$81.462 billion.\"")
    byd = (f"{BYD}: claim byd-revenue: H1 is [\"BYD's annual revenue is about US$60.6 "
           "billion.\"], the review's headline is \"Unverifiable: BYD's annual revenue is about "
           "US$60.6 billion.\"")
    assert problems(checked, site) == [byd, tesla]
    assert problems(checked, site, only={TESLA}) == [tesla]
    assert problems(checked, site, only={BYD}) == [byd]
    assert problems(checked, site, only=set()) == []


def test_a_named_page_s_links_resolve_against_the_whole_site(checked, site_copy):
    _, site = site_copy
    # A page that is not named is gone (every page links to it), and the named page links to
    # an id the method page does not have: only the named page's links are reported, and
    # the checks of the site as a whole (the inventory, the sitemap) still run.
    (site / "vocabulary/index.html").unlink()
    edit(site / TESLA, 'href="../../method/#tiers"', 'href="../../method/#no-such-tier"')
    assert problems(checked, site, only={TESLA}) == [
        f"{TESLA}: broken link '../../method/#no-such-tier': method/index.html has no element "
        "with id 'no-such-tier'",
        f"{TESLA}: broken link '../../vocabulary/#property-total-revenue': "
        "vocabulary/index.html does not exist",
        "sitemap.xml: lists https://kb.example.org/vocabulary/, which is not a page of the site",
        "vocabulary/index.html: missing: every site has this page"]


def test_a_fragment_is_looked_up_on_a_page_that_is_not_checked(checked, site_copy):
    _, site = site_copy
    edit(site / "method/index.html", 'id="tiers"', 'id="levels"')
    everything = problems(checked, site)
    linking = sorted({line.split(":", 1)[0] for line in everything})
    assert TESLA in linking and len(linking) > 1, everything
    assert problems(checked, site, only={TESLA}) == [
        f"{TESLA}: broken link '../../method/#tiers': method/index.html has no element with id "
        "'tiers'"]


def test_a_claim_page_s_card_is_checked_with_it(checked, site_copy):
    _, site = site_copy
    shutil.copy(site / "claim/byd-revenue/card.png", site / TESLA_CARD)
    assert problems(checked, site, only={BYD}) == []
    assert problems(checked, site, only={TESLA}) == [
        f"{TESLA_CARD}: claim tesla-revenue-2022: the verdict card's kb:claim is 'byd-revenue', "
        "the graph has 'tesla-revenue-2022'",
        f"{TESLA_CARD}: claim tesla-revenue-2022: the verdict card's kb:headline is "
        "\"Unverifiable: BYD's annual revenue is about US$60.6 billion.\", the graph has "
        "\"Accurate: Tesla's total revenue in 2022 was US$81.462 billion.\"",
        f"{TESLA_CARD}: claim tesla-revenue-2022: the verdict card's kb:verdict is "
        "'unverifiable', the graph has 'accurate'"]


def test_the_downloads_and_feeds_are_checked_whatever_pages_are_named(checked, site_copy):
    _, site = site_copy
    (site / "reviews.json").unlink()
    edit(site / "data/kb.csv", "tesla-revenue-2022", "tesla-revenue-2021")
    assert problems(checked, site, only=set()) == [
        "data/kb.csv: differs from the claims table the graph gives",
        "reviews.json: missing: the JSON Feed of reviews"]


# -- the verdict card, read from its chunks ------------------------------------------------------


CARD = Card("tesla-highest-revenue-year", "inaccurate",
            "Inaccurate: Tesla’s record revenue year was 2024, not 2022 (特斯拉).", "Claims")


def test_a_card_s_chunks_read_as_pillow_reads_them():
    data = draw_card(CARD)
    assert _png_chunks(data) == read_card(data)
    # The same card with its text in compressed chunks (zTXt, and iTXt with its flag set).
    with Image.open(io.BytesIO(data)) as image:
        info = PngInfo()
        info.add_text("kb:claim", CARD.claim, zip=True)
        info.add_itxt("kb:headline", CARD.headline, zip=True)
        out = io.BytesIO()
        image.save(out, "PNG", pnginfo=info)
    squeezed = out.getvalue()
    assert b"zTXt" in squeezed
    assert _png_chunks(squeezed) == read_card(squeezed) == (
        (1200, 630), {"kb:claim": CARD.claim, "kb:headline": CARD.headline})


@pytest.mark.parametrize("cut", [
    lambda d: d[:100], lambda d: d[:len(d) // 2], lambda d: d[:-12], lambda d: b"GIF89a" + d[6:],
    lambda d: d.replace(b"IDAT", b"IDAx", 1)])
def test_a_card_that_is_not_whole_is_left_to_pillow(cut):
    assert _png_chunks(cut(draw_card(CARD))) is None


def test_a_card_with_damaged_pixels_is_reported_as_pillow_says(checked, site_copy):
    _, site = site_copy
    data = bytearray((site / TESLA_CARD).read_bytes())
    data[data.index(b"IDAT") + 20] ^= 0x55  # its checksum no longer matches
    (site / TESLA_CARD).write_bytes(bytes(data))
    assert problems(checked, site) == [
        f"{TESLA_CARD}: claim tesla-revenue-2022: the verdict card is not a valid PNG: broken "
        "data stream when reading image file"]


def test_the_site_listing_is_what_os_walk_lists(tmp_path):
    import os

    from kb.siteverify import _tree

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "page.html").write_text("x")
    (tmp_path / "top.txt").write_text("x")
    (tmp_path / "link-to-a").symlink_to(tmp_path / "a")  # listed as a folder, not entered
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")  # listed as a file
    walked: tuple[set, set] = (set(), {"."})
    for folder, subdirs, names in os.walk(tmp_path):
        rel = os.path.relpath(folder, tmp_path).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        walked[1].update(prefix + d for d in subdirs)
        walked[0].update(prefix + n for n in names)
    tree = _tree(tmp_path)
    assert (tree.files, tree.dirs) == walked
    assert tree.files == {"top.txt", "broken", "a/b/page.html"}
    assert tree.dirs == {".", "a", "a/b", "link-to-a"}


# -- JSON-LD read without pyoxigraph ------------------------------------------------------------


def _by_pyoxigraph(doc) -> list[tuple]:
    import json

    import pyoxigraph as ox

    from kb.claimdata import offline

    return sorted(((t.subject.value if isinstance(t.subject, ox.NamedNode) else None,
                    t.predicate.value, t.object.value)
                   for t in ox.parse(json.dumps(offline(doc)).encode("utf-8"),
                                     format=ox.RdfFormat.JSON_LD)), key=repr)


def test_the_site_s_json_ld_reads_as_pyoxigraph_reads_it(seed_site):
    import json

    from kb.claimdata import SCHEMA_CONTEXT
    from kb.layout import FEED_PATH
    from kb.siteverify import _simple_statements, read_page

    docs = []
    for page in sorted(seed_site.out.glob("**/index.html")):
        rel = page.relative_to(seed_site.out).as_posix()
        docs += [json.loads(text) for text in read_page(rel, page.read_bytes()).jsonld]
    feed = json.loads((seed_site.out / FEED_PATH).read_text(encoding="utf-8"))
    reviews = [{**e, "@context": SCHEMA_CONTEXT} for e in feed["dataFeedElement"]]
    docs.append({"@context": SCHEMA_CONTEXT, "@graph": reviews})
    simple = 0
    for doc in docs:
        doc = {**doc, "@context": SCHEMA_CONTEXT}
        got = _simple_statements(doc)
        if got is not None:
            simple += 1
            assert sorted(got, key=repr) == _by_pyoxigraph(doc), json.dumps(doc)[:300]
    # Every claim page's ClaimReview and the feed take the fast way.
    claims = len(seed_site.checked.collection.claims)
    assert simple >= claims + 1, (simple, claims)


NODE = {"@context": "https://schema.org", "@id": "https://kb.example.org/claim/x#review",
        "@type": "ClaimReview", "ratingValue": 5, "name": "x"}


@pytest.mark.parametrize("change", [
    {"@id": "https://kb.example.org/a/../b"}, {"@id": "https://kb.example.org/a/./b"},
    {"@id": "https://KB.example.org/a"}, {"@id": "https://kb.example.org/a%20b"},
    {"@id": "https://kb.example.org/a?q=1"}, {"@id": "relative/path"}, {"@id": "_:b0"},
    {"@id": "https://kb.example.org/a b"}, {"@id": "https://kb.example.org/a#b#c"},
    {"@id": 5}, {"@type": "schema:Claim"}, {"@type": ["Claim", 5]},
    {"ratingValue": 4.5}, {"ratingValue": 5.0}, {"ratingValue": True}, {"ratingValue": None},
    {"ratingValue": 10 ** 21}, {"ratingValue": 2 ** 53}, {"ratingValue": -(2 ** 53)},
    {"@id": "https://kb.example.org:8080/a"}, {"name": {"@value": "x", "@language": "en"}},
    {"name": {"@type": "Thing"}}, {"name": [["x"]]}, {"schema:name": "x"},
    {"@reverse": {"author": {"@id": "https://kb.example.org/a"}}},
])
def test_json_ld_beyond_the_simple_kind_is_left_to_pyoxigraph(change):
    from kb.siteverify import _simple_statements, _to_rdf

    doc = {**NODE, **change}
    assert _simple_statements(doc) is None
    # The same statements (a blank node's id differs from one parse to the next).
    with pytest.raises((SyntaxError, ValueError)) if _raises(doc) else _nothing():
        assert len(_to_rdf(doc)) == len(_by_pyoxigraph(doc))


@pytest.mark.parametrize("change", [
    {}, {"ratingValue": -3}, {"ratingValue": 2 ** 53 - 1}, {"name": ["a", "b", "a"]},
    {"@type": ["ClaimReview", "Review"]}, {"@type": []}, {"name": []},
    {"@id": "http://kb.example.org/claim/x/"}, {"@id": "https://kb.example.org/a.b/c-d_e~f"},
    {"author": {"@id": "https://kb.example.org/reviewer/desk", "@type": "Organization",
                "name": "Desk", "url": "https://kb.example.org/reviewer/desk/"}},
    {"isBasedOn": [{"@id": "https://kb.example.org/evidence/a"},
                   {"@id": "https://kb.example.org/evidence/b#x"}]},
    {"name": "<b>\u7279\u65af\u62c9 \u201cquoted\u201d</b>\n"},
    # offline() makes every context the offline one: a nested context changes nothing.
    {"author": {"@id": "https://kb.example.org/a", "@context": {"@vocab": "https://x.org/"},
                "name": "A"}},
])
def test_simple_json_ld_reads_as_pyoxigraph_reads_it(change):
    from kb.siteverify import _simple_statements

    doc = {**NODE, **change}
    assert sorted(_simple_statements(doc), key=repr) == _by_pyoxigraph(doc)


def test_json_ld_without_a_context_is_left_to_pyoxigraph():
    from kb.siteverify import _simple_statements, _to_rdf

    doc = {key: value for key, value in NODE.items() if key != "@context"}
    assert _simple_statements(doc) is None
    assert sorted(_to_rdf(doc), key=repr) == _by_pyoxigraph(doc)


def _raises(doc) -> bool:
    try:
        _by_pyoxigraph(doc)
    except (SyntaxError, ValueError):
        return True
    return False


def _nothing():
    import contextlib

    return contextlib.nullcontext()


# -- the ClaimReview feed, read one review at a time -------------------------------------------

STREAMED = [
    '{"@type": "DataFeed", "n": [1, {"a": "]"}], "items": [{"x": 1}, [2, 3], "s,]"]}',
    ' \n{ "items" : [ ] } \n',
    '{"items": [1], "items2": 2}',  # another member after: not the streamed array
    '{"a": 1, "a": 2, "items": [true, null, 1.5e3]}',  # a repeated member: the last wins
]


@pytest.mark.parametrize("text", STREAMED[:2] + STREAMED[3:])
def test_a_streamed_array_reads_as_json_loads_reads_it(text):
    from kb.siteverify import stream_array

    whole = json.loads(text)
    head, items = stream_array(text, "items")
    assert (head, list(items)) == ({k: v for k, v in whole.items() if k != "items"},
                                   whole["items"])


@pytest.mark.parametrize("text", [
    '{"items": [1, 2}', '{"items": [1 2]}', '{"items": [1, {"a" 1}]}', '{"items": [1]} x',
    '{"items": [1],}', '{"items": [1]', '{"items": [1, ]}',
])
def test_a_streamed_array_that_does_not_parse_fails_as_json_loads_fails(text):
    from kb.siteverify import stream_array

    with pytest.raises(json.JSONDecodeError) as whole:
        json.loads(text)
    streamed = stream_array(text, "items")
    assert streamed is not None
    with pytest.raises(json.JSONDecodeError) as read:
        list(streamed[1])
    assert (read.value.msg, read.value.pos) == (whole.value.msg, whole.value.pos)


@pytest.mark.parametrize("text", ['[1]', '{"items": 5}', '{}', '\ufeff{"items": []}',
                                  '{"a": 1 "items": []}'])
def test_text_not_laid_out_as_an_object_ending_in_the_array_is_left_to_json_loads(text):
    from kb.siteverify import stream_array

    assert stream_array(text, "items") is None


def test_a_streamed_array_followed_by_more_members_says_so():
    from kb.siteverify import ArrayNotLast, stream_array

    head, items = stream_array(STREAMED[2], "items")
    assert head == {}
    with pytest.raises(ArrayNotLast):
        list(items)


def test_a_feed_laid_out_otherwise_is_still_checked_whole(checked, site_copy):
    from kb.layout import FEED_PATH

    _, site = site_copy
    path = site / FEED_PATH
    feed = json.loads(path.read_text("utf-8"))
    elements = [e for e in feed.pop("dataFeedElement")
                if not e["itemReviewed"]["@id"].endswith("byd-revenue")]
    # The reviews first, the feed's type after them: only a whole read sees it is a DataFeed.
    path.write_text(json.dumps({"dataFeedElement": elements, **feed}), encoding="utf-8")
    assert problems(checked, site) == [
        f"{FEED_PATH}: claim byd-revenue: has no ClaimReview for this claim"]


def test_only_the_feed_reviews_made_anew_are_compared_and_every_claim_needs_one(checked,
                                                                              site_copy):
    from kb.layout import FEED_PATH

    _, site = site_copy
    path = site / FEED_PATH
    feed = json.loads(path.read_text("utf-8"))
    for element in feed["dataFeedElement"]:
        if element["itemReviewed"]["@id"].endswith("byd-revenue"):
            element["reviewRating"]["alternateName"] = "Accurate"
    feed["dataFeedElement"] = [e for e in feed["dataFeedElement"]
                               if not e["itemReviewed"]["@id"].endswith("tesla-revenue-2022")]
    path.write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    missing = f"{FEED_PATH}: claim tesla-revenue-2022: has no ClaimReview for this claim"
    every = [str(p) for p in verify_site(checked, site)]
    assert missing in every and any("byd-revenue" in p for p in every), every
    # The byd-revenue review was copied from a checked feed: it is not compared again.
    others = [str(p) for p in verify_site(checked, site, reviews={"tesla-revenue-2022"})]
    assert others == [missing]
    assert any("byd-revenue" in str(p) for p in verify_site(checked, site, reviews={"byd-revenue"}))


def test_a_feed_broken_after_its_first_reviews_is_one_parse_error(checked, site_copy):
    from kb.layout import FEED_PATH

    _, site = site_copy
    path = site / FEED_PATH
    feed = json.loads(path.read_text("utf-8"))
    feed["dataFeedElement"][0]["itemReviewed"]["@id"] += "-not-a-claim"
    text = json.dumps(feed, indent=1)
    cut = text.index('"@type": "ClaimReview"', text.index('"ClaimReview"') + 30)
    path.write_text(text[:cut] + "@" + text[cut:], encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as whole:
        json.loads(path.read_text("utf-8"))
    assert problems(checked, site) == [
        f"{FEED_PATH}: JSON-LD does not parse: {whole.value.msg} at line {whole.value.lineno} "
        f"column {whole.value.colno}"]


# Links as kb writes them (../../claim/x/#review) and the characters that make urlsplit and
# unquote change a link: a scheme, a host, a query, escapes, spaces and control characters.
_LINK_PARTS = st.sampled_from(["../", "./", "/", "#", "claim", "x-1_2.~", "index.html", "//",
                               ":", "?q=1", "%20", "%E4%BA%BF", " ", "\t", "\n", "\\", "亿",
                               "https:", "@", "[", "]", ";", "+"])


def _outcome(split, href):
    try:
        return split(href)
    except ValueError as exc:  # "//[": urlsplit refuses an unclosed IPv6 host
        return f"ValueError: {exc}"


@given(st.lists(_LINK_PARTS, max_size=8).map("".join))
def test_a_link_split_at_once_is_split_as_urlsplit_splits_it(href):
    assert _outcome(_split_link, href) == _outcome(_split_url.__wrapped__, href)


_PATH_PARTS = st.sampled_from(["../", "./", "/", "//", "claim", "x", ".x", "a.css", "..", "."])
_SITE = _Tree({"claim/x/index.html", "x", "a.css"}, {".", "claim", "claim/x"})


@given(st.sampled_from(["", "claim", "claim/x"]), st.lists(_PATH_PARTS, max_size=7).map("".join))
def test_a_link_joined_at_once_leads_where_normpath_leads(folder, path):
    """Links are joined without normpath when they can be (most links a page has); the file
    they lead to, or why they lead nowhere, is what normpath's join gives."""
    joined, error = _resolve.__wrapped__(folder, path, "/")
    want = ("", error) if error else (
        ("index.html" if joined == "." else joined + "/index.html", "")
        if path.endswith("/") or joined in _SITE.dirs else (joined, ""))
    assert _Links(_SITE, frozenset(), "/")._target(folder, path) == want


def test_a_link_urlsplit_refuses_is_a_broken_link(checked, site_copy):
    _, site = site_copy
    edit(site / TESLA, '<a href="../../', '<a href="//[x"></a><a href="../../')
    assert problems(checked, site, only={TESLA}) == [
        f"{TESLA}: broken link '//[x': Invalid IPv6 URL"]
