"""Verdict cards (one PNG per claim for shares) and the de-spun reading of the annotated text."""

from __future__ import annotations

import hashlib
import io
import random
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest
from conftest import edit
from helpers import run_kb
from PIL import Image, ImageChops, ImageDraw

from kb import cards
from kb.cards import CARD_SIZE, COLOURS, Card, draw_card, drawable_text, read_card


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


def test_a_card_draws_the_same_bytes_whatever_was_drawn_before_and_in_a_new_process():
    # Parts of a card are drawn and compressed once and reused: no card may depend on that.
    from kb import cards

    first = draw_card(CARD)
    draw_card(Card("long", "inaccurate", "Inaccurate: " + "a long headline " * 30, CARD.site))
    draw_card(Card("empty", "inaccurate", "Inaccurate: 特斯拉", CARD.site))
    assert draw_card(CARD) == first
    cards._fixed_rows.cache_clear()
    cards._canvas.cache_clear()
    assert draw_card(CARD) == first
    script = ("import hashlib, sys; from kb.cards import Card, draw_card; "
              "sys.stdout.write(hashlib.sha256(draw_card(Card(*sys.argv[1:]))).hexdigest())")
    fresh = subprocess.run([sys.executable, "-c", script, *CARD.__dict__.values()],
                           capture_output=True, text=True, check=True).stdout
    assert fresh == hashlib.sha256(first).hexdigest()


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's chunks, each (type, data), with every CRC checked."""
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"{kind!r}: wrong CRC"
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


@pytest.mark.parametrize("headline", [CARD.headline, "Inaccurate: 特斯拉",
                                      "Inaccurate: " + "Ünïcödé “words” – 50% … " * 20])
def test_the_card_is_a_valid_palette_png_for_any_decoder(headline):
    # The card's PNG container is written by kb.cards: check it the way a strict decoder would.
    data = draw_card(Card(CARD.claim, CARD.verdict, headline, CARD.site))
    chunks = _chunks(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert [kind for kind, _ in chunks] == [b"IHDR", b"PLTE", b"tEXt", b"tEXt", b"iTXt",
                                            b"IDAT", b"IEND"]
    # 1200x630, 8 bits, palette, deflate, filtered rows, not interlaced.
    assert chunks[0][1] == struct.pack(">IIBBBBB", 1200, 630, 8, 3, 0, 0, 0)
    assert len(chunks[1][1]) % 3 == 0 and len(chunks[1][1]) // 3 <= 256
    rows = zlib.decompress(chunks[5][1])  # checks the stream's Adler-32 too
    assert len(rows) == 630 * 1201
    # Every row's filter byte is a valid one (0, none) and no pixel is outside the palette.
    assert set(rows[::1201]) == {0}
    assert max(rows) < len(chunks[1][1]) // 3
    with Image.open(io.BytesIO(data)) as image:
        assert image.mode == "P"
        assert image.text["kb:headline"] == headline


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("verdict", list(COLOURS))
def test_each_part_of_the_card_is_legible_and_its_text_edges_blend_into_its_background(verdict):
    card = Card(CARD.claim, verdict, "Verdict: Ünïcödé “words” – 50% of 2024", CARD.site)
    with Image.open(io.BytesIO(draw_card(card))) as image:
        rgb = image.convert("RGB")
    colour = tuple(int(COLOURS[verdict][i:i + 2], 16) for i in (1, 3, 5))
    assert rgb.getpixel((5, 5)) == rgb.getpixel((5, 600)) == colour  # the band and the stripe
    for name, box in (("band", (0, 0, 1200, 151)), ("headline", (0, 151, 1200, 530)),
                      ("footer", (17, 530, 1200, 630))):
        colours = Counter({c: n for n, c in rgb.crop(box).getcolors(1 << 24)})
        paper = colours.most_common(1)[0][0]
        ink = max(colours, key=lambda c: _contrast(c, paper))
        # WCAG AA for normal-size text, though all of the card's text is large.
        assert _contrast(ink, paper) >= 4.5, f"{name}: {paper} and {ink}"
        # Antialiased edges lie between the two colours, none off that line (a pixel from
        # another part's palette would show as a stray colour).
        for c in colours:
            t = max(abs(c[i] - paper[i]) for i in range(3)) / max(
                abs(ink[i] - paper[i]) for i in range(3))
            near = tuple(paper[i] + t * (ink[i] - paper[i]) for i in range(3))
            assert max(abs(c[i] - near[i]) for i in range(3)) <= 1.5, f"{name}: stray {c}"


# Words that kern with their neighbours and the space, overhang, or come from other scripts.
WORDS = ("AV", "To", "Ty", "Yo", "W.", "f)", "“Tesla”", "’s", "L’Oréal", "US$2.5", "CN¥210.87",
         "€3", "billion.", "million,", "jj", "fj", "ffi", "Wave", "Vault", "P.A.", "7.1%", "1,000",
         "—2024", "Éclair", "ÆON", "Quý", "Љубав", "Ω", "αβγ", "'quoted'", "(paren)", "T,", "y,",
         "r.", "F.", "…", "98's")


def test_headlines_drawn_word_by_word_match_pillow_drawing_each_line_whole():
    # The card lays out and draws its headline from cached words (kb.cards._draw_line); these
    # are the lines and pixels Pillow's own layout of each whole line gives.
    rng = random.Random(7)
    for _ in range(300):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 25)))
        for size in (60, 48, 34):
            font = cards._font(size, bold=True)
            lines = cards._wrap(text, font, 1072)
            assert lines == cards._wrap(text, font, 1072, additive=False), text
            ours, pillows = Image.new("L", (1201, 330)), Image.new("L", (1201, 330))
            for i, line in enumerate(lines[:4]):
                xy = (65, 39 + i * int(size * 1.25))
                cards._draw_line(ImageDraw.Draw(ours), xy, line, font, 84)
                ImageDraw.Draw(pillows).text(xy, line, font=font, fill=84)
            assert ours.tobytes() == pillows.tobytes(), (size, lines)


def test_words_whose_boxes_would_overlap_are_drawn_as_one_line(monkeypatch):
    # No two words of DejaVu overlap across a space, but another font's might: blending them
    # one after the other could differ from Pillow's line, so the line is drawn whole.
    font = cards._font(60, bold=True)
    monkeypatch.setattr(cards, "_spaced", lambda font, last, word: -64 * 40)
    ours, pillows = Image.new("L", (1201, 100)), Image.new("L", (1201, 100))
    cards._draw_line(ImageDraw.Draw(ours), (65, 10), "Wave Vault", font, 84)
    ImageDraw.Draw(pillows).text((65, 10), "Wave Vault", font=font, fill=84)
    assert ours.tobytes() == pillows.tobytes()


def test_a_long_site_name_is_shortened_to_fit_the_footer():
    card = Card(CARD.claim, CARD.verdict, CARD.headline, "A much longer site title than anyone "
                "would choose for a collection of checked claims, and longer still")
    with Image.open(io.BytesIO(draw_card(card))) as image:
        footer = image.convert("RGB").crop((17, 530, 1200, 630))
    paper = Image.new("RGB", footer.size, footer.getpixel((0, 0)))
    right = 17 + ImageChops.difference(footer, paper).getbbox()[2]  # where the text ends
    assert 1000 < right <= 1200 - 64, f"the footer's text ends at x={right}"


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
