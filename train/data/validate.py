"""Checks on annotation files: errors that make a file unusable, lint for consistency.

Every message names the file, the entity or relation id (or offset) and the reason.
Errors make `python -m train validate` exit 1; warnings alone do not.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .documents import Document, DocumentError, annotation_files, load_annotation_file
from .schema import PROJECT_DIR, Schema
from .text import MAX_PROCLITICS, PROCLITICS, is_word_edge, sentence_of, sentence_spans


@dataclass(frozen=True)
class Problem:
    level: str  # "error" or "warning"
    where: str  # file and item
    message: str
    key: tuple = ()  # (doc id, offset, text) for matching explanations

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def _err(doc: Document, item: str, message: str) -> Problem:
    return Problem("error", f"{doc.source}: {item}", message)


def check_entities(doc: Document, schema: Schema) -> list[Problem]:
    problems, seen = [], set()
    text = doc.text or ""
    for ent in doc.entities:
        item = f"{ent.id} ({ent.start}-{ent.end})"
        if ent.id in seen:
            problems.append(_err(doc, item, f"duplicate entity id {ent.id!r}"))
        seen.add(ent.id)
        if ent.type not in schema.entity_names:
            problems.append(_err(doc, item, f"unknown entity type {ent.type!r} (schema: {', '.join(schema.entity_names)})"))
        if not 0 <= ent.start < ent.end <= len(text):
            problems.append(_err(doc, item, f"offsets out of range (text has {len(text)} characters, need 0 <= start < end)"))
            continue
        actual = text[ent.start:ent.end]
        if actual != ent.text:
            problems.append(_err(doc, item, f"text mismatch: file says {ent.text!r}, raw text has {actual!r}"))
        if is_word_edge(actual[0]) or is_word_edge(actual[-1]):
            problems.append(_err(doc, item, f"span {actual!r} starts or ends with space or punctuation"))
    problems += _overlaps(doc)
    return problems


def _overlaps(doc: Document) -> list[Problem]:
    problems = []
    ordered = sorted(doc.entities, key=lambda e: (e.start, e.end))
    for prev, cur in zip(ordered, ordered[1:]):
        if cur.start < prev.end:
            problems.append(_err(doc, f"{cur.id} ({cur.start}-{cur.end})", f"overlaps {prev.id} ({prev.start}-{prev.end})"))
    return problems


def check_relations(doc: Document, schema: Schema) -> list[Problem]:
    problems, ids, seen = [], set(), {}
    entities = doc.entity_map()
    sentence_of = _sentence_index(doc)
    for rel in doc.relations:
        item = f"{rel.id} ({rel.type} {rel.head}->{rel.tail})"
        if rel.id in ids or rel.id in entities:
            problems.append(_err(doc, item, f"duplicate id {rel.id!r}"))
        ids.add(rel.id)
        missing = [a for a in (rel.head, rel.tail) if a not in entities]
        if missing:
            problems.append(_err(doc, item, f"points to missing entity {', '.join(missing)}"))
            continue
        if rel.type not in schema.relation_names:
            problems.append(_err(doc, item, f"unknown relation type {rel.type!r}"))
            continue
        head, tail = entities[rel.head], entities[rel.tail]
        problems += _check_pair(doc, schema, rel, head, tail, item, sentence_of)
        symmetric = rel.type in schema.symmetric_relations
        key = (rel.type, *sorted((rel.head, rel.tail))) if symmetric else (rel.type, rel.head, rel.tail)
        if key in seen:
            what = "symmetric relation stored twice" if symmetric else "duplicate relation"
            problems.append(_err(doc, item, f"{what} (also {seen[key]})"))
        seen.setdefault(key, rel.id)
    return problems


def _check_pair(doc, schema, rel, head, tail, item, sentence_of) -> list[Problem]:
    problems = []
    if rel.head == rel.tail:
        problems.append(_err(doc, item, "head and tail are the same entity"))
    if not schema.allows(rel.type, head.type, tail.type):
        allowed = schema.relation(rel.type).args
        problems.append(_err(doc, item, f"argument types {head.type}->{tail.type} not allowed for {rel.type} (allowed: {allowed})"))
    if schema.stored_reversed(rel.type, (head.start, head.end), (tail.start, tail.end)):
        problems.append(_err(doc, item, f"symmetric {rel.type} must have the earlier mention as head"))
    if sentence_of.get(head.id) != sentence_of.get(tail.id):
        problems.append(_err(doc, item, f"relation across sentences ({head.text!r} and {tail.text!r})"))
    return problems


def _sentence_index(doc: Document) -> dict[str, int | None]:
    """Sentence number of each entity; None when it is out of range or crosses a boundary."""
    spans = sentence_spans(doc.text or "")
    return {ent.id: sentence_of(spans, ent.start, ent.end) for ent in doc.entities}


def check_sentences(doc: Document) -> list[Problem]:
    """An entity must lie inside one sentence: the dataset and the model work sentence by sentence."""
    spans, text = sentence_spans(doc.text or ""), doc.text or ""
    return [_err(doc, f"{e.id} ({e.start}-{e.end})", f"{e.text!r} is not inside one sentence (a sentence ends at . ! ? ؟ "
                                                     "or a line break)")
            for e in doc.entities if 0 <= e.start < e.end <= len(text) and sentence_of(spans, e.start, e.end) is None]


def check_document(doc: Document, schema: Schema, path: Path | None = None) -> list[Problem]:
    problems = check_entities(doc, schema) + check_sentences(doc) + check_relations(doc, schema)
    if path is not None and doc.id != path.stem:
        problems.append(_err(doc, "id", f"document id {doc.id!r} differs from the file name {path.stem!r}"))
    return problems


# --- consistency lint --------------------------------------------------------------------

def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char)[0] == "M" or char == "\u0640"


def _starts_word(text: str, pos: int) -> bool:
    """True if `pos` starts a word, possibly after up to two proclitic letters."""
    for _ in range(MAX_PROCLITICS + 1):
        if pos == 0 or not _is_word_char(text[pos - 1]):
            return True
        if text[pos - 1] not in PROCLITICS:
            return False
        pos -= 1
    return False


def _occurrences(text: str, needle: str):
    for match in re.finditer(re.escape(needle), text):
        s, e = match.span()
        if _starts_word(text, s) and (e == len(text) or not _is_word_char(text[e])):
            yield s, e


def lint_documents(docs: list[Document]) -> list[Problem]:
    """Warnings: a string annotated somewhere but not at another occurrence; one string, two types."""
    annotated: dict[str, dict[str, str]] = defaultdict(dict)  # text -> type -> first place seen
    for doc in docs:
        for ent in doc.entities:
            annotated[ent.text].setdefault(ent.type, f"{doc.source}: {ent.id}")
    problems = []
    for string, types in sorted(annotated.items()):
        if len(types) > 1:
            places = "; ".join(f"{t} at {where}" for t, where in sorted(types.items()))
            problems.append(Problem("warning", "corpus", f"{string!r} is annotated with different types: {places}", ("*", "*", string)))
    for doc in docs:
        problems += _missed_occurrences(doc, annotated)
    return problems


def _missed_occurrences(doc: Document, annotated: dict[str, dict[str, str]]) -> list[Problem]:
    text = doc.text or ""
    spans = [(e.start, e.end) for e in doc.entities]
    problems = []
    for string, types in annotated.items():
        for s, e in _occurrences(text, string):
            if any(a <= s and e <= b for a, b in spans):
                continue
            example = next(iter(types.values()))
            problems.append(Problem(
                "warning", f"{doc.source}: offset {s}-{e}",
                f"{string!r} is not annotated here but is annotated as {'/'.join(types)} elsewhere ({example})",
                (doc.id, str(s), string),
            ))
    return problems


def explained_warnings(guidelines: Path) -> set[tuple[str, str, str]]:
    """Rows `| doc id | offset | text | reason |` of the guideline's explained-warnings table."""
    if not guidelines.exists():
        return set()
    rows, inside = set(), False
    for line in guidelines.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = "explained lint warnings" in line.lower()
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if inside and len(cells) >= 4 and not set(cells[0]) <= set("-: "):
            rows.add((cells[0], cells[1], cells[2]))
    return rows


