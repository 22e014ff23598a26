"""kb build: check everything first, then write the outputs into a staging folder and swap it in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .atomic import replace_dir
from .errors import Problem, ProblemsError
from .export import FORMATS, ontology_graph, serialize
from .pipeline import Checked, check

DATA_DIR = "data"
EXPORT_NAME = "kb"


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


def export_files(checked: Checked) -> dict[str, str]:
    """The open-data downloads, by path relative to the output folder."""
    c, ds = checked.collection, checked.dataset
    files = {f"{DATA_DIR}/{EXPORT_NAME}.{ext}": serialize(c, ds, fmt)
             for fmt, (ext, _) in FORMATS.items()}
    files[f"{DATA_DIR}/ontology.ttl"] = ontology_graph().serialize(format="turtle")
    return files


def build(root: str | Path, out: str | Path) -> BuildResult:
    """Load, graph and check root; if clean, write every output to out atomically.

    The site is rendered and indexed in the staging folder and checked there against the
    knowledge base before the swap, so a site that fails its check never replaces the last one.
    """
    from .render import build_date, render_site, source_date_epoch, stamp
    from .searchindex import index_site
    from .sitecheck import SiteCheckFailed, check_site

    checked = check(root)
    if checked.report.errors:
        raise CheckFailed(checked.report.errors)
    downloads = export_files(checked)
    files = {rel: text.encode("utf-8") for rel, text in downloads.items()}
    files.update(render_site(checked, downloads, build_date(checked.collection)))
    with replace_dir(Path(out)) as staging:
        for rel, data in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        index_site(staging)
        if problems := check_site(checked, staging):
            raise SiteCheckFailed(problems)
        if epoch := os.environ.get("SOURCE_DATE_EPOCH"):
            stamp(staging, source_date_epoch(epoch))
    if checked.collection.config.store == "oxigraph":
        # Queries then find the store fresh; it is rebuilt only if a claims file changed.
        from .stores.oxigraph import config_settings, refresh

        refresh(Path(root), checked.dataset, config_settings(checked.collection.config))
    return BuildResult(Path(out), sorted(files), checked)
