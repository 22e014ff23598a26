"""The site check: a built site must say exactly what the knowledge base says.

It reads the built files back, never the templates' inputs: every claim, entity, source and
finding has its page and every page has its node; every figure a page shows equals the graph's;
each page's JSON-LD parses offline and states only what the graph states; every internal link and
#fragment resolves; the downloads re-parse to the knowledge base; and the HTML parses without a
single error under the WHATWG parsing rules (html5lib). Each failure names the page.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import PROV
from rdflib.term import BNode

from .check import union_graph
from .claimdata import FEED_PATH, offline
from .errors import KbError, Origin, Problem, ProblemsError
from .export import claims_csv, ontology_graph
from .figures import FIGURE_PROPS, display, lexical
from .iris import Iris
from .pages import FIXED_PAGES, page_path
from .pipeline import Checked
from .queries import term_slug
from .vocab import KB, OA, SCHEMA

MAX_HTML_ERRORS = 5  # per page; the rest are counted
PAGE_KINDS = ("claim", "entity", "source", "finding")
SKIP_DIRS = ("pagefind",)  # the search index: generated, not ours to check page by page
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


@dataclass
class Page:
    """What one HTML page says, read back from its markup."""

    path: str
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    ids: Counter = field(default_factory=Counter)
    links: list[str] = field(default_factory=list)
    figures: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, str] = field(default_factory=dict)
    jsonld: list[str] = field(default_factory=list)
    articles: list[tuple[str, str, list[Mark]]] = field(default_factory=list)


_LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "form": "action",
               "area": "href", "iframe": "src", "source": "src"}
_HIDDEN_IN_TEXT = ("despun", "tag", "visually-hidden")


def read_page(path: str, data: bytes) -> Page:
    """Parse a page with html5lib and collect what the checks compare."""
    import html5lib
    from html5lib.constants import E

    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    root = parser.parse(data)
    page = Page(path)
    for (line, col), code, info in parser.errors:
        text = E.get(code, code)
        with contextlib.suppress(TypeError, KeyError):
            text = text % info
        page.errors.append((line, col, text))
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        local = tag.rsplit("}", 1)[-1]
        if ident := el.get("id"):
            page.ids[ident] += 1
            if ident.startswith("count-"):
                page.counts[ident] = _text(el).strip()
        if (attr := _LINK_ATTRS.get(local)) and "}" not in tag and el.get(attr) is not None:
            page.links.append(el.get(attr))
        if local == "data" and el.get("data-prop"):
            page.figures.append({"node": el.get("data-node", ""), "prop": el.get("data-prop"),
                                 "value": el.get("value", ""), "text": _text(el)})
        if local == "script" and el.get("type") == "application/ld+json":
            page.jsonld.append(el.text or "")
        if local == "div" and "article-text" in el.get("class", "").split():
            marks: list[Mark] = []
            text = _article_text(el, [], marks)
            page.articles.append((el.get("data-source", ""), text, marks))
    return page


def _text(el: Element) -> str:
    return "".join(el.itertext())


def _classes(el: Element) -> set[str]:
    return set(el.get("class", "").split())


def _article_text(el: Element, out: list[str], marks: list[Mark]) -> str:
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


# -- the knowledge base side ---------------------------------------------------------------------


class _Kb:
    """The graph facts the checks compare pages with."""

    def __init__(self, checked: Checked):
        self.checked = checked
        self.c = checked.collection
        self.ds = checked.dataset
        self.iris = Iris(self.c.config.base)
        self.g = union_graph(self.ds)
        self.g.bind("schema", str(SCHEMA), override=True)
        self.g.bind("kb", str(KB._NS), override=True)

    def nodes(self, kind: str) -> list[str]:
        """The ids of every node of a page kind in the graph."""
        types = {"claim": KB.Claim, "entity": KB.Entity, "source": SCHEMA.NewsArticle,
                 "finding": KB.Finding}
        out = []
        for node in self.g.subjects(RDF.type, types[kind]):
            split = self.iris.kind_and_id(str(node))
            if split and split[0] == kind and "#" not in str(node):
                out.append(split[1])
        return sorted(set(out))

    def who(self, node: str) -> tuple[str, str]:
        """(kind, id) of one of our nodes, for messages."""
        return self.iris.kind_and_id(node) or ("", node)

    def curie(self, term: URIRef) -> str:
        """A term as prefix:name (schema:alternateName), for messages."""
        return term.n3(self.g.namespace_manager)


# -- the checks ----------------------------------------------------------------------------------


def check_site(checked: Checked, site: str | Path) -> list[Problem]:
    """Every way the built site in `site` differs from the knowledge base, one problem each."""
    root = Path(site)
    if not root.is_dir():
        raise SiteMissing(f"{site}: no such folder; run kb build first, or pass --site DIR")
    kb = _Kb(checked)
    html = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html")
                  if p.relative_to(root).parts[0] not in SKIP_DIRS)
    pages = {rel: read_page(rel, (root / rel).read_bytes()) for rel in html}
    problems: list[Problem] = []
    problems += inventory_problems(kb, set(html))
    for page in pages.values():
        problems += html_problems(page)
        problems += figure_problems(kb, page)
        problems += count_problems(kb, page)
        problems += jsonld_problems(kb, page)
        problems += article_problems(kb, page)
        problems += link_problems(root, page, pages)
    problems += download_problems(kb, root)
    return sorted(dict.fromkeys(problems))


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
    for path in sorted(html - set(expected) - set(FIXED_PAGES)):
        parts = path.split("/")
        if len(parts) == 3 and parts[0] in PAGE_KINDS and parts[2] == "index.html":
            yield _problem(path, f"page has no node: the graph has no {parts[0]} "
                           f"'{parts[1]}'")
        else:
            yield _problem(path, "page has no node: it is not a page this site publishes")


def html_problems(page: Page) -> Iterator[Problem]:
    """Parse errors under the WHATWG rules, and duplicate ids (which break #fragments)."""
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
    seen: set[tuple[str, str]] = set()
    for f in page.figures:
        kind, ident = kb.who(f["node"])
        prop = FIGURE_PROPS.get(f["prop"])
        if prop is None:
            yield _problem(page.path, f"figure has unknown property '{f['prop']}'", kind, ident)
            continue
        seen.add((f["node"], f["prop"]))
        node = URIRef(f["node"])
        values = list(kb.g.objects(node, prop.predicate))
        if not values:
            yield _problem(page.path, f"shows a {prop.name} ({f['text']!r}) the graph does not "
                           "have", kind, ident)
            continue
        unit = kb.g.value(node, prop.unit_predicate) if prop.unit_predicate else None
        want = lexical(prop, values[0])
        want_text = display(prop, want, str(unit) if unit is not None else None)
        if not _same_value(prop.style, f["value"], want):
            yield _problem(page.path, f"{prop.name} is {f['value']!r} in the page's data, the "
                           f"graph has {want!r}", kind, ident)
        if f["text"] != want_text:
            yield _problem(page.path, f"{prop.name} shows {f['text']!r}, the graph has "
                           f"{want_text!r}", kind, ident)
    yield from _required_figures(kb, page, seen)


def _same_value(style: str, shown: str, want: str) -> bool:
    if style in ("quantity", "computed", "number", "factor"):
        try:
            return Decimal(shown) == Decimal(want)
        except InvalidOperation:
            return False
    return shown == want


def _required_figures(kb: _Kb, page: Page, seen: set[tuple[str, str]]) -> Iterator[Problem]:
    """A claim page must show its claim's amount, confidence and verdict."""
    parts = page.path.split("/")
    if len(parts) != 3 or parts[0] != "claim":
        return
    ident = parts[1]
    node = str(kb.iris.claim(ident))
    if (URIRef(node), RDF.type, KB.Claim) not in kb.g:
        return
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
    g = kb.g
    claims = list(g.subjects(RDF.type, KB.Claim))
    out: Counter = Counter()
    for claim in claims:
        review = g.value(claim, SCHEMA.review)
        if review is not None and (verdict := g.value(review, KB.verdict)) is not None:
            out[f"verdict-{term_slug(str(verdict))}"] += 1
        if (subject := g.value(claim, RDF.subject)) is not None:
            out[f"entity-{kb.who(str(subject))[1]}"] += 1
    out["all-claims"] = len(claims)
    out["all-sources"] = len(kb.nodes("source"))
    out["all-entities"] = len(kb.nodes("entity"))
    out["all-findings"] = sum(1 for f in g.subjects(RDF.type, KB.Finding)
                              if g.value(f, KB.holds) == Literal(False))
    return dict(out)


def jsonld_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """JSON-LD parses offline, has Google's required fields and states only graph facts."""
    parts = page.path.split("/")
    claim_page = len(parts) == 3 and parts[0] == "claim" and parts[2] == "index.html"
    if claim_page and not page.jsonld:
        yield _problem(page.path, "has no ClaimReview JSON-LD", "claim", parts[1])
    for text in page.jsonld:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            yield _problem(page.path, f"JSON-LD does not parse: {exc.msg} at line {exc.lineno} "
                           f"column {exc.colno} of the script")
            continue
        if claim_page:
            want = str(kb.iris.claim(parts[1]))
            got = (doc.get("itemReviewed") or {}).get("@id") if isinstance(doc, dict) else None
            if got != want:
                yield _problem(page.path, f"JSON-LD reviews {got!r}, not this page's claim "
                               f"{want!r}", "claim", parts[1])
        yield from claim_review_problems(kb, page.path, doc)


def claim_review_problems(kb: _Kb, path: str, doc, context: bool = True) -> Iterator[Problem]:
    """One ClaimReview object: required fields, the schema.org context, and graph agreement."""
    if not isinstance(doc, dict) or doc.get("@type") != "ClaimReview":
        kind = doc.get("@type") if isinstance(doc, dict) else type(doc).__name__
        yield _problem(path, f"JSON-LD is a {kind!r}, not a ClaimReview")
        return
    if context and doc.get("@context") != "https://schema.org":
        yield _problem(path, f"JSON-LD @context is {doc.get('@context')!r}, not "
                       "'https://schema.org' (the one Google reads)")
    for fields in REQUIRED_FIELDS:
        value = doc
        for name in fields:
            value = value.get(name) if isinstance(value, dict) else None
        if value in (None, "", [], {}):
            yield _problem(path, f"JSON-LD ClaimReview lacks {'.'.join(fields)} (Google "
                           "requires it)")
    yield from _triples_in_graph(kb, path, {**doc, "@context": "https://schema.org"})


def _triples_in_graph(kb: _Kb, path: str, doc: dict) -> Iterator[Problem]:
    g = Graph()
    try:
        g.parse(data=json.dumps(offline(doc)), format="json-ld")
    except Exception as exc:  # rdflib raises many types for malformed JSON-LD
        yield _problem(path, f"JSON-LD does not convert to RDF: {exc}")
        return
    for s, p, o in sorted(g):
        if isinstance(s, BNode):
            yield _problem(path, f"JSON-LD has a node without @id (with {kb.curie(p)})")
            continue
        have = set(kb.g.objects(s, p))
        if not have:
            yield _problem(path, f"JSON-LD states {kb.curie(p)} of <{s}>, which the graph does "
                           "not")
        elif str(o) not in {str(x) for x in have}:
            yield _problem(path, f"JSON-LD gives {kb.curie(p)} {str(o)!r} for <{s}>, the graph "
                           f"has {', '.join(repr(str(x)) for x in sorted(have))}")


def article_problems(kb: _Kb, page: Page) -> Iterator[Problem]:
    """An annotated text must be the stored text, with each claim marked at its anchor."""
    for source_id, text, marks in page.articles:
        node = kb.iris.source_text(source_id)
        want = kb.g.value(node, KB.sha256)
        if want is None:
            yield _problem(page.path, "annotated text has no source in the graph",
                           "source", source_id)
            continue
        got = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if got != str(want):
            count = kb.g.value(node, KB.characterCount)
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
        claims = {kb.who(str(c))[1] for c in kb.g.subjects(PROV.wasDerivedFrom, source)
                  if (c, RDF.type, KB.Claim) in kb.g}
        for ident in sorted(claims - marked):
            yield _problem(page.path, "is not marked in the annotated text", "claim", ident)


def _mark_problems(kb: _Kb, path: str, mark: Mark) -> Iterator[Problem]:
    node = kb.iris.claim(mark.claim)
    selector = Iris.part(node, "position-selector")
    start, end = kb.g.value(selector, OA.start), kb.g.value(selector, OA.end)
    exact = kb.g.value(Iris.part(node, "quote-selector"), OA.exact)
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


def link_problems(root: Path, page: Page, pages: dict[str, Page]) -> Iterator[Problem]:
    """Every internal link and #fragment must resolve inside the site."""
    for href in sorted(set(page.links)):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            continue  # an external link: shown, never fetched
        target = page.path
        if parts.path:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(page.path),
                                                       unquote(parts.path)))
            if joined.startswith("../") or joined == "..":
                yield _problem(page.path, f"broken link {href!r}: it leads outside the site")
                continue
            target = joined
            if parts.path.endswith("/") or (root / joined).is_dir():
                target = posixpath.normpath(posixpath.join(joined, "index.html"))
        if not (root / target).is_file():
            yield _problem(page.path, f"broken link {href!r}: {target} does not exist")
            continue
        if parts.fragment and target in pages and pages[target].ids[unquote(parts.fragment)] == 0:
            yield _problem(page.path, f"broken link {href!r}: {target} has no element with id "
                           f"'{unquote(parts.fragment)}'")


