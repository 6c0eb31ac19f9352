"""fp32 inference on the CPU with the encoder's weights prepacked for oneDNN.

A plain `nn.Linear` on the CPU multiplies with MKL's sgemm on the weight as stored.
`prepack_linears` reorders each weight of the encoder once, at load, into oneDNN's blocked
layout (`torch.ops.mkldnn._reorder_linear_weight`) and multiplies with oneDNN's inner product
on it (`torch.ops.mkldnn._linear_pointwise`): the path torch.compile's CPU backend takes for
frozen linear layers (torch/_inductor/fx_passes/mkldnn_fusion.py). On this machine (2 AMD
EPYC cores, AVX-512) one product of the default encoder's shapes at 1,776 rows ran at 182-194
GFLOP/s through `nn.Linear`, 174-197 through MKL's own packed-weight API and 210-214 through
oneDNN on prepacked weights, so the gain is oneDNN's kernels more than the packing itself.
Same fp32 arithmetic in another order: the encoder's outputs differ from `nn.Linear`'s by
about 1e-5, the 60 benchmark articles get the same 3,926 entities, 1,000 corpus articles as
many (39,274), and the encoder runs about 13% faster here (README, Benchmarks). Inference only:
the packed weights have no gradient and cannot be saved, copied or moved to another device.
"""

from __future__ import annotations

from typing import Iterator

import torch

PACKING_BATCH_HINT = 2048
"""Rows (subwords of a batch) the weight layout is chosen for; any other count works.
1,024 and 2,048 ran at the same speed on the benchmark's batches (about 1,800 rows)."""


def can_prepack() -> bool:
    """Whether this torch build has oneDNN and the two operators `prepack_linears` uses."""
    return (torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_reorder_linear_weight")
            and hasattr(torch.ops.mkldnn, "_linear_pointwise"))


class PackedLinear(torch.nn.Module):
    """`linear`'s product with its weight in oneDNN's layout: input [..., in] -> [..., out] (fp32, CPU)."""

    def __init__(self, linear: torch.nn.Linear):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        # plain attributes, not buffers: an opaque oneDNN tensor has no storage to save or move
        self.packed_weight = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), PACKING_BATCH_HINT)
        self.bias = None if linear.bias is None else linear.bias.detach()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self.packed_weight, self.bias, "none", [], "")


def encoder_linears(model: torch.nn.Module, packed: bool = False) -> Iterator[tuple[str, torch.nn.Module]]:
    """(name under `model.encoder`, layer) for each plain linear layer of the encoder; with
    `packed`, also those already prepacked (`PackedLinear`: same inputs). The layers that
    prepacking here and int8 quantization (`quantize.py`) replace."""
    kinds = (torch.nn.Linear, PackedLinear) if packed else (torch.nn.Linear,)
    for name, module in list(model.encoder.named_modules()):
        if type(module) in kinds:
            yield name, module


def replace_layer(model: torch.nn.Module, name: str, layer: torch.nn.Module) -> None:
    """Put `layer` at `name` (dotted, under `model.encoder`)."""
    parent, _, child = name.rpartition(".")
    setattr(model.encoder.get_submodule(parent), child, layer)


def prepack_linears(model: torch.nn.Module) -> int:
    """Replace every plain `nn.Linear` of `model.encoder` (on the CPU, fp32) by a `PackedLinear`;
    return how many were replaced (0 where `can_prepack()` is false).

    Raises ValueError naming the first layer whose weights are not fp32 on the CPU."""
    if not can_prepack():
        return 0
    linears = list(encoder_linears(model))
    for name, linear in linears:
        if linear.weight.device.type != "cpu" or linear.weight.dtype != torch.float32:
            raise ValueError(f"{name}: prepacking takes fp32 weights on the CPU, not {linear.weight.dtype} "
                             f"on {linear.weight.device}")
        replace_layer(model, name, PackedLinear(linear))
    return len(linears)
