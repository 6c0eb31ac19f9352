"""The JSON shape of a document record, checked with pydantic before anything reads it.

One schema serves annotation files, prediction files and imports: unknown or misspelled
keys, wrong JSON types (a string offset, `"relations": null`), empty ids and oversized
documents are refused, each problem on its own line naming the item and the field, all
at once. Semantic checks (offsets inside the text, types from the schema, overlaps,
relations inside a sentence) come after, in `validate.py`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, ValidationError

MAX_ITEMS = 20_000
"""Entities (and relations) per document; a real article holds a few hundred at most."""

NonEmpty = Annotated[StrictStr, Field(min_length=1)]
Score = StrictFloat | StrictInt | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntityRecord(_Strict):
    id: NonEmpty
    type: NonEmpty
    start: StrictInt
    end: StrictInt
    text: StrictStr
    score: Score = None


class RelationRecord(_Strict):
    id: NonEmpty
    type: NonEmpty
    head: NonEmpty
    tail: NonEmpty
    score: Score = None


class DocumentRecord(_Strict):
    id: NonEmpty
    text_file: StrictStr | None = None
    text: StrictStr | None = None
    entities: Annotated[list[EntityRecord], Field(max_length=MAX_ITEMS)]
    relations: Annotated[list[RelationRecord], Field(max_length=MAX_ITEMS)] = []
    source: StrictStr | None = None
    """The outlet or collection a document comes from (reports break scores down by it)."""
    date: StrictStr | None = None
    """Publication date, YYYY-MM-DD when known."""
    provenance: dict | None = None
    """Written by `predict`: run id, model weights hash and code version."""


def _location(loc: tuple) -> str:
    parts = []
    for part in loc:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "document"


def record_problems(error: ValidationError, record: object) -> list[str]:
    """One line per problem: the item (with its id where it has one), the field and why."""
    lines = []
    for problem in error.errors():
        loc = problem["loc"]
        where = _location(loc)
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(record, dict):
            items = record.get(loc[0])
            item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
            if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
                where = f"{_location(loc[:2])} ({item['id']}){_location(loc[2:]) and '.' + _location(loc[2:])}"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key (misspelled?)"
        elif problem["type"] == "too_long":
            message = f"more than {MAX_ITEMS} items: refused (an annotation file this large is broken)"
        lines.append(f"{where}: {message}")
    return lines


def parse_record(record: object) -> DocumentRecord:
    """The checked record. Raises ValueError listing every problem (see `record_problems`)."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    try:
        return DocumentRecord.model_validate(record)
    except ValidationError as err:
        raise ValueError("; ".join(record_problems(err, record))) from None
