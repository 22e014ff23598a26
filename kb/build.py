"""kb build: check everything first, then write the outputs into a staging folder and swap it in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .atomic import replace_dir
from .errors import Problem, ProblemsError
from .export import write_downloads
from .pipeline import Checked, check
from .render import build_date, render_site, source_date_epoch, stamp
from .searchindex import start_index
from .sitecheck import SiteCheckFailed, check_site
from .stores.oxigraph import config_settings, refresh
from .timing import stage


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
    checked = check(root)
    if checked.report.errors:
        raise CheckFailed(checked.report.errors)
    with replace_dir(Path(out)) as staging:
        with stage("export"):
            written: dict[str, bytes | int] = dict(
                write_downloads(checked.collection, checked.graph, staging))
        with stage("render"):
            rendered = render_site(checked, written, build_date(checked.collection))
        with stage("write"):
            for folder in sorted({str(Path(rel).parent) for rel in rendered.files}):
                (staging / folder).mkdir(parents=True, exist_ok=True)
            for rel, data in rendered.files.items():
                (staging / rel).write_bytes(data)
            written.update(rendered.files)
        with stage("render pages"):
            paths = rendered.write_pages(staging)
        # Pagefind indexes the pages in a process of its own while worker processes check the
        # site (they read only the pages and downloads, never the index) and this one brings
        # the query store up to date (it reads only the graph).
        indexing = start_index(staging)
        try:
            with stage("site check and store"):
                problems = check_site(checked, staging, written,
                                      meanwhile=lambda: _refresh_store(Path(root), checked))
            if problems:
                raise SiteCheckFailed(problems)
            with stage("search index (waiting)"):
                indexing.wait()
        finally:
            indexing.stop()
        if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
            stamp(staging, source_date_epoch(epoch))
    return BuildResult(Path(out), sorted([*written, *paths]), checked)


def _refresh_store(root: Path, checked: Checked) -> None:
    """Bring the oxigraph store up to date, if the collection uses it.

    The store mirrors the claims, not the site, and is replaced atomically, so it is refreshed
    while the site is checked; it is rebuilt only if a claims file changed. It is built in this
    process, never in a forked child: RocksDB deadlocks in a child forked after its parent has
    used it.
    """
    if checked.collection.config.store == "oxigraph":
        with stage("store"):
            refresh(root, checked.graph, config_settings(checked.collection.config))
