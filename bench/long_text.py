"""Cost of `predict` against document length, with and without sentence punctuation.

    python bench/long_text.py runs/e5-small [--sizes 10000 100000 1000000]

Builds documents by repeating a seed article, once as written and once with every
sentence end (. ! ? ؟ and line breaks) replaced by a space (OCR and social-media text),
predicts each once, and prints seconds per 1,000 characters. Flat columns mean linear
cost; the last line gives, per size, unpunctuated time / punctuated time.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from train.predict.predictor import Predictor  # noqa: E402

SENTENCE_ENDS = re.compile(r"[.!?؟\r\n]")


def timed(predictor: Predictor, text: str) -> float:
    start = time.perf_counter()
    predictor.predict([text])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--article", type=Path, default=ROOT / "seeds" / "000_b3e4056057f56dd2.txt")
    args = parser.parse_args()
    predictor = Predictor.from_run(args.run_dir, device="cpu")
    article = args.article.read_text(encoding="utf-8")
    flat = SENTENCE_ENDS.sub(" ", article)
    timed(predictor, article[:2000])  # warm-up
    print(f"{'characters':>12}{'s/1k chars, punctuated':>26}{'s/1k chars, unpunctuated':>28}{'ratio':>8}")
    for size in args.sizes:
        punctuated = timed(predictor, (article * (size // len(article) + 1))[:size])
        unpunctuated = timed(predictor, (flat * (size // len(flat) + 1))[:size])
        print(f"{size:>12}{1000 * punctuated / size:>26.4f}{1000 * unpunctuated / size:>28.4f}"
              f"{unpunctuated / punctuated:>8.2f}")


if __name__ == "__main__":
    main()
