"""The fork server (tests/forkserver.py) gives what a new interpreter running the script gives:
exit status, output, a traceback on an uncaught exception, and the run's directory,
environment, arguments and input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from forkserver import ForkServers
from helpers import kb_process

PROBE = """\
import atexit, hashlib, os, sys
atexit.register(lambda: print("atexit ran", flush=True))
print(os.getcwd(), os.environ.get("PROBE"), sys.argv[1:], sys.path[0] == os.path.dirname(
    os.path.abspath(sys.argv[0])), sys.stdin.read())
print("stderr line", file=sys.stderr)
print("set order", hashlib.sha256(repr(list({"a", "b", "c", "d"})).encode()).hexdigest())
if sys.argv[1:] == ["raise"]:
    from kb.cli import main
    raise RuntimeError("an unexpected failure")
sys.exit(int(sys.argv[1]) if sys.argv[1:] and sys.argv[1].isdigit() else "exit message")
"""


ENV = {"PATH": "/usr/bin:/bin", "PROBE": "\u00e9", "PYTHONHASHSEED": "7", "LANG": "C.UTF-8"}


@pytest.fixture
def probe(tmp_path):
    """(servers for a probe script, the script); the servers are stopped at the end."""
    script = tmp_path / "bin" / "probe"
    script.parent.mkdir()
    script.write_text(f"#!{sys.executable}\n{PROBE}", encoding="utf-8")
    script.chmod(0o755)
    servers = ForkServers(script)
    yield servers, script
    servers.close()


def both(servers: ForkServers, script: Path, args: list[str], cwd: Path, env: dict[str, str],
         input: bytes | None = None) -> tuple[subprocess.CompletedProcess, ...]:
    """The run through the fork server, and the same in a new interpreter."""
    forked = servers.run(args, cwd=cwd, env=env, input=input, timeout=60)
    fresh = subprocess.run([str(script), *args], cwd=cwd, env=env, input=input,
                           capture_output=True, timeout=60,
                           stdin=None if input is not None else subprocess.DEVNULL)
    return forked, fresh


@pytest.mark.parametrize("args,input", [
    (["0"], None), (["3"], b"some input\n"), (["a b", "\u00fc"], None), ([], b"x" * 200_000),
], ids=["exit-0", "exit-3-with-input", "arguments-exit-message", "large-input-exit-message"])
def test_a_forked_run_is_what_a_new_interpreter_gives(probe, tmp_path, args, input):
    servers, script = probe
    forked, fresh = both(servers, script, args, tmp_path, ENV, input)
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode, fresh.stdout, fresh.stderr)
    assert b"atexit ran" in forked.stdout


def test_a_prelude_runs_before_the_script_and_only_in_its_run(probe, tmp_path):
    servers, script = probe
    prelude = "import os\nos.environ['PROBE'] = 'patched'\n"
    patched = servers.run(["0"], cwd=tmp_path, env=ENV, input=None, timeout=60, prelude=prelude)
    _, fresh = both(servers, script, ["0"], tmp_path, {**ENV, "PROBE": "patched"})
    assert (patched.returncode, patched.stdout, patched.stderr) == (
        fresh.returncode, fresh.stdout, fresh.stderr)
    assert b" patched " in patched.stdout
    forked, fresh = both(servers, script, ["0"], tmp_path, ENV)
    assert forked.stdout == fresh.stdout and b" patched " not in forked.stdout


def test_an_uncaught_exception_prints_its_traceback_and_exits_1(probe, tmp_path):
    servers, script = probe
    forked, fresh = both(servers, script, ["raise"], tmp_path, ENV)
    for run in (forked, fresh):  # the frames above the script's own differ
        assert run.returncode == 1
        assert run.stderr.startswith(b"stderr line\nTraceback (most recent call last):\n")
        assert run.stderr.endswith(b"\nRuntimeError: an unexpected failure\n")
    assert forked.stdout == fresh.stdout


def test_each_start_up_environment_gets_its_own_server(probe, tmp_path):
    servers, script = probe
    for seed in ("1", "2", "1"):
        env = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": seed}
        forked, fresh = both(servers, script, ["0"], tmp_path, env)
        assert forked.stdout == fresh.stdout
    assert len(servers.servers) == 2


def test_a_run_past_its_time_is_killed(probe, tmp_path):
    servers, script = probe
    script.write_text(f"#!{sys.executable}\nimport time\nprint('started', flush=True)\n"
                      "time.sleep(60)\n", encoding="utf-8")
    with pytest.raises(subprocess.TimeoutExpired) as caught:
        servers.run([], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, input=None, timeout=2)
    assert caught.value.output == b"started\n"


def test_kb_runs_the_same_forked_as_in_a_new_process(mini, tmp_path, monkeypatch):
    (mini / "entities.yaml").write_text("- id: [\n", encoding="utf-8")
    kb_process("claims", cwd=tmp_path)  # builds the store, which the runs below then share
    for args in (["check", "--claims", str(mini)], ["--version"], ["claims", "--nl"],
                 ["show", "no-such-claim", "--claims", str(mini)]):
        forked = kb_process(*args, cwd=tmp_path)
        monkeypatch.setenv("KB_TEST_FORKSERVER", "0")
        fresh = kb_process(*args, cwd=tmp_path)
        monkeypatch.delenv("KB_TEST_FORKSERVER")
        assert (forked.returncode, forked.stdout, forked.stderr) == (
            fresh.returncode, fresh.stdout, fresh.stderr), args
