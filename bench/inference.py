"""Batch inference speed: `predict` against transformers' token-classification pipeline.

    python bench/inference.py [RUN_DIR] [--docs 300]                 # a trained run, CPU
    python bench/inference.py --size base --device cuda --precision bf16 --docs 2000 --no-scaling
    python bench/inference.py RUN_DIR --compile      # our side with predict --compile
    python bench/inference.py RUN_DIR --no-prepack   # our side on nn.Linear (train/predict/onednn.py)
    python bench/inference.py --size base --device cuda --precision bf16 --workers 14 --chunk 40   # predict --workers
    python bench/inference.py --size base --device cuda --precision bf16 --batch-size 64 --batch-subwords 32768

Both sides use the same weights: the run's encoder and token head, loaded into
`BertForTokenClassification` for `pipeline("token-classification",
aggregation_strategy="simple")` (entities only). `Predictor` (what `python -m train
predict` runs) is measured twice: labelling every candidate entity pair too (`predict`),
and entities alone (`predict --entities-only`); on the CPU the pipeline twice too: as users
run it, and with the allocator setting `predict` makes there (`train/predict/memory.py`), to
show what that setting alone is worth. The documents are the same few hundred
articles of realistic length, assembled deterministically from the seeds' lines. Each
side runs in a fresh process so that peak memory is its own, with the same batch size,
window length and precision (bf16: both hold bf16 weights), and reports the best of
three timed passes over all documents; one more pass, with the device synchronised
around every encoder call, gives the share of wall time inside the encoder's forward
(the rest is tokenization, windowing, heads, decoding and output).
On a GPU the achieved share of the chip's forward limit is printed: forward FLOPs per
subword = 2 x non-embedding parameters + 4 x layers x hidden x window length
(attention), times subwords per second, over the dense bf16 peak (`--peak-tflops`;
by default the H100/H200 SXM datasheet's 989 TFLOP/s when such a chip is found, in
proportion to its multiprocessors on a MIG slice).
`predict`'s windows are sentences (about 50 subwords in news), the pipeline's are cut from the
whole document at the full window length, so the same `--batch-size` gives the pipeline's
encoder calls many times the subwords; `--batch-subwords N` (N = batch size x window length)
gives our side as many: batches of any number of windows up to N padded subwords.
Then, unless `--no-scaling`, two checks on `Predictor` alone: seconds per document as
the number of entity pairs per window grows (same length), and as the document grows.
Without RUN_DIR: `--size tiny` trains the tiny config into runs/bench-tiny; `--size base`
or `e5-shape` saves a random encoder of that shape (bench/random_model.py).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seed_lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if len(line) > 40]
    return lines


def make_documents(count: int, target_chars: int = 3000, seed: int = 0) -> list[str]:
    """Articles of about `target_chars` characters: seed lines in a shuffled order."""
    rng, lines, docs = random.Random(seed), seed_lines(), []
    for _ in range(count):
        parts, size = [], 0
        while size < target_chars:
            parts.append(rng.choice(lines))
            size += len(parts[-1]) + 1
        docs.append("\n".join(parts))
    return docs


def pipeline_model(run_dir: Path):
    """BertForTokenClassification holding the run's encoder and token head weights (fp32, CPU)."""
    from transformers import AutoTokenizer, BertForTokenClassification

    from models.joint import JointModel

    joint = JointModel.from_pretrained(run_dir / "model")
    config = joint.encoder.config
    config.num_labels, config.id2label, config.label2id = len(joint.config.id2label), joint.config.id2label, joint.config.label2id
    model = BertForTokenClassification(config)
    model.bert.load_state_dict(joint.encoder.state_dict(), strict=False)
    model.classifier.load_state_dict(joint.token_head.state_dict())
    tokenizer = AutoTokenizer.from_pretrained(run_dir / "model")
    tokenizer.model_max_length = joint.config.window_length
    return model.eval(), tokenizer, joint.config.window_stride


class EncoderClock:
    """Seconds spent inside a module's forward calls while `on`; on a GPU the device is
    synchronised before and after each call, so that the wall time inside is its work."""

    def __init__(self, module, device):
        import torch

        self.seconds, self.on, inner = 0.0, False, module.forward
        sync = torch.cuda.synchronize if torch.device(device).type == "cuda" else (lambda: None)

        def timed(*args, **kwargs):
            if not self.on:
                return inner(*args, **kwargs)
            sync()
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                sync()
                self.seconds += time.perf_counter() - start

        module.forward = timed


