"""Label Studio: JSON tasks (export and import) and the labeling config made from the schema.

A task is `{"data": {"text", "doc_id", "text_file"}, "annotations": [{"result": [...]}],
"predictions": [{"model_version", "score", "result": [...]}]}`. A span result is
`{"id", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start",
"end", "text", "labels": [TYPE]}}`; a relation result is `{"from_id", "to_id", "type":
"relation", "direction": "right", "labels": [TYPE]}`. Offsets are code points.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from ..data.documents import Document, Entity
from ..data.schema import Schema
from .importing import Imported, RawEntity, RawRelation, settle_document

FROM_NAME, TO_NAME = "label", "text"  # names of the Labels and Text tags in the config


# --- labeling config ---------------------------------------------------------------------

def labeling_config(schema: Schema) -> str:
    """The labeling config XML: every entity type as a Label, every relation type as a Relation."""
    attr = lambda value: escape(str(value), quote=True)  # noqa: E731
    relations = "".join(f'    <Relation value="{attr(name)}"/>\n' for name in schema.relation_names)
    labels = "".join(
        f'    <Label value="{attr(t.name)}" background="{attr(t.color)}" hint="{attr(t.description)}"/>\n'
        for t in schema.entity_types
    )
    return (
        "<View>\n"
        "  <!-- Generated from the label schema (annotations/schema.yaml) by `python -m train export labelstudio`. -->\n"
        f"  <Relations>\n{relations}  </Relations>\n"
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


def results(doc: Document) -> list[dict]:
    out = [_span_result(e) for e in doc.entities]
    for rel in doc.relations:
        # Label Studio itself gives relations no id; ours keep the round trip exact.
        item = {"id": rel.id, "from_id": rel.head, "to_id": rel.tail, "type": "relation",
                "direction": "right", "labels": [rel.type]}
        if rel.score is not None:
            item["score"] = round(float(rel.score), 4)
        out.append(item)
    return out


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

def read_labelstudio(path: Path) -> list[Imported]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{err.lineno}: invalid JSON: {err.msg}") from err
    tasks = [tasks] if isinstance(tasks, dict) else tasks
    if not isinstance(tasks, list):
        raise ValueError(f"{path}: expected a list of Label Studio tasks")
    return [read_task(t, f"{path}: task {i + 1}", f"{path.stem}_task{i + 1}") for i, t in enumerate(tasks)]


def _doc_id(data: dict, fallback: str) -> str:
    """`data.doc_id` (our exports set it), else the stem of `data.text_file`, else file and task number."""
    if isinstance(data.get("doc_id"), str):
        return data["doc_id"]
    if isinstance(data.get("text_file"), str):
        return Path(data["text_file"]).stem
    return fallback


def _chosen_annotation(task_: dict, place: str, item: Imported) -> dict | None:
    """The ground-truth annotation, else the last submitted one (reported when there is a choice)."""
    submitted = [a for a in task_.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not submitted:
        item.warning(place, "no submitted annotation; task skipped")
        return None
    chosen = next((a for a in submitted if a.get("ground_truth")), submitted[-1])
    if len(submitted) > 1:
        item.warning(place, f"{len(submitted)} annotations; imported annotation id {chosen.get('id', '?')}")
    return chosen


def read_task(task_: object, place: str, fallback_id: str) -> Imported:
    item = Imported(Document("", source=place))
    data = task_.get("data") if isinstance(task_, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        item.error(place, "task has no data.text (the raw text is needed to check offsets)")
        item.skip = True
        return item
    doc_id = _doc_id(data, fallback_id)
    place = item.doc.source = f"{place} ({doc_id})"
    annotation = _chosen_annotation(task_, place, item)
    if annotation is None:
        item.skip = True
        return item
    entities, relations = [], []
    for j, result in enumerate(annotation.get("result") or []):
        _read_result(result, f"{place} result[{j}]", data["text"], item, entities, relations)
    settle_document(item, doc_id, data["text"], entities, relations)
    return item


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


def _read_relation(result: dict, where: str, item: Imported) -> RawRelation | None:
    label = _single_label(result, where, item, "relation")
    head, tail = str(result.get("from_id")), str(result.get("to_id"))
    if result.get("direction") == "left":
        head, tail = tail, head
    elif result.get("direction") == "bi":
        item.warning(where, f"bidirectional relation {label} imported as from_id -> to_id")
    return RawRelation(result.get("id"), label, head, tail, where) if label else None


def _read_result(result: object, where: str, text: str, item: Imported, entities: list, relations: list) -> None:
    kind = result.get("type") if isinstance(result, dict) else None
    if kind == "labels":
        entity = _read_span(result, where, text, item)
        entities += [entity] if entity else []
    elif kind == "relation":
        relation = _read_relation(result, where, item)
        relations += [relation] if relation else []
    else:
        item.warning(where, f"result of type {kind!r} ignored (only labels and relation results are imported)")
