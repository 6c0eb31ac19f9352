"""`fit` end to end on the seeds with a very small model: run directory, resume, crash safety,
two processes."""

import json
import subprocess
from functools import partial

import pytest
import torch
from conftest import ROOT
from helpers import FIVE_SEEDS, accelerate_launcher, tiny_config
from safetensors.torch import load_file

import train.fit.loop as loop
from train.data.gazetteer import Gazetteer, word_key
from train.evaluate.scoring import score_documents
from train.fit.checkpoint import atomic_directory
from train.fit.loop import RunDirectoryError, fit
from train.predict.predictor import Predictor
from train.splits import documents_by_split

FAST = ["--train.epochs=3", "--train.patience=0", "--model.window_length=64", "--model.window_stride=16",
        "--model.entity_ruler=true"]


def small_config(out, *extra):
    return tiny_config(*FAST, f"--train.output_dir={out}", *extra)


pytestmark = pytest.mark.usefixtures("one_thread")  # bitwise-repeatable runs (conftest)


BUILT: dict = {}
"""The Accelerator and training DataLoader the finished run was given (`finished_run`)."""


def recording(name: str, function):
    def record(*args, **kwargs):
        BUILT[name] = function(*args, **kwargs)
        return BUILT[name]
    return record


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, one_thread):
    out = tmp_path_factory.mktemp("runs") / "straight"
    with pytest.MonkeyPatch.context() as patch:
        for name in ("make_accelerator", "training_loader"):
            patch.setattr(loop, name, recording(name, getattr(loop, name)))
        metrics = fit(small_config(out), quiet=True)
    return out, metrics


