"""`predict --quantize int8`: the encoder's linear layers become int8 products, the token head's
probabilities stay close to fp32's, outputs keep their shape and provenance, and a GPU
device is refused with a clear error."""

import json
import shutil
import subprocess
import sys
import warnings

import pytest
import torch
from conftest import ROOT
from helpers import TEXT
from robust_helpers import saved_tiny_model

from train.predict.onednn import PackedLinear
from train.predict.predictor import Predictor
from train.predict.quantize import (
    int8_linear,
    int8_linear_class,
    load_activation_ranges,
    quantize_for_cpu,
    record_activation_ranges,
    save_activation_ranges,
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


def test_every_encoder_linear_layer_is_int8(run_dir):
    fp32 = Predictor.from_run(run_dir, device="cpu", prepack=False)
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


def loud_channel_batch() -> tuple[torch.nn.Linear, torch.Tensor]:
    """A layer and inputs whose channel 5 is 60 times louder than the others, as the feed-forward
    inputs of pretrained encoders are (module docstring of quantize.py)."""
    torch.manual_seed(1)
    linear = torch.nn.Linear(64, 48)
    x = torch.randn(3, 7, 64)
    x[..., 5] *= 60
    return linear, x


def relative_error(approx: torch.Tensor, exact: torch.Tensor) -> float:
    return ((approx - exact).norm(dim=-1) / exact.norm(dim=-1)).max().item()


def test_a_calibrated_layer_multiplies_the_loud_channel_in_fp32():
    linear, x = loud_channel_batch()
    calibrated = int8_linear(linear, x.abs().reshape(-1, 64).amax(0))
    plain = int8_linear(linear)
    with torch.inference_mode():
        exact = linear(x)
        calibrated_error, plain_error = relative_error(calibrated(x), exact), relative_error(plain(x), exact)
        alone = calibrated(x[2, 4])
    assert calibrated.outliers.tolist() == [5]
    # the loud channel sets a plain row's scale, leaving the others about 2 of 127 steps
    assert plain_error > 0.015 and calibrated_error < plain_error / 3
    assert torch.equal(alone, calibrated(x)[2, 4])  # still each row on its own


@pytest.mark.parametrize("prepack", [False, True], ids=["nn.Linear", "prepacked"])
def test_ranges_are_recorded_per_encoder_layer_and_saved(run_dir, tmp_path, prepack):
    model = Predictor.from_run(run_dir, device="cpu", prepack=prepack).model
    ids = torch.tensor([[5, 6, 7, 8, 9]])
    with record_activation_ranges(model) as ranges, torch.inference_mode():
        model.encoder(input_ids=ids, attention_mask=torch.ones_like(ids))
    linears = {name: m for name, m in model.encoder.named_modules() if type(m) in (torch.nn.Linear, PackedLinear)}
    assert len(linears) == 6 * model.encoder.config.num_hidden_layers and ranges.keys() == linears.keys()
    query = next(name for name in linears if name.endswith("attention.self.query"))
    layer_input = {}

    def keep_input(_module, inputs, _output):
        layer_input["x"] = inputs[0]

    hook = linears[query].register_forward_hook(keep_input)
    with torch.inference_mode():
        model.encoder(input_ids=ids, attention_mask=torch.ones_like(ids))
    hook.remove()
    assert torch.equal(ranges[query], layer_input["x"].abs()[0].amax(0))
    assert not any(h for m in linears.values() for h in m._forward_hooks.values())  # the hooks are gone
    path = save_activation_ranges(tmp_path, ranges)
    assert path.name == "activation_ranges.safetensors"
    loaded = load_activation_ranges(tmp_path)
    assert loaded.keys() == ranges.keys() and all(torch.equal(loaded[k], ranges[k]) for k in ranges)


def test_ranges_of_another_model_are_refused(run_dir):
    model = Predictor.from_run(run_dir, device="cpu", prepack=False).model
    name = next(name for name, m in model.encoder.named_modules() if type(m) is torch.nn.Linear)
    with pytest.raises(ValueError, match=f"activation range of {name} has shape \\(3,\\)"):
        quantize_for_cpu(model, "int8", torch.device("cpu"), {name: torch.ones(3)})


def test_a_model_without_ranges_warns_and_one_with_ranges_uses_them(run_dir, tmp_path):
    with pytest.warns(UserWarning, match="no recorded activation ranges"):
        Predictor.from_run(run_dir, device="cpu", quantize="int8")
    model_dir = tmp_path / "model"
    shutil.copytree(run_dir / "model", model_dir)
    model = Predictor.from_run(model_dir, device="cpu").model
    ids = torch.tensor([[5, 6, 7, 8, 9]])
    with record_activation_ranges(model) as ranges, torch.inference_mode():
        model.encoder(input_ids=ids, attention_mask=torch.ones_like(ids))
    save_activation_ranges(model_dir, ranges)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        int8 = Predictor.from_run(model_dir, device="cpu", quantize="int8")
    layers = [m for m in int8.model.encoder.modules() if isinstance(m, int8_linear_class())]
    assert all(layer.calibrated for layer in layers)


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
