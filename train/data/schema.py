"""The label schema: entity and relation types read from `annotations/schema.yaml`.

Every label list in the repository (BIO tags, relation classes, report tables, the
Label Studio configuration) is derived from a `Schema`, never written out in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from .tagging import bio_label_names

PROJECT_DIR = Path()
"""Where relative paths lead: the working directory, that is the project folder the commands
run in. Configs, annotations, seeds, the registry and the floors are the project's files,
not the package's, so an installed package (editable or not) finds them the same way."""
DEFAULT_SCHEMA_PATH = PROJECT_DIR / "annotations" / "schema.yaml"


class SchemaError(ValueError):
    """The schema file is malformed; the message lists every problem found."""


@dataclass(frozen=True)
class EntityType:
    name: str
    description: str = ""
    color: str = "#dddddd"
    places: bool = False
    """Place names from GeoNames (`data/places.py`) are mentions of this type."""


@dataclass(frozen=True)
class RelationType:
    name: str
    args: tuple[tuple[str, str], ...]
    symmetric: bool = False
    description: str = ""

    def allows(self, head_type: str, tail_type: str) -> bool:
        if (head_type, tail_type) in self.args:
            return True
        return self.symmetric and (tail_type, head_type) in self.args


@dataclass(frozen=True)
class Schema:
    entity_types: tuple[EntityType, ...]
    relation_types: tuple[RelationType, ...]
    no_relation: str = "NONE"
    source: str = field(default="", compare=False)

    @cached_property
    def entity_names(self) -> list[str]:
        return [t.name for t in self.entity_types]

    @cached_property
    def relation_names(self) -> list[str]:
        return [r.name for r in self.relation_types]

    @cached_property
    def bio_labels(self) -> list[str]:
        """IOB2 tags: O first, then B-/I- for each entity type in schema order."""
        return bio_label_names(self.entity_names)

    @cached_property
    def symmetric_relations(self) -> frozenset[str]:
        return frozenset(r.name for r in self.relation_types if r.symmetric)

    def canonical_args(self, relation: str, head, tail) -> tuple:
        """(head, tail) as stored and compared: sorted for a symmetric type (`canonical_args`)."""
        return canonical_args(relation, head, tail, self.symmetric_relations)

    def relation(self, name: str) -> RelationType:
        for rel in self.relation_types:
            if rel.name == name:
                return rel
        raise KeyError(name)

    def allows(self, relation: str, head_type: str, tail_type: str) -> bool:
        return self.relation(relation).allows(head_type, tail_type)

    def allowed_relations(self, head_type: str, tail_type: str) -> list[str]:
        """Relation names that may link a head of `head_type` to a tail of `tail_type`."""
        return [r.name for r in self.relation_types if r.allows(head_type, tail_type)]

    @cached_property
    def candidate_type_pairs(self) -> frozenset[tuple[str, str]]:
        """(head type, tail type) pairs that at least one relation allows."""
        return frozenset((a, b) for a in self.entity_names for b in self.entity_names if self.allowed_relations(a, b))

    def is_candidate_pair(self, head_type: str, tail_type: str) -> bool:
        return (head_type, tail_type) in self.candidate_type_pairs

    def stored_reversed(self, relation: str, head: tuple[int, int], tail: tuple[int, int]) -> bool:
        """True when a symmetric relation has the later mention (start, end) as head.

        Symmetric relations are stored once, the earlier mention first: the validator
        requires it, imports and decoding swap such pairs into that order.
        """
        return relation in self.symmetric_relations and head > tail

    @cached_property
    def place_type(self) -> str | None:
        """The entity type that GeoNames place names belong to (`places: true`), if any."""
        return next((t.name for t in self.entity_types if t.places), None)

    def color(self, entity_type: str) -> str:
        for t in self.entity_types:
            if t.name == entity_type:
                return t.color
        return "#dddddd"

    def to_dict(self) -> dict:
        """The schema as plain data in schema order (lists, because JSON writers may sort keys)."""
        return {
            "entity_types": [{"name": t.name, "description": t.description, "color": t.color, "places": t.places}
                             for t in self.entity_types],
            "relation_types": [
                {"name": r.name, "description": r.description, "symmetric": r.symmetric, "args": [list(a) for a in r.args]}
                for r in self.relation_types
            ],
            "no_relation": self.no_relation,
        }


