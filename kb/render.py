"""Render the static site: jinja2 templates over the page views, plus each claim's own data.

Rendering is pure: it returns {relative path: bytes}; kb.build writes them into the staging
folder. Same input, same bytes: nothing here reads the clock unless SOURCE_DATE_EPOCH says so.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, cached_property, partial
from importlib import metadata, resources
from pathlib import Path
from types import FunctionType
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import PIL
from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    Template,
)
from jinja2.bccache import Bucket
from jinja2.runtime import Context, Macro
from markupsafe import Markup
from markupsafe import escape as markup_escape

try:  # markupsafe's C escaping (its pure-Python fallback otherwise, as markupsafe does)
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover
    from markupsafe._native import _escape_inner

from . import atomic, cards  # atomic.write_new through the module: fault tests replace it
from .cards import CARD_SIZE, Card, draw_card
from .choices import EXPORT_FORMATS
from .claimdata import FEED_SEPARATOR, dataset_jsonld, feed_element, feed_frame, script_json
from .errors import KbError, UsageError
from .figures import prose
from .history import read_history
from .layout import (
    ATOM_PATH,
    CARD_NAME,
    FEED_ITEMS,
    FEED_PATH,
    JSON_FEED_PATH,
    NOT_FOUND_PAGE,
    ONTOLOGY_PATH,
    PAGE_SIZE,
    ROBOTS_PATH,
    SITEMAP_PATH,
    SITEMAP_URLS,
    SOURCES_LIST,
    STATIC_DIR,
    STATIC_FILES,
    UNLISTED_PAGES,
    card_path,
    download_path,
    page_path,
    sitemap_part,
)
from .model import Collection, Entity
from .pages import (
    ClaimView,
    Download,
    EntityView,
    EvidenceView,
    Figure,
    FindingView,
    QuantityView,
    ReviewerView,
    Site,
    SourceView,
    StatementViews,
    build_site,
    by_document,
    paginate,
)
from .parallel import map_chunks
from .pipeline import Checked
from .reuse import Fingerprints, Previous, Written, digest, write_keyed
from .searchindex import UNSEARCHED, marks_body, searched_digest
from .tiers import DEFINITIONS as KIND_DEFINITIONS
from .tiers import TIER_LABELS, kind_label, tier
from .trust import WEAK_CAP
from .verdicts import BANDS, DEFINITIONS, ICONS, LABELS, VERDICTS
from .vocab import NS


def templates_root() -> Path:
    """The site/ folder: packaged as kb/site in a wheel, or the checkout's site/ folder."""
    packaged = Path(str(resources.files("kb"))) / "site"
    if (packaged / "templates").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "site"


def _escape(value: Any, _new=str.__new__, _markup=Markup, _inner=_escape_inner) -> Markup:
    """markupsafe.escape, without its two Python calls (escape and Markup.__new__) for what
    most output expressions give: a plain string (escaped) or a macro's Markup (as it is)."""
    kind = type(value)
    if kind is str:
        return _new(_markup, _inner(value))
    if kind is _markup:
        return value
    return markup_escape(value)


def figure_html(f: Figure, filter: str | None = None) -> Markup:
    """A figure as macros.html writes it (its `fig`): a <data> element with the figure's value,
    node and property, and its text. A function, not a macro: pages show hundreds of figures,
    and a macro call costs several Python calls more."""
    search = f' data-pagefind-filter="{_escape(filter)}"' if filter else ""
    return str.__new__(Markup, f'<data class="fig" value="{_escape(f.value)}" data-node="'
                       f'{_escape(f.node)}" data-prop="{_escape(f.prop)}"{search}>'
                       f'{_escape(f.text)}</data>')


# The macros a page calls most (a list row calls all four, a claim page verdict and claim_link
# each about ten times), as functions: a macro call costs about as much as its body.
# macros.html binds each to the page's root (its `verdict`, `claim_link`, `entity_link` and
# `quantity`), so templates call them as they call a macro.
def verdict_html(cv: ClaimView, filter: bool = False, *, root: str) -> Markup:
    """A claim's verdict: its icon, its figure and a link to what the verdict means."""
    slug = _escape(cv.verdict)
    return str.__new__(Markup, f'<span class="verdict v-{slug}"><span class="verdict-icon" '
                       f'aria-hidden="true">{_escape(ICONS[cv.verdict])}</span> '
                       f'{figure_html(cv.verdict_fig, "verdict" if filter else None)}</span> '
                       f'<a class="method-link" href="{_escape(root)}method/#{slug}">what this '
                       'means</a>')


