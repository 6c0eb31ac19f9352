"""Relations: several types per pair (multi-label), and the given-gold-entities setting."""

import torch
from helpers import TEXT, synthetic_document, tiny_config, tiny_model

from train.align import training_windows
from train.data.documents import Document, Relation
from train.decode import pick_relations
from train.evaluate.baseline import StringMatchBaseline
from train.evaluate.scoring import score_documents, score_predictor
from train.fit.batches import collate_windows
from train.fit.build import make_optimizer
from train.predict.predictor import Predictor


def two_type_document() -> Document:
    """قوات النظام both TARGETS and CONTROLS حلب: one pair, two relation types."""
    doc = synthetic_document()
    doc.relations.append(Relation("R4", "TARGETS", "T1", "T2"))
    return doc


def test_a_pair_with_two_types_is_labelled_with_both(schema):
    doc = two_type_document()
    model, tokenizer = tiny_model(schema, [doc])
    windows, _, report = training_windows([doc], tokenizer, schema, 64, 8, "arabert_v02")
    assert report.multi_label_pairs == 1
    names = schema.relation_names
    labelled = {(w.mention_ids[h], w.mention_ids[t]): {names[i] for i in types}
                for w in windows for h, t, types in w.pairs if types}
    # CONTROLS + TARGETS on T1 -> T2; PRESENT_IN T3 -> T4; HOSTILE_TO is symmetric: both orders
    assert labelled == {("T1", "T2"): {"CONTROLS", "TARGETS"}, ("T3", "T4"): {"PRESENT_IN"},
                        ("T5", "T6"): {"HOSTILE_TO"}, ("T6", "T5"): {"HOSTILE_TO"}}
    batch = collate_windows(windows, tokenizer.pad_token_id, len(names))
    assert batch["pair_labels"].shape[1] == len(names)
    assert batch["pair_labels"].sum().item() == 5.0


def test_decoding_keeps_every_type_of_a_pair_and_orders_symmetric_ones(schema):
    ents = synthetic_document().entities
    names = schema.relation_names
    found = [((0, 1), names.index("CONTROLS"), 0.9), ((0, 1), names.index("TARGETS"), 0.6),
             ((5, 4), names.index("HOSTILE_TO"), 0.7), ((4, 5), names.index("HOSTILE_TO"), 0.8)]
    assert pick_relations(found, schema, ents) == [("CONTROLS", 0, 1, 0.9), ("TARGETS", 0, 1, 0.6),
                                                   ("HOSTILE_TO", 4, 5, 0.8)]


def test_trained_model_predicts_both_types_of_a_pair(schema):
    torch.manual_seed(0)
    doc = two_type_document()
    model, tokenizer = tiny_model(schema, [doc])
    windows, _, _ = training_windows([doc], tokenizer, schema, 64, 8, "arabert_v02")
    batch = collate_windows(windows, tokenizer.pad_token_id, len(schema.relation_names))
    optimizer = make_optimizer(model, tiny_config("--train.encoder_lr=3e-3", "--train.head_lr=3e-3"))
    model.train()
    for _ in range(150):
        model(**batch).loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    given = Predictor(model, tokenizer).predict_relations([doc])[0]
    by_id = given.entity_map()
    got = {(r.type, by_id[r.head].text, by_id[r.tail].text) for r in given.relations}
    assert {("CONTROLS", "قوات النظام", "حلب"), ("TARGETS", "قوات النظام", "حلب")} <= got


def test_gold_entity_setting_scores_relations_predicted_from_gold_entities(schema):
    gold = synthetic_document()
    # given the gold entities: CONTROLS right, PRESENT_IN typed TARGETS, HOSTILE_TO missed
    given = Document("d", None, list(gold.entities), [Relation("R1", "CONTROLS", "T1", "T2"),
                                                      Relation("R2", "TARGETS", "T3", "T4")])
    end_to_end = Document("d", None, [], [])
    metrics = score_documents([gold], [end_to_end], schema, given_entities=[given])
    rel = metrics["relations"]
    assert (rel["gold_entities"]["micro"]["precision"], rel["gold_entities"]["micro"]["recall"]) == (0.5, 1 / 3)
    assert rel["end_to_end"]["micro"]["f1"] == 0.0
    assert "gold_entities" not in score_documents([gold], [end_to_end], schema)["relations"]


def test_baseline_relates_gold_entities_sentence_by_sentence(schema):
    train = synthetic_document("train")
    baseline = StringMatchBaseline.fit([train], schema)
    gold = Document("g", TEXT, list(train.entities), list(train.relations))
    given = baseline.predict_relations([gold])[0]
    # learned: FACTION->LOCATION ties CONTROLS/PRESENT_IN (schema order: CONTROLS),
    # FACTION-FACTION is HOSTILE_TO, LOCATION->FACTION was never seen; sentence 1 holds
    # T1, T2 and sentence 2 holds T3..T6
    assert {(r.type, r.head, r.tail) for r in given.relations} == {
        ("CONTROLS", "T1", "T2"), ("CONTROLS", "T3", "T4"), ("HOSTILE_TO", "T3", "T5"),
        ("HOSTILE_TO", "T3", "T6"), ("HOSTILE_TO", "T5", "T6")}
    metrics, _ = score_predictor(baseline, [gold], schema)
    micro = metrics["relations"]["gold_entities"]["micro"]
    assert (micro["precision"], micro["recall"], micro["support"]) == (2 / 5, 2 / 3, 3)


def test_soft_targets_spread_over_a_pairs_gold_types():
    from models.joint import relation_targets

    multi_hot = torch.tensor([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 1.0]])
    assert relation_targets(multi_hot).tolist() == [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.5]]


def test_relation_choices_keep_the_best_type_and_any_strong_second_one():
    from train.decode import relation_choices

    probs = torch.tensor([[0.60, 0.35, 0.05, 0.00],   # no relation wins: nothing, though type 0 has 0.35
                          [0.10, 0.50, 0.05, 0.35],   # type 0 wins, type 2 reaches 0.3: both
                          [0.30, 0.32, 0.20, 0.18]])  # type 0 wins narrowly; no other type reaches 0.3
    got = [(row, t, round(p, 2)) for row, t, p in relation_choices(probs)]
    assert got == [(1, 0, 0.5), (1, 2, 0.35), (2, 0, 0.32)]
