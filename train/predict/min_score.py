"""`predict --min-score`: drop predictions whose score is below a threshold.

`--min-score 0.5` applies to every entity and relation type; `--min-score FACTION=0.7`
to one type (entity or relation type of the model's schema), overriding the plain value
for that type. A prediction is kept when its score >= the threshold (the rule the
calibration tables use, so the operating point the report names gives, on validation,
the precision it states). An entity dropped takes its relations with it; predictions
without a score are kept.
"""

from __future__ import annotations

from dataclasses import replace

from ..data.documents import Document
from ..data.schema import Schema

ALL_TYPES = "*"
"""Key of the threshold that applies to every type without its own."""


def parse_min_score(values: list[str], schema: Schema) -> dict[str, float]:
    """{"*" or type name: threshold} from `--min-score` values; ValueError names a bad one."""
    thresholds: dict[str, float] = {}
    names = set(schema.entity_names) | set(schema.relation_names)
    for value in values:
        name, _, number = value.rpartition("=")
        name = name.strip() or ALL_TYPES
        if name != ALL_TYPES and name not in names:
            raise ValueError(f"--min-score {value}: unknown type {name!r}; the model's types are "
                             f"{', '.join(schema.entity_names + schema.relation_names)}")
        try:
            threshold = float(number)
        except ValueError:
            raise ValueError(f"--min-score {value}: expected a number, or TYPE=number") from None
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"--min-score {value}: the threshold must be between 0 and 1")
        thresholds[name] = threshold
    return thresholds


def threshold_for(thresholds: dict[str, float], item_type: str) -> float:
    return thresholds.get(item_type, thresholds.get(ALL_TYPES, 0.0))


def apply_min_score(doc: Document, thresholds: dict[str, float] | None) -> Document:
    """The document without the entities and relations scored below their type's threshold
    (and without the relations of the entities dropped); ids are kept as they were."""
    if not thresholds:
        return doc
    entities = [e for e in doc.entities if e.score is None or e.score >= threshold_for(thresholds, e.type)]
    kept = {e.id for e in entities}
    relations = [r for r in doc.relations if r.head in kept and r.tail in kept
                 and (r.score is None or r.score >= threshold_for(thresholds, r.type))]
    return replace(doc, entities=entities, relations=relations)
