"""fp32 CPU inference with the encoder's weights prepacked for oneDNN (`train/predict/onednn.py`):
the same products as `nn.Linear`, every encoder layer replaced, the same predictions, and the
cases it must not touch (bf16 weights, quantization, a caller who asks for `nn.Linear`)."""

import pytest
import torch
from helpers import TEXT
from robust_helpers import saved_tiny_model

from train.predict.onednn import PackedLinear, can_prepack, prepack_linears
from train.predict.predictor import Predictor
from train.predict.quantize import quantize_for_cpu

pytestmark = pytest.mark.skipif(not can_prepack(), reason="this torch build has no oneDNN")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


@pytest.mark.parametrize("bias", [True, False])
def test_a_packed_layer_computes_the_linear_product(bias):
    torch.manual_seed(0)
    linear = torch.nn.Linear(48, 80, bias=bias)
    x = torch.randn(3, 7, 48)  # [batch, subwords, hidden]: any leading shape
    packed = PackedLinear(linear)
    expected = x @ linear.weight.detach().T + (linear.bias.detach() if bias else 0)
    with torch.inference_mode():
        out = packed(x)
    assert out.shape == (3, 7, 80)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    assert not torch.equal(out, torch.zeros_like(out))


def test_every_encoder_linear_layer_is_packed_and_the_heads_are_not(run_dir):
    plain = Predictor.from_run(run_dir, device="cpu", prepack=False)
    packed = Predictor.from_run(run_dir, device="cpu")
    linears = [name for name, m in plain.model.encoder.named_modules() if type(m) is torch.nn.Linear]
    assert len(linears) == 6 * plain.model.encoder.config.num_hidden_layers
    assert [name for name, m in packed.model.encoder.named_modules() if type(m) is PackedLinear] == linears
    assert not any(type(m) is torch.nn.Linear for m in packed.model.encoder.modules())
    assert type(packed.model.token_head) is torch.nn.Linear


def test_packed_and_plain_predictors_agree(run_dir):
    plain = Predictor.from_run(run_dir, device="cpu", prepack=False)
    packed = Predictor.from_run(run_dir, device="cpu")
    ids = torch.tensor([[5, 6, 7, 8, 9, 10], [11, 12, 13, 0, 0, 0]])
    mask = (torch.arange(6) < torch.tensor([[6], [3]])).long()
    with torch.inference_mode():
        expected, out = plain.model.encode(ids, mask), packed.model.encode(ids, mask)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-4)
    first, second = plain.predict([TEXT])[0], packed.predict([TEXT])[0]
    assert [(e.start, e.end, e.type) for e in first.entities] == [(e.start, e.end, e.type) for e in second.entities]
    assert [(r.head, r.tail, r.type) for r in first.relations] == [(r.head, r.tail, r.type) for r in second.relations]


def test_quantized_models_are_not_packed_and_packed_ones_are_not_quantized(run_dir):
    with pytest.warns(UserWarning, match="no recorded activation ranges"):
        int8 = Predictor.from_run(run_dir, device="cpu", quantize="int8")
    assert not any(type(m) is PackedLinear for m in int8.model.encoder.modules())
    packed = Predictor.from_run(run_dir, device="cpu")
    with pytest.raises(ValueError, match="prepacked for oneDNN and cannot be quantized: load the model with prepack=False"):
        quantize_for_cpu(packed.model, "int8", torch.device("cpu"))


def test_weights_other_than_fp32_are_refused_with_the_layer_named(run_dir):
    model = Predictor.from_run(run_dir, device="cpu", prepack=False).model
    model.encoder.to(torch.bfloat16)
    with pytest.raises(ValueError, match=r"encoder\.layer\.0\.attention\.self\.query: prepacking takes fp32 weights"):
        prepack_linears(model)
