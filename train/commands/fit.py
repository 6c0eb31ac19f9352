"""`python -m train fit CONFIG [--resume | --overwrite] [--section.field=value ...]`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import load_config


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="a recipe from configs/ (e.g. configs/tiny.yaml)")
    parser.add_argument("--resume", action="store_true", help="continue the run in train.output_dir from its last checkpoint")
    parser.add_argument("--overwrite", action="store_true", help="start again even if train.output_dir holds a run")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")


def run_fit(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)  # every config problem before torch is imported
    from ..fit.loop import fit

    fit(config, resume=args.resume, overwrite=args.overwrite, quiet=args.quiet)
    return 0
