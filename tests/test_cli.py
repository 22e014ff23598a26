"""The CLI edge: build, export, exit codes, and no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import edit
from helpers import invoke, run_kb
from rdflib import Dataset


def test_build_writes_every_export(mini, tmp_path):
    out = tmp_path / "site"
    result = invoke("build", "--claims", str(mini), "--out", str(out))
    assert result.exit_code == 0, result.output
    for name in ("kb.trig", "kb.ttl", "kb.nq", "kb.jsonld", "kb.csv", "ontology.ttl"):
        assert (out / "data" / name).is_file(), name
    Dataset().parse(out / "data" / "kb.trig", format="trig")


def test_build_with_errors_leaves_previous_output_untouched(mini, tmp_path):
    out = tmp_path / "site"
    assert invoke("build", "--claims", str(mini), "--out", str(out)).exit_code == 0
    before = (out / "data" / "kb.trig").read_bytes()
    edit(mini / "sources/mini-article/claims.yaml", "confidence: 0.95", "confidence: 2")
    result = run_kb("build", "--claims", str(mini), "--out", str(out))
    assert result.exit_code == 1
    assert "confidence 2.0 is outside [0, 1]" in result.output
    assert "Error: 1 error(s); nothing was built" in result.output
    assert (out / "data" / "kb.trig").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims", "site"]


def test_export_to_file(mini, tmp_path):
    target = tmp_path / "out.nq"
    result = invoke("export", "--claims", str(mini), "--format", "nquads", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").count("\n") > 50


def test_export_refuses_a_broken_knowledge_base(mini):
    edit(mini / "sources/mini-article/claims.yaml", "unit: USD", "unit: dollars")
    result = run_kb("export", "--claims", str(mini), "--format", "trig")
    assert result.exit_code == 1
    assert "unknown unit 'dollars'" in result.output


def test_missing_claims_folder(tmp_path):
    result = run_kb("check", "--claims", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.output.strip() == f"{tmp_path / 'nowhere'}: claims folder not found; pass " \
                                    "--claims DIR"


def test_bad_usage_exits_2(mini):
    result = run_kb("export", "--claims", str(mini), "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output


def test_python_dash_m_kb_runs():
    proc = subprocess.run([sys.executable, "-m", "kb", "--help"], capture_output=True, text=True,
                          cwd=Path(__file__).parent)
    assert proc.returncode == 0
    assert "check" in proc.stdout


def test_build_timings_list_every_stage_in_order(mini, tmp_path):
    timings = tmp_path / "timings.json"
    result = invoke("build", "--claims", str(mini), "--out", str(tmp_path / "site"),
                    "--timings", str(timings))
    assert result.exit_code == 0, result.output
    report = json.loads(timings.read_text("utf-8"))
    names = [s["name"] for s in report["stages"]]
    for earlier, later in zip(["load", "graph", "check", "export", "render", "render pages",
                               "site check"],
                              ["graph", "check", "export", "render", "render pages",
                               "site check", "search index (waiting)"], strict=True):
        assert names.index(earlier) < names.index(later), names
    assert all(s["seconds"] >= 0 and s["peak_rss_mb"] > 0 for s in report["stages"])
    assert report["total_seconds"] >= sum(s["seconds"] for s in report["stages"]
                                          if s["name"] in ("load", "graph", "check"))
