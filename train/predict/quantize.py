"""Int8 inference on CPU: the encoder's linear layers as int8 matrix products.

Each `nn.Linear` of the encoder (attention and feed-forward projections) keeps its weights
as int8 with one scale per output channel; at run time each input row (one subword) is
quantized with its own scale (symmetric, absolute maximum / 127), the product is an exact
int8 x int8 -> int32 matrix product (`torch._int_mm`), and the result is rescaled to fp32.
This is the "W8A8, per-token dynamic activations, per-channel weights" scheme of LLM.int8()
(Dettmers et al., 2022) and SmoothQuant (Xiao et al., 2023). Embeddings, layer norms,
softmax and the two heads stay fp32.

With the activation ranges that `fit` records on training articles (`ACTIVATION_RANGES` in
the model folder, `record_activation_ranges`), each layer also gets the two remedies of
those papers for the few input channels that are far louder than the rest (on the default
model, channel 15 of the feed-forward input reaches 36 where the median channel reaches
1.8), which otherwise set every subword's scale and leave the other channels a handful of
int8 steps:
- outlier channels (calibrated maximum above `OUTLIER_RATIO` times the layer's median, at
  most `MAX_OUTLIERS`) are multiplied in fp32 (LLM.int8()'s decomposition, with a fixed
  channel set instead of one chosen per batch, so that a subword's result never depends on
  its batch);
- the remaining channels are smoothed: input channel j is divided by
  s_j = max|x_j|^alpha / max|W_j|^(1 - alpha) and weight column j multiplied by it, which
  moves part of the activations' range into the weights (SmoothQuant, alpha = `SMOOTHING`).
On the default model, with ranges recorded on its 16 training articles, this raised the
entities' agreement with fp32 on 1,000 corpus articles from F1 0.966 to 0.982 (relations
end to end 0.908 to 0.951). With the work around each product compiled (`int8_kernels.py`),
int8 ran 1.80-1.96x as fast as fp32 on weights prepacked for oneDNN (`onednn.py`) in four runs,
agreeing at entity F1 0.983 (README, Benchmarks; `bench/int8.py` measures both; a model folder
without recorded ranges runs the plain scheme, with a warning).

Why not `torch.ao.quantization.quantize_dynamic`: it quantizes a whole batch with one
activation scale, so a subword's result depends on the other windows in its batch, and on
the default model its entities agreed with fp32's at entity F1 0.770 (1,000 corpus articles).
torchao 0.18's int8 dynamic layer ran slower than fp32 here in eager mode (31 ms against
26 ms for one 4,096 x 384 x 1,536 product).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import torch

QUANTIZATIONS = ("int8",)
"""Values of `predict --quantize` / `corpus --quantize`."""

ACTIVATION_RANGES = "activation_ranges.safetensors"
"""File in a model folder: for each linear layer of the encoder (by its name under
`model.encoder`), the largest absolute value each input channel took on training articles."""

OUTLIER_RATIO = 3.0
"""An input channel whose calibrated maximum exceeds this many times the layer's median
channel maximum is multiplied in fp32."""

MAX_OUTLIERS = 8
"""At most this many fp32 channels per layer (the loudest), so the fp32 part stays small."""

SMOOTHING = 0.5
"""SmoothQuant's migration strength alpha (the paper's default; 0.3 and 0.75 agreed less
with fp32 on the default model)."""


def outlier_channels(input_range: torch.Tensor) -> torch.Tensor:
    """Indices (ascending, int64) of the channels of `input_range` (shape [in]) multiplied in fp32."""
    loudest = input_range.sort(descending=True)
    chosen = loudest.indices[:MAX_OUTLIERS][loudest.values[:MAX_OUTLIERS] > OUTLIER_RATIO * input_range.median()]
    return chosen.sort().values


def smoothing_scales(weight: torch.Tensor, input_range: torch.Tensor, outliers: torch.Tensor) -> torch.Tensor:
    """SmoothQuant's per-input-channel scales s (shape [in]); 1 on the outlier channels."""
    weight_range = weight.abs().amax(0).clamp(min=1e-5)
    scales = (input_range.clamp(min=1e-5) ** SMOOTHING / weight_range ** (1 - SMOOTHING)).clamp(min=1e-5)
    scales[outliers] = 1.0
    return scales


def int8_linear(linear: torch.nn.Linear, input_range: torch.Tensor | None = None,
                compiled: bool = True) -> torch.nn.Module:
    """An inference-only int8 copy of `linear` (module docstring); same input and output shapes.

    `input_range` (shape [in]): the calibrated maximum of each input channel; None for the
    plain scheme (no outlier channels, no smoothing). `compiled`: the work around the int8
    product as compiled kernels (`int8_kernels.py`), else as separate torch operations.
    """
    import torch

    weight = linear.weight.detach().float()  # read, never written: Int8Linear makes its own tensors
    bias = None if linear.bias is None else linear.bias.detach().float().clone()
    if input_range is None:
        outliers, scales = torch.zeros(0, dtype=torch.long), torch.ones(weight.shape[1])
    else:
        outliers = outlier_channels(input_range.float())
        scales = smoothing_scales(weight, input_range.float(), outliers)
    return int8_linear_class()(weight, bias, outliers, scales, compiled)


