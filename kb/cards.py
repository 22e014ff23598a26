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
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError
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


def draw_card(card: Card) -> bytes:
    """The card as PNG bytes: the verdict in words, icon and colour, the headline, the site."""
    width, height = CARD_SIZE
    colour = COLOURS[card.verdict]
    image = Image.new("RGB", CARD_SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 150), fill=colour)
    verdict = f"{ICONS[card.verdict]}  {LABELS[card.verdict].upper()}"
    draw.text((MARGIN, 75), drawable_text(verdict), font=_font(64, bold=True), fill=PAPER,
              anchor="lm")
    font, size, lines = _fit(draw, card_text(card), width - 2 * MARGIN, height - 150 - 150)
    y = 190
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=INK)
        y += int(size * 1.25)
    draw.rectangle((0, height - 100, width, height), fill="#f2f2f5")
    draw.rectangle((0, height - 100, 16, height), fill=colour)
    draw.text((MARGIN, height - 50), drawable_text(card.site) + "  ·  Fact check",
              font=_font(32), fill=MUTED, anchor="lm")
    info = PngInfo()
    info.add_text(CLAIM_KEY, card.claim)
    info.add_text(VERDICT_KEY, card.verdict)
    info.add_itxt(HEADLINE_KEY, card.headline)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, compress_level=6)
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
