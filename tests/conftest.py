"""Shared fixtures: copies of small claims folders that a test may edit freely, and the seed
site built once per session for tests that only read it."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from helpers import FORK_SERVERS, changes, invoke, shared_folder, snapshot

if TYPE_CHECKING:  # importing kb here would load the library before any test asks for it
    from kb.pipeline import Checked

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "claims"
BENCH = Path(__file__).resolve().parent / "benchmarks"
# The benchmark's generator of collections serves the tests too, imported as `generate`.
sys.path.insert(0, str(BENCH))

SHM = Path("/dev/shm")
SHM_FREE = 1 << 30  # bytes free on it: a whole run peaked at 170 MB (Chromium's own included)


def _temporary_files_in_memory() -> None:
    """Point TMPDIR, and so pytest's temporary folders and every process the tests start, at
    a folder on /dev/shm when that is a tmpfs with room; KB_TEST_TMPFS=0 keeps the default.

    The tests write, sync and delete a great many small files: RocksDB syncs each new store
    about 90 times, every build writes a site and every passing test's folder is deleted. On
    ext4 (this machine's is mounted with discard) that was half the wall time and a quarter
    of the CPU of test_runtime_robust, test_reuse and test_query_cli (docs/development.md).
    What the tests check does not depend on the file system.
    """
    if os.environ.get("KB_TEST_TMPFS") == "0" or not _is_tmpfs(SHM):
        return
    folder = SHM / f"kb-tests-{os.getuid()}"
    if Path(os.environ.get("TMPDIR", "/")).resolve() == folder:
        return  # a test worker: its parent did this already
    stat = os.statvfs(SHM)
    if stat.f_bavail * stat.f_frsize < SHM_FREE:
        return
    folder.mkdir(mode=0o700, exist_ok=True)
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # pytest's capture asked before: make tempfile look again


def _is_tmpfs(path: Path) -> bool:
    """Is path the mount point of a tmpfs?"""
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return False
    return any(fields[1] == str(path) and fields[2] == "tmpfs"
               for fields in (line.split() for line in mounts) if len(fields) > 2)


_temporary_files_in_memory()


def _kb_bytecode() -> None:
    """Write kb's bytecode once, in the controlling process, as installing kb does.

    Where PYTHONDONTWRITEBYTECODE is set (as on the development machine, and so in its CI),
    Python never caches the bytecode of a checkout's modules, and every kb process a test
    starts compiled the whole package from source again: about 70 ms of CPU each time
    (docs/benchmarks.md). compileall writes the cache whatever that variable says.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        import compileall

        compileall.compile_dir(ROOT / "kb", quiet=1)


_kb_bytecode()


def _one_core() -> None:
    """Run kb on one core in the tests (KB_JOBS=1), unless the environment says otherwise.

    The test workers already keep every core busy. A build's forked page workers and children
    only added CPU there: copying a test worker's memory map, faulting its pages in again and
    pickling results back cost about a quarter of the suite's system time and a twentieth of
    its wall time (docs/development.md). The forked paths have tests of their own, which set
    KB_JOBS themselves (test_parallel, test_site's byte-identical build on two cores,
    test_reuse's rebuild on two). `KB_JOBS=2 python -m pytest` runs every build forked.
    """
    os.environ.setdefault("KB_JOBS", "1")


_one_core()


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the mini fixture collection."""
    dest = tmp_path / "claims"
    # Not the parse cache that tests loading the fixture in place leave in it: each starts clean.
    shutil.copytree(FIXTURES / "mini", dest, ignore=shutil.ignore_patterns(".kb"))
    return dest


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch) -> Path:
    """This test's own signing key for the claims folder's caches (kb.parsecache.signing_key),
    made in a cache folder of its own: the folder."""
    home = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


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


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> BuiltSite:
    """The seed collection built once for the whole run (kb.build.build runs the site check).

    The first test worker to ask builds it; the others share that site and check its claims
    themselves (a third of a second, not a build's three). Read-only: a test that changes the
    site or its claims works on a copy. Each worker compares the site with what the build
    wrote when it ends, so a test that edits it in place fails instead of corrupting the tests
    that read it after.
    """
    from kb.build import build
    from kb.pipeline import check

    built = []

    def make(folder: Path) -> None:
        claims = folder / "claims"
        shutil.copytree(SEED, claims, ignore=shutil.ignore_patterns(".kb"))
        built.append(build(claims, folder / "site"))

    folder, _ = shared_folder(tmp_path_factory, "seed-site", make)
    out = folder / "site"
    checked = built[0].checked if built else check(folder / "claims")
    before = snapshot(out)
    yield BuiltSite(out, checked)
    changed = changes(before, snapshot(out))
    assert not changed, f"a test changed the shared seed site; copy it first: {changed[:5]}"


# Tests that take seconds each run first, so that pytest-xdist hands them out while there is
# short work left to balance the workers with. In this order: the server tests (a worker
# that runs one starts its own Virtuoso and Oxigraph, so they are best kept on one), the other
# slow ones, then the browser tests, about a second each. The workers' queues meet among
# those, and the run no longer ends with one worker idle for a push of the seed (4 s).
LONG = ("server", "slow", "browser")


def _rank(item) -> int:
    return next((i for i, mark in enumerate(LONG) if item.get_closest_marker(mark)), len(LONG))


def pytest_collection_modifyitems(items):
    """Put the long tests first (every worker collects, and so sorts, the same way)."""
    items.sort(key=_rank)


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


@pytest.fixture(scope="session")
def mini_site(tmp_path_factory) -> tuple[Path, Path]:
    """(claims, site) of the mini fixture, built once a run and shared by the test workers
    (as seed_site is); tests tamper with copies, and a test that changes either fails."""
    def make(folder: Path) -> None:
        shutil.copytree(FIXTURES / "mini", folder / "claims", ignore=shutil.ignore_patterns(".kb"))
        invoke("build", "--claims", str(folder / "claims"), "--out", str(folder / "site"))

    folder, _ = shared_folder(tmp_path_factory, "mini-site", make)
    claims, out = folder / "claims", folder / "site"
    # Not the parse cache and store that commands run on the claims keep in .kb.
    claims_before, site_before = snapshot(claims, ignore=".kb"), snapshot(out)
    yield claims, out
    changed = changes(claims_before, snapshot(claims, ignore=".kb")) + changes(site_before,
                                                                               snapshot(out))
    assert not changed, f"a test changed the shared mini site; copy it first: {changed[:5]}"


@pytest.fixture
def site_copy(mini_site, tmp_path) -> tuple[Path, Path]:
    """A copy of the mini site that a test may change."""
    claims, out = mini_site
    copy = tmp_path / "site"
    shutil.copytree(out, copy)
    return claims, copy


@pytest.fixture
def built_mini(mini_site, mini, tmp_path) -> Path:
    """tmp_path/_site: the site a build of `mini` writes, for tests that edit and rebuild.

    A copy of the shared mini site, its file times kept, so that a rebuild may reuse its files
    as it would those of a build it had just made: half a second less per test than building.
    """
    site = tmp_path / "_site"
    shutil.copytree(mini_site[1], site)  # copy2 keeps each file's modification time
    return site


# Debian's headless shell (chromium-headless-shell, installed by the README's test command): the
# browser Playwright itself runs for headless tests. The same audits took 20% less CPU than in
# the whole browser (85 against 105 s for the browser tests; docs/development.md).
CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="session")
def _chromium():
    """Debian's Chromium through Playwright, one per test worker, and the page it lends."""
    from playwright.sync_api import sync_playwright  # only the browser tests need it

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = Pages(b)
        yield pages
        pages.give_back()
        b.close()


@pytest.fixture
def browser(_chromium):
    """Opens pages as a new Playwright Browser's new_page does; the page is given back (reset)
    when the test ends, whether it closed it or not."""
    yield _chromium
    _chromium.give_back()


DEFAULT_VIEWPORT = {"width": 1280, "height": 720}  # Playwright's, for a page of a new context


class Pages:
    """The one page of a worker's Chromium, lent to each browser test in the state a page of a
    new browser context starts in: blank, with the viewport and colour scheme asked for, no
    media emulated, no listeners of an earlier test, and no HTTP cache.

    Opening and closing a page costs Chromium a new renderer process: 0.8 s of CPU against
    0.15 s to navigate an open one, for each of the 80 browser tests (docs/development.md).
    The site keeps nothing in cookies or web storage, so a blank page of the same context is
    as new to it as a new context's.
    """

    def __init__(self, browser):
        self.context = browser.new_context()
        self.page = None
        self.requests: Requests | None = None  # the page's, made with it
        self.lent: LentPage | None = None

    def new_page(self, viewport: dict | None = None, color_scheme: str = "light") -> LentPage:
        """The worker's page, reset, as browser.new_page(viewport=..., color_scheme=...)."""
        self.give_back()
        if self.page is None:
            self.page = self.context.new_page()
            self.requests = Requests(self.page)
            # Every load fetches from the server, as in a new context: a response cached by
            # an earlier test would hide its request from this one's listeners.
            cdp = self.context.new_cdp_session(self.page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        self.page.set_viewport_size(viewport or DEFAULT_VIEWPORT)
        self.page.emulate_media(media="null", color_scheme=color_scheme)
        self.lent = LentPage(self.page, self.requests)
        return self.lent

    def give_back(self) -> None:
        """Take the lent page back: drop its listeners and leave it blank (a new page if that
        fails, as after a crash)."""
        if self.lent is None:
            return
        lent, self.lent = self.lent, None
        lent.forget_listeners()
        try:
            self.page.goto("about:blank")
            if self.requests is not None:
                self.requests.open.clear()  # any the blank page cut short
        except Exception:  # a crashed or closed page is replaced, whatever broke it
            with contextlib.suppress(Exception):
                self.page.close()
            self.page = None


class Requests:
    """The requests a page has in flight, as its events report them."""

    def __init__(self, page):
        self.open: set = set()
        page.on("request", lambda request: self.open.add(request))
        page.on("requestfinished", lambda request: self.open.discard(request))
        page.on("requestfailed", lambda request: self.open.discard(request))


# How long a loaded page must have no request in flight to count as settled. Playwright's
# "networkidle" waits 500 ms, about 40 s of the browser tests' time in all; the site is served
# from this machine, where a request takes milliseconds, and its scripts fetch at once.
QUIET_MS = 100


class LentPage:
    """A Playwright page lent to one test: on() listeners are dropped when it is given back,
    and close() gives it back."""

    def __init__(self, page, requests: Requests):
        self._page = page
        self._requests = requests
        self._listeners: list[tuple[str, Callable]] = []

    def __getattr__(self, name: str):
        return getattr(self._page, name)

    def wait_for_load_state(self, state: str = "load", **kwargs) -> None:
        """As Page.wait_for_load_state; "networkidle": loaded, then no request in flight for
        QUIET_MS (Playwright's own waits 500 ms)."""
        if state != "networkidle":
            return self._page.wait_for_load_state(state, **kwargs)
        self._page.wait_for_load_state("load", **kwargs)
        quiet = waited = 0
        while quiet < QUIET_MS:
            if waited > 30_000:  # Playwright's own default timeout
                raise TimeoutError(f"requests still in flight after 30 s: {self._requests.open}")
            self._page.wait_for_timeout(20)  # lets the request events in
            quiet = 0 if self._requests.open else quiet + 20
            waited += 20
        return None

    def on(self, event: str, handler: Callable) -> None:
        """Listen as Page.on does, until the page is given back."""
        self._listeners.append((event, handler))
        self._page.on(event, handler)

    def forget_listeners(self) -> None:
        """Remove the listeners this test added."""
        for event, handler in self._listeners:
            self._page.remove_listener(event, handler)
        self._listeners.clear()

    def close(self) -> None:
        """Done with the page: its listeners go; the next test resets it."""
        self.forget_listeners()


# WCAG 2.1 AA. axe reports every node of every violation whatever resultTypes says; the option
# only cuts the passing, inapplicable and incomplete results to one node each, which the tests
# never read: serialising those (1 to 2 MB a page on the seed) took 1 to 2 s of CPU per audit.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}
# axe-core itself, vendored (tests/vendor/axe-core/README.md): 4.14.1 audits the seed's longest
# pages in half the browser CPU that 4.12.1 (the one axe-playwright-python 0.1.8 bundles) took,
# and it checks more (label-content-name-mismatch is no longer experimental).
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """The WCAG 2.1 AA violations axe-core finds on the page as it is now."""
    page.evaluate(_axe_source())
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)",
                         WCAG_AA)
