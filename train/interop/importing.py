"""What every import shares: problems with their place, id numbering, checks, writing.

A reader turns one tool export into `Imported` documents, recording for each entity and
relation where it came from (file and line, or task and result). `check_imports` then
puts symmetric relations in the stored direction and runs the repository's validator,
so a problem found there is reported at the tool's line, not at a file that does not
exist yet. `write_imports` writes nothing unless every target can be written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..data.documents import Document, Entity, Relation, load_annotation_file, read_text, write_annotation_file
from ..data.schema import PROJECT_DIR, Schema
from ..data.validate import check_document
from ..files import safe_filename


@dataclass(frozen=True)
class ImportProblem:
    level: str  # "error" stops the import; "warning" is only printed
    where: str  # "file:line" or "file: task 3 result[2]"
    message: str  # starts with the item id when there is one

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


@dataclass
class Imported:
    """One document read from a tool, with where each of its items came from."""

    doc: Document
    locations: dict[str, str] = field(default_factory=dict)  # entity/relation id -> place
    problems: list[ImportProblem] = field(default_factory=list)
    skip: bool = False  # nothing to check or write (unannotated task, unreadable file); problems still count
    without_relations: bool = False
    """The tool's record cannot hold relations (a doccano sequence-labeling export): importing it
    over a file that has relations would delete them, so that is refused."""

    def error(self, where: str, message: str) -> None:
        self.problems.append(ImportProblem("error", where, message))

    def warning(self, where: str, message: str) -> None:
        self.problems.append(ImportProblem("warning", where, message))


def settle_ids(given: list[str | None], prefix: str, order: list[int] | None = None) -> list[str]:
    """Keep each `<prefix><n>` id that is unique; number the others after the highest kept one.

    Kept ids make round trips exact; tools that invent their own ids (Label Studio's
    random region ids, doccano's database numbers) get `T1, T2, ...` in `order`
    (positions into `given`, default: as given).
    """
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)")
    counts: dict[str, int] = {}
    for item in given:
        if item is not None:
            counts[item] = counts.get(item, 0) + 1
    keep = [item is not None and counts[item] == 1 and bool(pattern.fullmatch(item)) for item in given]
    taken = [int(pattern.fullmatch(item).group(1)) for item, k in zip(given, keep) if k]
    next_number = max(taken, default=0) + 1
    ids: list[str | None] = [item if k else None for item, k in zip(given, keep)]
    for position in order if order is not None else range(len(given)):
        if ids[position] is None:
            ids[position] = f"{prefix}{next_number}"
            next_number += 1
    return ids  # type: ignore[return-value]


def normalise_symmetric(doc: Document, schema: Schema) -> None:
    """Store each symmetric relation with the earlier mention as head (what the validator requires)."""
    entities = doc.entity_map()
    for rel in doc.relations:
        head, tail = entities.get(rel.head), entities.get(rel.tail)
        if head and tail and schema.stored_reversed(rel.type, (head.start, head.end), (tail.start, tail.end)):
            rel.head, rel.tail = rel.tail, rel.head


def check_imports(items: list[Imported], schema: Schema) -> list[ImportProblem]:
    """Reader problems plus validator errors (placed at the tool's line), and duplicate ids."""
    problems: list[ImportProblem] = []
    seen: dict[str, str] = {}
    for item in items:
        doc = item.doc
        problems += item.problems
        if item.skip:
            continue
        try:
            safe_filename(doc.id)
        except ValueError as err:
            problems.append(ImportProblem("error", doc.source, str(err)))
        if doc.id in seen:
            problems.append(ImportProblem("error", doc.source, f"document id {doc.id!r} also comes from {seen[doc.id]}"))
        seen.setdefault(doc.id, doc.source)
        normalise_symmetric(doc, schema)
        for problem in check_document(doc, schema):
            detail = problem.where.removeprefix(f"{doc.source}: ")
            place = item.locations.get(detail.split(" ", 1)[0], doc.source)
            problems.append(ImportProblem(problem.level, place, f"{detail}: {problem.message}"))
    return problems


def repository_path(path: Path) -> str:
    """`path` relative to the project folder (the working directory) when inside it, as
    committed files name texts, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_DIR.resolve()).as_posix()
    except ValueError:
        return str(resolved)


def _text_is(path: Path, text: str) -> bool:
    return path.exists() and read_text(path) == text


def write_imports(items: list[Imported], out_dir: Path, text_dir: Path, force: bool) -> list[Path]:
    """Write `<text_dir>/<id>.txt` and `<out_dir>/<id>.json` for every document, or nothing.

    An existing annotation file, or an existing text with different content (other
    annotations may point into it), is only replaced with `force`.
    """
    items = [item for item in items if not item.skip]
    refusals = []
    for item in items:
        name = safe_filename(item.doc.id)
        target, text_path = out_dir / f"{name}.json", text_dir / f"{name}.txt"
        if target.exists() and not force:
            refusals.append(f"{target} exists (use --force to replace it)")
        elif target.exists() and item.without_relations and (kept := len(load_annotation_file(target).relations)):
            refusals.append(f"{target} has {kept} relations and this export has none (a label-only export): "
                            "export the project with relations, or move the file away first; nothing was written")
        if text_path.exists() and not force and not _text_is(text_path, item.doc.text or ""):
            refusals.append(f"{text_path} exists with a different text (use --force to replace it)")
    if refusals:
        raise ValueError("nothing imported:\n  " + "\n  ".join(refusals))
    out_dir.mkdir(parents=True, exist_ok=True)
    text_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for item in items:
        text_path = text_dir / f"{safe_filename(item.doc.id)}.txt"
        if not _text_is(text_path, item.doc.text or ""):
            with open(text_path, "w", encoding="utf-8", newline="") as handle:  # keep \r\n: offsets count it
                handle.write(item.doc.text or "")
        item.doc.text_file = repository_path(text_path)
        write_annotation_file(item.doc, out_dir / f"{safe_filename(item.doc.id)}.json")
        written.append(out_dir / f"{safe_filename(item.doc.id)}.json")
    return written


@dataclass
class RawEntity:
    """An entity as a tool gave it: its own id (or none), and where it was read."""

    given_id: str | None
    entity: Entity
    place: str


@dataclass
class RawRelation:
    """A relation as a tool gave it; head and tail are the tool's entity ids."""

    given_id: str | None
    type: str
    head: str
    tail: str
    place: str


def settle_document(item: Imported, doc_id: str, text: str, entities: list[RawEntity],
                    relations: list[RawRelation]) -> None:
    """Fill `item.doc` with the entities and relations under settled ids (see `settle_ids`).

    When no entity id could be kept, entities are listed in text order (tools that number
    regions in creation order would otherwise give files in clicking order).
    """
    given = [raw.given_id for raw in entities]
    by_text = sorted(range(len(entities)), key=lambda i: (entities[i].entity.start, entities[i].entity.end))
    ids = settle_ids(given, "T", by_text)
    keeps_any = any(g == i for g, i in zip(given, ids))
    renamed = {g: i for g, i in zip(given, ids) if g is not None}
    doc_entities = []
    for position in range(len(entities)) if keeps_any else by_text:
        raw = entities[position]
        raw.entity.id = ids[position]
        item.locations[raw.entity.id] = raw.place
        doc_entities.append(raw.entity)
    doc_relations = []
    for rel_id, raw in zip(settle_ids([r.given_id for r in relations], "R"), relations):
        item.locations[rel_id] = raw.place
        doc_relations.append(Relation(rel_id, raw.type, renamed.get(raw.head, raw.head), renamed.get(raw.tail, raw.tail)))
    item.doc = Document(doc_id, text, doc_entities, doc_relations, None, item.doc.source)
