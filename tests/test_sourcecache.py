"""The loaded source folders' cache (kb/sourcecache.py): a folder taken from it loads exactly as
one read from its files, and a change to the folder's files, a clash of its ids or an entry this
user's kb did not write is a miss, never an error, and is never unpickled. The collection's own
files (collection.yaml, entities, properties, evidence) are kept the same way, as one entry."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from conftest import edit
from test_faults import read_only

from kb import sourcecache
from kb.layout import CACHE_DIR
from kb.load import Loader, load_lenient
from kb.parsecache import signed, signing_key
from kb.sourcecache import SourceCache, loader_stamp

ARTICLE = Path("sources/mini-article")
OTHER = Path("sources/other-article")


# Each test signs its caches with a key of its own (conftest.own_key).
pytestmark = pytest.mark.usefixtures("own_key")


def entries(claims: Path) -> dict[str, bytes]:
    """The cache's entries of the current loader: file name -> bytes."""
    folder = claims / CACHE_DIR / sourcecache.SOURCES_CACHE_DIR / str(loader_stamp())
    return {p.name: p.read_bytes() for p in folder.glob("*.pickle")} if folder.is_dir() else {}


def entry(claims: Path, folder: Path) -> str:
    """The file name of a folder's entry (the collection's own files': the claims folder's)."""
    return sourcecache.entry_name(str(claims / folder)) + ".pickle"


SHARED = "(the collection's own files)"


def read_anew(monkeypatch) -> list[str]:
    """The source folders the loads read from their files (not from the cache), as they go,
    and SHARED when they read the collection's own files."""
    folders: list[str] = []
    read, shared = Loader._source_folder, Loader._shared

    def counting(self, folder):
        folders.append(folder.name)
        return read(self, folder)

    def counting_shared(self):
        folders.append(SHARED)
        return shared(self)
    monkeypatch.setattr(Loader, "_source_folder", counting)
    monkeypatch.setattr(Loader, "_shared", counting_shared)
    return folders


def uncached(claims: Path, monkeypatch):
    """The folder loaded with every source folder read from its files."""
    with monkeypatch.context() as m:
        m.setattr(SourceCache, "lookup", lambda self, folder: None)
        return load_lenient(claims)


def with_other_source(claims: Path) -> Path:
    """A second source folder after the first, its ids its own; its folder."""
    other = claims / OTHER
    shutil.copytree(claims / ARTICLE, other)
    for old, new in (("tesla-revenue-2022", "other-revenue"), ("byd-revenue", "other-byd")):
        edit(other / "claims.yaml", f"id: {old}", f"id: {new}")
        edit(other / "relations.yaml", old, new)
    edit(other / "relations.yaml", "id: tesla-above-byd", "id: other-above")
    return other


def test_a_kept_folder_loads_exactly_as_read_anew(seed, monkeypatch):
    first = load_lenient(seed)
    assert first[0].claims and first[1] == []
    assert len(entries(seed)) == len(first[0].sources) + 1  # and the collection's own files
    read = read_anew(monkeypatch)
    assert load_lenient(seed) == first  # the objects, their origins and lines included
    assert read == []


def test_only_the_edited_folder_is_read_anew(mini, monkeypatch):
    with_other_source(mini)
    load_lenient(mini)
    edit(mini / ARTICLE / "claims.yaml", "confidence: 0.95", "confidence: 0.94")
    read = read_anew(monkeypatch)
    loaded = load_lenient(mini)
    assert read == ["mini-article"]
    assert str(loaded[0].claims["tesla-revenue-2022"].confidence) == "0.94"
    assert loaded == uncached(mini, monkeypatch)


