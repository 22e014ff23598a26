"""The site check: a built site must say exactly what the knowledge base says.

It reads the built files back, never the templates' inputs: every claim, entity, source and
finding has its page and every page has its node; every figure a page shows equals the graph's;
each page's JSON-LD parses offline and states only what the graph states; every internal link and
#fragment resolves; the downloads re-parse to the knowledge base; and the HTML parses without a
single error under libxml2's HTML parser (lxml: mismatched and stray tags, duplicate ids).
The Nu HTML checker validates fully in the tests. Each failure names the page.

Everything here is linear in the size of the site: pages are parsed once with lxml (C, about
100x html5lib), the graph is indexed once by subject, and downloads are compared by bytes with
what the build wrote (parsed and compared statement by statement only when they differ, to
say how).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import os
import posixpath
import re
import stat
import struct
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
from lxml import etree

from .cards import CARD_SIZE, CLAIM_KEY, HEADLINE_KEY, PNG_SIGNATURE, VERDICT_KEY, read_card
from .choices import EXPORT_FORMATS
from .claimdata import OFFLINE_CONTEXT, SCHEMA_CONTEXT, dataset_jsonld, offline
from .despin import fold_width, normalise
from .errors import KbError, Origin, Problem, ProblemsError
from .export import RDF_FORMATS, claim_files, download_files
from .figures import FIGURE_PROPS, FigureProp, display, lexical, prose
from .graph import prefixes
from .layout import (
    ATOM_PATH,
    CLAIM_DATA,
    CLAIMS_LIST,
    FEED_ITEMS,
    FEED_PATH,
    FIXED_LISTS,
    FIXED_PAGES,
    JSON_FEED_PATH,
    LIST_KINDS,
    LIST_PAGE_DIR,
    ONTOLOGY_PATH,
    PAGE_KINDS,
    PAGE_SIZE,
    ROBOTS_PATH,
    SEARCH_DIR,
    SITEMAP_PATH,
    SITEMAP_URLS,
    SOURCES_LIST,
    UNLISTED_PAGES,
    card_path,
    claim_data_path,
    download_path,
    list_path,
    page_count,
    page_path,
    sitemap_part,
)
from .limits import MAX_FILE_BYTES
from .model import CLAIM_REVIEWED_CHARS
from .parallel import map_chunks, start_forked
from .pipeline import Checked
from .queries import term_slug
from .readahead import ReadAhead
from .verdicts import WORST_FIRST
from .vocab import KB, OA, SCHEMA

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_SUBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
# The graph's terms as the index keys them (rdflib makes a URIRef on every attribute access).
REVIEW, URL, HEADLINE = str(SCHEMA.review), str(SCHEMA.url), str(SCHEMA.headline)
PUBLISHED, BASED_ON = str(SCHEMA.datePublished), str(SCHEMA.isBasedOn)
VERDICT, HOLDS, SHA256 = str(KB.verdict), str(KB.holds), str(KB.sha256)
CHARACTER_COUNT, CLAIM, FINDING = str(KB.characterCount), str(KB.Claim), str(KB.Finding)
OA_START, OA_END, OA_EXACT = str(OA.start), str(OA.end), str(OA.exact)

MAX_HTML_ERRORS = 5  # per page; the rest are counted
# Bytes of one page the check parses: room for the annotated text of the largest source the
# loader accepts, and far below what libxml2's XPath can take (a node set of at most 10 million
# nodes: a 100 MB list page broke it). A larger page is reported, not parsed.
MAX_PAGE_BYTES = 4 * MAX_FILE_BYTES
# Entries a memo of the page checks holds before it is emptied (see _Kb).
MEMO_SIZE = 100_000
# ClaimReviews of the DataFeed converted to statements at once: one conversion each cost more
# than the rest of the feed's check, and all at once held the whole feed's statements (1.2 GB
# with the parsed feed at 100,000 claims).
FEED_BATCH = 1_000
# Google's required ClaimReview fields (path within the JSON-LD object).
REQUIRED_FIELDS = (("claimReviewed",), ("reviewRating", "alternateName"), ("url",),
                   ("author", "name"), ("datePublished",), ("itemReviewed", "appearance"))


class SiteMissing(KbError):
    """The folder to check does not exist."""


class SiteCheckFailed(ProblemsError):
    """The built site differs from the knowledge base; the previous site is kept."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems, f"{len(problems)} site problem(s); the previous site was kept")


# -- reading pages -------------------------------------------------------------------------------


@dataclass
class Mark:
    """A claim marked in an annotated text, with the code-point range it covers there."""

    claim: str
    start: int
    end: int
    text: str
    part: bool


# A figure a page shows: (the node and the property it is of, its value attribute, its text).
Figure = tuple[str, str, str, str]


@dataclass
class Page:
    """What one HTML page says, read back from its markup."""

    path: str
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    too_large: str = ""  # why the page was not read: it is too large to check
    ids: Counter = field(default_factory=Counter)
    links: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    counts: dict[str, str] = field(default_factory=dict)
    jsonld: list[str] = field(default_factory=list)
    # (source id, the verbatim text shown, its claim marks, the de-spun reading shown)
    articles: list[tuple[str, str, list[Mark], str]] = field(default_factory=list)
    title: str = ""
    h1: list[str] = field(default_factory=list)
    canonical: str | None = None
    meta: dict[str, str] = field(default_factory=dict)  # the share tags: og:image, twitter:card


_LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "form": "action",
               "area": "href", "iframe": "src", "source": "src"}
_HIDDEN_IN_TEXT = ("despun", "tag", "visually-hidden")
# The de-spun reading hides the spun forms instead of their replacements.
_HIDDEN_IN_DESPUN = frozenset(("spun-form", "tag", "visually-hidden"))


# libxml2 reports these itself; duplicate ids are counted (and reported) separately.
_IGNORED_HTML_ERRORS = frozenset({"DTD_ID_REDEFINED"})


# What the checks read from a page is found in one pass of libxml2 over the elements that
# matter (iter with tag names matches in C, so only those elements get an lxml proxy), and the
# ids by an XPath that gives them as plain strings: an lxml element proxy made for every
# element, or an XPath per kind of element (eleven passes, and a union sorted in document
# order), cost more than parsing the page.
_IDS = etree.XPath("//@id", smart_strings=False)
_COUNTS = etree.XPath("//*[starts-with(@id, 'count-')]", smart_strings=False)
_READ_TAGS = (*_LINK_ATTRS, "data", "title", "h1", "meta", "div")
_SHARE_TAGS = ("og:image", "twitter:image", "twitter:card")


def read_page(path: str, data: bytes) -> Page:
    """Parse a page with lxml and collect what the checks compare (nothing, for a page too
    large to check: Page.too_large says why)."""
    page = Page(path)
    if len(data) > MAX_PAGE_BYTES:
        page.too_large = (f"{len(data) / 1e6:.1f} MB, more than the {MAX_PAGE_BYTES / 1e6:.1f} "
                          "MB a page may be")
        return page
    try:
        _read_into(page, data)
    except etree.XPathEvalError as exc:  # more nodes than libxml2's XPath can hold
        return Page(path, too_large=f"more nodes than libxml2's XPath can take ({exc})")
    return page


def _read_into(page: Page, data: bytes) -> None:
    # Without collect_ids libxml2 parses twice as fast; duplicate ids are counted below.
    parser = etree.HTMLParser(recover=True, collect_ids=False)
    root = etree.fromstring(data, parser) if data and not data.isspace() else None
    for err in parser.error_log:
        if err.type_name not in _IGNORED_HTML_ERRORS:
            page.errors.append((err.line, err.column, err.message))
    if root is None:
        page.errors.append((1, 0, "the page is empty"))
        return
    ids = _IDS(root)
    page.ids.update(ids)
    if any(ident.startswith("count-") for ident in ids):
        for el in _COUNTS(root):
            page.counts[el.get("id")] = _text(el).strip()
    links, figures, canonical = page.links, page.figures, None
    for el in root.iter(_READ_TAGS):
        tag = el.tag
        if (attr := _LINK_ATTRS.get(tag)) is not None:
            if tag == "script" and el.get("type") == "application/ld+json":
                page.jsonld.append(el.text or "")
            if (href := el.get(attr)) is None:
                continue
            if tag == "link" and el.get("rel") == "canonical":
                canonical = href  # the page's public address, not a link to check here
            else:
                links.append(href)
        elif tag == "data":
            if prop := el.get("data-prop"):
                figures.append((el.get("data-node", ""), prop, el.get("value", ""), _text(el)))
        elif tag == "div":
            if "article-text" in el.get("class", "").split():
                marks: list[Mark] = []
                text = _article_text(el, [], marks)
                page.articles.append((el.get("data-source", ""), text, marks,
                                      "".join(_despun_text(el, []))))
        elif tag == "meta":
            if (name := el.get("property") or el.get("name")) in _SHARE_TAGS:
                page.meta[name] = el.get("content", "")
        elif tag == "h1":
            page.h1.append(_text(el).strip())
        elif not page.title:  # the head's title; an SVG's <title> comes later
            page.title = _text(el)
    page.canonical = canonical


def _text(el) -> str:
    return "".join(el.itertext()) if len(el) else el.text or ""


