"""Entity scores (strict span, seqeval, lenient) against hand-computed expectations.

The gold document (offsets in the comments) and one prediction with every kind of error:

    سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش
    gold:  T1 قوات النظام 6-17 FACTION, T2 حلب 22-25 LOCATION, T3 قسد 28-31 FACTION,
           T4 الرقة 35-40 LOCATION, T5 قسد 43-46 FACTION, T6 داعش 53-57 FACTION
    pred:  قوات النظام FACTION (right), حلب FACTION (wrong type), وقسد 27-31 FACTION
           (proclitic kept: wrong span, same word), في الرقة 32-40 LOCATION (too long),
           قسد 43-46 FACTION twice (right, duplicate), تقاتل 47-52 LOCATION (spurious),
           داعش FACTION (right)
"""

import json

import pytest

from train.data.documents import Document, Entity, Relation
from train.evaluate.errors import find_errors
from train.evaluate.scoring import score_documents

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"


def ent(eid: str, etype: str, start: int, end: int) -> Entity:
    return Entity(eid, etype, start, end, TEXT[start:end])


def gold_doc(doc_id: str = "a") -> Document:
    ents = [ent("T1", "FACTION", 6, 17), ent("T2", "LOCATION", 22, 25), ent("T3", "FACTION", 28, 31),
            ent("T4", "LOCATION", 35, 40), ent("T5", "FACTION", 43, 46), ent("T6", "FACTION", 53, 57)]
    rels = [Relation("R1", "CONTROLS", "T1", "T2"), Relation("R2", "PRESENT_IN", "T3", "T4"),
            Relation("R3", "HOSTILE_TO", "T5", "T6")]
    return Document(doc_id, TEXT, ents, rels)


def predicted_doc(doc_id: str = "a") -> Document:
    ents = [ent("P1", "FACTION", 6, 17), ent("P2", "FACTION", 22, 25), ent("P3", "FACTION", 27, 31),
            ent("P4", "LOCATION", 32, 40), ent("P5", "FACTION", 43, 46), ent("P6", "FACTION", 43, 46),
            ent("P7", "LOCATION", 47, 52), ent("P8", "FACTION", 53, 57)]
    return Document(doc_id, None, ents, [])


def check(row: dict, precision: float, recall: float, f1: float, support: int | None = None) -> None:
    assert row["precision"] == pytest.approx(precision)
    assert row["recall"] == pytest.approx(recall)
    assert row["f1"] == pytest.approx(f1)
    if support is not None:
        assert row["support"] == support


def test_strict_span_scores(schema):
    span = score_documents([gold_doc()], [predicted_doc()], schema)["ner"]["span"]
    # FACTION: right = T1, T5, T6 of 5 distinct predictions (the duplicate counts once), 4 gold
    check(span["per_type"]["FACTION"], 3 / 5, 3 / 4, 2 / 3, 4)
    check(span["per_type"]["LOCATION"], 0.0, 0.0, 0.0, 2)
    check(span["micro"], 3 / 7, 3 / 6, 6 / 13, 6)
    check(span["macro"], (3 / 5 + 0) / 2, (3 / 4 + 0) / 2, (2 / 3 + 0) / 2)


def test_seqeval_scores_words_so_a_kept_proclitic_is_right(schema):
    seq = score_documents([gold_doc()], [predicted_doc()], schema)["ner"]["seqeval"]
    # on words, وقسد (27-31) and قسد (28-31) are the same chunk: FACTION 4 right of 5
    check(seq["per_type"]["FACTION"], 4 / 5, 4 / 4, 8 / 9, 4)
    # في الرقة is a two-word chunk, الرقة one word; حلب as FACTION is a LOCATION miss
    check(seq["per_type"]["LOCATION"], 0.0, 0.0, 0.0, 2)
    check(seq["micro"], 4 / 7, 4 / 6, 8 / 13, 6)


def test_lenient_scores_overlaps_of_the_same_type(schema):
    lenient = score_documents([gold_doc()], [predicted_doc()], schema)["ner"]["lenient"]
    check(lenient["per_type"]["FACTION"], 4 / 5, 4 / 4, 8 / 9, 4)
    # في الرقة overlaps الرقة (same type); حلب is FACTION, so no lenient match for T2
    check(lenient["per_type"]["LOCATION"], 1 / 2, 1 / 2, 1 / 2, 2)
    check(lenient["micro"], 5 / 7, 5 / 6, 10 / 13, 6)


def test_lenient_matches_each_gold_and_prediction_once(schema):
    gold = Document("a", TEXT, [ent("T1", "FACTION", 6, 17)], [])
    # two predictions inside one gold entity: only one of them can be credited
    pred = Document("a", None, [ent("P1", "FACTION", 6, 10), ent("P2", "FACTION", 11, 17)], [])
    check(score_documents([gold], [pred], schema)["ner"]["lenient"]["micro"], 1 / 2, 1 / 1, 2 / 3, 1)


def test_gold_against_itself_scores_one_everywhere(schema):
    metrics = score_documents([gold_doc()], [gold_doc()], schema)
    for view in ("span", "seqeval", "lenient"):
        for block in ("micro", "macro"):
            check(metrics["ner"][view][block], 1.0, 1.0, 1.0)
    for setting in ("found_entities", "end_to_end", "boundaries"):
        block = metrics["relations"][setting]
        check(block["micro"], 1.0, 1.0, 1.0, 3)
        for name in ("CONTROLS", "PRESENT_IN", "HOSTILE_TO"):
            check(block["per_type"][name], 1.0, 1.0, 1.0, 1)


