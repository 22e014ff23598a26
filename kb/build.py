"""kb build: check everything first, then write the outputs into a staging folder and swap it in."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import claimindex
from .atomic import exclusive, make_folders, remove_empty, replace_dir, take_spare
from .collector import long_lived
from .errors import KbError, Problem, ProblemsError, UsageError, display_path
from .export import write_rdf, write_table
from .layout import FEED_PATH, SITE_MARKER, download_path, page_path
from .model import Collection
from .pages import StatementViews, statement_views
from .parallel import WorkerFailed, start_forked
from .pipeline import Checked, check
from .rebuild import start_rebuild
from .render import build_date, render_site, source_date_epoch, stamp
from .reuse import Previous, folders_of, read_previous, write_record
from .searchindex import PART_PAGES, Indexing, prepare_index
from .siteverify import SiteCheckFailed, verify_site
from .stores.base import StoreError
from .stores.manifest import Taken, read_manifest, settle, stale_reason, take
from .stores.oxigraph import config_settings
from .timing import stage


class UnsafeOutput(UsageError):
    """--out names a folder that a build must not replace."""


class CheckFailed(ProblemsError):
    """The knowledge base has errors, so nothing is built or replaced."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems, f"{len(problems)} error(s); nothing was built")


class RemovedClaims(UsageError):
    """Claims the last build published are gone from the claims folder, and removals were not
    allowed."""


class StoreNotUpdated(KbError):
    """The site was published, but the oxigraph store could not be brought up to date."""


class OutputFailed(KbError):
    """The new site could not be written (a full disk, say); the previous one is untouched."""


@dataclass
class BuildResult:
    """What a build wrote, and the claims of the previous site it no longer has."""

    out: Path
    files: list[str]
    checked: Checked
    removed: list[str] = field(default_factory=list)


def build(root: str | Path, out: str | Path, allow_removals: bool = False) -> BuildResult:
    """Load, graph and check root; if clean, write every output to out atomically.

    The site is rendered and indexed in the staging folder and checked there against the
    knowledge base before the swap, so a site that fails its check never replaces the last one.
    One build at a time writes a folder: a second one fails at once (kb.atomic.exclusive).
    Claims the previous site published and the claims folder no longer has are refused
    unless allow_removals.
    """
    root, out = Path(root), Path(out)
    safe_output(root, out)
    with exclusive(out, "kb build"):
        return _build(root, out, allow_removals)


def _build(root: Path, out: Path, allow_removals: bool) -> BuildResult:
    # Hashed before loading, settled after: the store's manifest must name what this build
    # loaded, so a claim edited meanwhile is picked up by the next query (kb.stores.manifest).
    before = take(root)
    early = _Early(out)
    checked = check(root, early.make)
    if checked.report.errors:
        raise CheckFailed(checked.report.errors)
    taken = settle(root, before)
    removed = removed_claims(out, checked)
    if removed and not allow_removals:
        raise RemovedClaims(f"{len(removed)} claim(s) that {out} publishes are no longer in "
                            f"{root}: {_some(removed)}; pass --allow-removals to publish the "
                            "site without them, or restore them")
    store_failed: list[KbError] = []
    previous = early.previous if early.previous is not None else read_previous(out)
    try:
        # The replaced site's folders are kept, emptied, for the next build to start from.
        with replace_dir(out, delete_later=True, spare=True) as staging:
            there = take_spare(out, staging)
            files = _write_site(root, checked, staging, taken, store_failed, previous, there,
                                early.views)
    except OSError as exc:
        raise _output_failed(out, exc.strerror or str(exc), exc.filename) from None
    except WorkerFailed as exc:
        # A worker's OSError arrives as its text: "OSError: [Errno 28] No space left on device"
        if m := re.match(r"\w*Error: \[Errno \d+\] ([^:']+)(?:: '(.*)')?$", str(exc)):
            raise _output_failed(out, m.group(1), m.group(2)) from None
        raise
    if store_failed:
        raise StoreNotUpdated(f"published {out}, but the store was not updated: "
                              f"{store_failed[0]}; the next query rebuilds it once it can be "
                              "written")
    return BuildResult(out, files, checked, removed)


@dataclass
class _Early:
    """What a build makes while the checks' children work (kb.pipeline.check's beside): the
    statements' views and the previous site's record."""

    out: Path
    views: StatementViews | None = None
    previous: Previous | None = None

    def make(self, c: Collection) -> None:
        """Make them for the collection c."""
        with stage("render (beside the checks)"):
            self.views = statement_views(c)
            self.previous = read_previous(self.out)


def _write_files(staging: Path, files: Mapping[str, bytes]) -> None:
    """Write files (site paths to bytes) into staging, making their folders."""
    make_folders(staging, sorted({str(Path(rel).parent) for rel in files}))
    for rel, data in files.items():
        (staging / rel).write_bytes(data)


