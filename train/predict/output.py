"""Crash-safe JSON lines output for batch prediction, with `--resume`.

Records go to `<out>.partial` as they are produced (one flushed line each); only when
every document is done is the file renamed to `<out>`. An interrupted run therefore never
leaves a half-written `<out>`, and `--resume` keeps every complete record of `<out>` or
`<out>.partial` and predicts only the documents they lack.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


def partial_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def shard_path(out: Path, rank: int) -> Path:
    return out.with_name(f"{out.name}.shard{rank}")


def read_complete_records(path: Path) -> list[dict]:
    """Successful records of a previous output; a torn last line and error records are dropped."""
    if not path.exists():
        return []
    records = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break  # the run stopped while writing this line
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                break
            if isinstance(record, dict) and "error" not in record and "id" in record:
                records.append(record)
    return records


def records_to_keep(out: Path) -> list[dict]:
    """For --resume: the finished output's records, then those of an interrupted run."""
    kept, seen = [], set()
    for record in read_complete_records(out) + read_complete_records(partial_path(out)):
        if record["id"] not in seen:
            seen.add(record["id"])
            kept.append(record)
    return kept


class RecordWriter:
    """Appends JSON lines to a file (flushed per record) or to a stream."""

    def __init__(self, handle, close: bool):
        self.handle = handle
        self.close_handle = close

    @classmethod
    def to_file(cls, path: Path) -> "RecordWriter":
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(open(path, "w", encoding="utf-8"), close=True)

    def write(self, record: dict) -> None:
        self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.handle.flush()

    def close(self) -> None:
        if self.close_handle:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()


def merge_shards(out: Path, ranks: int, destination: RecordWriter) -> None:
    """Write the shards' records in input order (each carries its input index) and delete them."""
    records = []
    for rank in range(ranks):
        path = shard_path(out, rank)
        with open(path, encoding="utf-8") as handle:
            records += [json.loads(line) for line in handle if line.strip()]
    for record in sorted(records, key=lambda r: r["_index"]):
        record.pop("_index")
        destination.write(record)
    for rank in range(ranks):
        shard_path(out, rank).unlink()
