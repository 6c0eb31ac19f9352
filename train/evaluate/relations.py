"""Relation scores of end-to-end predictions, micro and per relation type.

A relation is compared as a key `(type, (head, tail))` whose arguments are entity spans:

- `end_to_end` (strict; "Rel+" in SpERT and PURE): the type is right and both arguments
  match gold entities exactly in start, end and entity type.
- `boundaries` ("Rel"): the type is right and both arguments match in start and end;
  entity types are ignored.
- `found_entities`: a diagnostic. Only predicted relations whose two arguments are gold
  entities (exact span and type) are counted, and only gold relations whose two arguments
  were both predicted: relation classification among the correctly found entities, entity
  errors left out. Its `support` counts the gold relations considered, and its
  `considered` entry gives both sides.

The standard "given gold entities" setting (every pair of gold mentions classified, as
PURE and SpERT report it) needs a second prediction made with the gold entities as input;
`scoring.score_documents` scores it with `end_to_end` and reports it as `gold_entities`. In every setting: the no-relation label of the schema is dropped from both sides; a
relation type the schema marks symmetric is compared without regard to argument order
(a directed one given in reverse is wrong); a relation predicted twice (same type and
arguments, in any order for a symmetric type) counts once, so repeats neither earn nor
cost anything, and gold repeats likewise count once.
"""

from __future__ import annotations

from ..data.documents import Document, Relation
from ..data.schema import Schema
from .pairing import DocPair, entity_span
from .prf import TypedCounts

RelationKey = tuple[str, tuple[tuple, tuple]]
"""(relation type, (head span, tail span)); a span is (start, end, type) or (start, end)."""


def relation_key(rel: Relation, spans: dict[str, tuple], schema: Schema, spans_only: bool = False) -> RelationKey:
    """One relation as a comparable key; `spans` maps entity ids to `entity_span`s."""
    head, tail = spans[rel.head], spans[rel.tail]
    if spans_only:
        head, tail = head[:2], tail[:2]
    return (rel.type, schema.canonical_args(rel.type, head, tail))


def relation_keys(doc: Document, schema: Schema, spans_only: bool = False) -> set[RelationKey]:
    """The document's relations as comparable keys (see the module docstring)."""
    spans = {e.id: entity_span(e) for e in doc.entities}
    keys = set()
    for rel in doc.relations:
        if rel.type == schema.no_relation:
            continue
        if rel.head not in spans or rel.tail not in spans:
            raise ValueError(f"{doc.source or doc.id}: relation {rel.id} names an unknown entity")
        keys.add(relation_key(rel, spans, schema, spans_only))
    return keys


def relation_scores(pairs: list[DocPair], schema: Schema, per_document: dict | None = None) -> dict:
    """`{"end_to_end", "boundaries", "found_entities"}`, each `{"micro", "macro", "per_type"}`;
    `per_document`, when given, receives each setting's per-document micro counts under
    `relations.<setting>` (see `prf.TypedCounts.documents`)."""
    strict, loose, given = TypedCounts(), TypedCounts(), TypedCounts()
    considered = {"gold": 0, "predicted": 0}
    for pair in pairs:
        gold, pred = relation_keys(pair.gold, schema), relation_keys(pair.pred, schema)
        strict.add_sets(gold, pred)
        loose.add_sets(relation_keys(pair.gold, schema, True), relation_keys(pair.pred, schema, True))
        gold_given, pred_given = _given_gold_entities(pair, gold, pred)
        given.add_sets(gold_given, pred_given)
        considered["gold"] += len(gold_given)
        considered["predicted"] += len(pred_given)
    names = schema.relation_names
    if per_document is not None:
        for setting, counts in (("end_to_end", strict), ("boundaries", loose), ("found_entities", given)):
            per_document[f"relations.{setting}"] = counts.documents
    return {"end_to_end": strict.block(names), "boundaries": loose.block(names),
            "found_entities": {**given.block(names), "considered": considered}}


def _given_gold_entities(pair: DocPair, gold: set[RelationKey], pred: set[RelationKey]) -> tuple[set, set]:
    """Gold relations over found entities; predicted relations over gold entities."""
    gold_entities = {entity_span(e) for e in pair.gold.entities}
    found = gold_entities & {entity_span(e) for e in pair.pred_entities}
    return ({k for k in gold if set(k[1]) <= found}, {k for k in pred if set(k[1]) <= gold_entities})