@dataclass
class Report:
    problems: list[Problem]
    explained: list[Problem]
    documents: list[Document]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


def validate_paths(paths: list[Path], schema: Schema, root: Path = PROJECT_DIR, guidelines: Path | None = None) -> Report:
    """Validate annotation files (folders expand to their *.json); a file that cannot be read is one error."""
    problems, docs = [], []
    files = [f for p in paths for f in annotation_files(p)]
    for path in files:
        try:
            doc = load_annotation_file(path, root)
        except DocumentError as err:
            problems.append(Problem("error", str(path), str(err).removeprefix(f"{path}: ")))
            continue
        docs.append(doc)
        problems += check_document(doc, schema, path)
    ids = defaultdict(list)
    for doc in docs:
        ids[doc.id].append(doc.source)
    problems += [Problem("error", ", ".join(s), f"duplicate document id {i!r}") for i, s in ids.items() if len(s) > 1]
    lint = lint_documents(docs)
    accepted = explained_warnings(guidelines) if guidelines else set()
    explained = [w for w in lint if w.key in accepted]
    problems += [w for w in lint if w.key not in accepted]
    return Report(problems, explained, docs)


class AnnotationError(ValueError):
    """Annotation files have errors; the message lists them (file, item, reason)."""


def checked_documents(path: Path, schema: Schema, guidelines: Path | None = None, shown: int = 20) -> Report:
    """Validate the annotation files under `path` the way `python -m train validate` does.

    Raises AnnotationError listing the first `shown` errors when there is any: nothing
    trains, builds a dataset or scores on annotations that `validate` rejects.
    """
    report = validate_paths([path], schema, guidelines=guidelines)
    if report.errors:
        listed = "\n  ".join(str(p) for p in report.errors[:shown])
        more = f"\n  ... and {len(report.errors) - shown} more" if len(report.errors) > shown else ""
        raise AnnotationError(f"{path}: {len(report.errors)} annotation error(s); fix them first "
                              f"(python -m train validate):\n  {listed}{more}")
    return report
