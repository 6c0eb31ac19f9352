"""Int8 inference on CPU: the encoder's linear layers as int8 matrix products.

Each `nn.Linear` of the encoder (attention and feed-forward projections) keeps its weights
as int8 with one scale per output channel; at run time each input row (one subword) is
quantized with its own scale (symmetric, absolute maximum / 127), the product is an exact
int8 x int8 -> int32 matrix product (`torch._int_mm`), and the result is rescaled to fp32.
This is the "W8A8, per-token dynamic activations, per-channel weights" scheme of LLM.int8()
(Dettmers et al., 2022) and SmoothQuant (Xiao et al., 2023), without their outlier handling,
and the scheme of torchao's `Int8DynamicActivationInt8WeightConfig`. Embeddings, layer
norms, softmax and the two heads stay fp32.

Why not `torch.ao.quantization.quantize_dynamic`: it quantizes a whole batch with one
activation scale, so a subword's result depends on the other windows in its batch, and on
the default model its entities agreed with fp32's at entity F1 0.770 (1,000 corpus articles);
one scale per subword agreed at 0.965 on 150 articles with about the same speed-up.
torchao 0.18's int8 dynamic layer ran slower than fp32 here in eager mode (31 ms against
26 ms for one 4,096 x 384 x 1,536 product). The speed and the agreement with fp32 are
measured by `bench/int8.py`, not assumed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

QUANTIZATIONS = ("int8",)
"""Values of `predict --quantize` / `corpus --quantize`."""


def int8_linear(linear: torch.nn.Linear) -> torch.nn.Module:
    """An inference-only int8 copy of `linear` (module docstring); same input and output shapes."""
    bias = None if linear.bias is None else linear.bias.detach().float().clone()
    return int8_linear_class()(linear.weight.detach().float(), bias)


@lru_cache(maxsize=1)
def int8_linear_class() -> type:
    """The `Int8Linear` module class, defined on first use so that importing this module does
    not import torch."""
    import torch

    class Int8Linear(torch.nn.Module):
        def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
            super().__init__()
            scale = weight.abs().amax(1).clamp(min=1e-12) / 127  # per output channel
            quantized = (weight / scale[:, None]).round().clamp(-127, 127).to(torch.int8)
            self.register_buffer("weight_t", quantized.t().contiguous())  # int8[in, out]
            self.register_buffer("weight_scale", scale)
            self.register_buffer("bias", bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            rows = x.reshape(-1, x.shape[-1]).float()
            scale = rows.abs().amax(1, keepdim=True).clamp(min=1e-12) / 127  # per subword
            out = torch._int_mm((rows / scale).round_().to(torch.int8), self.weight_t).float()
            out = out.mul_(scale).mul_(self.weight_scale)
            if self.bias is not None:
                out += self.bias
            return out.reshape(*x.shape[:-1], out.shape[-1]).to(x.dtype)

    return Int8Linear


def quantize_for_cpu(model: torch.nn.Module, scheme: str, device: torch.device) -> torch.nn.Module:
    """`model` in eval mode with every linear layer of `model.encoder` replaced by `int8_linear`.

    Raises ValueError for an unknown scheme or a device other than the CPU (the int8 product
    is run on the CPU here; on a GPU use --precision bf16).
    """
    if scheme not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {scheme!r}; choose one of {', '.join(QUANTIZATIONS)}")
    if device.type != "cpu":
        raise ValueError(f"--quantize {scheme} runs on the CPU only, not on {device} (use --precision bf16 on a GPU)")
    import torch  # here, so that `predict --help` does not import torch

    encoder = model.encoder
    for name, module in list(encoder.named_modules()):
        if type(module) is torch.nn.Linear:
            parent, _, child = name.rpartition(".")
            setattr(encoder.get_submodule(parent), child, int8_linear(module))
    return model.eval()
