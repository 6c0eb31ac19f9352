"""`python -m train check CONFIG`: train, score the held-out test split, enforce floors.

CI runs this on the tiny config. The floors live in `configs/floors.yaml`, keyed by the
config's `name`; each is a dotted path into metrics.json and the minimum it must reach.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from ..config import load_config, schema_type_names
from ..data.schema import PROJECT_DIR
from ..evaluate.scoring import metric_at
from ..metric_paths import check_metric_path

DEFAULT_FLOORS = PROJECT_DIR / "configs" / "floors.yaml"


def load_floors(path: Path, name: str, type_names: list[str] | None = None) -> dict[str, float]:
    """The floors of config `name`; ValueError lists every unknown path or non-number at once."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    floors = raw.get(name)
    if not isinstance(floors, dict) or not floors:
        raise ValueError(f"{path}: no floors for config name {name!r} (have: {', '.join(raw) or 'none'})")
    bad = [f"{k}: must be a number" for k, v in floors.items() if not isinstance(v, (int, float)) or isinstance(v, bool)]
    bad += [f"{k}: {why}" for k in floors if (why := check_metric_path(k, type_names))]
    if bad:
        raise ValueError(f"{path}: {name}:\n  " + "\n  ".join(bad))
    return {k: float(v) for k, v in floors.items()}


def compare(metrics: dict, floors: dict[str, float]) -> list[str]:
    """One line per floor; failures start with FAIL."""
    lines = []
    for path, floor in floors.items():
        try:
            value = metric_at(metrics, path)
        except KeyError as missing:  # a block this run does not produce (ner.model_alone without a ruler)
            lines.append(f"FAIL {path}: not in the metrics ({missing.args[0]}; floor {floor:.3f})")
            continue
        lines.append(f"{'ok  ' if value >= floor else 'FAIL'} {path} = {value:.3f} (floor {floor:.3f})")
    return lines


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="the recipe to train and check (CI: configs/tiny.yaml)")
    parser.add_argument("--floors", type=Path, default=DEFAULT_FLOORS, help="floors file (default: configs/floors.yaml)")
    parser.add_argument("--metrics", type=Path, default=None, help="check this metrics.json instead of training")


def run_check(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    floors = load_floors(args.floors, config.name, schema_type_names(config))
    if args.metrics:
        metrics = json.loads(args.metrics.read_text(encoding="utf-8"))
    else:
        from .loop import fit

        if not any(o.startswith("--train.output_dir=") for o in args.overrides):
            # its own run directory: checking never replaces a run the user trained
            config.train.output_dir = f"{config.train.output_dir.rstrip('/')}-check"
        metrics = fit(config, overwrite=True)
    from ..evaluate.report import format_table

    print(format_table(metrics))
    lines = compare(metrics, floors)
    print("\n".join(lines))
    failed = [line for line in lines if line.startswith("FAIL")]
    print(f"{len(failed)} of {len(lines)} floors failed" if failed else f"all {len(lines)} floors met")
    return 1 if failed else 0
