"""What the lent machine can do, with none of our model code but its attention kernels: the facts behind the speed benchmarks.

    python bench/gpu_probe.py --device cuda      # first step of bench/gpu.sh
    python bench/gpu_probe.py                    # the same checks, small, on the CPU

On the H200 lent on 2026-11-29, `fit` in bf16 trained 5x slower than in fp32 and Trainer in
bf16 was slow too (README, "Benchmarks"): too slow for the chip on both sides, so the cause
may lie in the machine (a MIG slice, a launch-bound host, a slow bf16 path of the installed
libraries) rather than in `fit`. This script separates those, in well under a minute:

1. the machine: GPU name, streaming multiprocessors (132 on a whole H100/H200 SXM; fewer on
   a MIG slice), MIG mode, clocks, other processes on the GPU, CPU threads, and environment
   variables that change CUDA's speed (CUDA_LAUNCH_BLOCKING=1 makes every launch wait);
2. the cost of one kernel launch, asynchronous and waited for;
3. dense matrix products in bf16, fp32 and fp32 with TF32: achieved TFLOP/s;
4. a plain transformers `BertModel` of AraBERT-base size with a token head, trained with
   AdamW in fp32 and in bf16 autocast (fp32 master weights, as `fit` and Trainer do), 16 rows
   a batch: of one width without padding, of varying widths with padding, and of sentence
   length (what `fit` trains on: about 800 subwords a batch, so few that the host's kernel
   launches, not the chip, may bound a step): real subwords per second. The same gap as
   `fit`'s here puts the cause outside our code. bf16 with padding runs twice: with PyTorch's
   default attention kernels (by its sources cuDNN's first on an H100/H200 with a recent
   cuDNN, which builds a graph for every batch shape it has not seen) and with the kernels
   `fit` and `predict` allow (`models/attention.py`); the machine facts name the kernel each
   choice gives a masked bf16 call, without dropout and with BERT's training dropout of 0.1
   (which newer PyTorch releases keep off cuDNN: then the two training runs are the same);
5. its forward pass alone with bf16 weights (what `predict` runs), on a batch of 32 windows of
   50 subwords (`predict`'s default batch of sentences) and on 64 windows of 512, as a share
   of the chip's forward limit (`inference.forward_flops_per_subword` over `inference.peak_tflops`),
   and on batches of sentences each of a new shape, as `predict` sends them, with PyTorch's
   attention kernels and with ours.

On the CPU (`--device cpu`, the default) the model is the tiny recipe's size, so that a test
can run every check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from train_throughput import synchronize  # noqa: E402 - bench/ on the path first

from models.attention import encoder_attention  # noqa: E402

ENV_PREFIXES = ("CUDA_", "PYTORCH_", "TORCH_", "CUBLAS", "NVIDIA_TF32", "OMP_", "NCCL_")
SMI_QUERY = "name,mig.mode.current,clocks.sm,clocks.max.sm,power.draw,power.limit,utilization.gpu,temperature.gpu"
TINY = dict(vocab_size=8000, hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
            max_position_embeddings=512)


def shell(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"({command[0]}: {error})"


def machine(device: str) -> dict:
    """What shapes every figure: the chip (or slice of it), its clocks and tenants, the host."""
    import torch

    facts = {"torch": torch.__version__, "cuda": torch.version.cuda, "cpu_threads": os.cpu_count(),
             "torch_threads": torch.get_num_threads(),
             "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENV_PREFIXES)}}
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(device)
        facts.update(gpu=props.name, multiprocessors=props.multi_processor_count, capability=f"{props.major}.{props.minor}",
                     memory_gb=round(props.total_memory / 2**30, 1),
                     tf32_matmul=torch.backends.cuda.matmul.allow_tf32,
                     smi=shell(["nvidia-smi", f"--query-gpu={SMI_QUERY}", "--format=csv"]),
                     smi_list=shell(["nvidia-smi", "-L"]),
                     other_processes=shell(["nvidia-smi", "--query-compute-apps=pid,process_name,used_memory",
                                            "--format=csv,noheader"]),
                     cudnn=torch.backends.cudnn.version(), attention_kernel=attention_kernels(device))
    return facts


def attention_kernels(device: str) -> dict:
    """The kernel a masked bf16 attention call of BERT-base shape (16 x 12 heads x 50 x 64)
    takes by default and inside `encoder_attention`, without dropout (inference) and with
    BERT's 0.1 (training): PyTorch's own choice function (private)."""
    import torch
    from torch.nn.attention import SDPBackend

    q = torch.randn(16, 12, 50, 64, device=device, dtype=torch.bfloat16)
    mask = torch.ones(16, 1, 50, 50, device=device, dtype=torch.bool)
    choice = lambda p: SDPBackend(torch._fused_sdp_choice(q, q, q, mask, p, False)).name  # noqa: E731
    kernels = {}
    try:
        for p in (0.0, 0.1):
            default = choice(p)
            with encoder_attention(torch.device(device)):
                kernels[f"dropout {p}"] = {"default": default, "encoder_attention": choice(p)}
    except (AttributeError, RuntimeError, ValueError) as error:
        kernels["error"] = repr(error)
    return kernels


def launch_costs(device: str, launches: int = 2000) -> dict:
    """Microseconds per tiny kernel: queued back to back, and each waited for."""
    import torch

    x = torch.zeros(1, device=device)
    for _ in range(50):
        x.add_(1)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(launches):
        x.add_(1)
    synchronize(device)
    queued = (time.perf_counter() - start) / launches
    start = time.perf_counter()
    for _ in range(launches // 4):
        x.add_(1)
        synchronize(device)
    waited = (time.perf_counter() - start) / (launches // 4)
    return {"queued_us": queued * 1e6, "waited_us": waited * 1e6}


def matmul_tflops(device: str, dtype_name: str, size: int, seconds: float = 1.0) -> float:
    """Achieved TFLOP/s of square products (2 x size^3 each), repeated for about `seconds`."""
    import torch

    dtype = torch.bfloat16 if dtype_name == "bf16" else torch.float32
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = dtype_name == "tf32"
    try:
        a, b = (torch.randn(size, size, device=device, dtype=dtype) for _ in range(2))
        (a @ b).sum()
        synchronize(device)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(10):
                a @ b
            synchronize(device)
            count += 10
        return 2 * size**3 * count / (time.perf_counter() - start) / 1e12
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous


WIDTHS = {"fixed": (256, 256), "varying": (64, 512), "sentences": (20, 120)}
"""Subwords per batch row: `fixed` one width; `varying` a new width per batch; `sentences` as
`fit`'s windows are (a window is a sentence: 47-51 subwords on average in the seeds)."""


