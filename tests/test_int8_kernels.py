"""The int8 layer's compiled kernel computes what its torch operations compute, and a failing
compiler leaves int8 inference running, with a warning, instead of stopping it."""

import warnings

import pytest
import torch

from train.predict.int8_kernels import CompiledOrEager, int8_product
from train.predict.quantize import int8_linear


def int8_layer(compiled: bool, loud: bool = True) -> torch.nn.Module:
    """An int8 layer; with `loud`, two fp32 outlier channels (calibrated on inputs whose
    channels 3 and 7 are loud), else the plain scheme."""
    torch.manual_seed(2)
    linear = torch.nn.Linear(32, 24)
    input_range = torch.rand(32) + 0.5
    input_range[[3, 7]] = 40.0
    return int8_linear(linear, input_range if loud else None, compiled=compiled)


@pytest.mark.parametrize("rows", [1, 5, 130])
@pytest.mark.parametrize("loud", [True, False], ids=["outliers", "plain"])
def test_the_compiled_layer_equals_the_torch_operations(rows, loud):
    compiled, eager = int8_layer(True, loud), int8_layer(False, loud)
    torch.manual_seed(rows)
    x = torch.randn(rows, 32)
    x[:, 3] *= 30
    with torch.inference_mode():
        fused, separate = compiled(x), eager(x)
    assert len(compiled.outliers) == (2 if loud else 0)
    assert fused.shape == separate.shape == (rows, 24)
    # the same int8 product; only the fp32 sum over the outlier channels may run in another order
    assert torch.allclose(fused, separate, rtol=0, atol=1e-5)
    assert fused.abs().max() > 1  # not a zero output on both sides


def test_a_compiler_failure_falls_back_to_the_torch_operations_with_one_warning():
    def fails(*_args):
        raise RuntimeError("InvalidCxxCompiler: No working C++ compiler found")

    kernel = CompiledOrEager(int8_product)
    kernel.compiled = fails  # what torch.compile's wrapper raises on a machine without a C++ compiler
    layer = int8_layer(False)
    x = torch.randn(4, 32)
    args = (x, layer.inner_input, layer.weight_t, layer.weight_scale, layer.bias, layer.outliers,
            layer.outlier_weight_t)
    with pytest.warns(UserWarning, match="without compiled kernels.*No working C\\+\\+ compiler"):
        first = kernel(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning, no second attempt
        second = kernel(*args)
    assert torch.equal(first, int8_product(*args)) and torch.equal(second, first)


def test_a_wrong_input_raises_and_keeps_the_compiled_kernel():
    layer = int8_layer(True)
    kernel = CompiledOrEager(int8_product)
    with pytest.raises(RuntimeError):  # 31 input channels for a layer of 32
        kernel(torch.randn(4, 31), layer.inner_input, layer.weight_t, layer.weight_scale, layer.bias,
               layer.outliers, layer.outlier_weight_t)
    assert kernel.failure is None
