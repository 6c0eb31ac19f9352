"""Error analysis: the entity-type confusion table and a list of every error, for reports.

Gold and predicted entities of a document are aligned one to one (`matching.any_overlap`:
an identical span first, then the same type, then the largest overlap). An aligned pair
with the same span and type is correct; otherwise it is one error of kind

- `wrong type`: same span, other type;
- `wrong boundary`: same type, overlapping but different span;
- `wrong boundary and type`: overlapping, different span and type;

and an unaligned gold entity is `missed`, an unaligned prediction `spurious`. Relation
errors compare the strict end-to-end keys (`relations.relation_keys`): a missed and a
spurious relation over the same two argument spans are reported together as
`wrong relation type` or, same type reversed, `wrong direction`; the rest are
`missed relation` and `spurious relation`.
"""

from __future__ import annotations

from typing import Sequence

from ..data.documents import Document
from ..data.schema import Schema
from ..data.text import sentence_spans
from .matching import any_overlap, greedy_match
from .pairing import DocPair, Span, entity_span, pair_documents
from .relations import RelationKey, relation_keys

MISSED = "MISSED"
SPURIOUS = "SPURIOUS"
ENTITY_KINDS = ("missed", "spurious", "wrong type", "wrong boundary", "wrong boundary and type")
RELATION_KINDS = ("missed relation", "spurious relation", "wrong relation type", "wrong direction")


def aligned_entities(pair: DocPair) -> list[tuple[Span | None, Span | None]]:
    """(gold, predicted) span pairs of one document; None on the side that has nothing."""
    gold = sorted({entity_span(e) for e in pair.gold.entities})
    pred = sorted({entity_span(e) for e in pair.pred_entities})
    matched, missed, spurious = greedy_match(gold, pred, any_overlap)
    return [(gold[i], pred[j]) for i, j in matched] + [(gold[i], None) for i in missed] + \
        [(None, pred[j]) for j in spurious]


def confusion_table(pairs: list[DocPair], schema: Schema) -> dict:
    """Counts of gold type (rows, plus SPURIOUS) against predicted type (columns, plus MISSED)."""
    aligned = [both for pair in pairs for both in aligned_entities(pair)]
    seen = {span[2] for both in aligned for span in both if span}
    types = schema.entity_names + sorted(seen - set(schema.entity_names))
    rows, columns = types + [SPURIOUS], types + [MISSED]
    counts = {r: {c: 0 for c in columns} for r in rows}
    for gold, pred in aligned:
        counts[gold[2] if gold else SPURIOUS][pred[2] if pred else MISSED] += 1
    return {"rows": rows, "columns": columns, "counts": counts}


def entity_error_kind(gold: Span | None, pred: Span | None) -> str | None:
    """The error kind of an aligned pair, or None when it is correct."""
    if pred is None:
        return "missed"
    if gold is None:
        return "spurious"
    same_span, same_type = gold[:2] == pred[:2], gold[2] == pred[2]
    if same_span:
        return None if same_type else "wrong type"
    return "wrong boundary" if same_type else "wrong boundary and type"


def find_errors(gold: Sequence[Document], predicted: Sequence[Document], schema: Schema) -> list[dict]:
    """Every entity and relation error, in document order then text order."""
    errors = []
    for pair in pair_documents(gold, predicted):
        context = SentenceContext(pair.text)
        found = [_entity_error(pair, context, g, p) for g, p in aligned_entities(pair)]
        errors += sorted((e for e in found if e), key=_position)
        errors += sorted(_relation_errors(pair, schema, context), key=_position)
    return errors


class SentenceContext:
    """The sentence(s) of a text that hold a span, for showing an error in context."""

    def __init__(self, text: str):
        self.text = text
        self.sentences = sentence_spans(text)

    def around(self, start: int, end: int) -> tuple[int, int]:
        """Start and end of the sentences touching [start, end) (the span itself if none does)."""
        touched = [(s, e) for s, e in self.sentences if s < end and start < e]
        if not touched:
            return start, end
        return touched[0][0], touched[-1][1]

    def span_dict(self, span: Span | tuple) -> dict:
        """A span as {"start", "end", "text"} plus "type" when it has one."""
        out = {"start": span[0], "end": span[1], "text": self.text[span[0]:span[1]]}
        if len(span) > 2:
            out["type"] = span[2]
        return out

    def record(self, doc_id: str, kind: str, gold: list, pred: list, **extra) -> dict:
        """One error: its kind, the gold and predicted spans, and the sentence(s) around them."""
        spans = gold + pred
        start, end = self.around(min(s[0] for s in spans), max(s[1] for s in spans))
        return {"doc_id": doc_id, "kind": kind, "sentence": self.text[start:end], "sentence_start": start,
                "gold": [self.span_dict(s) for s in gold], "predicted": [self.span_dict(s) for s in pred], **extra}


def _entity_error(pair: DocPair, context: SentenceContext, gold: Span | None, pred: Span | None) -> dict | None:
    kind = entity_error_kind(gold, pred)
    if kind is None:
        return None
    return context.record(pair.gold.id, kind, [gold] if gold else [], [pred] if pred else [], area="entity")


def _relation_errors(pair: DocPair, schema: Schema, context: SentenceContext) -> list[dict]:
    gold, pred = relation_keys(pair.gold, schema), relation_keys(pair.pred, schema)
    missed, spurious = sorted(gold - pred), sorted(pred - gold)
    errors = []
    for key in missed:
        partner = next((p for p in spurious if set(p[1]) == set(key[1])), None)
        if partner is not None:
            spurious.remove(partner)
            kind = "wrong direction" if partner[0] == key[0] else "wrong relation type"
            errors.append(_relation_record(pair, context, kind, key, partner))
        else:
            errors.append(_relation_record(pair, context, "missed relation", key, None))
    errors += [_relation_record(pair, context, "spurious relation", None, key) for key in spurious]
    return errors


def _relation_record(pair: DocPair, context: SentenceContext, kind: str, gold: RelationKey | None,
                     pred: RelationKey | None) -> dict:
    return context.record(pair.gold.id, kind, list(gold[1]) if gold else [], list(pred[1]) if pred else [],
                          area="relation", gold_relation=_describe(gold, context),
                          predicted_relation=_describe(pred, context))


def _describe(key: RelationKey | None, context: SentenceContext) -> dict | None:
    if key is None:
        return None
    return {"type": key[0], "head": context.span_dict(key[1][0]), "tail": context.span_dict(key[1][1])}


def _position(error: dict) -> tuple:
    spans = error["gold"] + error["predicted"]
    return (min(s["start"] for s in spans), max(s["end"] for s in spans), error["kind"])
