"""Verdict cards: one PNG per claim for Open Graph and Twitter shares, drawn at build time.

Social sites do not show SVG, so each card is a raster image, drawn with Pillow and written
as a palette PNG by this module. The same claim gives the same bytes (no clock, no random,
basic text layout, fixed compression), and each PNG carries the claim's id and verdict in
tEXt chunks so the site check can compare the card with the graph without reading pixels.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont, UnidentifiedImageError
from zlib_ng import zlib_ng

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
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


def _wrap(text: str, font, width: int, additive: bool | None = None) -> list[str]:
    """text's lines at most width pixels wide. With basic layout (additive, by default), a
    trial line's width is added up from cached pieces in FreeType's 1/64 pixel: Pillow adds
    each glyph's advance and each pair's kerning, so the sum is what font.getlength(trial)
    gives. Otherwise (Pillow's own font, without DejaVu) each trial line is measured whole."""
    additive = _basic(font) if additive is None else additive
    lines: list[str] = []
    line, wide = "", 0.0
    for word in text.split():
        if not line:
            line, wide = word, _advance(font, word)
            continue
        trial = f"{line} {word}"
        trial_wide = (wide + _spaced(font, line[-1], word) if additive
                      else font.getlength(trial) * 64)
        if trial_wide > width * 64:
            lines.append(line)
            line, wide = word, _advance(font, word)
        else:
            line, wide = trial, trial_wide
    if line:
        lines.append(line)
    return lines


def _basic(font) -> bool:
    return getattr(font, "layout_engine", None) == ImageFont.Layout.BASIC


# Widths and word masks are cached per font: a headline's words recur from card to card (the
# common words, the entities' names), and laying out and rasterising them again took two
# thirds of a card's time.
@lru_cache(maxsize=65536)
def _advance(font, text: str) -> int:
    """text's advance in 1/64 pixel (Pillow returns it divided by 64, exactly)."""
    return int(font.getlength(text) * 64)


@lru_cache(maxsize=65536)
def _spaced(font, last: str, word: str) -> int:
    """How much " word" adds to a line ending in the character `last`: the space's advance and
    word's, and the kerning of last with the space and of the space with word."""
    return (_advance(font, last + " ") - _advance(font, last)
            + _advance(font, " " + word) - _advance(font, " "))


# A word's mask at size 60 is about 20 KB: at most this many are kept in each page worker.
WORD_MASKS = 2048


@lru_cache(maxsize=WORD_MASKS)
def _word_mask(font, word: str, start: int):
    """word's mask and offset as ImageDraw.text makes them for the word alone, drawn from the
    fraction start/64 of a pixel."""
    return font.getmask2(word, "L", anchor="la", start=(start / 64, 0.0))


def _draw_line(draw: ImageDraw.ImageDraw, xy: tuple[int, int], line: str, font,
               fill: int) -> None:
    """draw.text(xy, line, font=font, fill=fill), word by word from cached masks: the same
    pixels, as Pillow places each glyph at its own rounded position and a mask adds nothing
    where it is 0. Where two words' boxes would overlap (a glyph reaching over the space), their
    blends could differ from the line's, so that line is drawn whole."""
    if not _basic(font):  # its widths may not add up
        draw.text(xy, line, font=font, fill=fill)
        return
    placed: list[tuple[int, int, Any]] = []
    x64, right, last = 0, -1, ""
    for word in line.split(" "):
        if last:
            x64 += _spaced(font, last, word) - _advance(font, word)
        mask, (dx, dy) = _word_mask(font, word, x64 % 64)
        x = xy[0] + x64 // 64 + dx
        if x < right or not word:
            draw.text(xy, line, font=font, fill=fill)
            return
        right = x + mask.size[0]
        placed.append((x, xy[1] + dy, mask))
        x64 += _advance(font, word)
        last = word[-1]
    for x, y, mask in placed:
        draw.draw.draw_bitmap((x, y), mask, fill)


def _fit(text: str, width: int, height: int):
    """The largest font size (and its lines) at which text fits the box, cut with … at the
    smallest size if it is still too long."""
    for size in (60, 54, 48, 42, 38, 34):
        font = _font(size, bold=True)
        lines = _wrap(text, font, width)
        if len(lines) * size * 1.25 <= height:
            return font, size, lines
    most = int(height // (size * 1.25))
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    return font, size, lines


# The card is drawn on a one-byte canvas and written as a palette PNG, which compresses about
# three times faster than RGB into a smaller file (docs/benchmarks.md). Each region of the card
# has one background and one text colour, and its own ramp of the palette between them, from
# index `first` (background) to `first + STEPS - 1` (text). Pillow antialiases text on a
# one-byte canvas by blending the region's two indexes linearly, so every edge pixel lands on
# the ramp colour of the same blend: the card looks as if it were drawn in RGB.
STEPS = 85  # three ramps of 85 levels: 255 palette entries
BODY, BAND, FOOTER = 0, STEPS, 2 * STEPS  # each region's first index, its background
FOOTER_PAPER = "#f2f2f5"
TOP, BOTTOM = 151, 100  # the heights of the verdict band and of the footer
STRIPE = 17  # the width of the verdict-coloured stripe at the footer's left
HEADLINE = (190, 520)  # the rows the headline may fill, from its first line's top
# Only the rows the headline's ink covers are compressed per card: the rows above and below
# are the same on many cards and their compressed form is reused. They are deflated by
# zlib-ng, not zlib: at level 2 it took 0.32 ms for a headline's rows against zlib's 0.89 ms
# at level 3, and wrote 2% less (docs/benchmarks.md). Its output is plain deflate, which any
# PNG reader inflates; the same version gives the same bytes (kb.render.card_key names it).
COMPRESS_LEVEL = 2
ZLIB_NG = zlib_ng.ZLIBNG_VERSION
# Every canvas has one column more than the card, on the left, always 0: a PNG row starts with
# its filter byte and 0 is "none", so the canvas's bytes are the PNG's rows as they are.
ROW = CARD_SIZE[0] + 1


def _ramp(background: str, text: str) -> bytes:
    low, high = ImageColor.getrgb(background), ImageColor.getrgb(text)
    last = STEPS - 1
    return bytes((lo * (last - i) + hi * i + last // 2) // last
                 for i in range(STEPS) for lo, hi in zip(low, high, strict=False))


@cache
def _palette(verdict: str) -> bytes:
    """The colours of a card of this verdict: the body's, the band's and the footer's ramps."""
    return _ramp(PAPER, INK) + _ramp(COLOURS[verdict], PAPER) + _ramp(FOOTER_PAPER, MUTED)


def _text_index(region: int) -> int:
    return region + STEPS - 1


@lru_cache(maxsize=2 * len(VERDICTS))
def _canvas(verdict: str, site: str) -> Image.Image:
    """Everything on a card but its headline (whose rows stay blank), drawn once per verdict
    and site; never changed afterwards."""
    width, height = CARD_SIZE
    image = Image.new("L", (ROW, height), BODY)
    draw = ImageDraw.Draw(image)
    draw.rectangle((1, 0, width, TOP - 1), fill=BAND)
    label = drawable_text(f"{ICONS[verdict]}  {LABELS[verdict].upper()}")
    draw.text((1 + MARGIN, TOP // 2), label, font=_font(64, bold=True),
              fill=_text_index(BAND), anchor="lm")
    draw.rectangle((1, height - BOTTOM, width, height - 1), fill=FOOTER)
    draw.rectangle((1, height - BOTTOM, STRIPE, height - 1), fill=BAND)
    font, footer = _footer(draw, drawable_text(site), width - 2 * MARGIN)
    draw.text((1 + MARGIN, height - BOTTOM // 2), footer, font=font,
              fill=_text_index(FOOTER), anchor="lm")
    image.paste(0, (0, 0, 1, height))  # the filter bytes, whatever the text drew there
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


@dataclass(frozen=True)
class _Deflated:
    """Rows compressed on their own, to be joined with others into one zlib stream."""

    data: bytes
    adler: int  # the Adler-32 checksum of the rows
    size: int  # the rows' length in bytes


def _deflate(rows: bytes, last: bool) -> _Deflated:
    # A fresh compressor per piece never refers back into another piece, and a sync flush
    # ends the piece on a byte boundary: such pieces joined are one valid deflate stream.
    packer = zlib_ng.compressobj(COMPRESS_LEVEL, zlib_ng.DEFLATED, -15)
    data = packer.compress(rows) + packer.flush(zlib_ng.Z_FINISH if last else
                                                zlib_ng.Z_SYNC_FLUSH)
    return _Deflated(data, zlib_ng.adler32(rows), len(rows))


@lru_cache(maxsize=256)
def _fixed_rows(verdict: str, site: str, start: int, stop: int) -> _Deflated:
    """Rows start to stop of a card's canvas, compressed: the band or the footer with the
    blank rows between it and the headline."""
    rows = _canvas(verdict, site).crop((0, start, ROW, stop)).tobytes()
    return _deflate(rows, last=stop == CARD_SIZE[1])


def _adler_join(first: int, second: int, second_size: int) -> int:
    """The Adler-32 checksum of two byte strings joined, from theirs (zlib's adler32_combine,
    which Python's zlib module does not offer)."""
    base = 65521
    rem = second_size % base
    low = ((first & 0xFFFF) + (second & 0xFFFF) + base - 1) % base
    high = (rem * (first & 0xFFFF) + (first >> 16) + (second >> 16) + base - rem) % base
    return low | high << 16


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind))))


def _text_chunk(key: str, value: str) -> bytes:
    """A tEXt chunk, or an iTXt chunk (UTF-8) for a value that is not Latin-1."""
    try:
        return _chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1"))
    except UnicodeEncodeError:
        return _itxt_chunk(key, value)


def _itxt_chunk(key: str, value: str) -> bytes:
    # Not compressed, no language tag and no translated keyword.
    return _chunk(b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8"))


def draw_card(card: Card) -> bytes:
    """The card as PNG bytes: the verdict in words, icon and colour, the headline, the site."""
    width, height = CARD_SIZE
    body = Image.new("L", (ROW, height - TOP - BOTTOM), BODY)
    draw = ImageDraw.Draw(body)
    font, size, lines = _fit(card_text(card), width - 2 * MARGIN,
                             HEADLINE[1] - HEADLINE[0])
    for i, line in enumerate(lines):
        _draw_line(draw, (1 + MARGIN, HEADLINE[0] - TOP + i * int(size * 1.25)), line, font,
                   _text_index(BODY))
    body.paste(0, (0, 0, 1, body.height))  # the filter bytes, as in _canvas
    # The rows the ink covers (BODY is 0, the blank paper), as rows of the whole card.
    box = body.getbbox()
    start, stop = (TOP + box[1], TOP + box[3]) if box else (TOP, TOP)
    head = _fixed_rows(card.verdict, card.site, 0, start)
    ink = _deflate(body.crop((0, start - TOP, ROW, stop - TOP)).tobytes(), last=False)
    tail = _fixed_rows(card.verdict, card.site, stop, height)
    adler = _adler_join(_adler_join(head.adler, ink.adler, ink.size), tail.adler, tail.size)
    # zlib's header: deflate, 32 KiB window, "fastest" (only informative), check bits.
    stream = b"\x78\x01" + head.data + ink.data + tail.data + struct.pack(">I", adler)
    # 8 bits per pixel, colour type 3 (palette), deflate, adaptive filters, no interlace.
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return b"".join((PNG_SIGNATURE, _chunk(b"IHDR", header),
                     _chunk(b"PLTE", _palette(card.verdict)),
                     _text_chunk(CLAIM_KEY, card.claim), _text_chunk(VERDICT_KEY, card.verdict),
                     _itxt_chunk(HEADLINE_KEY, card.headline),
                     _chunk(b"IDAT", stream), _chunk(b"IEND", b"")))


def read_card(data: bytes) -> tuple[tuple[int, int], dict[str, str]]:
    """A card's size and text chunks; ValueError if it is not a PNG."""
    if not data.startswith(PNG_SIGNATURE):
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
