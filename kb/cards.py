"""Verdict cards: one PNG per claim for Open Graph and Twitter shares, drawn at build time.

Social sites do not show SVG, so each card is a raster image drawn with Pillow. The same
claim gives the same bytes (no clock, no random, basic text layout, fixed compression), and
each PNG carries the claim's id and verdict in tEXt chunks so the site check can compare the
card with the graph without reading pixels.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont, UnidentifiedImageError
from PIL.PngImagePlugin import PngInfo

from .verdicts import ICONS, LABELS, VERDICTS

CARD_SIZE = (1200, 630)  # the size Facebook, LinkedIn and X advise for large previews
# The tEXt keywords a card carries (PNG keywords are Latin-1, at most 79 characters).
CLAIM_KEY = "kb:claim"
VERDICT_KEY = "kb:verdict"
HEADLINE_KEY = "kb:headline"  # an iTXt chunk: the headline may hold any character

# The verdicts' colours in the site's light theme (site.css): the card shows the same colour
# a reader sees beside the verdict on the page.
COLOURS = {"accurate": "#17613a", "mostly-accurate": "#0c566e", "unverifiable": "#454555",
           "misleading": "#7a4100", "inaccurate": "#9b1c17"}
assert set(COLOURS) == set(VERDICTS), "every verdict needs a card colour"

# DejaVu (Debian's fonts-dejavu-core) covers Latin, Greek, Cyrillic, the dashes and signs the
# headlines use and the verdict icons; without it Pillow's own bundled font is used.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
INK, PAPER, MUTED = "#1b1b1f", "#ffffff", "#55555f"
MARGIN = 64


@dataclass(frozen=True)
class Card:
    """What one card shows."""

    claim: str
    verdict: str
    headline: str  # the review's headline, verdict first
    site: str


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            # BASIC layout: the same glyph positions whether or not libraqm is installed.
            return ImageFont.truetype(str(folder / name), size,
                                      layout_engine=ImageFont.Layout.BASIC)
    return ImageFont.load_default(size=size)


@cache
def _drawable(ch: str) -> bool:
    """Whether the card's font has a glyph for ch (else it would draw an empty box)."""
    if ch.isspace():
        return True
    return _glyph(ch) != _glyph("\U000f0000")  # a private-use point: no font has it


@cache
def _glyph(ch: str) -> bytes:
    image = Image.new("L", (48, 48))
    ImageDraw.Draw(image).text((4, 0), ch, font=_font(32), fill=255)
    return image.tobytes()


def drawable_text(text: str) -> str:
    """text without the characters the font cannot draw (Chinese, with DejaVu): a card shows
    only what it can write correctly, never boxes. Runs of spaces left behind are closed."""
    kept = "".join(ch for ch in unicodedata.normalize("NFC", text) if _drawable(ch))
    return " ".join(kept.split())


