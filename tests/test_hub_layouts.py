"""The production path: encoders in the exact layouts users download, through the real
`fit` -> `predict` -> `evaluate` entry points, offline (`hub_layouts` builds them)."""

import json
import pickle

import pytest
import torch
from conftest import ROOT
from helpers import FIVE_SEEDS
from hub_layouts import arabert_directory, xlmr_directory

from models.encoders import pretrained_encoder
from train.cli import main

QUICK = ["--train.epochs=2", "--train.patience=0", "--model.window_length=64", "--model.window_stride=16",
         "--train.batch_size=8", "--train.mixed_precision=no", "--train.log_every=1", *FIVE_SEEDS]
TEST_ARTICLE = ROOT / "seeds" / "001_b15eb7a366a881e5.txt"


def run_the_flow(recipe: str, encoder, run, tmp_path) -> dict:
    """fit, then predict one article from the CLI, then evaluate the test split; the metrics."""
    assert main(["fit", str(ROOT / "configs" / recipe), f"--model.encoder={encoder}", *QUICK,
                 f"--train.output_dir={run}", f"--data.dataset_dir={tmp_path / 'dataset'}", "--quiet"]) == 0
    out = tmp_path / "predicted.jsonl"
    assert main(["predict", str(run), str(TEST_ARTICLE), "-o", str(out)]) == 0
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    text = TEST_ARTICLE.read_text(encoding="utf-8")
    assert all(text[e["start"]:e["end"]] == e["text"] for e in record["entities"])
    assert main(["evaluate", str(run), "--split", "test"]) == 0
    return json.loads((run / "metrics.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_arabert_recipe_runs_on_a_directory_in_the_hub_layout(tmp_path):
    encoder = arabert_directory(tmp_path / "bert-base-arabertv02")
    metrics = run_the_flow("arabert.yaml", encoder, tmp_path / "run", tmp_path)
    assert {"gold_entities", "end_to_end", "boundaries"} <= set(metrics["relations"])
    saved = json.loads((tmp_path / "run" / "model" / "config.json").read_text(encoding="utf-8"))
    assert saved["normalization"] == "arabert_v02"  # WordPiece: AraBERT v0.2 preprocessing
    assert saved["encoder"]["vocab_size"] == json.loads((encoder / "config.json").read_text())["vocab_size"]


@pytest.mark.slow
def test_xlmr_layout_with_only_a_tokenizer_json_runs(tmp_path):
    encoder = xlmr_directory(tmp_path / "xlmr")
    metrics = run_the_flow("e5-small.yaml", encoder, tmp_path / "run", tmp_path)
    assert 0.0 <= metrics["ner"]["span"]["micro"]["f1"] <= 1.0
    saved = json.loads((tmp_path / "run" / "model" / "config.json").read_text(encoding="utf-8"))
    assert saved["normalization"] == "fold" and saved["encoder"]["model_type"] == "xlm-roberta"


def test_old_revision_with_only_pytorch_model_bin_loads_with_weights_only(tmp_path):
    encoder_dir = arabert_directory(tmp_path / "old", bin_only=True)
    assert not (encoder_dir / "model.safetensors").exists()
    encoder, tokenizer = pretrained_encoder(str(encoder_dir))
    saved = torch.load(encoder_dir / "pytorch_model.bin", weights_only=True)
    torch.testing.assert_close(encoder.embeddings.word_embeddings.weight,
                               saved["bert.embeddings.word_embeddings.weight"])
    assert (tokenizer.cls_token, tokenizer.sep_token, tokenizer.pad_token) == ("[CLS]", "[SEP]", "[PAD]")


def test_a_pickle_that_is_not_plain_weights_is_refused(tmp_path):
    encoder_dir = arabert_directory(tmp_path / "unsafe", bin_only=True)
    torch.save({"weights": torch.zeros(1), "payload": ValueError("not a tensor")}, encoder_dir / "pytorch_model.bin")
    with pytest.raises(pickle.UnpicklingError):
        pretrained_encoder(str(encoder_dir))


def test_the_cli_refuses_an_unsafe_checkpoint_in_one_line(tmp_path, capsys):
    encoder_dir = arabert_directory(tmp_path / "unsafe", bin_only=True)
    torch.save({"weights": torch.zeros(1), "payload": ValueError("not a tensor")}, encoder_dir / "pytorch_model.bin")
    capsys.readouterr()  # what building the directory printed
    code = main(["fit", str(ROOT / "configs" / "arabert.yaml"), f"--model.encoder={encoder_dir}", *QUICK,
                 f"--train.output_dir={tmp_path / 'run'}", f"--data.dataset_dir={tmp_path / 'dataset'}", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: refused to load a checkpoint") and err.count("\n") == 1
    assert "weights_only=False" not in err
