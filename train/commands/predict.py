"""`python -m train predict RUN_DIR INPUT... [-o OUT.jsonl]`: batch inference.

One JSON line per input document, in input order: the annotation file shape with raw-text
offsets and scores, or an error record `{"id" or "line", "error"}`. Under
`accelerate launch --num_processes N` every process predicts every N-th document and the
main process merges the shards into the same file, in the same order, as one process writes.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from ..files import check_output_file, exclusive
from ..predict.inputs import count_inputs, iter_inputs
from ..predict.output import RecordWriter, merge_shards, partial_path, records_to_keep, shard_path, stale_shards
from ..predict.quantize import QUANTIZATIONS
from ..predict.stream import Tally, count_shard_records, predict_stream
from ..progress import progress


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """How a run's model predicts: device, batch, precision, quantization, entity ruler, chunk, progress
    (`predict` and `corpus` share these)."""
    parser.add_argument("--device", default=None,
                        help="cpu, cuda, cuda:1, ... (default: the accelerate process's device, cuda when available)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="most windows (sentences) per encoder batch (default: 32, or no limit but "
                             "--max-batch-subwords when that is given)")
    parser.add_argument("--max-batch-subwords", type=int, default=None,
                        help="most padded subwords per encoder batch, however long its sentences (without "
                             "--batch-size, any number of windows): for a GPU, which a batch of 32 sentences "
                             "(about 1,600 subwords) leaves mostly idle; e.g. 32768 (bench/inference.py "
                             "--batch-subwords measures it)")
    parser.add_argument("--precision", choices=["no", "fp16", "bf16"], default=None,
                        help="default: the run's train.mixed_precision")
    parser.add_argument("--quantize", choices=QUANTIZATIONS, default=None,
                        help="CPU only: the encoder's linear layers as int8 products, one scale per subword, "
                             "loud channels in fp32 from the activation ranges fit saved in the model folder "
                             "(faster; bench/int8.py measures its speed-up and agreement with fp32)")
    parser.add_argument("--compile", action="store_true",
                        help="compile the encoder with torch.compile: about a minute once, then faster "
                             "(bench/inference.py --compile measures it); for large inputs")
    parser.add_argument("--no-entity-ruler", action="store_true",
                        help="the model's entities alone: do not merge in the training names the run saved "
                             "(model/gazetteer.json, written when the recipe sets model.entity_ruler)")
    parser.add_argument("--chunk", type=int, default=64, help="documents decoded together (memory stays bounded by this)")
    parser.add_argument("--workers", type=int, default=0,
                        help="worker processes for the work around the model (tokenization, decoding, relation "
                             "pairs), each on a chunk at a time, while this process runs the model: for a GPU, "
                             "which one CPU core cannot keep busy (about the machine's cores minus one; 0: none)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--progress-every", type=int, default=100,
                        help="when stderr is not a terminal (a log): one progress line per this many documents")


def check_model_arguments(args: argparse.Namespace) -> None:
    """Raises ValueError for a model argument out of range (`add_model_arguments`), all of them in one message."""
    problems = [f"--{name.replace('_', '-')} must be positive, got {getattr(args, name)}"
                for name in ("batch_size", "max_batch_subwords", "chunk", "progress_every")
                if getattr(args, name) is not None and getattr(args, name) < 1]
    if args.workers < 0:
        problems.append(f"--workers must be 0 or more, got {args.workers}")
    if problems:
        raise ValueError("; ".join(problems))


def add_predict_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="a run directory (or its model/ folder)")
    parser.add_argument("inputs", nargs="+", help=".txt files, folders of .txt, .jsonl files with {id, text}, or - for stdin")
    parser.add_argument("-o", "--out", type=Path, default=None, help="output JSON lines file (default: stdout)")
    parser.add_argument("--resume", action="store_true", help="keep the documents already in OUT (or OUT.partial) and predict the rest")
    add_model_arguments(parser)
    parser.add_argument("--entities-only", action="store_true",
                        help="find entities only: the relation head is not run and records hold no relations (faster)")
    parser.add_argument("--min-score", action="append", default=[], metavar="[TYPE=]X",
                        help="drop predictions scored below X: for every type, or (repeatable) for one entity or "
                             "relation type, e.g. --min-score FACTION=0.7 --min-score LOCATION=0.5; an entity dropped "
                             "takes its relations (the run's report.md names per-type operating points)")


def run_predict(args: argparse.Namespace) -> int:
    from accelerate import PartialState

    from ..predict.min_score import parse_min_score
    from ..predict.predictor import predictor_from_arguments

    state = PartialState()
    rank, world = state.process_index, state.num_processes
    if world > 1 and (args.out is None or "-" in args.inputs):
        raise ValueError("with several processes, give -o OUT.jsonl and file or folder inputs (not stdin)")
    check_model_arguments(args)
    if args.out is not None:
        for path in (args.out, partial_path(args.out)):
            check_output_file(path)
    with exclusive(args.out, "python -m train predict") if args.out and state.is_main_process else nullcontext():
        kept = {r["id"]: r for r in records_to_keep(args.out)} if (args.resume and args.out) else {}
        state.wait_for_everyone()  # every process has read the old shards before any is rewritten
        predictor = predictor_from_arguments(args, args.device or str(state.device), relations=not args.entities_only)
        predictor.min_score = parse_min_score(args.min_score, predictor.schema) if args.min_score else None
        if world > 1:
            writer = RecordWriter.to_file(shard_path(args.out, rank))
        else:
            writer = RecordWriter.to_file(partial_path(args.out)) if args.out else RecordWriter(sys.stdout, close=False)
        total = count_inputs(args.inputs)
        bar = progress(None if total is None else -(-total // world), "predict", "doc", every=args.progress_every,
                       disable=args.no_progress or not state.is_main_process)
        tally = predict_stream(iter_inputs(args.inputs), predictor, writer, rank, world, kept, bar)
        bar.close()
        writer.close()
        return _finish(args, state, len(kept), tally)


def _finish(args, state, kept: int, tally: Tally) -> int:
    """Merge shards, move the output into place, print the summary, return the exit status."""
    world = state.num_processes
    if world > 1:
        state.wait_for_everyone()
        predicted, errors = count_shard_records(args.out, world) if state.is_main_process else (0, 0)
        predicted -= kept  # the shards hold the kept records too
        if state.is_main_process:
            merged = RecordWriter.to_file(partial_path(args.out))
            merge_shards(args.out, world, merged)
            merged.close()
        state.wait_for_everyone()
    else:
        predicted, errors = tally.predicted, len(tally.errors)
    if not state.is_main_process:
        return 0
    if args.out:
        os.replace(partial_path(args.out), args.out)
        for path in stale_shards(args.out):  # an interrupted run's shards: their records are in OUT now
            path.unlink()
    where = f" -> {args.out}" if args.out else ""
    kept_note = f", {kept} kept from the previous output" if kept else ""
    print(f"predicted {predicted} documents{kept_note}, {errors} errors{where}", file=sys.stderr)
    return 1 if errors else 0
