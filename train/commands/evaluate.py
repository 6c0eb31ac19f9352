"""`python -m train evaluate` and `python -m train baseline`.

    evaluate [--gold annotations/] --pred preds.jsonl [--out DIR] [--all-gold]
        Score a prediction file. By default only the gold documents the prediction file
        names are scored (so a file of test-split predictions is scored on the test
        split); a document named by an {"id", "error"} record (prediction failed) counts
        as all misses. With --all-gold every gold document is scored, missing ones as misses.
        Writes metrics.json, report.md, report.html and the confusion figure into --out
        (default: the prediction file's folder) and prints the table.
    evaluate [--gold G] --pred A.jsonl --pred B.jsonl   (or --pred A.jsonl --compare B.jsonl)
        Score A and B on the same gold documents (those either names) and report A - B with
        a paired bootstrap interval; metrics.json is A's (with a `comparison` entry),
        metrics_compare.json B's.
    evaluate RUN_DIR [--split test]
        Predict the split's documents with the run's model, score them, run the baseline
        on the same split, and write into RUN_DIR: predictions/<split>.jsonl,
        predictions/baseline_<split>.jsonl, metrics.json and report.md/.html for the test
        split (metrics_<split>.json, report_<split>.md/.html for another split), and
        metrics_baseline_<split>.json; the reports show model - baseline with paired
        intervals, the learning curves and the calibration `fit` measured on validation.

Every headline micro figure carries a 95% document-bootstrap interval (`--draws`, `--seed`).
    baseline CONFIG [--split test] [--out preds.jsonl] [--relations pair|none]
        Fit the string-match baseline on the config's training split, predict another
        split, write the predictions (default RUN_DIR/predictions/baseline_<split>.jsonl)
        and print its scores, with both relation rules side by side.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import load_config
from ..data.documents import iter_jsonl, load_documents, write_jsonl
from ..data.schema import PROJECT_DIR, load_schema
from ..evaluate.baseline import RELATION_RULES, StringMatchBaseline, compare_relation_rules
from ..evaluate.bootstrap import DRAWS, SEED
from ..evaluate.errors import find_errors
from ..evaluate.outputs import comparison_entry, write_json, write_outputs
from ..evaluate.report import format_comparison, format_table
from ..evaluate.scoring import score_documents, score_predictor
from ..splits import split_documents

SPLITS = ("train", "validation", "test")


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m train evaluate`."""
    parser.add_argument("run_dir", nargs="?", type=Path, default=None,
                        help="a run directory: predict --split with its model and score it (instead of --gold/--pred)")
    parser.add_argument("--gold", type=Path, default=PROJECT_DIR / "annotations",
                        help="gold annotations: a folder, an annotation .json, or a .jsonl with text (default: annotations/)")
    parser.add_argument("--pred", type=Path, action="append", default=None,
                        help="the prediction file to score (.jsonl, one document per line); give it twice to compare "
                             "two files (A - B with a paired bootstrap interval)")
    parser.add_argument("--compare", type=Path, default=None, metavar="B.jsonl",
                        help="a second prediction file: report --pred minus this one on the same documents")
    parser.add_argument("--draws", type=int, default=DRAWS, help=f"bootstrap draws (default: {DRAWS}; 0: no intervals)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"bootstrap seed (default: {SEED})")
    parser.add_argument("--out", type=Path, default=None, help="where metrics.json and the reports go "
                        "(default: the prediction file's folder, or the run directory)")
    parser.add_argument("--all-gold", action="store_true",
                        help="score every gold document; those missing from the predictions count as misses")
    parser.add_argument("--schema", type=Path, default=None, help="schema file (default: annotations/schema.yaml)")
    parser.add_argument("--split", choices=SPLITS, default="test", help="split to predict with RUN_DIR (default: test)")
    parser.add_argument("--device", default=None, help="device for the run's model (default: cuda if available)")
    parser.add_argument("--batch-size", type=int, default=None, help="windows per batch for the run's model")
    parser.add_argument("--relations", choices=RELATION_RULES, default="pair", help="the baseline's relation rule")


def run_evaluate(args: argparse.Namespace) -> int:
    """Score a prediction file (or two, compared), or a run directory on a split; 0 on success."""
    if args.draws < 0:
        raise ValueError(f"--draws must be 0 or more, got {args.draws}")
    preds = list(args.pred or []) + ([args.compare] if args.compare else [])
    if args.run_dir is not None:
        if preds:
            raise ValueError("give either a run directory or --pred, not both")
        return evaluate_run(args.run_dir, args.split, args.out, args.device, args.batch_size, args.relations,
                            args.draws, args.seed)
    if not args.pred:
        raise ValueError("give --pred (and --gold unless it is annotations/), or a run directory; see --help")
    if len(preds) > 2:
        raise ValueError(f"compare two prediction files at a time, got {len(preds)}")
    return evaluate_files(args.gold, preds[0], args.out, args.all_gold, args.schema,
                          preds[1] if len(preds) == 2 else None, args.draws, args.seed)


def evaluate_files(gold_path: Path, pred_path: Path, out: Path | None, all_gold: bool, schema_path: Path | None,
                   compare_path: Path | None = None, draws: int = DRAWS, seed: int = SEED) -> int:
    """Score a prediction file against gold documents and write metrics and reports; with
    `compare_path`, score both on the same documents and report the paired difference."""
    schema = load_schema(schema_path) if schema_path else load_schema()
    gold = load_documents(gold_path)
    if not gold:
        raise ValueError(f"{gold_path}: no gold documents found")
    paths = [pred_path] + ([compare_path] if compare_path else [])
    if compare_path is not None and compare_path.resolve() == pred_path.resolve():
        raise ValueError(f"{pred_path}: comparing a prediction file with itself")
    predicted = [load_documents(path) for path in paths]
    if not all_gold:
        named = set().union(*({d.id for d in docs} | failed_ids(path) for docs, path in zip(predicted, paths)))
        gold = [d for d in gold if d.id in named]
    scored = [score_documents(gold, docs, schema, draws=draws, seed=seed) for docs in predicted]
    metrics, other = scored[0], scored[1] if compare_path else None
    out = out or pred_path.parent
    labels = (pred_path.name, compare_path.name) if compare_path else ("model", "baseline")
    title = f"{pred_path.name} against {gold_path}" + (f", compared with {compare_path.name}" if compare_path else "")
    if other is not None:
        metrics["comparison"] = comparison_entry(metrics, other, f"{pred_path.name} - {compare_path.name}")
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / "metrics_compare.json", other)
    write_outputs(out, "", metrics, find_errors(gold, predicted[0], schema), schema, title, other, labels)
    print(format_table(metrics))
    if other is not None:
        print(f"\n{labels[0]} vs {labels[1]} on the same {len(gold)} documents\n"
              + format_comparison(metrics, other, labels=labels))
    print(f"wrote metrics.json, report.md and report.html to {out}")
    return 0


