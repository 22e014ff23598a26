"""Render the static site: jinja2 templates over the page views, plus each claim's own data.

Rendering is pure: it returns {relative path: bytes}; kb.build writes them into the staging
folder. Same input, same bytes: nothing here reads the clock unless SOURCE_DATE_EPOCH says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .claimdata import FEED_PATH, claim_slices, data_feed
from .errors import UsageError
from .export import FORMATS, serialize
from .iris import Iris
from .model import Collection
from .pages import VERDICT_ICONS, Download, build_site, page_path
from .pipeline import Checked
from .vocab import NS

STATIC_DIR = "static"
FORMAT_NAMES = {"trig": "TriG", "turtle": "Turtle", "nquads": "N-Quads", "jsonld": "JSON-LD",
                "csv": "CSV"}
DOWNLOAD_TEXT = {
    "trig": "The whole knowledge base with its named graphs (one per source, shared, report).",
    "turtle": "The whole knowledge base as one graph.",
    "nquads": "The named graphs as sorted N-Quads, one statement per line.",
    "jsonld": "The named graphs as JSON-LD.",
    "csv": "One row per claim: triple, bounds, time, confidence, verdict, anchor, evidence.",
}


def templates_root() -> Path:
    """The site/ folder: packaged as kb/site in a wheel, or the checkout's site/ folder."""
    packaged = Path(str(resources.files("kb"))) / "site"
    if (packaged / "templates").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "site"


@cache
def environment() -> Environment:
    """The jinja2 environment: autoescape on, undefined names are errors."""
    env = Environment(loader=FileSystemLoader(str(templates_root() / "templates")),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["icons"] = VERDICT_ICONS
    env.globals["kb_namespace"] = NS
    return env


def build_date(c: Collection, environ: Mapping[str, str] = os.environ) -> str:
    """The build's date: SOURCE_DATE_EPOCH if set, else the newest review date (never the clock)."""
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw:
        return datetime.fromtimestamp(source_date_epoch(raw), UTC).date().isoformat()
    dates = [cl.review.date for cl in c.claims.values() if cl.review is not None]
    return max(dates).isoformat() if dates else "1970-01-01"


def source_date_epoch(raw: str) -> int:
    """SOURCE_DATE_EPOCH as seconds; a clear error if it is not a whole number."""
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds since "
                         "1970-01-01; set it to e.g. $(git log -1 --format=%ct) or unset it"
                         ) from None
    if value < 0:
        raise UsageError(f"SOURCE_DATE_EPOCH={raw!r} is negative; use seconds since 1970-01-01")
    return value


def render_site(checked: Checked, downloads: Mapping[str, str], built: str
                ) -> dict[str, bytes]:
    """Every file of the site except the open-data downloads and the search index."""
    c, ds = checked.collection, checked.dataset
    site = build_site(c, checked.report.findings, built)
    feed = data_feed(c, [cv.claim for cv in site.claims], built)
    feed_text = json.dumps(feed, ensure_ascii=False, indent=1) + "\n"
    site.downloads = download_list({**downloads, FEED_PATH: feed_text})
    env = environment()
    out: dict[str, bytes] = {}

    def page(path: str, template: str, section: str, **context) -> None:
        root = "../" * path.count("/")
        html = env.get_template(template).render(
            site=site, cfg=c.config, root=root, home=root or "./", path=path, section=section,
            **context)
        out[path] = html.encode("utf-8")

    page("index.html", "overview.html", "overview")
    page("findings/index.html", "findings.html", "findings")
    page("evidence/index.html", "evidence.html", "evidence")
    page("data/index.html", "data.html", "data")
    page("vocabulary/index.html", "vocabulary.html", "data")
    page("search/index.html", "search.html", "search")
    slices = claim_slices(ds, Iris(c.config.base))
    for cv in site.claims:
        page(page_path("claim", cv.id), "claim.html", "claims", cv=cv)
        piece = slices[cv.id]
        out[f"claim/{cv.id}/claim.ttl"] = serialize(c, piece, "turtle").encode("utf-8")
        out[f"claim/{cv.id}/claim.jsonld"] = serialize(c, piece, "jsonld").encode("utf-8")
    for ev in site.entities:
        page(page_path("entity", ev.id), "entity.html", "entities", ent=ev)
    for sv in site.sources:
        page(page_path("source", sv.id), "source.html", "sources", sv=sv)
        out[sv.text_file] = sv.source.text.encode("utf-8")
    for fv in site.findings:
        page(page_path("finding", fv.id), "finding.html", "findings", fv=fv)
    out[FEED_PATH] = feed_text.encode("utf-8")
    out.update(static_files())
    return out


def download_list(downloads: Mapping[str, str]) -> list[Download]:
    """The open-data files for the data page, with format, media type and size."""
    by_ext = {ext: (fmt, media) for fmt, (ext, media) in FORMATS.items()}
    items = []
    for path, text in sorted(downloads.items()):
        ext = path.rsplit(".", 1)[-1]
        size = len(text.encode("utf-8"))
        if path.endswith("ontology.ttl"):
            items.append(Download(path, "Turtle", "text/turtle", size,
                                  "The vocabulary: every kb: term with its label and meaning."))
        elif path == FEED_PATH:
            items.append(Download(path, "JSON-LD (schema.org DataFeed)", "application/ld+json",
                                  size, "Every review as a schema.org ClaimReview in one "
                                  "DataFeed, the form fact-check aggregators accept."))
        elif ext in by_ext:
            fmt, media = by_ext[ext]
            items.append(Download(path, FORMAT_NAMES[fmt], media, size, DOWNLOAD_TEXT[fmt]))
    return items


def static_files() -> dict[str, bytes]:
    """The CSS, scripts and icons under site/static, and favicon.ico at the root."""
    folder = templates_root() / STATIC_DIR
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        target = rel if rel == "favicon.ico" else f"{STATIC_DIR}/{rel}"
        out[target] = path.read_bytes()
    return out


def stamp(folder: Path, epoch: int) -> None:
    """Set every file's and folder's mtime to SOURCE_DATE_EPOCH, for reproducible archives."""
    for path in sorted(folder.rglob("*"), reverse=True):
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    os.utime(folder, (epoch, epoch))
