"""`predict --quantize int8`: the encoder's linear layers become int8 products, the token head's
probabilities stay close to fp32's, outputs keep their shape and provenance, and a GPU
device is refused with a clear error."""

import json
import subprocess
import sys

import pytest
import torch
from conftest import ROOT
from helpers import TEXT
from robust_helpers import saved_tiny_model

from train.predict.predictor import Predictor
from train.predict.quantize import int8_linear, int8_linear_class


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


def test_every_encoder_linear_layer_is_int8(run_dir):
    fp32 = Predictor.from_run(run_dir, device="cpu")
    int8 = Predictor.from_run(run_dir, device="cpu", quantize="int8")
    encoder_linear = [m for m in fp32.model.encoder.modules() if type(m) is torch.nn.Linear]
    converted = [m for m in int8.model.encoder.modules() if isinstance(m, int8_linear_class())]
    assert encoder_linear and len(converted) == len(encoder_linear)
    assert not any(type(m) is torch.nn.Linear for m in int8.model.encoder.modules())
    assert all(m.weight_t.dtype == torch.int8 for m in converted)
    assert type(int8.model.token_head) is torch.nn.Linear  # the heads stay fp32
    assert int8.provenance["quantization"] == "int8" and "quantization" not in fp32.provenance


def test_an_int8_layer_is_close_to_fp32_and_each_row_is_its_own():
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 48)
    layer = int8_linear(linear)
    x = torch.randn(2, 5, 64)
    x[1, 3] *= 100  # one loud row must not coarsen the others (one scale per batch would)
    with torch.inference_mode():
        exact, approx = linear(x), layer(x)
        alone = layer(x[0, 0])
    assert approx.shape == exact.shape
    assert ((approx - exact).norm(dim=-1) / exact.norm(dim=-1)).max() < 0.02
    assert torch.equal(alone, approx[0, 0])  # a row's result does not depend on its batch


def test_token_probabilities_stay_close_to_fp32(run_dir):
    fp32 = Predictor.from_run(run_dir, device="cpu")
    int8 = Predictor.from_run(run_dir, device="cpu", quantize="int8")
    ids = torch.tensor([fp32.tokenizer(TEXT[:60])["input_ids"][:16]])
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        p32 = fp32.model.token_head(fp32.model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state).softmax(-1)
        p8 = int8.model.token_head(int8.model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state).softmax(-1)
    assert not torch.equal(p32, p8), "int8 gave bit-identical output: nothing was quantized"
    assert (p32 - p8).abs().max().item() < 0.05


def test_cli_writes_the_same_shape_with_int8_provenance(run_dir, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = subprocess.run([sys.executable, "-m", "train", "predict", str(run_dir), str(source), "-o", str(out),
                             "--quantize", "int8", "--no-progress"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["id"] == "a" and record["provenance"]["quantization"] == "int8"
    assert all(TEXT[e["start"]:e["end"]] == e["text"] for e in record["entities"])


def test_quantizing_for_a_gpu_is_refused(run_dir):
    with pytest.raises(ValueError, match="CPU only"):
        Predictor.from_run(run_dir, device="cuda", quantize="int8")
    with pytest.raises(ValueError, match="unknown quantization 'int4'"):
        Predictor.from_run(run_dir, device="cpu", quantize="int4")