def failed_ids(pred_path: Path) -> set[str]:
    """Ids of `{"id", "error"}` records, which the loader skips: their documents count as misses."""
    if pred_path.suffix != ".jsonl":
        return set()
    return {r["id"] for _, r in iter_jsonl(pred_path)
            if isinstance(r, dict) and "error" in r and "entities" not in r and isinstance(r.get("id"), str)}


def evaluate_run(run_dir: Path, split: str, out: Path | None, device: str | None, batch_size: int | None,
                 relation_rule: str, draws: int = DRAWS, seed: int = SEED) -> int:
    """Predict a split with a run's model, score it and the baseline, write everything into the run."""
    config_path = run_dir / "config.yaml"
    if not config_path.is_file():
        raise ValueError(f"{run_dir}: not a run directory (no config.yaml)")
    config = load_config(config_path)
    schema, gold, train = split_documents(config, split)
    from ..predict.predictor import Predictor  # torch and the model code only on this path

    predictor = Predictor.from_run(run_dir, device=device, batch_size=batch_size)
    metrics, predicted = score_predictor(predictor, gold, schema, draws, seed)
    base_metrics, base = score_predictor(StringMatchBaseline.fit(train, schema, relation_rule), gold, schema, draws, seed)
    earlier = run_dir / "metrics.json"
    calibration = (json.loads(earlier.read_text(encoding="utf-8")) if earlier.is_file() else {}).get("calibration")
    if calibration:  # measured by `fit` on the validation split: a property of the model, kept
        metrics["calibration"] = calibration
    metrics["comparison"] = comparison_entry(metrics, base_metrics, "model - string-match baseline")
    out = out or run_dir
    (out / "predictions").mkdir(parents=True, exist_ok=True)
    write_jsonl(predicted, out / "predictions" / f"{split}.jsonl")
    write_jsonl(base, out / "predictions" / f"baseline_{split}.jsonl")
    write_json(out / f"metrics_baseline_{split}.json", base_metrics)
    suffix = "" if split == "test" else f"_{split}"
    title = f"{run_dir.name}: {split} split ({', '.join(d.id for d in gold)})"
    write_outputs(out, suffix, metrics, find_errors(gold, predicted, schema), schema, title, base_metrics,
                  log_path=run_dir / "train_log.jsonl")
    print(format_table(metrics))
    print("\nmodel vs string-match baseline\n" + format_comparison(metrics, base_metrics))
    print(f"wrote predictions, metrics{suffix}.json and report{suffix}.md/.html to {out}")
    return 0


def add_baseline_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `python -m train baseline` (config overrides are added by the CLI)."""
    parser.add_argument("config", type=Path, help="a recipe from configs/ (its data.splits are used)")
    parser.add_argument("--split", choices=SPLITS, default="test", help="split to predict (default: test)")
    parser.add_argument("--out", type=Path, default=None,
                        help="prediction file (default: the config's output_dir/predictions/baseline_<split>.jsonl)")
    parser.add_argument("--relations", choices=RELATION_RULES, default="pair",
                        help="relation rule: most frequent type per entity-type pair in a sentence, or none")


def run_baseline(args: argparse.Namespace) -> int:
    """Fit the baseline on the train split, predict `--split`, write and score the predictions."""
    config = load_config(args.config, args.overrides)
    schema, gold, train = split_documents(config, args.split)
    predicted = StringMatchBaseline.fit(train, schema, args.relations).predict_documents(gold)
    out = args.out or config.resolve(config.train.output_dir) / "predictions" / f"baseline_{args.split}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(predicted, out)
    print(format_table(score_documents(gold, predicted, schema)))
    if args.split == "train":
        print("note: the baseline was fitted on this split, so these numbers are not held-out scores")
    rules = compare_relation_rules(train, gold, schema)
    print("end-to-end relation micro P/R/F1 by relation rule: " + "; ".join(
        f"{rule} {m['precision']:.3f}/{m['recall']:.3f}/{m['f1']:.3f}" for rule, m in rules.items()))
    print(f"wrote {len(predicted)} documents to {out}")
    return 0
