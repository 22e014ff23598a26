"""The parse cache (kb/parsecache.py): a hit loads exactly what a miss loads, and a cache entry
that kb did not write for this user, whole and for these bytes, is a miss, never an error."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import edit, line_of
from helpers import invoke
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_faults import read_only

import kb.load
from kb import parsecache
from kb.layout import CACHE_DIR
from kb.load import load_lenient
from kb.parsecache import ParseCache, key_path, parser_stamp
from kb.yamlfile import MarkedYAMLError, YamlFloat, YamlLimitError, YamlMap, YamlSeq, parse_yaml

CLAIMS = Path("sources/mini-article/claims.yaml")


# Each test signs its caches with a key of its own (conftest.own_key).
pytestmark = pytest.mark.usefixtures("own_key")


@pytest.fixture(autouse=True)
def folders_read_anew(monkeypatch) -> None:
    """Every source folder is read from its files, through the parse cache: the loaded folders'
    cache (kb/sourcecache.py, tests/test_sourcecache.py) would skip it."""
    monkeypatch.setattr("kb.sourcecache.SourceCache.lookup", lambda self, folder: None)


def entries(claims: Path) -> dict[str, bytes]:
    """The cache's entries of the current parser: file name -> bytes."""
    folder = claims / CACHE_DIR / parsecache.PARSE_DIR / str(parser_stamp())
    return {p.name: p.read_bytes() for p in folder.glob("*.json")} if folder.is_dir() else {}


def no_parsing(monkeypatch) -> None:
    """Make any YAML parse fail the test: what follows must come from the cache."""
    def parse(text):
        raise AssertionError("parsed a file the cache holds")
    monkeypatch.setattr("kb.load.parse_yaml", parse)


def located(value):
    """A parsed YAML value with everything the loader reads of it: types, text, lines."""
    if isinstance(value, YamlMap):
        return ("map", value.line, [(located(k), value.key_lines[k], located(v))
                                    for k, v in value.items()])
    if isinstance(value, YamlSeq):
        return ("seq", value.line, value.item_lines, [located(v) for v in value])
    if isinstance(value, YamlFloat):
        return ("float", value.text, repr(float(value)))
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    return (type(value).__name__, repr(value))


# Every kind of value the YAML loader builds, as keys and values, nested and aliased.
EVERY_KIND = """\
text: 总营收 814.62 亿美元
quoted: "a\\tb"
"": empty key
int: 42
big: 123456789012345678901234567890
octal: 0o17
hex: 0xff
float: 0.1
exponent: 81462e6
huge: 1e309
infinity: -.Inf
nan: .NaN
bool: true
country: no
nothing: ~
day: 2022-12-31
bad day: 2022-13-45
moment: 2001-12-14t21:59:43.10-05:00
utc: 2001-12-14 21:59:43Z
naive: 2001-12-14 21:59:43
12: int key
1.5: float key
true: bool key
~: null key
2020-01-01: date key
nested:
  - &anchor {a: [1, 2, {b: c}], d: [], e: {}}
  - *anchor
  -
    - deep
"""


def test_every_kind_of_value_comes_back_with_its_type_text_and_lines(tmp_path):
    (tmp_path / "x.yaml").write_text(EVERY_KIND, encoding="utf-8")
    raw = (tmp_path / "x.yaml").read_bytes()
    parsed = parse_yaml(raw.decode())
    writer = ParseCache(tmp_path)
    name, missed = writer.lookup(raw)
    assert missed is None
    writer.store(name, parsed)
    again = ParseCache(tmp_path).lookup(raw)
    assert again[0] == name
    assert located(again[1]) == located(parsed)
    assert again[1]["moment"].utcoffset() == timedelta(hours=-5)
    assert again[1]["utc"].tzinfo is UTC and again[1]["naive"].tzinfo is None
    assert again[1][date(2020, 1, 1)] == "date key" and again[1]["bad day"] == "2022-13-45"
    assert str(again[1]["huge"]) == "1e309" and again[1]["infinity"] == float("-inf")


