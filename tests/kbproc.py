"""Running the real `kb` console script (or kb with a fault patched in) in a subprocess."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from helpers import KB_SCRIPT, kb_process

KB = str(KB_SCRIPT)


def run_kb(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `kb ARGS` in cwd and capture its output."""
    return kb_process(*args, cwd=cwd, timeout=timeout)


def run_patched(patch: str, *args: str, cwd: Path,
                timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `kb ARGS` with a fault patched in, and capture its output."""
    return kb_process(*args, cwd=cwd, timeout=timeout, patch=patch)


def tree(folder: Path) -> dict[str, str]:
    """Every file under folder (relative path -> sha256; a symlink -> its target)."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            out[rel] = ("link:" + os.readlink(path) if path.is_symlink()
                        else hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one line a failed command printed on stderr (besides kb: notes); fails otherwise."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("kb: ")]
    assert len(lines) == 1, f"expected one error line, got:\n{result.stderr}"
    return lines[0]
