"""Predicting a stream of input items into a record writer, in input order: the machinery of
`python -m train predict` and `python -m train corpus`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .inputs import InputItem
from .output import RecordWriter, shard_path


@dataclass
class Tally:
    predicted: int = 0
    errors: list[str] = field(default_factory=list)


def _flush(pending: list[tuple[int, InputItem, str | dict | None]], predictor, writer: RecordWriter, tally: Tally,
           sharded: bool, bar) -> None:
    """Predict the pending documents and write all pending records in input order.

    Each pending entry is (input index, item, None to predict | error text | kept record).
    A record that cannot be written (UTF-8 cannot hold it) becomes an error record.
    """
    docs = [item for _, item, state in pending if state is None]
    predicted = iter(predictor.predict([i.text for i in docs], [i.id for i in docs]))
    for index, item, state in pending:
        if isinstance(state, dict):
            record = state
        elif state is None:
            record = next(predicted).to_dict()
            if predictor.provenance is not None:
                record["provenance"] = predictor.provenance
        else:
            record = _error(item, state, tally)
        if sharded:
            record["_index"] = index
        try:
            writer.write(record)
            tally.predicted += state is None
        except UnicodeEncodeError as err:
            record = _error(item, f"cannot be written as UTF-8 ({err.reason})", tally)
            writer.write({**record, "_index": index} if sharded else record)
        bar.update(1)
    pending.clear()


def _error(item: InputItem, message: str, tally: Tally) -> dict:
    record = InputItem(item.id, error=message, where=item.where).error_record()
    tally.errors.append(record["error"])
    print(f"error: {record['error']}", file=sys.stderr)
    return record


def predict_stream(items, predictor, writer: RecordWriter, rank: int, world: int, kept: dict[str, dict],
                   chunk: int, bar) -> Tally:
    """Predict this process's share of `items`; duplicate ids are errors (the first one wins);
    records in `kept` (by id, from an earlier run) are written again at their input position."""
    tally, pending, first_seen = Tally(), [], {}
    for index, item in enumerate(items):
        duplicate = item.id is not None and item.id in first_seen
        if item.id is not None:
            first_seen.setdefault(item.id, item.where)
        if index % world != rank:
            continue
        state = item.error or (f"duplicate id {item.id!r} (first at {first_seen[item.id]})" if duplicate else None)
        if state is None and item.id in kept:
            state = kept[item.id]
        pending.append((index, item, state))
        if sum(s is None for _, _, s in pending) >= chunk:
            _flush(pending, predictor, writer, tally, world > 1, bar)
    _flush(pending, predictor, writer, tally, world > 1, bar)
    return tally


def count_shard_records(out: Path, world: int) -> tuple[int, int]:
    """(predicted documents, error records) across the shard files."""
    predicted = errors = 0
    for rank in range(world):
        with open(shard_path(out, rank), encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    is_error = "error" in json.loads(line)
                    errors += is_error
                    predicted += not is_error
    return predicted, errors
