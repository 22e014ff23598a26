"""Test helpers shared across test modules."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result
from forkserver import ForkServers
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic


@contextmanager
def serving(server) -> Iterator:
    """Serves server (a socketserver) on a thread for the block, then closes it.

    It polls for shutdown every 10 ms: at socketserver's default of 0.5 s, each server a test
    started cost it half a second of waiting when it stopped.
    """
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                     daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    """Fail with the triples only in one graph or the other."""
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["graphs differ"]
    lines += ["  - " + " ".join(t.n3() for t in triple) for triple in sorted(only_expected)]
    lines += ["  + " + " ".join(t.n3() for t in triple) for triple in sorted(only_actual)]
    raise AssertionError("\n".join(lines))


def union_graph(ds) -> Graph:
    """All named graphs of a Dataset as one plain Graph."""
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def named_graphs(ds) -> dict[str, Graph]:
    """The non-empty named graphs of a Dataset, by name."""
    out = {}
    for g in ds.graphs():
        if len(g):
            out[str(g.identifier)] = g
    return out


def assert_datasets_isomorphic(expected, actual) -> None:
    """Same named graphs, each isomorphic; print the difference on failure."""
    exp, act = named_graphs(expected), named_graphs(actual)
    assert sorted(exp) == sorted(act), f"graph names differ: {sorted(exp)} != {sorted(act)}"
    for name in exp:
        try:
            assert_isomorphic(exp[name], act[name])
        except AssertionError as exc:
            raise AssertionError(f"in graph {name}: {exc}") from None


# -- running kb ------------------------------------------------------------------------------------

# The console script pip installed beside this interpreter: the entry point a user runs.
KB_SCRIPT = Path(sys.executable).with_name("kb")


@dataclass(frozen=True)
class Ran:
    """What a kb command did: its exit status and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Standard output, then standard error (an error line comes after any partial output)."""
        return self.stdout + self.stderr


def invoke(*args: str, input: str | None = None, exit_code: int = 0) -> Result:
    """Run a kb command in this process and expect exit_code; an exception escapes the test.

    For commands that succeed. A command expected to fail runs through run_kb, so that a
    traceback printed on the way out, as a user would see it, fails the test; only a test
    that must patch the library in this process passes a non-zero exit_code here.
    """
    from kb.cli import cli

    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == exit_code, (
        f"kb {' '.join(args)} exited {result.exit_code}, not {exit_code}:\n{result.output}")
    return result


def kb_process(*args: str, input: str | None = None, cwd: Path | None = None,
               timeout: float = 300, env: Mapping[str, str] | None = None,
               patch: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed kb console script in a new process (in cwd, or the current directory)
    and capture its output, as subprocess.run(text=True) would; the environment
    (monkeypatch.setenv), with env's variables added, carries over. patch is Python code (a
    fault to inject) that the process runs before kb's command line.

    The process is forked from this test process's fork server (tests/forkserver.py), which
    has kb imported already, unless KB_TEST_FORKSERVER=0 asks for a new interpreter each time.
    """
    assert KB_SCRIPT.is_file(), f"{KB_SCRIPT} is missing; run pip install -e '.[test]'"
    # With its bytecode cache, as an installed kb runs: without it each run compiles kb anew.
    full = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    full.update(env or {})
    if os.environ.get("KB_TEST_FORKSERVER") == "0" or not hasattr(os, "fork"):
        cmd = [str(KB_SCRIPT), *args] if patch is None else patched_cmd(patch, *args)
        return subprocess.run(cmd, input=input, capture_output=True,
                              text=True, encoding="utf-8", env=full, cwd=cwd, timeout=timeout,
                              stdin=None if input is not None else subprocess.DEVNULL)
    ran = FORK_SERVERS.run(args, cwd=Path(cwd or os.getcwd()), env=full, timeout=timeout,
                           input=None if input is None else input.encode("utf-8"),
                           prelude=patch)
    return subprocess.CompletedProcess(ran.args, ran.returncode, _text(ran.stdout),
                                       _text(ran.stderr))