def test_seed_annotations_against_themselves_score_one_with_no_errors(gold_docs, schema):
    metrics = score_documents(gold_docs, gold_docs, schema)
    for view in ("span", "seqeval", "lenient"):
        check(metrics["ner"][view]["micro"], 1.0, 1.0, 1.0, sum(len(d.entities) for d in gold_docs))
    for setting in ("found_entities", "end_to_end", "boundaries"):
        check(metrics["relations"][setting]["micro"], 1.0, 1.0, 1.0)
        for row in metrics["relations"][setting]["per_type"].values():
            assert row["f1"] == (1.0 if row["support"] else 0.0)
    confusion = metrics["ner"]["confusion"]["counts"]
    assert all(n == 0 for row, cols in confusion.items() for col, n in cols.items() if row != col)
    assert find_errors(gold_docs, gold_docs, schema) == []


def test_dropping_one_entity_lowers_recall_by_one_over_support(schema):
    full = score_documents([gold_doc()], [gold_doc()], schema)["ner"]["span"]
    pred = gold_doc()
    pred.entities = [e for e in pred.entities if e.id != "T2"]
    pred.relations = [r for r in pred.relations if "T2" not in (r.head, r.tail)]
    dropped = score_documents([gold_doc()], [pred], schema)["ner"]["span"]
    support = full["per_type"]["LOCATION"]["support"]
    assert support == 2
    assert full["per_type"]["LOCATION"]["recall"] - dropped["per_type"]["LOCATION"]["recall"] == pytest.approx(1 / support)
    assert full["micro"]["recall"] - dropped["micro"]["recall"] == pytest.approx(1 / 6)
    assert dropped["micro"]["precision"] == 1.0


def test_empty_document_and_empty_prediction_score_zero_with_support_zero(schema):
    empty = Document("e", "لا خبر هنا.", [], [])
    metrics = score_documents([empty], [Document("e", None, [], [])], schema)
    for view in ("span", "seqeval", "lenient"):
        check(metrics["ner"][view]["micro"], 0.0, 0.0, 0.0, 0)
        check(metrics["ner"][view]["macro"], 0.0, 0.0, 0.0)
        for row in metrics["ner"][view]["per_type"].values():
            check(row, 0.0, 0.0, 0.0, 0)
    for setting in ("found_entities", "end_to_end", "boundaries"):
        check(metrics["relations"][setting]["micro"], 0.0, 0.0, 0.0, 0)
    json.dumps(metrics)  # the training loop writes it as JSON


def test_document_missing_from_predictions_counts_as_all_misses(schema):
    other = Document("b", "انسحب داعش من تدمر.", [Entity("T1", "FACTION", 6, 10, "داعش"),
                                                   Entity("T2", "LOCATION", 14, 18, "تدمر")], [])
    metrics = score_documents([gold_doc(), other], [gold_doc()], schema)
    check(metrics["ner"]["span"]["micro"], 1.0, 6 / 8, 2 * (6 / 8) / (1 + 6 / 8), 8)
    check(metrics["ner"]["span"]["per_type"]["LOCATION"], 1.0, 2 / 3, 0.8, 3)
    assert metrics["counts"]["missing_documents"] == ["b"]
    assert metrics["counts"]["documents"] == 2


def test_predicted_document_not_in_gold_is_an_error(schema):
    stray = Document("zzz", None, [], [], source="preds.jsonl:2")
    with pytest.raises(ValueError, match=r"preds\.jsonl:2.*zzz"):
        score_documents([gold_doc()], [gold_doc(), stray], schema)


@pytest.mark.parametrize("bad, message", [
    (Document("a", None, [Entity("P1", "FACTION", 50, 90, "x")], [], source="p.jsonl:1"), "outside the text"),
    (Document("a", "نص آخر", [], [], source="p.jsonl:1"), "differs from the gold text"),
    (Document("a", None, [], [Relation("R1", "CONTROLS", "P1", "P2")], source="p.jsonl:1"), "unknown entity"),
])
def test_inconsistent_predictions_are_errors_naming_the_line(schema, bad, message):
    with pytest.raises(ValueError, match=message) as err:
        score_documents([gold_doc()], [bad], schema)
    assert "p.jsonl:1" in str(err.value)


def test_repeated_prediction_id_is_an_error(schema):
    with pytest.raises(ValueError, match="appears twice"):
        score_documents([gold_doc()], [predicted_doc(), predicted_doc()], schema)


def test_counts_report_duplicates(schema):
    counts = score_documents([gold_doc()], [predicted_doc()], schema)["counts"]
    assert counts["gold_entities"] == 6
    assert counts["predicted_entities"] == 7
    assert counts["duplicate_predicted_entities"] == 1
    assert counts["sentences"] == 2
    # سيطرت قوات النظام على حلب . | وقسد في الرقة ، وقسد تقاتل داعش
    assert counts["words"] == 6 + 7


def test_per_type_keys_follow_the_schema(schema):
    metrics = score_documents([gold_doc()], [gold_doc()], schema)
    assert list(metrics["ner"]["span"]["per_type"]) == schema.entity_names
    assert list(metrics["relations"]["end_to_end"]["per_type"]) == schema.relation_names
