"""Fuzzing the input parsers with hypothesis (issue 13): the YAML loader, the mention finder and
the relation expression parser.

For every input the only acceptable outcomes are a correct result or a clean error (a Problem
or the module's own error type) within a time bound: never a traceback, a hang, or a message
that is not one line. Each target runs at least 1,000 examples (FUZZ_EXAMPLES raises it).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.errors import KbError, Problem, ProblemsError
from kb.expr import ExprError, parse_relation, references, walk_refs
from kb.load import load_lenient
from kb.mentions import find_mentions
from kb.model import Relation
from kb.relations import RelationError, evaluate

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=EXAMPLES, deadline=5000, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SECONDS = 5  # per example: the mini fixture loads in milliseconds
MAX_MESSAGE = 600  # characters of one error line: values in it are cut at 80

# Real claims files, whose structure the mutations start from.
REAL_FILES = {
    "collection.yaml": "collection.yaml",
    "entities.yaml": "entities.yaml",
    "properties.yaml": "properties.yaml",
    "evidence/finance.yaml": "evidence/finance.yaml",
    "sources/mini-article/source.yaml": "sources/mini-article/source.yaml",
    "sources/mini-article/claims.yaml": "sources/mini-article/claims.yaml",
    "sources/mini-article/relations.yaml": "sources/mini-article/relations.yaml",
    "sources/mini-article/ignored.yaml": "sources/mini-article/ignored.yaml",
}
ORIGINALS = {name: (FIXTURES / "mini" / path).read_bytes() for name, path in REAL_FILES.items()}
# Parsed once: PyYAML's pure-Python parser took a third of each structured example's time.
PARSED = {name: yaml.safe_load(data) for name, data in ORIGINALS.items()}
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter, 6x faster
SEED_CLAIMS = sorted((SEED / "sources").glob("*/claims*.yaml"))


@pytest.fixture(scope="module")
def sandbox():
    """One copy of the mini fixture that each example edits and restores."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "claims"
        shutil.copytree(FIXTURES / "mini", root)
        yield root


def load_cleanly(root: Path) -> list[Problem]:
    """Load the folder; fail on anything but a clean result or clean, one-line problems."""
    start = time.monotonic()
    try:
        _, problems = load_lenient(root)
    except ProblemsError as exc:  # a clean error is acceptable
        problems = exc.problems
    assert time.monotonic() - start < SECONDS
    for p in problems:
        line = str(p)
        assert "\n" not in line and "\r" not in line, line[:300]
        assert len(line) < MAX_MESSAGE + len(str(p.origin)), line[:300]
        assert "Traceback" not in line and "object at 0x" not in line, line[:300]
    return problems


def overwrite(path: Path, data: bytes) -> None:
    """Give an existing file these bytes, truncating it after the write, not before.

    On ext4, a file truncated to zero bytes and written again is flushed to disk when it is
    closed (auto_da_alloc): 2 ms of waiting per write, 8 s of each thousand-example target's
    wall time, since every example writes its file and then restores it.
    """
    with path.open("r+b") as f:
        f.write(data)
        f.truncate()


def with_file(root: Path, name: str, data: bytes) -> list[Problem]:
    path = root / name
    overwrite(path, data)
    try:
        return load_cleanly(root)
    finally:
        overwrite(path, ORIGINALS[name])


# -- structured mutations: real files, parsed, with values swapped for hostile ones ----------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**40, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["1e309", "1e-999999", "1e999999", "0e-99999", "9" * 60, "-0", ".inf",
                     ".nan", "2022-13-45", "2022-02-30", "zh zh", "en us", "javascript:x",
                     "http://exa mple.com/<x>", "http://[::1", "../../etc/passwd", "/dev/zero",
                     ".", "..", "a" * 200, "x\x00y", "\ufffe", "\u202e", "Tesla-", "--",
                     "tesla-revenue-2022", "tesla", "total-revenue", "tester", "USD",
                     "km**99999999", "m^4", "[", "{", "*a", "&a", "!!python/object:os.system",
                     "2022", "2025-06/2024-01", "a > b", "text.txt"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