def _classes(el) -> set[str]:
    return set(el.get("class", "").split())


def _article_text(el, out: list[str], marks: list[Mark]) -> str:
    """The verbatim text an annotated article shows, recording where each claim mark falls."""
    start = sum(len(s) for s in out)
    if el.text:
        out.append(el.text)
    for child in el:
        if not (_classes(child) & set(_HIDDEN_IN_TEXT)):
            _article_text(child, out, marks)
        if child.tail:
            out.append(child.tail)
    if el.get("data-claim"):
        end = sum(len(s) for s in out) - len(el.tail or "")
        shown = "".join(out)[start:end]
        marks.append(Mark(el.get("data-claim"), start, end, shown, el.get("data-part") == "true"))
    return "".join(out)


def _despun_text(el, out: list[str]) -> list[str]:
    """The text an annotated article shows with its de-spun reading switched on."""
    if el.text:
        out.append(el.text)
    for child in el:
        if not (_classes(child) & _HIDDEN_IN_DESPUN):
            _despun_text(child, out)
        if child.tail:
            out.append(child.tail)
    return out


# -- the knowledge base side ---------------------------------------------------------------------


DATASET_PAGE = "data/index.html"  # the page whose JSON-LD is the Dataset


# What the checks read of the graph: the predicates below, every schema.org term and rdf:type
# (what the pages' JSON-LD states). Any other predicate a page's JSON-LD states is indexed the
# first time it is asked for, so nothing goes unchecked, but the index holds only what pages
# can show, not the quotes, texts and annotations that make up most of the graph.
_READ = (RDF_TYPE, RDF_SUBJECT, PROV_DERIVED, REVIEW, URL,
         HEADLINE, VERDICT, HOLDS, SHA256,
         CHARACTER_COUNT, OA_START, OA_END, OA_EXACT,
         *(str(p) for prop in FIGURE_PROPS.values()
           for p in (prop.predicate, prop.unit_predicate) if p is not None))
# The node types pages are made for (see _Kb.nodes) and counted by (see _counts).
_NODE_TYPES = {"claim": (CLAIM,), "entity": (str(KB.Entity),),
               "source": (str(SCHEMA.NewsArticle),), "finding": (FINDING,),
               "reviewer": (str(SCHEMA.Person), str(SCHEMA.Organization)),
               "document": (str(KB.EvidenceDocument),), "evidence": (str(KB.EvidenceStatement),)}

Facts = dict[str, "str | list[str]"]
_UNSEEN: Any = object()  # subject -> its one object, or its objects in order


class _Kb:
    """The graph facts the checks compare pages with, indexed once by predicate and subject.

    Objects are kept as text (a lexical form or an IRI), with each IRI stored once.
    """

    def __init__(self, checked: Checked):
        self.checked = checked
        self.c = checked.collection
        self.graph = checked.graph
        self.iris = self.graph.iris
        schema, read = str(SCHEMA), frozenset(_READ)
        self._facts = self._index(lambda p: p in read or p.startswith(schema))
        self.typed: dict[str, set[str]] = {t: set() for ts in _NODE_TYPES.values() for t in ts}
        for node, types in self._facts.get(RDF_TYPE, {}).items():
            for t in types if isinstance(types, list) else (types,):
                if t in self.typed:
                    self.typed[t].add(node)
        self.counts: dict[str, int] | None = None
        # What the graph gives each figure, by (node, property): the same figure shows on
        # many pages (a claim's verdict on its page, its source's, its subject's and every
        # list). Emptied when full: kept whole it grew with the site (with a second memo of
        # each figure's problems, 0.6 GB in each page-checking process at 100,000 claims).
        self.figures: dict[tuple[str, str], tuple[str, str] | tuple[()]] = {}
        self.figure_texts: dict[tuple[str, str, str | None], str] = {}
        # Each source's claims, for the annotated-text check.
        self.claims_of: dict[str, list[str]] = {}
        for claim in self.typed[CLAIM]:
            for source in self.objects(claim, PROV_DERIVED):
                self.claims_of.setdefault(source, []).append(claim)
        self._prefixes = sorted(prefixes(self.iris).items(), key=lambda kv: -len(kv[1]))

    def _index(self, wanted) -> dict[str, Facts]:
        """The facts of every predicate for which wanted(IRI) holds, in one pass."""
        # Over the graph's columns of term numbers, not its quads: making a pyoxigraph Quad
        # for each row cost three quarters of this (10,000 claims: 3.7 s of 4.7).
        terms = self.graph.terms
        # Each term's text once (an RDF-star triple, which kb.graph never makes: None).
        texts = [None if isinstance(t, ox.Triple) else getattr(t, "value", None)
                 for t in terms]
        facts: dict[str, Facts] = {}
        route: dict[int, Facts | None] = {}
        for s, p, o in zip(self.graph.s, self.graph.p, self.graph.o, strict=True):
            if (into := route.get(p, _UNSEEN)) is _UNSEEN:
                name = texts[p]
                into = route[p] = facts.setdefault(name, {}) \
                    if name is not None and wanted(name) else None
            if into is None:
                continue
            subject, value = texts[s], texts[o]
            if subject is None or value is None:
                continue
            if (old := into.get(subject)) is None:
                into[subject] = value
            elif isinstance(old, list):
                old.append(value)
            else:
                into[subject] = [old, value]
        return facts

    def objects(self, node: str, predicate: str) -> list[str]:
        """The objects of (node, predicate) as text (lexical forms or IRIs), in graph order."""
        # str(): rdflib's URIRef hashes differently from the equal str.
        node, predicate = str(node), str(predicate)
        facts = self._facts.get(predicate)
        if facts is None:  # a predicate no check reads, stated by a page's JSON-LD
            facts = self._facts[predicate] = self._index(predicate.__eq__).get(predicate, {})
        found = facts.get(node)
        return [] if found is None else found if isinstance(found, list) else [found]

    def value(self, node: str, predicate: str) -> str | None:
        """The first object of (node, predicate) as text, or None."""
        found = self.objects(node, predicate)
        return found[0] if found else None

    def is_a(self, node: str, kind: str) -> bool:
        """Whether node has rdf:type kind."""
        return kind in self.objects(node, RDF_TYPE)

    def nodes(self, kind: str) -> list[str]:
        """The ids of every node of a page kind in the graph."""
        out = []
        for node in (n for t in _NODE_TYPES[kind] for n in self.typed[t]):
            split = self.iris.kind_and_id(node)
            if split and split[0] == kind and "#" not in node:
                out.append(split[1])
        return sorted(set(out))

    def who(self, node: str) -> tuple[str, str]:
        """(kind, id) of one of our nodes, for messages."""
        return self.iris.kind_and_id(node) or ("", node)

    def curie(self, term: str) -> str:
        """An IRI as prefix:name (schema:alternateName), for messages."""
        for prefix, ns in self._prefixes:
            if term.startswith(ns) and term != ns:
                return f"{prefix}:{term[len(ns):]}"
        return f"<{term}>"


# -- the checks ----------------------------------------------------------------------------------


@dataclass
class _Tree:
    """The files and folders of a built site, listed once (links are checked against this)."""

    files: set[str]
    dirs: set[str]


