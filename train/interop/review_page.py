"""`python -m train show`: one standalone right-to-left HTML page for a corpus.

Each sentence shows its highlighted mentions (colours from the schema) with the
relations it holds beside it (HTML, stylesheet and script in
`templates/review_page.*`). Given gold documents, each sentence shows gold and
prediction side by side; gold spans and relations the prediction lacks are marked
"missed", predicted ones gold lacks "spurious" (exact offsets and type; relations by
type and both arguments, either order for symmetric types). All text is escaped (Jinja2's
autoescape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..data.documents import Document, Entity, Relation
from ..data.schema import Schema
from ..data.text import sentence_of, sentence_spans
from ..evaluate.pairing import entity_span
from ..evaluate.relations import relation_key
from ..evaluate.report import segments

TEMPLATES = Environment(loader=PackageLoader("train.interop"), autoescape=True, undefined=StrictUndefined,
                        keep_trailing_newline=True)

_SAFE_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?|[a-zA-Z]{3,20}")

MISS, SPURIOUS = "miss", "spurious"
FLAG_TEXT = {MISS: "missed", SPURIOUS: "spurious"}
FLAG_TITLE = {MISS: "in gold, not predicted", SPURIOUS: "predicted, not in gold"}


@dataclass
class Side:
    """One rendering of a document: its items and their comparison status (empty: no comparison)."""

    name: str  # "gold", "prediction" or "annotation"
    doc: Document
    status: dict[str, str] = field(default_factory=dict)  # entity or relation id -> MISS / SPURIOUS


def _relation_key(rel: Relation, spans: dict[str, tuple], schema: Schema) -> tuple | None:
    """The scorer's strict key, or None for a relation naming a missing entity."""
    return relation_key(rel, spans, schema) if rel.head in spans and rel.tail in spans else None


def _mark_unmatched(side: Side, other: Document, flag: str, schema: Schema) -> None:
    """Flag what the scorer would count as missed (gold side) or spurious (prediction side)."""
    other_spans = {e.id: entity_span(e) for e in other.entities}
    other_entities = set(other_spans.values())
    other_relations = {_relation_key(r, other_spans, schema) for r in other.relations}
    spans = {e.id: entity_span(e) for e in side.doc.entities}
    for ent in side.doc.entities:
        if entity_span(ent) not in other_entities:
            side.status[ent.id] = flag
    for rel in side.doc.relations:
        if _relation_key(rel, spans, schema) not in other_relations:
            side.status[rel.id] = flag


def compare(gold: Document, predicted: Document, schema: Schema) -> tuple[Side, Side]:
    gold_side, pred_side = Side("gold", gold), Side("prediction", predicted)
    _mark_unmatched(gold_side, predicted, MISS, schema)
    _mark_unmatched(pred_side, gold, SPURIOUS, schema)
    return gold_side, pred_side


def sides_for(doc: Document, gold: dict[str, Document] | None, schema: Schema) -> list[Side]:
    if gold is None or doc.id not in gold:
        return [Side("annotation", doc)]
    reference = gold[doc.id]
    if doc.text is not None and doc.text != reference.text:
        raise ValueError(f"{doc.source}: {doc.id}: its text differs from the gold text in {reference.source}")
    doc.text = reference.text
    return list(compare(reference, doc, schema))


# --- what the template shows ---------------------------------------------------------------

def safe_color(value: str) -> str:
    """The schema colour when it is a plain hex or named colour; anything else could inject CSS."""
    return value if _SAFE_COLOR.fullmatch(value or "") else "#dddddd"


def mark_view(ent: Entity, status: str | None, schema: Schema) -> dict:
    color = safe_color(schema.color(ent.type))
    return {"classes": "ent" + (f" {status}" if status else ""), "type": ent.type, "color": color, "id": ent.id,
            "title": f"{ent.type} {ent.id}" + (f": {FLAG_TITLE[status]}" if status else ""), "text": ent.text}


