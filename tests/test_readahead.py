"""Reading ahead: the files of the next items are asked for in order, a bounded way ahead of
the items worked on, and no more once the pass ends."""

import threading
import time

import pytest

from kb import readahead
from kb.readahead import MIN_ITEMS, WINDOW, ReadAhead


@pytest.fixture
def asked(monkeypatch):
    """The paths read ahead, in order, each with how many items had been started then."""
    got: list[tuple[str, int]] = []
    lock = threading.Lock()
    current: list[ReadAhead] = []

    def will_need(path):
        with lock:
            got.append((path, current[0]._started))

    monkeypatch.setattr(readahead, "will_need", will_need)
    return got, current


def _files(item):
    return [f"{item}/index.html", f"{item}/card.png"]


def _wait_for(condition, seconds=5.0):
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.001)


def test_every_items_files_are_asked_for_in_order_never_a_window_ahead(asked):
    got, current = asked
    items = [f"p{i}" for i in range(MIN_ITEMS * 3)]
    current.append(ReadAhead(items, _files))  # before its thread starts asking
    with current[0] as ahead:
        for item in items:
            ahead.next()
            # the item about to be worked on has been asked for, or soon is
            _wait_for(lambda item=item: any(p == f"{item}/card.png" for p, _ in got))
    assert [p for p, _ in got] == [p for item in items for p in _files(item)]
    late = [(p, started) for p, started in got
            if int(p.split("/")[0][1:]) >= started + WINDOW]
    assert late == [], f"asked for more than {WINDOW} items ahead: {late[:5]}"


def test_nothing_is_asked_for_after_the_pass_ends(asked):
    got, current = asked
    items = [f"p{i}" for i in range(MIN_ITEMS * 4)]
    current.append(ReadAhead(items, _files))  # before its thread starts asking
    with current[0] as ahead:
        ahead.next()
        _wait_for(lambda: len(got) >= 2 * WINDOW)
    seen = len(got)
    time.sleep(0.05)
    assert len(got) == seen <= 2 * (WINDOW + readahead.BATCH)


def test_a_short_pass_reads_as_it_goes(asked):
    got, current = asked
    items = [f"p{i}" for i in range(MIN_ITEMS - 1)]
    current.append(ReadAhead(items, _files))  # before its thread starts asking
    with current[0] as ahead:
        for _ in items:
            ahead.next()
    assert got == []


def test_a_file_that_cannot_be_opened_is_left_to_its_reader(tmp_path):
    # the site check reports a missing page or card; reading ahead only skips it
    readahead.will_need(str(tmp_path / "missing.html"))
    readahead.will_need(str(tmp_path))  # a folder where a page should be
