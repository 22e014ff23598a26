"""The parse cache (kb/parsecache.py) measured: the load stage with and without it.

For one claims folder, in one process and in rounds (each round runs every case once, so load
from other work on the machine falls on all of them alike), the CPU time of:

  libyaml      yaml.load with CSafeLoader on every YAML file the loader reads (the floor)
  parse_yaml   kb's own parser on the same files (libyaml plus line numbers and limits)
  no cache     kb.load.load_lenient with the cache switched off
  cold         load_lenient with an empty cache, writing every entry
  warm         load_lenient with every entry there
  one changed  load_lenient after one claims file was edited (a comment appended)

Medians over --rounds, then each per 1,000 claims.

    python tests/benchmarks/generate.py /tmp/c10k --claims 10000
    python tests/benchmarks/loadcache.py /tmp/c10k --rounds 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kb import parsecache
from kb.layout import CACHE_DIR
from kb.load import load_lenient
from kb.yamlfile import parse_yaml


def cpu(work: Callable[[], object]) -> float:
    """The CPU seconds work takes."""
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> None:
    """Measure, print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=Path, help="a claims folder (it is edited: use a copy)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    root: Path = args.claims
    files = sorted(p for p in root.rglob("*.yaml") if CACHE_DIR not in p.relative_to(root).parts)
    edited = sorted((root / "sources").glob("*/claims*.yaml"))[0]
    original = edited.read_bytes()
    collection, problems = load_lenient(root)
    claims = len(collection.claims)
    cache = root / CACHE_DIR / parsecache.PARSE_DIR
    real_open = parsecache.ParseCache._open

    def no_cache() -> None:
        parsecache.ParseCache._open = lambda self: False  # type: ignore[method-assign]
        try:
            load_lenient(root)
        finally:
            parsecache.ParseCache._open = real_open  # type: ignore[method-assign]

    def cold() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        load_lenient(root)

    edits = iter(range(1_000_000))

    def one_changed() -> None:
        edited.write_bytes(original + f"# edit {next(edits)}\n".encode())
        load_lenient(root)

    cases: dict[str, Callable[[], object]] = {
        "libyaml (CSafeLoader)": lambda: [yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)
                                          for p in files],
        "parse_yaml": lambda: [parse_yaml(p.read_bytes().decode()) for p in files],
        "load, no cache": no_cache,
        "load, cold (writes the cache)": cold,
        "load, warm (every file a hit)": lambda: load_lenient(root),
        "load, one file changed": one_changed,
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for _ in range(args.rounds):
            for name, work in cases.items():
                if name == "load, warm (every file a hit)":
                    edited.write_bytes(original)
                    load_lenient(root)  # the entries of this round's files, untimed
                times[name].append(cpu(work))
    finally:
        edited.write_bytes(original)
    print(f"{root}: {claims:,} claims, {len(files):,} YAML files, {len(problems)} problems, "
          f"median CPU seconds of {args.rounds} rounds\n")
    print("| case | s | ms per 1,000 claims | ÷ libyaml |")
    print("|:--|--:|--:|--:|")
    floor = statistics.median(times["libyaml (CSafeLoader)"])
    for name, seconds in times.items():
        median = statistics.median(seconds)
        print(f"| {name} | {median:.3f} | {median * 1000 / claims * 1000:.0f} "
              f"| {median / floor:.2f} |")


if __name__ == "__main__":
    main()
