"""The collector paused while a block builds objects, and those that live on frozen."""

import gc
import weakref

import pytest

from kb.collector import long_lived


class Node:
    """An object the collector tracks, so freezing it shows in gc.get_freeze_count()."""


@pytest.fixture
def unfrozen():
    """No object frozen before the test, nor left frozen after it."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_long_lived_pauses_the_collector_then_freezes_what_the_block_built(unfrozen):
    with long_lived():
        assert not gc.isenabled()
        built = [Node() for _ in range(1000)]
    assert gc.isenabled(), "the collector must run again after the block"
    assert gc.get_freeze_count() >= len(built), gc.get_freeze_count()
    scanned = {id(o) for o in gc.get_objects()}  # what later passes visit
    assert not scanned & {id(n) for n in built}


def test_long_lived_frees_the_cycles_the_block_left_instead_of_freezing_them(unfrozen):
    with long_lived():
        cycle = Node()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        del cycle
        assert gone() is not None, "the collector ran inside the block"
    assert gone() is None, "a cycle left by the block was frozen, never to be freed"


def test_long_lived_restores_the_collector_when_the_block_fails(unfrozen):
    with pytest.raises(ValueError, match="bad input"), long_lived():
        raise ValueError("bad input")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0, "a failed build's objects are not frozen"


def test_long_lived_leaves_a_paused_collector_paused():
    gc.disable()
    try:
        with long_lived():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
