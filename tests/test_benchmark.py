"""The benchmark and its synthetic collections: a smoke test at a small size."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import BENCH
from generate import generate

from kb.layout import CACHE_DIR
from kb.pipeline import check


def test_generator_is_deterministic_and_writes_a_clean_collection(tmp_path):
    first = generate(tmp_path / "one", 90)
    second = generate(tmp_path / "two", 90)
    # Not the loader's caches (kb.layout.CACHE_DIR): a loaded folder is kept by its path.
    files = sorted(p.relative_to(first) for p in first.rglob("*")
                   if p.is_file() and CACHE_DIR not in p.relative_to(first).parts)
    assert files == sorted(p.relative_to(second) for p in second.rglob("*")
                           if p.is_file() and CACHE_DIR not in p.relative_to(second).parts)
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    checked = check(first)
    assert checked.report.errors == []
    collection = checked.collection
    assert len(collection.claims) == 90 and len(collection.sources) == 3
    verdicts = {c.review.verdict for c in collection.claims.values()}
    assert verdicts == {"accurate", "mostly-accurate", "unverifiable", "misleading",
                        "inaccurate"}
    assert collection.evidence and collection.relations
    assert {f.kind for f in checked.report.findings} >= {"evidence-conflict", "relation"}


@pytest.mark.slow
def test_benchmark_runs_at_a_small_size(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / "bench.py"), "--triples", "20000",
                           "--runs", "1", "--work", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for key in ("(a)", "(b)", "(b')", "(c)"):
        assert any(line.strip().startswith(key) and "x  (target <= " in line
                   for line in lines), proc.stdout


@pytest.mark.slow
def test_build_benchmark_runs_at_a_small_size(tmp_path):
    """The build benchmark end to end on one small collection, its tables checked.

    CI runs the same script at 1,000 claims as a step of its own, after the tests (the README's
    test command): a performance run belongs there, with the machine to itself, not on one
    test worker while the other runs tests. This keeps the script from rotting between runs.
    """
    # One pair per seed command: the figures are not read here, and the seven and nine pairs
    # of a real run took 6 of this test's 10 s.
    proc = subprocess.run([sys.executable, str(BENCH / "bench.py"), "--claims", "40",
                           "--seed-pairs", "1", "--work", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # The per-stage table: its header, then at least one stage before the totals.
    lines = out.splitlines()
    assert "## 40 claims, " in out, out
    header = lines.index("| stage | s | s / 1k claims | peak RSS MB | rebuild s |")
    stages = lines[header + 2:]
    stages = stages[:next(i for i, line in enumerate(stages) if line.startswith("| stages'"))]
    assert stages and all(re.fullmatch(r"\| .+ \| [\d,.]+ \| [\d,.]+ \| .+ \| .+ \|", line)
                          for line in stages), out
    assert any(line.startswith("| **kb build** (whole process) | ") for line in lines), out
    for floor in ("libyaml", "pyoxigraph", "jinja2", "pagefind"):
        assert any(line.startswith(f"| {floor}: ") for line in lines), out
    assert any(line.startswith("| **sum of floors** | ") for line in lines), out
    assert re.search(r"^build ÷ floors: .* = \d+\.\d\dx$", out, re.MULTILINE), out
    assert "## Summary" in out and "## Seed collection" in out, out
    seed_row = r"^\| kb check --claims SEED \(1 pair\) \| [\d.]+ \| [\d.]+ \| \d+\.\d\dx \| "
    assert re.search(seed_row, out, re.MULTILINE), out
    # The collection is left in --work as generated, the rebuild's one-line edit undone, so
    # that a later run with --keep measures the same collection.
    fresh = generate(tmp_path / "fresh", 40)
    kept = tmp_path / "claims-40"
    for path in sorted(p for p in fresh.rglob("*.yaml")):
        rel = path.relative_to(fresh)
        assert (kept / rel).read_bytes() == path.read_bytes(), rel


def test_a_one_figure_collection_states_one_figure_truly_and_checks_clean(tmp_path):
    checked = check(generate(tmp_path / "one", 90, one_figure=True))
    claims = checked.collection.claims.values()
    assert checked.report.errors == [] and not [f for f in checked.report.findings if not f.holds]
    assert {(c.subject, c.property, c.time.text if c.time else None, c.quantity.amount,
             c.review.verdict) for c in claims} == {("tesla", "total-revenue", "2015",
                                                     next(iter(claims)).quantity.amount,
                                                     "accurate")}
    assert len(claims) == 90


@pytest.mark.slow
def test_one_figure_benchmark_prints_its_growth(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / "bench.py"), "--one-figure", "40", "80",
                           "--runs", "1", "--work", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^\| 80 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \|$", proc.stdout, re.M), \
        proc.stdout
    assert re.search(r"^growth of kb check's time a claim, 40 to 80 claims: [\d.]+x "
                     r"\(target <= 1.5x", proc.stdout, re.M), proc.stdout
