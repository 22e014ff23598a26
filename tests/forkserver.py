"""A fork server for the tests' kb runs: the installed console script, without paying for a new
interpreter's imports each time.

`kb` pays about 0.25 s of CPU importing click, rdflib, pyoxigraph and kb before it does any
work, and the suite runs it a few hundred times. The server is a Python process started once
per test worker that imports every kb module and then waits. Each run forks it, and the fork
becomes what a fresh `kb` process would be:

- its standard input, output and error are files the test opened (passed over a Unix socket);
- its working directory, environment (os.environ, with time.tzset), sys.argv and sys.path[0]
  are the run's;
- it then executes the console script file itself (runpy, as `__main__`) at the top level of
  this script, so SystemExit gives the exit status, atexit handlers run, stdio is flushed, and
  an uncaught exception prints its traceback on standard error and exits 1, as in any
  interpreter.

What a fork cannot change is decided at interpreter start-up: the hash seed, the I/O encoding,
the locale and every PYTHON* variable. A server therefore serves only environments that agree
with its own on those (ForkServers keeps one server per such set); `kb_process` in helpers.py
falls back to a real subprocess when fork servers are unavailable or turned off
(KB_TEST_FORKSERVER=0).

Each run is forked twice: the server forks a small manager, which forks the kb process, waits
for it and reports its pid and exit status over the socket. The server itself never runs kb
code after its imports, so every fork starts from the state a fresh interpreter has after
importing kb. The server is single-threaded when it forks (checked at start).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

HEADER = struct.Struct("!Q")  # the length of the JSON request that follows the file descriptors
QUIT = "quit"


# -- the client, in the test process ------------------------------------------------------------

def startup_key(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables a fork cannot apply: those Python reads only when the interpreter starts
    (PYTHON*: hash seed, I/O encoding, UTF-8 mode, warnings, paths), the locale, and TMPDIR
    (tempfile caches its folder)."""
    return tuple(sorted((k, v) for k, v in env.items()
                        if k.startswith(("PYTHON", "LC_")) or k in ("LANG", "LANGUAGE", "TMPDIR")))


class ForkServer:
    """One server process for one start-up environment; run() is one kb process."""

    def __init__(self, script: Path, env: Mapping[str, str], folder: Path):
        self.script = script
        self.socket_path = folder / "socket"
        self.log = folder / "server.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, str(self.socket_path), str(script)], env=dict(env),
                cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline()
        if ready != b"ready\n":
            self.proc.wait()
            raise RuntimeError(f"the kb fork server did not start: {ready!r}\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def run(self, args: Sequence[str], *, cwd: Path, env: Mapping[str, str],
            input: bytes | None, timeout: float | None,
            prelude: str | None = None) -> subprocess.CompletedProcess:
        """Run the console script with args, as subprocess.run with capture_output would;
        prelude, some Python code (a fault to inject), runs first, as `python -c` would run
        it before the script's own code."""
        cmd = [str(self.script), *args]
        request = json.dumps({"args": list(args), "cwd": str(cwd), "env": dict(env),
                              "prelude": prelude}).encode()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                tempfile.TemporaryFile() as stdin, socket.socket(socket.AF_UNIX) as conn:
            if input is not None:  # else an empty file: at once at its end, as /dev/null is
                stdin.write(input)
                stdin.seek(0)
            conn.connect(str(self.socket_path))
            socket.send_fds(conn, [HEADER.pack(len(request))],
                            [stdin.fileno(), out.fileno(), err.fileno()])
            conn.sendall(request)
            reply = conn.makefile("rb")
            pid = int(reply.readline())
            conn.settimeout(timeout)
            try:
                status = reply.readline()
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                conn.settimeout(None)
                reply = conn.makefile("rb")
                reply.readline()
                raise subprocess.TimeoutExpired(cmd, timeout or 0, _read(out), _read(err)) \
                    from None
            if not status:
                raise RuntimeError(f"the kb fork server lost run {cmd}\n{self.log_text()}")
            return subprocess.CompletedProcess(cmd, int(status), _read(out), _read(err))

    def close(self) -> None:
        """Stop the server once every run it forked has been waited for."""
        try:
            with socket.socket(socket.AF_UNIX) as conn:
                conn.connect(str(self.socket_path))
                socket.send_fds(conn, [HEADER.pack(len(QUIT))], [])
                conn.sendall(QUIT.encode())
            self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            assert self.proc.stdout is not None
            self.proc.stdout.close()