def claim_link_html(cv: ClaimView, *, root: str) -> Markup:
    """A link to a claim's page, its statement in quotes when the claim is corrected: a wrong
    claim is quoted, never written as a fact."""
    text: str = _escape(prose(cv.claim.statement))
    if cv.corrected:
        text = f"“{text}”"
    return str.__new__(Markup, f'<a href="{_escape(root)}{_escape(cv.url)}">{text}</a>')


def entity_link_html(e: Entity, filter: bool = False, *, root: str) -> Markup:
    """A link to an entity's page, by its English label."""
    search = ' data-pagefind-filter="entity"' if filter else ""
    return str.__new__(Markup, f'<a href="{_escape(root)}entity/{_escape(e.id)}/"{search}>'
                       f'{_escape(e.label("en"))}</a>')


def quantity_html(q: QuantityView) -> Markup:
    """A quantity as stated: a range as the range the text gave, never as its midpoint; a
    bound other than exact said in words."""
    if q.bound == "range" and q.lower and q.upper:
        return str.__new__(Markup, f'<span class="range">{figure_html(q.lower)} to '
                           f'{figure_html(q.upper)}</span>')
    if q.bound == "exact":
        return figure_html(q.amount)
    return str.__new__(Markup, f'{figure_html(q.amount)} <span class="bound">('
                       f'{_escape(q.bound_text)})</span>')


def with_root(func: Callable[..., Markup], root: str) -> Callable[..., Markup]:
    """func with the page's root bound (macros.html)."""
    return partial(func, root=root)


class _Template(Template):
    """A template whose output expressions escape with _escape (each is one call of it)."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        """The template, its module's `escape` (every {{ }} of it calls it) replaced."""
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = _escape
        return template


# Callables whose jinja_pass_arg, if any, is in their own __dict__ (a partial's is its own too,
# not its function's, for jinja2 as here).
_PLAIN_CALLABLES = (FunctionType, Macro, partial)


class _Context(Context):
    """A template context whose calls skip jinja2's checks for pass_context where they cannot
    apply: a template calls a macro or a function about 60 times a claim page, and
    Context.call asks each for its and its __call__'s jinja_pass_arg (hasattr, an exception
    each when missing), about a tenth of the page's time."""

    def call(__self, __obj, *args, **kwargs):  # __ names: a keyword argument may be "self"
        """Context.call; a macro, function or partial not marked pass_* is called at once."""
        if type(__obj) not in _PLAIN_CALLABLES or "jinja_pass_arg" in __obj.__dict__:
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


class _TemplateCache(FileSystemBytecodeCache):
    """jinja2's cache of compiled templates, in its default place (a folder of the user's own
    in the temporary folder): a new kb process loads them instead of compiling them, which
    took 0.15 s of CPU of each build (docs/benchmarks.md). Each file names its template's
    source by hash, so an edited template is compiled again. The cache only saves time: a file
    that cannot be read or written is as if it were not there (jinja2 writes each atomically).
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        """The template's code from its file, if that can be read."""
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Write the template's code to its file, if that can be written."""
        with suppress(OSError):
            super().dump_bytecode(bucket)


def _template_cache() -> BytecodeCache | None:
    try:
        return _TemplateCache()
    except (OSError, RuntimeError):  # no temporary folder, or one another user owns
        return None


@cache
def environment() -> Environment:
    """The jinja2 environment: autoescape on, undefined names are errors."""
    env = Environment(loader=FileSystemLoader(str(templates_root() / "templates")),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False,
                      bytecode_cache=_template_cache())
    env.template_class = _Template
    env.context_class = _Context
    env.filters.update(prose=prose, by_document=by_document)
    env.globals.update(
        icons=ICONS, figure_html=figure_html, page_url=page_url, kb_namespace=NS,
        verdict_html=verdict_html, claim_link_html=claim_link_html, with_root=with_root,
        entity_link_html=entity_link_html, quantity_html=quantity_html,
        tier_of=tier, verdict_name=verdict_name, kind_label=kind_label,
        tier_labels=TIER_LABELS, card_name=CARD_NAME, card_size=CARD_SIZE,
        page_size=PAGE_SIZE, verdict_labels={v: LABELS[v] for v in VERDICTS},
        unsearched=tuple(Markup(mark) for mark in UNSEARCHED))
    return env


