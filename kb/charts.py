"""SVG charts drawn at build time: a claim's interval against its evidence, and count bars.

Charts are plain SVG with CSS classes (colours live in site.css), a <title> and a <desc>, so they
need no script, print well, and a screen reader hears the same numbers the picture shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from markupsafe import Markup, escape

from .figures import number_text, quantity_text
from .intervals import SI_UNITS

WIDTH = 640
LABEL_W = 120  # room for row labels left of the plot
PLOT_PAD = 16
ROW_H = 34
AXIS_H = 52
LOG_RATIO = 20  # a log axis when the values span more than an order of magnitude (20x or more)


@dataclass(frozen=True)
class Bar:
    """One row of an interval chart: an interval, its central amount and how to draw it."""

    label: str
    lo: float  # may be -inf
    hi: float  # may be +inf
    amount: float
    css: str  # "claim" or "evidence"
    describe: str  # the row in words, for <desc>


def to_float(value: Fraction | Decimal | float | int) -> float:
    """A finite or infinite number as a float for drawing."""
    return float(value)


class _Axis:
    """Maps values to x positions on a linear or log axis shared by every row."""

    def __init__(self, values: list[float]):
        finite = [v for v in values if math.isfinite(v)]
        positive = [v for v in finite if v > 0]
        lo, hi = min(finite), max(finite)
        # A log axis when the positive values span orders of magnitude and nothing is negative;
        # a lower end of 0 ("at most 5") then sits off the axis, at its left edge.
        self.log = (lo >= 0 and len(positive) > 1
                    and max(positive) / min(positive) >= LOG_RATIO)
        if self.log:
            lo, hi = math.log10(min(positive)), math.log10(max(positive))
        span = hi - lo
        pad = span * 0.08 if span else (abs(lo) * 0.05 or 1.0)
        self.lo, self.hi = lo - pad, hi + pad
        self.x0, self.x1 = LABEL_W + PLOT_PAD, WIDTH - 3 * PLOT_PAD  # room for tick labels

    def off_axis(self, value: float) -> bool:
        """Whether a value cannot be drawn: infinite, or not positive on a log axis."""
        return math.isinf(value) or (self.log and value <= 0)

    def x(self, value: float) -> float:
        """The x position of a value; values off the axis sit at its edges."""
        if value == -math.inf or (self.log and value <= 0):
            return self.x0
        if value == math.inf:
            return self.x1
        v = math.log10(value) if self.log else value
        frac = (v - self.lo) / (self.hi - self.lo)
        return round(self.x0 + max(0.0, min(1.0, frac)) * (self.x1 - self.x0), 2)

    def ticks(self) -> list[Decimal]:
        """Round values for tick marks: powers of ten on a log axis, 1-2-5 steps otherwise."""
        if self.log:
            first, last = math.ceil(self.lo), math.floor(self.hi)
            every = max(1, math.ceil((last - first + 1) / 6))
            return [Decimal(10) ** k for k in range(first, last + 1, every)]
        raw = (self.hi - self.lo) / 4
        exponent = math.floor(math.log10(raw))
        step = next(Decimal(m).scaleb(exponent) for m in ("1", "2", "2.5", "5", "10")
                    if Decimal(m).scaleb(exponent) >= Decimal(repr(raw)))
        start = (Decimal(repr(self.lo)) / step).to_integral_value(rounding="ROUND_CEILING") * step
        count = int((Decimal(repr(self.hi)) - start) / step) + 1
        return [start + i * step for i in range(count)]


def tick_text(value: Decimal, unit: str) -> str:
    """A tick label: with an SI prefix for SI units (1 EFLOPS), else the bare number."""
    return quantity_text(value, unit) if unit in SI_UNITS else number_text(value)


def interval_chart(bars: list[Bar], unit: str, ident: str) -> Markup:
    """The claimed interval against the evidence intervals on one axis, as inline SVG."""
    axis = _Axis([v for b in bars for v in (b.lo, b.hi, b.amount)])
    height = AXIS_H + ROW_H * len(bars) + 8
    scale = "logarithmic" if axis.log else "linear"
    # a pure number has no unit to name: "in dimensionless" is not English
    unit_name = "plain numbers" if unit == "dimensionless" else unit
    title = f"Claimed interval against the evidence, in {unit_name} ({scale} scale)"
    parts = [
        f'<svg class="chart interval-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(" ".join(b.describe for b in bars))}</desc>',
    ]
    base = height - AXIS_H + 6
    parts.append(f'<line class="axis" x1="{axis.x0}" y1="{base}" x2="{axis.x1}" y2="{base}"/>')
    for t in axis.ticks():
        x = axis.x(float(t))
        parts.append(f'<line class="grid" x1="{x}" y1="4" x2="{x}" y2="{base + 4}"/>')
        parts.append(f'<text class="tick" x="{x}" y="{base + 20}" text-anchor="middle">'
                     f'{escape(tick_text(t, unit))}</text>')
    for i, bar in enumerate(bars):
        y = 8 + i * ROW_H
        mid = y + ROW_H / 2 - 4
        parts.append(f'<g class="row {bar.css}">')
        parts.append(f'<text class="label" x="{LABEL_W}" y="{mid + 5}" text-anchor="end">'
                     f'{escape(bar.label)}</text>')
        x_lo, x_hi = axis.x(bar.lo), axis.x(bar.hi)
        width = max(x_hi - x_lo, 3.0)
        parts.append(f'<rect class="interval" x="{round(min(x_lo, x_hi - 1.5), 2)}" '
                     f'y="{mid - 7}" width="{round(width, 2)}" height="14" rx="3"/>')
        for end, x, sign in ((bar.lo, x_lo, -1), (bar.hi, x_hi, 1)):
            if axis.off_axis(end):  # unbounded, or 0 on a log axis: an arrowhead at the edge
                tip = x + sign * 8
                parts.append(f'<path class="open-end" d="M{x} {mid - 9} L{tip} {mid} '
                             f'L{x} {mid + 9} Z"/>')
        parts.append(f'<circle class="amount" cx="{axis.x(bar.amount)}" cy="{mid}" r="4"/>')
        parts.append("</g>")
    parts.append(f'<text class="scale-note" x="{axis.x0}" y="{base + 38}">'
                 f'{escape(unit_name)}{", log scale" if axis.log else ""}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Count:
    """One bar of a count chart; its label text carries an id the site check reads back."""

    key: str
    label: str
    count: int
    css: str
    href: str = ""  # where the bar leads: the claims it counts


def bar_chart(counts: list[Count], group: str, title: str) -> Markup:
    """Horizontal bars with their counts, e.g. claims by verdict, as inline SVG."""
    # a label's parenthetical ("Dojo (Tesla supercomputer)") is left to the page it links to,
    # so that labels fit beside their bars at a phone's larger type
    shown = {c.key: c.label.split(" (", 1)[0] for c in counts}
    longest = max((len(text) for text in shown.values()), default=0)
    # ~11.5 units per character of the 22px labels a phone gets (site.css), so that they stay
    # legible when the chart shrinks to a third of its width, and still fit
    label_w = min(300, max(100, round(11.5 * longest) + 16))
    row = 28
    height = row * len(counts) + 8
    top = max((c.count for c in counts), default=0) or 1
    span = WIDTH - label_w - 60
    summary = "; ".join(f"{c.label}: {c.count}" for c in counts)
    role = "group" if any(c.href for c in counts) else "img"  # an image cannot hold links
    parts = [
        f'<svg class="chart bar-chart" viewBox="0 0 {WIDTH} {height}" role="{role}" '
        f'aria-labelledby="{group}-title {group}-desc">',
        f'<title id="{group}-title">{escape(title)}</title>',
        f'<desc id="{group}-desc">{escape(summary)}</desc>',
    ]
    for i, c in enumerate(counts):
        y = 4 + i * row
        w = round(span * c.count / top, 2)
        # The link is named by what it shows ("Inaccurate 12"): an aria-label such as
        # "Inaccurate: 12" does not contain the visible text as spoken, which fails WCAG 2.5.3
        # (label in name) for a user who says what they see.
        parts.append(f'<a href="{escape(c.href)}">' if c.href else "")
        parts.append(f'<g class="bar {escape(c.css)}">')
        parts.append(f'<text class="label" x="{label_w - 8}" y="{y + 18}" text-anchor="end">'
                     f'{escape(shown[c.key])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1)}" height="18" rx="2"/>')
        parts.append(f'<text class="count" id="count-{group}-{escape(c.key)}" '
                     f'x="{label_w + max(w, 1) + 6}" y="{y + 18}">{c.count}</text>')
        parts.append("</g>")
        parts.append("</a>" if c.href else "")
    parts.append("</svg>")
    return Markup("".join(parts))

