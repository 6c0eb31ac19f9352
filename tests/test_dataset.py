"""The DatasetDict built from the seeds loses nothing and its word tags give the spans back."""

import pytest
from conftest import ROOT
from helpers import tiny_config

from train.config import load_config
from train.data.dataset import DatasetBuildError, assign_splits, build_dataset
from train.data.documents import Document, Entity
from train.data.tagging import tags_to_spans, word_tags
from train.fit.build import build_model


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


def test_fit_trains_on_the_same_windows_the_articles_give(tmp_path, schema):
    """Reading the training split back from the saved DatasetDict (one document per sentence)
    gives the windows, labels, mentions and pairs that the whole articles give, in order."""
    from train.align import training_windows
    from train.fit.data import training_data
    from train.fit.loop import windows_from_dataset

    config = tiny_config(f"--data.dataset_dir={tmp_path / 'dataset'}")
    data = training_data(config)
    assert data.status.startswith("built") and training_data(config).status.endswith("(up to date)")
    model, tokenizer = build_model(config, schema, data.documents["train"])
    from_dataset, report = windows_from_dataset(data, tokenizer, config, "arabert_v02")
    from_articles, _, _ = training_windows(data.documents["train"], tokenizer, schema, config.model.window_length,
                                           config.model.window_stride, "arabert_v02")
    shape = lambda windows: [(w.input_ids, w.labels, w.mentions, w.pairs) for w in windows]  # noqa: E731
    assert shape(from_dataset) == shape(from_articles) and len(from_dataset) > 10
    assert report.entities == sum(len(d.entities) for d in data.documents["train"])


def test_fit_rebuilds_a_stale_dataset_and_never_replaces_a_foreign_folder(tmp_path):
    from train.files import OutputError
    from train.fit.data import BUILD_FILE, training_data

    folder = tmp_path / "dataset"
    first = training_data(tiny_config(f"--data.dataset_dir={folder}"))
    other = tiny_config(f"--data.dataset_dir={folder}", "--data.splits.test=[\"005_ant-alarabia-internationalnews-29-20180217\"]")
    rebuilt = training_data(other)
    assert rebuilt.status.startswith("rebuilt") and rebuilt.dataset["test"]["doc_id"][0] == "005_ant-alarabia-internationalnews-29-20180217"
    assert first.dataset["test"]["doc_id"][0] != "005_ant-alarabia-internationalnews-29-20180217"
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"]  # no temporary folder or lock left behind

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match=f"mine: exists and is not a dataset written by .*no {BUILD_FILE}"):
        training_data(tiny_config(f"--data.dataset_dir={foreign}"))
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_the_dataset_command_writes_what_fit_reads(tmp_path, capsys):
    from train.cli import main
    from train.fit.data import training_data

    folder = tmp_path / "dataset"
    assert main(["dataset", str(ROOT / "configs" / "tiny.yaml"), f"--data.dataset_dir={folder}"]) == 0
    assert {"dataset_dict.json", "statistics.json", "README.md", "build.json"} <= {p.name for p in folder.iterdir()}
    status = training_data(load_config(ROOT / "configs" / "tiny.yaml", [f"--data.dataset_dir={folder}"])).status
    assert status == f"read {folder} (up to date)"


def test_a_dataset_written_before_build_json_existed_is_replaced(tmp_path):
    """The `dataset` command of earlier commits wrote the DatasetDict, statistics.json and
    README.md only; `fit` treats such a folder as its own and rebuilds it."""
    from train.fit.data import BUILD_FILE, training_data

    folder = tmp_path / "dataset"
    config = tiny_config(f"--data.dataset_dir={folder}")
    training_data(config)
    (folder / BUILD_FILE).unlink()  # what the old command left
    assert training_data(config).status == f"built {folder}"
    assert (folder / BUILD_FILE).is_file()
