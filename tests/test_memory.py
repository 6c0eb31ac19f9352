"""`predict` on the CPU asks glibc to keep freed memory in its process
(`train/predict/memory.py`). Whether pages are then reused is up to the kernel too (this
machine's memory reclaimer takes idle pages back), so the tests check that glibc accepts the
settings and that a CPU predictor makes them; the speed is `bench/inference.py`'s."""

import platform
import subprocess
import sys

import pytest
from conftest import ROOT
from robust_helpers import saved_tiny_model

import train.predict.predictor as predictor_module


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_glibc_accepts_the_settings_once_per_process():
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); from train.predict.memory import keep_freed_memory as k; "
             "print(k(), k(), k.cache_info().misses)")
    result = subprocess.run([sys.executable, "-c", probe, str(ROOT)], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True", "1"]


def test_a_cpu_predictor_sets_it(monkeypatch, tmp_path, schema):
    calls = []
    monkeypatch.setattr(predictor_module, "keep_freed_memory", lambda: calls.append(True))
    predictor_module.Predictor.from_run(saved_tiny_model(schema, tmp_path), device="cpu")
    assert calls == [True]
