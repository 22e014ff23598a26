"""Real SPARQL servers for the tests, each on 127.0.0.1 with its own folder and ports.

Oxigraph server comes with the test extra (`pip install oxigraph`); Virtuoso from Debian
(`apt-get install -y virtuoso-opensource`, which .ci/run does). The Debian service cannot start
in a container, so the tests run `virtuoso-t -f` themselves on a copy of its virtuoso.ini.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Server:
    """How to reach a running server: its query, update and Graph Store Protocol URLs."""

    name: str
    query: str
    update: str
    graph_store: str


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if not with 200
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url} within {START_TIMEOUT} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-20:]) if log.exists() else ""


@contextmanager
def _running(cmd: list[str], folder: Path, probe: str) -> Iterator[subprocess.Popen]:
    log = folder / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        _wait_for(probe, proc, log)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def oxigraph_binary() -> str:
    """The oxigraph server binary installed with the test extra."""
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        raise RuntimeError("the oxigraph binary is missing; pip install -e '.[test]'")
    return found


@contextmanager
def oxigraph(folder: Path) -> Iterator[Server]:
    """Oxigraph server on a free port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [oxigraph_binary(), "serve", "--location", str(folder / "db"),
           "--bind", f"127.0.0.1:{port}"]
    with _running(cmd, folder, base + "/query?query=ASK%7B%7D"):
        yield Server("oxigraph", base + "/query", base + "/update", base + "/store")


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> Path:
    """A copy of Debian's virtuoso.ini with its own database folder and ports, and without
    the add-ons a new database installs."""
    text = VIRTUOSO_INI.read_text()
    text = text.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    text = text.replace("/var/lib/virtuoso-opensource-7/vsp", f"{folder}/vsp")
    text = re.sub(r"(?m)^(ServerPort\s*=\s*)1111\b", rf"\g<1>{sql_port}", text)
    text = re.sub(r"(?m)^(ServerPort\s*=\s*)8890\b", rf"\g<1>{http_port}", text)
    text = re.sub(r"(?m)^(DefaultHost\s*=\s*)\S+", rf"\g<1>127.0.0.1:{http_port}", text)
    # Answers longer than 10,000 rows would be cut silently.
    text = re.sub(r"(?m)^(ResultSetMaxRows\s*=\s*)\d+", r"\g<1>1000000", text)
    # Virtuoso refuses a query whose *estimated* time exceeds 400 s; on the tests' few hundred
    # quads its cost model has estimated the one-claim query at 666 s (it runs in milliseconds).
    text = re.sub(r"(?m)^(MaxQueryCostEstimationTime\s*=\s*)\d+", r"\g<1>0", text)
    # No packages installed into the new database from VADInstallDir (the Conductor, an admin
    # web interface) and no wiki plugins: the tests use the SPARQL and Graph Store endpoints
    # only, and these took half of each start's CPU (3.4 s -> 1.9 s).
    text = re.sub(r"(?m)^(VADInstallDir\s*=\s*)\S+", rf"\g<1>{folder}/vad/", text)
    text = re.sub(r"(?m)^Load\d+\s*=.*\n", "", text)
    for sub in ("vsp", "vad"):
        (folder / sub).mkdir(exist_ok=True)
    ini = folder / "virtuoso.ini"
    ini.write_text(text)
    return ini


@contextmanager
def virtuoso(folder: Path) -> Iterator[Server]:
    """Virtuoso on free ports, with SPARQL Update granted to its anonymous SPARQL user."""
    for binary in ("virtuoso-t", "isql-vt"):
        if shutil.which(binary) is None:
            raise RuntimeError(f"{binary} is missing; apt-get install -y virtuoso-opensource")
    sql_port, http_port = free_port(), free_port()
    ini = virtuoso_ini(folder, sql_port, http_port)
    base = f"http://127.0.0.1:{http_port}"
    with _running(["virtuoso-t", "-f", "-c", str(ini)], folder, base + "/sparql"):
        grant = subprocess.run(
            ["isql-vt", str(sql_port), "dba", "dba", "exec=grant SPARQL_UPDATE to \"SPARQL\";"],
            capture_output=True, text=True, timeout=60)
        if grant.returncode != 0 or "Error" in grant.stdout:
            raise RuntimeError(f"granting SPARQL_UPDATE failed:\n{grant.stdout}{grant.stderr}")
        yield Server("virtuoso", base + "/sparql", base + "/sparql",
                     base + "/sparql-graph-crud")
