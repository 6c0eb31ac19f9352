"""Every recipe in configs/ parses; errors are collected with their field paths."""

import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

from train.config import Config, ConfigError, field_docs, load_config

RECIPES = sorted(p for p in (ROOT / "configs").glob("*.yaml") if "floors" not in p.name)


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_every_recipe_parses(path):
    config = load_config(path)
    assert isinstance(config, Config)
    assert config.resolve(config.data.annotations).is_dir()


def test_there_are_the_two_recipes():
    assert {p.name for p in RECIPES} >= {"tiny.yaml", "arabert.yaml"}


def test_arabert_recipe_names_the_real_model():
    config = load_config(ROOT / "configs" / "arabert.yaml")
    assert config.model.encoder == "aubmindlab/bert-base-arabertv02"
    assert config.model.window_length <= 512


def test_overrides_apply_with_types():
    config = load_config(ROOT / "configs" / "tiny.yaml", ["--train.encoder_lr=3e-5", "--model.tiny.num_layers=1"])
    assert config.train.encoder_lr == 3e-5 and config.model.tiny.num_layers == 1


def test_all_problems_reported_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"train": {"lr": 1, "epochs": "many", "mixed_precision": "fp8", "select_metric": "f1"},
                                    "model": {"window_stride": 100, "window_length": 64},
                                    "data": {"splits": {"train": ["a"], "test": ["a"]}}}))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    for expected in ("train.lr: unknown field", "train.epochs: expected int", "train.mixed_precision",
                     "model.window_stride", "train and test share", "train.select_metric"):
        assert expected in message


def test_configs_written_before_the_window_fields_were_renamed_still_load(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump({"model": {"encoder": "tiny", "max_length": 96, "stride": 16}}))
    config = load_config(path, ["--model.stride=8"])
    assert (config.model.window_length, config.model.window_stride) == (96, 8)
    path.write_text(yaml.safe_dump({"model": {"max_length": 96, "window_length": 64}}))
    with pytest.raises(ConfigError, match="model.max_length: the old name of model.window_length"):
        load_config(path)


def test_every_field_has_a_docstring():
    docs = field_docs()
    assert len(docs) > 30
    assert [name for name, doc in docs.items() if not doc] == []


def test_fit_help_lists_every_config_field_with_its_docstring(capsys):
    import pytest

    from train.cli import main

    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = capsys.readouterr().out
    for path in field_docs():
        if path.count(".") and not path.endswith((".tiny", ".splits")):
            assert f"--{path}=" in text, path
    assert "--train.max_steps=<int>  (default 0)" in text
    assert "When positive, train for this many optimizer steps" in text


def test_the_model_alone_block_cannot_select_epochs():
    with pytest.raises(ConfigError, match="train.select_metric: ner.model_alone is scored on the test split only"):
        load_config(ROOT / "configs" / "e5-small.yaml", ["--train.select_metric=ner.model_alone.micro.f1"])


@pytest.mark.parametrize("command", ["fit", "check", "cv"])
def test_a_misspelled_metric_fails_before_torch_is_imported(command):
    """A typo in select_metric is reported, with the valid paths, before any slow import."""
    code = ("import sys\nfrom train.cli import main\n"
            f"rc = main([{command!r}, 'configs/e5-small.yaml', '--train.select_metric=ner.spam.micro.f1'])\n"
            "print('RC', rc, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert "RC 1 False" in result.stdout or "RC 2 False" in result.stdout, result.stdout + result.stderr
    assert "unknown metric 'ner.spam.micro.f1'" in result.stderr and "ner.span.micro.f1" in result.stderr
