"""Encoder batches with a subword budget (`predict --max-batch-subwords`): every encoder call
stays within it, and the documents are those of batches by window count."""

import argparse
import json

import pytest
from helpers import TEXT
from robust_helpers import saved_tiny_model
from test_predict import HARD_TEXTS, run_cli

from train.commands.predict import add_predict_arguments
from train.predict.chunk import encoder_batches
from train.predict.predictor import LocalCalls, Predictor, predictor_from_arguments

TEXTS = list(HARD_TEXTS.values()) + [TEXT, TEXT[:40], ""]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


def test_a_batch_holds_what_its_longest_window_leaves_of_the_budget():
    numbers, lengths = [7, 3, 5, 1, 0, 2], [100, 90, 50, 50, 40, 10]
    assert encoder_batches(numbers, lengths, 4) == [[7, 3, 5, 1], [0, 2]]
    # 200 // 100 = 2 windows, then 200 // 50 = 4
    assert encoder_batches(numbers, lengths, 8, max_subwords=200) == [[7, 3], [5, 1, 0, 2]]
    assert encoder_batches(numbers, lengths, 3, max_subwords=10_000) == [[7, 3, 5], [1, 0, 2]]  # the count binds
    assert encoder_batches([4, 9], [300, 20], 8, max_subwords=200) == [[4], [9]]  # too long for the budget: alone
    assert encoder_batches([], [], 8, max_subwords=200) == []


def spans(docs):
    return [([(e.start, e.end, e.type) for e in d.entities],
             [(r.head, r.tail, r.type) for r in d.relations]) for d in docs]


def test_every_encoder_call_keeps_to_the_budget_and_the_documents_do_not_change(run_dir, monkeypatch):
    predictor = Predictor.from_run(run_dir, device="cpu", batch_size=1000)
    by_count = Predictor.from_run(run_dir, device="cpu").predict(TEXTS)
    calls, real = [], LocalCalls.best_tags

    def noting(self, numbers, rows, sizes):
        calls.append((len(rows), max(len(r) for r in rows)))
        return real(self, numbers, rows, sizes)

    monkeypatch.setattr(LocalCalls, "best_tags", noting)
    predictor.max_batch_subwords = 40
    docs = predictor.predict(TEXTS)
    assert len(calls) > 3 and any(count > 1 for count, _ in calls)
    assert all(count * width <= 40 or count == 1 for count, width in calls)
    assert spans(docs) == spans(by_count)
    scores = [(e.score for e in d.entities) for d in docs], [(e.score for e in d.entities) for d in by_count]
    for ours, theirs in zip(*scores):
        assert list(ours) == pytest.approx(list(theirs), abs=1e-4)  # padding changes the last digits


def test_cli_takes_the_budget_and_refuses_a_bad_one(run_dir, tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    result = run_cli(run_dir, tmp_path / "a.txt", "--max-batch-subwords", "0", "--batch-size", "0")
    assert result.returncode == 1
    assert "--batch-size must be positive, got 0; --max-batch-subwords must be positive, got 0" in result.stderr
    budget = run_cli(run_dir, tmp_path / "a.txt", "--max-batch-subwords", "64", "-o", tmp_path / "budget.jsonl")
    plain = run_cli(run_dir, tmp_path / "a.txt", "-o", tmp_path / "plain.jsonl")
    assert budget.returncode == 0 and plain.returncode == 0, budget.stderr + plain.stderr
    read = [json.loads((tmp_path / name).read_text(encoding="utf-8")) for name in ("budget.jsonl", "plain.jsonl")]
    assert read[0]["entities"] and [(e["start"], e["end"], e["type"]) for e in read[0]["entities"]] == \
        [(e["start"], e["end"], e["type"]) for e in read[1]["entities"]]


@pytest.mark.parametrize("flags, windows, subwords", [
    ([], 32, None),
    (["--max-batch-subwords", "4096"], 4096, 4096),  # the budget alone: no limit on windows
    (["--max-batch-subwords", "4096", "--batch-size", "16"], 16, 4096),
])
def test_the_batch_flags_reach_the_predictor(run_dir, flags, windows, subwords):
    parser = argparse.ArgumentParser()
    add_predict_arguments(parser)
    predictor = predictor_from_arguments(parser.parse_args([str(run_dir), "a.txt", *flags]), "cpu")
    decoding = predictor.decoding()
    assert (decoding.batch_size, decoding.max_batch_subwords) == (windows, subwords)
    python_api = Predictor.from_run(run_dir, device="cpu", max_batch_subwords=subwords, batch_size=16 if "16" in flags else None)
    assert (python_api.batch_size, python_api.max_batch_subwords) == (windows, subwords)