def verdict_name(slug: str) -> str:
    """A verdict's label; a slug from an old commit that is no longer a verdict, as written."""
    return LABELS.get(slug, slug)


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


# The templates that show the downloads' sizes.
DOWNLOAD_TEMPLATES = frozenset({"data.html"})
# Every page has a key of everything it shows: its views, what it reads of the whole site and
# the code and templates (kb.reuse.Fingerprints). A rebuild links a page whose key is unchanged
# from the previous site without rendering it. The pages of one thing each (a claim, an
# entity, ...), most of the site, are given only PageSite of the site, so that their key does
# not change with every claim; the others (the overview, the lists) see the whole Site.
# The list pages are keyed too: each is given its own rows, so a one-claim edit re-renders only
# the list pages that show that claim (or whose page count changed).
KEYED_TEMPLATES = frozenset({"claim.html", "entity.html", "source.html", "finding.html",
                             "reviewer.html", "document.html", "statement.html", "claims.html",
                             "findings.html", "evidence.html", "entities.html", "sources.html",
                             "corrections.html", "history.html"})
VIEWS = (ClaimView, EvidenceView, FindingView, EntityView, SourceView, ReviewerView)
# How many links deep a page shows the views it links to: a claim's page shows its findings
# (1) and the claims each finding blames (2).
VIEW_DEPTH = 2


@dataclass(frozen=True)
class PageSite:
    """All that a page of one thing may read of the whole site (its key covers all of it):
    a template that reads more of `site` fails, as an undefined name."""

    built: str
    article: str
    verdict_scale: list[dict]


@dataclass
class PageJob:
    """One page to render: where it goes, its template, its menu section and its view."""

    path: str
    template: str
    section: str
    context: dict[str, Any] = field(default_factory=dict)
    root: str | None = None  # links' prefix; by default relative to the page's folder
    # How many links deep the page shows the views of its context (kb.reuse.Fingerprints);
    # None: VIEW_DEPTH. A list page shows each row's own data, little or nothing beyond.
    depth: int | None = None


