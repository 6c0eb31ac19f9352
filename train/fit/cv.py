"""`python -m train cv CONFIG`: leave-one-document-out cross-validation.

With five articles one held-out document is a noisy judge. Fold k holds out document k as
test, takes the next document (in id order) as validation for model selection, and trains
on the rest; the string-match baseline is scored on the same test document. Each fold's
run directory is kept under `<train.output_dir>-cv/`, and `cv.json` holds every fold's
headline metrics with their mean and standard deviation.

Model against baseline: each fold gives a paired difference (model - baseline on the same
held-out documents); `cv.json` and the screen give them with their mean and a 95% paired
t-interval over folds (mean ± t(0.975, k-1) · sd / √k). A t-interval rather than a
bootstrap over folds: with 3 to 10 folds a bootstrap has very few distinct resamples and
its percentile interval is too narrow (it ignores the k-1 degrees of freedom). The folds
share most of their training documents, so they are not independent and the interval is,
if anything, too narrow (Nadeau and Bengio, 2003): an interval that contains 0 means the
difference is not distinguishable from noise on these documents; one that does not is
weak evidence, not proof.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from ..config import load_config
from ..data.schema import load_schema
from ..evaluate.scoring import METRIC_BLOCKS, metric_at
from ..metric_paths import counterpart
from ..splits import load_split_documents

_BLOCKS = {block.path: block for block in METRIC_BLOCKS}
_SHOWN = ("ner.span", "ner.seqeval", "ner.lenient", "ner.model_alone", "relations.gold_entities", "relations.end_to_end")
HEADLINE = {_BLOCKS[path].column: f"{path}.micro.f1" for path in _SHOWN}
"""Column title -> metrics.json path (all micro F1)."""


def fold_headline(metrics: dict) -> dict[str, float]:
    """One fold's headline figures; a system without an entity ruler (the baseline, or a recipe
    without one) has no `ner.model_alone` block, and its strict span F1 stands there."""
    row = {}
    for name, path in HEADLINE.items():
        section, key = path.split(".")[:2]
        block = f"{section}.{key}" if key in metrics.get(section, {}) else counterpart(f"{section}.{key}")
        row[name] = metric_at(metrics, f"{block}.micro.f1")
    return row


def fold_splits(doc_ids: list[str], folds: int | None) -> list[dict[str, list[str]]]:
    """Test = one document (or one of k groups), validation = the next one, train = the rest."""
    ids = sorted(doc_ids)
    groups = [ids[i::folds] for i in range(folds)] if folds else [[i] for i in ids]
    splits = []
    for k, test in enumerate(groups):
        validation = groups[(k + 1) % len(groups)] if len(groups) > 2 else []
        held = set(test) | set(validation)
        splits.append({"train": [i for i in ids if i not in held], "validation": validation, "test": test})
    return splits


def paired_differences(rows: list[dict[str, float]], base_rows: list[dict[str, float]],
                       confidence: float = 0.95) -> dict:
    """Per fold model - baseline for each headline metric, their mean and a paired t-interval over folds."""
    from scipy.stats import t as student_t

    per_fold = [{name: row[name] - base[name] for name in row} for row, base in zip(rows, base_rows)]
    k = len(per_fold)
    mean, interval, noise = {}, {}, []
    for name in (per_fold[0] if per_fold else {}):
        values = [fold[name] for fold in per_fold]
        mean[name] = statistics.fmean(values)
        if k < 2:
            interval[name] = None
            continue
        half = float(student_t.ppf(0.5 + confidence / 2, k - 1)) * statistics.stdev(values) / k ** 0.5
        interval[name] = [mean[name] - half, mean[name] + half]
        if interval[name][0] <= 0.0 <= interval[name][1]:
            noise.append(name)
    return {"method": f"paired t-interval over {k} folds ({confidence:.0%}, {k - 1} degrees of freedom)",
            "per_fold": per_fold, "mean": mean, "interval": interval, "not_distinguishable_from_noise": noise}


def format_differences(differences: dict) -> list[str]:
    """The screen lines of `paired_differences`: per fold, the mean, the interval and what is noise."""
    lines = [format_row(f"fold {k} model - baseline", row, True) for k, row in enumerate(differences["per_fold"])]
    lines.append(format_row("mean model - baseline", differences["mean"], True))
    if all(v is not None for v in differences["interval"].values()):
        lines.append("95% CI (paired t): " + "; ".join(f"{name} [{lo:+.2f}, {hi:+.2f}]"
                                                     for name, (lo, hi) in differences["interval"].items()))
    if differences["not_distinguishable_from_noise"]:
        lines.append(f"model - baseline interval contains 0 ({', '.join(differences['not_distinguishable_from_noise'])}): "
                     "not distinguishable from noise on these documents")
    lines.append(differences["method"])
    return lines


def summarize(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    summary = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        summary[name] = {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    return summary


def run_fold(config_path: Path, overrides: list[str], split: dict, out_dir: Path, schema) -> dict:
    from ..evaluate.baseline import StringMatchBaseline
    from ..evaluate.scoring import score_predictor
    from ..splits import documents_by_split
    from .loop import fit

    fold_overrides = overrides + [
        f"--data.splits.train={json.dumps(split['train'])}", f"--data.splits.validation={json.dumps(split['validation'])}",
        f"--data.splits.test={json.dumps(split['test'])}", f"--train.output_dir={out_dir}",
        f"--data.dataset_dir={out_dir / 'dataset'}",  # the fold's own splits: the recipe's dataset stays as it is
    ]
    config = load_config(config_path, fold_overrides)
    metrics = fit(config, overwrite=True, quiet=True)
    docs = documents_by_split(config)
    baseline_metrics, _ = score_predictor(StringMatchBaseline.fit(docs["train"], schema), docs["test"], schema)
    return {"model": metrics, "baseline": baseline_metrics}


def format_row(label: str, row: dict[str, float], signed: bool = False) -> str:
    return f"{label:<24}" + "".join(f"{v:>+13.3f}" if signed else f"{v:>13.3f}" for v in row.values())


def add_cv_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="the recipe to cross-validate")
    parser.add_argument("--folds", type=int, default=None, help="k folds by document (default: leave one document out)")
    parser.add_argument("--out", type=Path, default=None, help="where fold runs and cv.json go (default: <output_dir>-cv)")
    parser.add_argument("--documents", nargs="+", default=None, metavar="ID_PREFIX",
                        help="cross-validate over the documents whose id starts with one of these (default: all); "
                             "the others are not used at all")


def run_cv(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    schema = load_schema(config.resolve(config.data.schema))
    doc_ids = [d.id for d in load_split_documents(config)[0]
               if args.documents is None or d.id.startswith(tuple(args.documents))]
    if len(doc_ids) < 3:
        raise ValueError(f"cross-validation needs at least 3 documents, --documents matches {len(doc_ids)}")
    out = args.out or Path(str(config.resolve(config.train.output_dir)) + "-cv")
    folds = fold_splits(doc_ids, args.folds)
    print(f"{len(folds)} folds over {len(doc_ids)} documents -> {out}")
    print(f"{'micro F1':<24}" + "".join(f"{name:>13}" for name in HEADLINE))
    results, rows, base_rows = [], [], []
    for k, split in enumerate(folds):
        result = run_fold(args.config, args.overrides, split, out / f"fold-{k}", schema)
        row, base = fold_headline(result["model"]), fold_headline(result["baseline"])
        rows.append(row)
        base_rows.append(base)
        results.append({"fold": k, "split": split, "model": row, "baseline": base})
        print(format_row(f"fold {k} ({split['test'][0][:3]}) model", row))
        print(format_row(f"fold {k} ({split['test'][0][:3]}) baseline", base))
    summary, base_summary = summarize(rows), summarize(base_rows)
    for label, stats in (("model", summary), ("baseline", base_summary)):
        print(f"{'mean ± std ' + label:<24}" + "".join(f"{s['mean']:>8.3f}±{s['std']:.2f}" for s in stats.values()))
    differences = paired_differences(rows, base_rows)
    for result, difference in zip(results, differences["per_fold"]):
        result["model_minus_baseline"] = difference
    print("\n".join(format_differences(differences)))
    out.mkdir(parents=True, exist_ok=True)
    report = {"config": str(args.config), "metrics": HEADLINE, "folds": results,
              "mean_std": {"model": summary, "baseline": base_summary}, "model_minus_baseline": differences}
    (out / "cv.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out / 'cv.json'}")
    return 0
