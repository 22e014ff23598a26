"""Work split over forked processes: same results as one process, failures reported as such."""

from __future__ import annotations

import gc
import os

import pytest
from conftest import edit

from kb.parallel import WorkerFailed, in_own_arena, map_chunks, start_forked
from kb.pipeline import check, graph


def square_all(chunk):
    return [(x, x * x, os.getpid()) for x in chunk]


def test_chunks_give_every_result_once_whatever_the_number_of_workers(monkeypatch):
    items = list(range(300))
    for jobs in ("1", "2", "3"):
        monkeypatch.setenv("KB_JOBS", jobs)
        rows = [row for chunk in map_chunks(square_all, items) for row in chunk]
        assert sorted((x, y) for x, y, _ in rows) == [(x, x * x) for x in items]
        assert len({pid for *_, pid in rows}) == int(jobs)


def test_the_work_this_process_does_runs_in_a_thread_of_its_own_and_fails_as_itself(
        monkeypatch):
    import threading

    # A new thread is what gives the work a malloc arena of its own (kb.parallel.in_own_arena).
    caller = threading.get_ident()
    value, ident = in_own_arena(lambda x: (x, threading.get_ident()), 7)
    assert (value, ident != caller) == (7, True)
    assert in_own_arena(lambda x: x * 2, 7) == 14

    def fail(x):
        raise LookupError(f"no {x}")

    with pytest.raises(LookupError, match=r"^no 7$"):
        in_own_arena(fail, 7)
    with pytest.raises(SystemExit):
        in_own_arena(lambda _: exit(3), None)
    monkeypatch.setenv("KB_JOBS", "2")
    threads = map_chunks(lambda chunk: [threading.get_ident()], list(range(200)))
    assert caller not in [ident for chunk in threads for ident in chunk]


def test_a_failing_worker_is_reported_with_its_message(monkeypatch):
    monkeypatch.setenv("KB_JOBS", "2")

    def fail_on_odd_chunk(chunk):
        if chunk[0] % 2:
            raise ValueError(f"cannot handle {chunk[0]}")
        return len(chunk)

    with pytest.raises(WorkerFailed, match="ValueError: cannot handle 1"):
        map_chunks(fail_on_odd_chunk, list(range(200)))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_start_forked_returns_the_result_or_the_error(monkeypatch, jobs):
    monkeypatch.setenv("KB_JOBS", jobs)
    wait = start_forked(lambda: {"pid": os.getpid()})
    forked = jobs != "1"
    assert (wait()["pid"] != os.getpid()) == forked
    assert (wait()["pid"] != os.getpid()) == forked  # a second wait repeats the outcome

    def broken():
        raise KeyError("nope")

    failing = start_forked(broken)
    with pytest.raises(WorkerFailed, match="KeyError: 'nope'"):
        failing()


def test_a_helper_process_dies_with_the_process_that_started_it():
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, time\n"
         "from kb.parallel import die_with_parent\n"
         "child = subprocess.Popen(['sleep', '30'], preexec_fn=die_with_parent)\n"
         "print(child.pid, flush=True)\n"
         "time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)  # as a killed kb build would be
    parent.wait()
    deadline = time.monotonic() + 5
    state = ""
    while time.monotonic() < deadline:
        try:  # a killed child nobody has reaped yet is a zombie: dead all the same
            with open(f"/proc/{child}/status") as fh:
                state = next(line for line in fh if line.startswith("State:"))
        except FileNotFoundError:
            state = "gone"
        if state == "gone" or "zombie" in state:
            break
        time.sleep(0.05)
    assert state == "gone" or "zombie" in state, state


def test_a_check_and_a_query_graph_leave_the_collector_running(mini):
    gc.unfreeze()
    try:
        assert check(mini).report.ok
        assert gc.isenabled(), "kb check left the collector paused: later workers would leak"
        graph(mini)
        assert gc.isenabled(), "the query graph left the collector paused"
    finally:
        gc.unfreeze()


def test_work_beside_the_checks_runs_once_on_a_clean_collection_and_changes_nothing(mini):
    plain = check(mini)
    seen: list = []
    beside = check(mini, beside=seen.append)
    assert [c is beside.collection for c in seen] == [True]
    assert beside.report == plain.report
    assert sorted(map(str, beside.graph)) == sorted(map(str, plain.graph))


def test_work_beside_the_checks_is_skipped_once_an_error_is_known(mini):
    claims = next((mini / "sources").glob("*/claims.yaml"))
    edit(claims, "subject: tesla", "subject: nobody")
    seen: list = []
    checked = check(mini, beside=seen.append)
    assert seen == []
    assert any("unknown entity 'nobody'" in p.message for p in checked.report.errors), \
        checked.report.errors


def test_work_beside_the_checks_that_fails_gives_way_to_the_shapes_errors(mini, monkeypatch):
    from kb import shapecheck
    from kb.errors import Origin, Problem

    def fails(_):
        raise KeyError("a view of a claim the shapes reject")

    with pytest.raises(KeyError, match="the shapes reject"):
        check(mini, beside=fails)  # no shape error: the failure is a bug, and says so
    rejected = Problem(Origin("claims.yaml", 3), "claim", "x", "does not match its shape")
    monkeypatch.setattr(shapecheck, "start_shapes", lambda c, graph: lambda: [rejected])
    assert rejected in check(mini, beside=fails).report.errors