def _write_site(root: Path, checked: Checked, staging: Path, taken: Taken,
                store_failed: list[KbError], previous: Previous, there: set[str],
                made: StatementViews | None) -> list[str]:
    """Write, index and check the site in staging; the files written. A store failure is
    kept in store_failed: the site is still published, as the store mirrors the claims.
    Pages and cards the previous site holds as they would come out are linked from it.
    there: the folders staging holds already (take_spare); made: the statements' views, if
    made while the checks ran."""
    # The search index's indexing starts now, so that Pagefind is ready, its Chinese
    # dictionary loaded, when the pages are (it yields the cores to this process meanwhile).
    indexing = prepare_index(staging, previous=previous.folder,
                             claims=len(checked.collection.claims))
    # The claim index the store keeps beside it is written by the CSV's child, from its own
    # query, when the store is to be refreshed: outside the site, removed once the store is.
    with tempfile.TemporaryDirectory(prefix="kb-index-") as kept:
        stale = _store_stale(root, checked)
        index = Path(kept) / claimindex.NAME if stale else None
        try:
            return _write_indexed_site(root, checked, staging, taken, store_failed, previous,
                                       indexing, stale, index, there, made)
        finally:
            indexing.stop()


def _write_indexed_site(root: Path, checked: Checked, staging: Path, taken: Taken,
                        store_failed: list[KbError], previous: Previous, indexing: Indexing,
                        stale: bool, index: Path | None, there: set[str],
                        made: StatementViews | None) -> list[str]:
    c, graph = checked.collection, checked.graph
    with stage("export"):
        written: dict[str, bytes | int] = {}
        # The downloads and each claim's files are written by a forked child while this
        # process builds the pages' views, and the CSV and vocabulary by another (its query
        # makes its own small stores): a rebuild renders few pages, and then waited for the
        # one child doing both, with a core idle (10,000 claims: 6 s).
        rdf = start_forked(lambda: write_rdf(c, graph, staging, previous))
        table = start_forked(lambda: write_table(c, graph, staging, previous, index))
        # And the previous site's folders that staging lacks (it holds the spare's) are made
        # by another: a folder costs a write to the disk (a few seconds for a 10,000-claim
        # site), and a rebuild needs nearly all of them again. The page workers make any
        # folder that is not made yet.
        premade = [rel for rel in previous.folders() if rel not in there]
        folders = start_forked(lambda: make_folders(staging, premade)) if premade else \
            (lambda: None)
    children: list[Callable[[], object]] = [rdf, table, folders]
    try:
        with stage("render"), long_lived():
            rendered = render_site(checked, build_date(c), made)
        with stage("write"):
            # The site's own files are written by a child while the pages render: the
            # ClaimReview feed alone is 170 MB at 100,000 claims, written while the export's
            # child writes gigabytes (1.7 s, the one stage whose time per claim grew 1.9x).
            files = start_forked(lambda: _write_files(staging, rendered.files))
            children.append(files)
            written.update(rendered.files)
        with stage("render pages"):
            pages = rendered.write_pages(staging, downloads=False, previous=previous)
            folders()
            files()
        with stage("feed"):
            # After the pages: a review whose claim page kept its key is copied from the
            # previous feed (writing it whole took 0.4 s of a 10,000-claim rebuild).
            written[FEED_PATH], feed, reviews = rendered.write_feed(staging, pages, previous)
            pages.merge(feed)
    except BaseException:
        # The children write into staging: removing staging under them would leave a
        # half-deleted folder behind, so the failed build waits for them first; this error
        # comes first.
        for wait in children:
            with contextlib.suppress(Exception):
                wait()
        raise
    with stage("export (waiting)"):
        exported = rdf()
        written.update(exported.sizes)
        table_sizes, table_recorded = table()
        written.update(table_sizes)
    store: Callable[[], None] = lambda: None  # noqa: E731 (a store that needs nothing)
    if stale:
        store = _start_store(root, checked, staging / download_path("nq"), taken,
                             exported.graphs, index if index and index.is_file() else None)
    rendered.downloads(written)
    pages.merge(rendered.write_pages(staging, downloads=True, previous=previous))
    # recorded with the pages, for the next build's reuse
    pages.merge(exported.recorded)
    pages.merge(table_recorded)
    # The folders of pages the previous sites had and this one has not (a claim removed).
    remove_empty(staging, (there | set(premade)) - folders_of([*pages.files, *written]))
    # Pagefind indexes the pages in a process of its own while worker processes check the
    # site: they read only the pages and downloads, never the index. It is told each page's
    # hash and search mark, as the page workers noted them, so that it reads none to split
    # them into parts; the site's own files hold no page (a test checks both).
    indexing.start(pages.pages(), search_groups(c))
    try:
        with stage("site check"):
            problems = verify_site(checked, staging, written, pages.pages_to_check(previous),
                                   reviews)
        if problems:
            raise SiteCheckFailed(problems)
        with stage("search index (waiting)"):
            indexing.wait()
        with stage("store (waiting)"):
            try:
                store()
            except StoreError as exc:
                store_failed.append(exc)
    finally:
        indexing.stop()
        with contextlib.suppress(KbError):
            store()  # a failed build still waits for its child; that error comes first
    (staging / SITE_MARKER).write_text("A site built by kb build, which replaces this folder "
                                       "whole on the next build.\n", encoding="utf-8")
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        stamp(staging, source_date_epoch(epoch))
    write_record(staging, pages, source_date_epoch(epoch) if epoch else None)
    return sorted({*written, *pages.files})