# -- downloads -----------------------------------------------------------------------------------
#
# Downloads are parsed with Oxigraph (a second, independent parser, and 100 times faster than
# rdflib) and compared as sets of quads in N-Quads form. There are no blank nodes in the
# knowledge base, so equal sets mean isomorphic graphs.

Quad = tuple[str, str, str, str]


def download_problems(kb: _Kb, root: Path) -> Iterator[Problem]:
    """Each download re-parses to (its part of) the knowledge base."""
    from .build import DATA_DIR, EXPORT_NAME

    everything = _canonical(kb.ds.serialize(format="nquads"), "nquads")
    for ext, fmt in (("trig", "trig"), ("nq", "nquads"), ("jsonld", "jsonld")):
        yield from _compare(root, f"{DATA_DIR}/{EXPORT_NAME}.{ext}", fmt, everything)
    yield from _compare(root, f"{DATA_DIR}/{EXPORT_NAME}.ttl", "turtle", everything,
                        graphs=False)
    ontology = _canonical(ontology_graph().serialize(format="nt"), "ntriples")
    yield from _compare(root, f"{DATA_DIR}/ontology.ttl", "turtle", ontology, graphs=False)
    csv_path = f"{DATA_DIR}/{EXPORT_NAME}.csv"
    if (text := _read(root, csv_path)) is None:
        yield _problem(csv_path, "missing: the open-data CSV")
    elif text != claims_csv(kb.c, kb.ds):
        yield _problem(csv_path, "differs from the claims table the graph gives")
    for ident in kb.nodes("claim"):
        node = f"<{kb.iris.claim(ident)}"
        piece = {q for q in everything if q[0] == f"{node}>" or q[0].startswith(f"{node}#")}
        yield from _compare(root, f"claim/{ident}/claim.ttl", "turtle", piece, graphs=False)
        yield from _compare(root, f"claim/{ident}/claim.jsonld", "jsonld", piece)
    yield from _feed_problems(kb, root)
    for ident in kb.nodes("source"):
        yield from _source_text_problems(kb, root, ident)


