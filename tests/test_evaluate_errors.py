"""The confusion table and the error list, on the prediction of test_evaluate_scoring."""

from train.data.documents import Document, Entity, Relation
from train.evaluate.errors import MISSED, SPURIOUS, find_errors
from train.evaluate.scoring import score_documents

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"


def ent(eid: str, etype: str, start: int, end: int) -> Entity:
    return Entity(eid, etype, start, end, TEXT[start:end])


def gold_doc() -> Document:
    ents = [ent("T1", "FACTION", 6, 17), ent("T2", "LOCATION", 22, 25), ent("T3", "FACTION", 28, 31),
            ent("T4", "LOCATION", 35, 40), ent("T5", "FACTION", 43, 46), ent("T6", "FACTION", 53, 57)]
    rels = [Relation("R1", "CONTROLS", "T1", "T2"), Relation("R2", "PRESENT_IN", "T3", "T4"),
            Relation("R3", "HOSTILE_TO", "T5", "T6")]
    return Document("a", TEXT, ents, rels)


def predicted_doc() -> Document:
    ents = [ent("P1", "FACTION", 6, 17), ent("P2", "FACTION", 22, 25), ent("P3", "FACTION", 27, 31),
            ent("P4", "LOCATION", 32, 40), ent("P5", "FACTION", 43, 46), ent("P7", "LOCATION", 47, 52),
            ent("P8", "FACTION", 53, 57)]
    rels = [Relation("R1", "CONTROLS", "P1", "P2"), Relation("R2", "PRESENT_IN", "P3", "P4"),
            Relation("R3", "HOSTILE_TO", "P8", "P5")]
    return Document("a", None, ents, rels)


def test_confusion_table(schema):
    confusion = score_documents([gold_doc()], [predicted_doc()], schema)["ner"]["confusion"]
    assert confusion["rows"] == schema.entity_names + [SPURIOUS]
    assert confusion["columns"] == schema.entity_names + [MISSED]
    counts = confusion["counts"]
    # FACTION gold: T1, T3 (boundary), T5, T6 all aligned to FACTION predictions
    assert counts["FACTION"] == {"FACTION": 4, "LOCATION": 0, MISSED: 0}
    # LOCATION gold: حلب predicted FACTION, الرقة aligned to في الرقة
    assert counts["LOCATION"] == {"FACTION": 1, "LOCATION": 1, MISSED: 0}
    assert counts[SPURIOUS] == {"FACTION": 0, "LOCATION": 1, MISSED: 0}


def test_confusion_counts_a_missed_entity(schema):
    pred = gold_doc()
    pred.entities = pred.entities[1:]
    pred.relations = []
    counts = score_documents([gold_doc()], [pred], schema)["ner"]["confusion"]["counts"]
    assert counts["FACTION"][MISSED] == 1
    assert counts["FACTION"]["FACTION"] == 3


def test_error_list_kinds_spans_and_sentences(schema):
    errors = find_errors([gold_doc()], [predicted_doc()], schema)
    entity_errors = [(e["kind"], [g["text"] for g in e["gold"]], [p["text"] for p in e["predicted"]])
                     for e in errors if e["area"] == "entity"]
    assert entity_errors == [
        ("wrong type", ["حلب"], ["حلب"]),
        ("wrong boundary", ["قسد"], ["وقسد"]),
        ("wrong boundary", ["الرقة"], ["في الرقة"]),
        ("spurious", [], ["تقاتل"]),
    ]
    first = errors[0]
    assert first["doc_id"] == "a"
    assert first["sentence"] == "سيطرت قوات النظام على حلب."
    assert first["gold"][0]["type"] == "LOCATION" and first["predicted"][0]["type"] == "FACTION"
    second_sentence = "وقسد في الرقة، وقسد تقاتل داعش"
    assert all(e["sentence"] == second_sentence and e["sentence_start"] == 27 for e in errors[1:4])


def test_relation_errors(schema):
    errors = [e for e in find_errors([gold_doc()], [predicted_doc()], schema) if e["area"] == "relation"]
    kinds = sorted((e["kind"], (e["gold_relation"] or e["predicted_relation"])["type"]) for e in errors)
    # CONTROLS has a FACTION tail and PRESENT_IN wrong spans: each one missed and one spurious;
    # HOSTILE_TO is right (symmetric, reversed)
    assert kinds == [("missed relation", "CONTROLS"), ("missed relation", "PRESENT_IN"),
                     ("spurious relation", "CONTROLS"), ("spurious relation", "PRESENT_IN")]


def test_wrong_relation_type_and_wrong_direction(schema):
    pred = gold_doc()
    pred.relations = [Relation("R1", "CONTROLS", "T2", "T1"), Relation("R2", "TARGETS", "T3", "T4"),
                      Relation("R3", "HOSTILE_TO", "T5", "T6")]
    errors = find_errors([gold_doc()], [pred], schema)
    assert [(e["kind"], e["gold_relation"]["type"], e["predicted_relation"]["type"]) for e in errors] == [
        ("wrong direction", "CONTROLS", "CONTROLS"), ("wrong relation type", "PRESENT_IN", "TARGETS")]
    assert errors[0]["predicted_relation"]["head"]["text"] == "حلب"


def test_missing_document_lists_every_gold_item_as_missed(schema):
    errors = find_errors([gold_doc()], [], schema)
    assert [e["kind"] for e in errors].count("missed") == 6
    assert [e["kind"] for e in errors].count("missed relation") == 3
