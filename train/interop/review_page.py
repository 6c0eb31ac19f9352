"""`python -m train show`: one standalone right-to-left HTML page for a corpus.

Each sentence shows its highlighted mentions (colours from the schema) with the
relations it holds beside it. Given gold documents, each sentence shows gold and
prediction side by side; gold spans and relations the prediction lacks are marked
"missed", predicted ones gold lacks "spurious" (exact offsets and type; relations by
type and both arguments, either order for symmetric types). All text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from ..data.documents import Document, Entity, Relation
from ..data.schema import Schema
from ..data.text import sentence_of, sentence_spans
from ..evaluate.pairing import entity_span
from ..evaluate.relations import relation_key
from .review_assets import CSS, SCRIPT, safe_color

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


# --- HTML pieces -------------------------------------------------------------------------

def _flag(status: str | None) -> str:
    return f' <span class="flag">{FLAG_TEXT[status]}</span>' if status else ""


def _mark(ent: Entity, status: str | None, schema: Schema) -> str:
    color = safe_color(schema.color(ent.type))
    classes = "ent" + (f" {status}" if status else "")
    title = f"{ent.type} {ent.id}" + (f": {FLAG_TITLE[status]}" if status else "")
    return (f'<mark class="{classes}" data-type="{escape(ent.type)}" data-color="{escape(color)}" '
            f'data-id="{escape(ent.id)}" title="{escape(title)}" style="background-color: {escape(color)}">'
            f"{escape(ent.text)}<sub>{escape(ent.type)}</sub></mark>")


def highlighted(text: str, start: int, entities: list[Entity], side: Side, schema: Schema) -> str:
    """The sentence `text` (starting at `start`) with each entity wrapped in a coloured mark."""
    out, cursor = [], 0
    for ent in sorted(entities, key=lambda e: (e.start, -e.end)):
        s, e = ent.start - start, ent.end - start
        if s < cursor:
            continue  # overlapping predicted spans cannot nest; the first one is shown
        out += [escape(text[cursor:s]), _mark(ent, side.status.get(ent.id), schema)]
        cursor = e
    out.append(escape(text[cursor:]))
    return "".join(out)


def relation_item(rel: Relation, entities: dict[str, Entity], status: str | None, schema: Schema) -> str:
    """`head —TYPE→ tail` (`←TYPE→` when symmetric), laid out left to right so the arrow points at the tail."""
    head, tail = entities[rel.head], entities[rel.tail]
    left, right = ("←", "→") if rel.type in schema.symmetric_relations else ("—", "→")
    classes = "rel" + (f" {status}" if status else "")
    score = f' <span class="note">{rel.score:.2f}</span>' if rel.score is not None else ""
    return (f'<li class="{classes}" dir="ltr" data-type="{escape(rel.type)}"><bdi>{escape(head.text)}</bdi> '
            f"{left}{escape(rel.type)}{right} <bdi>{escape(tail.text)}</bdi>{score}{_flag(status)}</li>")


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


def side_block(side: Side, placed: Placed, index: int, span: tuple[int, int], schema: Schema, label: bool) -> str:
    text = side.doc.text or ""
    entities = side.doc.entity_map()
    sentence = highlighted(text[span[0]:span[1]], span[0], placed.entities.get(index, []), side, schema)
    rels = "".join(relation_item(r, entities, side.status.get(r.id), schema) for r in placed.relations.get(index, []))
    heading = f'<div class="side-label">{escape(side.name)}</div>' if label else ""
    rel_list = f'<ul class="rels">{rels}</ul>'
    if label:  # comparison: each side holds its text with its relations under it
        return f'<div class="side" data-side="{escape(side.name)}">{heading}<p class="text">{sentence}</p>{rel_list}</div>'
    return f'<div class="side" data-side="{escape(side.name)}"><p class="text">{sentence}</p></div>{rel_list}'


def document_section(doc: Document, sides: list[Side], schema: Schema) -> str:
    spans = sentence_spans(doc.text or "")
    placed = [place(side.doc, spans) for side in sides]
    compare_mode = len(sides) > 1
    rows = []
    for index, span in enumerate(spans):
        blocks = "".join(side_block(s, p, index, span, schema, compare_mode) for s, p in zip(sides, placed))
        rows.append(f'<div class="sentence{" compare" if compare_mode else ""}" data-sentence="{index}">{blocks}</div>')
    outside = [e for p in placed for e in p.outside]
    note = (f'<p class="note">not inside one sentence, not shown: '
            f'{escape(", ".join(f"{e.id} {e.text}" for e in outside))}</p>') if outside else ""
    return (f'<section class="doc" id="doc-{escape(doc.id)}" data-doc-id="{escape(doc.id)}">'
            f"<h2><bdi>{escape(doc.id)}</bdi></h2>{document_summary(sides)}{note}{''.join(rows)}</section>")


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


def document_summary(sides: list[Side]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in _counts(sides).items())
    return f'<table class="counts summary">{cells}</table>'


def legend(schema: Schema, compare_mode: bool) -> str:
    keys = [f'<span class="key"><span class="swatch" style="background-color: {escape(safe_color(schema.color(t)))}">'
            f"</span> {escape(t)}</span>" for t in schema.entity_names]
    if compare_mode:
        keys += [f'<span class="key"><mark class="{flag}">{FLAG_TEXT[flag]}</mark> {FLAG_TITLE[flag]}</span>'
                 for flag in (MISS, SPURIOUS)]
    return f'<div class="legend">{"".join(keys)}</div>'


def review_page(docs: list[Document], schema: Schema, gold: dict[str, Document] | None = None,
                title: str = "Review") -> str:
    """The whole page: legend, links to documents, one section per document."""
    sections = [(doc, sides_for(doc, gold, schema)) for doc in docs]
    compare_mode = any(len(sides) > 1 for _, sides in sections)
    nav = " · ".join(f'<a href="#doc-{escape(d.id)}"><bdi>{escape(d.id)}</bdi></a>' for d, _ in sections)
    body = "".join(document_section(doc, sides, schema) for doc, sides in sections)
    return (
        '<!DOCTYPE html>\n<html dir="rtl" lang="ar">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body data-documents="{len(docs)}">\n<header><h1>{escape(title)}</h1>{legend(schema, compare_mode)}</header>\n'
        f"<nav>{nav}</nav>\n{body}\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