def batches(batch: int, widths: str, seed: int = 0):
    """Endless (input_ids, attention_mask, labels) of `WIDTHS[widths]`: `fixed` rows are full;
    otherwise each batch has a new width and its rows 50-100% of it (padding, as in `fit`)."""
    import torch

    rng = random.Random(seed)
    while True:
        ids, mask = padded_rows(rng, batch, widths)
        labels = torch.randint(0, 9, ids.shape).masked_fill(mask == 0, -100)
        yield ids, mask, labels


def padded_rows(rng: random.Random, rows: int, widths: str):
    """(input_ids, attention_mask) of `rows` rows, long[rows, width]: a width drawn from
    `WIDTHS[widths]`, the first row that long and, unless `fixed`, the others 50-100% of it."""
    import torch

    width = rng.randint(*WIDTHS[widths])
    lengths = [width] * rows if widths == "fixed" else [rng.randint(width // 2, width) for _ in range(rows)]
    lengths[0] = width
    mask = (torch.arange(width) < torch.tensor(lengths).unsqueeze(1)).long()
    return torch.randint(5, 8000, (rows, width)) * mask, mask


def token_model(size: dict, device: str):
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    encoder = BertModel(BertConfig(**size), add_pooling_layer=False)
    return torch.nn.ModuleDict({"encoder": encoder, "head": torch.nn.Linear(size["hidden_size"], 9)}).to(device)


def attention_choice(device: str, no_cudnn: bool):
    """`fit`'s and `predict`'s attention kernels (`encoder_attention`) with `no_cudnn`, else
    PyTorch's defaults. Around the forward pass only: the backward follows the forward's choice."""
    import torch

    return encoder_attention(torch.device(device)) if no_cudnn else nullcontext()


def train_speed(size: dict, device: str, precision: str, widths: str, batch: int, warmup: int, budget_s: float,
                no_cudnn: bool = False) -> dict:
    """Real subwords per second of AdamW steps (fp32 master weights; bf16: autocast), timed for
    about `budget_s` seconds after `warmup` steps; `no_cudnn`: see `attention_choice`."""
    import torch

    model = token_model(size, device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=device.startswith("cuda"))
    autocast = torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=precision == "bf16")
    data = batches(batch, widths)

    def step() -> torch.Tensor:
        ids, mask, labels = (t.to(device, non_blocking=True) for t in next(data))
        with autocast, attention_choice(device, no_cudnn):
            hidden = model["encoder"](input_ids=ids, attention_mask=mask).last_hidden_state
            logits = model["head"](hidden)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), labels.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return mask.sum()

    for _ in range(warmup):
        step()
    synchronize(device)
    tokens, steps, start = 0, 0, time.perf_counter()
    while steps < 3 or time.perf_counter() - start < budget_s:
        tokens = tokens + step()
        steps += 1
    synchronize(device)
    seconds = time.perf_counter() - start
    return {"steps": steps, "seconds": seconds, "tokens_per_second": int(tokens) / seconds}


