"""What keeps `kb check` quick to start (docs/benchmarks.md): no pint, and the consistency
checks' modules imported only in the forked child that runs them."""

import os
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "claims"


def _modules_after_check() -> tuple[str, str]:
    code = ("import sys\nfrom kb.cli import cli\n"
            "try: cli(['check', '--claims', sys.argv[1]])\n"
            "except SystemExit: pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m in "
            "('pint', 'kb.consistency', 'kb.mentions', 'kb.relations')))")
    # Two workers even on a one-core machine: with one, the checks run in this process.
    proc = subprocess.run([sys.executable, "-c", code, str(SEED)], capture_output=True,
                          text=True, check=True, env={**os.environ, "KB_JOBS": "2"})
    return proc.stdout, proc.stderr


def test_kb_check_leaves_the_consistency_modules_to_its_child():
    out, err = _modules_after_check()
    assert "finding relation d1-ratio-vs-datasheets" in out
    assert err.startswith("kb check: no errors, "), err  # the check ran to its end
    assert out.endswith("LOADED []\n"), out

