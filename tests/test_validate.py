"""One crafted bad file per validator error, the lint warnings, and the committed annotations."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT

from train.data.validate import validate_paths

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"
#        0         1         2         3         4         5
# entities of the valid base document
BASE_ENTITIES = [
    {"id": "T1", "type": "FACTION", "start": 6, "end": 17, "text": "قوات النظام"},
    {"id": "T2", "type": "LOCATION", "start": 22, "end": 25, "text": "حلب"},
    {"id": "T3", "type": "FACTION", "start": 28, "end": 31, "text": "قسد"},
    {"id": "T4", "type": "LOCATION", "start": 35, "end": 40, "text": "الرقة"},
    {"id": "T5", "type": "FACTION", "start": 43, "end": 46, "text": "قسد"},
    {"id": "T6", "type": "FACTION", "start": 53, "end": 57, "text": "داعش"},
]
BASE_RELATIONS = [
    {"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"},
    {"id": "R2", "type": "PRESENT_IN", "head": "T3", "tail": "T4"},
    {"id": "R3", "type": "HOSTILE_TO", "head": "T5", "tail": "T6"},
]


def write_doc(tmp_path, entities, relations, name="doc"):
    (tmp_path / f"{name}.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"id": name, "text_file": f"{name}.txt", "entities": entities,
                                "relations": relations}, ensure_ascii=False), encoding="utf-8")
    return path


def problems_for(tmp_path, entities, relations, schema):
    path = write_doc(tmp_path, entities, relations)
    return validate_paths([path], schema, root=tmp_path)


def test_text_offsets_are_right():
    for ent in BASE_ENTITIES:
        assert TEXT[ent["start"]:ent["end"]] == ent["text"]


def test_valid_document_has_no_problem(tmp_path, schema):
    report = problems_for(tmp_path, BASE_ENTITIES, BASE_RELATIONS, schema)
    assert report.problems == []


def replace(items, index, **changes):
    items = [dict(i) for i in items]
    items[index].update(changes)
    return items


BAD_CASES = {
    "offsets out of range": (replace(BASE_ENTITIES, 5, end=99), BASE_RELATIONS),
    "text mismatch": (replace(BASE_ENTITIES, 1, text="دمشق"), BASE_RELATIONS),
    "unknown entity type": (replace(BASE_ENTITIES, 1, type="CITY"), BASE_RELATIONS),
    "unknown relation type": (BASE_ENTITIES, replace(BASE_RELATIONS, 0, type="OWNS")),
    "duplicate entity id": (replace(BASE_ENTITIES, 1, id="T1"), []),
    "points to missing entity": (BASE_ENTITIES, replace(BASE_RELATIONS, 0, tail="T9")),
    "not allowed for": (BASE_ENTITIES, replace(BASE_RELATIONS, 0, head="T2", tail="T1")),
    "overlaps": (BASE_ENTITIES + [{"id": "T7", "type": "FACTION", "start": 11, "end": 17, "text": "النظام"}], []),
    "symmetric relation stored twice": (BASE_ENTITIES, BASE_RELATIONS + [{"id": "R4", "type": "HOSTILE_TO", "head": "T5", "tail": "T6"}]),
    "earlier mention as head": (BASE_ENTITIES, replace(BASE_RELATIONS, 2, head="T6", tail="T5")),
    "duplicate relation": (BASE_ENTITIES, BASE_RELATIONS + [{"id": "R4", "type": "CONTROLS", "head": "T1", "tail": "T2"}]),
    "across sentences": (BASE_ENTITIES, replace(BASE_RELATIONS, 1, head="T1")),
    "space or punctuation": (replace(BASE_ENTITIES, 3, start=34, text=" الرقة"), BASE_RELATIONS),
    "trailing punctuation": (replace(BASE_ENTITIES, 3, end=41, text="الرقة،"), BASE_RELATIONS),
    "duplicate id": (BASE_ENTITIES, replace(BASE_RELATIONS, 1, id="R1")),
}


@pytest.mark.parametrize("expected", sorted(BAD_CASES))
def test_each_error_is_reported_with_file_and_item(tmp_path, schema, expected):
    entities, relations = BAD_CASES[expected]
    report = problems_for(tmp_path, entities, relations, schema)
    key = "starts or ends with space or punctuation" if expected == "trailing punctuation" else expected
    matching = [p for p in report.errors if key in p.message]
    assert matching, [str(p) for p in report.problems]
    assert all("doc.json" in p.where for p in matching)


def test_unreadable_file_is_one_error_and_others_still_checked(tmp_path, schema):
    good = write_doc(tmp_path, BASE_ENTITIES, BASE_RELATIONS, name="good")
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "bad", "text_file": "good.txt", "entities": [', encoding="utf-8")
    report = validate_paths([good, bad], schema, root=tmp_path)
    assert [d.id for d in report.documents] == ["good"]
    assert len(report.errors) == 1 and "bad.json" in report.errors[0].where and "invalid JSON" in report.errors[0].message


def test_lint_finds_unannotated_occurrence_after_proclitic(tmp_path, schema):
    entities = [e for e in BASE_ENTITIES if e["id"] != "T5"]  # the second قسد (after و) left out
    relations = [r for r in BASE_RELATIONS if r["id"] != "R3"]
    report = problems_for(tmp_path, entities, relations, schema)
    assert report.errors == []
    warnings = [w for w in report.warnings if "not annotated here" in w.message]
    assert [w.key for w in warnings] == [("doc", "43", "قسد")]


def test_lint_finds_type_conflicts(tmp_path, schema):
    report = problems_for(tmp_path, replace(BASE_ENTITIES, 4, type="LOCATION"), BASE_RELATIONS[:2], schema)
    assert any("different types" in w.message and "قسد" in w.message for w in report.warnings)


def test_explained_warnings_are_not_reported(tmp_path, schema):
    guide = tmp_path / "GUIDE.md"
    guide.write_text("# x\n## 6. Explained lint warnings\n| document | offset | string | why |\n|---|---|---|---|\n"
                     "| doc | 43 | قسد | test |\n", encoding="utf-8")
    entities = [e for e in BASE_ENTITIES if e["id"] != "T5"]
    path = write_doc(tmp_path, entities, BASE_RELATIONS[:2])
    report = validate_paths([path], schema, root=tmp_path, guidelines=guide)
    assert report.warnings == [] and len(report.explained) == 1


def test_committed_annotations_have_no_errors_and_no_unexplained_warnings():
    result = subprocess.run([sys.executable, "-m", "train", "validate"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 errors, 0 warnings" in result.stdout, result.stdout


def test_validate_cli_exits_1_on_errors_and_names_the_file(tmp_path):
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    record = {"id": "doc", "text_file": str(tmp_path / "doc.txt"),  # absolute: not under the repository
              "entities": replace(BASE_ENTITIES, 1, text="دمشق"), "relations": []}
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "train", "validate", str(path)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{path}: T2 (22-25): text mismatch" in result.stderr
