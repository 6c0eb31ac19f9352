"""--resume finds a complete checkpoint whatever state a kill left the swap in, and refuses
a config that would change the model it resumes."""

import json
import shutil

import pytest
import yaml
from helpers import tiny_config

import train.fit.loop as loop
from train.fit.loop import fit
from train.fit.run_dir import RunDirectoryError

FAST = ["--train.epochs=3", "--train.patience=0", "--model.window_length=64", "--model.window_stride=16"]


pytestmark = pytest.mark.usefixtures("one_thread")  # bitwise-repeatable runs (conftest)


def interrupted_run(out, monkeypatch, crash_epoch: int = 2):
    real_epoch = loop.train_one_epoch

    def crash(*args, **kwargs):
        if args[7] == crash_epoch:
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(loop, "train_one_epoch", crash)
    with pytest.raises(KeyboardInterrupt):
        fit(tiny_config(*FAST, f"--train.output_dir={out}"), quiet=True)
    monkeypatch.setattr(loop, "train_one_epoch", real_epoch)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    out = tmp_path_factory.mktemp("straight") / "run"
    return fit(tiny_config(*FAST, f"--train.output_dir={out}"), quiet=True)


def test_a_kill_between_the_two_renames_of_a_checkpoint_swap_is_recovered(tmp_path, monkeypatch, straight):
    out = tmp_path / "run"
    interrupted_run(out, monkeypatch)
    # the state a kill leaves after `checkpoint -> checkpoint.old`, before `checkpoint.tmp -> checkpoint`
    shutil.copytree(out / "checkpoint", out / "checkpoint.old")
    (out / "checkpoint").rename(out / "checkpoint.tmp")
    assert fit(tiny_config(*FAST, f"--train.output_dir={out}"), resume=True, quiet=True) == straight
    assert not (out / "checkpoint.old").exists() and not (out / "checkpoint.tmp").exists()


def test_a_half_written_temporary_checkpoint_is_ignored(tmp_path, monkeypatch, straight):
    out = tmp_path / "run"
    interrupted_run(out, monkeypatch)
    (out / "checkpoint.tmp" / "accelerate").mkdir(parents=True)  # killed while writing: no trainer state yet
    assert fit(tiny_config(*FAST, f"--train.output_dir={out}"), resume=True, quiet=True) == straight


def test_resume_refuses_a_config_that_changes_the_model(tmp_path, monkeypatch):
    out = tmp_path / "run"
    interrupted_run(out, monkeypatch)
    with pytest.raises(RunDirectoryError) as refused:
        fit(tiny_config(*FAST, f"--train.output_dir={out}", "--model.tiny.hidden_size=64",
                        "--model.relation_hidden=64"), resume=True, quiet=True)
    assert "model.tiny: run has" in str(refused.value) and "model.relation_hidden: run has 256" in str(refused.value)
    saved = json.loads((out / "model" / "config.json").read_text(encoding="utf-8"))
    assert saved["relation_hidden"] == 256  # nothing was rewritten
    # a run written before a field existed ran with its default: turning the entity ruler on is a change
    run_config = yaml.safe_load((out / "config.yaml").read_text(encoding="utf-8"))
    del run_config["model"]["entity_ruler"]
    (out / "config.yaml").write_text(yaml.safe_dump(run_config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RunDirectoryError, match="model.entity_ruler: run has False, config has True"):
        fit(tiny_config(*FAST, f"--train.output_dir={out}", "--model.entity_ruler=true"), resume=True, quiet=True)


def test_resume_without_a_checkpoint_says_so(tmp_path):
    with pytest.raises(RunDirectoryError, match="no checkpoint to resume from"):
        fit(tiny_config(*FAST, f"--train.output_dir={tmp_path / 'none'}"), resume=True, quiet=True)
