"""Label Studio: the labeling config from the schema, tasks with predictions and gold, imports."""

import json
import xml.etree.ElementTree as ET

import pytest
import yaml
from conftest import ROOT

from train.cli import main

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"
SCHEMA_YAML = yaml.safe_load((ROOT / "annotations" / "schema.yaml").read_text(encoding="utf-8"))


def export(tmp_path, source, *extra):
    out = tmp_path / "ls"
    assert main(["export", "labelstudio", str(source), "--out", str(out), *extra]) == 0
    return json.loads((out / "tasks.json").read_text(encoding="utf-8")), (out / "labeling_config.xml").read_text(encoding="utf-8")


def test_labeling_config_has_every_schema_label(tmp_path):
    _, config = export(tmp_path, ROOT / "tests" / "fixtures" / "interop" / "annotations")
    root = ET.fromstring(config)
    labels = root.find("Labels")
    text = root.find(".//Text")
    assert [label.get("value") for label in labels.findall("Label")] == list(SCHEMA_YAML["entity_types"])
    assert [label.get("background") for label in labels.findall("Label")] == [t["color"] for t in SCHEMA_YAML["entity_types"].values()]
    assert [r.get("value") for r in root.find("Relations").findall("Relation")] == list(SCHEMA_YAML["relation_types"])
    # the editor keeps one relation per ordered pair of regions: a pair with two types needs two labels on it
    assert root.find("Relations").get("choice") == "multiple"
    assert labels.get("toName") == text.get("name") and text.get("value") == "$text"


def write_gold_and_predictions(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "d.txt").write_text(TEXT, encoding="utf-8")
    gold = {"id": "d", "text_file": str(tmp_path / "texts" / "d.txt"),
            "entities": [{"id": "T1", "type": "FACTION", "start": 6, "end": 17, "text": "قوات النظام"},
                         {"id": "T2", "type": "LOCATION", "start": 22, "end": 25, "text": "حلب"}],
            "relations": [{"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"}]}
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "d.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    prediction = {"id": "d", "entities": [
        {"id": "T1", "type": "FACTION", "start": 6, "end": 17, "text": "قوات النظام", "score": 0.9},
        {"id": "T2", "type": "LOCATION", "start": 35, "end": 40, "text": "الرقة", "score": 0.5}],
        "relations": [{"id": "R1", "type": "PRESENT_IN", "head": "T1", "tail": "T2", "score": 0.4}]}
    (tmp_path / "pred.jsonl").write_text(json.dumps(prediction, ensure_ascii=False) + "\n", encoding="utf-8")


def test_predictions_become_scored_pre_annotations_and_gold_annotations(tmp_path):
    write_gold_and_predictions(tmp_path)
    tasks, _ = export(tmp_path, tmp_path / "pred.jsonl", "--texts", str(tmp_path / "gold"), "--with-gold")
    (task,) = tasks
    assert task["data"]["text"] == TEXT and task["data"]["doc_id"] == "d"
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "pred"
    assert abs(prediction["score"] - (0.9 + 0.5 + 0.4) / 3) < 1e-4
    spans = [r for r in prediction["result"] if r["type"] == "labels"]
    assert [(r["value"]["start"], r["value"]["end"], r["value"]["labels"], r["score"]) for r in spans] == [
        (6, 17, ["FACTION"], 0.9), (35, 40, ["LOCATION"], 0.5)]
    (relation,) = [r for r in prediction["result"] if r["type"] == "relation"]
    assert (relation["from_id"], relation["to_id"], relation["labels"], relation["direction"]) == ("T1", "T2", ["PRESENT_IN"], "right")
    (annotation,) = task["annotations"]
    assert [r["value"]["text"] for r in annotation["result"] if r["type"] == "labels"] == ["قوات النظام", "حلب"]
    assert "score" not in annotation["result"][0]


def test_predictions_without_gold_have_no_annotations(tmp_path):
    write_gold_and_predictions(tmp_path)
    (tmp_path / "texts_only").mkdir()
    (tmp_path / "texts_only" / "d.txt").write_text(TEXT, encoding="utf-8")
    tasks, _ = export(tmp_path, tmp_path / "pred.jsonl", "--texts", str(tmp_path / "texts_only"))
    assert "annotations" not in tasks[0] and len(tasks[0]["predictions"]) == 1


