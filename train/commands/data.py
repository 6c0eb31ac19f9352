"""`python -m train validate`, `dataset` and `stats`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import load_config
from ..data.schema import PROJECT_DIR, load_schema
from ..data.stats import format_statistics, split_statistics
from ..data.validate import validate_paths
from ..splits import build_from_config, split_gold


def _display_path(path: Path) -> Path:
    """`path` relative to the working directory when it is below it (shorter messages)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, default=[_display_path(PROJECT_DIR / "annotations")],
                        help="annotation files or folders (default: annotations/)")
    parser.add_argument("--schema", type=Path, default=None, help="schema file (default: annotations/schema.yaml)")
    parser.add_argument("--guidelines", type=Path, default=PROJECT_DIR / "annotations" / "GUIDELINES.md",
                        help="guideline whose 'Explained lint warnings' table accepts listed warnings")
    parser.add_argument("--all-warnings", action="store_true", help="also print warnings explained in the guideline")


def run_validate(args: argparse.Namespace) -> int:
    schema = load_schema(args.schema) if args.schema else load_schema()
    report = validate_paths(args.paths, schema, guidelines=args.guidelines)
    for problem in report.problems + (report.explained if args.all_warnings else []):
        print(problem, file=sys.stderr if problem.level == "error" else sys.stdout)
    entities = sum(len(d.entities) for d in report.documents)
    relations = sum(len(d.relations) for d in report.documents)
    print(f"{len(report.documents)} documents, {entities} entities, {relations} relations: "
          f"{len(report.errors)} errors, {len(report.warnings)} warnings"
          f" ({len(report.explained)} more explained in {args.guidelines.name})")
    return 1 if report.errors else 0


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="a recipe from configs/")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the config's data.dataset_dir)")


def run_dataset(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    from ..fit.data import write_dataset

    out = args.out or config.resolve(config.data.dataset_dir)
    _, stats = write_dataset(config, out, *split_gold(config))
    print(format_statistics(stats))
    print(f"saved DatasetDict to {out}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    dataset, counts, schema = build_from_config(config)
    stats = split_statistics(dataset, counts, schema)
    print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else format_statistics(stats))
    return 0


def add_stats_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="a recipe from configs/")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
