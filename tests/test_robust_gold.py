"""Nothing trains, builds or scores on gold that `validate` rejects; the validator reads
files with a schema and names the file, the item and the reason for every problem."""

import json

import pytest
from helpers import TEXT, synthetic_document, tiny_config
from robust_helpers import annotation_folder

from train.data.documents import DocumentError, load_annotation_file
from train.data.validate import AnnotationError, validate_paths
from train.evaluate.scoring import score_documents
from train.splits import load_split_documents

GOOD = synthetic_document().to_dict()
ENTS, RELS = GOOD["entities"], GOOD["relations"]


def corrupted(change) -> dict:
    record = json.loads(json.dumps({"entities": ENTS, "relations": RELS}))
    change(record)
    return record


CORRUPTIONS = {
    "offset out of range": (lambda r: r["entities"][0].update(end=999), "offsets out of range"),
    "negative offset": (lambda r: r["entities"][0].update(start=-3), "offsets out of range"),
    "text differs from the offsets": (lambda r: r["entities"][1].update(text="دمشق"), "text mismatch"),
    "overlapping spans": (lambda r: r["entities"].append({**ENTS[0], "id": "T9", "start": 11, "end": 17,
                                                          "text": TEXT[11:17]}), "overlaps"),
    "duplicate entity id": (lambda r: r["entities"][1].update(id="T1"), "duplicate entity id"),
    "relation to a missing entity": (lambda r: r["relations"][0].update(tail="T99"), "missing entity T99"),
    "relation across sentences": (lambda r: r["relations"].append({"id": "R9", "type": "CONTROLS", "head": "T3",
                                                                   "tail": "T2"}), "across sentences"),
    "unknown entity type": (lambda r: r["entities"][0].update(type="PERSON"), "unknown entity type 'PERSON'"),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_training_refuses_corrupt_gold_naming_file_and_item(name, tmp_path, schema):
    change, message = CORRUPTIONS[name]
    folder = annotation_folder(tmp_path, {"d": corrupted(change)}, {"d": TEXT})
    config = tiny_config(f"--data.annotations={folder}", "--data.splits.validation=[]", "--data.splits.test=[]")
    with pytest.raises(AnnotationError) as failure:
        load_split_documents(config)  # what fit, dataset, evaluate and cv read their documents with
    assert message in str(failure.value) and "d.json" in str(failure.value)


BAD_SHAPES = {
    "relations is null": ({"relations": None}, "relations: Input should be a valid list"),
    "relations is a number": ({"relations": 5}, "relations: Input should be a valid list"),
    "misspelled relations key": ({"relation": RELS}, "relation: unknown key (misspelled?)"),
    "empty entity id": ({"entities": [{**ENTS[0], "id": ""}]}, "entities[0].id: String should have at least 1"),
    "offset given as a string": ({"entities": [{**ENTS[0], "start": "6"}]}, "entities[0] (T1).start: Input should be"),
    "too many entities": ({"entities": [ENTS[0]] * 20_001}, "more than 20000 items"),
}


@pytest.mark.parametrize("name", BAD_SHAPES)
def test_file_shape_problems_are_one_line_each(name, tmp_path, schema):
    extra, message = BAD_SHAPES[name]
    record = {"entities": ENTS, "relations": RELS, **extra}
    folder = annotation_folder(tmp_path, {"d": record}, {"d": TEXT})
    report = validate_paths([folder], schema)
    assert len(report.errors) == 1
    assert message in report.errors[0].message and str(folder / "d.json") in report.errors[0].where


def test_a_json_array_and_deep_nesting_are_reported_not_raised(tmp_path, schema):
    (tmp_path / "array.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    report = validate_paths([tmp_path], schema)
    messages = sorted(p.message for p in report.errors)
    assert messages == ["JSON nested too deeply", "expected a JSON object (one document), got list"]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    record = {"id": "d", "text_file": "x.txt", "entities": [{**ENTS[0], "start": "6", "colour": "red"}],
              "relation": []}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(DocumentError) as failure:
        load_annotation_file(path, tmp_path)
    message = str(failure.value)
    assert "entities[0] (T1).start" in message and "entities[0] (T1).colour: unknown key" in message
    assert "relation: unknown key" in message


def test_an_entity_that_spans_a_line_break_is_an_error_in_validate_as_in_dataset(tmp_path, schema):
    text = "قوات سوريا\nالديمقراطية في الرقة"
    folder = annotation_folder(tmp_path, {"d": {"entities": [
        {"id": "T1", "type": "FACTION", "start": 0, "end": 22, "text": text[:22]}], "relations": []}}, {"d": text})
    (error,) = validate_paths([folder], schema).errors
    assert "not inside one sentence" in error.message and "T1" in error.where


def test_the_scorer_refuses_two_predicted_entities_with_one_id(schema):
    gold = synthetic_document()
    pred = synthetic_document()
    pred.text = None
    pred.entities[1].id = "T1"
    with pytest.raises(ValueError, match="entity id 'T1' appears twice"):
        score_documents([gold], [pred], schema)
