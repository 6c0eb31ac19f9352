"""The benchmarks still run (their figures are read by people, not asserted): each is run at
its smallest size through its command line, and its report is checked for shape only."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from helpers import TEXT
from robust_helpers import saved_tiny_model


def run_train_bench(*args: str) -> dict:
    result = subprocess.run([sys.executable, "bench/train_throughput.py", "--size", "tiny", "--steps", "2", *args],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])["tiny"]


@pytest.mark.slow
def test_train_throughput_runs_and_reports_the_ratios_on_the_same_batches():
    report = run_train_bench()
    assert set(report) >= {"fit", "trainer", "trainer-grouped", "trainer-fit-batches", "ratio", "ratio_same_batches"}
    assert report["ratio"] > 0 and report["ratio_same_batches"] > 0
    fit, same = report["fit"], report["trainer-fit-batches"]
    assert (same["tokens"], same["padding_share"]) == (fit["tokens"], fit["padding_share"])  # the very same batches
    assert report["trainer"]["padding_share"] > fit["padding_share"]  # random batches pad more


@pytest.mark.slow
def test_train_throughput_keeps_the_fastest_of_several_rounds():
    fit = run_train_bench("--runners", "fit", "--rounds", "2")["fit"]
    assert len(fit["rounds"]) == 2 and fit["tokens_per_second"] == pytest.approx(max(fit["rounds"]), abs=0.1)


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


@pytest.mark.slow
def test_inference_bench_runs_every_runner_on_a_saved_model(schema, tmp_path):
    run = saved_tiny_model(schema, tmp_path / "run")
    result = subprocess.run([sys.executable, "bench/inference.py", str(run), "--docs", "2", "--batch-size", "2",
                             "--repeats", "1", "--no-scaling", "--peak-tflops", "1", "--workers", "2", "--chunk", "1"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["workers"] == 2 and "predict with 2 workers" in result.stdout
    assert set(report["runs"]) == {"predict", "predict-ner", "pipeline", "pipeline-heap"}
    assert report["runs"]["predict-ner"]["relations"] == 0
    assert report["runs"]["pipeline-heap"]["entities"] == report["runs"]["pipeline"]["entities"]
    assert report["ratio_entities_only_same_allocator"] > 0
    assert report["runs"]["predict"]["entities"] == report["runs"]["predict-ner"]["entities"]
    assert all(0 < share <= 1 for share in (r["encoder_share"] for r in report["runs"].values()))
    assert report["limit_fraction"]["predict"] > 0


@pytest.mark.slow
def test_scaling_bench_gives_the_same_output_with_two_processes(schema, tmp_path):
    run = saved_tiny_model(schema, tmp_path / "run")
    result = subprocess.run([sys.executable, "bench/scaling.py", str(run), "--docs", "3", "--processes", "1", "2"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(result.stdout.strip().splitlines()[-1])
    assert [r["processes"] for r in rows] == [1, 2] and all(r["same_as_one_process"] for r in rows)


def test_random_model_tags_about_the_intended_share_of_subwords():
    sys.path.insert(0, str(ROOT / "bench"))
    import torch
    from random_model import ENTITY_SHARE, random_joint_model

    model, tokenizer = random_joint_model("e5-shape")
    texts = [p.read_text(encoding="utf-8")[1500:3000] for p in sorted((ROOT / "seeds").glob("*.txt"))[8:12]]
    batch = tokenizer(texts, truncation=True, max_length=128, padding=True, return_tensors="pt")
    with torch.inference_mode():
        tags = model.token_logits(model.encode(batch["input_ids"], batch["attention_mask"])).argmax(-1)
    tagged = (tags[batch["attention_mask"].bool()] != model.config.label2id["O"]).float().mean().item()
    assert ENTITY_SHARE / 3 < tagged < ENTITY_SHARE * 3


def test_overhead_bench_times_predict_without_the_encoder(schema, tmp_path):
    run = saved_tiny_model(schema, tmp_path / "run")
    result = subprocess.run([sys.executable, "bench/overhead.py", str(run), "--docs", "3", "--top", "3"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["seconds_per_document"] > 0
    assert "decode_tags" in result.stdout or "function calls" in result.stdout


def test_peak_counts_only_the_multiprocessors_a_mig_slice_has():
    sys.path.insert(0, str(ROOT / "bench"))
    from inference import datasheet_peak_tflops

    assert datasheet_peak_tflops("NVIDIA H200", 132) == pytest.approx(989.4)
    assert datasheet_peak_tflops("NVIDIA H100 80GB HBM3") == pytest.approx(989.4)
    assert datasheet_peak_tflops("NVIDIA H200 MIG 1g.18gb", 16) == pytest.approx(989.4 * 16 / 132)
    assert datasheet_peak_tflops("NVIDIA H100 PCIe", 114) is None  # other clocks: --peak-tflops
    assert datasheet_peak_tflops("NVIDIA A100-SXM4-80GB", 108) is None


def test_gpu_probe_runs_every_check_on_the_cpu():
    result = subprocess.run([sys.executable, "bench/gpu_probe.py", "--budget", "0.1"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["train"]) == ({f"{p} {w}" for p in ("fp32", "bf16") for w in ("fixed", "varying", "sentences")}
                                    | {f"bf16 {w}, no cuDNN attention" for w in ("varying", "sentences")})
    assert all(case["steps"] >= 3 and case["tokens_per_second"] > 0 for case in report["train"].values())
    assert all(value > 0 for value in report["matmul_tflops"].values())
    assert report["launch"]["queued_us"] > 0 and set(report["forward"]) == {"32x50", "4x128"}
    assert len(report["forward_varying"]) == 2
    assert all(f["batches"] >= 3 and f["tokens_per_second"] > 0 for f in report["forward_varying"].values())
    assert all(f["tokens_per_second"] > 0 and "limit_fraction" not in f for f in report["forward"].values())


def test_gpu_probe_names_the_attention_kernel_of_each_choice():
    sys.path.insert(0, str(ROOT / "bench"))
    from gpu_probe import attention_kernels
    from torch.nn.attention import SDPBackend

    kernels = attention_kernels("cpu")  # PyTorch's choice function answers for the CPU as well
    assert set(kernels) == {"dropout 0.0", "dropout 0.1"}
    assert all(set(k) == {"default", "encoder_attention"} and set(k.values()) <= set(SDPBackend.__members__)
               for k in kernels.values())


@pytest.mark.slow
def test_train_throughput_builds_the_production_size_encoder_that_gpu_sh_trains():
    result = subprocess.run([sys.executable, "bench/train_throughput.py", "--size", "base", "--steps", "1", "--warmup",
                             "0", "--batch-size", "2", "--runners", "fit"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["base"]["fit"]["steps"] == 1
