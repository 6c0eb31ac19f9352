"""Match predicted documents to gold ones and reduce both to comparable keys.

Every gold document is scored. A gold document with no prediction counts as an empty
prediction (all misses) and is listed under `counts.missing_documents`. A predicted
document whose id is not among the gold documents is an error: its numbers would
silently vanish otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ..data.documents import Document, Entity

Span = tuple[int, int, str]
"""An entity as (start, end, type): what strict span matching compares."""


@dataclass
class DocPair:
    """One gold document, its prediction (empty when missing) and the shared raw text."""

    gold: Document
    pred: Document
    text: str
    missing: bool = False
    duplicate_entities: int = 0
    pred_entities: list[Entity] = field(default_factory=list)
    """Predicted entities with exact duplicates (same span and type) removed."""


def entity_span(entity: Entity) -> Span:
    """What strict matching compares: (start, end, type)."""
    return (entity.start, entity.end, entity.type)


def pair_documents(gold: Sequence[Document], predicted: Sequence[Document]) -> list[DocPair]:
    """Pair each gold document with its prediction; raise ValueError on unknown or repeated ids."""
    gold_by_id = _unique_ids(gold, "gold")
    pred_by_id = _unique_ids(predicted, "predicted")
    unknown = [d for d in predicted if d.id not in gold_by_id]
    if unknown:
        where = "; ".join(f"{d.source or '<predictions>'}: {d.id!r}" for d in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ValueError(f"predicted documents not in the gold set: {where}{more}")
    pairs = []
    for doc in gold:
        if doc.text is None:
            raise ValueError(f"{doc.source or doc.id}: gold document {doc.id!r} has no text")
        pred = pred_by_id.get(doc.id)
        pair = DocPair(doc, pred or Document(doc.id, doc.text), doc.text, missing=pred is None)
        _check_prediction(pair)
        pair.pred_entities, pair.duplicate_entities = _dedupe_entities(pair.pred.entities)
        pairs.append(pair)
    return pairs


def _unique_ids(docs: Sequence[Document], what: str) -> dict[str, Document]:
    by_id: dict[str, Document] = {}
    for doc in docs:
        if doc.id in by_id:
            raise ValueError(f"{doc.source or '<documents>'}: {what} document id {doc.id!r} appears twice "
                             f"(first in {by_id[doc.id].source or '<documents>'})")
        by_id[doc.id] = doc
    return by_id


def _check_prediction(pair: DocPair) -> None:
    """Predicted offsets index the gold text; refuse predictions made on another text."""
    pred, where = pair.pred, pair.pred.source or pair.pred.id
    if pred.text is not None and pred.text != pair.text:
        raise ValueError(f"{where}: the text of predicted document {pred.id!r} differs from the gold text")
    ids = set()
    for ent in pred.entities:
        if not 0 <= ent.start < ent.end <= len(pair.text):
            raise ValueError(f"{where}: entity {ent.id} span {ent.start}-{ent.end} is outside the text "
                             f"of {pred.id!r} ({len(pair.text)} characters)")
        if ent.text and pair.text[ent.start:ent.end] != ent.text:
            raise ValueError(f"{where}: entity {ent.id} says {ent.text!r} but the text has "
                             f"{pair.text[ent.start:ent.end]!r} at {ent.start}-{ent.end}: offsets must count code "
                             "points of the raw text (not bytes or UTF-16 units)")
        if ent.id in ids:
            raise ValueError(f"{where}: entity id {ent.id!r} appears twice in {pred.id!r}")
        ids.add(ent.id)
    for rel in pred.relations:
        for arg in (rel.head, rel.tail):
            if arg not in ids:
                raise ValueError(f"{where}: relation {rel.id} names unknown entity {arg!r}")


def _dedupe_entities(entities: list[Entity]) -> tuple[list[Entity], int]:
    seen, kept = set(), []
    for ent in entities:
        if entity_span(ent) not in seen:
            seen.add(entity_span(ent))
            kept.append(ent)
    return kept, len(entities) - len(kept)

