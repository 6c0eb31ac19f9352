"""Relation scores in the three settings, against hand-computed expectations.

Same text and gold as test_evaluate_scoring: CONTROLS(T1 قوات النظام, T2 حلب),
PRESENT_IN(T3 قسد, T4 الرقة), HOSTILE_TO(T5 قسد, T6 داعش); HOSTILE_TO is symmetric in
the schema, CONTROLS and PRESENT_IN are not.
"""

import pytest

from train.data.documents import Document, Entity, Relation
from train.evaluate.scoring import score_documents

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"
GOLD_SPANS = {"T1": ("FACTION", 6, 17), "T2": ("LOCATION", 22, 25), "T3": ("FACTION", 28, 31),
              "T4": ("LOCATION", 35, 40), "T5": ("FACTION", 43, 46), "T6": ("FACTION", 53, 57)}


def entities(spans: dict) -> list[Entity]:
    return [Entity(eid, t, s, e, TEXT[s:e]) for eid, (t, s, e) in spans.items()]


def gold_doc() -> Document:
    rels = [Relation("R1", "CONTROLS", "T1", "T2"), Relation("R2", "PRESENT_IN", "T3", "T4"),
            Relation("R3", "HOSTILE_TO", "T5", "T6")]
    return Document("a", TEXT, entities(GOLD_SPANS), rels)


def relations(*triples: tuple[str, str, str]) -> list[Relation]:
    return [Relation(f"R{i}", t, h, tl) for i, (t, h, tl) in enumerate(triples)]


def check(row: dict, precision: float, recall: float, f1: float) -> None:
    assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((precision, recall, f1))


def score(pred: Document, schema) -> dict:
    return score_documents([gold_doc()], [pred], schema)["relations"]


def test_symmetric_relation_given_in_reverse_matches(schema):
    assert "HOSTILE_TO" in schema.symmetric_relations
    pred = Document("a", None, entities(GOLD_SPANS), relations(("HOSTILE_TO", "T6", "T5")))
    rel = score(pred, schema)
    for setting in ("found_entities", "end_to_end", "boundaries"):
        check(rel[setting]["per_type"]["HOSTILE_TO"], 1.0, 1.0, 1.0)
        check(rel[setting]["micro"], 1.0, 1 / 3, 0.5)


def test_directed_relation_given_in_reverse_is_wrong(schema):
    assert "CONTROLS" not in schema.symmetric_relations
    pred = Document("a", None, entities(GOLD_SPANS), relations(("CONTROLS", "T2", "T1")))
    rel = score(pred, schema)
    for setting in ("found_entities", "end_to_end", "boundaries"):
        check(rel[setting]["micro"], 0.0, 0.0, 0.0)


def test_classification_given_gold_entities(schema):
    # predicted from the gold entities: CONTROLS right, PRESENT_IN typed TARGETS,
    # HOSTILE_TO right (reversed, symmetric), one extra SUPPORTS, one NONE (never counted)
    pred = Document("a", None, entities(GOLD_SPANS), relations(
        ("CONTROLS", "T1", "T2"), ("TARGETS", "T3", "T4"), ("HOSTILE_TO", "T6", "T5"),
        ("SUPPORTS", "T1", "T3"), (schema.no_relation, "T1", "T5")))
    rel = score(pred, schema)
    # 2 right of 4 predicted relations, 3 gold
    check(rel["found_entities"]["micro"], 2 / 4, 2 / 3, 4 / 7)
    check(rel["end_to_end"]["micro"], 2 / 4, 2 / 3, 4 / 7)  # the same when entities are gold
    check(rel["found_entities"]["per_type"]["TARGETS"], 0.0, 0.0, 0.0)
    check(rel["found_entities"]["per_type"]["PRESENT_IN"], 0.0, 0.0, 0.0)
    assert rel["found_entities"]["per_type"]["PRESENT_IN"]["support"] == 1
    assert schema.no_relation not in rel["found_entities"]["per_type"]


def test_end_to_end_boundaries_and_given_entities_differ_as_defined(schema):
    spans = {"P1": ("FACTION", 6, 17), "P2": ("FACTION", 22, 25),   # حلب with the wrong type
             "P3": ("FACTION", 27, 31), "P4": ("LOCATION", 32, 40),  # وقسد, في الرقة: wrong spans
             "P5": ("FACTION", 43, 46), "P6": ("FACTION", 53, 57)}
    pred = Document("a", None, entities(spans), relations(
        ("CONTROLS", "P1", "P2"), ("PRESENT_IN", "P3", "P4"), ("HOSTILE_TO", "P6", "P5"),
        ("HOSTILE_TO", "P5", "P6"),  # the same symmetric relation again: counts once
        (schema.no_relation, "P1", "P6")))
    rel = score(pred, schema)
    # strict: only HOSTILE_TO has both arguments right in span and type: 1 of 3 predicted, 3 gold
    check(rel["end_to_end"]["micro"], 1 / 3, 1 / 3, 1 / 3)
    check(rel["end_to_end"]["per_type"]["CONTROLS"], 0.0, 0.0, 0.0)
    # spans only: CONTROLS(قوات النظام, حلب) now matches as well
    check(rel["boundaries"]["micro"], 2 / 3, 2 / 3, 2 / 3)
    check(rel["boundaries"]["per_type"]["CONTROLS"], 1.0, 1.0, 1.0)
    # given entities: found gold entities are T1, T5, T6; only HOSTILE_TO is over them, on both sides
    check(rel["found_entities"]["micro"], 1.0, 1.0, 1.0)
    assert rel["found_entities"]["considered"] == {"gold": 1, "predicted": 1}


def test_duplicate_relation_predictions_count_once(schema):
    once = Document("a", None, entities(GOLD_SPANS), relations(("CONTROLS", "T1", "T2"), ("TARGETS", "T1", "T2")))
    twice = Document("a", None, entities(GOLD_SPANS), relations(
        ("CONTROLS", "T1", "T2"), ("TARGETS", "T1", "T2"), ("TARGETS", "T1", "T2"), ("CONTROLS", "T1", "T2")))
    # 1 right of 2 distinct predictions either way
    check(score(once, schema)["end_to_end"]["micro"], 1 / 2, 1 / 3, 2 / 5)
    check(score(twice, schema)["end_to_end"]["micro"], 1 / 2, 1 / 3, 2 / 5)
    counts = score_documents([gold_doc()], [twice], schema)["counts"]
    assert counts["predicted_relations"] == 2
    assert counts["duplicate_predicted_relations"] == 2


def test_duplicate_predicted_entities_with_relations_count_once(schema):
    spans = dict(GOLD_SPANS, T7=GOLD_SPANS["T1"])  # T7 is a second copy of T1
    pred = Document("a", None, entities(spans), relations(("CONTROLS", "T1", "T2"), ("CONTROLS", "T7", "T2")))
    check(score(pred, schema)["end_to_end"]["micro"], 1.0, 1 / 3, 0.5)
