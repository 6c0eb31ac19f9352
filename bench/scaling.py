"""Data-parallel `predict`: documents per second with 1, 2, 4... processes on one machine.

    python bench/scaling.py RUN_DIR [--docs 400] [--processes 1 2 4 8]          # CPU processes
    python bench/scaling.py RUN_DIR --device cuda:0 --precision bf16 --processes 1 2 4 --max-batch-subwords 32768

Each count runs the real command, `accelerate launch --cpu --num_processes N -m train
predict RUN_DIR docs.jsonl -o OUT --device DEVICE`, on the same documents (assembled from
the seeds' lines as in bench/inference.py). On the CPU the machine's cores are split
evenly between the processes (OMP_NUM_THREADS). With `--device cuda:0` all processes
share that one GPU: the work around the encoder (tokenization, decoding, relation
pairing) runs in N processes while their encoder calls interleave on the chip (`--cpu`
only tells accelerate to join the processes without NCCL). Reported per count: wall-clock
documents per second of the whole command, the same after subtracting the start-up
(the same command on N documents: imports and model loading), and whether the output
equals the one-process output.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def launch(run_dir: Path, inputs: Path, out: Path, processes: int, device: str, precision: str | None,
           threads: int, extra: list[str]) -> float:
    """Seconds the predict command took with `processes` processes; RuntimeError if it failed."""
    command = [sys.executable, "-m", "accelerate.commands.launch", "--cpu", "--num_processes", str(processes),
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "-m", "train", "predict", str(run_dir), str(inputs), "-o", str(out), "--device", device,
               "--no-progress"] + (["--precision", precision] if precision else []) + extra
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{processes} processes failed:\n{result.stderr[-3000:]}")
    return seconds


def write_documents(path: Path, texts: list[str]) -> None:
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n"
                            for i, t in enumerate(texts)), encoding="utf-8")


def without_provenance(path: Path) -> list[dict]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [{k: v for k, v in r.items() if k != "provenance"} for r in records]


def speed_after_startup(row: dict) -> str:
    speed = row["docs_per_second_after_startup"]
    return "n/a" if speed is None else f"{speed:.1f}"


def speed_up(row: dict, first: dict) -> str:
    speed, base = row["docs_per_second_after_startup"], first["docs_per_second_after_startup"]
    return "n/a" if speed is None or base is None else f"{speed / base:.2f}x"


def main() -> None:
    from inference import make_documents

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--device", default="cpu", help="cpu, or one GPU that all processes share (cuda:0)")
    parser.add_argument("--precision", choices=["no", "bf16"], default=None)
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="CPU threads split between the processes")
    parser.add_argument("--max-batch-subwords", type=int, default=None, help="predict --max-batch-subwords")
    args = parser.parse_args()
    extra = ["--max-batch-subwords", str(args.max_batch_subwords)] if args.max_batch_subwords else []
    texts = make_documents(args.docs)
    rows, reference = [], None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_documents(tmp / "docs.jsonl", texts)
        for n in args.processes:
            threads = max(1, args.cores // n)
            write_documents(tmp / "startup.jsonl", texts[:n])
            startup = launch(args.run_dir, tmp / "startup.jsonl", tmp / f"startup{n}.jsonl", n, args.device,
                             args.precision, threads, extra)
            wall = launch(args.run_dir, tmp / "docs.jsonl", tmp / f"out{n}.jsonl", n, args.device, args.precision,
                          threads, extra)
            output = without_provenance(tmp / f"out{n}.jsonl")
            reference = reference or output
            row = {"processes": n, "threads_each": threads, "seconds": wall, "startup_seconds": startup,
                   "docs_per_second": args.docs / wall,
                   # None when the start-up took as long as the whole run (too few documents to tell)
                   "docs_per_second_after_startup": args.docs / (wall - startup) if wall > startup else None,
                   "same_as_one_process": output == reference}
            rows.append(row)
            print(json.dumps(row), flush=True)  # each count as it finishes: a cut-off run keeps them
    print(f"{args.docs} documents, {args.device}, {args.cores} cores")
    print(f"{'processes':>10}{'threads':>9}{'docs/s':>9}{'after start-up':>16}{'speed-up':>10}{'same output':>13}")
    for r in rows:
        print(f"{r['processes']:>10}{r['threads_each']:>9}{r['docs_per_second']:>9.1f}"
              f"{speed_after_startup(r):>16}{speed_up(r, rows[0]):>10}"
              f"{'yes' if r['same_as_one_process'] else 'NO':>13}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