@dataclass
class Rendered:
    """A site ready to write: its pages still to render, and every other file's bytes."""

    site: Site
    pages: list[PageJob]
    files: dict[str, bytes]

    @cached_property
    def page_site(self) -> PageSite:
        """What the keyed pages see of the site."""
        return PageSite(self.site.built, self.site.article, self.site.verdict_scale)

    def write_feed(self, folder: Path, pages: Written, previous: Previous
                   ) -> tuple[int, Written, set[str]]:
        """Write the ClaimReview feed into folder, once the claims' pages are written: the
        review of a claim whose page has the key it had in the previous site is copied from
        the previous feed (a page's key covers its ClaimReview, which the page carries).
        Its size, its blocks for the record, and the claims whose reviews were made anew."""
        c = self.site.collection
        path = folder / FEED_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        keyed = [(digest(f"feed\0{pages.key(page_path('claim', cv.id))}".encode()), cv)
                 for cv in self.site.claims]
        made: set[str] = set()
        size, recorded = write_feed(path, feed_frame(c, self.site.built),
                                    [(key, partial(feed_element, c, cv.claim))
                                     for key, cv in keyed], previous, made)
        return size, recorded, {cv.id for key, cv in keyed if key in made}

    def downloads(self, written: Mapping[str, bytes | int]) -> None:
        """Give the data page the downloads' sizes, from what the build wrote (bytes, or the
        size of a file streamed to disk); the feed is among them."""
        sizes = {rel: data if isinstance(data, int) else len(data)
                 for rel, data in {**written, **self.files}.items()}
        self.site.downloads = download_list(sizes)

    def render(self, job: PageJob) -> bytes:
        """One page's HTML."""
        root = self._root(job)
        site = self.page_site if job.template in KEYED_TEMPLATES else self.site
        return environment().get_template(job.template).render(
            site=site, cfg=self.site.collection.config, root=root, home=root or "./",
            path=job.path, section=job.section, **job.context).encode("utf-8")

    @cached_property
    def fingerprints(self) -> Fingerprints:
        """The digests of the views, kept for both passes of write_pages."""
        return Fingerprints(VIEWS, VIEW_DEPTH)

    def page_key(self, job: PageJob, site_keys: tuple[str, str]) -> str:
        """What a page's bytes depend on; site_keys: `site_keys()` of this pass."""
        site = site_keys[0] if job.template in KEYED_TEMPLATES else site_keys[1]
        return self.fingerprints.of((site, job.path, job.template, job.section,
                                     self._root(job), job.context), job.depth)

    def site_keys(self) -> tuple[str, str]:
        """What every page depends on besides its own views: the code and templates, the
        configuration, and what it sees of the site as it is now (PageSite for the pages of
        one thing, the whole Site for the others)."""
        common = (_page_code(), self.site.collection.config)
        site = self.site
        self.fingerprints.prime([*site.claims, *site.findings, *site.entities, *site.sources,
                                 *site.reviewers, *(ev for _, evs in site.documents
                                                    for ev in evs)])
        return (self.fingerprints.of((*common, self.page_site)),
                self.fingerprints.of((*common, self.site)))

    @staticmethod
    def _root(job: PageJob) -> str:
        return job.root if job.root is not None else "../" * job.path.count("/")

    def write_pages(self, folder: Path, downloads: bool | None = None,
                    previous: Previous | None = None) -> Written:
        """Render pages into folder, on every core; what was written. downloads=False: only
        the pages that do not list the downloads (they can be written before the export ends),
        True: only those that do, None: all. A page or card the previous site already holds
        as it would come out is linked from there (kb.reuse)."""
        jobs = [job for job in self.pages
                if downloads is None or (job.template in DOWNLOAD_TEMPLATES) == downloads]
        before = previous or Previous()
        title = self.site.collection.config.title
        # The whole site digested here, before the workers fork: they inherit the digests of
        # its views, and each page's key is then a few lookups. Not kept from one call to the
        # next, as the site is not frozen: the data page's downloads are set between them.
        site_keys = self.site_keys()
        # And the templates compiled here too: each worker compiled those it used itself, in
        # each of the two passes (0.14 s each time; a seed build takes 1.6 s).
        for name in sorted({job.template for job in jobs}):
            environment().get_template(name)

        # Paths as text: a Path made for each of a quarter of a million pages and cards costs.
        base = os.fspath(folder) + "/"

        def chunk(part: Sequence[PageJob]) -> Written:
            # Each worker makes the folders its pages lack as it links or writes them (a
            # second or two for a 10,000-claim site on a journalled file system, spread over
            # the cores); a rebuild's staging folder holds nearly all of them already.
            out = Written()
            for job in part:
                key = self.page_key(job, site_keys)
                dest = base + job.path
                if before.link(job.path, dest, key=key):
                    entry = before.entries[job.path]
                    out.add(job.path, entry.hash, entry.size, key, False, entry.marked,
                            entry.searched)
                else:
                    html = self.render(job)
                    out.rendered.add(job.path)
                    h = digest(html)
                    if not before.link(job.path, dest, hash=h):
                        atomic.write_new(dest, html)
                    # Noted here, where the bytes are at hand: the search index then reads
                    # none of the pages to split them into parts (kb.searchindex).
                    out.add(job.path, h, len(html), key, not before.same(job.path, h),
                            marks_body(html), searched_digest(html, h))
                cv = job.context.get("cv")
                if cv is not None:  # drawn here, in the page workers: a card costs milliseconds
                    card = claim_card(cv, title)
                    rel, key = card_path(cv.id), card_key(card)
                    if before.link(rel, base + rel, key=key):
                        entry = before.entries[rel]
                        out.add(rel, entry.hash, entry.size, key, False)
                    else:
                        png = draw_card(card)
                        atomic.write_new(base + rel, png)
                        out.add(rel, digest(png), len(png), key, True)
            return out

        written = Written()
        for part in map_chunks(chunk, jobs):
            written.merge(part)
        if downloads is not False:  # the last pass: the digests are not needed again
            self.__dict__.pop("fingerprints", None)
        return written