def _tree(root: Path) -> _Tree:
    """The site's listing, as os.walk gives it (a symlink to a folder is listed as a folder
    but not entered; a folder that cannot be read is skipped), without the lstat and relpath
    os.walk spends on each of a site's tens of thousands of folders."""
    files: set[str] = set()
    dirs = {"."}
    stack = [("", os.fspath(root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                rel = prefix + entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if not is_dir:
                    files.add(rel)
                    continue
                dirs.add(rel)
                if not entry.is_symlink():
                    stack.append((rel + "/", entry.path))
    return _Tree(files, dirs)


def verify_site(checked: Checked, site: str | Path,
                written: Mapping[str, bytes | int] | None = None,
                only: AbstractSet[str] | None = None,
                reviews: AbstractSet[str] | None = None) -> list[Problem]:
    """Every way the built site in `site` differs from the knowledge base, one problem each.

    `written` is what the build wrote, by path: the bytes of a file it held in memory, or the
    size of one it streamed from the graph to disk (the whole-graph downloads). Without it
    (kb check --site on a site built earlier), the downloads are made again from the graph,
    which is deterministic, and compared byte for byte.

    `only` names the pages to check (their paths in the site: claim/x/index.html; a claim
    page's verdict card goes with it), for a build that re-rendered only those; None checks
    every page. Their links are still resolved against the whole site, and the checks of the
    site as a whole (every node has its page, the sitemap, the feeds, the downloads) still run.

    `reviews` names the claims whose ClaimReviews in the DataFeed the build made anew (it
    copied the others from the previous feed, as their claims' pages kept their keys, and the
    build that made them checked them): only those are compared with the graph; None compares
    every one. Every claim must still have its review.
    """
    root = Path(site)
    if not root.is_dir():
        raise SiteMissing(f"{site}: no such folder; run kb build first, or pass --site DIR")
    kb = _Kb(checked)
    gc.freeze()  # the graph's index lives as long as the check (see kb.pipeline.check)
    tree = _tree(root)
    html = sorted(rel for rel in tree.files
                  if rel.endswith(".html") and rel.split("/", 1)[0] != SEARCH_DIR)
    problems: list[Problem] = []
    problems += inventory_problems(kb, set(html))
    _counts(kb)  # once, before the workers fork, rather than once in each of them
    links = _Links(tree, frozenset(html), urlsplit(kb.c.config.site_url).path or "/")
    # The files that are not pages are checked in a child of their own, beside the pages.
    whole_site = start_forked(lambda: [*crawl_problems(kb, root, set(html)),
                                       *listing_problems(kb, root, set(html), only),
                                       *review_feed_problems(kb, root),
                                       *download_problems(kb, root, written, reviews)])
    # Each page is checked on its own, on every core. Only a #fragment naming an id on another
    # page needs more than the page: the workers send back each page's ids and those links,
    # and they are checked here.
    ids: dict[str, str] = {}
    across: _Across = {}
    chosen = html if only is None else [rel for rel in html if rel in only]
    try:
        checked_pages = map_chunks(lambda chunk: _check_pages(kb, root, links, chunk), chosen)
    except BaseException:
        with contextlib.suppress(Exception):
            whole_site()  # reap the child; the pages' error comes first
        raise
    for found, page_ids, fragments in checked_pages:
        problems += found
        ids.update(page_ids)
        for key, hrefs in fragments.items():
            for href, pages in hrefs.items():
                across.setdefault(key, {}).setdefault(href, []).extend(pages)
    problems += fragment_problems(root, across, ids)
    problems += whole_site()
    return sorted(dict.fromkeys(problems))


# (page, #fragment) -> link -> the pages linking to it that way
_Across = dict[tuple[str, str], dict[str, list[str]]]
_ID_SEP = "\0"  # joins a page's ids into one string: no attribute value holds it


def _check_pages(kb: _Kb, root: Path, links: _Links, paths: Sequence[str]
                 ) -> tuple[list[Problem], dict[str, str], _Across]:
    """The problems of each page on its own, each page's ids, and its links to #fragments of
    other pages."""
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    across: _Across = {}
    base = os.fspath(root) + "/"

    def files(rel: str) -> list[str]:  # what checking the page at rel reads
        ident = _page_claim(rel)
        return [base + rel] if ident is None else [base + rel, base + card_path(ident)]

    with ReadAhead(paths, files) as ahead:
        for rel in paths:
            ahead.next()
            problems += _check_page(kb, root, links, rel, ids, across)
    return problems, ids, across


def _check_page(kb: _Kb, root: Path, links: _Links, rel: str, ids: dict[str, str],
                across: _Across) -> list[Problem]:
    """The problems of the page at rel on its own; its ids go into ids, its links to other
    pages' #fragments into across."""
    problems: list[Problem] = []
    page = read_page(rel, (root / rel).read_bytes())
    problems += html_problems(page)
    if page.too_large:  # nothing of it was read: its one problem says so
        return problems
    problems += figure_problems(kb, page)
    problems += count_problems(kb, page)
    problems += jsonld_problems(kb, page)
    problems += article_problems(kb, page)
    problems += headline_problems(kb, page)
    problems += canonical_problems(kb, page)
    problems += card_problems(kb, root, page)
    problems += links.problems(page, across)
    ids[rel] = _ID_SEP.join(page.ids)
    return problems


def _problem(path: str, message: str, kind: str = "", ident: str = "", line: int = 0
             ) -> Problem:
    return Problem(Origin(path, line), kind, ident, message)


def inventory_problems(kb: _Kb, html: set[str]) -> Iterator[Problem]:
    """Every node has its page; every page has its node (or is one of the fixed pages)."""
    expected = {}
    for kind in PAGE_KINDS:
        for ident in kb.nodes(kind):
            expected[page_path(kind, ident)] = (kind, ident)
    for path, (kind, ident) in sorted(expected.items()):
        if path not in html:
            yield _problem(path, f"missing: the graph has this {kind} but the site has no "
                           "page for it", kind, ident)
    for path in FIXED_PAGES:
        if path not in html:
            yield _problem(path, "missing: every site has this page")
    lists = set(list_bases(kb))
    for path in sorted(html - set(expected) - set(FIXED_PAGES)):
        later = later_page(path)
        if later is not None and later[0] in lists:
            continue  # a later page of a list: listing_problems checks its number
        parts = path.split("/")
        if len(parts) == 3 and parts[0] in PAGE_KINDS and parts[2] == "index.html":
            yield _problem(path, f"page has no node: the graph has no {parts[0]} "
                           f"'{parts[1]}'")
        else:
            yield _problem(path, "page has no node: it is not a page this site publishes")


def list_bases(kb: _Kb) -> list[str]:
    """The folders of the first pages of every list the site splits into pages."""
    return [*FIXED_LISTS, *(f"{kind}/{ident}/" for kind in LIST_KINDS
                            for ident in kb.nodes(kind))]


def later_page(path: str) -> tuple[str, int] | None:
    """(the list's folder, the page's number) of a later page of a list
    (claims/page/2/index.html: ("claims/", 2)), or None."""
    head, sep, rest = path.rpartition(f"{LIST_PAGE_DIR}/")
    number = rest.removesuffix("/index.html")
    if (not sep or (head and not head.endswith("/")) or not rest.endswith("/index.html")
            or not number.isdigit() or number != str(int(number)) or int(number) < 2):
        return None
    return head, int(number)


# What listing_problems reads of a list page: a pattern over its bytes, not a parse, since it
# reads every list page even when the build checks only the pages that changed. The pages are
# written by the templates (jinja escapes every quote in text and attribute values), and each
# page's markup is checked in full by the page checks.
_PAGER_RE = re.compile(rb'<nav class="pagination"[^>]*? data-page="(\d+)" data-pages="(\d+)"')
_ITEM_RE = re.compile(rb' data-(item|also)="([^"]*)"')


def _list_members(kb: _Kb) -> dict[str, set[str]]:
    """What the lists the graph can tell the rows of must list: each list's node ids."""
    verdicts: dict[str, set[str]] = {}
    for claim in kb.typed[CLAIM]:
        review = kb.value(claim, REVIEW)
        verdict = kb.value(review, VERDICT) if review else None
        if verdict:
            verdicts.setdefault(term_slug(verdict), set()).add(kb.who(claim)[1])
    out = {CLAIMS_LIST: set(kb.nodes("claim")), "entity/": set(kb.nodes("entity")),
           SOURCES_LIST: set(kb.nodes("source")), "evidence/": set(kb.nodes("evidence")),
           "findings/": set(kb.nodes("finding"))}
    for base in FIXED_LISTS:
        if base.startswith(CLAIMS_LIST) and base != CLAIMS_LIST:
            out[base] = verdicts.get(base[len(CLAIMS_LIST):-1], set())
    # A statement's pages list the claims whose reviews are based on it.
    cited: dict[str, set[str]] = {ident: set() for ident in kb.nodes("evidence")}
    for claim in kb.typed[CLAIM]:
        review = kb.value(claim, REVIEW)
        for ev in kb.objects(review, BASED_ON) if review else ():
            kind, ident = kb.who(ev)
            if kind == "evidence" and ident in cited:
                cited[ident].add(kb.who(claim)[1])
    out.update((f"evidence/{ident}/", claims) for ident, claims in cited.items())
    return out


def listing_problems(kb: _Kb, root: Path, html: set[str],
                     only: AbstractSet[str] | None = None) -> Iterator[Problem]:
    """Each list split into pages has pages 1 to N, each saying so and holding at most
    PAGE_SIZE rows; and each list of claims, entities, sources, evidence and findings lists
    every one of the graph's exactly once (the claims' lists in as many pages as they take).

    only: the pages the build wrote anew (verify_site's). A list none of whose pages is among
    them is as the previous build published and checked it, and is not read again (reading
    every list was most of a rebuild's whole-site checks: 0.6 s at 10,000 claims); a list
    with one such page is read whole, as its members span its pages."""
    later: dict[str, list[int]] = {}
    for path in html:
        if (found := later_page(path)) is not None:
            later.setdefault(found[0], []).append(found[1])
    members = _list_members(kb)
    for base in list_bases(kb):
        first = list_path(base, 1)
        if first not in html:
            continue  # reported by the inventory
        numbers = sorted([1, *later.get(base, [])])
        if only is not None and not any(list_path(base, n) in only for n in numbers):
            continue
        count, items, also = 0, Counter[str](), set[str]()
        for n in numbers:
            path = list_path(base, n)
            data = _read_bytes(root, path) or b""
            pagers = {(int(a), int(b)) for a, b in _PAGER_RE.findall(data)} or {(1, 1)}
            if len(pagers) > 1 or next(iter(pagers))[0] != n:
                yield _problem(path, f"its page links say page(s) "
                               f"{', '.join(f'{a} of {b}' for a, b in sorted(pagers))}, but "
                               f"it is page {n} of the list {base}")
            says = max(b for _, b in pagers)
            if n == 1:
                count = says
            elif says != count:
                yield _problem(path, f"says the list {base} has {says} pages, its first "
                               f"page says {count}")
            rows = 0
            for kind, ident in _ITEM_RE.findall(data):
                if kind == b"item":
                    rows += 1
                    items[ident.decode()] += 1
                else:
                    also.update(i.decode() for i in ident.split())
            if rows > PAGE_SIZE:
                yield _problem(path, f"lists {rows} rows, more than the {PAGE_SIZE} a page "
                               "of a list may hold")
        for n in sorted(set(range(2, count + 1)) - set(numbers)):
            yield _problem(list_path(base, n), f"missing: page {n} of the {count} pages of "
                           f"the list {base}")
        for n in numbers:
            if n > count:
                yield _problem(list_path(base, n), f"page {n} of the list {base}, which has "
                               f"{count} pages")
        want = members.get(base)
        if want is None:
            continue
        for ident in sorted(want - set(items) - also):
            yield _problem(first, f"the list {base} does not list {ident}")
        for ident in sorted(set(items) - want):
            yield _problem(first, f"the list {base} lists {ident}, which the graph does not "
                           "have")
        for ident, n in sorted(items.items()):
            if n > 1:
                yield _problem(first, f"the list {base} lists {ident} {n} times")
        if base.startswith(CLAIMS_LIST) and count != page_count(len(want)):
            yield _problem(first, f"the list {base} has {count} pages, the graph's "
                           f"{len(want)} claims take {page_count(len(want))}")


def html_problems(page: Page) -> Iterator[Problem]:
    """Parse errors under the WHATWG rules, and duplicate ids (which break #fragments); a page
    too large to check is one problem."""
    if page.too_large:
        yield _problem(page.path, f"page too large to check: {page.too_large}; a list that "
                       "grows with the collection must be split into pages")
    for line, col, text in page.errors[:MAX_HTML_ERRORS]:
        yield _problem(page.path, f"invalid HTML at column {col}: {text}", line=line)
    if len(page.errors) > MAX_HTML_ERRORS:
        yield _problem(page.path, f"invalid HTML: {len(page.errors) - MAX_HTML_ERRORS} more "
                       "parse error(s)")
    for ident, n in sorted(page.ids.items()):
        if n > 1:
            yield _problem(page.path, f"duplicate id '{ident}' on {n} elements")


def figure_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """Each figure's value and text must be what the graph gives for its node and property."""
    memo = kb.figures
    for node, prop_name, shown, text in page.figures:
        want = memo.get((node, prop_name))
        if want is None:
            prop = FIGURE_PROPS.get(prop_name)
            if prop is None:
                yield _problem(page.path, f"figure has unknown property '{prop_name}'",
                               *kb.who(node))
                continue
            _make_room(memo)
            want = memo[node, prop_name] = _graph_figure(kb, node, prop)
        if want and want[0] == shown and want[1] == text:
            continue  # nearly every figure: two comparisons of text
        for message in _figure_differences(FIGURE_PROPS[prop_name], want, shown, text):
            yield _problem(page.path, message, *kb.who(node))
    yield from _required_figures(kb, page)


def _make_room(memo: dict) -> None:
    """Empty a memo of the page checks that holds MEMO_SIZE entries (see _Kb)."""
    if len(memo) >= MEMO_SIZE:
        memo.clear()


def _figure_differences(prop: FigureProp, want: tuple[str, str] | tuple[()], shown: str,
                        text: str) -> Iterator[str]:
    """How a figure on a page differs from what the graph gives it."""
    if not want:
        yield f"shows a {prop.name} ({text!r}) the graph does not have"
        return
    value, graph_text = want
    if not _same_value(prop.style, shown, value):
        yield f"{prop.name} is {shown!r} in the page's data, the graph has {value!r}"
    if text != graph_text:
        yield f"{prop.name} shows {text!r}, the graph has {graph_text!r}"


# Each figure property's predicates as plain text, the keys of _Kb's index: str() of a
# URIRef makes a new string, hashed again, at every lookup.
_FIGURE_PREDICATES = {curie: (str(prop.predicate),
                              str(prop.unit_predicate) if prop.unit_predicate else None)
                      for curie, prop in FIGURE_PROPS.items()}


def _graph_figure(kb: _Kb, node: str, prop: FigureProp) -> tuple[str, str] | tuple[()]:
    """(value attribute, text) the graph gives a figure, or () if the graph lacks it."""
    predicate, unit_predicate = _FIGURE_PREDICATES[prop.curie]
    values = kb.objects(node, predicate)
    if not values:
        return ()
    unit = kb.value(node, unit_predicate) if unit_predicate else None
    value = lexical(prop, values[0])
    # Writing a figure costs more than finding it, and far fewer texts than figures recur (a
    # confidence of 0.9, a verdict, a round amount in dollars).
    key = (prop.style, value, unit)
    text = kb.figure_texts.get(key)
    if text is None:
        _make_room(kb.figure_texts)
        text = kb.figure_texts[key] = display(prop, value, unit)
    return value, text


def _same_value(style: str, shown: str, want: str) -> bool:
    if shown == want:
        return True
    if style in ("quantity", "computed", "number", "factor"):
        try:
            return Decimal(shown) == Decimal(want)
        except InvalidOperation:
            return False
    return shown == want


def _required_figures(kb: _Kb, page: Page) -> Iterator[Problem]:
    """A claim page must show its claim's amount, confidence and verdict."""
    ident = _page_claim(page.path)
    if ident is None:
        return
    node = str(kb.iris.claim(ident))
    if not kb.is_a(node, CLAIM):
        return
    seen = {(figure[0], figure[1]) for figure in page.figures}
    for key, curie in ((node, "rdf:object"), (node, "kb:confidence"),
                       (f"{node}#review", "kb:verdict")):
        if (key, curie) not in seen:
            yield _problem(page.path, f"does not show the claim's {FIGURE_PROPS[curie].name}",
                           "claim", ident)


def count_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """Counts in charts and summaries (id="count-GROUP-KEY") must be the graph's counts."""
    if not page.counts:
        return
    want = _counts(kb)
    for ident, text in sorted(page.counts.items()):
        key = ident.removeprefix("count-")
        if key not in want and not key.startswith(("verdict-", "entity-")):
            yield _problem(page.path, f"count '{ident}' is not one the graph can be asked for")
        elif text != str(want.get(key, 0)):
            yield _problem(page.path, f"count '{key}' shows {text!r}, the graph has "
                           f"{want.get(key, 0)}")


def _counts(kb: _Kb) -> dict[str, int]:
    if kb.counts is None:
        claims = kb.typed.get(CLAIM, set())
        out: Counter = Counter()
        for claim in claims:
            review = kb.value(claim, REVIEW)
            if review is not None and (verdict := kb.value(review, VERDICT)):
                out[f"verdict-{term_slug(verdict)}"] += 1
            if (subject := kb.value(claim, RDF_SUBJECT)) is not None:
                out[f"entity-{kb.who(subject)[1]}"] += 1
        out["all-claims"] = len(claims)
        out["all-sources"] = len(kb.nodes("source"))
        out["all-entities"] = len(kb.nodes("entity"))
        out["all-findings"] = sum(1 for f in kb.typed.get(FINDING, ())
                                  if kb.value(f, HOLDS) == "false")
        kb.counts = dict(out)
    return kb.counts


def headline_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """A claim page's title and single H1 are its review's headline (verdict first, then what
    is true instead), so a wrong claim is never the headline of its own page."""
    ident = _page_claim(page.path)
    if ident is None:
        return
    node = str(kb.iris.claim(ident))
    review = kb.value(node, REVIEW)
    want = kb.value(review, HEADLINE) if review else None
    if want is None:
        return  # a claim page without a claim is reported by the inventory
    want = prose(want)
    if page.h1 != [want]:
        yield _problem(page.path, f"H1 is {page.h1!r}, the review's headline is {want!r}",
                       "claim", ident)
    if not page.title.startswith(want):
        yield _problem(page.path, f"title is {page.title!r}, it must start with the review's "
                       f"headline {want!r}", "claim", ident)


def jsonld_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """JSON-LD parses offline, has Google's required fields and states only graph facts."""
    ident = _page_claim(page.path)
    if ident is not None and not page.jsonld:
        yield _problem(page.path, "has no ClaimReview JSON-LD", "claim", ident)
    if page.path == DATASET_PAGE and len(page.jsonld) != 1:
        yield _problem(page.path, f"has {len(page.jsonld)} JSON-LD scripts, not one Dataset")
    for text in page.jsonld:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            yield _problem(page.path, f"JSON-LD does not parse: {exc.msg} at line {exc.lineno} "
                           f"column {exc.colno} of the script")
            continue
        if page.path == DATASET_PAGE:
            yield from dataset_problems(kb, page.path, doc)
            continue
        if ident is not None:
            want = str(kb.iris.claim(ident))
            got = (doc.get("itemReviewed") or {}).get("@id") if isinstance(doc, dict) else None
            if got != want:
                yield _problem(page.path, f"JSON-LD reviews {got!r}, not this page's claim "
                               f"{want!r}", "claim", ident)
        yield from claim_review_problems(kb, page.path, doc)


def dataset_problems(kb: _Kb, path: str, doc) -> Iterator[Problem]:
    """The data page's Dataset is the one the collection gives, its own facts are the graph's
    collection node's, its creators' @ids are pages and each distribution is a file here."""
    want = dataset_jsonld(kb.c)
    if not isinstance(doc, dict):
        yield _problem(path, f"JSON-LD is a {type(doc).__name__}, not a Dataset")
        return
    wrong = [key for key in sorted(set(doc) | set(want)) if doc.get(key) != want.get(key)]
    for key in wrong:
        got, expected = (json.dumps(d.get(key), ensure_ascii=False) for d in (doc, want))
        yield _problem(path, f"Dataset JSON-LD gives {key} {got}, the collection gives "
                       f"{expected}")
    if wrong:
        return
    own = {k: v for k, v in doc.items() if k not in ("creator", "distribution", "dateModified")}
    yield from _triples_in_graph(kb, path, own)
    for creator in doc["creator"]:
        yield from _unresolved_ids(kb, path, {"author": creator})


def claim_review_problems(kb: _Kb, path: str, doc, context: bool = True,
                          triples: bool = True) -> Iterator[Problem]:
    """One ClaimReview object: required fields, the schema.org context, and graph agreement
    (its statements are compared with the graph's unless triples is False: the caller does)."""
    if not isinstance(doc, dict) or doc.get("@type") != "ClaimReview":
        kind = doc.get("@type") if isinstance(doc, dict) else type(doc).__name__
        yield _problem(path, f"JSON-LD is a {kind!r}, not a ClaimReview")
        return
    if context and doc.get("@context") != SCHEMA_CONTEXT:
        yield _problem(path, f"JSON-LD @context is {doc.get('@context')!r}, not "
                       "'https://schema.org' (the one Google reads)")
    for fields in REQUIRED_FIELDS:
        value: Any = doc
        for name in fields:
            value = value.get(name) if isinstance(value, dict) else None
        if value in (None, "", [], {}):
            yield _problem(path, f"JSON-LD ClaimReview lacks {'.'.join(fields)} (Google "
                           "requires it)")
    reviewed = doc.get("claimReviewed")
    if isinstance(reviewed, str) and len(reviewed) > CLAIM_REVIEWED_CHARS:
        yield _problem(path, f"JSON-LD claimReviewed is {len(reviewed)} characters, more than "
                       f"the {CLAIM_REVIEWED_CHARS} Google advises")
    yield from _unresolved_ids(kb, path, doc)
    if triples:
        yield from _triples_in_graph(kb, path, {**doc, "@context": SCHEMA_CONTEXT})


def _unresolved_ids(kb: _Kb, path: str, doc: dict) -> Iterator[Problem]:
    """The review's author and the evidence it is based on are named by @ids that are the
    addresses of pages of this site (the inventory check makes sure each such page exists)."""
    named = [("author", doc.get("author"))]
    named += [("isBasedOn", ref) for ref in doc.get("isBasedOn") or []]
    for field_name, ref in named:
        ident = ref.get("@id") if isinstance(ref, dict) else None
        split = kb.iris.kind_and_id(ident) if isinstance(ident, str) else None
        url = kb.c.config.site_url + "".join(f"{p}/" for p in split) if split else None
        if (not isinstance(ident, str) or split is None or split[0] not in PAGE_KINDS
                or "#" in ident or url != ident + "/"):
            yield _problem(path, f"JSON-LD {field_name} @id {ident!r} is not the address of a "
                           "page of this site")


def _triples_in_graph(kb: _Kb, path: str, doc: dict) -> Iterator[Problem]:
    try:
        triples = _to_rdf(doc)
    except (SyntaxError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        yield _problem(path, f"JSON-LD does not convert to RDF: {first}")
        return
    yield from _statements_in_graph(kb, path, triples)


# A statement as the checks compare it: (its subject's IRI, or None for a blank node; its
# predicate's IRI; its object's IRI or lexical form).
Statement = tuple[str | None, str, str]


def _to_rdf(doc: dict) -> list[Statement]:
    """The statements of a JSON-LD document, read offline; SyntaxError or ValueError if it
    does not convert."""
    simple = _simple_statements(doc)
    if simple is not None:
        return simple
    return [(s.value if isinstance(s := t.subject, ox.NamedNode) else None, t.predicate.value,
             str(o) if isinstance(o := t.object, ox.Triple) else o.value)
            for t in ox.parse(json.dumps(offline(doc)).encode("utf-8"),
                              format=ox.RdfFormat.JSON_LD)]


# The JSON-LD the site writes is simple: nested nodes, each with an absolute @id, schema.org
# terms for keys and types, strings and whole numbers for values. Its statements are read
# here, in Python, as the JSON-LD algorithms give them under the offline context (which
# offline() puts in place of every @context, so a nested one changes nothing): pyoxigraph
# took 0.2 ms a page for it, as much as parsing the page's HTML. Anything else (a blank node,
# a keyword or a compact IRI, a typed or language value, a float, an IRI that a processor
# might resolve or reject) is left to pyoxigraph: _simple_statements gives None.
_VOCAB = OFFLINE_CONTEXT["@vocab"]
_TERM = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_SEGMENT = r"[A-Za-z0-9_~!$&'()*+,;=:@-]+(?:\.[A-Za-z0-9_~!$&'()*+,;=:@-]+)*"
_PLAIN_IRI = re.compile(rf"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:/{_SEGMENT})*/?"
                        r"(?:#[A-Za-z0-9_~!$&'()*+,;=:@/?.-]*)?\Z")
# JSON-LD writes a whole number from 10^21 on as an xsd:double (pyoxigraph: from about 10^20);
# below 2^53 every JSON reader reads it exactly.
_MAX_INTEGER = 2 ** 53


def _simple_statements(doc: dict) -> list[Statement] | None:
    """The statements of a simple JSON-LD document (see above), or None if it is not one."""
    # Without a context at the top, no key maps to a term: left to pyoxigraph. Every context,
    # there or nested, is the offline one (see offline).
    if type(doc) is not dict or "@context" not in doc or len(doc) < 2:
        return None
    out: list[Statement] = []
    if doc.keys() == {"@context", "@graph"}:
        nodes = doc["@graph"]
        if type(nodes) is not list:
            return None
    else:
        nodes = [{key: value for key, value in doc.items() if key != "@context"}]
    for node in nodes:
        if _simple_node(node, out) is None:
            return None
    return out


def _simple_node(node: Any, out: list[Statement]) -> str | None:
    """A node object's @id, its statements and its nested nodes' added to out; None if it is
    not simple."""
    if type(node) is not dict:
        return None
    iri = node.get("@id")
    if type(iri) is not str or not _PLAIN_IRI.match(iri):
        return None
    for key, value in node.items():
        if key == "@id" or key == "@context":
            continue
        values = value if type(value) is list else (value,)
        if key == "@type":
            for kind in values:
                if type(kind) is not str or not _TERM.match(kind):
                    return None
                out.append((iri, RDF_TYPE, _VOCAB + kind))
            continue
        if not _TERM.match(key):
            return None
        predicate = _VOCAB + key
        for item in values:
            kind = type(item)
            if kind is str:
                out.append((iri, predicate, item))
            elif kind is int and -_MAX_INTEGER < item < _MAX_INTEGER:
                out.append((iri, predicate, str(item)))
            elif kind is dict and (child := _simple_node(item, out)) is not None:
                out.append((iri, predicate, child))
            else:
                return None
    return iri


def _statements_in_graph(kb: _Kb, path: str, triples: list[Statement]
                         ) -> Iterator[Problem]:
    for s, p, o in triples:
        if s is None:  # JSON-LD makes no RDF-star statements
            yield _problem(path, f"JSON-LD has a node without @id (with {kb.curie(p)})")
            continue
        have = kb.objects(s, p)
        if o in have:
            continue
        if not have:
            yield _problem(path, f"JSON-LD states {kb.curie(p)} of <{s}>, which the graph "
                           "does not")
        else:
            yield _problem(path, f"JSON-LD gives {kb.curie(p)} {o!r} for <{s}>, the graph "
                           f"has {', '.join(repr(x) for x in sorted(set(have)))}")


def article_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """An annotated text must be the stored text, with each claim marked at its anchor."""
    for source_id, text, marks, despun in page.articles:
        yield from _despun_problems(page.path, source_id, text, despun)
        node = kb.iris.source_text(source_id)
        want = kb.value(node, SHA256)
        if want is None:
            yield _problem(page.path, "annotated text has no source in the graph",
                           "source", source_id)
            continue
        got = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if got != str(want):
            count = kb.value(node, CHARACTER_COUNT)
            yield _problem(page.path, f"the annotated text is not the stored text: "
                           f"{len(text)} characters with sha256 {got[:12]}…, the graph has "
                           f"{count} with {str(want)[:12]}…", "source", source_id)
        marked = set()
        for mark in marks:
            if mark.part:
                continue
            marked.add(mark.claim)
            yield from _mark_problems(kb, page.path, mark)
        source = kb.iris.source(source_id)
        claims = {kb.who(c)[1] for c in kb.claims_of.get(str(source), ())}
        for ident in sorted(claims - marked):
            yield _problem(page.path, "is not marked in the annotated text", "claim", ident)


def _despun_problems(path: str, source_id: str, text: str, despun: str) -> Iterator[Problem]:
    """The de-spun reading is the normaliser's output for the text shown (which the sha256
    check pins to the source), every swap of the lexicon made; full-width digits and signs
    may stay as the article wrote them. One tampered character is reported once."""
    want = normalise(text).text
    got = fold_width(despun)
    if got != want:
        at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                  min(len(got), len(want)))
        yield _problem(path, f"the de-spun reading differs from the normaliser's output at "
                       f"character {at}: it shows {got[max(0, at - 8):at + 8]!r}, the "
                       f"normaliser gives {want[max(0, at - 8):at + 8]!r}", "source", source_id)


def _mark_problems(kb: _Kb, path: str, mark: Mark) -> Iterator[Problem]:
    node = kb.iris.claim(mark.claim)
    selector = f"{node}#position-selector"
    start, end = kb.value(selector, OA_START), kb.value(selector, OA_END)
    exact = kb.value(f"{node}#quote-selector", OA_EXACT)
    if start is None or end is None:
        yield _problem(path, "is marked in the annotated text but has no anchor in the graph",
                       "claim", mark.claim)
        return
    if (mark.start, mark.end) != (int(start), int(end)):
        yield _problem(path, f"is marked at characters {mark.start}-{mark.end}, the graph "
                       f"anchors it at {start}-{end}", "claim", mark.claim)
    if mark.text != str(exact):
        yield _problem(path, f"marks {mark.text!r}, the graph quotes {str(exact)!r}", "claim",
                       mark.claim)


@dataclass(frozen=True)
class _Links:
    """Resolves a page's links against the listing of the whole site."""

    tree: _Tree
    pages: frozenset[str]  # the HTML pages: a #fragment is checked on these
    base: str  # the path the site is served under (site_url's)

    def problems(self, page: Page, across: _Across) -> Iterator[Problem]:
        """Every internal link and #fragment must resolve inside the site. A #fragment on
        another page goes into across, to be checked against that page's ids. A link from the
        site's root path (/static/site.css, on the 404 page, which is served at any address)
        resolves from the site's root when the site is served under `base`."""
        folder = posixpath.dirname(page.path)
        for href in dict.fromkeys(page.links):
            try:
                path, fragment, external = _split_link(href)
            except ValueError as exc:  # urlsplit's: "//[" has an unclosed IPv6 host
                yield _problem(page.path, f"broken link {href!r}: {exc}")
                continue
            if external:
                continue  # an external link: shown, never fetched
            target = page.path
            if path:
                target, error = self._target(folder, path)
                if error:
                    yield _problem(page.path, f"broken link {href!r}: {error}")
                    continue
            if target not in self.tree.files:
                yield _problem(page.path, f"broken link {href!r}: {target} does not exist")
            elif not fragment or target not in self.pages:
                continue
            elif target != page.path:
                across.setdefault((target, fragment), {}).setdefault(href, []).append(page.path)
            elif page.ids[fragment] == 0:
                yield _fragment_problem(page.path, href, target, fragment)

    def _target(self, folder: str, path: str) -> tuple[str, str]:
        """(the file a link's path leads to from folder, "") or ("", why it leads nowhere)."""
        here, rest = folder, path
        while here and rest.startswith("../"):
            here, rest = here.rpartition("/")[0], rest[3:]
        if _PLAIN_PATH(rest):
            # What nearly every link kb writes leaves once it has climbed (claim/x/ from
            # ../../): joined as it is, without normpath. At 100,000 claims a worker met
            # 500,000 distinct such links, so a cache of their resolutions (as _resolve's)
            # missed nine times in ten and held hundreds of thousands of entries.
            joined = f"{here}/{rest}" if here else rest
            if joined.endswith("/"):
                joined = joined[:-1]
        else:  # the whole link from the page's folder: climbing past "..//" is not normpath's
            joined, error = _resolve(folder, path, self.base)
            if error:
                return "", error
        if path.endswith("/") or joined in self.tree.dirs:
            return ("index.html" if joined == "." else joined + "/index.html"), ""
        return joined, ""


# A path that normpath gives back as it is, but for a last "/": one or more segments, none
# empty, "." or ".." (nor starting with a dot, to keep it simple), not absolute.
_PLAIN_PATH = re.compile(r"(?:[^/.][^/]*/)*[^/.][^/]*/?").fullmatch


@functools.lru_cache(maxsize=65536)
def _resolve(folder: str, path: str, base: str) -> tuple[str, str]:
    """(the site path a link's path leads to from folder, "") or ("", why it leads nowhere)."""
    if path.startswith("/"):
        if not path.startswith(base):
            return "", f"it leads outside the site, which is served under {base}"
        path, folder = "./" + path[len(base):], ""
    joined = posixpath.normpath(posixpath.join(folder, path))
    if joined.startswith("../") or joined == "..":
        return "", "it leads outside the site"
    return joined, ""


def fragment_problems(root: Path, across: _Across, ids: Mapping[str, str]
                      ) -> Iterator[Problem]:
    """Each #fragment on another page names an id there (a page not checked in this run is
    read for its ids)."""
    known: dict[str, frozenset[str]] = {}
    for (target, fragment), hrefs in sorted(across.items()):
        if target not in known:
            listed = ids.get(target)
            known[target] = frozenset(listed.split(_ID_SEP)) if listed is not None else \
                frozenset(read_page(target, (root / target).read_bytes()).ids)
        if fragment not in known[target]:
            for href, pages in hrefs.items():
                for path in pages:
                    yield _fragment_problem(path, href, target, fragment)


def _fragment_problem(path: str, href: str, target: str, fragment: str) -> Problem:
    return _problem(path, f"broken link {href!r}: {target} has no element with id "
                    f"'{fragment}'")


def canonical_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """A page's canonical URL is its address under site_url, and on a claim page it is the
    url its ClaimReview gives, so a deployment cannot publish reviews pointing elsewhere."""
    if page.path in UNLISTED_PAGES:
        return
    want = kb.c.config.site_url + page.path.removesuffix("index.html")
    if page.canonical != want:
        yield _problem(page.path, f"canonical URL is {page.canonical!r}, the page's address is "
                       f"{want!r} (site_url + path)")
    ident = _page_claim(page.path)
    if ident is not None:
        review = kb.value(str(kb.iris.claim(ident)), REVIEW)
        url = kb.value(review, URL) if review else None
        if url is not None and url != page.canonical:
            yield _problem(page.path, f"canonical URL {page.canonical!r} is not the "
                           f"ClaimReview's url {url!r}", "claim", ident)


def _page_claim(path: str) -> str | None:
    """The id of the claim whose page is at path (claim/x/index.html), or None."""
    parts = path.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "claim" and parts[2] == "index.html" \
        else None


def card_problems(kb: _Kb, root: Path, page: Page) -> Iterator[Problem]:
    """A claim page names its verdict card as og:image and twitter:image, and the card is a
    PNG of the stated size that carries the claim's id, verdict and headline as the graph has
    them (a card drawn for another claim, or before a verdict changed, is caught)."""
    ident = _page_claim(page.path)
    if ident is None:
        return
    want_url = kb.c.config.site_url + card_path(ident)
    for name, want in (("og:image", want_url), ("twitter:image", want_url),
                       ("twitter:card", "summary_large_image")):
        if page.meta.get(name) != want:
            yield _problem(page.path, f"{name} is {page.meta.get(name)!r}, it must be {want!r}",
                           "claim", ident)
    rel = card_path(ident)
    data = _read_bytes(root, rel)
    if data is None:
        yield _problem(rel, "missing: the claim's verdict card", "claim", ident)
        return
    try:
        # Pillow is asked only about a card whose chunks are not whole: it says what is wrong.
        size, chunks = _png_chunks(data) or read_card(data)
    except ValueError as exc:
        yield _problem(rel, f"the verdict card is {exc}", "claim", ident)
        return
    if size != CARD_SIZE:
        yield _problem(rel, f"the verdict card is {size[0]}x{size[1]} pixels, it must be "
                       f"{CARD_SIZE[0]}x{CARD_SIZE[1]}", "claim", ident)
    review = kb.value(str(kb.iris.claim(ident)), REVIEW)
    verdict = kb.value(review, VERDICT) if review else None
    want_chunks: dict[str, str | None] = {
        CLAIM_KEY: ident, VERDICT_KEY: term_slug(verdict) if verdict else None,
        HEADLINE_KEY: None}
    headline = kb.value(review, HEADLINE) if review else None
    if headline is not None:  # as the page's H1 shows it (see headline_problems)
        want_chunks[HEADLINE_KEY] = prose(headline)
    for key, graph_has in want_chunks.items():
        if graph_has is not None and chunks.get(key) != graph_has:
            yield _problem(rel, f"the verdict card's {key} is {chunks.get(key)!r}, the graph "
                           f"has {graph_has!r}", "claim", ident)


_PNG_CHUNK = struct.Struct(">I4s")


def _png_chunks(data: bytes) -> tuple[tuple[int, int], dict[str, str]] | None:
    """A PNG's size and text chunks, as kb.cards.read_card gives them, read from its chunks
    without decoding the pixels (which cost 3 ms a card); None unless the file is a whole PNG:
    the signature, IHDR first, image data, IEND, and every chunk's CRC right."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    view, pos, size, pixels = memoryview(data), len(PNG_SIGNATURE), None, False
    text: dict[str, str] = {}
    while pos + 12 <= len(data):
        length, kind = _PNG_CHUNK.unpack_from(data, pos)
        body = view[pos + 8:pos + 8 + length]
        pos += 12 + length
        if pos > len(data) or zlib.crc32(body, zlib.crc32(kind)) != \
                int.from_bytes(data[pos - 4:pos], "big"):
            return None
        if size is None:
            if kind != b"IHDR" or length != 13:
                return None
            size = (int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big"))
        elif kind == b"IDAT":
            pixels = True
        elif kind == b"IEND":
            return (size, text) if pixels else None
        elif kind in (b"tEXt", b"zTXt", b"iTXt"):
            try:
                key, value = _png_text(kind, bytes(body))
            except (ValueError, zlib.error):
                return None
            text[key] = value
    return None


def _png_text(kind: bytes, body: bytes) -> tuple[str, str]:
    """(keyword, text) of a tEXt, zTXt or iTXt chunk, decoded as Pillow decodes them."""
    key, rest = body.split(b"\0", 1)
    if kind == b"tEXt":
        return key.decode("latin-1"), rest.decode("latin-1")
    if kind == b"zTXt":
        return key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")
    compressed, _lang, _translated, value = rest[0], *rest[2:].split(b"\0", 2)
    return key.decode("latin-1"), (zlib.decompress(value) if compressed else value
                                   ).decode("utf-8")


def _read_xml(root: Path, path: str, what: str, found: list) -> Iterator[Problem]:
    """Parse the site's XML file at path into found, or report it missing or broken."""
    text = _read(root, path)
    if text is None:
        yield _problem(path, f"missing: {what}")
        return
    try:
        found.append(etree.fromstring(text.encode("utf-8")))
    except etree.XMLSyntaxError as exc:
        yield _problem(path, f"does not parse as XML: {exc}")


def crawl_problems(kb: _Kb, root: Path, html: set[str]) -> Iterator[Problem]:
    """sitemap.xml lists exactly the site's pages by their canonical URLs (or, for more pages
    than one sitemap may list, is an index of parts that do, each within the protocol's
    limit), and robots.txt names it."""
    site_url = kb.c.config.site_url
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    trees: list = []
    yield from _read_xml(root, SITEMAP_PATH, "the sitemap", trees)
    parts: list[tuple[str, Any]] = [(SITEMAP_PATH, tree) for tree in trees]
    if trees and trees[0].tag == f"{ns}sitemapindex":
        parts = []
        for n, el in enumerate(trees[0].iter(f"{ns}loc"), 1):
            want_loc = site_url + sitemap_part(n)
            if el.text != want_loc:
                yield _problem(SITEMAP_PATH, f"names the sitemap part {el.text!r}, it must "
                               f"be {want_loc!r}")
                continue
            found: list = []
            yield from _read_xml(root, sitemap_part(n), "a part of the sitemap", found)
            parts += [(sitemap_part(n), tree) for tree in found]
    listed: Counter = Counter()
    for path, tree in parts:
        locs = [el.text for el in tree.iter(f"{ns}loc")]
        if len(locs) > SITEMAP_URLS:
            yield _problem(path, f"lists {len(locs)} URLs, more than the {SITEMAP_URLS} a "
                           "sitemap may (the sitemaps protocol)")
        listed.update(locs)
    if parts:
        want = {site_url + p.removesuffix("index.html") for p in html
                if p not in UNLISTED_PAGES}
        for loc in sorted(want - set(listed)):
            yield _problem(SITEMAP_PATH, f"does not list the page {loc}")
        for loc in sorted(set(listed) - want):
            yield _problem(SITEMAP_PATH, f"lists {loc}, which is not a page of the site")
        for loc, n in sorted(listed.items()):
            if n > 1:
                yield _problem(SITEMAP_PATH, f"lists {loc} {n} times")
    robots = _read(root, ROBOTS_PATH)
    line = f"Sitemap: {site_url}{SITEMAP_PATH}"
    if robots is None:
        yield _problem(ROBOTS_PATH, "missing: robots.txt")
    elif line not in robots.splitlines():
        yield _problem(ROBOTS_PATH, f"does not name the sitemap; it needs the line {line!r}")


def review_feed_problems(kb: _Kb, root: Path) -> Iterator[Problem]:
    """The Atom feed and the JSON Feed list the FEED_ITEMS newest reviews (by the graph's
    review dates, then worst first, then by claim id) once each, by its page's address, titled
    with the headline the graph gives its review."""
    reviews: list[tuple[str, int, str, str, str]] = []  # (date, rank, id, url, headline)
    for ident in kb.nodes("claim"):
        review = kb.value(str(kb.iris.claim(ident)), REVIEW)
        url = kb.value(review, URL) if review is not None else None
        if review is not None and url is not None:
            verdict = kb.value(review, VERDICT)
            rank = WORST_FIRST.index(term_slug(verdict)) if verdict else len(WORST_FIRST)
            reviews.append((kb.value(review, PUBLISHED) or "", rank, ident, url,
                            prose(kb.value(review, HEADLINE) or "")))
    reviews.sort(key=lambda r: (r[1], r[2]))
    reviews.sort(key=lambda r: r[0], reverse=True)  # stable: newest first, then as above
    want = {url: headline for *_, url, headline in reviews[:FEED_ITEMS]}
    feeds: dict[str, list[tuple[str, str]]] = {}
    trees: list = []
    yield from _read_xml(root, ATOM_PATH, "the Atom feed of reviews", trees)
    for tree in trees:
        ns = "{http://www.w3.org/2005/Atom}"
        feeds[ATOM_PATH] = [(e.findtext(f"{ns}id") or "", e.findtext(f"{ns}title") or "")
                            for e in tree.iter(f"{ns}entry")]
    text = _read(root, JSON_FEED_PATH)
    if text is None:
        yield _problem(JSON_FEED_PATH, "missing: the JSON Feed of reviews")
    else:
        try:
            items = json.loads(text).get("items") or []
            feeds[JSON_FEED_PATH] = [(str(i.get("url")), str(i.get("title"))) for i in items]
        except (json.JSONDecodeError, AttributeError) as exc:
            yield _problem(JSON_FEED_PATH, f"is not a JSON Feed: {exc}")
    for path, entries in feeds.items():
        listed = Counter(url for url, _ in entries)
        for url in sorted(set(want) - set(listed)):
            yield _problem(path, f"does not list the review at {url}")
        for url, n in sorted(listed.items()):
            if url not in want:
                yield _problem(path, f"lists {url}, which is not one of the site's "
                               f"{FEED_ITEMS} newest reviews")
            elif n > 1:
                yield _problem(path, f"lists the review at {url} {n} times")
        for url, title in entries:
            if url in want and title != want[url]:
                yield _problem(path, f"titles the review at {url} {title!r}, the graph's "
                               f"headline is {want[url]!r}")


# A link spelled only with these characters, not starting with //, is a relative path and a
# #fragment that urlsplit and unquote would give back as they are: nearly every link kb writes.
# Split at once, it needs no cache; the cache of the others (a few distinct links a page at
# 10,000 claims) missed most of the time at 100,000, with 530,000 distinct links a worker.
_PLAIN_LINK = re.compile(r"(?!//)[A-Za-z0-9._~/#-]*").fullmatch


def _split_link(href: str) -> tuple[str, str, bool]:
    """(unquoted path, unquoted fragment, whether it leaves the site) of a link; ValueError
    if urlsplit cannot split it."""
    if _PLAIN_LINK(href):
        path, _, fragment = href.partition("#")
        return path, fragment, False
    return _split_url(href)


@functools.lru_cache(maxsize=65536)
def _split_url(href: str) -> tuple[str, str, bool]:
    """_split_link of any link, through urlsplit."""
    parts = urlsplit(href)
    return unquote(parts.path), unquote(parts.fragment), bool(parts.scheme or parts.netloc)


# -- downloads -----------------------------------------------------------------------------------
#
# A download is checked by its bytes against what the graph gives (the export is deterministic).
# Only a download that differs is parsed, with Oxigraph, and compared as a set of quads in
# N-Quads form to say what differs. There are no blank nodes in the knowledge base, so equal
# sets mean isomorphic graphs.

Quad = tuple[str, str, str, str]
_RDF_BY_EXT = {EXPORT_FORMATS[fmt].ext: fmt for fmt in RDF_FORMATS}


def expected_downloads(kb: _Kb, written: Mapping[str, bytes | int] | None
                       ) -> dict[str, bytes | int]:
    """Every download the site must hold, with its bytes: as written, or made again."""
    if written is None:
        made = {**download_files(kb.c, kb.graph), **claim_files(kb.c, kb.graph)}
        return {path: text.encode("utf-8") for path, text in made.items()}
    paths = [download_path(about.ext) for about in EXPORT_FORMATS.values()]
    paths.append(ONTOLOGY_PATH)
    paths += [claim_data_path(ident, fmt) for ident in kb.nodes("claim") for fmt in CLAIM_DATA]
    return {path: written[path] for path in paths if path in written}


def download_problems(kb: _Kb, root: Path, written: Mapping[str, bytes | int] | None = None,
                      reviews: AbstractSet[str] | None = None) -> Iterator[Problem]:
    """Each download holds exactly what the graph gives (of the DataFeed's reviews, those of
    the claims in reviews, or all: see verify_site)."""
    base = os.fspath(root) + "/"  # paths as text: a claim's files are several a claim
    for path, want in sorted(expected_downloads(kb, written).items()):
        if isinstance(want, int):
            size = _file_size(base + path)
            if size is None:
                yield _missing(path)
            elif size != want:
                yield _problem(path, f"is {size} bytes, the build wrote {want}")
            continue
        got = _read_bytes(root, path)
        if got is None:
            yield _missing(path)
        elif got != want:
            yield from _difference(path, got.decode("utf-8", "replace"),
                                   want.decode("utf-8"))
    yield from _feed_problems(kb, root, reviews)
    for ident in kb.nodes("source"):
        yield from _source_text_problems(kb, root, ident)


def _file_size(path: str) -> int | None:
    """The size of the regular file at path (symlinks followed), None if there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _missing(path: str) -> Problem:
    what = "the open-data CSV" if path.endswith(".csv") else "a download of the knowledge base"
    return _problem(path, f"missing: {what}")


def _difference(path: str, got: str, want: str) -> Iterator[Problem]:
    """Say how a download that differs from the graph's differs."""
    ext = path.rsplit(".", 1)[-1]
    if ext not in _RDF_BY_EXT:
        yield _problem(path, "differs from the claims table the graph gives")
        return
    fmt = _RDF_BY_EXT[ext]
    try:
        found = _canonical(got, fmt)
    except (SyntaxError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        yield _problem(path, f"does not parse as {fmt}: {first}")
        return
    expected = _canonical(want, fmt)
    missing, extra = sorted(expected - found), sorted(found - expected)
    if missing or extra:
        example = f"missing {_nquad(missing[0])}" if missing else f"extra {_nquad(extra[0])}"
        yield _problem(path, f"does not re-parse to the knowledge base: {len(missing)} "
                       f"statement(s) missing, {len(extra)} extra; e.g. {example}")


def _canonical(text: str, fmt: str) -> set[Quad]:
    """The quads of an RDF text as N-Quads terms; SyntaxError if it does not parse."""
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
            for q in ox.parse(input=text.encode("utf-8"), format=RDF_FORMATS[fmt])}


def _read(root: Path, rel: str) -> str | None:
    data = _read_bytes(root, rel)
    return None if data is None else data.decode("utf-8")


def _read_bytes(root: Path, rel: str) -> bytes | None:
    path = root / rel
    return path.read_bytes() if path.is_file() else None


def _nquad(q: Quad) -> str:
    return " ".join(q[:3] if q[3] == "DEFAULT" else q)


def _feed_problems(kb: _Kb, root: Path, reviews: AbstractSet[str] | None = None
                   ) -> Iterator[Problem]:
    text = _read(root, FEED_PATH)
    if text is None:
        yield _problem(FEED_PATH, "missing: the ClaimReview DataFeed")
        return
    try:
        try:
            found, reviewed = _feed_reviews(kb, text, True, reviews)
        except ArrayNotLast:  # members after the reviews: read whole, to see them first
            found, reviewed = _feed_reviews(kb, text, False, reviews)
    except json.JSONDecodeError as exc:
        yield _problem(FEED_PATH, f"JSON-LD does not parse: {exc.msg} at line {exc.lineno} "
                       f"column {exc.colno}")
        return
    yield from found
    if reviewed is None:
        return
    for ident in kb.nodes("claim"):
        if str(kb.iris.claim(ident)) not in reviewed:
            yield _problem(FEED_PATH, "has no ClaimReview for this claim", "claim", ident)


def _feed_reviews(kb: _Kb, text: str, stream: bool, reviews: AbstractSet[str] | None = None
                  ) -> tuple[list[Problem], set[Any] | None]:
    """The problems of the feed's reviews (of the claims in reviews, or all), and the claims
    they review (None: the text is not a DataFeed). stream: read the reviews one at a time
    (stream_array) if the text is laid out as kb writes it. The problems are kept until the
    whole feed has parsed: a feed that does not parse is that one problem, as when it is read
    whole."""
    streamed = stream_array(text, "dataFeedElement") if stream else None
    if streamed is None or streamed[0].get("@type") != "DataFeed":  # perhaps after the array
        feed = json.loads(text)
        elements = feed.get("dataFeedElement") if isinstance(feed, dict) else None
    else:
        feed, elements = streamed
    if not isinstance(feed, dict) or feed.get("@type") != "DataFeed":
        return [_problem(FEED_PATH, "is not a schema.org DataFeed")], None
    found: list[Problem] = []
    reviewed: set[Any] = set()
    batch: list[dict] = []
    wanted = None if reviews is None else {str(kb.iris.claim(ident)) for ident in reviews}
    for element in elements or []:
        about = element.get("itemReviewed") if isinstance(element, dict) else None
        item = about.get("@id") if isinstance(about, dict) else None
        if wanted is not None and item is not None and item not in wanted:
            reviewed.add(item)  # copied from the previous feed, which was checked
            continue
        found += claim_review_problems(kb, FEED_PATH, element, context=False, triples=False)
        if isinstance(element, dict):
            reviewed.add(item)
            if element.get("@type") == "ClaimReview":
                batch.append({**element, "@context": SCHEMA_CONTEXT})
        if len(batch) == FEED_BATCH:
            found += _reviews_in_graph(kb, batch)
            batch = []
    found += _reviews_in_graph(kb, batch)
    return found, reviewed


class ArrayNotLast(Exception):
    """stream_array's array was followed by more of the object's members."""


_DECODER = json.JSONDecoder()


def stream_array(text: str, key: str) -> tuple[dict[str, Any], Iterator[Any]] | None:
    """A JSON object whose last member is the array `key`, read one item at a time: its other
    members, and an iterator over the array's items, so that the whole array is never held.

    None if the text does not start so (the caller reads it whole with json.loads). The
    iterator raises json.JSONDecodeError where the text does not parse, with json.loads's own
    message, and ArrayNotLast if the object goes on after the array.
    """
    pos = _skip(text, 0)
    if text[pos:pos + 1] != "{":
        return None
    head: dict[str, Any] = {}
    pos = _skip(text, pos + 1)
    try:
        while text[pos:pos + 1] == '"':
            name, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if text[pos:pos + 1] != ":":
                return None
            pos = _skip(text, pos + 1)
            if name == key:
                if text[pos:pos + 1] != "[":
                    return None
                return head, _items(text, pos + 1)
            head[name], pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if text[pos:pos + 1] != ",":
                return None
            pos = _skip(text, pos + 1)
    except json.JSONDecodeError:
        return None
    return None


def _skip(text: str, pos: int) -> int:
    """pos moved past any JSON whitespace."""
    while text[pos:pos + 1] in _JSON_SPACE:
        pos += 1
    return pos


_JSON_SPACE = (" ", "\t", "\n", "\r")


def _items(text: str, pos: int) -> Iterator[Any]:
    """The items of the array that starts before pos, then the object's end, then nothing."""
    pos = _skip(text, pos)
    if text[pos:pos + 1] == "]":
        pos += 1
    else:
        while True:
            try:
                item, pos = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                _fail(text, exc)
            yield item
            pos = _skip(text, pos)
            if text[pos:pos + 1] == "]":
                pos += 1
                break
            if text[pos:pos + 1] != ",":
                _fail(text, json.JSONDecodeError("Expecting ',' delimiter", text, pos))
            pos = _skip(text, pos + 1)
    pos = _skip(text, pos)
    if text[pos:pos + 1] == ",":
        _fail(text, ArrayNotLast(f"members follow the array at {pos}"))
    if text[pos:pos + 1] != "}" or _skip(text, pos + 1) != len(text):
        _fail(text, json.JSONDecodeError("Extra data", text, pos))


def _fail(text: str, error: Exception) -> NoReturn:
    """Raise json.loads's own error if the whole text does not parse, else error."""
    json.loads(text)
    raise error


def _reviews_in_graph(kb: _Kb, reviews: list[dict]) -> Iterator[Problem]:
    """The feed's problems with the statements of some of its reviews."""
    # The reviews' statements in one conversion, not one each; if one does not convert, each
    # is converted alone to report it.
    try:
        triples = _to_rdf({"@context": SCHEMA_CONTEXT, "@graph": reviews})
    except (SyntaxError, ValueError):
        for review in reviews:
            yield from _triples_in_graph(kb, FEED_PATH, review)
    else:
        yield from _statements_in_graph(kb, FEED_PATH, triples)


def _source_text_problems(kb: _Kb, root: Path, ident: str) -> Iterator[Problem]:
    node = kb.iris.source_text(ident)
    want = kb.value(node, SHA256)
    files = sorted((root / "source" / ident).glob("*.txt"))
    if not files:
        yield _problem(f"source/{ident}", "missing: the stored text of this source",
                       "source", ident)
        return
    for path in files:
        got = hashlib.sha256(path.read_bytes()).hexdigest()
        if want is not None and got != str(want):
            rel = path.relative_to(root).as_posix()
            yield _problem(rel, f"sha256 is {got[:12]}…, the graph pins {str(want)[:12]}…",
                           "source", ident)

