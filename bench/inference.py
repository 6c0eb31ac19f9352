"""Batch inference speed: `predict` against transformers' token-classification pipeline.

    python bench/inference.py [RUN_DIR] [--docs 300]

Both run on CPU with the same weights: the run's encoder and token head, loaded into
`BertForTokenClassification` for `pipeline("token-classification",
aggregation_strategy="simple")` (entities only), while `Predictor` (what `python -m train
predict` runs) also labels every candidate entity pair. The documents are the same few
hundred articles of realistic length, assembled deterministically from the seeds' lines.
Each side runs in a fresh process so that peak memory is its own, and reports the best of
three timed passes over all documents, with the share of that pass spent inside the
encoder's forward (the rest is tokenization, windowing, heads, decoding and output). Then two scaling
checks on `Predictor` alone: seconds per document as the number of entity pairs per
window grows (same length), and as the document grows (same density).
Without RUN_DIR, the tiny config is trained first into runs/bench-tiny.
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
    """BertForTokenClassification holding the run's encoder and token head weights."""
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
    """Seconds spent inside a module's forward calls (on the CPU a call returns when its work
    is done, so wall time inside the call is the encoder's share)."""

    def __init__(self, module):
        self.seconds, inner = 0.0, module.forward

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        module.forward = timed


def best_of(repeats: int, work, clock: EncoderClock):
    """The fastest of `repeats` timed runs (other load on the machine only ever slows a run),
    its result and the encoder seconds within it."""
    best, result, encoder = float("inf"), None, 0.0
    for _ in range(repeats):
        clock.seconds = 0.0
        start = time.perf_counter()
        out = work()
        seconds = time.perf_counter() - start
        if seconds < best:
            best, result, encoder = seconds, out, clock.seconds
    return best, result, encoder


def child(which: str, run_dir: Path, count: int, batch: int, repeats: int = 3) -> None:
    import torch

    torch.manual_seed(0)
    docs = make_documents(count)
    if which == "predict":
        from train.predict.predictor import Predictor

        predictor = Predictor.from_run(run_dir, device="cpu", batch_size=batch)
        predictor.predict(docs[:4])  # warm-up
        clock = EncoderClock(predictor.model.encoder)
        seconds, out, encoder = best_of(repeats, lambda: predictor.predict(docs), clock)
        found = (sum(len(d.entities) for d in out), sum(len(d.relations) for d in out))
        tokens = sum(len(ids) for ids in predictor.tokenizer(docs, add_special_tokens=False)["input_ids"])
    else:
        from transformers import pipeline

        model, tokenizer, stride = pipeline_model(run_dir)
        tagger = pipeline("token-classification", model=model, tokenizer=tokenizer,
                          aggregation_strategy="simple", device=-1, stride=stride)
        tagger(docs[:4], batch_size=batch)
        clock = EncoderClock(model.bert)
        seconds, out, encoder = best_of(repeats, lambda: tagger(docs, batch_size=batch), clock)
        found = (sum(len(d) for d in out), 0)
        tokens = sum(len(ids) for ids in tokenizer(docs, add_special_tokens=False)["input_ids"])
    print("RESULT " + json.dumps({"docs": count, "seconds": seconds, "encoder_seconds": encoder, "tokens": tokens,
                                  "entities": found[0],
                                  "relations": found[1],
                                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def measure(which: str, run_dir: Path, count: int, batch: int) -> dict:
    out = subprocess.run([sys.executable, __file__, str(run_dir), "--child", which, "--docs", str(count),
                          "--batch-size", str(batch)], capture_output=True, text=True)
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


def ensure_run(run_dir: Path | None) -> Path:
    if run_dir is not None:
        return run_dir
    run_dir = ROOT / "runs" / "bench-tiny"
    if not (run_dir / "model" / "config.json").exists():
        subprocess.run([sys.executable, "-m", "train", "fit", "configs/tiny.yaml", "--quiet", "--overwrite",
                        f"--train.output_dir={run_dir}"], cwd=ROOT, check=True)
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path, nargs="?", default=None)
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--child", choices=["predict", "pipeline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.run_dir, args.docs, args.batch_size)
        return
    run_dir = ensure_run(args.run_dir)
    rows = {which: measure(which, run_dir, args.docs, args.batch_size) for which in ("predict", "pipeline")}
    print(f"{'runner':<10}{'docs/s':>9}{'tokens/s':>10}{'encoder':>9}{'outside':>9}{'peak MB':>9}{'entities':>10}"
          f"{'relations':>11}")
    for which, r in rows.items():
        inside = r["encoder_seconds"] / r["seconds"]
        print(f"{which:<10}{r['docs'] / r['seconds']:>9.1f}{r['tokens'] / r['seconds']:>10.0f}{inside:>9.0%}"
              f"{1 - inside:>9.0%}{r['peak_rss_mb']:>9.0f}{r['entities']:>10}{r['relations']:>11}")
    ratio = rows["pipeline"]["seconds"] / rows["predict"]["seconds"]
    print(f"predict / pipeline documents per second: {ratio:.2f}x ({args.docs} documents, "
          f"{rows['predict']['tokens'] // args.docs} subwords each on average)")
    pairs, lengths = pair_scaling(run_dir), length_scaling(run_dir)
    print("pairs per window -> ms per document: " + ", ".join(f"{p}: {s * 1000:.1f}" for p, s in pairs))
    print("characters per document -> ms per document: " + ", ".join(f"{c}: {s * 1000:.1f}" for c, s in lengths))
    print(json.dumps({"runs": rows, "ratio": ratio, "pairs": pairs, "lengths": lengths}))


if __name__ == "__main__":
    main()
