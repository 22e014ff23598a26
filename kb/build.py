"""kb build: check everything first, then write the outputs into a staging folder and swap it in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .atomic import replace_dir
from .errors import KbError, Problem
from .export import FORMATS, ontology_graph, serialize
from .pipeline import Checked, check

DATA_DIR = "data"
EXPORT_NAME = "kb"


class CheckFailed(KbError):
    """The knowledge base has errors, so nothing is built or replaced."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} error(s); nothing was built")


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
    """Load, graph and check root; if clean, write every output to out atomically."""
    checked = check(root)
    if checked.report.errors:
        raise CheckFailed(checked.report.errors)
    files = export_files(checked)
    with replace_dir(Path(out)) as staging:
        for rel, text in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return BuildResult(Path(out), sorted(files), checked)
