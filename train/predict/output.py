"""Crash-safe JSON lines output for batch prediction, with `--resume`.

Records go to `<out>.partial` as they are produced (one flushed line each); only when
every document is done is the file renamed to `<out>`. An interrupted run therefore never
leaves a half-written `<out>`, and `--resume` keeps every complete record of `<out>` or
`<out>.partial` and of the shards `<out>.shard<rank>` that an interrupted run of several
processes left, writes each at its input position and predicts only the documents they
lack (error records are made again).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

_LINE_BREAKING = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(record: dict) -> str:
    """`record` as one JSON line, non-ASCII kept, with U+0085, U+2028 and U+2029 escaped:
    they are legal in JSON strings but many line readers split on them."""
    line = json.dumps(record, ensure_ascii=False)
    if any(c in line for c in _LINE_BREAKING):
        line = "".join(_LINE_BREAKING.get(c, c) for c in line)
    return line + "\n"


def partial_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


SHARD = ".shard"
"""`<out>.shard<rank>`: one process's records while several predict into `<out>`."""


def shard_path(out: Path, rank: int) -> Path:
    return out.with_name(f"{out.name}{SHARD}{rank}")


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


def stale_shards(out: Path) -> list[Path]:
    """Shard files of an earlier run into `out` (any number of processes)."""
    prefix = out.name + SHARD
    return sorted(p for p in out.parent.glob(f"{prefix}*") if p.name[len(prefix):].isdigit())


def records_to_keep(out: Path) -> list[dict]:
    """For --resume: the finished output's records, then those of an interrupted run (its
    partial file, then its shards, whose input positions are dropped: the new run places
    every record by its id's position in the inputs)."""
    kept, seen = [], set()
    previous = [read_complete_records(out), read_complete_records(partial_path(out))]
    previous += [read_complete_records(path) for path in stale_shards(out)]
    for record in (r for records in previous for r in records):
        record.pop("_index", None)
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
        """One JSON line; raises UnicodeEncodeError (before writing anything) for a record that
        UTF-8 cannot hold."""
        line = json_line(record)
        line.encode("utf-8")
        self.handle.write(line)
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