def test_run_directory_holds_everything(finished_run):
    out, metrics = finished_run
    for name in ("config.yaml", "train_log.jsonl", "metrics.json", "predictions/test.jsonl",
                 "model/config.json", "model/model.safetensors", "model/tokenizer.json", "checkpoint/trainer_state.json"):
        assert (out / name).exists(), name
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(metrics))
    for path in ("ner.span.micro.f1", "ner.seqeval.micro.f1", "relations.end_to_end.micro.f1",
                 "relations.gold_entities.micro.f1"):
        node = saved
        for key in path.split("."):
            node = node[key]
        assert 0.0 <= node <= 1.0
    events = [json.loads(line)["event"] for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert events.count("epoch") == 3 and events[0] == "start"
    model_config = json.loads((out / "model" / "config.json").read_text())
    assert model_config["id2label"]["1"] == "B-FACTION"


def test_run_records_activation_ranges_of_its_training_articles(finished_run):
    out, _ = finished_run
    ranges = load_file(out / "model" / "activation_ranges.safetensors")
    predictor = Predictor.from_run(out, device="cpu", prepack=False)
    linears = {name: m for name, m in predictor.model.encoder.named_modules() if type(m) is torch.nn.Linear}
    assert ranges.keys() == linears.keys()
    seen = {}

    def keep_first_input(name, _module, inputs, _output):
        seen.setdefault(name, inputs[0].abs().amax((0, 1)))

    hooks = [m.register_forward_hook(partial(keep_first_input, name)) for name, m in linears.items()]
    train_text = documents_by_split(small_config(out))["train"][0].text
    predictor.predict([train_text])
    for hook in hooks:
        hook.remove()
    for name, layer in linears.items():  # the maxima cover what one training article's first batch reaches
        assert ranges[name].shape == (layer.in_features,)
        assert (ranges[name] >= seen[name] - 1e-5).all(), name


def test_run_saves_an_entity_ruler_of_its_training_names_only(finished_run, schema):
    out, _ = finished_run
    splits = documents_by_split(small_config(out))
    saved = Gazetteer.load(out / "model" / "gazetteer.json").entries
    assert saved == Gazetteer.from_documents(splits["train"], schema).entries
    held_out = {word_key(e.text) for d in splits["validation"] + splits["test"] for e in d.entities}
    trained = {word_key(e.text) for d in splits["train"] for e in d.entities}
    assert held_out - trained and not (held_out - trained) & saved.keys()  # no held-out name leaks in
    assert Predictor.from_run(out, device="cpu").provenance["entity_ruler_names"] == len(saved)


def test_test_scores_hold_the_model_alone_next_to_the_ruler(finished_run, schema):
    out, metrics = finished_run
    test_docs = documents_by_split(small_config(out))["test"]
    plain = Predictor.from_run(out, device="cpu", entity_ruler=False).predict_documents(test_docs)
    alone = score_documents(test_docs, plain, schema, draws=0)["ner"]["span"]["micro"]
    assert metrics["ner"]["model_alone"]["micro"] == alone
    assert metrics["ner"]["model_alone"]["micro"] != metrics["ner"]["span"]["micro"]  # the ruler changed the entities
    ruled = Predictor.from_run(out, device="cpu").predict_documents(test_docs)
    assert metrics["ner"]["span"]["micro"] == score_documents(test_docs, ruled, schema, draws=0)["ner"]["span"]["micro"]


def test_existing_run_is_not_overwritten_by_accident(finished_run):
    out, _ = finished_run
    with pytest.raises(RunDirectoryError, match="--resume"):
        fit(small_config(out), quiet=True)


def test_resume_continues_from_the_checkpoint(finished_run, tmp_path, monkeypatch):
    straight, _ = finished_run
    out = tmp_path / "interrupted"
    real_epoch = loop.train_one_epoch

    def crash_in_third_epoch(*args, **kwargs):
        if args[7] == 2:  # the epoch argument
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(loop, "train_one_epoch", crash_in_third_epoch)
    with pytest.raises(KeyboardInterrupt):
        fit(small_config(out), quiet=True)
    state = json.loads((out / "checkpoint" / "trainer_state.json").read_text())
    assert state["epoch"] == 2
    monkeypatch.setattr(loop, "train_one_epoch", real_epoch)
    fit(small_config(out), resume=True, quiet=True)
    resumed = load_file(out / "checkpoint" / "accelerate" / "model.safetensors")
    expected = load_file(straight / "checkpoint" / "accelerate" / "model.safetensors")
    assert resumed.keys() == expected.keys()
    for key in expected:
        assert torch.equal(resumed[key], expected[key]), key
    assert json.loads((out / "metrics.json").read_text()) == json.loads((straight / "metrics.json").read_text())


def test_resume_replays_from_a_sparse_checkpoint_without_frozen_weights(tmp_path, monkeypatch):
    extra = ["--model.freeze_embeddings=true", "--train.checkpoint_every=2", "--train.epochs=4"]
    straight = tmp_path / "straight"
    fit(small_config(straight, *extra), quiet=True)
    out = tmp_path / "interrupted"
    real_epoch = loop.train_one_epoch

    def crash_in_fourth_epoch(*args, **kwargs):
        if args[7] == 3:
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(loop, "train_one_epoch", crash_in_fourth_epoch)
    with pytest.raises(KeyboardInterrupt):
        fit(small_config(out, *extra), quiet=True)
    # no improvement after epoch 1 with this tiny model: the last checkpoint is epoch 2's
    assert json.loads((out / "checkpoint" / "trainer_state.json").read_text())["epoch"] == 2
    checkpoint = load_file(out / "checkpoint" / "accelerate" / "model.safetensors")
    assert "encoder.embeddings.word_embeddings.weight" not in checkpoint  # frozen: not checkpointed
    assert "token_head.weight" in checkpoint
    monkeypatch.setattr(loop, "train_one_epoch", real_epoch)
    fit(small_config(out, *extra), resume=True, quiet=True)
    for name in ("model/model.safetensors", "checkpoint/accelerate/model.safetensors"):
        resumed, expected = load_file(out / name), load_file(straight / name)
        assert resumed.keys() == expected.keys()
        assert all(torch.equal(resumed[k], expected[k]) for k in expected), name
    assert json.loads((out / "metrics.json").read_text()) == json.loads((straight / "metrics.json").read_text())
    steps = [json.loads(line)["step"] for line in (out / "train_log.jsonl").read_text().splitlines()
             if json.loads(line)["event"] == "step"]
    assert steps == sorted(set(steps))  # replayed steps are not logged twice


def test_checkpoint_write_is_atomic(tmp_path):
    final = tmp_path / "checkpoint"
    with atomic_directory(final) as tmp:
        (tmp / "weights").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(final) as tmp:
            (tmp / "weights").write_text("half")
            raise RuntimeError("crash while writing")
    assert (final / "weights").read_text() == "old"
    with atomic_directory(final) as tmp:  # the next save cleans up the torn one
        (tmp / "weights").write_text("new")
    assert (final / "weights").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"]


@pytest.mark.slow
def test_two_cpu_processes_train(tmp_path):
    accelerate = accelerate_launcher()
    out = tmp_path / "ddp"
    overrides = ["--model.tiny.vocab_size=300", "--model.tiny.hidden_size=32", "--model.tiny.intermediate_size=64",
                 "--model.tiny.num_layers=1", *FAST, *FIVE_SEEDS, "--train.epochs=2", f"--train.output_dir={out}",
                 f"--data.dataset_dir={tmp_path / 'dataset'}"]  # built by the main process, read by the other
    result = subprocess.run([accelerate, "launch", "--num_processes", "2", "--cpu", "-m", "train", "fit",
                             "configs/tiny.yaml", "--quiet", *overrides], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((out / "metrics.json").read_text())["ner"]["span"]["micro"]["f1"] >= 0.0
    epochs = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()
              if json.loads(line)["event"] == "epoch"]
    assert len(epochs) == 2  # one log line per epoch, not one per process


def test_batches_go_to_a_gpu_from_pinned_memory_without_waiting(finished_run):
    from train.fit.batches import training_loader
    from train.fit.loop import make_accelerator

    # a blocking copy would first wait for all the work queued on the GPU
    assert make_accelerator("no", cpu=True).dataloader_config.non_blocking
    windows, batches = list(range(4)), [[0, 1], [2, 3]]
    assert training_loader(windows, batches, 0, 3, torch.device("cuda", 0)).pin_memory
    assert not training_loader(windows, batches, 0, 3, torch.device("cpu")).pin_memory
    # and fit trains with both (on the CPU, where there is nothing to pin)
    assert BUILT["make_accelerator"].dataloader_config.non_blocking
    assert BUILT["training_loader"].batch_size is None and not BUILT["training_loader"].pin_memory