# Scalars as an author writes them (typed by the resolver: numbers, dates, booleans, nulls).
SCALARS = st.one_of(st.text(st.characters(exclude_categories=("Cc", "Cs", "Cn")), max_size=12),
                    st.integers(), st.floats(), st.booleans(), st.none(),
                    st.dates(), st.sampled_from(["1e309", ".nan", "-.inf", "0o17", "2022-13-45",
                                                 "2001-12-14 21:59:43.5+05:30", "no", "~"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(SCALARS, inner, max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(VALUES, st.sampled_from([None, False]))
def test_any_document_comes_back_as_parsed(tmp_path, value, flow):
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=flow, sort_keys=False)
    try:
        parsed = parse_yaml(text)
    except (YamlLimitError, MarkedYAMLError):  # a control character; 1 and 1.0 as keys
        assume(False)
    cache = ParseCache(tmp_path)
    name, _ = cache.lookup(text.encode())
    cache.store(name, parsed)
    assert located(ParseCache(tmp_path).lookup(text.encode())[1]) == located(parsed)


def test_a_hit_loads_the_seed_exactly_as_a_miss(seed, monkeypatch):
    missed = load_lenient(seed)
    assert missed[0].claims and missed[1] == []
    written = entries(seed)
    assert len(written) == len(missed[0].files)  # every file, each under its own hash
    no_parsing(monkeypatch)
    assert load_lenient(seed) == missed  # the collection, its origins and lines included
    assert entries(seed) == written  # all hits: nothing written, nothing pruned


def test_a_hit_reports_the_same_errors_at_the_same_lines(mini, monkeypatch):
    path = mini / CLAIMS
    edit(path, "verdict: accurate", "verdict: acurate")
    edit(path, "  unit: USD", "  unit: USD\n  colour: red")
    (mini / "evidence" / "broken.yaml").write_text("documents:\n  - id: x\n    title: [a\n")
    cold = invoke("check", "--claims", str(mini), exit_code=1).output
    expected = [
        f"{mini / 'evidence/broken.yaml'}:4: YAML syntax error: did not find expected ',' or "
        "']' while parsing a flow sequence that starts on line 3",
        f"{path}:{line_of(path, 'colour: red')}: claim tesla-revenue-2022: unknown field "
        "'colour'; allowed: id, subject, property, amount, unit, bound, lower, upper, "
        "precision, time, compared_with, quote, start, end, normalised, statement, confidence, "
        "review, about, draft",
        f"{path}:{line_of(path, 'verdict: acurate')}: claim tesla-revenue-2022: verdict "
        "'acurate' is not one of: accurate, mostly-accurate, unverifiable, misleading, "
        "inaccurate",
        "kb check: 3 error(s), 0 finding(s)",
    ]
    assert [line for line in cold.splitlines() if line] == expected
    # Only files that parsed are kept: the broken one is parsed, and reported, every time.
    assert "broken.yaml" not in str(entries(mini))
    missed = misses(monkeypatch)
    warm = invoke("check", "--claims", str(mini), exit_code=1).output
    assert warm == cold
    broken = hashlib.sha256((mini / "evidence" / "broken.yaml").read_bytes()).hexdigest()
    assert set(missed) == {broken}


def misses(monkeypatch) -> list[str]:
    """The entry names of the files the load's lookups do not find in the cache, as it goes."""
    missed: list[str] = []
    lookup = ParseCache.lookup

    def counting(self, raw, name=""):
        name, value = lookup(self, raw, name)
        if value is None:
            missed.append(name)
        return name, value
    monkeypatch.setattr(ParseCache, "lookup", counting)
    return missed


def one_by_one_then_ahead(claims: Path, monkeypatch):
    """The folder loaded in one process, then its cache emptied and every later load set to
    parse ahead in two processes (the fixtures have a few files, not 128)."""
    monkeypatch.setenv("KB_JOBS", "1")
    loaded = load_lenient(claims)
    written = entries(claims)
    shutil.rmtree(claims / CACHE_DIR)
    monkeypatch.setenv("KB_JOBS", "2")
    monkeypatch.setattr("kb.load.PARSE_AHEAD_FILES", 1)
    monkeypatch.setattr("kb.parallel.MIN_PARALLEL", 1)
    return loaded, written


def test_files_parsed_ahead_on_two_cores_load_as_parsed_one_by_one(seed, monkeypatch):
    """A load lacking many files in its cache starts a worker parsing them into it from the
    last file on, while it parses from the first: each finds the other's files in the cache,
    and the load comes out as it does in one process."""
    one_by_one, written = one_by_one_then_ahead(seed, monkeypatch)
    # The last file the load reads: the last source's last file of ignored mentions.
    last = kb.load._parts(sorted((seed / "sources").iterdir())[-1], kb.load.IGNORED_STEM)[-1]
    last_entry = parsecache.ParseCache(seed)
    parent, parse = os.getpid(), kb.load._parse

    def after_the_worker_began(raw, optional):
        # The load's first parse waits until the worker has parsed the last file, so that
        # both have surely done some of the work.
        if os.getpid() == parent:
            for _ in range(1000):
                if not last_entry.absent(last.read_bytes()):
                    break
                time.sleep(0.01)
        return parse(raw, optional)
    monkeypatch.setattr("kb.load._parse", after_the_worker_began)
    missed = misses(monkeypatch)
    assert load_lenient(seed) == one_by_one
    assert hashlib.sha256((seed / "collection.yaml").read_bytes()).hexdigest() in missed
    assert hashlib.sha256(last.read_bytes()).hexdigest() not in missed
    assert entries(seed) == written


def test_a_file_that_fails_to_parse_ahead_is_reported_by_the_load(mini, monkeypatch):
    (mini / "evidence" / "broken.yaml").write_text("documents:\n  - id: x\n    title: [a\n")
    one_by_one, _ = one_by_one_then_ahead(mini, monkeypatch)
    missed = misses(monkeypatch)
    assert load_lenient(mini) == one_by_one
    assert one_by_one[1][0].message.startswith("YAML syntax error: did not find expected ','")
    # The worker skipped it, whether or not it reached it first: the load parsed it.
    assert hashlib.sha256((mini / "evidence" / "broken.yaml").read_bytes()).hexdigest() in missed


def test_a_worker_that_fails_to_parse_ahead_leaves_its_files_to_the_load(mini, monkeypatch):
    one_by_one, _ = one_by_one_then_ahead(mini, monkeypatch)
    parent, parse = os.getpid(), kb.load._parse

    def failing_in_a_worker(raw, optional):
        if os.getpid() != parent:
            raise RuntimeError("a worker's failure")
        return parse(raw, optional)
    monkeypatch.setattr("kb.load._parse", failing_in_a_worker)
    missed = misses(monkeypatch)
    assert load_lenient(mini) == one_by_one
    assert missed  # the worker's files, parsed by the load itself


def test_where_nothing_can_fork_nothing_is_parsed_ahead(mini, monkeypatch):
    """Parsing ahead in this one process would only add writing and reading back each entry."""
    one_by_one, written = one_by_one_then_ahead(mini, monkeypatch)
    monkeypatch.setattr("kb.parallel._can_fork", lambda: False)
    missed = misses(monkeypatch)
    assert load_lenient(mini) == one_by_one
    assert sorted(name + ".json" for name in missed) == sorted(written)


def test_a_tampered_damaged_or_foreign_entry_is_a_miss(mini, own_key, monkeypatch, tmp_path):
    expected = load_lenient(mini)
    good = entries(mini)
    folder = mini / CACHE_DIR / parsecache.PARSE_DIR / str(parser_stamp())
    claims_entry = next(n for n in good if b"tesla-revenue-2022" in good[n]
                        and b"verdict" in good[n])
    names = sorted(n for n in good if n != claims_entry)
    body = good[claims_entry]
    damage = {
        # the signature no longer covers what the entry says
        claims_entry: body.replace(b"accurate", b"inaccurate", 1),
        names[0]: b"\x00\xff garbage",
        names[1]: good[names[1]][: len(good[names[1]]) // 2],  # cut short
        names[2]: b"",
        names[3]: good[names[4]],  # another file's entry under this file's name
    }
    for name, data in damage.items():
        (folder / name).write_bytes(data)
    assert load_lenient(mini) == expected
    assert entries(mini) == good  # each miss wrote its entry again

    # Entries a different key signed (another user's, or the folder's sender's) are misses.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    assert load_lenient(mini) == expected
    foreign = entries(mini)
    assert foreign.keys() == good.keys() and foreign != good
    monkeypatch.setenv("XDG_CACHE_HOME", str(own_key))
    assert load_lenient(mini) == expected
    assert entries(mini) == good


def test_an_entry_that_is_not_a_regular_file_is_a_miss(mini):
    expected = load_lenient(mini)
    folder = mini / CACHE_DIR / parsecache.PARSE_DIR / str(parser_stamp())
    names = sorted(entries(mini))
    (folder / names[0]).unlink()
    (folder / names[0]).symlink_to("/dev/zero")
    (folder / names[1]).unlink()
    os.mkfifo(folder / names[1])  # a read would wait forever
    (folder / names[2]).unlink()
    (folder / names[2]).mkdir()
    assert load_lenient(mini) == expected


def test_a_symlinked_cache_folder_is_not_used(mini, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me")
    (mini / CACHE_DIR).mkdir(exist_ok=True)
    (mini / CACHE_DIR / parsecache.PARSE_DIR).symlink_to(elsewhere)
    expected = load_lenient(mini)
    edit(mini / CLAIMS, "confidence: 0.95", "confidence: 0.94")
    assert load_lenient(mini)[1] == expected[1]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["precious.txt"]


def test_a_read_only_claims_folder_loads_with_and_without_entries(mini, monkeypatch):
    with read_only(mini):
        cold = load_lenient(mini)
    assert entries(mini) == {}
    written = load_lenient(mini)
    assert written == cold
    no_parsing(monkeypatch)
    with read_only(mini):
        assert load_lenient(mini) == cold


def test_a_failed_write_is_tried_once_per_load(mini, monkeypatch):
    tries = []

    def refuse(path, data):
        tries.append(path)
        raise OSError(30, "Read-only file system")
    monkeypatch.setattr(parsecache, "write_file", refuse)
    assert load_lenient(mini)[1] == []
    assert len([path for path in tries if parsecache.PARSE_DIR in path.parts]) == 1


def test_a_load_that_wrote_deletes_the_entries_it_did_not_use(mini):
    load_lenient(mini)
    before = entries(mini)
    parse = mini / CACHE_DIR / parsecache.PARSE_DIR
    older = parse / "0123456789abcdef"  # an older kb's entries
    older.mkdir()
    (older / ("a" * 64 + ".json")).write_text("{}")
    (parse / str(parser_stamp()) / "notes.txt").write_text("not the cache's")
    ignored = mini / CLAIMS.parent / "ignored.yaml"
    ignored.unlink()  # no write: nothing is pruned, and the cache cannot have grown
    load_lenient(mini)
    assert entries(mini) == before and older.is_dir()
    edit(mini / CLAIMS, "confidence: 0.95", "confidence: 0.94")
    load_lenient(mini)
    after = entries(mini)
    assert len(after) == len(before) - 1  # one entry more, the edited file's and the
    assert len(set(after) - set(before)) == 1  # deleted file's old ones fewer
    assert not older.exists()
    assert (parse / str(parser_stamp()) / "notes.txt").is_file()


def test_reading_only_collection_yaml_prunes_nothing(mini):
    from kb.load import load_config

    load_lenient(mini)
    before = entries(mini)
    edit(mini / "collection.yaml", "title: Mini collection", "title: Mini collection 2")
    load_config(mini)
    assert len(entries(mini)) == len(before) + 1


def test_the_signing_key_is_private_and_a_damaged_one_is_replaced(mini):
    load_lenient(mini)
    key = key_path()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    expected = load_lenient(mini)
    key.write_bytes(b"short")
    assert load_lenient(mini) == expected
    assert len(key.read_bytes()) == 32