def paths_of(node, prefix=()):
    """Every (path, value) in a parsed YAML document."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths_of(value, (*prefix, i))


def replaced(node, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: replaced(node[head], rest, value)}
    copy = list(node)
    copy[head] = replaced(node[head], rest, value)
    return copy


@st.composite
def structured_mutation(draw):
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    doc = copy.deepcopy(PARSED[name])
    for _ in range(draw(st.integers(1, 3))):
        spots = list(paths_of(doc))
        path, _ = draw(st.sampled_from(spots))
        action = draw(st.sampled_from(["replace", "replace", "drop", "add"]))
        if action == "drop" and path:
            parent_path, key = path[:-1], path[-1]
            parent = dict(paths_of(doc))[parent_path] if parent_path else doc
            if isinstance(parent, dict):
                parent = {k: v for k, v in parent.items() if k != key}
            else:
                parent = [v for i, v in enumerate(parent) if i != key]
            doc = replaced(doc, parent_path, parent)
        elif action == "add":
            target = dict(paths_of(doc))[path]
            if isinstance(target, dict):
                doc = replaced(doc, path, {**target, draw(st.text(max_size=10)): draw(VALUES)})
            elif isinstance(target, list):
                doc = replaced(doc, path, [*target, draw(VALUES)])
        else:
            doc = replaced(doc, path, draw(VALUES))
    text = yaml.dump(doc, Dumper=DUMPER, allow_unicode=draw(st.booleans()), sort_keys=False)
    return name, text.encode("utf-8")


@pytest.mark.slow
@FUZZ
@given(structured_mutation())
def test_fuzz_loader_structured(sandbox, case):
    name, data = case
    with_file(sandbox, name, data)


@pytest.fixture(scope="module")
def in_process():
    """KB_JOBS=1: kb check runs its consistency checks in this process, not in a forked child.

    Forking this test process (hypothesis and all) for every example that loads cost more
    than the check of the mini fixture itself: the 1,000 examples took 13.2 s of CPU and 40 s
    of wall time that way, 7.5 s and 21 s in process (one run each, on a busy 2-core machine).
    An error raised in the checks fails the example either way; the forked path is tested in
    test_parallel.py and by every kb check and kb build the other tests run.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KB_JOBS", "1")
        yield


@pytest.mark.slow
@FUZZ
@given(structured_mutation())
def test_fuzz_check_structured(sandbox, in_process, case):
    """Mutations that load go on through the graph and every check: errors, never a crash."""
    from kb.pipeline import check

    name, data = case
    path = sandbox / name
    overwrite(path, data)
    try:
        start = time.monotonic()
        report = check(sandbox).report
        assert time.monotonic() - start < SECONDS
    finally:
        overwrite(path, ORIGINALS[name])
    for p in report.errors:
        assert "\n" not in str(p) and "\r" not in str(p), str(p)[:300]


# -- byte-level mutations of real files -------------------------------------------------------

HOSTILE_BYTES = [b"\x00", b"\t", b"\r", b"\xff", b"\xc3", b"\xef\xbf\xbe", b"\x1b", b"\n",
                 b":", b"- ", b"[", b"]", b"{", b"}", b"&a ", b"*a", b"!!", b"%YAML 1.1\n",
                 b"---\n", b"...\n", b"? ", b"'", b'"', b"#", b"|", b">", b"\\", b"<<: *a\n",
                 b"!!python/name:os.system", b"9" * 50, b"e999999", b"\xe4\xba\xbf"]


@st.composite
def byte_mutation(draw):
    name = draw(st.sampled_from(sorted(ORIGINALS)))
    data = bytearray(ORIGINALS[name])
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "flip"]))
        piece = draw(st.one_of(st.sampled_from(HOSTILE_BYTES), st.binary(min_size=1, max_size=4)))
        if action == "insert":
            data[pos:pos] = piece
        elif action == "delete":
            del data[pos:pos + draw(st.integers(1, 8))]
        elif action == "replace":
            data[pos:pos + len(piece)] = piece
        elif data and pos < len(data):
            data[pos] ^= 1 << draw(st.integers(0, 7))
    return name, bytes(data)


@pytest.mark.slow
@FUZZ
@given(byte_mutation())
def test_fuzz_loader_bytes(sandbox, case):
    name, data = case
    with_file(sandbox, name, data)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=5000,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_fuzz_seed_claims_bytes(tmp_path_factory, data):
    """Byte mutations of the seed's largest claims file load cleanly and in bounded time."""
    path = data.draw(st.sampled_from(SEED_CLAIMS))
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw)))
        raw[pos:pos + data.draw(st.integers(0, 3))] = data.draw(st.sampled_from(HOSTILE_BYTES))
    from kb.load import FileProblem, read_yaml

    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    target = folder / "claims.yaml"
    target.write_bytes(bytes(raw))
    start = time.monotonic()
    try:
        read_yaml(target, folder)
    except FileProblem as exc:
        assert "\n" not in exc.message
    assert time.monotonic() - start < SECONDS
    shutil.rmtree(folder)