def render_site(checked: Checked, built: str, made: StatementViews | None = None) -> Rendered:
    """Every file of the site except the open-data downloads and the search index (made: the
    statements' views, if made while the checks ran: kb.pages.statement_views).

    The data page lists the downloads with their sizes: set them with `Rendered.downloads`
    before writing the pages."""
    c = checked.collection
    site = build_site(c, checked.report.findings, built, made)
    site.history = read_history(c.root)
    gc.freeze()  # the views live as long as the build (see kb.pipeline.check)
    pages = [PageJob("index.html", "overview.html", "overview"),
             PageJob("data/index.html", "data.html", "data",
                     {"dataset_ld": script_json(dataset_jsonld(c))}),
             PageJob("vocabulary/index.html", "vocabulary.html", "data"),
             PageJob("method/index.html", "method.html", "method", {"method": method_view()}),
             PageJob("search/index.html", "search.html", "search"),
             PageJob("about/index.html", "about.html", "method"),
             PageJob(NOT_FOUND_PAGE, "404.html", "", root=root_path(c.config.site_url))]
    pages += list_jobs(site)
    pages += [PageJob(page_path("claim", cv.id), "claim.html", "claims", {"cv": cv})
              for cv in site.claims]
    pages += [PageJob(page_path("source", sv.id), "source.html", "sources", {"sv": sv})
              for sv in site.sources]
    pages += [PageJob(page_path("finding", fv.id), "finding.html", "findings", {"fv": fv})
              for fv in site.findings]
    pages += [PageJob(page_path("document", doc.id), "document.html", "evidence",
                      {"doc": doc, "statements": statements})
              for doc, statements in site.documents]
    out = {}
    for sv in site.sources:
        out[sv.text_file] = sv.source.text.encode("utf-8")
    out.update(sitemaps(c.config.site_url, [job.path for job in pages]))
    out[ROBOTS_PATH] = robots(c.config.site_url).encode("utf-8")
    out[ATOM_PATH] = atom_feed(site).encode("utf-8")
    out[JSON_FEED_PATH] = (json.dumps(json_feed(site), ensure_ascii=False, indent=1) + "\n"
                           ).encode("utf-8")
    out.update(static_files())
    return Rendered(site, pages, out)


def write_feed(path: Path, frame: tuple[bytes, bytes, bytes],
               items: Sequence[tuple[str, Callable[[], bytes]]], previous: Previous,
               made: set[str] | None = None) -> tuple[int, Written]:
    """Write a feed (claimdata.feed_frame) of keyed reviews to path, each copied from the
    previous site's feed where its record lists the key (the keys of the others added to
    made, if given); its size, and its blocks for the record."""
    head, tail, empty = frame
    recorded = Written()
    with path.open("wb") as out:
        if not items:
            return out.write(empty), recorded
        out.write(head)
        runs = write_keyed(out, items, previous, FEED_PATH, sep=FEED_SEPARATOR, made=made)
        out.write(tail)
        recorded.blocks[FEED_PATH] = {"size": out.tell(), "runs": runs}
        return out.tell(), recorded


def card_key(card: Card) -> str:
    """What a card's bytes depend on: what it shows, the drawing code, Pillow, zlib-ng and
    the fonts."""
    return digest(repr((card, _card_code())).encode("utf-8"))


@cache
def _page_code() -> str:
    """What any page's bytes depend on besides its data: kb's code and data files, the
    templates, and the versions of Python, jinja2 and MarkupSafe."""
    files = [p for folder in (Path(__file__).resolve().parent, templates_root() / "templates")
             for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return repr(([digest(p.read_bytes()) for p in files], sys.version,
                 metadata.version("jinja2"), metadata.version("markupsafe")))


@cache
def _card_code() -> str:
    fonts = sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                   for folder in cards.FONT_DIRS if folder.is_dir()
                   for p in folder.glob("*.ttf"))
    return repr((digest(Path(cards.__file__).read_bytes()), PIL.__version__, cards.ZLIB_NG,
                 fonts))


def claim_card(cv: ClaimView, site_title: str) -> Card:
    """What a claim's verdict card shows: its verdict, its review's headline, the site."""
    return Card(cv.id, cv.verdict, cv.headline, site_title)


def root_path(site_url: str) -> str:
    """The path the site is served under ('/' or '/kb/'), for pages served at any address."""
    path = urlsplit(site_url).path or "/"
    return path if path.endswith("/") else path + "/"


def page_url(site_url: str, path: str) -> str:
    """A page's public address: the canonical URL its <link rel=canonical> names."""
    return site_url + path.removesuffix("index.html")