CHANGES = {
    "a claim edited": lambda folder: edit(folder / "claims.yaml", "confidence: 0.95",
                                          "confidence: 0.5"),
    "a part added": lambda folder: (folder / "claims-more.yaml").write_text(
        (folder / "claims.yaml").read_text(encoding="utf-8").replace(
            "id: tesla-revenue-2022", "id: more-revenue").replace("id: byd-revenue",
                                                                  "id: more-byd"),
        encoding="utf-8"),
    "a file removed": lambda folder: (folder / "relations.yaml").unlink(),
    "the source edited": lambda folder: edit(folder / "source.yaml", "title: 迷你文章",
                                             "title: 迷你文章二"),
    # the same file names, and the text no longer what source.yaml's sha256 says
    "the text edited": lambda folder: edit(folder / "text.txt", "7", "8"),
    "a claim broken": lambda folder: edit(folder / "claims.yaml", "verdict: accurate",
                                          "verdict: acurate"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_to_a_folders_files_reads_it_anew(mini, monkeypatch, change):
    with_other_source(mini)
    load_lenient(mini)
    CHANGES[change](mini / ARTICLE)
    read = read_anew(monkeypatch)
    loaded = load_lenient(mini)
    assert read == ["mini-article"]
    assert loaded == uncached(mini, monkeypatch)
    if change in ("the text edited", "a claim broken"):
        assert loaded[1]  # reported as without a cache, and never kept
        assert load_lenient(mini) == loaded and read[-1] == "mini-article"


SHARED_CHANGES = {
    "an evidence statement edited": lambda claims: edit(
        claims / "evidence" / "finance.yaml", "id: tesla-revenue-2022-10k",
        "id: tesla-revenue-2022-annual"),
    "an evidence file added": lambda claims: (claims / "evidence" / "more.yaml").write_text(
        "documents: []\nstatements: []\n", encoding="utf-8"),
    "an entity edited": lambda claims: edit(claims / "entities.yaml", "id: byd", "id: byd-auto"),
    "the collection's title edited": lambda claims: edit(
        claims / "collection.yaml", "title: Mini collection", "title: Mini"),
    "an evidence file broken": lambda claims: edit(
        claims / "evidence" / "finance.yaml", "id: tesla-10k", "id: Tesla 10k"),
}


@pytest.mark.parametrize("change", SHARED_CHANGES)
def test_any_change_to_the_collections_own_files_reads_them_anew(mini, monkeypatch, change):
    expected = load_lenient(mini)
    read = read_anew(monkeypatch)
    assert load_lenient(mini) == expected and read == []
    SHARED_CHANGES[change](mini)
    loaded = load_lenient(mini)
    assert read == [SHARED]
    assert loaded[0].shared_key != expected[0].shared_key
    if change == "an evidence file broken":
        assert loaded[1] and loaded[0].shared_key is None  # reported, and never kept
        assert load_lenient(mini) == loaded and read == [SHARED, SHARED]
    assert loaded == uncached(mini, monkeypatch)


def test_a_kept_folder_whose_id_an_earlier_folder_took_reports_the_duplicate(mini, monkeypatch):
    with_other_source(mini)
    assert load_lenient(mini)[1] == []
    # The first folder, read anew, now takes an id the second one was kept with.
    edit(mini / ARTICLE / "claims.yaml", "id: byd-revenue", "id: other-byd")
    read = read_anew(monkeypatch)
    loaded = load_lenient(mini)
    assert read == ["mini-article", "other-article"]
    assert loaded == uncached(mini, monkeypatch)
    assert any(p.message.startswith("duplicate id; first defined at ")
               and p.origin.file.endswith("other-article/claims.yaml") for p in loaded[1])


class Planted:
    """What a planted pickle would run as it is read: it touches a file."""

    marker = Path()

    def __reduce__(self):
        return Path.touch, (self.marker,)


def test_an_entry_this_users_kb_did_not_sign_is_a_miss_and_never_unpickled(
        mini, own_key, monkeypatch, tmp_path):
    expected = load_lenient(mini)
    good = entries(mini)
    name = entry(mini, ARTICLE)
    body = good[name]
    folder = mini / CACHE_DIR / sourcecache.SOURCES_CACHE_DIR / str(loader_stamp())
    Planted.marker = tmp_path / "ran"
    mac, head, _ = body.split(b"\n", 2)
    planted = head + b"\n" + pickle.dumps(Planted())
    read = read_anew(monkeypatch)
    for data in (mac + b"\n" + planted,  # the signature no longer covers it
                 b"0" * 64 + b"\n" + planted, body[: len(body) // 2], b""):
        (folder / name).write_bytes(data)
        assert load_lenient(mini) == expected
        assert not Planted.marker.exists()
        assert entries(mini) == good  # each miss wrote the entry again
    assert read == ["mini-article"] * 4

    # Signed with another user's key (or the folder's sender's): a miss.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    key = signing_key()
    assert key is not None
    (folder / name).write_bytes(signed(key, f"{folder.name} {name.removesuffix('.pickle')}",
                                       planted))
    monkeypatch.setenv("XDG_CACHE_HOME", str(own_key))
    assert load_lenient(mini) == expected
    assert not Planted.marker.exists()
    assert read == ["mini-article"] * 5


def test_a_signed_entry_that_cannot_be_read_back_is_a_miss(mini, monkeypatch):
    expected = load_lenient(mini)
    name = entry(mini, ARTICLE)
    body = entries(mini)[name]
    folder = mini / CACHE_DIR / sourcecache.SOURCES_CACHE_DIR / str(loader_stamp())
    _, head, objects = body.split(b"\n", 2)
    key = signing_key()
    assert key is not None
    label = f"{folder.name} {name.removesuffix('.pickle')}"
    read = read_anew(monkeypatch)
    for damaged in (head + b"\n" + objects[: len(objects) // 2], b"not json\n" + objects):
        (folder / name).write_bytes(signed(key, label, damaged))
        assert load_lenient(mini) == expected
    assert read == ["mini-article"] * 2


def test_the_entries_of_folders_gone_are_deleted_by_a_load_that_wrote(mini):
    other = with_other_source(mini)
    load_lenient(mini)
    assert len(entries(mini)) == 3
    shutil.rmtree(other)
    load_lenient(mini)
    assert len(entries(mini)) == 3  # nothing written: nothing pruned
    edit(mini / ARTICLE / "claims.yaml", "confidence: 0.95", "confidence: 0.94")
    load_lenient(mini)
    assert set(entries(mini)) == {entry(mini, ARTICLE), entry(mini, Path())}


def test_a_failed_write_is_tried_once_per_load(mini, monkeypatch):
    with_other_source(mini)
    tries = []

    def refuse(path, data):
        tries.append(path)
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr("kb.parsecache.write_file", refuse)
    assert load_lenient(mini)[1] == []
    assert [p for p in tries if sourcecache.SOURCES_CACHE_DIR in p.parts] == tries[-1:]


def test_a_read_only_claims_folder_loads_with_and_without_entries(mini, monkeypatch):
    with read_only(mini):
        cold = load_lenient(mini)
    assert entries(mini) == {}
    assert load_lenient(mini) == cold
    read = read_anew(monkeypatch)
    with read_only(mini):
        assert load_lenient(mini) == cold
    assert read == []


def test_unpickled_model_objects_hold_every_field_as_pickled(seed):
    """kb.model's own __setstate__ for its frozen dataclasses with slots: each field, those
    left out of comparisons too (a claim's lines), comes back, and the object stays frozen."""
    import dataclasses
    import pickle

    collection, _ = load_lenient(seed)
    objects = [*collection.claims.values(), *collection.evidence.values(),
               *collection.sources.values(), *collection.relations.values()]
    seen: set[type] = set()

    def values(obj) -> list:
        if not dataclasses.is_dataclass(obj):
            return [obj]
        seen.add(type(obj))
        return [v for f in dataclasses.fields(obj) for v in values(getattr(obj, f.name))]

    back = pickle.loads(pickle.dumps(objects))
    assert [values(o) for o in back] == [values(o) for o in objects]
    assert len(seen) >= 8
    with pytest.raises(dataclasses.FrozenInstanceError):
        back[0].quantity.amount = 1