def relation_view(rel: Relation, entities: dict[str, Entity], status: str | None, schema: Schema) -> dict:
    """`head —TYPE→ tail` (`←TYPE→` when symmetric), laid out left to right so the arrow points at the tail."""
    left, right = ("←", "→") if rel.type in schema.symmetric_relations else ("—", "→")
    return {"classes": "rel" + (f" {status}" if status else ""), "type": rel.type, "head": entities[rel.head].text,
            "tail": entities[rel.tail].text, "left": left, "right": right, "score": rel.score, "status": status}


@dataclass
class Placed:
    """A side's entities and relations grouped by sentence index."""

    entities: dict[int, list[Entity]]
    relations: dict[int, list[Relation]]
    outside: list[Entity]


def place(doc: Document, spans: list[tuple[int, int]]) -> Placed:
    placed = Placed({}, {}, [])
    owner = {}
    for ent in doc.entities:
        index = sentence_of(spans, ent.start, ent.end)
        owner[ent.id] = index
        if index is None:
            placed.outside.append(ent)
        else:
            placed.entities.setdefault(index, []).append(ent)
    for rel in doc.relations:
        index = owner.get(rel.head)
        if index is not None and rel.tail in owner:
            placed.relations.setdefault(index, []).append(rel)
    return placed


def side_view(side: Side, placed: Placed, index: int, span: tuple[int, int], schema: Schema) -> dict:
    """One side of one sentence: its text cut into (piece, mark or None) and its relations."""
    text = side.doc.text or ""
    entities = side.doc.entity_map()
    spans = [{"start": e.start, "end": e.end, "entity": e} for e in placed.entities.get(index, [])]
    pieces = [(piece, span and mark_view(span["entity"], side.status.get(span["entity"].id), schema))
              for piece, span in segments(text[span[0]:span[1]], span[0], spans)]
    relations = [relation_view(r, entities, side.status.get(r.id), schema) for r in placed.relations.get(index, [])]
    return {"name": side.name, "pieces": pieces, "relations": relations}


def document_view(doc: Document, sides: list[Side], schema: Schema) -> dict:
    spans = sentence_spans(doc.text or "")
    placed = [place(side.doc, spans) for side in sides]
    rows = [{"index": index, "sides": [side_view(s, p, index, span, schema) for s, p in zip(sides, placed)]}
            for index, span in enumerate(spans)]
    outside = [e for p in placed for e in p.outside]
    return {"id": doc.id, "counts": _counts(sides), "compare": len(sides) > 1, "rows": rows,
            "outside": ", ".join(f"{e.id} {e.text}" for e in outside)}


def _counts(sides: list[Side]) -> dict[str, int]:
    counts = {}
    for side in sides:
        counts[f"{side.name} entities"] = len(side.doc.entities)
        counts[f"{side.name} relations"] = len(side.doc.relations)
    for side in sides if len(sides) > 1 else []:
        flag = MISS if side.name == "gold" else SPURIOUS
        counts[f"{FLAG_TEXT[flag]} entities"] = sum(side.status.get(e.id) == flag for e in side.doc.entities)
        counts[f"{FLAG_TEXT[flag]} relations"] = sum(side.status.get(r.id) == flag for r in side.doc.relations)
    return counts


def review_page(docs: list[Document], schema: Schema, gold: dict[str, Document] | None = None,
                title: str = "Review") -> str:
    """The whole page (`templates/review_page.html.j2`): legend, links to documents, one
    section per document. Every value is escaped by the template."""
    sections = [document_view(doc, sides_for(doc, gold, schema), schema) for doc in docs]
    legend = [{"type": t, "color": safe_color(schema.color(t))} for t in schema.entity_names]
    return TEMPLATES.get_template("review_page.html.j2").render(
        title=title, sections=sections, legend=legend, compare=any(s["compare"] for s in sections),
        flags=FLAG_TEXT, titles=FLAG_TITLE)