# -- the mention finder -----------------------------------------------------------------------

NUMBERISH = st.text(alphabet=st.sampled_from(list(
    "0123456789.,，。 -–~到至约近超过多余万亿千百十零一二三四五六七八九两%$¥€年月日号第个元美"
    "e+EkKmMbB()（）\n\t:：/亿万美元USDCNY")), max_size=300)


@FUZZ
@given(st.one_of(NUMBERISH, st.text(max_size=200)))
def test_fuzz_find_mentions(text):
    start = time.monotonic()
    try:
        mentions = find_mentions(text)
    except (KbError, ValueError) as exc:  # a clean error, if the finder chooses to raise one
        assert "\n" not in str(exc)
        return
    assert time.monotonic() - start < 2
    for m in mentions:
        assert 0 <= m.start <= m.end <= len(text), (m, len(text))
        assert isinstance(m.value, Decimal) and m.value.is_finite()


@pytest.mark.parametrize("text", [
    "1" * 100_000, "1," * 50_000, "1." * 50_000, "1e" * 50_000, "亿" * 100_000,
    "一" * 100_000, "1亿" * 30_000, "约" * 50_000 + "1", "-" * 100_000 + "1",
    "$" * 50_000 + "1", "0." + "0" * 100_000 + "1", "1e999999", "1e-999999",
    "9" * 5000, "2022年" * 20_000, " " * 100_000 + "1强", "1 " * 50_000 + "强",
], ids=lambda t: f"{t[:6]!r}x{len(t)}")
def test_find_mentions_time_is_linear_on_long_runs(text):
    start = time.monotonic()
    try:
        mentions = find_mentions(text)
    except (KbError, ValueError) as exc:
        assert "\n" not in str(exc)
        return
    assert time.monotonic() - start < 10
    assert all(0 <= m.start <= m.end <= len(text) for m in mentions)


# -- the relation expression parser and evaluator ----------------------------------------------

EXPR_TOKENS = st.sampled_from([
    "tesla-revenue-2022", "byd-revenue", "tesla-revenue-2022-10k", "unknown-id", "a", "-", "+",
    "*", "/", "(", ")", "==", "<", "<=", ">", ">=", " ", " - ", "1", "0", "0.5", "1e309",
    "1e-999999", "9" * 60, "1e30", "1e-30", "[USD]", "[CNY/USD]", "[]", "[km**99999999]",
    "[FLOPS]", "[%]", "[", "]", "1_000", "x", "Tesla", "亿", "\x00", "\t", "\n", ".5", "5.",
])
EXPRESSIONS = st.one_of(st.lists(EXPR_TOKENS, max_size=40).map("".join),
                        st.text(max_size=80))


@pytest.fixture(scope="module")
def statements():
    from kb.load import load

    c = load(FIXTURES / "mini")
    return {**c.evidence, **c.claims}


@FUZZ
@given(EXPRESSIONS)
def test_fuzz_relation_expressions(statements, text):
    start = time.monotonic()
    refs = references(text)
    assert all(isinstance(r, str) for r in refs)
    try:
        tree = parse_relation(text)
    except ExprError as exc:
        assert "\n" not in str(exc).replace(repr("\n"), "")
        return
    assert set(walk_refs(tree)) <= set(refs)
    if set(refs) <= statements.keys():
        relation = Relation("fuzz", "mini-article", text, "fuzzed", None)  # type: ignore[arg-type]
        try:
            evaluate(relation, statements)
        except RelationError as exc:
            assert "\n" not in str(exc).replace(repr("\n"), "")
    assert time.monotonic() - start < SECONDS


@pytest.mark.parametrize("text", [
    "(" * 5000 + "1" + ")" * 5000 + " == 1",
    "-" * 5000 + "1 == 1",
    " + ".join(["1"] * 5000) + " == 1",
    "1e999999999 == 1",
    "9" * 5000 + " == 1",
])
def test_relation_parser_bounds_deep_and_long_expressions(text):
    with pytest.raises(ExprError):
        parse_relation(text)


def test_relation_with_a_huge_unit_is_a_clean_error(statements):
    relation = Relation("fuzz", "mini-article", "byd-revenue [" + "m*" * 5000 + "m] == 1",
                        "fuzzed", None)  # type: ignore[arg-type]
    with pytest.raises(RelationError, match="unknown unit"):
        evaluate(relation, statements)
