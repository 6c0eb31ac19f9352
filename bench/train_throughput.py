"""Training throughput: `fit`'s loop against transformers' Trainer, on the same windows.

    python bench/train_throughput.py                 # tiny model and AraBERT-base size, CPU
    python bench/train_throughput.py --size base --steps 40 --device cuda --precision bf16   # on a GPU
    python bench/train_throughput.py --size e5 --steps 30   # the default recipe's encoder (e5-small), CPU

Both train the same encoder shape on the same subword windows (the seeds' training split,
repeated) with the same batch size: `fit` trains the joint model (token head + relation
head, AdamW, clipping, length-grouped batches, through accelerate) with its own
`train_one_epoch`; Trainer trains `AutoModelForTokenClassification` (token head only) with
default settings, three ways: its random batches (`trainer`), its `group_by_length` batches
(`trainer-grouped`: length-grouped over larger groups than `fit`'s, so with less padding
over long runs) and exactly the batches `fit` trains on (`trainer-fit-batches`: the
comparison on the same length-grouped batches). Both use the same `--precision` (bf16: autocast with fp32 master
weights on both sides); with bf16, `fit` is also run in fp32 (`fit-fp32`), since mixed
precision should make it faster. Each measurement runs in a fresh process so that peak
memory is its own, after `--warmup` untimed steps (kernel selection, allocator growth).
Reported: real (non-padding) tokens per second, the ratio fit / Trainer, the share of
padding positions per batch (which `fit`'s encoder leaves out in training on the CPU:
`models/packing.py`), and peak resident memory (peak GPU memory on CUDA).
`--rounds N` measures every runner N times, the runners taking turns, and reports each one's
fastest round (a 30-step measurement of the same code varied by up to 13% on the 2-core
machine), with every round's tokens per second.
`--profile` also prints `fit`'s top operators by self time (torch.profiler, one more run).
The AraBERT-size encoder is randomly initialised (the weights cannot be downloaded here).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNNERS = ("fit", "trainer", "trainer-grouped", "trainer-fit-batches")


def training_windows_for_bench(size: str, repeat: int):
    from random_model import SIZES
    from transformers import BertConfig, BertModel

    from models.joint import JointModel
    from train.align import training_windows
    from train.config import load_config
    from train.data.schema import load_schema
    from train.fit.build import build_model
    from train.splits import load_split_documents

    recipe = "e5-small.yaml" if size == "e5" else "tiny.yaml"  # e5: the default recipe's converted encoder
    config = load_config(ROOT / "configs" / recipe, ["--train.output_dir=/tmp/bench-fit"])
    schema = load_schema()
    docs, splits = load_split_documents(config)
    train_docs = [d for d in docs if d.id in splits["train"]]
    model, tokenizer = build_model(config, schema, train_docs)
    if size in SIZES:
        encoder = BertModel(BertConfig(**SIZES[size]), add_pooling_layer=False)
        model = JointModel.from_encoder(encoder, schema=schema.to_dict(), window_length=config.model.window_length,
                                        window_stride=config.model.window_stride)
    windows, _, _ = training_windows(train_docs, tokenizer, schema, config.model.window_length, config.model.window_stride,
                                    model.config.normalization)
    return config, schema, model, tokenizer, windows * repeat


def fit_batches(windows, batch: int, warmup: int, steps: int) -> list[list[int]]:
    """The batches (indices into `windows`) `run_fit` trains on: the warm-up steps' windows,
    then the timed steps', each part length-grouped by `fit`'s own sampler (seed 0)."""
    from train.fit.batches import LengthGroupedBatches

    parts = ((0, warmup * batch), (warmup * batch, (warmup + steps) * batch))
    return [[lo + i for i in b] for lo, hi in parts
            for b in LengthGroupedBatches([len(w.input_ids) for w in windows[lo:hi]], batch, seed=0)]


def synchronize(device: str) -> None:
    import torch

    if device != "cpu":
        torch.cuda.synchronize()


def run_fit(size: str, steps: int, batch: int, device: str, precision: str, warmup: int, profile: bool,
            pad_multiple: int) -> dict:
    import torch

    from train.fit.batches import training_loader
    from train.fit.build import make_optimizer
    from train.fit.checkpoint import TrainerState
    from train.fit.loop import make_accelerator, train_one_epoch

    config, schema, model, tokenizer, windows = training_windows_for_bench(size, repeat=50)
    config.train.batch_size, config.train.log_every = batch, 10**9
    accelerator = make_accelerator(precision, cpu=device == "cpu")
    batches, part = fit_batches(windows, batch, warmup, steps), windows[:(warmup + steps) * batch]

    def loader_of(chosen):
        return training_loader(part, chosen, tokenizer.pad_token_id, len(schema.relation_names), accelerator.device,
                               pad_multiple)

    warm_loader, loader = loader_of(batches[:warmup]), loader_of(batches[warmup:])
    padded = sum(-(-max(len(part[i].input_ids) for i in b) // pad_multiple) * pad_multiple * len(b)
                 for b in batches[warmup:])
    real = sum(len(w.input_ids) for w in windows[warmup * batch:(warmup + steps) * batch])
    optimizer = make_optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    model, optimizer, warm_loader, loader, scheduler = accelerator.prepare(model, optimizer, warm_loader, loader,
                                                                           scheduler)
    state = TrainerState()
    epoch = partial(train_one_epoch, accelerator, model, optimizer, scheduler, config=config, state=state, epoch=0,
                    run_dir=Path("/tmp"), quiet=True, epochs=1)
    epoch(loader=warm_loader)
    synchronize(device)
    state.step = 0
    start = time.perf_counter()
    with profiled(profile, device):
        epoch(loader=loader)
        synchronize(device)
    seconds = time.perf_counter() - start
    return {"tokens": real, "seconds": seconds, "steps": state.step, "padding_share": 1 - real / padded}


@contextmanager
def profiled(on: bool, device: str):
    """torch.profiler around the block when `on`; prints the top operators by self time (on a
    GPU by device time, then by host time)."""
    if not on:
        yield
        return
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device != "cpu" else [])
    with profile(activities=activities) as prof:
        yield
    # on a GPU both orders: a step bound by the host (launches, syncs) shows in CPU time only
    for key in (["self_cuda_time_total"] if device != "cpu" else []) + ["self_cpu_time_total"]:
        print(prof.key_averages().table(sort_by=key, row_limit=15, max_name_column_width=48))


def run_trainer(size: str, steps: int, batch: int, device: str, precision: str, warmup: int, pad_multiple: int,
                sampling: str = "random") -> dict:
    from torch.utils.data import DataLoader
    from transformers import (
        AutoModelForTokenClassification,
        DataCollatorForTokenClassification,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    config, _, joint, tokenizer, windows = training_windows_for_bench(size, repeat=50)
    windows = windows[: (warmup + steps) * batch]
    encoder_config = joint.encoder.config
    encoder_config.num_labels = len(joint.config.id2label)
    model = AutoModelForTokenClassification.from_config(encoder_config)
    if config.model.freeze_embeddings:  # the recipe's frozen word embeddings, on both sides
        model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    data = [{"input_ids": w.input_ids, "labels": w.labels} for w in windows]
    args = TrainingArguments(output_dir="/tmp/bench-trainer", per_device_train_batch_size=batch,
                             max_steps=warmup + steps, learning_rate=config.train.encoder_lr, report_to=[],
                             save_strategy="no", logging_strategy="no", disable_tqdm=True, use_cpu=device == "cpu",
                             bf16=precision == "bf16", dataloader_num_workers=0, seed=0,
                             train_sampling_strategy="random" if sampling == "fit-batches" else sampling)
    counted = {"on": False, "real": 0, "padded": 0}

    def count(_, args, kwargs):  # the timed steps' real and padded positions, kept on the device
        if counted["on"]:
            mask = kwargs["attention_mask"]
            counted["real"] = counted["real"] + mask.sum()
            counted["padded"] += mask.numel()

    model.register_forward_pre_hook(count, with_kwargs=True)

    class Clock(TrainerCallback):  # starts after the warm-up steps (at once without any)
        def start(self, state):
            if state.global_step == warmup:
                synchronize(device)
                counted.update(on=True, start=time.perf_counter())

        def on_train_begin(self, args, state, control, **kwargs):
            self.start(state)

        def on_step_end(self, args, state, control, **kwargs):
            self.start(state)

    class FitBatches(Trainer):  # Trainer's loop on exactly the batches `fit` trains on
        def get_train_dataloader(self):
            return DataLoader(self.train_dataset, batch_sampler=fit_batches(windows, batch, warmup, steps),
                              collate_fn=self.data_collator, pin_memory=self.args.dataloader_pin_memory and device != "cpu")

    trainer_class = FitBatches if sampling == "fit-batches" else Trainer
    trainer = trainer_class(model=model, args=args, train_dataset=data, callbacks=[Clock()],
                      data_collator=DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=pad_multiple),
                      processing_class=tokenizer)
    trainer.train()
    synchronize(device)
    seconds = time.perf_counter() - counted["start"]
    real = int(counted["real"])
    return {"tokens": real, "seconds": seconds, "steps": steps, "padding_share": 1 - real / counted["padded"]}


def child(which: str, size: str, steps: int, batch: int, device: str, precision: str, warmup: int,
          profile: bool, pad_multiple: int) -> None:
    import torch

    torch.manual_seed(0)
    if which.startswith("fit"):
        result = run_fit(size, steps, batch, device, "no" if which == "fit-fp32" else precision, warmup, profile,
                         pad_multiple)
    else:
        sampling = {"trainer-grouped": "group_by_length", "trainer-fit-batches": "fit-batches"}.get(which, "random")
        result = run_trainer(size, steps, batch, device, precision, warmup, pad_multiple, sampling)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if device != "cpu":
        result["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print("RESULT " + json.dumps(result))


def measure(which: str, args, size: str, steps: int, profile: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", which, "--size", size, "--steps", str(steps),
                          "--batch-size", str(args.batch_size), "--device", args.device,
                          "--precision", args.precision, "--warmup", str(args.warmup),
                          "--pad-multiple", str(args.pad_multiple)]
                         + (["--profile"] if profile else []), capture_output=True, text=True)
    line = next((row for row in out.stdout.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{which}/{size} failed:\n{out.stderr[-3000:]}")
    if profile:
        print("\n".join(row for row in out.stdout.splitlines() if not row.startswith("RESULT ")))
    result = json.loads(line[7:])
    result["tokens_per_second"] = result["tokens"] / result["seconds"]
    return result


def best_of_rounds(runners, args, size: str, steps: int) -> dict:
    """Each runner measured `args.rounds` times, the runners taking turns (so that a slow spell
    of the machine does not fall on one side only); per runner, its fastest round, with the
    tokens per second of every round under `rounds`."""
    runs = {which: [] for which in runners}
    for _ in range(args.rounds):
        for which in runners:
            runs[which].append(measure(which, args, size, steps))
    best = {}
    for which, results in runs.items():
        best[which] = max(results, key=lambda r: r["tokens_per_second"])
        best[which]["rounds"] = [round(r["tokens_per_second"], 1) for r in results]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=["tiny", "base", "e5", "both"], default="both",
                        help="tiny recipe, AraBERT-base size (random), the default recipe's e5-small, or tiny and base")
    parser.add_argument("--steps", type=int, default=None, help="timed optimizer steps (default: tiny 60, base and e5 6)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed optimizer steps first")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=["no", "bf16"], default="no", help="both sides (no: fp32)")
    parser.add_argument("--profile", action="store_true", help="print fit's top operators (one more run)")
    parser.add_argument("--pad-multiple", type=int, default=1,
                        help="round every batch's width up to this many subwords, on both sides (fewer shapes)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure each runner this many times, taking turns, and keep its fastest round")
    parser.add_argument("--runners", nargs="+", choices=RUNNERS + ("fit-fp32",), default=None,
                        help="only these (default: all; fit-fp32 only with --precision bf16)")
    parser.add_argument("--child", choices=RUNNERS + ("fit-fp32",), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.size, args.steps, args.batch_size, args.device, args.precision, args.warmup,
              args.profile, args.pad_multiple)
        return
    sizes = ["tiny", "base"] if args.size == "both" else [args.size]
    runners = args.runners or RUNNERS + (("fit-fp32",) if args.precision != "no" else ())
    print(f"{args.device}, precision {args.precision} (fit-fp32: fp32), batch {args.batch_size}, "
          f"widths rounded up to {args.pad_multiple}")
    print(f"{'size':<6}{'runner':<17}{'tokens/s':>11}{'padding':>9}{'peak MB':>9}{'steps':>7}")
    report = {}
    for size in sizes:
        steps = args.steps or (60 if size == "tiny" else 6)
        rows = best_of_rounds(runners, args, size, steps)
        for which, r in rows.items():
            peak = r.get("peak_gpu_mb", r["peak_rss_mb"])
            rounds = "" if args.rounds == 1 else "  rounds: " + ", ".join(f"{t:.0f}" for t in r["rounds"])
            print(f"{size:<6}{which:<17}{r['tokens_per_second']:>11.0f}{r['padding_share']:>9.1%}{peak:>9.0f}"
                  f"{r['steps']:>7}{rounds}")
        speed = {which: r["tokens_per_second"] for which, r in rows.items()}
        report[size] = dict(rows)
        if {"fit", "trainer", "trainer-grouped"} <= set(speed):
            ratio, grouped = speed["fit"] / speed["trainer"], speed["fit"] / speed["trainer-grouped"]
            print(f"{size:<6}fit / Trainer real tokens per second: {ratio:.2f}x (against Trainer with "
                  f"group_by_length sampling: {grouped:.2f}x)")
            report[size].update(ratio=ratio, ratio_grouped=grouped)
        if {"fit", "trainer-fit-batches"} <= set(speed):
            report[size]["ratio_same_batches"] = speed["fit"] / speed["trainer-fit-batches"]
            print(f"{size:<6}fit / Trainer on fit's own length-grouped batches: "
                  f"{report[size]['ratio_same_batches']:.2f}x")
        if {"fit", "fit-fp32"} <= set(speed):
            report[size]["mixed_over_fp32"] = speed["fit"] / speed["fit-fp32"]
            print(f"{size:<6}fit {args.precision} / fit fp32: {report[size]['mixed_over_fp32']:.2f}x")
        if args.profile:
            measure("fit", args, size, steps, profile=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