def card_text(card: Card) -> str:
    """The sentence under the verdict: the headline without its leading verdict word, which
    the card shows above it in colour."""
    label = LABELS[card.verdict]
    text = card.headline
    for prefix in (f"{label}: ", f"{label} claim: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return drawable_text(text)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and draw.textlength(trial, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, height: int):
    """The largest font size (and its lines) at which text fits the box, cut with … at the
    smallest size if it is still too long."""
    for size in (60, 54, 48, 42, 38, 34):
        font = _font(size, bold=True)
        lines = _wrap(draw, text, font, width)
        if len(lines) * size * 1.25 <= height:
            return font, size, lines
    most = int(height // (size * 1.25))
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    return font, size, lines


# The card is drawn on a one-byte canvas and saved as a palette PNG: it encodes about three
# times faster than RGB and the file is smaller (docs/benchmarks.md). Each region of the card
# has one background and one text colour, and its own ramp of the palette between them, from
# index `first` (background) to `first + STEPS - 1` (text). Pillow antialiases text on a
# one-byte canvas by blending the region's two indexes linearly, so every edge pixel lands on
# the ramp colour of the same blend: the card looks as if it were drawn in RGB.
STEPS = 85  # three ramps of 85 levels fill 255 of the 256 palette entries
BAND, BODY, FOOTER = 0, STEPS, 2 * STEPS  # each region's first index: its background
FOOTER_PAPER = "#f2f2f5"
TOP, BOTTOM = 150, 100  # the heights of the verdict band and the footer
STRIPE = 16  # the width of the verdict-coloured stripe at the footer's left
# zlib level 1: on a palette canvas it is 2.3x faster than level 6 and its file is still
# smaller than the RGB card's at level 6 was (docs/benchmarks.md).
COMPRESS_LEVEL = 1


def _ramp(background: str, text: str) -> bytes:
    low, high = ImageColor.getrgb(background), ImageColor.getrgb(text)
    last = STEPS - 1
    return bytes((lo * (last - i) + hi * i + last // 2) // last
                 for i in range(STEPS) for lo, hi in zip(low, high, strict=False))


@cache
def _palette(verdict: str) -> bytes:
    """The 256 colours of a card of this verdict: the band's, the body's, the footer's ramps."""
    ramps = (_ramp(COLOURS[verdict], PAPER) + _ramp(PAPER, INK)
             + _ramp(FOOTER_PAPER, MUTED))
    return ramps + bytes(768 - len(ramps))


def _text_index(region: int) -> int:
    return region + STEPS - 1


@lru_cache(maxsize=2 * len(VERDICTS))
def _canvas(verdict: str, site: str) -> Image.Image:
    """Everything on a card but its headline, drawn once per verdict and site (never
    changed: each card draws on a copy)."""
    width, height = CARD_SIZE
    image = Image.new("L", CARD_SIZE, BODY)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, TOP), fill=BAND)
    label = drawable_text(f"{ICONS[verdict]}  {LABELS[verdict].upper()}")
    draw.text((MARGIN, TOP // 2), label, font=_font(64, bold=True), fill=_text_index(BAND),
              anchor="lm")
    draw.rectangle((0, height - BOTTOM, width, height), fill=FOOTER)
    draw.rectangle((0, height - BOTTOM, STRIPE, height), fill=BAND)
    font, footer = _footer(draw, drawable_text(site), width - 2 * MARGIN)
    draw.text((MARGIN, height - BOTTOM // 2), footer, font=font, fill=_text_index(FOOTER),
              anchor="lm")
    return image


def _footer(draw: ImageDraw.ImageDraw, site: str, width: int):
    """The footer's font and text: the site's name and "Fact check", smaller for a long name,
    the name cut with … if it still does not fit."""
    tail = "  ·  Fact check"
    for size in (32, 30, 28, 26):
        font = _font(size)
        if draw.textlength(site + tail, font=font) <= width:
            return font, site + tail
    while site and draw.textlength(f"{site}…{tail}", font=font) > width:
        site = site[:-1].rstrip()
    return font, f"{site}…{tail}"


def draw_card(card: Card) -> bytes:
    """The card as PNG bytes: the verdict in words, icon and colour, the headline, the site."""
    width, height = CARD_SIZE
    image = _canvas(card.verdict, card.site).copy()
    draw = ImageDraw.Draw(image)
    font, size, lines = _fit(draw, card_text(card), width - 2 * MARGIN, height - TOP - 150)
    y = TOP + 40
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=_text_index(BODY))
        y += int(size * 1.25)
    image.putpalette(_palette(card.verdict))
    info = PngInfo()
    info.add_text(CLAIM_KEY, card.claim)
    info.add_text(VERDICT_KEY, card.verdict)
    info.add_itxt(HEADLINE_KEY, card.headline)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, compress_level=COMPRESS_LEVEL)
    return out.getvalue()


def read_card(data: bytes) -> tuple[tuple[int, int], dict[str, str]]:
    """A card's size and text chunks; ValueError if it is not a PNG."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG file (its signature is wrong)")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()  # reads every chunk, so a cut-off file fails here
            text = getattr(image, "text", {})  # PngImageFile's chunks; typeshed omits it
            return image.size, {str(k): str(v) for k, v in text.items()}
    except UnidentifiedImageError:  # its message names a Python object: say what is wrong
        raise ValueError("not a valid PNG: its header is cut off or damaged") from None
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"not a valid PNG: {exc}") from None