def best_of(repeats: int, work, clock: EncoderClock) -> tuple[float, object, float]:
    """(fastest of `repeats` timed runs, its result, encoder share of one more clocked run):
    other load on the machine only ever slows a run; the clocked run syncs, so it is not timed."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = work()
        seconds = time.perf_counter() - start
        if seconds < best:
            best, result = seconds, out
    clock.seconds, clock.on = 0.0, True
    start = time.perf_counter()
    work()
    share = clock.seconds / (time.perf_counter() - start)
    clock.on = False
    return best, result, share


def child(which: str, run_dir: Path, count: int, batch: int, device: str, precision: str, repeats: int,
          compiled: bool, prepack: bool, workers: int, chunk: int, batch_subwords: int | None) -> None:
    import torch

    torch.manual_seed(0)
    docs = make_documents(count)
    if which.startswith("predict"):
        from train.predict.predictor import Predictor

        predictor = Predictor.from_run(run_dir, device=device, batch_size=None if batch_subwords else batch,
                                       precision=precision, relations=which == "predict", compile=compiled,
                                       prepack=prepack, max_batch_subwords=batch_subwords)
        predictor.workers, predictor.docs_per_chunk = workers, chunk
        predictor.predict(docs[:16] if compiled else docs[:4])  # warm-up (compilation: before the timing)
        clock = EncoderClock(predictor.model.encoder, device)
        seconds, out, share = best_of(repeats, lambda: predictor.predict(docs), clock)
        found = (sum(len(d.entities) for d in out), sum(len(d.relations) for d in out))
        tokenizer, encoder, window = predictor.tokenizer, predictor.model.encoder, predictor.model.config.window_length
    else:
        from transformers import pipeline

        if which == "pipeline-heap":
            from train.predict.memory import keep_freed_memory

            keep_freed_memory()
        model, tokenizer, stride = pipeline_model(run_dir)
        if precision == "bf16":
            model = model.to(torch.bfloat16)
        tagger = pipeline("token-classification", model=model, tokenizer=tokenizer,
                          aggregation_strategy="simple", device=torch.device(device), stride=stride)
        tagger(docs[:4], batch_size=batch)
        clock = EncoderClock(model.bert, device)
        seconds, out, share = best_of(repeats, lambda: tagger(docs, batch_size=batch), clock)
        found = (sum(len(d) for d in out), 0)
        encoder, window = model.bert, tokenizer.model_max_length
    tokens = sum(len(ids) for ids in tokenizer(docs, add_special_tokens=False)["input_ids"])
    print("RESULT " + json.dumps({"docs": count, "seconds": seconds, "encoder_share": share, "tokens": tokens,
                                  "entities": found[0], "relations": found[1],
                                  "flops_per_subword": forward_flops_per_subword(encoder.config, encoder, window),
                                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                  "gpu": torch.cuda.get_device_name() if device.startswith("cuda") else None,
                                  "peak_tflops": peak_tflops(device) if device.startswith("cuda") else None}))


def forward_flops_per_subword(config, encoder, window_length: int) -> float:
    """2 x non-embedding parameters + 4 x layers x hidden x window length (attention scores
    and their weighted sum over the window): the issue's model of BERT's forward FLOPs."""
    from train.predict.onednn import PackedLinear

    non_embedding = sum(p.numel() for name, p in encoder.named_parameters() if not name.startswith("embeddings."))
    # weights prepacked for oneDNN are no longer parameters
    non_embedding += sum(m.in_features * m.out_features + (m.bias is not None) * m.out_features
                         for m in encoder.modules() if isinstance(m, PackedLinear))
    return 2 * non_embedding + 4 * config.num_hidden_layers * config.hidden_size * window_length


SXM_MULTIPROCESSORS, SXM_PEAK_TFLOPS = 132, 989.4
"""An H100 or H200 SXM: streaming multiprocessors and dense bf16 TFLOP/s, by NVIDIA's datasheets."""


def datasheet_peak_tflops(gpu: str | None, multiprocessors: int | None = None) -> float | None:
    """Dense bf16 TFLOP/s of an H100 or H200 SXM by its datasheet, in proportion to the
    multiprocessors the process sees (a MIG slice has a share of the 132); None for other
    chips (PCIe and NVL boards have other clocks): pass `--peak-tflops` for them."""
    if not gpu or not any(chip in gpu for chip in ("H100", "H200")) or any(k in gpu for k in ("PCIe", "NVL")):
        return None
    return SXM_PEAK_TFLOPS * min(1.0, (multiprocessors or SXM_MULTIPROCESSORS) / SXM_MULTIPROCESSORS)