def _read(file: BinaryIO) -> bytes:
    file.seek(0)
    return file.read()


class ForkServers:
    """The fork servers of one test process, one per start-up environment, started on first
    use and stopped by close()."""

    def __init__(self, script: Path):
        self.script = script
        self.servers: dict[tuple[tuple[str, str], ...], ForkServer] = {}
        self.folder: tempfile.TemporaryDirectory | None = None

    def run(self, args: Sequence[str], *, cwd: Path, env: Mapping[str, str],
            input: bytes | None, timeout: float | None,
            prelude: str | None = None) -> subprocess.CompletedProcess:
        """ForkServer.run on the server for env's start-up variables (started if need be)."""
        key = startup_key(env)
        server = self.servers.get(key)
        if server is None:
            if self.folder is None:
                self.folder = tempfile.TemporaryDirectory(prefix="kb-forkserver-")
            folder = Path(self.folder.name) / str(len(self.servers))
            folder.mkdir()
            server = self.servers[key] = ForkServer(self.script, env, folder)
        return server.run(args, cwd=cwd, env=env, input=input, timeout=timeout,
                          prelude=prelude)

    def close(self) -> None:
        for server in self.servers.values():
            server.close()
        self.servers.clear()
        if self.folder is not None:
            self.folder.cleanup()
            self.folder = None


# -- the server ---------------------------------------------------------------------------------

def _preload() -> None:
    """Import every kb module, as the commands would on their way (kb.__main__ runs the CLI)."""
    import importlib
    import pkgutil

    import kb

    for module in pkgutil.walk_packages(kb.__path__, "kb."):
        if module.name != "kb.__main__":
            importlib.import_module(module.name)
    threads = os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else ["main"]
    if len(threads) != 1 or threading.active_count() != 1:
        raise RuntimeError(f"importing kb started threads ({len(threads)}): forking is unsafe")


def _receive(conn: socket.socket) -> tuple[str | dict, list[int]]:
    header, fds, _, _ = socket.recv_fds(conn, HEADER.size, 3)
    while len(header) < HEADER.size:
        header += conn.recv(HEADER.size - len(header))
    (length,) = HEADER.unpack(header)
    body = b""
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise EOFError("the request was cut short")
        body += chunk
    return (QUIT if body == QUIT.encode() else json.loads(body)), fds


def _reap(block: bool) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


PRELUDE: list[str] = []  # in a forked kb process: the code to run before the script, if any


def _become(request: dict, fds: list[int], script: str) -> None:
    """Turn this fork into the kb process the request describes."""
    if request.get("prelude"):
        PRELUDE.append(request["prelude"])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if hasattr(os, "tzset"):
        import time

        time.tzset()
    sys.argv = [script, *request["args"]]
    sys.path[0] = os.path.dirname(script)  # what Python puts first for a script


def serve(socket_path: str, script: str) -> None:
    """Serve runs until asked to quit; returns only in a forked kb process."""
    _preload()
    gc.freeze()  # the forks' collections then leave the imported objects' pages shared
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(socket_path)
    listener.listen(16)
    os.write(1, b"ready\n")
    while True:
        conn, _ = listener.accept()
        _reap(block=False)
        request, fds = _receive(conn)
        if request == QUIT:
            listener.close()
            conn.close()
            _reap(block=True)
            os._exit(0)
        if os.fork() == 0:  # the manager of this run
            listener.close()
            assert isinstance(request, dict)
            pid = os.fork()
            if pid == 0:
                conn.close()
                _become(request, fds, script)
                return
            for fd in fds:
                os.close(fd)
            conn.sendall(f"{pid}\n".encode())
            _, status = os.waitpid(pid, 0)
            conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            conn.close()
            os._exit(0)
        for fd in fds:
            os.close(fd)
        conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
    # A forked kb process: what follows is the console script, run as a fresh interpreter
    # runs it; an exception it raises reaches the interpreter as in a real `kb`.
    import runpy

    for code in PRELUDE:
        exec(compile(code, "<prelude>", "exec"), {"__name__": "__prelude__"})
    runpy.run_path(sys.argv[0], run_name="__main__")
