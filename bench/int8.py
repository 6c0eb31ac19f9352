"""Int8 CPU inference (`predict --quantize int8`) against fp32: speed-up and agreement.

    python bench/int8.py RUN_DIR ../shared/corpus/syria_news.jsonl [--docs 1000] [--timed 100]
    python bench/int8.py RUN_DIR CORPUS --reference OUT/predictions.jsonl   # fp32 predictions made earlier

Both sides load the same run, on the CPU, with the same batch size and thread count; int8
uses the activation ranges `fit` saved in the run's model folder (a run from before they were
saved runs int8 without them and warns). Speed:
the first `--timed` articles are predicted by fp32 and by int8, alternately, twice each; the
faster pass of each counts, and the ratio fp32 seconds / int8 seconds is printed (measured in
this one run). Agreement: the first `--docs` articles predicted by int8 are scored by the
project's scorer with the fp32 predictions as the reference (entity span F1, relation F1 end
to end, micro), so 1.0 means int8 found exactly what fp32 found. `--reference` reuses fp32
predictions of the same model (for example `corpus`'s `predictions.jsonl`; the run id and
weights hash in their provenance must match the run) instead of predicting them again.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def read_articles(path: Path, count: int) -> list[tuple[str, str]]:
    """(id, text) of the first `count` records of a JSON lines corpus."""
    with open(path, encoding="utf-8") as handle:
        records = (json.loads(line) for line in handle if line.strip())
        return [(str(r["id"]), r["text"]) for r in itertools.islice(records, count)]


def timed(predictor, articles: list[tuple[str, str]]) -> float:
    start = time.perf_counter()
    for _ in predictor.stream(articles):
        pass
    return time.perf_counter() - start


def reference_documents(path: Path, texts: dict[str, str], provenance: dict) -> list:
    """The fp32 predictions of `ids` read from `path`; ValueError when another model made them."""
    from train.data.documents import document_from_dict

    ids, found = list(texts), {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            record = json.loads(line)
            if record.get("id") not in texts or "entities" not in record:
                continue
            made_by = record.get("provenance", {})
            if made_by.get("model_sha256") != provenance["model_sha256"]:
                raise ValueError(f"{path}:{number}: predicted by another model ({made_by.get('run_id')})")
            found[record["id"]] = document_from_dict(record, f"{path}:{number}", text=texts[record["id"]])
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValueError(f"{path}: no prediction for {len(missing)} of the {len(ids)} articles (first: {missing[0]})")
    return [found[i] for i in ids]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("corpus", type=Path, help="JSON lines with id and text")
    parser.add_argument("--docs", type=int, default=1000, help="articles for the agreement (default: 1000)")
    parser.add_argument("--timed", type=int, default=100, help="articles for the timing (default: 100)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--reference", type=Path, default=None, help="fp32 predictions of RUN_DIR made earlier")
    args = parser.parse_args()

    import torch

    from train.data.schema import load_schema
    from train.evaluate.scoring import score_documents
    from train.predict.predictor import Predictor

    # Without the entity ruler: its matches are the same on both sides and would hide disagreement.
    fp32 = Predictor.from_run(args.run_dir, device="cpu", batch_size=args.batch_size, precision="no", entity_ruler=False)
    int8 = Predictor.from_run(args.run_dir, device="cpu", batch_size=args.batch_size, precision="no", quantize="int8",
                              entity_ruler=False)
    articles = read_articles(args.corpus, max(args.docs, args.timed))
    sample = articles[: args.timed]
    timed(int8, sample[:4])  # first-call costs (allocations, kernel selection) are not part of the comparison
    timed(fp32, sample[:4])
    seconds = {"fp32": [], "int8": []}
    for _ in range(2):
        seconds["fp32"].append(timed(fp32, sample))
        seconds["int8"].append(timed(int8, sample))
    best = {k: min(v) for k, v in seconds.items()}

    agreed = articles[: args.docs]
    texts = {i: t for i, t in agreed}
    if args.reference:
        reference = reference_documents(args.reference, texts, fp32.provenance)
    else:
        reference = [replace(d, text=texts[d.id]) for d in fp32.stream(agreed)]
    quantized = list(int8.stream(agreed))
    metrics = score_documents(reference, quantized, load_schema(), draws=0)
    result = {
        "machine": f"{torch.get_num_threads()} CPU threads, torch {torch.__version__}",
        "timed_articles": len(sample), "fp32_seconds": round(best["fp32"], 2), "int8_seconds": round(best["int8"], 2),
        "speedup_int8_over_fp32": round(best["fp32"] / best["int8"], 2),
        "agreement_articles": len(agreed),
        "entity_span_f1_int8_vs_fp32": round(metrics["ner"]["span"]["micro"]["f1"], 4),
        "relation_end_to_end_f1_int8_vs_fp32": round(metrics["relations"]["end_to_end"]["micro"]["f1"], 4),
        "fp32_entities": sum(len(d.entities) for d in reference),
        "int8_entities": sum(len(d.entities) for d in quantized),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
