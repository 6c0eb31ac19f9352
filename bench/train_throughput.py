"""Training throughput: `fit`'s loop against transformers' Trainer, on the same windows.

    python bench/train_throughput.py                 # tiny model and AraBERT-base size, CPU
    python bench/train_throughput.py --size base --steps 8 --device cuda   # on a GPU machine
    python bench/train_throughput.py --size e5 --steps 30   # the default recipe's encoder (e5-small), CPU

Both train the same encoder shape on the same subword windows (the seeds' training split,
repeated) with the same batch size: `fit` trains the joint model (token head + relation
head, AdamW, clipping, length-grouped batches, through accelerate) with its own
`train_one_epoch`; Trainer trains `AutoModelForTokenClassification` (token head only) with
default settings. Each measurement runs in a fresh process so that peak memory is its own.
Reported: real (non-padding) tokens per second, the ratio fit / Trainer, the share of
padding positions per batch, and peak resident memory (peak GPU memory on CUDA).
The AraBERT-size encoder is randomly initialised (the weights cannot be downloaded here).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNNERS = ("fit", "trainer", "trainer-grouped")
SIZES = {  # AraBERT v0.2 base: BERT-base with a 64k vocabulary
    "tiny": None,
    "e5": None,
    "base": dict(vocab_size=64000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512),
}


def training_windows_for_bench(size: str, repeat: int):
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
    if SIZES[size]:
        encoder = BertModel(BertConfig(**SIZES[size]), add_pooling_layer=False)
        model = JointModel.from_encoder(encoder, schema=schema.to_dict(), window_length=config.model.max_length,
                                        window_stride=config.model.stride)
    windows, _, _ = training_windows(train_docs, tokenizer, schema, config.model.max_length, config.model.stride,
                                    model.config.normalization)
    return config, schema, model, tokenizer, windows * repeat


def run_fit(size: str, steps: int, batch: int, device: str) -> dict:
    import torch
    from accelerate import Accelerator
    from torch.utils.data import DataLoader

    from train.fit.batches import LengthGroupedBatches, collate_windows
    from train.fit.build import make_optimizer
    from train.fit.loop import train_one_epoch

    config, schema, model, tokenizer, windows = training_windows_for_bench(size, repeat=50)
    windows = windows[: steps * batch]
    config.train.batch_size, config.train.log_every = batch, 10**9
    accelerator = Accelerator(cpu=device == "cpu", mixed_precision=config.train.mixed_precision)
    sampler = LengthGroupedBatches([len(w.input_ids) for w in windows], batch, seed=0)
    loader = DataLoader(windows, batch_sampler=sampler, collate_fn=partial(collate_windows, pad_id=tokenizer.pad_token_id,
                                                                        relation_types=len(schema.relation_names)))
    padded = sum(max(len(windows[i].input_ids) for i in b) * len(b) for b in sampler)
    real = sum(len(w.input_ids) for w in windows)
    optimizer = make_optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    state = {"step": 0}
    start = time.perf_counter()
    train_one_epoch(accelerator, model, optimizer, scheduler, loader, config, state, 0, Path("/tmp"), quiet=True,
                    epochs=1)
    if device != "cpu":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"tokens": real, "seconds": seconds, "steps": state["step"], "padding_share": 1 - real / padded}


def run_trainer(size: str, steps: int, batch: int, device: str, sampling: str = "random") -> dict:
    import torch
    from datasets import Dataset
    from transformers import (
        AutoModelForTokenClassification,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
    )

    config, _, joint, tokenizer, windows = training_windows_for_bench(size, repeat=50)
    windows = windows[: steps * batch]
    encoder_config = joint.encoder.config
    encoder_config.num_labels = len(joint.config.id2label)
    model = AutoModelForTokenClassification.from_config(encoder_config)
    if config.model.freeze_embeddings:  # the recipe's frozen word embeddings, on both sides
        model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    data = Dataset.from_list([{"input_ids": w.input_ids, "labels": w.labels} for w in windows])
    args = TrainingArguments(output_dir="/tmp/bench-trainer", per_device_train_batch_size=batch, max_steps=steps,
                             learning_rate=config.train.encoder_lr, report_to=[], save_strategy="no",
                             logging_strategy="no", disable_tqdm=True, use_cpu=device == "cpu",
                             dataloader_num_workers=0, seed=0, train_sampling_strategy=sampling)
    trainer = Trainer(model=model, args=args, train_dataset=data,
                      data_collator=DataCollatorForTokenClassification(tokenizer), processing_class=tokenizer)
    real = padded = 0
    for b in trainer.get_train_dataloader():
        real += int(b["attention_mask"].sum())
        padded += b["attention_mask"].numel()
    start = time.perf_counter()
    trainer.train()
    if device != "cpu":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"tokens": real, "seconds": seconds, "steps": steps, "padding_share": 1 - real / padded}


def child(which: str, size: str, steps: int, batch: int, device: str) -> None:
    import torch

    torch.manual_seed(0)
    if which == "fit":
        result = run_fit(size, steps, batch, device)
    else:
        result = run_trainer(size, steps, batch, device, "group_by_length" if which == "trainer-grouped" else "random")
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if device != "cpu":
        result["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print("RESULT " + json.dumps(result))


def measure(which: str, size: str, steps: int, batch: int, device: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", which, "--size", size, "--steps", str(steps),
                          "--batch-size", str(batch), "--device", device], capture_output=True, text=True)
    line = next((row for row in out.stdout.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{which}/{size} failed:\n{out.stderr[-3000:]}")
    result = json.loads(line[7:])
    result["tokens_per_second"] = result["tokens"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=["tiny", "base", "e5", "both"], default="both",
                        help="tiny recipe, AraBERT-base size (random), the default recipe's e5-small, or tiny and base")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps (default: tiny 60, base and e5 6)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--child", choices=RUNNERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.size, args.steps, args.batch_size, args.device)
        return
    sizes = ["tiny", "base"] if args.size == "both" else [args.size]
    print(f"{'size':<6}{'runner':<17}{'tokens/s':>11}{'padding':>9}{'peak MB':>9}{'steps':>7}")
    report = {}
    for size in sizes:
        steps = args.steps or (60 if size == "tiny" else 6)
        rows = {which: measure(which, size, steps, args.batch_size, args.device) for which in RUNNERS}
        for which, r in rows.items():
            peak = r.get("peak_gpu_mb", r["peak_rss_mb"])
            print(f"{size:<6}{which:<17}{r['tokens_per_second']:>11.0f}{r['padding_share']:>9.1%}{peak:>9.0f}{r['steps']:>7}")
        ratio = rows["fit"]["tokens_per_second"] / rows["trainer"]["tokens_per_second"]
        grouped = rows["fit"]["tokens_per_second"] / rows["trainer-grouped"]["tokens_per_second"]
        print(f"{size:<6}fit / Trainer real tokens per second: {ratio:.2f}x (against Trainer with "
              f"group_by_length sampling: {grouped:.2f}x)")
        report[size] = {**rows, "ratio": ratio, "ratio_grouped": grouped}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