_OX_FORMATS = {"trig": "TRIG", "nquads": "N_QUADS", "jsonld": "JSON_LD", "turtle": "TURTLE",
               "ntriples": "N_TRIPLES"}


def _canonical(text: str, fmt: str) -> set[Quad]:
    """The quads of an RDF text as N-Quads terms; SyntaxError if it does not parse."""
    import pyoxigraph

    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
            for q in pyoxigraph.parse(input=text.encode("utf-8"),
                                      format=getattr(pyoxigraph.RdfFormat, _OX_FORMATS[fmt]))}


def _read(root: Path, rel: str) -> str | None:
    path = root / rel
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _compare(root: Path, path: str, fmt: str, want: set[Quad], graphs: bool = True
             ) -> Iterator[Problem]:
    """A download must parse and hold exactly the wanted quads (triples if not graphs)."""
    text = _read(root, path)
    if text is None:
        yield _problem(path, "missing: a download of the knowledge base")
        return
    try:
        got = _canonical(text, fmt)
    except (SyntaxError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        yield _problem(path, f"does not parse as {fmt}: {first}")
        return
    if not graphs:
        want = {(s, p, o, "DEFAULT") for s, p, o, _ in want}
    missing, extra = sorted(want - got), sorted(got - want)
    if missing or extra:
        example = f"missing {_nquad(missing[0])}" if missing else f"extra {_nquad(extra[0])}"
        yield _problem(path, f"does not re-parse to the knowledge base: {len(missing)} "
                       f"statement(s) missing, {len(extra)} extra; e.g. {example}")


def _nquad(q: Quad) -> str:
    return " ".join(q[:3] if q[3] == "DEFAULT" else q)


def _feed_problems(kb: _Kb, root: Path) -> Iterator[Problem]:
    text = _read(root, FEED_PATH)
    if text is None:
        yield _problem(FEED_PATH, "missing: the ClaimReview DataFeed")
        return
    try:
        feed = json.loads(text)
    except json.JSONDecodeError as exc:
        yield _problem(FEED_PATH, f"JSON-LD does not parse: {exc.msg} at line {exc.lineno} "
                       f"column {exc.colno}")
        return
    if not isinstance(feed, dict) or feed.get("@type") != "DataFeed":
        yield _problem(FEED_PATH, "is not a schema.org DataFeed")
        return
    reviewed = set()
    for element in feed.get("dataFeedElement") or []:
        yield from claim_review_problems(kb, FEED_PATH, element, context=False)
        if isinstance(element, dict):
            reviewed.add((element.get("itemReviewed") or {}).get("@id"))
    for ident in kb.nodes("claim"):
        if str(kb.iris.claim(ident)) not in reviewed:
            yield _problem(FEED_PATH, "has no ClaimReview for this claim", "claim", ident)


def _source_text_problems(kb: _Kb, root: Path, ident: str) -> Iterator[Problem]:
    node = kb.iris.source_text(ident)
    want = kb.g.value(node, KB.sha256)
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

