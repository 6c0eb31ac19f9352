"""`python -m train evaluate` and `baseline` on the small fixture in tests/fixtures/evaluate/.

The fixture: eval_a, eval_b, eval_c (15 entities, 6 relations), all valid annotations.
"""

import json
import sys
import types

import pytest
import yaml
from conftest import ROOT

from train.cli import main
from train.data.documents import Document, Relation, load_annotations, load_prediction_file, write_jsonl

FIXTURE = ROOT / "tests" / "fixtures" / "evaluate"
ANNOTATIONS = FIXTURE / "annotations"
REQUIRED = {"ner": {"span", "seqeval", "lenient"}, "relations": {"found_entities", "end_to_end", "boundaries"}}


def gold_by_id() -> dict[str, Document]:
    return {d.id: d for d in load_annotations(ANNOTATIONS)}


def as_prediction(doc: Document, drop_entities: int = 0) -> Document:
    """The gold document as a prediction (no text), without its first `drop_entities` entities."""
    kept = doc.entities[drop_entities:]
    ids = {e.id for e in kept}
    rels = [r for r in doc.relations if r.head in ids and r.tail in ids]
    return Document(doc.id, None, kept, rels)


def assert_required_keys(metrics: dict) -> None:
    for section, blocks in REQUIRED.items():
        for name in blocks:
            block = metrics[section][name]
            assert {"precision", "recall", "f1"} <= set(block["micro"])
            assert all({"precision", "recall", "f1", "support"} <= set(row) for row in block["per_type"].values())
        if section == "ner":
            for name in blocks:
                assert {"precision", "recall", "f1"} <= set(metrics["ner"][name]["macro"])
    assert "counts" in metrics


