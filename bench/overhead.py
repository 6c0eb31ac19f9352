"""The work around the encoder in `predict`, alone: seconds per document and where they go.

    python bench/overhead.py RUN_DIR [--docs 60] [--top 15] [--entities-only]

On a GPU the encoder is fast and `predict` is bound by what runs around it in Python
(tokenization, windows, the heads, decoding, relation pairs: bench/inference.py measured
77% of the wall time outside the encoder on an H200). That work is the same on the CPU, so
it can be measured and improved here: the encoder's output is computed once per batch shape
and then replayed from a cache, so a timed pass holds everything but the encoder. Prints the
seconds per document of that pass (best of three) and cProfile's top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def replay_encoder(encoder) -> None:
    """Make `encoder` return its first output for each input shape (the inputs repeat exactly)."""
    cache, real = {}, encoder.forward

    def forward(input_ids=None, attention_mask=None, **kwargs):
        key = (tuple(input_ids.shape), int(input_ids.sum()))
        if key not in cache:
            cache[key] = real(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
        return cache[key]

    encoder.forward = forward


def main() -> None:
    from inference import make_documents

    from train.predict.predictor import Predictor

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--docs", type=int, default=60)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--entities-only", action="store_true")
    parser.add_argument("--workers", type=int, default=0,
                        help="worker processes around the model (predict --workers); 0: predict's own process")
    parser.add_argument("--chunk", type=int, default=64, help="documents per chunk (predict --chunk)")
    parser.add_argument("--no-profile", action="store_true", help="timings only")
    args = parser.parse_args()
    docs = make_documents(args.docs)
    predictor = Predictor.from_run(args.run_dir, device="cpu", relations=not args.entities_only)
    predictor.docs_per_chunk = args.chunk
    replay_encoder(predictor.model.encoder)
    predictor.predict(docs)  # fills the cache
    predictor.workers = args.workers
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        predictor.predict(docs)
        timings.append(time.perf_counter() - start)
    if not args.no_profile:  # of this process: with workers, the model's calls and the pipes
        profile = cProfile.Profile()
        profile.enable()
        predictor.predict(docs)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    per_doc = min(timings) / args.docs
    print(f"outside the encoder: {per_doc * 1000:.1f} ms per document ({args.docs} documents, best of 3, "
          f"{args.workers} workers, chunks of {args.chunk})")
    print(json.dumps({"docs": args.docs, "workers": args.workers, "seconds_per_document": per_doc}))


if __name__ == "__main__":
    main()
