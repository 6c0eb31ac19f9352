"""doccano JSONL import in both export shapes, with problems reported at line and item."""

import json

from train.cli import main

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"


def run(tmp_path, records, name="doccano.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    code = main(["import", "doccano", str(path), "--out", str(tmp_path / "ann"), "--text-dir", str(tmp_path / "texts")])
    return code, path


def read(tmp_path, doc_id):
    return json.loads((tmp_path / "ann" / f"{doc_id}.json").read_text(encoding="utf-8"))


def test_label_format(tmp_path):
    code, _ = run(tmp_path, [{"id": 7, "text": TEXT, "doc_id": "seq", "label": [[22, 25, "LOCATION"], [6, 17, "FACTION"]]}])
    assert code == 0
    assert read(tmp_path, "seq")["entities"] == [
        {"id": "T1", "type": "FACTION", "start": 6, "end": 17, "text": "قوات النظام"},
        {"id": "T2", "type": "LOCATION", "start": 22, "end": 25, "text": "حلب"},
    ]
    assert (tmp_path / "texts" / "seq.txt").read_text(encoding="utf-8") == TEXT


def test_relation_format_maps_database_ids_and_orders_symmetric_pairs(tmp_path):
    record = {"id": 3, "text": TEXT, "meta": {"doc_id": "rel"},
              "entities": [{"id": 501, "start_offset": 53, "end_offset": 57, "label": "FACTION"},
                           {"id": 502, "start_offset": 43, "end_offset": 46, "label": "FACTION"},
                           {"id": 503, "start_offset": 28, "end_offset": 31, "label": "FACTION"},
                           {"id": 504, "start_offset": 35, "end_offset": 40, "label": "LOCATION"}],
              "relations": [{"id": 9, "from_id": 503, "to_id": 504, "type": "PRESENT_IN"},
                            {"id": 8, "from_id": 501, "to_id": 502, "type": "HOSTILE_TO"}]}
    assert run(tmp_path, [record])[0] == 0
    doc = read(tmp_path, "rel")
    assert [(e["id"], e["start"], e["text"]) for e in doc["entities"]] == [
        ("T1", 28, "قسد"), ("T2", 35, "الرقة"), ("T3", 43, "قسد"), ("T4", 53, "داعش")]
    assert doc["relations"] == [{"id": "R1", "type": "PRESENT_IN", "head": "T1", "tail": "T2"},
                                {"id": "R2", "type": "HOSTILE_TO", "head": "T3", "tail": "T4"}]


def test_document_ids_default_to_file_and_line(tmp_path):
    code, _ = run(tmp_path, [{"text": TEXT, "label": []}, {"text": "نص آخر", "label": []}], name="batch.jsonl")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "ann").iterdir()) == ["batch_1.json", "batch_2.json"]


def test_problems_name_line_and_item(tmp_path, capsys):
    records = [{"text": TEXT, "doc_id": "ok", "label": [[6, 17, "FACTION"]]},
               {"text": TEXT, "doc_id": "bad", "label": [[6, 17, "FACTION"], [22, 25, "PERSON"], [5, "x"]]},
               {"doc_id": "no_text", "label": []}]
    code, path = run(tmp_path, records)
    assert code == 1
    err = capsys.readouterr().err
    assert f"{path}:2: label[1]: T2 (22-25): unknown entity type 'PERSON'" in err
    assert f"{path}:2: label[2]: expected [start, end, label]" in err
    assert f"{path}:3: record has no 'text'" in err
    assert not (tmp_path / "ann").exists()  # one bad document stops the whole import


def test_duplicate_document_ids_are_refused(tmp_path, capsys):
    code, _ = run(tmp_path, [{"text": TEXT, "doc_id": "same", "label": []}, {"text": TEXT, "doc_id": "same", "label": []}])
    assert code == 1
    assert "document id 'same' also comes from" in capsys.readouterr().err


def test_export_doccano_round_trips_every_annotated_article(tmp_path):
    from conftest import ROOT

    exported = tmp_path / "all.jsonl"
    assert main(["export", "doccano", str(ROOT / "annotations"), "--out", str(exported)]) == 0
    records = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 30 and all(isinstance(e["id"], int) for r in records for e in r["entities"])
    assert main(["import", "doccano", str(exported), "--out", str(tmp_path / "ann"),
                 "--text-dir", str(tmp_path / "texts")]) == 0
    for original in sorted((ROOT / "annotations").glob("*.json")):
        back = json.loads((tmp_path / "ann" / original.name).read_text(encoding="utf-8"))
        mine = json.loads(original.read_text(encoding="utf-8"))
        assert (back["id"], back["entities"], back["relations"]) == (mine["id"], mine["entities"], mine["relations"])


def test_a_label_only_export_never_deletes_relations(tmp_path):
    with_relation = {"text": TEXT, "meta": {"doc_id": "d"},
                     "entities": [{"id": 1, "start_offset": 6, "end_offset": 17, "label": "FACTION"},
                                  {"id": 2, "start_offset": 22, "end_offset": 25, "label": "LOCATION"}],
                     "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "CONTROLS"}]}
    assert run(tmp_path, [with_relation])[0] == 0
    before = (tmp_path / "ann" / "d.json").read_text(encoding="utf-8")
    label_only = {"text": TEXT, "doc_id": "d", "label": [[6, 17, "FACTION"], [22, 25, "LOCATION"]]}
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(label_only, ensure_ascii=False) + "\n", encoding="utf-8")
    code = main(["import", "doccano", str(path), "--out", str(tmp_path / "ann"), "--text-dir", str(tmp_path / "texts"),
                 "--force"])
    assert code == 1
    assert (tmp_path / "ann" / "d.json").read_text(encoding="utf-8") == before
