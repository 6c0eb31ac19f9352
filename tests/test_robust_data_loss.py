"""Nothing a user owns is destroyed: `fit` writes only into a run directory of its own.

The repository root is patched to a temporary folder: if a refusal failed, the damage
would land there, not in the checkout.
"""

import pytest
from helpers import tiny_config

from train.config import ConfigError
from train.fit.loop import fit
from train.fit.run_dir import RUN_MARKER, RunDirectoryError, prepare

FAST = ["--train.epochs=1", "--train.patience=0", "--model.window_length=64", "--model.window_stride=16"]


@pytest.fixture
def fake_repo(tmp_path, monkeypatch):
    """A project folder (the working directory from now on), with what a checkout holds."""
    repo = tmp_path / "repo"
    for name in (".git/HEAD", "annotations/a.json", "seeds/a.txt", "README.md"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("mine", encoding="utf-8")
    monkeypatch.chdir(repo)
    return repo


def snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes() if p.is_file() else b"")
                  for p in folder.rglob("*"))


def test_an_empty_output_dir_is_a_config_error():
    with pytest.raises(ConfigError, match="train.output_dir: must name a folder"):
        tiny_config("--train.output_dir=")


@pytest.mark.parametrize("overwrite", [False, True])
def test_the_repository_root_is_refused_and_left_intact(fake_repo, overwrite):
    before = snapshot(fake_repo)
    with pytest.raises(RunDirectoryError, match="refusing"):
        fit(tiny_config(*FAST, f"--train.output_dir={fake_repo}"), overwrite=overwrite, quiet=True)
    assert snapshot(fake_repo) == before


def test_a_folder_that_holds_the_repository_or_home_is_refused(fake_repo, monkeypatch, tmp_path):
    with pytest.raises(RunDirectoryError, match="refusing"):
        prepare(fake_repo.parent, resume=False, overwrite=True, has_checkpoint=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    with pytest.raises(RunDirectoryError, match="refusing"):
        prepare(tmp_path / "home", resume=False, overwrite=True, has_checkpoint=False)


def test_overwrite_refuses_a_run_folder_that_also_holds_foreign_files(tmp_path):
    out = tmp_path / "run"
    fit(tiny_config(*FAST, f"--train.output_dir={out}"), quiet=True)
    (out / "my_notes.txt").write_text("do not delete", encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(RunDirectoryError, match="my_notes.txt"):
        fit(tiny_config(*FAST, f"--train.output_dir={out}"), overwrite=True, quiet=True)
    assert snapshot(out) == before


def test_overwrite_replaces_only_what_a_run_created(tmp_path):
    out = tmp_path / "run"
    fit(tiny_config(*FAST, f"--train.output_dir={out}"), quiet=True)
    (out / "metrics.json").write_text("stale", encoding="utf-8")
    fit(tiny_config(*FAST, f"--train.output_dir={out}"), overwrite=True, quiet=True)
    assert (out / RUN_MARKER).is_file() and (out / "metrics.json").read_text(encoding="utf-8") != "stale"
    assert (out / "model" / "model.safetensors").is_file()


def test_a_folder_with_run_files_but_no_marker_is_not_deleted(tmp_path):
    out = tmp_path / "old"
    (out / "model").mkdir(parents=True)
    (out / "model" / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RunDirectoryError, match=RUN_MARKER):
        fit(tiny_config(*FAST, f"--train.output_dir={out}"), overwrite=True, quiet=True)
    assert (out / "model" / "config.json").read_text(encoding="utf-8") == "{}"
