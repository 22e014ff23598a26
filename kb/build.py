"""kb build: check everything first, then write the outputs into a staging folder and swap it in."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .atomic import replace_dir
from .errors import KbError, Problem, ProblemsError, UsageError
from .export import write_rdf, write_table
from .layout import SITE_MARKER, download_path
from .parallel import start_forked
from .pipeline import Checked, check
from .rebuild import start_rebuild
from .render import build_date, render_site, source_date_epoch, stamp
from .searchindex import start_index
from .siteverify import SiteCheckFailed, verify_site
from .stores.manifest import read_manifest, stale_reason
from .stores.oxigraph import config_settings
from .timing import stage


class UnsafeOutput(UsageError):
    """--out names a folder that a build must not replace."""


class CheckFailed(ProblemsError):
    """The knowledge base has errors, so nothing is built or replaced."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems, f"{len(problems)} error(s); nothing was built")


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    files: list[str]
    checked: Checked


def build(root: str | Path, out: str | Path) -> BuildResult:
    """Load, graph and check root; if clean, write every output to out atomically.

    The site is rendered and indexed in the staging folder and checked there against the
    knowledge base before the swap, so a site that fails its check never replaces the last one.
    """
    safe_output(Path(root), Path(out))
    checked = check(root)
    if checked.report.errors:
        raise CheckFailed(checked.report.errors)
    c, graph = checked.collection, checked.graph
    with replace_dir(Path(out)) as staging:
        with stage("export"):
            written: dict[str, bytes | int] = dict(write_table(c, graph, staging))
            # The RDF downloads and each claim's files are written by a forked child while
            # this process builds the pages' views.
            rdf = start_forked(lambda: write_rdf(c, graph, staging))
        with stage("render"):
            rendered = render_site(checked, build_date(c))
        with stage("write"):
            for folder in sorted({str(Path(rel).parent) for rel in rendered.files}):
                (staging / folder).mkdir(parents=True, exist_ok=True)
            for rel, data in rendered.files.items():
                (staging / rel).write_bytes(data)
            written.update(rendered.files)
        with stage("render pages"):
            paths = rendered.write_pages(staging, downloads=False)
        with stage("export (waiting)"):
            written.update(rdf())
        store = _start_store(Path(root), checked, staging / download_path("nq"))
        rendered.downloads(written)
        paths += rendered.write_pages(staging, downloads=True)
        # Pagefind indexes the pages in a process of its own while worker processes check the
        # site: they read only the pages and downloads, never the index.
        indexing = start_index(staging)
        try:
            with stage("site check"):
                problems = verify_site(checked, staging, written)
            if problems:
                raise SiteCheckFailed(problems)
            with stage("search index (waiting)"):
                indexing.wait()
            with stage("store (waiting)"):
                store()
        finally:
            indexing.stop()
            with contextlib.suppress(KbError):
                store()  # a failed build still waits for its child; that error comes first
        (staging / SITE_MARKER).write_text("A site built by kb build, which replaces this folder "
                                           "whole on the next build.\n", encoding="utf-8")
        if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
            stamp(staging, source_date_epoch(epoch))
    return BuildResult(Path(out), sorted([*written, *paths]), checked)


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


def _start_store(root: Path, checked: Checked, nquads: Path) -> Callable[[], None]:
    """Start bringing the oxigraph store up to date (if the collection uses it and a claims
    file changed) from the N-Quads export, in a process of its own; wait() for it.

    The store mirrors the claims, not the site, and is replaced atomically, so it is refreshed
    while the pages are rendered and checked.
    """
    if checked.collection.config.store != "oxigraph" or \
            stale_reason(root, read_manifest(root)) is None:
        return lambda: None
    return start_rebuild(root, nquads, config_settings(checked.collection.config))
