"""Predicting a stream of input items into a record writer, in input order: the machinery of
`python -m train predict` and `python -m train corpus`.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from .inputs import InputItem
from .output import RecordWriter, shard_path


@dataclass
class Tally:
    predicted: int = 0
    errors: list[str] = field(default_factory=list)


def _error(item: InputItem, message: str, tally: Tally) -> dict:
    record = InputItem(item.id, error=message, where=item.where).error_record()
    tally.errors.append(record["error"])
    print(f"error: {record['error']}", file=sys.stderr)
    return record


def predict_stream(items, predictor, writer: RecordWriter, rank: int, world: int, kept: dict[str, dict],
                   bar) -> Tally:
    """Predict this process's share of `items` and write one record per item, in input order;
    duplicate ids are errors (the first one wins); records in `kept` (by id, from an earlier
    run) are written again at their input position.

    Items reach the predictor lazily, so it can hold several chunks in flight (`--workers`);
    an error or kept record waits in `pending` until every record before it is written."""
    tally, pending, first_seen = Tally(), deque(), {}

    def to_predict():
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
            if state is None:
                yield item.id, item.text

    with closing(predictor.stream(to_predict())) as predicted:  # a failed write stops the workers at once
        for doc in predicted:
            while True:  # the records before this document's, then its own
                index, item, state = pending.popleft()
                _write(index, item, state, doc if state is None else None, predictor, writer, tally, world > 1, bar)
                if state is None:
                    break
    while pending:
        _write(*pending.popleft(), None, predictor, writer, tally, world > 1, bar)
    return tally


def _write(index: int, item: InputItem, state: str | dict | None, doc, predictor, writer: RecordWriter, tally: Tally,
           sharded: bool, bar) -> None:
    """Write one item's record: its predicted `doc` (state None), a kept record (a dict) or an
    error (a message). A record that cannot be written (UTF-8 cannot hold it) becomes an error record."""
    if isinstance(state, dict):
        record = state
    elif state is None:
        record = doc.to_dict()
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
