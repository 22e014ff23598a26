"""The sources' graphs kept between builds (kb/graphcache.py): a graph whose named graphs come
from the cache holds the quads of one made anew, in the same order, and any change to what a
named graph is made from makes it anew."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import edit
from test_faults import read_only
from test_sourcecache import ARTICLE, Planted, with_other_source

from kb.graph import SHARED, _Builder, build_graph
from kb.graphcache import GRAPHS_DIR, graph_stamp
from kb.layout import CACHE_DIR
from kb.load import load_lenient
from kb.parsecache import signed, signing_key

# Each test signs its caches with a key of its own (conftest.own_key).
pytestmark = pytest.mark.usefixtures("own_key")


def made_anew(monkeypatch) -> list[str]:
    """The named graphs the builds make from the model (a source's id, or SHARED), as they go."""
    made: list[str] = []
    source, collection = _Builder._source, _Builder._collection

    def making_source(self, s):
        made.append(s.id)
        return source(self, s)

    def making_shared(self):
        made.append(SHARED)
        return collection(self)
    monkeypatch.setattr(_Builder, "_source", making_source)
    monkeypatch.setattr(_Builder, "_collection", making_shared)
    return made


def same_as_anew(claims: Path) -> list:
    """The quads of the folder's graph built with the cache, after checking that they are
    those of one made without it, in the same order."""
    collection = load_lenient(claims)[0]
    kept = list(build_graph(collection, cache=True))
    fresh = list(build_graph(collection))
    assert kept == fresh
    return kept


def entries(claims: Path) -> dict[str, bytes]:
    folder = claims / CACHE_DIR / GRAPHS_DIR / str(graph_stamp())
    return {p.name: p.read_bytes() for p in folder.glob("*.pickle")} if folder.is_dir() else {}


def test_a_graph_from_kept_named_graphs_is_the_graph_made_anew(seed, monkeypatch):
    first = same_as_anew(seed)
    assert len(entries(seed)) == 2  # the source's graph and the shared one
    made = made_anew(monkeypatch)
    assert same_as_anew(seed) == first
    assert made == [SHARED, "tesla-dojo-commentary"]  # by the build without the cache alone


def test_only_the_edited_sources_graph_is_made_anew(mini, monkeypatch):
    with_other_source(mini)
    same_as_anew(mini)
    edit(mini / ARTICLE / "claims.yaml", "confidence: 0.95", "confidence: 0.94")
    made = made_anew(monkeypatch)
    build_graph(load_lenient(mini)[0], cache=True)
    assert made == ["mini-article"]
    same_as_anew(mini)


def test_an_evidence_edit_makes_the_shared_graph_anew(mini, monkeypatch):
    with_other_source(mini)
    same_as_anew(mini)
    edit(mini / "evidence/finance.yaml", "title:", "title: Revised:")
    made = made_anew(monkeypatch)
    build_graph(load_lenient(mini)[0], cache=True)
    assert made == [SHARED]
    same_as_anew(mini)


def test_a_relation_naming_another_sources_claim_follows_that_claim(mini, monkeypatch):
    """A relation's quads say which of the ids it names are claims: when a claim of another
    source goes, the relation's source graph is made anew, though its files did not change."""
    other = with_other_source(mini)
    edit(other / "relations.yaml", "other-revenue > other-byd", "tesla-revenue-2022 > other-byd")
    involving = same_as_anew(mini)
    edit(mini / ARTICLE / "claims.yaml", "id: tesla-revenue-2022", "id: tesla-revenue")
    edit(mini / ARTICLE / "relations.yaml", "tesla-revenue-2022 >", "tesla-revenue >")
    made = made_anew(monkeypatch)
    after = same_as_anew(mini)
    assert made[:2] == ["mini-article", "other-article"]
    gone = {str(q) for q in involving} - {str(q) for q in after}
    assert any("other-above" in q and "involves" in q and "tesla-revenue-2022" in q
               for q in gone)


def test_a_new_base_makes_every_graph_anew(mini, monkeypatch):
    with_other_source(mini)
    same_as_anew(mini)
    edit(mini / "collection.yaml", "base: https://kb.example.org/",
         "base: https://facts.example.org/")
    made = made_anew(monkeypatch)
    build_graph(load_lenient(mini)[0], cache=True)
    assert sorted(made) == sorted([SHARED, "mini-article", "other-article"])
    same_as_anew(mini)


def test_an_entry_this_users_kb_did_not_sign_is_a_miss_and_never_unpickled(
        mini, own_key, monkeypatch, tmp_path):
    expected = same_as_anew(mini)
    good = entries(mini)
    folder = mini / CACHE_DIR / GRAPHS_DIR / str(graph_stamp())
    Planted.marker = tmp_path / "ran"
    made = made_anew(monkeypatch)
    for name, body in good.items():
        mac, key, _ = body.split(b"\n", 2)
        planted = key + b"\n" + pickle.dumps(Planted())
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
        other_key = signing_key()
        assert other_key is not None
        monkeypatch.setenv("XDG_CACHE_HOME", str(own_key))
        for data in (mac + b"\n" + planted, signed(other_key, f"{folder.name} {name[:-7]}",
                                                     planted), body[:-9], b""):
            (folder / name).write_bytes(data)
            assert list(build_graph(load_lenient(mini)[0], cache=True)) == expected
            assert not Planted.marker.exists()
            assert entries(mini) == good  # made anew and kept again
    assert len(made) == 4 * len(good)


def test_a_signed_entry_that_cannot_be_read_back_is_a_miss(mini, monkeypatch):
    expected = same_as_anew(mini)
    folder = mini / CACHE_DIR / GRAPHS_DIR / str(graph_stamp())
    key = signing_key()
    assert key is not None
    made = made_anew(monkeypatch)
    for name, body in entries(mini).items():
        _, kept_key, data = body.split(b"\n", 2)
        (folder / name).write_bytes(signed(key, f"{folder.name} {name[:-7]}",
                                           kept_key + b"\n" + data[: len(data) // 2]))
    assert list(build_graph(load_lenient(mini)[0], cache=True)) == expected
    assert sorted(made) == [SHARED, "mini-article"]


def test_a_read_only_claims_folder_builds_the_graph_with_and_without_entries(mini):
    with read_only(mini):
        cold = same_as_anew(mini)
    assert entries(mini) == {}
    assert same_as_anew(mini) == cold
    with read_only(mini):
        assert same_as_anew(mini) == cold