def sitemaps(site_url: str, paths: Sequence[str]) -> dict[str, bytes]:
    """sitemap.xml: every page a search engine should index, by its canonical URL; a site of
    more than SITEMAP_URLS pages gets a sitemap index there, naming parts of that many each."""
    locs = sorted(page_url(site_url, p) for p in paths if p not in UNLISTED_PAGES)
    if len(locs) <= SITEMAP_URLS:
        return {SITEMAP_PATH: urlset(locs).encode("utf-8")}
    out = {}
    for n, at in enumerate(range(0, len(locs), SITEMAP_URLS), 1):
        out[sitemap_part(n)] = urlset(locs[at:at + SITEMAP_URLS]).encode("utf-8")
    body = "".join(f"<sitemap><loc>{escape(site_url + part)}</loc></sitemap>\n" for part in out)
    out[SITEMAP_PATH] = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                         '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                         + body + "</sitemapindex>\n").encode("utf-8")
    return out


def urlset(locs: Sequence[str]) -> str:
    """One sitemap file listing locs."""
    body = "".join(f"<url><loc>{escape(loc)}</loc></url>\n" for loc in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n")


def list_jobs(site: Site) -> list[PageJob]:
    """The pages of every list that grows with the collection, PAGE_SIZE rows a page: each
    page is given its rows and its Pager (and the list's own few facts), never the Site."""
    jobs: list[PageJob] = []

    def add(template: str, section: str, rows: Sequence[Any], base: str, depth: int,
            first: dict[str, Any] | None = None, **context: Any) -> None:
        # first: what only the list's first page shows (an entity's evidence)
        jobs.extend(PageJob(pager.path, template, section,
                            {**context, **((first or {}) if pager.number == 1 else {}),
                             "pager": pager, "rows": part}, depth=depth)
                    for pager, part in paginate(rows, base))

    # The depth each list shows its rows to: a claim's own data (its statement, subject,
    # figures and verdict); a finding's and a source's, and the claims' verdicts they name.
    lists = site.claim_lists
    menu = [(base, verdict, heading, len(claims)) for base, verdict, heading, claims in lists]
    for base, verdict, heading, claims in lists:
        add("claims.html", "overview", claims, base, 0, verdict=verdict, heading=heading,
            lists=menu)
    groups, start = [], 0
    for key, label, items in site.finding_groups:  # each section, and the page it starts on
        groups.append((key, label, len(items), start // PAGE_SIZE + 1))
        start += len(items)
    add("findings.html", "findings", site.finding_rows, "findings/", 1, groups=groups)
    add("evidence.html", "evidence", site.evidence_rows, "evidence/", 0)
    add("entities.html", "entities", sorted(site.entities, key=lambda e: (-e.claim_count, e.id)),
        "entity/", 0)
    add("sources.html", "sources", site.sources, SOURCES_LIST, 1)
    history = site.history
    add("corrections.html", "method", site.corrections, "corrections/", 0,
        history_available=history.available)
    add("history.html", "method", history.commits, "history/", 0,
        history_available=history.available)
    # An entity's or a reviewer's pages show its own data and their rows' (and the entity's
    # first page its evidence statements'), so they too are keyed by those alone: keyed by the
    # whole view, every page of a reviewer's 10,000 reviews was rendered again when one
    # changed (100 pages, 0.74 s of a rebuild's 1.5 s of rendering).
    for ent in site.entities:
        add("entity.html", "entities", ent.claims, ent.url, 0, {"evidence": ent.evidence},
            ent=ent)
    for rv in site.reviewers:
        add("reviewer.html", "method", rv.claims, rv.url, 0, rv=rv)
    # A statement's pages list the claims citing it: one statement can be cited by thousands.
    for _, statements in site.documents:
        for ev in statements:
            add("statement.html", "evidence", ev.cited_by, ev.url, 0, ev=ev)
    return jobs


def robots(site_url: str) -> str:
    """robots.txt: everything may be crawled; where the sitemap is."""
    return f"User-agent: *\nAllow: /\nSitemap: {site_url}{SITEMAP_PATH}\n"


def feed_items(site: Site) -> list[ClaimView]:
    """The reviews a feed lists: the FEED_ITEMS newest, newest first, then worst first, then
    by id."""
    return sorted(site.claims, key=lambda cv: (-cv.claim.review.date.toordinal()
                                               if cv.claim.review else 0,
                                               cv.verdict_rank, cv.id))[:FEED_ITEMS]


def atom_feed(site: Site) -> str:
    """The reviews as Atom: each entry titled with its verdict-first headline."""
    cfg = site.collection.config
    entries = []
    for cv in feed_items(site):
        review = cv.claim.review
        day = review.date.isoformat() if review else site.built
        url = page_url(cfg.site_url, cv.url)
        entries.append(
            f"<entry><id>{escape(url)}</id><title>{escape(cv.headline)}</title>"
            f'<link rel="alternate" type="text/html" href="{escape(url)}"/>'
            f"<updated>{day}T00:00:00Z</updated>"
            f"<author><name>{escape(cv.reviewer_name)}</name></author>"
            f"<summary>{escape(cv.conclusion)}</summary></entry>\n")
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<id>{escape(cfg.site_url)}{ATOM_PATH}</id><title>{escape(cfg.title)}</title>\n"
            f'<link rel="self" href="{escape(cfg.site_url)}{ATOM_PATH}"/>'
            f'<link rel="alternate" type="text/html" href="{escape(cfg.site_url)}"/>\n'
            f"<updated>{site.built}T00:00:00Z</updated>\n" + "".join(entries) + "</feed>\n")


def json_feed(site: Site) -> dict[str, Any]:
    """The reviews as a JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    cfg = site.collection.config
    items = []
    for cv in feed_items(site):
        review = cv.claim.review
        url = page_url(cfg.site_url, cv.url)
        items.append({"id": url, "url": url, "title": cv.headline, "summary": cv.conclusion,
                      "content_text": review.explanation if review else "",
                      "date_published": f"{review.date.isoformat() if review else site.built}"
                                        "T00:00:00Z",
                      "authors": [{"name": cv.reviewer_name}],
                      "tags": [cv.verdict_label]})
    return {"version": "https://jsonfeed.org/version/1.1", "title": cfg.title,
            "home_page_url": cfg.site_url, "feed_url": f"{cfg.site_url}{JSON_FEED_PATH}",
            "language": "en", "items": items}


def method_view() -> dict[str, Any]:
    """What the methodology page shows: the verdicts with their bands, the evidence tiers."""
    verdicts = [{"id": v, "label": LABELS[v], "definition": DEFINITIONS[v],
                 "low": BANDS[v][0], "high": BANDS[v][1]} for v in VERDICTS]
    kinds = [{"kind": k, "tier": tier(k), "label": kind_label(k),
              "definition": KIND_DEFINITIONS[k]} for k in KIND_DEFINITIONS]
    return {"verdicts": verdicts, "kinds": kinds, "cap": WEAK_CAP}


def download_list(sizes: Mapping[str, int]) -> list[Download]:
    """The open-data files for the data page, with their sizes, picked from any files' sizes."""
    by_path = {download_path(about.ext): about for about in EXPORT_FORMATS.values()}
    items = []
    for path, size in sorted(sizes.items()):
        if path == ONTOLOGY_PATH:
            items.append(Download(path, "Turtle", "text/turtle", size,
                                  "The vocabulary: every kb: term with its label and meaning."))
        elif path == FEED_PATH:
            items.append(Download(path, "JSON-LD (schema.org DataFeed)", "application/ld+json",
                                  size, "Every review as a schema.org ClaimReview in one "
                                  "DataFeed, the form fact-check aggregators accept."))
        elif path in by_path:
            about = by_path[path]
            items.append(Download(path, about.name, about.media, size, about.text))
    return items


def static_files() -> dict[str, bytes]:
    """The CSS, scripts and icons that layout.STATIC_FILES lists, favicon.ico at the root."""
    folder = templates_root() / STATIC_DIR
    out = {}
    for name in STATIC_FILES:
        path = folder / name
        if path.is_symlink() or not path.is_file():
            raise KbError(f"{path}: kb's site files are incomplete (it is missing or a "
                          "symlink); reinstall kb")
        out[name if name == "favicon.ico" else f"{STATIC_DIR}/{name}"] = path.read_bytes()
    return out


def stamp(folder: Path, epoch: int) -> None:
    """Set every file's and folder's mtime to SOURCE_DATE_EPOCH, for reproducible archives."""
    for path in sorted(folder.rglob("*"), reverse=True):
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    os.utime(folder, (epoch, epoch))
