"""`predict --workers N`: worker processes around one model write what one process writes,
in input order, and a worker that fails or a reader that stops ends every worker."""

import json
import multiprocessing
import os
import time
from dataclasses import replace

import pytest
from helpers import TEXT
from robust_helpers import saved_tiny_model
from test_predict import HARD_TEXTS, run_cli

import train.predict.workers as workers
from train.predict.predictor import LocalCalls, Predictor
from train.predict.workers import WorkerError

TEXTS = list(HARD_TEXTS.values()) * 2 + [TEXT, TEXT[:40], ""]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def predictor(run_dir):
    predictor = Predictor.from_run(run_dir, device="cpu")
    predictor.docs_per_chunk = 2  # many chunks, so that several are in flight at once
    return predictor


def predict_with(predictor, count: int, texts=TEXTS, **settings):
    predictor.workers = count
    for name, value in settings.items():
        setattr(predictor, name, value)
    try:
        return predictor.predict(texts)
    finally:
        predictor.workers, predictor.relations = 0, True


@pytest.mark.parametrize("relations", [True, False])
def test_workers_predict_what_one_process_predicts(predictor, relations):
    alone = predict_with(predictor, 0, relations=relations)
    assert sum(len(d.entities) for d in alone) > 10  # a random small model tags plenty
    assert relations == any(d.relations for d in alone)
    assert predict_with(predictor, 3, relations=relations) == alone
    assert not multiprocessing.active_children()


def slow_first_chunk(decoding, calls, chunk):
    if chunk[0][0] == "0":
        time.sleep(2)  # the chunks after it finish first and wait for it
    return real_predict_chunk(decoding, calls, chunk)


def test_chunks_that_finish_early_wait_for_the_ones_before_them(predictor, monkeypatch):
    alone = predict_with(predictor, 0)

    def noting(decoding, calls, chunk):  # runs in the workers: the order shows in what they return
        docs = slow_first_chunk(decoding, calls, chunk)
        return [replace(doc, source=f"{time.monotonic():.6f}") for doc in docs]

    monkeypatch.setattr(workers, "predict_chunk", noting)
    got = predict_with(predictor, 3)
    finished = [float(doc.source) for doc in got]
    assert [replace(doc, source="") for doc in got] == alone
    assert finished[0] > finished[2]  # the second chunk (documents 2 and 3) did finish before the first


def test_cli_with_workers_writes_the_one_process_file(run_dir, tmp_path):
    """Errors, duplicates and kept records sit between predicted documents: each record is
    written at its input position although several chunks are predicted at once."""
    lines = tmp_path / "docs.jsonl"
    records = [{"id": f"d{i}", "text": t} for i, t in enumerate(TEXTS)]
    records[3] = {"id": "d3"}  # no text
    records.insert(6, {"id": "d1", "text": "مكرر"})  # a duplicate id
    lines.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "not json\n",
                     encoding="utf-8")
    one, several = tmp_path / "one.jsonl", tmp_path / "several.jsonl"
    assert run_cli(run_dir, lines, "-o", one, "--chunk", "2").returncode == 1
    result = run_cli(run_dir, lines, "-o", several, "--chunk", "2", "--workers", "2")
    assert result.returncode == 1, result.stderr  # the bad records are errors in both
    assert several.read_text(encoding="utf-8") == one.read_text(encoding="utf-8")
    assert "3 errors" in result.stderr
    # --resume under workers: the first predicted record is kept as it is, the rest predicted again
    expected = one.read_text(encoding="utf-8").splitlines()
    marker = {**json.loads(expected[1]), "kept": True}
    resumed = tmp_path / "resumed.jsonl"
    resumed.with_name("resumed.jsonl.partial").write_text(json.dumps(marker, ensure_ascii=False) + "\n",
                                                          encoding="utf-8")
    result = run_cli(run_dir, lines, "-o", resumed, "--chunk", "2", "--workers", "2", "--resume")
    got = resumed.read_text(encoding="utf-8").splitlines()
    assert json.loads(got[1]) == marker and "1 kept" in result.stderr
    assert got[:1] + got[2:] == expected[:1] + expected[2:]


def failing_chunk(decoding, calls, chunk):
    if any(text == TEXT[:40] for _, text in chunk):
        raise ValueError("this chunk cannot be decoded")
    return real_predict_chunk(decoding, calls, chunk)


real_predict_chunk = workers.predict_chunk


def test_a_failing_worker_raises_with_its_traceback_and_stops_the_others(predictor, monkeypatch):
    monkeypatch.setattr(workers, "predict_chunk", failing_chunk)  # forked workers inherit it
    with pytest.raises(WorkerError, match="(?s)failed:.*ValueError: this chunk cannot be decoded"):
        predict_with(predictor, 2)
    assert not multiprocessing.active_children()


def test_a_failing_model_call_stops_every_worker(predictor, monkeypatch):
    def out_of_memory(*args):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(LocalCalls, "relation_probs", out_of_memory)  # runs in this process
    with pytest.raises(RuntimeError, match="CUDA out of memory"):
        predict_with(predictor, 2)
    assert not multiprocessing.active_children()


def exiting_chunk(decoding, calls, chunk):
    os._exit(3)


def test_a_worker_that_dies_is_reported(predictor, monkeypatch):
    monkeypatch.setattr(workers, "predict_chunk", exiting_chunk)
    with pytest.raises(WorkerError, match=r"exited \(code 3\)"):
        predict_with(predictor, 2)
    assert not multiprocessing.active_children()


def test_a_reader_that_stops_early_ends_the_workers(predictor):
    predictor.workers = 2
    try:
        stream = predictor.stream((str(i), t) for i, t in enumerate(TEXTS))
        first = next(stream)
        assert multiprocessing.active_children()
        stream.close()
    finally:
        predictor.workers = 0
    assert first.id == "0"
    assert not multiprocessing.active_children()


def hanging_chunk(decoding, calls, chunk):
    if chunk[0][0] == "2":
        time.sleep(600)  # stuck, without a word to the model's process
    return real_predict_chunk(decoding, calls, chunk)


def test_a_worker_that_hangs_is_named_and_every_worker_stopped(predictor, monkeypatch):
    monkeypatch.setattr(workers, "predict_chunk", hanging_chunk)
    monkeypatch.setattr(workers, "SILENCE_TIMEOUT_S", 3)
    start = time.monotonic()
    with pytest.raises(WorkerError, match=r"worker \d sent nothing for 3 s while predicting chunk 1 \(counted"):
        predict_with(predictor, 2)
    assert time.monotonic() - start < 60 and not multiprocessing.active_children()
