"""The DatasetDict built from the seeds loses nothing and its word tags give the spans back."""

import pytest
from conftest import ROOT

from train.config import load_config
from train.data.dataset import DatasetBuildError, assign_splits, build_dataset
from train.data.documents import Document, Entity
from train.data.tagging import tags_to_spans, word_tags


@pytest.fixture(scope="module")
def built(all_gold_docs, schema):
    config = load_config(ROOT / "configs" / "tiny.yaml")
    s = config.data.splits
    splits = assign_splits([d.id for d in all_gold_docs], s.train, s.validation, s.test)
    return build_dataset(all_gold_docs, schema, splits), splits


def test_counts_equal_the_annotation_files(built, all_gold_docs):
    (dataset, counts), splits = built
    by_id = {d.id: d for d in all_gold_docs}
    for split, ids in splits.items():
        assert sum(len(r) for r in dataset[split]["entities"]) == sum(len(by_id[i].entities) for i in ids)
        assert sum(len(r) for r in dataset[split]["relations"]) == sum(len(by_id[i].relations) for i in ids)


def test_every_gold_item_lands_in_exactly_one_example(built, all_gold_docs):
    (dataset, _), _ = built
    seen_entities, seen_relations = [], []
    for split in dataset:
        for row in dataset[split]:
            seen_entities += [(row["doc_id"], e["id"]) for e in row["entities"]]
            seen_relations += [(row["doc_id"], r["id"]) for r in row["relations"]]
            for e in row["entities"]:  # offsets are relative to the sentence and still exact
                assert row["text"][e["start"]:e["end"]] == e["text"]
    assert sorted(seen_entities) == sorted((d.id, e.id) for d in all_gold_docs for e in d.entities)
    assert sorted(seen_relations) == sorted((d.id, r.id) for d in all_gold_docs for r in d.relations)


def test_word_tags_rebuild_gold_spans_up_to_clitic_words(built, schema):
    (dataset, counts), _ = built
    names = schema.bio_labels
    clitic = 0
    for split in dataset:
        for row in dataset[split]:
            tags = [names[t] for t in row["word_tags"]]
            rebuilt = {(row["word_starts"][a], row["word_ends"][b - 1], t) for a, b, t in tags_to_spans(tags)}
            gold = {(e["start"], e["end"], e["type"]) for e in row["entities"]}
            exact = gold & rebuilt
            for start, end, etype in gold - exact:
                # only a word that carries a proclitic (or other clitic) may differ
                assert any(ws <= start and end <= we and (ws, we, etype) in rebuilt or ws < start < we or ws < end < we
                           for ws, we in zip(row["word_starts"], row["word_ends"])), (row["text"][start:end], row["text"])
                clitic += 1
            assert len(rebuilt) == len(gold)
    assert clitic <= sum(c.clitic_words for c in counts.values())


def test_splits_share_no_document(built):
    (dataset, _), splits = built
    docs = {split: set(dataset[split]["doc_id"]) for split in dataset}
    assert docs["train"] and docs["test"] and docs["validation"]
    assert not docs["train"] & docs["test"] and not docs["train"] & docs["validation"]
    assert not docs["validation"] & docs["test"]


def test_clitic_word_takes_the_entity_tag():
    words = [(0, 5), (6, 12)]  # "وقسد " "الرقة"  -> a clitic-fused first word
    tags, fused = word_tags(words, [(1, 5, "FACTION"), (6, 12, "LOCATION")])
    assert tags == ["B-FACTION", "B-LOCATION"] and fused == 1


def test_entity_crossing_sentences_is_an_error(schema):
    doc = Document("d", "قوات. النظام", [Entity("T1", "FACTION", 0, 12, "قوات. النظام")], [], source="d.json")
    with pytest.raises(DatasetBuildError, match="T1"):
        build_dataset([doc], schema, {"train": ["d"], "validation": [], "test": []})


def test_unknown_document_in_splits_is_an_error():
    with pytest.raises(DatasetBuildError, match="nope"):
        assign_splits(["a", "b"], [], ["nope"], [])
