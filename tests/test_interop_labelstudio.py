"""Label Studio: the labeling config from the schema, tasks with predictions and gold, imports."""

import json
import xml.etree.ElementTree as ET

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
    assert [l.get("value") for l in labels.findall("Label")] == list(SCHEMA_YAML["entity_types"])
    assert [l.get("background") for l in labels.findall("Label")] == [t["color"] for t in SCHEMA_YAML["entity_types"].values()]
    assert [r.get("value") for r in root.find("Relations").findall("Relation")] == list(SCHEMA_YAML["relation_types"])
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
