"""Outputs never replace what is not theirs, and two writers never share one output."""

import os
import threading

import pytest
from helpers import TEXT, tiny_config
from robust_helpers import cli, saved_tiny_model

from train.files import OutputError, check_output_file, exclusive
from train.fit.loop import fit


@pytest.fixture(scope="module")
def run(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_a_symlink_at_the_output_is_refused_and_kept(run, article, tmp_path):
    target = tmp_path / "elsewhere.jsonl"
    target.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "out.jsonl"
    link.symlink_to(target)
    result = cli("predict", run, article, "-o", link, "--no-progress")
    assert result.returncode == 1 and "symbolic link" in result.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep me\n"


def test_a_fifo_at_the_output_is_refused(run, article, tmp_path):
    fifo = tmp_path / "out.jsonl"
    os.mkfifo(fifo)
    result = cli("predict", run, article, "-o", fifo, "--no-progress")
    assert result.returncode == 1 and "FIFO" in result.stderr


def test_a_device_is_refused():
    with pytest.raises(OutputError, match="device"):
        check_output_file(__import__("pathlib").Path("/dev/null"))


def test_a_folder_or_a_symlinked_partial_file_is_refused(run, article, tmp_path):
    folder = tmp_path / "out.jsonl"
    folder.mkdir()
    assert "a folder" in cli("predict", run, article, "-o", folder, "--no-progress").stderr
    out = tmp_path / "b.jsonl"
    (tmp_path / "b.jsonl.partial").symlink_to(tmp_path / "victim")
    result = cli("predict", run, article, "-o", out, "--no-progress")
    assert result.returncode == 1 and "b.jsonl.partial" in result.stderr and not (tmp_path / "victim").exists()


def test_a_second_predict_to_the_same_output_stops_and_names_the_holder(run, article, tmp_path):
    out = tmp_path / "out.jsonl"
    with exclusive(out, "another predict"):
        result = cli("predict", run, article, "-o", out, "--no-progress")
    assert result.returncode == 1
    assert f"process {os.getpid()}" in result.stderr and "another predict" in result.stderr
    assert not out.exists()
    assert cli("predict", run, article, "-o", out, "--no-progress").returncode == 0  # the lock is gone


def test_a_second_fit_into_the_same_run_directory_stops(tmp_path):
    out = tmp_path / "run"
    config = tiny_config("--train.epochs=1", "--model.window_length=64", "--model.window_stride=16", f"--train.output_dir={out}")
    errors = []
    with exclusive(out / "run", "a first fit"):
        thread = threading.Thread(target=lambda: errors.append(_catch(lambda: fit(config, quiet=True))))
        thread.start()
        thread.join()
    assert isinstance(errors[0], OutputError) and "a first fit" in str(errors[0])


def _catch(call):
    try:
        call()
    except Exception as err:  # noqa: BLE001 - the test inspects it
        return err
    return None
