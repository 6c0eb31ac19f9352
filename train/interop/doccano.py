"""doccano JSONL exports, one document per line, in either of doccano's two shapes.

- sequence labeling: `{"text": ..., "label": [[start, end, "TYPE"], ...]}` (older
  exports call the key `labels`);
- relation extraction: `{"text": ..., "entities": [{"id", "start_offset", "end_offset",
  "label"}], "relations": [{"id", "from_id", "to_id", "type"}]}`.

Offsets are code points. doccano's ids are database numbers: an export written here keeps
the document id and our entity and relation ids in `meta` (`doc_id`, `entity_ids`,
`relation_ids`, by doccano id), and import restores them; other exports get T1, T2, ... in
text order and R1, R2, ... in file order. A sequence-labeling export has no relations: it
never replaces an annotation file that has some (`Imported.without_relations`).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..data.documents import Document, Entity
from .importing import Imported, RawEntity, RawRelation, settle_document


def read_doccano(path: Path) -> list[Imported]:
    items = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                items.append(read_record(line, f"{path}:{number}", f"{path.stem}_{number}"))
    if not items:
        raise ValueError(f"{path}: no documents")
    return items


def _doc_id(record: dict, fallback: str) -> str:
    """`doc_id` (top level or in `meta`), else the file name and line number."""
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    for value in (record.get("doc_id"), meta.get("doc_id")):
        if isinstance(value, str):
            return value
    return fallback


def read_record(line: str, place: str, fallback_id: str) -> Imported:
    item = Imported(Document(fallback_id, source=place))
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        item.error(place, f"invalid JSON: {err.msg}")
        item.skip = True
        return item
    text = record.get("text", record.get("data")) if isinstance(record, dict) else None
    if not isinstance(text, str):
        item.error(place, "record has no 'text'")
        item.skip = True
        return item
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    entities = _entities(record, place, text, item, meta.get("entity_ids") or {})
    relations = _relations(record, place, item, meta.get("relation_ids") or {}, meta.get("entity_ids") or {})
    item.without_relations = "relations" not in record
    settle_document(item, _doc_id(record, fallback_id), text, entities, relations)
    return item


def _span(raw: object) -> tuple[object, object, object, object]:
    """(id, start, end, label) of either entity shape."""
    if isinstance(raw, list) and len(raw) == 3:
        return None, raw[0], raw[1], raw[2]
    if isinstance(raw, dict):
        return raw.get("id"), raw.get("start_offset"), raw.get("end_offset"), raw.get("label")
    return None, None, None, None


def _entities(record: dict, place: str, text: str, item: Imported, our_ids: dict) -> list[RawEntity]:
    key = next((k for k in ("entities", "label", "labels") if isinstance(record.get(k), list)), None)
    out = []
    for i, raw in enumerate(record.get(key, []) if key else []):
        where = f"{place}: {key}[{i}]"
        given, start, end, label = _span(raw)
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(label, str)):
            item.error(where, f"expected [start, end, label] or {{id, start_offset, end_offset, label}}, got {raw!r}")
            continue
        given_id = None if given is None else str(our_ids.get(str(given), given))
        out.append(RawEntity(given_id, Entity("", label, start, end, text[start:end]), where))
    return out


def _relations(record: dict, place: str, item: Imported, our_ids: dict, entity_ids: dict) -> list[RawRelation]:
    out = []
    for i, raw in enumerate(record.get("relations") or []):
        where = f"{place}: relations[{i}]"
        if not (isinstance(raw, dict) and isinstance(raw.get("type"), str) and "from_id" in raw and "to_id" in raw):
            item.error(where, f"expected {{from_id, to_id, type}}, got {raw!r}")
            continue
        # doccano's relation ids are database numbers: only ids we wrote into `meta` are kept.
        given = our_ids.get(str(raw.get("id")))
        head, tail = (str(entity_ids.get(str(raw[k]), raw[k])) for k in ("from_id", "to_id"))
        out.append(RawRelation(given, raw["type"], head, tail, where))
    return out


def doccano_record(doc: Document) -> dict:
    """One document in doccano's relation-extraction JSONL shape, our ids kept in `meta`."""
    number = {e.id: i for i, e in enumerate(doc.entities, start=1)}
    return {
        "text": doc.text or "",
        "entities": [{"id": number[e.id], "start_offset": e.start, "end_offset": e.end, "label": e.type}
                     for e in doc.entities],
        "relations": [{"id": i, "from_id": number[r.head], "to_id": number[r.tail], "type": r.type}
                      for i, r in enumerate(doc.relations, start=1)],
        "meta": {"doc_id": doc.id, "entity_ids": {str(n): eid for eid, n in number.items()},
                 "relation_ids": {str(i): r.id for i, r in enumerate(doc.relations, start=1)}},
    }


def write_doccano(docs: list[Document], out: Path) -> Path:
    """A doccano JSONL file (import it into a relation-extraction project)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(doccano_record(d), ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return out