def patched_cmd(patch: str, *args: str) -> list[str]:
    """A command that runs `kb ARGS` in a new interpreter after the Python code patch (a fault
    to inject)."""
    code = f"{patch}\nimport sys\nfrom kb.cli import main\nsys.argv = ['kb', *{list(args)!r}]\n" \
           "main()\n"
    return [sys.executable, "-c", code]


def _text(data: bytes) -> str:
    """Output decoded as subprocess.run(text=True, encoding="utf-8") does, newlines included."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


FORK_SERVERS = ForkServers(KB_SCRIPT)  # stopped at the end of the session (conftest.py)


def run_kb(*args: str, input: str | None = None) -> Ran:
    """Run the installed kb console script in a subprocess; fail on any traceback it prints.

    The current directory and environment (monkeypatch.chdir/setenv) carry over.
    """
    proc = kb_process(*args, input=input)
    assert "Traceback" not in proc.stderr, proc.stderr
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def copy_of_site(out: Path, tmp_path: Path) -> Path:
    """A copy of a built site that a test may tamper with."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(out, site)
    return site


# -- artifacts shared by the test workers --------------------------------------------------------


def shared_folder(tmp_path_factory, name: str, make: Callable[[Path], None]) -> tuple[Path, bool]:
    """A folder made once a run by make(folder), by whichever test worker asks first; the others
    wait for it and share it. Returns the folder and whether this process made it.

    Under pytest-xdist each worker's base folder is a child of the run's own (new every run), so
    the folder cannot be left over from another run or another version of the code. A make that
    fails leaves no folder behind: the next worker tries again, and fails the same way.
    """
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"
    root.mkdir(exist_ok=True)
    folder, made = root / name, root / f"{name}.made"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the worker dies
        if made.exists():
            return folder, False
        shutil.rmtree(folder, ignore_errors=True)  # what a worker that died in make left
        folder.mkdir()
        try:
            make(folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        made.touch()
        return folder, True


def snapshot(folder: Path, ignore: str | None = None) -> dict[str, tuple[int, int]]:
    """Each file under folder (but those under a folder named ignore) with its size and
    modification time."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")
            if p.is_file() and (ignore is None or ignore not in p.relative_to(folder).parts)}


def changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list:
    """The files added, removed or changed between two snapshots."""
    return sorted(set(before.items()) ^ set(after.items()))


def leftovers(folder: Path, prefix: str, timeout: float = 60.0) -> list[str]:
    """The names in folder starting with prefix once the build's detached deleter of the
    replaced site is done (kb.atomic.discard), or those left after timeout seconds; the
    spare it leaves (kb.atomic.retire) is no leftover."""
    deadline = time.monotonic() + timeout
    while True:
        left = sorted(p.name for p in folder.iterdir()
                      if p.name.startswith(prefix) and not p.name.endswith(".spare"))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


# A page of each type in the seed site, which test_site_readers audits with axe-core on a phone
# and on a desk (DESK); other browser tests need not audit these pages again at that size.
PAGE_KINDS = {"overview": "", "claim": "claim/tesla-highest-revenue-year/",
              "source": "source/tesla-dojo-commentary/", "entity": "entity/tesla/",
              "entities": "entity/", "finding": "finding/dojo-a100-count-vs-exapod/",
              "findings": "findings/", "evidence": "evidence/", "data": "data/",
              "vocabulary": "vocabulary/", "search": "search/?q=特斯拉", "404": "404.html",
              "reviewer": "reviewer/kb-editors/",
              "document": "document/advanced-television-starlink-7m-2025/",
              "evidence statement": "evidence/ai5-process-node-3nm/", "method": "method/",
              "about": "about/", "corrections": "corrections/", "history": "history/"}
DESK = {"width": 1280, "height": 900}


def small_pages(monkeypatch, rows: int) -> None:
    """Lists of rows rows a page (and feeds of as many reviews), in every module that reads
    the size: the fixtures' lists otherwise fit on one page."""
    import kb.layout
    import kb.pages
    import kb.render
    import kb.siteverify

    for module in (kb.layout, kb.pages, kb.render, kb.siteverify):
        monkeypatch.setattr(module, "PAGE_SIZE", rows)
    monkeypatch.setitem(kb.render.environment().globals, "page_size", rows)
    for module in (kb.render, kb.siteverify):
        monkeypatch.setattr(module, "FEED_ITEMS", rows)