def span(region_id, start, end, label, text=None):
    return {"id": region_id, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": TEXT[start:end] if text is None else text, "labels": [label]}}


LS_EXPORT = [
    {"id": 11, "data": {"text": TEXT, "doc_id": "from_ls"}, "annotations": [
        {"id": 1, "was_cancelled": True, "result": []},
        {"id": 2, "result": [
            span("xYz81_aQ", 53, 57, "FACTION"),      # created first, but last in the text
            span("Pq0_zz12", 6, 17, "FACTION"),
            span("Lm3k_aa9", 22, 25, "LOCATION"),
            span("b7Hn_c1x", 43, 46, "FACTION"),
            {"from_id": "Lm3k_aa9", "to_id": "Pq0_zz12", "type": "relation", "direction": "left", "labels": ["CONTROLS"]},
            {"from_id": "xYz81_aQ", "to_id": "b7Hn_c1x", "type": "relation", "direction": "right", "labels": ["HOSTILE_TO"]},
            {"id": "c1", "from_name": "notes", "to_name": "text", "type": "choices", "value": {"choices": ["ok"]}},
        ]}]},
    {"id": 12, "data": {"text": TEXT, "doc_id": "nobody"}, "annotations": []},
]


def test_import_of_a_label_studio_export(tmp_path, capsys):
    (tmp_path / "export.json").write_text(json.dumps(LS_EXPORT, ensure_ascii=False), encoding="utf-8")
    assert main(["import", "labelstudio", str(tmp_path / "export.json"), "--out", str(tmp_path / "ann"),
                 "--text-dir", str(tmp_path / "texts")]) == 0
    record = json.loads((tmp_path / "ann" / "from_ls.json").read_text(encoding="utf-8"))
    # Label Studio's random region ids are replaced by T1.. in text order, entities listed in text order
    assert [(e["id"], e["start"], e["type"]) for e in record["entities"]] == [
        ("T1", 6, "FACTION"), ("T2", 22, "LOCATION"), ("T3", 43, "FACTION"), ("T4", 53, "FACTION")]
    assert record["relations"] == [
        {"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"},   # direction "left" reverses from/to
        {"id": "R2", "type": "HOSTILE_TO", "head": "T3", "tail": "T4"},  # symmetric: earlier mention first
    ]
    assert not (tmp_path / "ann" / "nobody.json").exists()
    out = capsys.readouterr().out
    assert "task 2 (nobody): no submitted annotation; task skipped" in out
    assert "task 1 (from_ls) result[6]: result of type 'choices' ignored" in out


def test_offsets_that_do_not_match_their_text_are_reported_per_result(tmp_path, capsys):
    bad = [{"data": {"text": TEXT, "doc_id": "bad"}, "annotations": [{"result": [
        span("T1", 6, 17, "FACTION"), span("T2", 23, 26, "LOCATION", text="حلب"), span("T3", 35, 40, "PLACE")]}]}]
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    assert main(["import", "labelstudio", str(tmp_path / "bad.json"), "--out", str(tmp_path / "ann"),
                 "--text-dir", str(tmp_path / "texts")]) == 1
    err = capsys.readouterr().err
    assert "task 1 (bad) result[1]: T2 (23-26): text mismatch" in err
    assert "task 1 (bad) result[2]: T3 (35-40): unknown entity type 'PLACE'" in err
    assert not (tmp_path / "ann").exists()


# --- a pair with several relation types, the newest annotation, stable ids, JSON_MIN -----------

def entity(eid, etype, start, end):
    return {"id": eid, "type": etype, "start": start, "end": end, "text": TEXT[start:end]}


# قوات النظام 6-17, حلب 22-25, الرقة 35-40, قسد 43-46, داعش 53-57 (the first قسد, 28-31, is unannotated)
FILE_D = {"id": "d", "entities": [entity("T1", "FACTION", 6, 17), entity("T2", "LOCATION", 22, 25),
                                  entity("T3", "LOCATION", 35, 40), entity("T4", "FACTION", 43, 46),
                                  entity("T5", "FACTION", 53, 57)],
          "relations": [{"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"},
                        {"id": "R2", "type": "TARGETS", "head": "T1", "tail": "T2"},
                        {"id": "R3", "type": "PRESENT_IN", "head": "T4", "tail": "T3"},
                        {"id": "R4", "type": "HOSTILE_TO", "head": "T4", "tail": "T5"},
                        {"id": "R5", "type": "CONTROLS", "head": "T4", "tail": "T3"}]}


def write_file_d(tmp_path, folder="gold"):
    (tmp_path / "texts").mkdir(exist_ok=True)
    (tmp_path / "texts" / "d.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / folder).mkdir()
    record = dict(FILE_D, text_file=str(tmp_path / "texts" / "d.txt"))
    (tmp_path / folder / "d.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return record


def import_ls(tmp_path, tasks, out="ann", *extra):
    (tmp_path / "export.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return main(["import", "labelstudio", str(tmp_path / "export.json"), "--out", str(tmp_path / out),
                 "--text-dir", str(tmp_path / "texts"), *extra])


def relation(from_id, to_id, *labels, rel_id=None):
    item = {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": list(labels)}
    return dict(item, id=rel_id) if rel_id else item


def test_a_pair_with_several_types_travels_as_one_relation_with_several_labels(tmp_path):
    write_file_d(tmp_path)
    tasks, _ = export(tmp_path, tmp_path / "gold")
    relations = [r for r in tasks[0]["annotations"][0]["result"] if r["type"] == "relation"]
    # one result per (head, tail) pair, where the pair first occurs; the ids joined, in the file's order
    assert relations == [relation("T1", "T2", "CONTROLS", "TARGETS", rel_id="R1+R2"),
                         relation("T4", "T3", "PRESENT_IN", "CONTROLS", rel_id="R3+R5"),
                         relation("T4", "T5", "HOSTILE_TO", rel_id="R4")]
    # and back, into a folder without the file: every relation under its id; a pair's relations
    # come back next to each other (R5 before R4), the only change a round trip can make
    assert import_ls(tmp_path, tasks) == 0
    back = json.loads((tmp_path / "ann" / "d.json").read_text(encoding="utf-8"))
    assert back["entities"] == FILE_D["entities"]
    assert [(r["id"], r["type"], r["head"], r["tail"]) for r in back["relations"]] == [
        ("R1", "CONTROLS", "T1", "T2"), ("R2", "TARGETS", "T1", "T2"), ("R3", "PRESENT_IN", "T4", "T3"),
        ("R5", "CONTROLS", "T4", "T3"), ("R4", "HOSTILE_TO", "T4", "T5")]


def test_an_editor_saved_relation_with_two_labels_becomes_two_relations(tmp_path):
    tasks = [{"data": {"text": TEXT, "doc_id": "e"}, "annotations": [{"result": [
        span("T1", 6, 17, "FACTION"), span("T2", 22, 25, "LOCATION"),
        relation("T1", "T2", "CONTROLS", "TARGETS")]}]}]       # no id: the editor drops them
    assert import_ls(tmp_path, tasks) == 0
    back = json.loads((tmp_path / "ann" / "e.json").read_text(encoding="utf-8"))
    assert back["relations"] == [{"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"},
                                 {"id": "R2", "type": "TARGETS", "head": "T1", "tail": "T2"}]


def test_a_relation_without_a_label_is_an_error(tmp_path, capsys):
    tasks = [{"data": {"text": TEXT, "doc_id": "e"}, "annotations": [{"result": [
        span("T1", 6, 17, "FACTION"), span("T2", 22, 25, "LOCATION"), relation("T1", "T2")]}]}]
    assert import_ls(tmp_path, tasks) == 1
    assert "task 1 (e) result[2]: relation T1 -> T2 must have at least one label, got []" in capsys.readouterr().err


def annotation(ann_id, entities, created=None, updated=None, **flags):
    out = {"id": ann_id, "result": [span(f"T{i + 1}", *e) for i, e in enumerate(entities)], **flags}
    out.update({k: v for k, v in (("created_at", created), ("updated_at", updated)) if v})
    return out


GOV, ALEPPO, RAQQA = (6, 17, "FACTION"), (22, 25, "LOCATION"), (35, 40, "LOCATION")


def test_the_newest_annotation_is_imported_whatever_its_ground_truth_flag(tmp_path, capsys):
    tasks = [
        # --with-gold: the imported gold is ground truth; the annotator's correction is newer
        {"data": {"text": TEXT, "doc_id": "gold_then_fix"}, "annotations": [
            annotation(1, [GOV], "2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z", ground_truth=True),
            annotation(2, [GOV, ALEPPO], "2026-01-02T09:00:00.5Z", "2026-01-02T09:00:00.5Z", ground_truth=False),
            annotation(3, [], "2026-01-03T09:00:00Z", "2026-01-03T09:00:00Z", was_cancelled=True)]},  # skipped
        # updated_at counts before created_at: listed first, created earlier, updated last
        {"data": {"text": TEXT, "doc_id": "updated_later"}, "annotations": [
            annotation(7, [GOV, ALEPPO, RAQQA], "2026-01-01T00:00:00Z", "2026-01-09T00:00:00Z"),
            annotation(8, [GOV], "2026-01-05T00:00:00Z", "2026-01-05T00:00:00Z", ground_truth=True)]},
        # only created_at
        {"data": {"text": TEXT, "doc_id": "created_only"}, "annotations": [
            annotation(4, [GOV, ALEPPO], "2026-02-01T00:00:00+00:00"), annotation(5, [GOV], "2026-01-01T00:00:00+00:00")]},
        # no dates: the last listed
        {"data": {"text": TEXT, "doc_id": "undated"}, "annotations": [
            annotation(9, [GOV], ground_truth=True), annotation(10, [GOV, RAQQA])]},
    ]
    assert import_ls(tmp_path, tasks) == 0

    def count(doc_id):
        return len(json.loads((tmp_path / "ann" / f"{doc_id}.json").read_text(encoding="utf-8"))["entities"])

    assert (count("gold_then_fix"), count("updated_later"), count("created_only"), count("undated")) == (2, 3, 2, 2)
    lines = [line for line in capsys.readouterr().out.splitlines() if "submitted annotations" in line]
    assert lines == [
        f"warning: {tmp_path / 'export.json'}: task 1 (gold_then_fix): 2 submitted annotations; imported the newest, "
        "id 2 (updated 2026-01-02T09:00:00.500000+00:00); not imported: 1",
        f"warning: {tmp_path / 'export.json'}: task 2 (updated_later): 2 submitted annotations; imported the newest, "
        "id 7 (updated 2026-01-09T00:00:00+00:00); not imported: 8",
        f"warning: {tmp_path / 'export.json'}: task 3 (created_only): 2 submitted annotations; imported the newest, "
        "id 4 (updated 2026-02-01T00:00:00+00:00); not imported: 5",
        f"warning: {tmp_path / 'export.json'}: task 4 (undated): 2 submitted annotations; imported the newest, "
        "id 10 (the last listed, no dates); not imported: 9"]


# What the editor saves after an annotator's edit of the exported FILE_D: region ids kept,
# relations without ids. T1's span corrected to النظام (11-17); الرقة deleted and drawn again
# (a new region id, same span and type); R3 (PRESENT_IN T4 -> T3) deleted; HOSTILE_TO drawn
# the other way round; the first قسد (28-31) annotated, with a new PRESENT_IN to الرقة.
EDITED_D = [{"id": 21, "data": {"text": TEXT, "doc_id": "d"}, "annotations": [{"id": 5, "result": [
    span("T1", 11, 17, "FACTION"), span("T2", 22, 25, "LOCATION"), span("Xk9_aa", 35, 40, "LOCATION"),
    span("T4", 43, 46, "FACTION"), span("T5", 53, 57, "FACTION"), span("Nw_2", 28, 31, "FACTION"),
    relation("T1", "T2", "CONTROLS", "TARGETS"), relation("T4", "Xk9_aa", "CONTROLS"),
    relation("T5", "T4", "HOSTILE_TO"), relation("Nw_2", "Xk9_aa", "PRESENT_IN")]}]}]


def test_unchanged_entities_and_relations_keep_the_ids_of_the_file_they_replace(tmp_path):
    write_file_d(tmp_path, "ann")
    assert import_ls(tmp_path, EDITED_D, "ann", "--force") == 0
    back = json.loads((tmp_path / "ann" / "d.json").read_text(encoding="utf-8"))
    assert [(e["id"], e["type"], e["start"], e["end"]) for e in back["entities"]] == [
        ("T1", "FACTION", 11, 17),   # region id kept; span corrected
        ("T2", "LOCATION", 22, 25),
        ("T3", "LOCATION", 35, 40),  # redrawn region: same span and type as the file's T3
        ("T4", "FACTION", 43, 46), ("T5", "FACTION", 53, 57),
        ("T6", "FACTION", 28, 31)]   # new: after the highest kept id
    assert back["relations"] == [
        {"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"},  # head span changed, same entity: id kept
        {"id": "R2", "type": "TARGETS", "head": "T1", "tail": "T2"},
        {"id": "R5", "type": "CONTROLS", "head": "T4", "tail": "T3"},  # R3 deleted: R5 stays R5
        {"id": "R4", "type": "HOSTILE_TO", "head": "T4", "tail": "T5"},  # symmetric, drawn reversed: same relation
        {"id": "R6", "type": "PRESENT_IN", "head": "T6", "tail": "T3"},  # new: after the highest kept id
    ]


def test_without_a_file_to_replace_relations_are_numbered_in_order(tmp_path):
    """The same export into an empty folder: nothing to match, so the editor's id-less relations are renumbered."""
    (tmp_path / "texts").mkdir()
    assert import_ls(tmp_path, EDITED_D) == 0
    back = json.loads((tmp_path / "ann" / "d.json").read_text(encoding="utf-8"))
    assert [(e["id"], e["start"]) for e in back["entities"]] == [
        ("T1", 11), ("T2", 22), ("T7", 35), ("T4", 43), ("T5", 53), ("T6", 28)]  # new regions numbered in text order
    assert [(r["id"], r["type"]) for r in back["relations"]] == [
        ("R1", "CONTROLS"), ("R2", "TARGETS"), ("R3", "CONTROLS"), ("R4", "HOSTILE_TO"), ("R5", "PRESENT_IN")]


# As Label Studio 1.23.2 writes them: JSON_MIN (flat records), CSV and TSV
JSON_MIN = [{"text": TEXT, "doc_id": "d", "id": 1, "label": [{"start": 6, "end": 17, "text": "قوات النظام",
             "labels": ["FACTION"]}], "annotator": 1, "annotation_id": 1, "created_at": "2026-11-29T17:22:18.653213Z",
             "updated_at": "2026-11-29T17:22:18.653233Z", "lead_time": None}] * 3
CSV = '"annotation_id","annotator","created_at","doc_id","id","label","lead_time","text","updated_at"\n1,"1","2026","d",1,"[]",,"x","2026"\n'


@pytest.mark.parametrize("name, content, kind", [
    ("min.json", json.dumps(JSON_MIN, ensure_ascii=False), "JSON_MIN export"),
    ("export.csv", CSV, "CSV or TSV export"),
    ("export.tsv", CSV.replace(",", "\t"), "CSV or TSV export")])
def test_flat_exports_get_one_error_that_says_to_export_as_json(tmp_path, capsys, name, content, kind):
    (tmp_path / name).write_text(content, encoding="utf-8")
    assert main(["import", "labelstudio", str(tmp_path / name), "--out", str(tmp_path / "ann"),
                 "--text-dir", str(tmp_path / "texts")]) == 1
    err = capsys.readouterr().err
    assert err.count("error") == 1 and err.startswith(f"error: {tmp_path / name}: this is a {kind}")
    assert 'export the project as "JSON" from Label Studio' in err and "no data.text" not in err
    assert not (tmp_path / "ann").exists()
