"""Listings as text: an aligned table for people; JSON, JSON lines or CSV for programs."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .choices import LISTING_FORMATS
from .queries import plain_decimal

if TYPE_CHECKING:  # kb check prints JSON with this module without loading the listings
    from .listings import Listing

CELL_WIDTH = 60  # display columns a table cell may take before it is cut with …


def format_listing(listing: Listing, fmt: str) -> str:
    """A listing in one of LISTING_FORMATS, ending with a newline unless it is empty."""
    if fmt == "json":
        return json_text(listing.rows)
    if fmt == "nl":
        # One encoder for all rows (json.dumps with options builds a new one each call), and
        # no check for cycles, which rows of plain values cannot have.
        encode = json.JSONEncoder(ensure_ascii=False, default=_number,
                                  check_circular=False).encode
        return "".join(encode(r) + "\n" for r in listing.rows)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(listing.columns)
        writer.writerows([cell(r.get(c)) for c in listing.columns] for r in listing.rows)
        return out.getvalue()
    if fmt == "table":
        return table(listing.table_columns or listing.columns, listing.rows)
    raise ValueError(f"unknown format '{fmt}'; choose one of {', '.join(LISTING_FORMATS)}")


def cell(value: Any) -> str:
    """A value as the text of one cell: numbers without exponent or trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, (list, tuple)):
        return " ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value)


def _number(value: Any) -> int | float:
    """A Decimal as JSON has it (json.dumps calls this for the values it cannot encode)."""
    if isinstance(value, Decimal):
        # Exact integers stay integers; other decimals become the nearest double, which for
        # the few digits a claim states prints back exactly.
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_text(value: Any) -> str:
    """Any listing value (e.g. kb show's record) as indented JSON."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=_number) + "\n"


# -- tables -----------------------------------------------------------------------------------


def width(text: str) -> int:
    """Display columns a text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int = CELL_WIDTH) -> str:
    """Cut a text to limit display columns, marking the cut with …."""
    text = " ".join(text.split())
    if width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, size: int, right: bool = False) -> str:
    """Pad a text to size display columns."""
    fill = " " * max(0, size - width(text))
    return fill + text if right else text + fill


def table(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    """Rows as an aligned table with a header; numbers are right-aligned."""
    cells = [[clip(cell(r.get(c))) for c in columns] for r in rows]
    numeric = [all(isinstance(r.get(c), (int, float, Decimal)) and not isinstance(r.get(c), bool)
                   for r in rows if r.get(c) is not None) for c in columns]
    sizes = [max([width(c)] + [width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(pad(c, sizes[i], numeric[i]) for i, c in enumerate(columns)),
             "  ".join("-" * s for s in sizes)]
    lines += ["  ".join(pad(v, sizes[i], numeric[i]) for i, v in enumerate(row))
              for row in cells]
    return "\n".join(line.rstrip() for line in lines) + "\n"


# -- one claim --------------------------------------------------------------------------------


def claim_text(r: dict[str, Any]) -> str:
    """kb show's readable form of one claim."""
    review, anchor = r["review"], r["anchor"]
    bounds = ", ".join(f"{k} {cell(r[k])}" for k in ("lower", "upper") if r[k] is not None)
    quantity = f"{cell(r['amount'])} {r['unit']} ({r['bound']}"
    quantity += f", precision {cell(r['precision'])})" if r["precision"] is not None else ")"
    time = r["time"]
    fields = [
        ("source", f"{r['source']}" + (f" — {r['source_title']}" if r["source_title"] else "")
         + f" (characters {anchor['start']}–{anchor['end']})"),
        ("quote", f"…{anchor['prefix']}【{r['quote']}】{anchor['suffix']}…"),
        ("normalised", r["normalised"]),
        ("statement", r["statement"]),
        ("triple", f"{r['subject']} · {r['property']} · {quantity}"
         + (f" compared with {r['compared_with']}" if r["compared_with"] else "")),
        ("bounds", bounds or None),
        ("time", None if time is None else f"{time['kind']} {time['text']}"
         + (f" ({time['phrase']})" if time["phrase"] else "")),
        ("confidence", cell(r["confidence"])),
        ("verdict", f"{review['verdict']} ({review['rating']}), by "
         f"{review['reviewer_name'] or review['reviewer']} on {review['date']}"),
        ("explanation", review["explanation"]),
        ("review url", review["url"]),
    ]
    lines = [f"claim {r['id']}"]
    lines += [f"  {pad(k, 12)}{v}" for k, v in fields if v is not None]
    lines.append("evidence" if r["evidence"] else "evidence: none")
    for e in r["evidence"]:
        doc = e["document"]
        lines.append(f"  {e['id']}: {e['subject']} · {e['property']} · "
                     f"{cell(e['amount'])} {e['unit']} ({e['bound']})"
                     + (f", {e['time']}" if e["time"] else ""))
        lines.append(f"    “{e['quote']}”")
        lines.append(f"    {doc['title']}, {doc['publisher']}"
                     + (f", {doc['date']}" if doc["date"] else "") + f" — {doc['url']}")
        if e["note"]:
            lines.append(f"    note: {e['note']}")
    lines.append("findings" if r["findings"] else "findings: none")
    for f in r["findings"]:
        state = "holds" if f["holds"] else "does not hold"
        lines.append(f"  {f['id']} ({f['kind']}, {state}): {f['message']}")
    lines.append("relations" if r["relations"] else "relations: none")
    for rel in r["relations"]:
        lines.append(f"  {rel['id']}: {rel['expression']}"
                     + (f" — {rel['description']}" if rel["description"] else ""))
    return "\n".join(lines) + "\n"


def triples_text(triples) -> str:
    """CONSTRUCT answers as sorted N-Triples."""
    return "".join(sorted(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in triples))
