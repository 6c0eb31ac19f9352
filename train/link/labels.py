"""The labels linking needs, read from `annotations/schema.yaml` (the only place labels are
defined), by their role rather than by name:

- `PLACE_TYPE`: the entity type marked `places: true` (its mentions link to places);
- `ACTOR_TYPE`: the first other entity type (its mentions link to registry actors);
- `SYMMETRIC`: the relation types marked `symmetric: true`;
- `ALIAS_RELATIONS`: symmetric relation types allowed between two mentions of every entity
  type: they say two mentions name one entity, so linking follows them and edges skip them;
- `CONTROL_RELATION`: the first relation type, in schema order, allowed only from an actor
  mention to a place mention (the one the map colours places by).

Raises `SchemaError` at import when the schema cannot be read.
"""

from __future__ import annotations

from ..data.schema import load_schema

SCHEMA = load_schema()
PLACE_TYPE: str = SCHEMA.place_type or SCHEMA.entity_names[-1]
ACTOR_TYPE: str = next(t for t in SCHEMA.entity_names if t != PLACE_TYPE)
LINKED_TYPES = (ACTOR_TYPE, PLACE_TYPE)
SYMMETRIC = frozenset(SCHEMA.symmetric_relations)
ALIAS_RELATIONS = frozenset(r.name for r in SCHEMA.relation_types
                            if r.symmetric and all(r.allows(t, t) for t in SCHEMA.entity_names))
CONTROL_RELATION: str | None = next((r.name for r in SCHEMA.relation_types
                                     if set(map(tuple, r.args)) == {(ACTOR_TYPE, PLACE_TYPE)}), None)
RELATION_NAMES = tuple(SCHEMA.relation_names)