# A source of more claims than this keeps their pages in parts of their own (see search_groups):
# a part holds about PART_PAGES pages, and Pagefind 150 KB for each.
GROUPED_CLAIMS = PART_PAGES // 4


def search_groups(c: Collection) -> dict[str, str]:
    """Each claim's page, to be indexed in the part of its source's page, which shows it too:
    an edit of a claim changes both pages, which then re-index one part, not two (with two
    Pagefind runs at a time, a one-claim edit's two or three parts took two rounds)."""
    claims = Counter(claim.source for claim in c.claims.values())
    return {page_path("claim", ident): page_path("source", claim.source)
            for ident, claim in c.claims.items() if claims[claim.source] <= GROUPED_CLAIMS}


def safe_output(claims: Path, out: Path) -> None:
    """Refuse an --out that a build would destroy: the claims folder, a folder holding or
    inside it, or any folder with files that is not a site kb built."""
    claims, target = claims.resolve(), out.resolve()
    if target == claims or target in claims.parents:
        raise UnsafeOutput(f"--out {out}: the build would replace {out} with the site, and it "
                           f"holds the claims folder {claims}; choose another folder, e.g. "
                           "--out _site")
    if claims in target.parents:
        raise UnsafeOutput(f"--out {out}: it is inside the claims folder {claims}; build the "
                           "site outside it, e.g. --out _site")
    if target.is_dir() and not (target / SITE_MARKER).is_file() and any(target.iterdir()) \
            and not _legacy_site(target):
        raise UnsafeOutput(f"--out {out}: the folder holds files but no {SITE_MARKER}, so it "
                           "is not a site kb built, and the build would delete them; choose a "
                           "new or empty folder")
    if target.exists() and not target.is_dir():
        raise UnsafeOutput(f"--out {out}: it is a file, not a folder; choose a folder")


def _legacy_site(folder: Path) -> bool:
    # Sites built before the marker existed: the home page and the open data beside it.
    return (folder / "index.html").is_file() and (folder / download_path("nq")).is_file()


def removed_claims(out: Path, checked: Checked) -> list[str]:
    """The claims the site in out publishes (a page each) that checked no longer has."""
    folder = (out / page_path("claim", "x")).parent.parent
    try:
        names = os.listdir(folder)
    except OSError:  # no previous site, or none with claim pages
        return []
    # Only a folder the collection has no claim for is looked into: a stat each of 10,000
    # claims' folders took 0.1 s of every rebuild.
    claims = checked.collection.claims
    return sorted(name for name in names
                  if name not in claims and (folder / name / "index.html").is_file())


def _some(ids: list[str], shown: int = 10) -> str:
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _output_failed(out: Path, reason: str, filename: str | None) -> OutputFailed:
    """A write error as one line naming the output folder and the file, if known."""
    name = f" ({display_path(filename)})" if filename else ""
    return OutputFailed(f"{out}: cannot write the new site{name}: {reason}; nothing was "
                        f"replaced, the previous {out} is untouched; free space or fix the "
                        f"folder {display_path(str(out.resolve().parent))}, then build again")


def _store_stale(root: Path, checked: Checked) -> bool:
    """Whether the collection keeps an oxigraph store that a claims file changed since."""
    return checked.collection.config.store == "oxigraph" and \
        stale_reason(root, read_manifest(root)) is not None


def _start_store(root: Path, checked: Checked, nquads: Path, taken: Taken,
                 graphs: dict[str, list], index: Path | None) -> Callable[[], None]:
    """Start bringing the oxigraph store up to date (the build found it stale, _store_stale)
    from the N-Quads export, beside the build (kb.rebuild), replacing only the named graphs
    that changed (graphs: where each is in the export); wait() for it. index: the claim index
    the build wrote of the same quads, if it did (kb.export.write_table). The process checks
    again, under the store's lock, whether another one brought it up to date meanwhile.

    The store mirrors the claims, not the site, and is replaced atomically, so it is refreshed
    while the pages are rendered and checked.
    """
    return start_rebuild(root, nquads, config_settings(checked.collection.config), taken,
                         graphs, claims=len(checked.collection.claims),
                         prepared={claimindex.NAME: index} if index else None)
