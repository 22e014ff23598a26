"""The bad-input corpus (tests/badinput/cases.py) through the real `kb` console script.

Each case must make `kb check` exit 1 within 30 s, printing exactly its one line (naming the
file) and no traceback; the cases marked `build` must also make `kb build` fail the same way
while leaving the previous site byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from badinput.cases import CASES, SOURCE, TEXT, Case
from conftest import FIXTURES
from helpers import kb_process

TIME_LIMIT = 30


def apply(claims: Path, case: Case) -> None:
    """Make a case's edits to a copy of the mini fixture."""
    for action, *args in case.edits:
        path = claims / args[0] if args else claims
        if action == "replace":
            text = path.read_text(encoding="utf-8")
            assert args[1] in text, f"{args[1]!r} not in {path}"
            path.write_text(text.replace(args[1], args[2], 1), encoding="utf-8")
        elif action == "append":
            with path.open("a", encoding="utf-8") as fh:
                fh.write(args[1])
        elif action == "write":
            data = args[1] if isinstance(args[1], bytes) else args[1].encode("utf-8")
            path.write_bytes(data)
        elif action == "symlink":
            path.unlink(missing_ok=True)
            path.symlink_to(args[1])
        elif action == "mkdir":
            path.mkdir()
        elif action == "mkfifo":
            os.mkfifo(path)
        elif action == "rename":
            path.rename(claims / args[1])
        elif action == "fix-sha":
            digest = hashlib.sha256((claims / TEXT).read_bytes()).hexdigest()
            source = claims / SOURCE
            text = re.sub(r"sha256: \w+", f"sha256: {digest}",
                          source.read_text(encoding="utf-8"))
            source.write_text(text, encoding="utf-8")
        else:
            raise AssertionError(f"unknown edit {action}")


def run_kb(cwd: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    start = time.monotonic()
    result = kb_process(*args, cwd=cwd, timeout=TIME_LIMIT, env={"PYTHONHASHSEED": "0"})
    return result, time.monotonic() - start


def assert_one_line(result: subprocess.CompletedProcess, seconds: float, case: Case,
                    stderr_tail: str) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == 1, output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines == [case.expected], (
        f"\nexpected: {case.expected[:400]}\nactual:   " + "\n          ".join(
            line[:400] for line in lines) + f"\nstderr: {result.stderr[-400:]}")
    assert result.stderr.endswith(stderr_tail), result.stderr[-400:]
    assert seconds < TIME_LIMIT


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", tmp_path / "claims")
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_gives_one_clear_line(workdir: Path, case: Case):
    apply(workdir / "claims", case)
    result, seconds = run_kb(workdir, "check", "--claims", "claims")
    assert_one_line(result, seconds, case, "kb check: 1 error(s), 0 finding(s)\n")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """The mini fixture's site, built once by `kb build`."""
    work = tmp_path_factory.mktemp("built")
    shutil.copytree(FIXTURES / "mini", work / "claims")
    result, _ = run_kb(work, "build", "--claims", "claims", "--out", "_site")
    assert result.returncode == 0, result.stdout + result.stderr
    return work / "_site"


BUILD_CASES = [c for c in CASES if c.build]


@pytest.mark.parametrize("case", BUILD_CASES, ids=[c.name for c in BUILD_CASES])
def test_build_fails_and_keeps_the_previous_site(workdir: Path, built_site: Path, case: Case):
    shutil.copytree(built_site, workdir / "_site", symlinks=True)
    before = snapshot(workdir / "_site")
    apply(workdir / "claims", case)
    result, seconds = run_kb(workdir, "build", "--claims", "claims", "--out", "_site")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert case.expected in result.stdout + result.stderr
    assert seconds < TIME_LIMIT
    after = snapshot(workdir / "_site")
    assert sorted(after) == sorted(before)
    assert [name for name in before if before[name] != after[name]] == []


def test_every_defect_and_file_kind_has_a_case():
    covered = {d for c in CASES for d in c.defects.split()}
    assert covered >= {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "P1", "S1", "S2", "S3",
                       "D2", "U3", "U4", "U5", "U7"}
    files = " ".join(str(e[1]) for c in CASES for e in c.edits if len(e) > 1)
    for kind in ("collection.yaml", "entities.yaml", "properties.yaml", "evidence/",
                 "source.yaml", "claims.yaml", "relations.yaml", "ignored.yaml", "text.txt"):
        assert kind in files, kind


def test_long_comment_line_parses_in_linear_time(workdir: Path):
    """P1: a 2 MB comment line and a 4 MB folded note are valid and quick to read."""
    claims = workdir / "claims"
    with (claims / SOURCE).open("a", encoding="utf-8") as fh:
        fh.write("# " + "x" * 2_000_000 + "\n")
    with (claims / "properties.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# " + "y" * 2_000_000 + "\n")
    result, seconds = run_kb(workdir, "check", "--claims", "claims")
    assert result.returncode == 0, result.stdout + result.stderr
    assert seconds < 10


def test_export_refuses_a_url_no_serialisation_can_carry(workdir: Path):
    """C7: the url that once passed kb check and crashed kb export --format turtle."""
    case = next(c for c in CASES if c.name == "source-url-space-and-angle")
    apply(workdir / "claims", case)
    result, _ = run_kb(workdir, "export", "--claims", "claims", "--format", "turtle")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1
    assert case.expected in result.stdout + result.stderr
