"""The word-level (seqeval, strict IOB2) figures: conlleval's definition, projection, no-entity guard."""

import warnings

import pytest
from conftest import ROOT
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from train.data.documents import Document, Entity
from train.evaluate.scoring import score_documents
from train.evaluate.words import sentence_tags, seqeval_block

CONLL = ROOT / "tests" / "fixtures" / "evaluate" / "conll_strict.txt"


def read_conll(path) -> tuple[list[list[str]], list[list[str]]]:
    """(gold tag sequences, predicted tag sequences) from `word gold pred` lines."""
    gold, pred, sentence = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if sentence:
                gold.append([g for g, _ in sentence])
                pred.append([p for _, p in sentence])
                sentence = []
            continue
        _, gold_tag, pred_tag = line.split()
        sentence.append((gold_tag, pred_tag))
    return gold, pred


def check(row: dict, precision: float, recall: float, f1: float) -> None:
    assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((precision, recall, f1), abs=1e-6)


def test_conll_fixture_matches_hand_computed_conlleval_numbers(schema):
    gold, pred = read_conll(CONLL)
    assert len(gold) == 3 and sum(map(len, gold)) == 21
    block = seqeval_block(gold, pred, schema.entity_names)
    # numbers from the fixture's header comment
    check(block["micro"], 4 / 6, 4 / 7, 8 / 13)
    check(block["per_type"]["FACTION"], 1.0, 2 / 3, 0.8)
    check(block["per_type"]["LOCATION"], 0.5, 0.5, 0.5)
    check(block["macro"], 0.75, (2 / 3 + 0.5) / 2, 0.65)
    assert block["micro"]["support"] == 7
    assert block["per_type"]["FACTION"]["support"] == 3


def test_seqeval_in_strict_mode_fails_without_entities_and_the_wrapper_guards_it(schema):
    all_outside = [["O", "O", "O"], ["O"]]
    with pytest.raises(ValueError):  # seqeval 1.2.2: max() of an empty list of type names
        classification_report(all_outside, all_outside, mode="strict", scheme=IOB2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # unguarded, seqeval's dict report warns and averages NaN
        block = seqeval_block(all_outside, all_outside, schema.entity_names)
    check(block["micro"], 0.0, 0.0, 0.0)
    assert block["micro"]["support"] == 0
    assert set(block["per_type"]) == set(schema.entity_names)


def test_strict_mode_drops_a_stray_inside_tag(schema):
    # strict IOB2: an I- after O starts no chunk, so the prediction holds no entity at all
    block = seqeval_block([["B-FACTION", "O"]], [["I-FACTION", "O"]], schema.entity_names)
    check(block["micro"], 0.0, 0.0, 0.0)
    assert block["micro"]["support"] == 1


def test_projection_puts_gold_and_prediction_on_the_same_words():
    text = "دخلت وقسد إلى الرقة. ثم انسحبت"
    gold = [(6, 9, "FACTION"), (14, 19, "LOCATION")]
    pred = [(5, 9, "FACTION"), (10, 19, "LOCATION")]  # proclitic kept; إلى الرقة two words
    assert [text[a:b] for a, b, _ in gold + pred] == ["قسد", "الرقة", "وقسد", "إلى الرقة"]
    gold_tags, pred_tags = sentence_tags(text, gold, pred)
    assert gold_tags == [["O", "B-FACTION", "O", "B-LOCATION", "O"], ["O", "O"]]
    assert pred_tags == [["O", "B-FACTION", "B-LOCATION", "I-LOCATION", "O"], ["O", "O"]]


def test_document_with_no_entities_anywhere_scores_zero(schema):
    doc = Document("e", "لا خبر. ولا تعليق", [], [])
    seq = score_documents([doc], [Document("e")], schema)["ner"]["seqeval"]
    check(seq["micro"], 0.0, 0.0, 0.0)


def test_prediction_with_no_valid_entity_against_gold_entities(schema):
    text = "انسحب داعش من تدمر."
    gold = Document("g", text, [Entity("T1", "FACTION", 6, 10, "داعش")], [])
    seq = score_documents([gold], [Document("g")], schema)["ner"]["seqeval"]
    check(seq["micro"], 0.0, 0.0, 0.0)
    assert seq["micro"]["support"] == 1
