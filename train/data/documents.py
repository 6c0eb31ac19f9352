"""The one document shape shared by gold annotations and predictions.

An annotation file (`annotations/<id>.json`) holds one document and names its raw text
file; a prediction file holds one document per JSON line and may carry `score`s. Every
span is a code-point offset into the raw text, end exclusive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .records import parse_record
from .schema import PROJECT_DIR


class DocumentError(ValueError):
    """A file or record does not have the document shape; the message says where and why."""


@dataclass
class Entity:
    id: str
    type: str
    start: int
    end: int
    text: str
    score: float | None = None

    def to_dict(self) -> dict:
        return _with_score({"id": self.id, "type": self.type, "start": self.start, "end": self.end, "text": self.text},
                           self.score)


@dataclass
class Relation:
    id: str
    type: str
    head: str
    tail: str
    score: float | None = None

    def to_dict(self) -> dict:
        return _with_score({"id": self.id, "type": self.type, "head": self.head, "tail": self.tail}, self.score)


def _with_score(record: dict, score: float | None) -> dict:
    """`record` with its `score` (4 decimals) when it has one: gold items have none."""
    if score is not None:
        record["score"] = round(float(score), 4)
    return record


@dataclass
class Document:
    id: str
    text: str | None = None
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    text_file: str | None = None
    source: str = ""  # where it was read from, for messages
    outlet: str | None = None
    """The outlet that published it (JSON key `source`), when known."""
    date: str | None = None
    """Publication date (JSON key `date`), YYYY-MM-DD when known."""

    def entity(self, entity_id: str) -> Entity:
        for ent in self.entities:
            if ent.id == entity_id:
                return ent
        raise KeyError(entity_id)

    def entity_map(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def to_dict(self, include_text: bool = False) -> dict:
        out: dict = {"id": self.id}
        if self.text_file is not None:
            out["text_file"] = self.text_file
        if include_text and self.text is not None:
            out["text"] = self.text
        if self.outlet is not None:
            out["source"] = self.outlet
        if self.date is not None:
            out["date"] = self.date
        out["entities"] = [e.to_dict() for e in self.entities]
        out["relations"] = [r.to_dict() for r in self.relations]
        return out


def document_from_dict(record: object, where: str, text: str | None = None) -> Document:
    """Parse one document record, raising DocumentError that names `where`, the item and
    the field of every problem (`records.parse_record`)."""
    try:
        checked = parse_record(record)
    except ValueError as err:
        raise DocumentError(f"{where}: {err}") from None
    entities = [Entity(e.id, e.type, e.start, e.end, e.text, None if e.score is None else float(e.score))
                for e in checked.entities]
    relations = [Relation(r.id, r.type, r.head, r.tail, None if r.score is None else float(r.score))
                 for r in checked.relations]
    return Document(checked.id, text if text is not None else checked.text, entities, relations, checked.text_file,
                    where, checked.source, checked.date)


def read_text(path: Path) -> str:
    """Read a raw text file exactly: UTF-8, no newline translation (offsets index these code points)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as err:
        raise DocumentError(f"{path}: not valid UTF-8 ({err.reason} at byte {err.start})") from err
    except OSError as err:
        raise DocumentError(f"{path}: cannot read ({err.strerror})") from err


def load_annotation_file(path: str | Path, root: Path = PROJECT_DIR) -> Document:
    """Load `annotations/<id>.json` and the raw text its `text_file` names (relative to `root`)."""
    path = Path(path)
    record = read_json_file(path)
    if not isinstance(record, dict):
        raise DocumentError(f"{path}: expected a JSON object (one document), got {type(record).__name__}")
    if not isinstance(record.get("text_file"), str):
        raise DocumentError(f"{path}: missing string key 'text_file' naming the raw text")
    doc = document_from_dict(record, str(path))  # the record's own problems first, all of them
    text_path = Path(record["text_file"])
    doc.text = read_text(text_path if text_path.is_absolute() else root / text_path)
    return doc


MAX_FILE_BYTES = 50_000_000
"""An annotation or text file larger than this is refused before it is parsed."""


def read_json_file(path: Path) -> object:
    """A JSON file's value; DocumentError names the file (and line) for unreadable, oversized,
    invalid or too deeply nested JSON."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DocumentError(f"{path}: larger than {MAX_FILE_BYTES} bytes: refused")
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DocumentError(f"{path}:{err.lineno}: invalid JSON: {err.msg}") from err
    except RecursionError:
        raise DocumentError(f"{path}: JSON nested too deeply") from None
    except UnicodeDecodeError as err:
        raise DocumentError(f"{path}: not valid UTF-8 ({err.reason} at byte {err.start})") from err
    except OSError as err:
        raise DocumentError(f"{path}: cannot read ({err.strerror})") from err


def annotation_files(path: str | Path) -> list[Path]:
    """The annotation files under a folder (sorted), or the one file given."""
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.glob("*.json"))
    return [path]


def load_annotations(path: str | Path, root: Path = PROJECT_DIR) -> list[Document]:
    return [load_annotation_file(p, root) for p in annotation_files(path)]


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, object]]:
    """Yield (line number, parsed value) for each non-blank line; bad JSON raises DocumentError."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as err:
                raise DocumentError(f"{path}:{number}: invalid JSON: {err.msg}") from err


def load_prediction_file(path: str | Path) -> list[Document]:
    """Documents from a JSON-lines prediction file. Error records (with 'error') are skipped."""
    docs = []
    for number, record in iter_jsonl(path):
        if isinstance(record, dict) and "error" in record and "entities" not in record:
            continue
        docs.append(document_from_dict(record, f"{path}:{number}"))
    return docs


def load_documents(path: str | Path, root: Path = PROJECT_DIR) -> list[Document]:
    """Gold annotations from a folder or `.json` file, or documents from a `.jsonl` file."""
    path = Path(path)
    if path.suffix == ".jsonl":
        return load_prediction_file(path)
    return load_annotations(path, root)


def write_jsonl(documents: Iterable[Document], path: str | Path, include_text: bool = False) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(json.dumps(doc.to_dict(include_text), ensure_ascii=False) + "\n")


def write_annotation_file(doc: Document, path: str | Path) -> None:
    """Write one annotation file in the committed layout (UTF-8, one entity or relation per line)."""
    record = doc.to_dict()
    lines = ["{", f'  "id": {json.dumps(record["id"], ensure_ascii=False)},']
    lines.append(f'  "text_file": {json.dumps(record.get("text_file"), ensure_ascii=False)},')
    for key in ("entities", "relations"):
        items = [json.dumps(item, ensure_ascii=False) for item in record[key]]
        body = ",\n".join(f"    {item}" for item in items)
        lines.append(f'  "{key}": [\n{body}\n  ]' if items else f'  "{key}": []')
        lines[-1] += "," if key == "entities" else ""
    lines.append("}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
