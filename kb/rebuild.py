"""Rebuild the oxigraph store beside a build, in a process of its own.

Kept apart from kb.stores.oxigraph, which every query imports: starting processes needs
modules (subprocess, ctypes) that a query must not pay for. It lives above the stores, beside
kb.build, because the rebuild takes its hooks from kb.connect.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from .connect import rebuild_hooks
from .parallel import THREAD_CLAIMS, behind_the_check
from .stores.base import StoreError
from .stores.manifest import Taken, read_manifest, stale_reason, take, taken_from_json, taken_json
from .stores.oxigraph import rebuild

# A small collection's store is refreshed in a thread (kb.parallel.THREAD_CLAIMS): the mini
# fixture's store takes 0.05 s, the seed's 0.15 s. Forked workers of the build never open a
# store, so RocksDB in this process does not reach them (kb.parallel).


def start_rebuild(claims_dir: Path, nquads: Path, config: dict,
                  taken: Taken | None = None,
                  graphs: Mapping[str, list] | None = None,
                  claims: int | None = None,
                  prepared: Mapping[str, Path] | None = None) -> Callable[[], None]:
    """Refresh the store in a process of its own, from the build's N-Quads export, while the
    build goes on; the returned wait() raises StoreError if that failed. claims: how many the
    export holds; at most THREAD_CLAIMS are refreshed in a thread of this process instead.

    taken records the claims files as the build loaded them (kb.stores.manifest.take and
    settle), handed to the child in a temporary file: the manifest must describe what the
    export holds, not the files as they are when the child starts (without taken, the files
    as they are now). graphs, where each named graph is in the export (kb.export.write_nquads),
    goes with it: the child then replaces only the graphs that changed. prepared: files the
    build made beside the store from the same quads (kb.stores.oxigraph.rebuild).

    A new process, not a fork: RocksDB deadlocks in a child forked after its parent used it.
    """
    taken = taken or take(claims_dir)
    if claims is not None and claims <= THREAD_CLAIMS:
        return _in_thread(claims_dir, nquads, config, taken, graphs, prepared)
    fd, sent = tempfile.mkstemp(prefix="kb-store-taken-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"taken": taken_json(taken), "graphs": graphs,
                   "prepared": {name: str(path.resolve()) for name, path in
                                (prepared or {}).items()}}, fh)
    cmd = [sys.executable, "-m", "kb.rebuild", str(claims_dir.resolve()),
           str(nquads.resolve()), json.dumps(config), sent]
    # Run from the folder that holds this kb, so that `-m` imports this very kb and not one in
    # the current folder (a checkout beside an installed kb): the store's code stamp must be
    # the one the next query computes.
    home = Path(__file__).resolve().parent.parent
    # It runs beside the site check, which comes first (kb.parallel.BEHIND_THE_CHECK).
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=home, preexec_fn=behind_the_check)

    errors: list[str] = []

    def wait() -> None:
        if proc.returncode is None:  # the first call collects the process
            err = proc.communicate()[1].strip().splitlines()
            Path(sent).unlink(missing_ok=True)
            if proc.returncode != 0:
                errors.append(err[-1] if err else f"exit {proc.returncode}")
        _raise_failed(claims_dir, errors)

    return wait


def _in_thread(claims_dir: Path, nquads: Path, config: dict, taken: Taken,
               graphs: Mapping[str, list] | None,
               prepared: Mapping[str, Path] | None) -> Callable[[], None]:
    """start_rebuild's refresh in a thread of this process; its wait()."""
    errors: list[str] = []

    # Absolute, as the process gets them: a failure names the files the same way.
    folder, export = claims_dir.resolve(), nquads.resolve()

    def run() -> None:
        try:
            _refresh(folder, export, config, taken, graphs, prepared)
        except _FAILURES as exc:
            errors.append(_failure(exc, export))
        except Exception as exc:  # as the process's last line of a traceback would say
            errors.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=run, name="kb store", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        _raise_failed(claims_dir, errors)

    return wait


def _raise_failed(claims_dir: Path, errors: list[str]) -> None:
    """Raise StoreError with the first error's line, if the refresh failed."""
    if errors:
        raise StoreError(f"{claims_dir}: the oxigraph store could not be rebuilt: {errors[0]}")


def _refresh(claims_dir: Path, nquads: Path, config: dict, taken: Taken,
             graphs: Mapping[str, list] | None,
             prepared: Mapping[str, Path] | None = None) -> None:
    """Refresh the store from the export if it is stale."""
    reason = stale_reason(claims_dir, read_manifest(claims_dir))
    if reason is not None:
        rebuild(claims_dir, reason, rebuild_hooks(), config=config, nquads=nquads,
                taken=taken, graphs=graphs, prepared=prepared)


_FAILURES = (OSError, RuntimeError, ValueError, StoreError)


def _failure(exc: BaseException, nquads: Path) -> str:
    """What failed, in the one line the build reports: the reason, named."""
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else f" (loading {nquads})"
        return f"{exc.strerror or exc}{where}"
    return f"{type(exc).__name__}: {exc} (loading {nquads})"


def _main(argv: list[str]) -> int:
    """python -m kb.rebuild CLAIMS_DIR NQUADS CONFIG_JSON SENT_FILE: refresh from an export
    (SENT_FILE: the JSON of taken, graphs and prepared, see start_rebuild)."""
    claims_dir, nquads, config = Path(argv[0]), Path(argv[1]), json.loads(argv[2])
    try:
        sent = json.loads(Path(argv[3]).read_text(encoding="utf-8"))
        _refresh(claims_dir, nquads, config, taken_from_json(sent["taken"]), sent["graphs"],
                 {name: Path(path) for name, path in sent.get("prepared", {}).items()})
    except _FAILURES as exc:  # the parent reports the last line
        print(_failure(exc, nquads), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
