"""Ids from data never escape an output folder; config values are checked before any work;
expected events end with one line, not a traceback; word-level tags follow strict IOB2."""

import json

import pytest
from conftest import ROOT
from helpers import TEXT, tiny_config
from robust_helpers import cli

from train.cli import main
from train.config import ConfigError
from train.data.tagging import word_tags
from train.files import safe_filename
from train.fit.floors import load_floors


@pytest.mark.parametrize("doc_id", ["../../x", "/tmp/evil", "a/b", "..", "x\u0000y", "bad\u202eid", "\\x"])
def test_ids_that_are_not_plain_file_names_are_refused(doc_id):
    with pytest.raises(ValueError, match="cannot be a file name"):
        safe_filename(doc_id)


def test_export_brat_writes_nothing_outside_its_folder(tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": "../../escaped", "text": TEXT, "entities": [], "relations": []},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "deep" / "er" / "brat"
    assert main(["export", "brat", str(preds), "--out", str(out)]) == 1
    assert not list(tmp_path.rglob("escaped*"))


def test_show_does_not_read_a_text_outside_the_texts_folder(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("كلمة السر", encoding="utf-8")
    texts = tmp_path / "texts"
    texts.mkdir()
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": "../secret", "entities": [], "relations": []}) + "\n", encoding="utf-8")
    out = tmp_path / "page.html"
    assert main(["show", str(preds), "--gold", str(texts), "-o", str(out)]) == 1
    assert "cannot be a file name" in capsys.readouterr().err
    assert not out.exists()


def test_no_stays_a_string_where_a_field_is_a_string():
    assert tiny_config("--train.mixed_precision=no").train.mixed_precision == "no"
    assert tiny_config("--model.split_proclitics=false").model.split_proclitics is False


def test_every_out_of_range_value_is_reported_at_once():
    with pytest.raises(ConfigError) as bad:
        tiny_config("--train.encoder_lr=-1e-4", "--train.patience=-1", "--train.warmup_ratio=1.5",
                    "--train.weight_decay=-0.1", "--train.max_grad_norm=0", "--train.log_every=0",
                    "--model.tiny.hidden_size=0", "--train.eval_batch_size=0", "--model.dropout=1.5",
                    "--train.select_metric=ner.spam.micro.f1")
    message = str(bad.value)
    for field in ("train.encoder_lr: must be > 0.0", "train.patience: must be >= 0", "train.warmup_ratio",
                  "train.weight_decay", "train.max_grad_norm: must be > 0.0", "train.log_every: must be >= 1",
                  "model.tiny.hidden_size: must be >= 1", "train.eval_batch_size", "model.dropout",
                  "train.select_metric: unknown metric 'ner.spam.micro.f1'"):
        assert field in message, field
    assert "10 problem(s)" in message


def test_a_floors_typo_fails_before_training(tmp_path):
    floors = tmp_path / "floors.yaml"
    floors.write_text("tiny:\n  ner.spam.micro.f1: 0.5\n  relations.end_to_end.micro.f1: 0.02\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ner.spam.micro.f1: unknown metric"):
        load_floors(floors, "tiny")
    result = cli("check", ROOT / "configs" / "tiny.yaml", "--floors", floors)
    assert result.returncode == 1 and "unknown metric" in result.stderr and "epoch" not in result.stdout


def test_predict_refuses_a_negative_batch_size_and_worker_count(tmp_path):
    result = cli("predict", tmp_path, tmp_path / "a.txt", "--batch-size", "-1", "--workers", "-2")
    assert result.returncode == 1
    assert "--batch-size must be positive, got -1; --workers must be 0 or more, got -2" in result.stderr


def test_ctrl_c_ends_with_one_line(monkeypatch, capsys):
    import train.commands.fit as commands

    def interrupted(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(commands, "run_fit", interrupted)
    assert main(["fit", str(ROOT / "configs" / "tiny.yaml")]) == 130
    assert capsys.readouterr().err == "interrupted (continue with --resume)\n"


def test_an_entity_starting_in_a_taken_word_still_begins_with_b():
    # words: [وقسد] [الرقة]; the first entity ends inside word 0, the second starts inside it
    words = [(0, 4), (5, 10)]
    tags, _ = word_tags(words, [(0, 1, "LOCATION"), (1, 10, "FACTION")])
    assert tags == ["B-LOCATION", "B-FACTION"]  # was I-FACTION: strict IOB2 dropped the entity
    assert word_tags(words, [(1, 4, "FACTION"), (1, 4, "LOCATION")])[0] == ["B-FACTION", "O"]


def test_relative_paths_lead_from_the_working_directory_not_from_the_package(tmp_path):
    """A project folder elsewhere, with the package imported from this checkout (as an
    installed package would be): its own annotations, texts and schema are the ones read."""
    import shutil
    import subprocess
    import sys

    project = tmp_path / "project"
    (project / "annotations").mkdir(parents=True)
    (project / "seeds").mkdir()
    for name in ("schema.yaml", "GUIDELINES.md", "000_b3e4056057f56dd2.json"):
        shutil.copy(ROOT / "annotations" / name, project / "annotations" / name)
    shutil.copy(ROOT / "seeds" / "000_b3e4056057f56dd2.txt", project / "seeds")
    record = json.loads((project / "annotations" / "000_b3e4056057f56dd2.json").read_text(encoding="utf-8"))
    record["entities"][0]["type"] = "WEAPON"  # not in the schema: only this copy has the error
    (project / "annotations" / "000_b3e4056057f56dd2.json").write_text(json.dumps(record, ensure_ascii=False),
                                                                        encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "train", "validate"], cwd=project, capture_output=True, text=True,
                            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "annotations/000_b3e4056057f56dd2.json" in output and "WEAPON" in output
    assert "001_" not in output  # the checkout's other annotations were not read