def test_evaluate_prediction_file_writes_metrics_and_reports(tmp_path, capsys):
    gold = gold_by_id()
    pred_path = tmp_path / "preds.jsonl"
    write_jsonl([as_prediction(gold["eval_a"], drop_entities=1), as_prediction(gold["eval_b"])], pred_path)
    out = tmp_path / "out"
    assert main(["evaluate", "--gold", str(ANNOTATIONS), "--pred", str(pred_path), "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert_required_keys(metrics)
    # only the two predicted documents are scored: 10 gold entities, 9 predicted, all right
    assert metrics["counts"]["documents"] == 2
    span = metrics["ner"]["span"]["micro"]
    assert (span["precision"], span["recall"], span["support"]) == (1.0, pytest.approx(9 / 10), 10)
    assert '<html dir="rtl" lang="ar">' in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# preds.jsonl")
    assert "entities, strict char span" in capsys.readouterr().out


def test_evaluate_all_gold_counts_missing_documents_as_misses(tmp_path):
    gold = gold_by_id()
    pred_path = tmp_path / "preds.jsonl"
    write_jsonl([as_prediction(gold["eval_a"])], pred_path)
    assert main(["evaluate", "--gold", str(ANNOTATIONS), "--pred", str(pred_path), "--all-gold"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))  # next to the predictions
    assert metrics["counts"]["missing_documents"] == ["eval_b", "eval_c"]
    assert metrics["ner"]["span"]["micro"]["recall"] == pytest.approx(6 / 15)


def test_evaluate_counts_a_failed_prediction_record_as_misses(tmp_path):
    gold = gold_by_id()
    pred_path = tmp_path / "preds.jsonl"
    write_jsonl([as_prediction(gold["eval_a"])], pred_path)
    with open(pred_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "eval_b", "error": "text too long"}) + "\n")
    assert main(["evaluate", "--gold", str(ANNOTATIONS), "--pred", str(pred_path)]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["counts"]["missing_documents"] == ["eval_b"]
    assert metrics["ner"]["span"]["micro"]["recall"] == pytest.approx(6 / 10)


def test_evaluate_reports_a_document_not_in_gold_with_its_line(tmp_path, capsys):
    gold = gold_by_id()
    pred_path = tmp_path / "preds.jsonl"
    write_jsonl([as_prediction(gold["eval_a"]), Document("unknown_doc")], pred_path)
    assert main(["evaluate", "--gold", str(ANNOTATIONS), "--pred", str(pred_path)]) == 1
    err = capsys.readouterr().err
    assert f"{pred_path}:2" in err and "unknown_doc" in err


def test_evaluate_reports_bad_json_with_its_line(tmp_path, capsys):
    pred_path = tmp_path / "preds.jsonl"
    pred_path.write_text('{"id": "eval_a", "entities": [], "relations": []}\n{oops\n', encoding="utf-8")
    assert main(["evaluate", "--gold", str(ANNOTATIONS), "--pred", str(pred_path)]) == 1
    assert f"{pred_path}:2: invalid JSON" in capsys.readouterr().err


def test_evaluate_needs_gold_and_pred_or_a_run(capsys):
    assert main(["evaluate", "--gold", str(ANNOTATIONS)]) == 1
    assert "--pred" in capsys.readouterr().err


@pytest.fixture
def config_path(tmp_path):
    raw = yaml.safe_load((ROOT / "configs" / "tiny.yaml").read_text(encoding="utf-8"))
    raw["data"]["annotations"] = str(ANNOTATIONS)
    raw["data"]["splits"] = {"train": ["eval_a", "eval_b"], "validation": [], "test": ["eval_c"]}
    raw["train"]["output_dir"] = str(tmp_path / "run")
    raw["data"]["dataset_dir"] = str(tmp_path / "dataset")
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_baseline_command_writes_predictions_for_the_split(config_path, tmp_path, capsys):
    out = tmp_path / "baseline.jsonl"
    assert main(["baseline", str(config_path), "--out", str(out)]) == 0
    (doc,) = load_prediction_file(out)
    text = gold_by_id()["eval_c"].text
    # every eval_c entity string was seen in training; ولقسد keeps both proclitics outside
    assert [(text[e.start:e.end], e.type) for e in doc.entities] == [
        ("قوات النظام", "FACTION"), ("داعش", "FACTION"), ("دير الزور", "LOCATION"), ("قسد", "FACTION"),
        ("الرقة", "LOCATION")]
    printed = capsys.readouterr().out
    assert "by relation rule" in printed and "none 0.000/0.000/0.000" in printed


def test_baseline_command_takes_overrides(config_path, tmp_path):
    assert main(["baseline", str(config_path), f"--train.output_dir={tmp_path / 'elsewhere'}"]) == 0
    assert (tmp_path / "elsewhere" / "predictions" / "baseline_test.jsonl").is_file()


class GoldPredictor:
    """Stands in for the trained model: predicts the gold entities of each document, no relations."""

    @classmethod
    def from_run(cls, run_dir, device=None, batch_size=None):
        return cls()

    def predict(self, texts, ids):
        gold = gold_by_id()
        return [Document(i, None, gold[i].entities, []) for i in ids]

    def predict_documents(self, docs):
        return self.predict([d.text for d in docs], [d.id for d in docs])

    def predict_relations(self, docs):
        """Given the gold entities, HOSTILE_TO between the first two of each document."""
        out = []
        for d in docs:
            rels = [Relation("R1", "HOSTILE_TO", d.entities[1].id, d.entities[0].id)] if len(d.entities) > 1 else []
            out.append(Document(d.id, None, d.entities, rels))
        return out


def fake_run_directory(config_path, tmp_path, monkeypatch):
    """A run folder with only config.yaml, and a Predictor that returns the gold entities."""
    fake = types.ModuleType("train.predict.predictor")
    fake.Predictor = GoldPredictor
    monkeypatch.setitem(sys.modules, "train.predict.predictor", fake)
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(config_path.read_text(encoding="utf-8"), encoding="utf-8")
    return run


def test_evaluate_run_directory_scores_model_and_baseline(config_path, tmp_path, monkeypatch, capsys):
    run = fake_run_directory(config_path, tmp_path, monkeypatch)
    assert main(["evaluate", str(run), "--split", "test"]) == 0
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert_required_keys(metrics)
    assert metrics["ner"]["span"]["micro"]["f1"] == 1.0
    assert metrics["relations"]["end_to_end"]["micro"]["recall"] == 0.0
    # eval_c's gold: HOSTILE_TO(T1, T2) and PRESENT_IN(T4, T5); the fake finds the first
    # (given in reverse order, which a symmetric type allows) and misses the second
    given = metrics["relations"]["gold_entities"]["micro"]
    assert (given["precision"], given["recall"], given["f1"]) == (1.0, 0.5, pytest.approx(2 / 3))
    assert [d.id for d in load_prediction_file(run / "predictions" / "test.jsonl")] == ["eval_c"]
    assert (run / "predictions" / "baseline_test.jsonl").is_file()
    assert (run / "metrics_baseline_test.json").is_file()
    assert "## Model vs baseline" in (run / "report.md").read_text(encoding="utf-8")
    assert "Model vs baseline" in (run / "report.html").read_text(encoding="utf-8")
    assert "model vs string-match baseline" in capsys.readouterr().out


def test_evaluate_run_directory_other_split_gets_its_own_files(config_path, tmp_path, monkeypatch):
    run = fake_run_directory(config_path, tmp_path, monkeypatch)
    assert main(["evaluate", str(run), "--split", "train"]) == 0
    assert (run / "metrics_train.json").is_file() and (run / "report_train.html").is_file()
    assert not (run / "metrics.json").exists()


def test_evaluate_rejects_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 1
    assert "not a run directory" in capsys.readouterr().err