def forward_speed(size: dict, device: str, batch: int, width: int, budget_s: float) -> dict:
    """Subwords per second of the encoder's forward pass with bf16 weights (fp32 on the CPU),
    full windows, and its share of the forward limit on a known chip."""
    import torch
    from inference import forward_flops_per_subword, peak_tflops

    model = token_model(size, device).eval()
    if device.startswith("cuda"):
        model = model.to(torch.bfloat16)
    ids = torch.randint(5, 8000, (batch, width), device=device)
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        for _ in range(3):
            model["encoder"](input_ids=ids, attention_mask=mask)
        synchronize(device)
        count, start = 0, time.perf_counter()
        while count < 3 or time.perf_counter() - start < budget_s:
            model["encoder"](input_ids=ids, attention_mask=mask)
            count += 1
        synchronize(device)
    speed = count * batch * width / (time.perf_counter() - start)
    encoder = model["encoder"]
    result = {"tokens_per_second": speed, "flops_per_subword": forward_flops_per_subword(encoder.config, encoder, width)}
    if device.startswith("cuda") and (peak := peak_tflops(device)):
        result.update(peak_tflops=peak, limit_fraction=speed * result["flops_per_subword"] / (peak * 1e12))
    return result


def varying_forward_speed(size: dict, device: str, budget_s: float, no_cudnn: bool) -> dict:
    """Real subwords per second of the encoder's forward pass with bf16 weights (fp32 on the
    CPU) on batches of sentences as `predict` sends them: each of a new shape (8-64 windows of
    20-120 subwords, with padding), nothing warmed up for it; `no_cudnn`: see `attention_choice`."""
    import torch

    model = token_model(size, device).eval()
    if device.startswith("cuda"):
        model = model.to(torch.bfloat16)
    rng, tokens, count = random.Random(1), 0, 0
    with torch.inference_mode():
        model["encoder"](input_ids=torch.ones(2, 8, dtype=torch.long, device=device))  # start-up, not per shape
        synchronize(device)
        start = time.perf_counter()
        while count < 3 or time.perf_counter() - start < budget_s:
            ids, mask = (t.to(device) for t in padded_rows(rng, rng.randint(8, 64), "sentences"))
            with attention_choice(device, no_cudnn):
                model["encoder"](input_ids=ids, attention_mask=mask)
            tokens, count = tokens + mask.sum(), count + 1
        synchronize(device)
    return {"batches": count, "tokens_per_second": int(tokens) / (time.perf_counter() - start)}


def main() -> None:
    from random_model import SIZES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--budget", type=float, default=None, help="seconds per timed case (default: 4 on a GPU, 0.5 on the CPU)")
    args = parser.parse_args()
    gpu = args.device.startswith("cuda")
    budget = args.budget or (4.0 if gpu else 0.5)
    size, batch = (SIZES["base"], 16) if gpu else (TINY, 4)
    report = {"machine": machine(args.device), "launch": launch_costs(args.device)}
    print(json.dumps(report["machine"], indent=1))
    print(f"kernel launch: {report['launch']['queued_us']:.1f} us queued, {report['launch']['waited_us']:.1f} us waited for")
    report["matmul_tflops"] = {kind: matmul_tflops(args.device, kind, 8192 if gpu else 512, budget / 2)
                               for kind in ("bf16", "fp32", "tf32")}
    print("square products, TFLOP/s: " + ", ".join(f"{k} {v:.1f}" for k, v in report["matmul_tflops"].items()))
    # predict's default batch (32 sentence windows) against one of 64 full windows; each printed
    # as it finishes, so that a step cut off by its time limit keeps what it measured
    report["forward"] = {}
    for rows, width in ((32, 50), (64, 512) if gpu else (4, 128)):
        result = report["forward"][f"{rows}x{width}"] = forward_speed(size, args.device, rows, width, budget)
        share = result.get("limit_fraction")
        print(f"forward {rows}x{width}, {'bf16 weights' if gpu else 'fp32'}: {result['tokens_per_second']:.0f} "
              f"subwords/s" + (f", {share:.1%} of the forward limit ({result['peak_tflops']:.0f} TFLOP/s)" if share else ""),
              flush=True)
    report["forward_varying"] = {}
    for no_cudnn in (False, True):
        case = "forward, a new shape each batch" + (", no cuDNN attention" if no_cudnn else "")
        result = report["forward_varying"][case] = varying_forward_speed(size, args.device, budget, no_cudnn)
        print(f"{case}: {result['tokens_per_second']:.0f} subwords/s ({result['batches']} batches)", flush=True)
    report["train"] = {}
    print(f"{'train (BertModel + token head)':<34}{'subwords/s':>12}{'steps':>7}")
    for widths in WIDTHS:
        for precision, no_cudnn in (("fp32", False), ("bf16", False)) + ((("bf16", True),) if widths != "fixed" else ()):
            case = f"{precision} {widths}" + (", no cuDNN attention" if no_cudnn else "")
            report["train"][case] = train_speed(size, args.device, precision, widths, batch, 3, budget, no_cudnn)
            print(f"{case:<34}{report['train'][case]['tokens_per_second']:>12.0f}{report['train'][case]['steps']:>7}",
                  flush=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
