"""The benchmarks still run (their figures are read by people, not asserted): each is run at
its smallest size through its command line, and its report is checked for shape only."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from helpers import TEXT
from robust_helpers import saved_tiny_model


@pytest.mark.slow
def test_train_throughput_runs_and_reports_the_ratio():
    result = subprocess.run([sys.executable, "bench/train_throughput.py", "--size", "tiny", "--steps", "2"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["tiny"]) >= {"fit", "trainer", "trainer-grouped", "ratio"} and report["tiny"]["ratio"] > 0


@pytest.mark.slow
def test_int8_bench_runs_and_scores_against_fp32(schema, tmp_path):
    run = saved_tiny_model(schema, tmp_path / "run")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"a{i}", "text": TEXT}, ensure_ascii=False) + "\n" for i in range(3)),
                      encoding="utf-8")
    result = subprocess.run([sys.executable, "bench/int8.py", str(run), str(corpus), "--docs", "3", "--timed", "2"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["agreement_articles"] == 3 and report["speedup_int8_over_fp32"] > 0
    assert 0.0 <= report["entity_span_f1_int8_vs_fp32"] <= 1.0