def peak_tflops(device: str) -> float | None:
    """`datasheet_peak_tflops` of the GPU `device` names."""
    import torch

    props = torch.cuda.get_device_properties(device)
    return datasheet_peak_tflops(props.name, props.multi_processor_count)


def measure(which: str, run_dir: Path, args) -> dict:
    out = subprocess.run([sys.executable, __file__, str(run_dir), "--child", which, "--docs", str(args.docs),
                          "--batch-size", str(args.batch_size), "--device", args.device, "--precision", args.precision,
                          "--repeats", str(args.repeats), "--workers", str(args.workers), "--chunk", str(args.chunk)]
                         + (["--batch-subwords", str(args.batch_subwords)] if args.batch_subwords else [])
                         + (["--compile"] if args.compile else [])
                         + (["--no-prepack"] if args.no_prepack else []),
                         capture_output=True, text=True)
    line = next((row for row in out.stdout.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{which} failed:\n{out.stderr[-3000:]}")
    return json.loads(line[7:])


def pair_scaling(run_dir: Path) -> list[tuple[int, float]]:
    """(candidate pairs scored, seconds per document) for one-window documents with more and more names."""
    from train.predict.predictor import Predictor

    predictor = Predictor.from_run(run_dir, device="cpu")
    names = ["داعش", "قسد", "دير الزور", "الرقة", "التحالف الدولي", "الحسكة", "قوات النظام", "حمص"]
    filler = "وقال المصدر إن الاجتماعات جرت خلال الأيام الأخيرة"
    rows = []
    for k in (2, 4, 8, 16, 24):
        words = [names[i % len(names)] if i < k else filler.split()[i % 8] for i in range(48)]
        doc = " ".join(words)
        found = predictor.predict([doc])[0]
        pairs = len(found.entities) * (len(found.entities) - 1)
        start = time.perf_counter()
        for _ in range(20):
            predictor.predict([doc])
        rows.append((pairs, (time.perf_counter() - start) / 20))
    return rows


def length_scaling(run_dir: Path) -> list[tuple[int, float]]:
    """(characters, seconds per document) for documents 1, 2, 4 and 8 times as long."""
    from train.predict.predictor import Predictor

    predictor = Predictor.from_run(run_dir, device="cpu")
    rows = []
    for factor in (1, 2, 4, 8):
        docs = make_documents(8, target_chars=1500 * factor, seed=factor)
        start = time.perf_counter()
        predictor.predict(docs)
        rows.append((sum(map(len, docs)) // len(docs), (time.perf_counter() - start) / len(docs)))
    return rows


def ensure_run(run_dir: Path | None, size: str) -> Path:
    if run_dir is not None:
        return run_dir
    run_dir = ROOT / "runs" / f"bench-{size}"
    if size != "tiny":
        from random_model import save_random_run

        return save_random_run(size, run_dir)
    if not (run_dir / "model" / "config.json").exists():
        subprocess.run([sys.executable, "-m", "train", "fit", "configs/tiny.yaml", "--quiet", "--overwrite",
                        f"--train.output_dir={run_dir}"], cwd=ROOT, check=True)
    return run_dir


RUNNERS = {"predict": "predict (entities and relations)", "predict-ner": "predict --entities-only",
           "pipeline": "pipeline (entities)", "pipeline-heap": "pipeline, with predict's allocator setting"}
"""On the CPU `predict` keeps freed memory in its process (train/predict/memory.py); the
pipeline is measured as users run it and, to show what that setting alone gives, with it
(`pipeline-heap`, on the CPU only: on a GPU the setting does not touch device memory)."""


def print_table(rows: dict, peak_tflops: float | None) -> None:
    print(f"{'runner':<13}{'docs/s':>9}{'tokens/s':>10}{'encoder':>9}{'outside':>9}{'peak MB':>9}{'entities':>10}"
          f"{'relations':>11}" + (f"{'of limit':>10}" if peak_tflops else ""))
    for which, r in rows.items():
        speed = r["tokens"] / r["seconds"]
        limit = f"{speed * r['flops_per_subword'] / (peak_tflops * 1e12):>10.1%}" if peak_tflops else ""
        print(f"{which:<13}{r['docs'] / r['seconds']:>9.1f}{speed:>10.0f}{r['encoder_share']:>9.0%}"
              f"{1 - r['encoder_share']:>9.0%}{r['peak_rss_mb']:>9.0f}{r['entities']:>10}{r['relations']:>11}{limit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path, nargs="?", default=None)
    parser.add_argument("--size", choices=["tiny", "base", "e5-shape"], default="tiny",
                        help="without RUN_DIR: the tiny recipe trained here, or a random encoder of this shape")
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    parser.add_argument("--precision", choices=["no", "bf16"], default="no")
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="the chip's dense bf16 peak (default: the datasheet's, for an H100 or H200)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per runner (the fastest counts)")
    parser.add_argument("--compile", action="store_true",
                        help="predict with --compile (torch.compile of the encoder, compiled before the timing)")
    parser.add_argument("--no-prepack", action="store_true",
                        help="predict with nn.Linear instead of weights prepacked for oneDNN (train/predict/onednn.py)")
    parser.add_argument("--workers", type=int, default=0,
                        help="predict --workers: worker processes for the work around the model (our side)")
    parser.add_argument("--chunk", type=int, default=64, help="predict --chunk: documents per chunk (our side)")
    parser.add_argument("--batch-subwords", type=int, default=None,
                        help="our side: predict --max-batch-subwords, batches of any number of windows up to this many "
                             "padded subwords (batch size x window length: the pipeline's full-length windows' subwords)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the pair and length scaling checks")
    parser.add_argument("--child", choices=list(RUNNERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_subwords is not None and args.batch_subwords < 1:
        parser.error(f"--batch-subwords must be positive, got {args.batch_subwords}")
    if args.child:
        child(args.child, args.run_dir, args.docs, args.batch_size, args.device, args.precision, args.repeats,
              args.compile, not args.no_prepack, args.workers, args.chunk, args.batch_subwords)
        return
    run_dir = ensure_run(args.run_dir, args.size)
    rows = {which: measure(which, run_dir, args) for which in RUNNERS
            if which != "pipeline-heap" or args.device == "cpu"}
    peak = args.peak_tflops or rows["predict"]["peak_tflops"]
    print(f"{run_dir}, {args.device} ({rows['predict']['gpu'] or 'CPU'}), precision {args.precision}, "
          f"batch {args.batch_size}" + (", predict with --compile" if args.compile else "")
          + (", predict without prepacked weights" if args.no_prepack else "")
          + (f", predict with {args.workers} workers, chunks of {args.chunk}" if args.workers else "")
          + (f", predict batches of up to {args.batch_subwords} subwords" if args.batch_subwords else ""))
    print_table(rows, peak)
    ratio = rows["pipeline"]["seconds"] / rows["predict"]["seconds"]
    ratio_ner = rows["pipeline"]["seconds"] / rows["predict-ner"]["seconds"]
    print(f"predict / pipeline documents per second: {ratio:.2f}x with relations, {ratio_ner:.2f}x entities only "
          f"({args.docs} documents, {rows['predict']['tokens'] // args.docs} subwords each on average)")
    report = {"runs": rows, "ratio": ratio, "ratio_entities_only": ratio_ner, "peak_tflops": peak,
              "compiled": args.compile, "prepacked": not args.no_prepack, "workers": args.workers, "chunk": args.chunk,
              "batch_subwords": args.batch_subwords}
    if "pipeline-heap" in rows:
        heap = rows["pipeline-heap"]["seconds"]
        report.update(ratio_same_allocator=heap / rows["predict"]["seconds"],
                      ratio_entities_only_same_allocator=heap / rows["predict-ner"]["seconds"])
        print(f"against the pipeline with predict's allocator setting: {report['ratio_same_allocator']:.2f}x with "
              f"relations, {report['ratio_entities_only_same_allocator']:.2f}x entities only")
    if peak:
        report["limit_fraction"] = {w: r["tokens"] / r["seconds"] * r["flops_per_subword"] / (peak * 1e12)
                                    for w, r in rows.items()}
    if not args.no_scaling:
        pairs, lengths = pair_scaling(run_dir), length_scaling(run_dir)
        print("pairs per window -> ms per document: " + ", ".join(f"{p}: {s * 1000:.1f}" for p, s in pairs))
        print("characters per document -> ms per document: " + ", ".join(f"{c}: {s * 1000:.1f}" for c, s in lengths))
        report.update(pairs=pairs, lengths=lengths)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
