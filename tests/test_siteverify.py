"""The site check's own workings: checking only the pages a build re-rendered, and reading a
verdict card from its chunks without decoding its pixels."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import edit
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from kb.cards import Card, draw_card, read_card
from kb.pipeline import check
from kb.siteverify import _png_chunks, verify_site

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
