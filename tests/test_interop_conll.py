"""CoNLL export: the dataset's words, IOB2 tags written out by hand, one -DOCSTART- per document."""

import json

from train.cli import main

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"

# Hand-made: punctuation is a word of its own; a word holding a proclitic and a name
# (وقسد, span قسد) takes the name's tag.
EXPECTED_D = """-DOCSTART-\tO

سيطرت\tO
قوات\tB-FACTION
النظام\tI-FACTION
على\tO
حلب\tB-LOCATION
.\tO

وقسد\tB-FACTION
في\tO
الرقة\tB-LOCATION
،\tO
وقسد\tB-FACTION
تقاتل\tO
داعش\tB-FACTION

"""

EXPECTED_E = """-DOCSTART-\tO

دير\tB-LOCATION
الزور\tI-LOCATION
(\tO
شرق\tO
)\tO

"""

ENTITIES_D = [{"id": "T1", "type": "FACTION", "start": 6, "end": 17, "text": "قوات النظام"},
              {"id": "T2", "type": "LOCATION", "start": 22, "end": 25, "text": "حلب"},
              {"id": "T3", "type": "FACTION", "start": 28, "end": 31, "text": "قسد"},
              {"id": "T4", "type": "LOCATION", "start": 35, "end": 40, "text": "الرقة"},
              {"id": "T5", "type": "FACTION", "start": 43, "end": 46, "text": "قسد"},
              {"id": "T6", "type": "FACTION", "start": 53, "end": 57, "text": "داعش"}]
TEXT_E = "دير الزور (شرق)"


def test_entity_offsets_are_right():
    for e in ENTITIES_D:
        assert TEXT[e["start"]:e["end"]] == e["text"]


def write_annotations(tmp_path):
    for doc_id, text, entities in (("d", TEXT, ENTITIES_D), ("e", TEXT_E, [
            {"id": "T1", "type": "LOCATION", "start": 0, "end": 9, "text": "دير الزور"}])):
        (tmp_path / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        record = {"id": doc_id, "text_file": str(tmp_path / f"{doc_id}.txt"), "entities": entities, "relations": []}
        (tmp_path / "ann").mkdir(exist_ok=True)
        (tmp_path / "ann" / f"{doc_id}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def test_conll_of_annotations(tmp_path):
    write_annotations(tmp_path)
    assert main(["export", "conll", str(tmp_path / "ann"), "--out", str(tmp_path / "out.conll")]) == 0
    assert (tmp_path / "out.conll").read_text(encoding="utf-8") == EXPECTED_D + EXPECTED_E


def test_conll_of_predictions_takes_texts_by_id(tmp_path):
    write_annotations(tmp_path)
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "e.txt").write_text(TEXT_E, encoding="utf-8")
    prediction = {"id": "e", "entities": [{"id": "T1", "type": "LOCATION", "start": 0, "end": 9, "text": "دير الزور", "score": 0.7}],
                  "relations": []}
    (tmp_path / "p.jsonl").write_text(json.dumps(prediction, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["export", "conll", str(tmp_path / "p.jsonl"), "--out", str(tmp_path / "p.conll"),
                 "--texts", str(tmp_path / "texts")]) == 0
    assert (tmp_path / "p.conll").read_text(encoding="utf-8") == EXPECTED_E


def test_predictions_without_any_text_are_an_error(tmp_path, capsys):
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": "nowhere", "entities": [], "relations": []}) + "\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    assert main(["export", "conll", str(tmp_path / "p.jsonl"), "--out", str(tmp_path / "p.conll"),
                 "--texts", str(tmp_path / "empty")]) == 1
    assert "no text for nowhere" in capsys.readouterr().err
