"""Inputs for batch prediction: .txt files, folders, JSON lines files, stdin.

`iter_inputs` yields, in a fixed order, one `InputItem` per document: either a text to
predict or an error naming the file (and line): an unreadable path, invalid UTF-8, a JSON
line that is not JSON or nested too deeply, lacks `text`, has a non-string `text` or `id`,
or holds a lone surrogate. JSON lines are read in bytes, one line at a time, so one bad
byte or line costs that line only. Errors never stop the stream.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator


@dataclass
class InputItem:
    id: str | None
    text: str | None = None
    error: str | None = None
    where: str = ""
    """File or file:line, for messages and error records."""

    def error_record(self) -> dict:
        record = {"id": self.id} if self.id is not None else {"line": self.where}
        record["error"] = f"{self.where}: {self.error}" if self.where and self.where != self.id else self.error
        return record


def _read_txt(path: Path, doc_id: str) -> InputItem:
    try:
        data = path.read_bytes()
    except OSError as err:
        return InputItem(doc_id, error=f"cannot read ({err.strerror})", where=str(path))
    try:
        # newline="" semantics: keep \r\n as is, offsets index the raw characters
        return InputItem(doc_id, text=data.decode("utf-8"), where=str(path))
    except UnicodeDecodeError as err:
        return InputItem(doc_id, error=f"not valid UTF-8 ({err.reason} at byte {err.start})", where=str(path))


def _unencodable(value: str) -> str | None:
    """Why `value` cannot be written as UTF-8 (a lone surrogate), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        return f"contains a lone surrogate (U+{ord(value[err.start]):04X}) at character {err.start}"
    return None


def parse_jsonl_line(raw: bytes, where: str) -> InputItem:
    """One JSON line (bytes) as an input item; anything wrong becomes an error item."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return InputItem(None, error=f"not valid UTF-8 ({err.reason} at byte {err.start} of the line)", where=where)
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        return InputItem(None, error=f"not JSON ({err.msg})", where=where)
    except RecursionError:
        return InputItem(None, error="JSON nested too deeply", where=where)
    if not isinstance(record, dict):
        return InputItem(None, error="expected a JSON object with 'id' and 'text'", where=where)
    doc_id = record.get("id", where)
    if not isinstance(doc_id, str) or not doc_id:
        return InputItem(None, error=f"'id' must be a non-empty string, got {doc_id!r}"[:200], where=where)
    if (why := _unencodable(doc_id)) is not None:
        return InputItem(None, error=f"'id' {why}", where=where)
    if "text" not in record:
        return InputItem(doc_id, error="no 'text' key", where=where)
    if not isinstance(record["text"], str):
        return InputItem(doc_id, error=f"'text' must be a string, got {type(record['text']).__name__}", where=where)
    if (why := _unencodable(record["text"])) is not None:
        return InputItem(doc_id, error=f"'text' {why}", where=where)
    return InputItem(doc_id, text=record["text"], where=where)


def _jsonl_items(handle: BinaryIO, name: str) -> Iterator[InputItem]:
    """Items of a JSON lines stream read in bytes, line by line: one bad line costs one item."""
    for number, raw in enumerate(handle, start=1):
        if raw.strip():
            yield parse_jsonl_line(raw, f"{name}:{number}")


def _jsonl_file(path: Path) -> Iterator[InputItem]:
    try:
        handle = open(path, "rb")
    except OSError as err:
        yield InputItem(str(path), error=f"cannot read ({err.strerror})", where=str(path))
        return
    with handle:
        yield from _jsonl_items(handle, str(path))


def _strip_txt(name: str) -> str:
    return name[:-4] if name.endswith(".txt") else name


def iter_inputs(arguments: list[str], stdin: BinaryIO | None = None) -> Iterator[InputItem]:
    """Every document named by the arguments, in argument order (folders sorted)."""
    for argument in arguments:
        if argument == "-":
            yield from _jsonl_items(stdin or sys.stdin.buffer, "<stdin>")
            continue
        path = Path(argument)
        if path.is_dir():
            for file in sorted(path.rglob("*.txt")):
                yield _read_txt(file, _strip_txt(file.relative_to(path).as_posix()))
        elif path.suffix == ".jsonl":
            yield from _jsonl_file(path)
        elif path.exists() or path.suffix == ".txt":
            yield _read_txt(path, _strip_txt(path.name))
        else:
            yield InputItem(str(path), error="no such file or folder", where=str(path))


def count_inputs(arguments: list[str]) -> int | None:
    """How many documents the arguments hold, when that is cheap to know (no stdin)."""
    total = 0
    for argument in arguments:
        if argument == "-":
            return None
        path = Path(argument)
        if path.is_dir():
            total += sum(1 for _ in path.rglob("*.txt"))
        elif path.suffix == ".jsonl" and path.is_file():
            try:
                with open(path, "rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total
