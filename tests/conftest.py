"""Shared fixtures: copies of small claims folders that a test may edit freely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "claims"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the mini fixture collection."""
    dest = tmp_path / "claims"
    shutil.copytree(FIXTURES / "mini", dest)
    return dest


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    """A copy of the real claims folder."""
    dest = tmp_path / "claims"
    # Not the store a kb build or query left beside the real claims: each test starts clean.
    shutil.copytree(SEED, dest, ignore=shutil.ignore_patterns(".kb"))
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace the first `count` occurrences of old in a file; fail if old is absent."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based line number of the nth line containing needle."""
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if needle in line]
    assert len(hits) >= nth, f"{needle!r} not found {nth} times in {path}"
    return hits[nth - 1]


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server for the session (tests/servers.py starts and stops it)."""
    from servers import oxigraph

    with oxigraph(tmp_path_factory.mktemp("oxigraph-server")) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso for the session (tests/servers.py starts and stops it)."""
    from servers import virtuoso

    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server