@lru_cache(maxsize=1)
def int8_linear_class() -> type:
    """The `Int8Linear` module class, defined on first use so that importing this module does
    not import torch."""
    import torch

    from .int8_kernels import int8_kernel

    class Int8Linear(torch.nn.Module):
        def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, outliers: torch.Tensor,
                     scales: torch.Tensor, compiled: bool):
            super().__init__()
            self.register_buffer("outliers", outliers)
            self.register_buffer("outlier_weight_t", weight[:, outliers].t().contiguous())  # fp32[k, out]
            inner_weight = weight * scales[None, :]
            inner_weight[:, outliers] = 0
            inner_input = 1.0 / scales  # what the input is multiplied by before quantization
            inner_input[outliers] = 0
            self.calibrated = bool(len(outliers)) or not torch.equal(scales, torch.ones_like(scales))
            self.register_buffer("inner_input", inner_input)
            weight_scale = inner_weight.abs().amax(1).clamp(min=1e-12) / 127  # per output channel
            quantized = (inner_weight / weight_scale[:, None]).round().clamp(-127, 127).to(torch.int8)
            self.register_buffer("weight_t", quantized.t().contiguous())  # int8[in, out]
            self.register_buffer("weight_scale", weight_scale)
            self.register_buffer("bias", torch.zeros(weight.shape[0]) if bias is None else bias)
            self.compiled = compiled

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            rows = x.reshape(-1, x.shape[-1]).float()
            out = int8_kernel(self.compiled)(rows, self.inner_input, self.weight_t, self.weight_scale, self.bias,
                                             self.outliers, self.outlier_weight_t)
            return out.reshape(*x.shape[:-1], out.shape[-1]).to(x.dtype)

    return Int8Linear


@contextmanager
def record_activation_ranges(model: torch.nn.Module) -> Iterator[dict[str, torch.Tensor]]:
    """While inside, every forward pass of `model.encoder` updates the returned dict: for each
    encoder linear layer, the largest absolute value of each input channel (fp32, shape [in])."""
    import torch

    from .onednn import encoder_linears

    ranges: dict[str, torch.Tensor] = {}

    def hook(name, _module, inputs, _output):
        seen = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0).float().cpu()
        ranges[name] = torch.maximum(ranges[name], seen) if name in ranges else seen

    handles = [layer.register_forward_hook(lambda *a, name=name: hook(name, *a))
               for name, layer in encoder_linears(model, packed=True)]
    try:
        yield ranges
    finally:
        for handle in handles:
            handle.remove()


def save_activation_ranges(model_dir: Path, ranges: dict[str, torch.Tensor]) -> Path:
    """Write `ranges` to `model_dir / ACTIVATION_RANGES` (safetensors) and return its path."""
    from safetensors.torch import save_file

    path = model_dir / ACTIVATION_RANGES
    save_file({name: values.contiguous() for name, values in ranges.items()}, str(path))
    return path


def load_activation_ranges(model_dir: Path) -> dict[str, torch.Tensor] | None:
    """The ranges saved in `model_dir`, or None when it has none (a model trained before they were
    recorded)."""
    from safetensors.torch import load_file

    path = model_dir / ACTIVATION_RANGES
    return load_file(str(path)) if path.is_file() else None


def quantize_for_cpu(model: torch.nn.Module, scheme: str, device: torch.device,
                     ranges: dict[str, torch.Tensor] | None = None) -> torch.nn.Module:
    """`model` in eval mode with every linear layer of `model.encoder` replaced by `int8_linear`,
    using the layer's entry of `ranges` (from `load_activation_ranges`) where it has one.

    Raises ValueError for an unknown scheme, a device other than the CPU (the int8 product is
    run on the CPU here; on a GPU use --precision bf16), an encoder already prepacked for oneDNN
    (`onednn.py`: its fp32 weights are gone), or ranges whose channel count does not match their
    layer (recorded from another model).
    """
    if scheme not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {scheme!r}; choose one of {', '.join(QUANTIZATIONS)}")
    if device.type != "cpu":
        raise ValueError(f"--quantize {scheme} runs on the CPU only, not on {device} (use --precision bf16 on a GPU)")
    from .onednn import PackedLinear, encoder_linears, replace_layer

    packed = [name for name, layer in encoder_linears(model, packed=True) if isinstance(layer, PackedLinear)]
    if packed:
        raise ValueError(f"{packed[0]} and {len(packed) - 1} other layers are prepacked for oneDNN and cannot be "
                         "quantized: load the model with prepack=False")
    if ranges is None:
        warnings.warn("this model folder has no recorded activation ranges (trained before they were saved): int8 runs "
                      "without outlier channels or smoothing, and agrees less with fp32", stacklevel=2)
    for name, layer in encoder_linears(model):
        input_range = None if ranges is None else ranges.get(name)
        if input_range is not None and input_range.shape != (layer.in_features,):
            raise ValueError(f"activation range of {name} has shape {tuple(input_range.shape)}, "
                             f"the layer takes {layer.in_features} inputs: the ranges come from another model")
        replace_layer(model, name, int8_linear(layer, input_range))
    return model.eval()
