"""Shared fixtures: copies of small claims folders that a test may edit freely, and the seed
site built once per session for tests that only read it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from helpers import FORK_SERVERS, invoke

if TYPE_CHECKING:  # importing kb here would load the library before any test asks for it
    from kb.pipeline import Checked

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "claims"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the mini fixture collection."""
    dest = tmp_path / "claims"
    # Not the parse cache that tests loading the fixture in place leave in it: each starts clean.
    shutil.copytree(FIXTURES / "mini", dest, ignore=shutil.ignore_patterns(".kb"))
    return dest


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    """A copy of the real claims folder."""
    dest = tmp_path / "claims"
    # Not the store a kb build or query left beside the real claims: each test starts clean.
    shutil.copytree(SEED, dest, ignore=shutil.ignore_patterns(".kb"))
    return dest


class BuiltSite(NamedTuple):
    """A built site and the checked knowledge base it was built from."""

    out: Path
    checked: Checked


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file under folder with its size and modification time."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> BuiltSite:
    """The seed collection built once for the whole run (kb.build.build runs the site check).

    Read-only: a test that changes the site or its claims works on a copy. The site is
    compared with what the build wrote when the session ends, so a test that edits it in place
    fails instead of corrupting the tests that read it after.
    """
    from kb.build import build

    claims = tmp_path_factory.mktemp("seed-site") / "claims"
    shutil.copytree(SEED, claims, ignore=shutil.ignore_patterns(".kb"))
    result = build(claims, claims.parent / "site")
    built = _snapshot(result.out)
    yield BuiltSite(result.out, result.checked)
    changed = sorted(set(built.items()) ^ set(_snapshot(result.out).items()))
    assert not changed, f"a test changed the shared seed site; copy it first: {changed[:5]}"


def pytest_sessionfinish(session):
    """Stop this process's kb fork servers, once every run they forked has ended."""
    FORK_SERVERS.close()


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


def _needs_mark(request, mark: str, what: str) -> None:
    """Fail a test that uses what without the mark that lets the fast subset leave it out."""
    assert request.node.get_closest_marker(mark), (
        f"{request.node.nodeid} {what}: mark it @pytest.mark.{mark}")


@pytest.fixture(scope="session")
def _oxigraph_server(tmp_path_factory):
    from servers import oxigraph

    with oxigraph(tmp_path_factory.mktemp("oxigraph-server")) as server:
        yield server


@pytest.fixture(scope="session")
def _virtuoso_server(tmp_path_factory):
    from servers import virtuoso

    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture
def oxigraph_server(request, _oxigraph_server):
    """A real Oxigraph server, started once a session (tests/servers.py starts and stops it)."""
    _needs_mark(request, "server", "starts an Oxigraph server")
    return _oxigraph_server


@pytest.fixture
def virtuoso_server(request, _virtuoso_server):
    """A real Virtuoso, started once a session (tests/servers.py starts and stops it)."""
    _needs_mark(request, "server", "starts Virtuoso")
    return _virtuoso_server


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory) -> tuple[Path, Path]:
    """(claims, site) of the mini fixture, built once a module; tests tamper with copies."""
    claims = tmp_path_factory.mktemp("mini") / "claims"
    shutil.copytree(FIXTURES / "mini", claims)
    out = claims.parent / "site"
    assert invoke("build", "--claims", str(claims), "--out", str(out)).exit_code == 0
    return claims, out


@pytest.fixture
def site_copy(mini_site, tmp_path) -> tuple[Path, Path]:
    """A copy of the mini site that a test may change."""
    claims, out = mini_site
    copy = tmp_path / "site"
    shutil.copytree(out, copy)
    return claims, copy


CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by the README's test command
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module."""
    from playwright.sync_api import sync_playwright  # only the browser tests need it

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
