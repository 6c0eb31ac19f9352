"""Label Studio: JSON tasks (export and import) and the labeling config made from the schema.

A task is `{"data": {"text", "doc_id", "text_file"}, "annotations": [{"result": [...]}],
"predictions": [{"model_version", "score", "result": [...]}]}`. A span result is
`{"id", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start",
"end", "text", "labels": [TYPE]}}`; a relation result is `{"id", "from_id", "to_id", "type":
"relation", "direction": "right", "labels": [TYPE, ...]}`. Offsets are code points.

What Label Studio's editor does to a task, and how this module copes (measured with 1.23.2):

- It keeps ONE relation per ordered pair of regions and drops any further one when it loads
  a task. All the relations of one (head, tail) pair therefore travel as one relation result
  with several labels (the config's `<Relations choice="multiple">`), whose id joins theirs
  (`"R3+R7"`); importing it gives the relations back, one per label.
- It saves relations without ids. Importing over an existing annotation file (the one the
  import would replace, `<out>/<id>.json`) keeps the ids of entities and relations whose
  content did not change (see `keep_existing_ids`); only new ones get new numbers.
- A task can hold several annotations (the imported gold, an annotator's correction):
  the newest one is imported, whatever its ground-truth flag (`chosen_annotation`).
- Only the "JSON" export keeps relations and region ids; `JSON_MIN`, CSV and TSV exports
  are refused with one message that says so.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from html import escape
from pathlib import Path

from ..data.documents import Document, Entity, Relation, document_from_dict, read_json_file
from ..data.schema import Schema, canonical_args
from ..files import safe_filename
from .importing import Imported, RawEntity, RawRelation, settle_document

FROM_NAME, TO_NAME = "label", "text"  # names of the Labels and Text tags in the config
ENTITY_ID, RELATION_ID = re.compile(r"T\d+"), re.compile(r"R\d+")
GROUPED_IDS = re.compile(r"R\d+(?:\+R\d+)*")  # the id of a relation result that holds several relations
EXPORT_AS_JSON = 'export the project as "JSON" from Label Studio (Export > JSON) and import that file'


# --- labeling config ---------------------------------------------------------------------

def labeling_config(schema: Schema) -> str:
    """The labeling config XML: every entity type as a Label, every relation type as a Relation.

    `choice="multiple"` lets one relation between two regions carry several labels: the
    editor keeps only one relation per ordered pair of regions.
    """
    attr = lambda value: escape(str(value), quote=True)  # noqa: E731
    relations = "".join(f'    <Relation value="{attr(name)}"/>\n' for name in schema.relation_names)
    labels = "".join(
        f'    <Label value="{attr(t.name)}" background="{attr(t.color)}" hint="{attr(t.description)}"/>\n'
        for t in schema.entity_types
    )
    return (
        "<View>\n"
        "  <!-- Generated from the label schema (annotations/schema.yaml) by `python -m train export labelstudio`. -->\n"
        f'  <Relations choice="multiple">\n{relations}  </Relations>\n'
        f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}  </Labels>\n'
        '  <View style="direction: rtl; text-align: right; font-size: 1.15em; line-height: 2">\n'
        f'    <Text name="{TO_NAME}" value="$text"/>\n'
        "  </View>\n"
        "</View>\n"
    )


# --- export --------------------------------------------------------------------------------

def _span_result(ent: Entity) -> dict:
    result = {"id": ent.id, "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels",
              "value": {"start": ent.start, "end": ent.end, "text": ent.text, "labels": [ent.type]}}
    if ent.score is not None:
        result["score"] = round(float(ent.score), 4)
    return result


def _relation_result(group: list[Relation]) -> dict:
    """One relation result for every relation of one (head, tail) pair, a label each."""
    # Label Studio itself gives relations no id; ours keep the round trip exact.
    item = {"id": "+".join(r.id for r in group), "from_id": group[0].head, "to_id": group[0].tail,
            "type": "relation", "direction": "right", "labels": [r.type for r in group]}
    scores = [r.score for r in group if r.score is not None]
    if scores:
        item["score"] = round(float(max(scores)), 4)  # one score per result: the surest label's
    return item


def results(doc: Document) -> list[dict]:
    """Span results, then one relation result per (head, tail) pair, where the pair first occurs."""
    groups: dict[tuple[str, str], list[Relation]] = {}
    for rel in doc.relations:
        groups.setdefault((rel.head, rel.tail), []).append(rel)
    return [_span_result(e) for e in doc.entities] + [_relation_result(g) for g in groups.values()]


def task(text: str, doc_id: str, text_file: str | None, gold: Document | None = None,
         predicted: Document | None = None, model_version: str = "") -> dict:
    """One task; gold becomes a completed annotation, a prediction a pre-annotation with score."""
    data = {"text": text, "doc_id": doc_id}
    if text_file:
        data["text_file"] = text_file
    out: dict = {"data": data}
    if gold is not None:
        out["annotations"] = [{"result": results(gold), "was_cancelled": False, "ground_truth": True}]
    if predicted is not None:
        scores = [x.score for x in predicted.entities + predicted.relations if x.score is not None]
        prediction = {"model_version": model_version, "result": results(predicted)}
        if scores:
            prediction["score"] = round(sum(scores) / len(scores), 4)  # sorts tasks by confidence in LS
        out["predictions"] = [prediction]
    return out


def write_tasks(tasks: list[dict], out: Path, schema: Schema) -> tuple[Path, Path]:
    """`tasks.json` + `labeling_config.xml` in a folder, or the given `.json` file + the config beside it."""
    if out.suffix == ".json":
        tasks_path, config_path = out, out.with_name("labeling_config.xml")
    else:
        tasks_path, config_path = out / "tasks.json", out / "labeling_config.xml"
    tasks_path.parent.mkdir(parents=True, exist_ok=True)
    tasks_path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    config_path.write_text(labeling_config(schema), encoding="utf-8")
    return tasks_path, config_path


# --- import --------------------------------------------------------------------------------

def read_labelstudio(path: Path, existing: Path | None = None, schema: Schema | None = None) -> list[Imported]:
    """The tasks of a Label Studio "JSON" export.

    `existing`: the annotation folder the import writes to; where it already has `<id>.json`,
    unchanged entities and relations keep that file's ids (`keep_existing_ids`). `schema`
    says which relation types are symmetric (compared in either direction).
    """
    raw = path.read_text(encoding="utf-8")
    try:
        tasks = json.loads(raw)
    except json.JSONDecodeError as err:
        if _looks_flat(raw):
            raise ValueError(f"{path}: this is a CSV or TSV export, which has no relations and no region ids; "
                             f"{EXPORT_AS_JSON}") from err
        raise ValueError(f"{path}:{err.lineno}: invalid JSON: {err.msg}") from err
    tasks = [tasks] if isinstance(tasks, dict) else tasks
    if not isinstance(tasks, list):
        raise ValueError(f"{path}: expected a list of Label Studio tasks")
    if tasks and all(_is_min_record(t) for t in tasks):
        raise ValueError(f"{path}: this is a JSON_MIN export (flat records without \"data\" and \"annotations\"), "
                         f"which has no relations and no region ids; {EXPORT_AS_JSON}")
    symmetric = schema.symmetric_relations if schema is not None else frozenset()
    return [read_task(t, f"{path}: task {i + 1}", f"{path.stem}_task{i + 1}", existing, symmetric)
            for i, t in enumerate(tasks)]


def _looks_flat(raw: str) -> bool:
    """A CSV or TSV export: a header line of names separated by commas or tabs, not JSON."""
    first = raw.lstrip("\ufeff").split("\n", 1)[0].strip()
    return bool(first) and first[0] not in "[{" and ("," in first or "\t" in first)


def _is_min_record(task_: object) -> bool:
    return isinstance(task_, dict) and not {"data", "annotations", "completions", "predictions"} & task_.keys()


def _doc_id(data: dict, fallback: str) -> str:
    """`data.doc_id` (our exports set it), else the stem of `data.text_file`, else file and task number."""
    if isinstance(data.get("doc_id"), str):
        return data["doc_id"]
    if isinstance(data.get("text_file"), str):
        return Path(data["text_file"]).stem
    return fallback


def _time(annotation: dict) -> datetime | None:
    """`updated_at`, else `created_at`, as an aware datetime (None when absent or unreadable)."""
    for key in ("updated_at", "created_at"):
        value = annotation.get(key)
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.astimezone()
    return None


def chosen_annotation(task_: dict, place: str, item: Imported) -> dict | None:
    """The newest submitted annotation (by `updated_at`, else `created_at`, else the last listed).

    The ground-truth flag does not count: an export made with `--with-gold` arrives as a
    ground-truth annotation, and an annotator's correction of it is newer. One line says
    which annotation was taken when there were several.
    """
    submitted = [a for a in task_.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not submitted:
        item.warning(place, "no submitted annotation; task skipped")
        return None
    # Undated annotations rank below dated ones; among equals the later one in the list wins.
    position = max(range(len(submitted)), key=lambda i: (_time(submitted[i]) is not None,
                                                          _time(submitted[i]) or datetime.min, i))
    chosen = submitted[position]
    if len(submitted) > 1:
        moment = _time(chosen)
        when = f"updated {moment.isoformat()}" if moment else "the last listed, no dates"
        flag = ", ground truth" if chosen.get("ground_truth") else ""
        others = ", ".join(str(a.get("id", "?")) for a in submitted if a is not chosen)
        item.warning(place, f"{len(submitted)} submitted annotations; imported the newest, id "
                            f"{chosen.get('id', '?')} ({when}{flag}); not imported: {others}")
    return chosen


def read_task(task_: object, place: str, fallback_id: str, existing: Path | None = None,
              symmetric: frozenset[str] = frozenset()) -> Imported:
    item = Imported(Document("", source=place))
    data = task_.get("data") if isinstance(task_, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        item.error(place, "task has no data.text (the raw text is needed to check offsets)")
        item.skip = True
        return item
    doc_id = _doc_id(data, fallback_id)
    place = item.doc.source = f"{place} ({doc_id})"
    annotation = chosen_annotation(task_, place, item)
    if annotation is None:
        item.skip = True
        return item
    entities, relations = [], []
    for j, result in enumerate(annotation.get("result") or []):
        _read_result(result, f"{place} result[{j}]", data["text"], item, entities, relations)
    old = _existing_document(existing, doc_id, place, item)
    if old is not None:
        keep_existing_ids(entities, relations, old, symmetric)
    settle_document(item, doc_id, data["text"], entities, relations)
    return item


def _existing_document(folder: Path | None, doc_id: str, place: str, item: Imported) -> Document | None:
    """The annotation file this import would replace, when there is one (its ids are kept)."""
    if folder is None:
        return None
    try:
        path = folder / f"{safe_filename(doc_id)}.json"
    except ValueError:
        return None  # check_imports reports the id
    if not path.is_file():
        return None
    try:
        return document_from_dict(read_json_file(path), str(path))
    except ValueError as err:
        item.warning(place, f"ids not matched with {path}, which cannot be read: {err}")
        return None


def _single_label(value: dict, where: str, item: Imported, what: str) -> str | None:
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        item.error(where, f"{what} must have exactly one label, got {labels!r}")
        return None
    return labels[0]


def _read_span(result: dict, where: str, text: str, item: Imported) -> RawEntity | None:
    value = result.get("value") or {}
    name = result.get("id", "span")
    label = _single_label(value, where, item, f"{name}: span")
    start, end = value.get("start"), value.get("end")
    if not (isinstance(start, int) and isinstance(end, int)):
        item.error(where, f"{name}: span needs integer start and end, got {start!r}, {end!r}")
        return None
    # The tool's own copy of the text lets the validator catch offsets counted differently.
    covered = value["text"] if isinstance(value.get("text"), str) else text[start:end]
    return RawEntity(result.get("id"), Entity("", label, start, end, covered), where) if label else None


def _read_relations(result: dict, where: str, item: Imported) -> list[RawRelation]:
    """One relation per label; a grouped id (`R3+R7`, our export's) gives each its own id back."""
    labels = result.get("labels")
    head, tail = str(result.get("from_id")), str(result.get("to_id"))
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        item.error(where, f"relation {head} -> {tail} must have at least one label, got {labels!r}")
        return []
    if result.get("direction") == "left":
        head, tail = tail, head
    elif result.get("direction") == "bi":
        item.warning(where, f"bidirectional relation {'+'.join(labels)} imported as from_id -> to_id")
    given = result.get("id") if isinstance(result.get("id"), str) else None
    ids: list[str | None] = [None] * len(labels)
    if given is not None and GROUPED_IDS.fullmatch(given) and len(given.split("+")) == len(labels):
        ids = given.split("+")  # type: ignore[assignment]
    elif given is not None and len(labels) == 1:
        ids = [given]  # settle_ids keeps it when it looks like R<n>
    return [RawRelation(rel_id, label, head, tail, where) for rel_id, label in zip(ids, labels)]


def _read_result(result: object, where: str, text: str, item: Imported, entities: list, relations: list) -> None:
    kind = result.get("type") if isinstance(result, dict) else None
    if kind == "labels":
        entity = _read_span(result, where, text, item)
        entities += [entity] if entity else []
    elif kind == "relation":
        relations += _read_relations(result, where, item)
    else:
        item.warning(where, f"result of type {kind!r} ignored (only labels and relation results are imported)")


# --- ids kept across an edit ---------------------------------------------------------------

def keep_existing_ids(entities: list[RawEntity], relations: list[RawRelation], old: Document,
                      symmetric: frozenset[str] = frozenset()) -> None:
    """Give imported items the ids their unchanged counterparts have in `old` (in place).

    Entities: a region id that looks like ours (`T<n>`, unique) is kept as it is (the editor
    keeps region ids); any other region takes the id of an old entity with the same span and
    type that no kept id names. Relations (the editor saves them without ids) take the id of
    an old relation with the same type, head span and tail span (either direction for a
    symmetric type), else with the same type, head and tail entity ids (an argument whose
    span was corrected keeps its id, so its relations keep theirs); an id the export itself
    carried (`R3+R7`) is kept when no match claimed it. What is left gets no id, and
    `settle_document` numbers it after the highest kept one.
    """
    old_entities = {e.id: e for e in old.entities}
    counts = Counter(raw.given_id for raw in entities)
    kept = {g for g, n in counts.items() if g is not None and n == 1 and ENTITY_ID.fullmatch(g)}
    free: dict[tuple, list[str]] = defaultdict(list)
    for ent in old.entities:
        if ent.id not in kept:
            free[(ent.start, ent.end, ent.type)].append(ent.id)
    renamed: dict[str, str] = {}
    for raw in entities:
        if raw.given_id in kept:
            continue
        match = free.get((raw.entity.start, raw.entity.end, raw.entity.type))
        if match:
            new_id = match.pop(0)
            if raw.given_id is not None:
                renamed[raw.given_id] = new_id
            raw.given_id = new_id
    for raw in relations:
        raw.head, raw.tail = renamed.get(raw.head, raw.head), renamed.get(raw.tail, raw.tail)

    spans = {raw.given_id: (raw.entity.start, raw.entity.end) for raw in entities if raw.given_id is not None}
    old_spans = {e.id: (e.start, e.end) for e in old.entities}

    def key(kind: str, head: object, tail: object) -> tuple | None:
        if head is None or tail is None:
            return None
        return (kind, *canonical_args(kind, head, tail, symmetric))

    claimed: set[str] = set()

    def claim(raws: list, old_key, raw_key) -> list:
        """Give each raw relation the id of an unclaimed old relation with the same key; the rest."""
        index: dict[tuple, list[Relation]] = defaultdict(list)
        for rel in old.relations:
            if rel.id not in claimed:
                index[old_key(rel)].append(rel)
        left = []
        for raw in raws:
            match = next((rel for rel in index.get(raw_key(raw)) or [] if rel.id not in claimed), None)
            if match is None:
                left.append(raw)
                continue
            claimed.add(match.id)
            raw.given_id = match.id
        return left

    unmatched = claim(relations, lambda rel: key(rel.type, old_spans.get(rel.head), old_spans.get(rel.tail)),
                      lambda raw: key(raw.type, spans.get(raw.head), spans.get(raw.tail)))

    def by_ids(raw) -> tuple | None:  # only where both ids name the same entities before and after
        known = raw.head in old_entities and raw.tail in old_entities and raw.head in spans and raw.tail in spans
        return key(raw.type, raw.head, raw.tail) if known else None

    still = claim(unmatched, lambda rel: key(rel.type, rel.head, rel.tail), by_ids)
    for raw in still:
        if raw.given_id in claimed or (raw.given_id is not None and not RELATION_ID.fullmatch(raw.given_id)):
            raw.given_id = None