def canonical_args(relation: str, head, tail, symmetric: frozenset[str]) -> tuple:
    """(head, tail), or the two sorted when `relation` is one of the `symmetric` types: the one
    rule by which a symmetric relation has one key whichever way it was written."""
    return tuple(sorted((head, tail))) if relation in symmetric else (head, tail)


def _named_items(raw: object) -> list[tuple[object, object]] | None:
    """(name, spec) pairs from a YAML mapping or from the list form written by `to_dict`."""
    if isinstance(raw, dict):
        return list(raw.items())
    if isinstance(raw, list) and all(isinstance(item, dict) and "name" in item for item in raw):
        return [(item["name"], item) for item in raw]
    return None


def schema_from_dict(raw: object, source: str = "<dict>") -> Schema:
    """Build a Schema from parsed YAML, collecting every problem into one SchemaError."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise SchemaError(f"{source}: expected a mapping at the top level")
    entities = _entity_types(raw.get("entity_types"), problems)
    names = {t.name for t in entities}
    relations = _relation_types(raw.get("relation_types"), names, problems)
    no_relation = raw.get("no_relation", "NONE")
    if not isinstance(no_relation, str) or no_relation in {r.name for r in relations}:
        problems.append(f"no_relation: must be a string distinct from the relation names, got {no_relation!r}")
    if problems:
        raise SchemaError(f"{source}: " + "; ".join(problems))
    return Schema(tuple(entities), tuple(relations), no_relation, source)


def _specs(raw: object, section: str, expected: str, problems: list[str]) -> list[tuple[str, dict]]:
    """(name, spec) of each item of a schema section; a problem for an empty section and for
    an item whose spec is not a mapping (an item with no spec has an empty one)."""
    items = _named_items(raw)
    if not items:
        problems.append(f"{section}: expected a non-empty mapping of NAME: {{{expected}}}")
    specs = []
    for name, spec in items or []:
        if spec is not None and not isinstance(spec, dict):
            problems.append(f"{section}.{name}: expected a mapping")
        else:
            specs.append((name, spec or {}))
    return specs


def _flag(spec: dict, key: str, where: str, problems: list[str]) -> bool:
    """The true/false field `key` of a spec (default false)."""
    value = spec.get(key, False)
    if not isinstance(value, bool):
        problems.append(f"{where}.{key}: expected true or false, got {value!r}")
    return bool(value)


def _entity_types(raw: object, problems: list[str]) -> list[EntityType]:
    return [EntityType(str(name), str(spec.get("description", "")).strip(), str(spec.get("color", "#dddddd")),
                       _flag(spec, "places", f"entity_types.{name}", problems))
            for name, spec in _specs(raw, "entity_types", "description, color", problems)]


def _relation_types(raw: object, entity_names: set[str], problems: list[str]) -> list[RelationType]:
    relations = []
    for name, spec in _specs(raw, "relation_types", "args, symmetric, description", problems):
        where = f"relation_types.{name}"
        args = spec.get("args")
        if not isinstance(args, list) or not args:
            problems.append(f"{where}.args: expected a list of [HEAD_TYPE, TAIL_TYPE] pairs")
            continue
        pairs = []
        for i, pair in enumerate(args):
            if not (isinstance(pair, list) and len(pair) == 2):
                problems.append(f"{where}.args[{i}]: expected [HEAD_TYPE, TAIL_TYPE], got {pair!r}")
                continue
            unknown = [t for t in pair if t not in entity_names]
            if unknown:
                problems.append(f"{where}.args[{i}]: unknown entity type(s) {unknown}")
            pairs.append((str(pair[0]), str(pair[1])))
        relations.append(RelationType(str(name), tuple(pairs), _flag(spec, "symmetric", where, problems),
                                      str(spec.get("description", "")).strip()))
    return relations


def load_schema(path: str | Path = DEFAULT_SCHEMA_PATH) -> Schema:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SchemaError(f"{path}: cannot read schema: {err}") from err
    return schema_from_dict(raw, str(path))
