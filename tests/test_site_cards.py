"""Verdict cards (one PNG per claim for shares) and the de-spun reading of the annotated text."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import edit
from helpers import run_kb
from PIL import Image

from kb.cards import CARD_SIZE, Card, draw_card, drawable_text, read_card


def problems(claims: Path, site: Path) -> list[str]:
    """What kb check --site reports, each line without the site folder in front."""
    result = run_kb("check", "--claims", str(claims), "--site", str(site))
    assert result.exit_code == 1, result.output
    return [line.removeprefix(f"{site}/") for line in result.stdout.splitlines()]


CARD = Card("tesla-highest-revenue-year", "inaccurate",
            "Inaccurate: Tesla’s record revenue year was 2024, not 2022.", "Claims checked")


# -- the card itself ----------------------------------------------------------------------------


def test_card_is_a_png_of_the_share_size_that_names_its_claim_and_verdict():
    data = draw_card(CARD)
    size, chunks = read_card(data)
    assert size == CARD_SIZE == (1200, 630)
    assert chunks == {"kb:claim": "tesla-highest-revenue-year", "kb:verdict": "inaccurate",
                      "kb:headline": CARD.headline}
    with Image.open(io.BytesIO(data)) as image:
        # The verdict's colour fills the band at the top: the inaccurate red of site.css.
        assert image.convert("RGB").getpixel((5, 5)) == (0x9B, 0x1C, 0x17)


def test_the_same_claim_draws_the_same_bytes_and_another_verdict_differs():
    assert draw_card(CARD) == draw_card(Card(*CARD.__dict__.values()))
    other = Card(CARD.claim, "accurate", CARD.headline, CARD.site)
    assert draw_card(other) != draw_card(CARD)
    assert read_card(draw_card(other))[1]["kb:verdict"] == "accurate"


def test_characters_the_font_cannot_draw_are_left_out_not_drawn_as_boxes():
    # Chinese has no glyph in DejaVu (or Pillow's own font): the card shows only the English.
    assert drawable_text("特斯拉 Tesla’s revenue – about 20% more") == \
        "Tesla’s revenue – about 20% more"


def test_a_file_that_is_not_a_png_is_a_clear_error():
    with pytest.raises(ValueError, match=r"^not a PNG file \(its signature is wrong\)$"):
        read_card(b"GIF89a")
    data = draw_card(CARD)
    with pytest.raises(ValueError, match=r"^not a valid PNG: Truncated File Read$"):
        read_card(data[:100])  # cut inside the chunks before the image data
    with pytest.raises(ValueError, match=r"^not a valid PNG: image file is truncated$"):
        read_card(data[:len(data) // 2])


# -- the built site -----------------------------------------------------------------------------


def test_each_claim_page_shares_its_card(mini_site):
    _, site = mini_site
    for ident, verdict in (("tesla-revenue-2022", "accurate"), ("byd-revenue", "unverifiable")):
        page = (site / f"claim/{ident}/index.html").read_text(encoding="utf-8")
        url = f"https://kb.example.org/claim/{ident}/card.png"
        for tag in (f'<meta property="og:image" content="{url}">',
                    f'<meta name="twitter:image" content="{url}">',
                    '<meta name="twitter:card" content="summary_large_image">',
                    '<meta property="og:image:width" content="1200">'):
            assert tag in page, f"{ident}: {tag} missing"
        size, chunks = read_card((site / f"claim/{ident}/card.png").read_bytes())
        assert (size, chunks["kb:claim"], chunks["kb:verdict"]) == (CARD_SIZE, ident, verdict)
    # Other pages keep the small summary card and name no image.
    overview = (site / "index.html").read_text(encoding="utf-8")
    assert '<meta name="twitter:card" content="summary">' in overview
    assert "og:image" not in overview


def test_another_claims_card_is_reported(site_copy):
    claims, site = site_copy
    shutil.copy(site / "claim/byd-revenue/card.png", site / "claim/tesla-revenue-2022/card.png")
    lines = problems(claims, site)
    assert lines == [
        "claim/tesla-revenue-2022/card.png: claim tesla-revenue-2022: the verdict card's "
        "kb:claim is 'byd-revenue', the graph has 'tesla-revenue-2022'",
        "claim/tesla-revenue-2022/card.png: claim tesla-revenue-2022: the verdict card's "
        "kb:headline is \"Unverifiable: BYD's annual revenue is about US$60.6 billion.\", the "
        "graph has \"Accurate: Tesla's total revenue in 2022 was US$81.462 billion.\"",
        "claim/tesla-revenue-2022/card.png: claim tesla-revenue-2022: the verdict card's "
        "kb:verdict is 'unverifiable', the graph has 'accurate'"]


def test_missing_cut_off_or_resized_cards_are_reported(site_copy):
    claims, site = site_copy
    (site / "claim/byd-revenue/card.png").unlink()
    good = site / "claim/tesla-revenue-2022/card.png"
    data = good.read_bytes()
    good.write_bytes(data[:len(data) // 2])  # cut inside the image data
    assert problems(claims, site) == [
        "claim/byd-revenue/card.png: claim byd-revenue: missing: the claim's verdict card",
        "claim/tesla-revenue-2022/card.png: claim tesla-revenue-2022: the verdict card is not "
        "a valid PNG: image file is truncated"]
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.resize((600, 315)).save(out, "PNG", pnginfo=_info(image.text))
    good.write_bytes(out.getvalue())
    assert problems(claims, site)[-1] == (
        "claim/tesla-revenue-2022/card.png: claim tesla-revenue-2022: the verdict card is "
        "600x315 pixels, it must be 1200x630")


def _info(text: dict):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    return info


def test_a_page_that_shares_no_card_is_reported(site_copy):
    claims, site = site_copy
    edit(site / "claim/byd-revenue/index.html",
         '<meta name="twitter:card" content="summary_large_image">',
         '<meta name="twitter:card" content="summary">')
    assert problems(claims, site) == [
        "claim/byd-revenue/index.html: claim byd-revenue: twitter:card is 'summary', it must be "
        "'summary_large_image'"]


# -- the de-spun reading of the annotated article ---------------------------------------------


def test_the_despun_reading_covers_the_whole_text_and_marks_every_substitution(seed_site):
    from kb.despin import fold_width, normalise
    from kb.siteverify import read_page

    for ident, source in seed_site.checked.collection.sources.items():
        path = f"source/{ident}/index.html"
        html = (seed_site.out / path).read_text(encoding="utf-8")
        page = read_page(path, html.encode("utf-8"))
        [(_, shown, _, despun)] = page.articles
        done = normalise(source.text)
        assert shown == source.text
        assert fold_width(despun) == done.text
        # Every swap of the lexicon, in claim passages or not, shows its spun form and what
        # replaces it; an injected string the de-spinner deletes is struck through alone.
        swaps = [w for w in done.swaps if not w.deleted]
        assert len(swaps) > 20, "the seed article has spun wording throughout"
        for w in swaps:
            assert f"De-spun from “{w.spun}”\">{w.original}</ins>" in html, w
        deleted = [w for w in done.swaps if w.deleted]
        assert html.count('<del class="spun-form injected"') >= len(deleted) > 0
        # The switch is in the toolbar that stays at the top while reading.
        bar = html.split('<div class="reader-bar">', 1)[1].split("</div>", 1)[0]
        assert 'id="despun-toggle"' in bar


def test_a_despun_reading_that_is_not_the_normalisers_output_is_reported(site_copy):
    claims, site = site_copy
    edit(site / "source/mini-article/index.html",
         'De-spun from “好意思元”">美元</ins>', 'De-spun from “好意思元”">英镑</ins>')
    assert problems(claims, site) == [
        "source/mini-article/index.html: source mini-article: the de-spun reading differs from "
        "the normaliser's output at character 21: it shows '814.62 亿英镑,比亚迪年入', the "
        "normaliser gives '814.62 亿美元,比亚迪年入'"]
