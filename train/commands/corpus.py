"""`python -m train corpus RUN_DIR INPUT... --out FOLDER [--predictions FILE.jsonl]`: see
`train.corpus.pipeline` for what it does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..corpus.pipeline import OUTPUTS, PREDICTIONS, ensure_predictions, link_corpus
from ..corpus.provenance import run_provenance
from ..files import check_output_file, exclusive
from .predict import add_model_arguments, check_model_arguments


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="a run directory (or its model/ folder): the model that predicts")
    parser.add_argument("inputs", nargs="+", help=".txt files, folders of .txt, .jsonl files with {id, text, date, source}")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    parser.add_argument("--predictions", type=Path, default=None,
                        help="JSON lines predicted earlier by RUN_DIR (skips predicting)")
    add_model_arguments(parser)


def run_corpus(args: argparse.Namespace) -> int:
    check_model_arguments(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS + (PREDICTIONS,):
        check_output_file(out / name)
        check_output_file(out / (name + ".partial"))
    provenance = run_provenance(args.run_dir)
    with exclusive(out / "corpus", "python -m train corpus"):
        predictions = args.predictions or ensure_predictions(args, out / PREDICTIONS, provenance)
        errors = link_corpus(args, Path(predictions), out, provenance)
    print(f"wrote {', '.join(str(out / n) for n in OUTPUTS)}; {errors} errors", file=sys.stderr)
    return 1 if errors else 0
