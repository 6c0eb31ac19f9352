"""Int8 inference on CPU: dynamic quantization of the model's linear layers.

Every `nn.Linear` of the loaded model (the encoder's attention and feed-forward projections,
the token head and the relation head) keeps int8 weights (one scale per output channel) and
quantizes its input activations per batch at run time; embeddings, layer norms and softmax
stay fp32. Per-channel weights agree with fp32 better than one scale per tensor at the same
speed (measured on the default model: entity F1 against fp32 0.774 vs 0.727 on 150 corpus
articles); the activations, one scale per batch, are what costs most of the agreement. This is PyTorch's `torch.ao.quantization.quantize_dynamic` (the recipe of
"Dynamic quantization on BERT", PyTorch tutorials), run on fbgemm/onednn kernels; PyTorch
marks its quantized tensor API deprecated in favour of torchao but it is present and tested
in the pinned torch 2.13. The speed and the agreement with fp32 predictions are measured by
`bench/int8.py`, not assumed.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

QUANTIZATIONS = ("int8",)
"""Values of `predict --quantize` / `corpus --quantize`."""


def quantize_for_cpu(model: torch.nn.Module, scheme: str, device: torch.device) -> torch.nn.Module:
    """`model` with its linear layers dynamically quantized (`scheme` "int8"), in eval mode.

    Raises ValueError for an unknown scheme or a device other than the CPU (the int8 kernels
    are CPU kernels).
    """
    if scheme not in QUANTIZATIONS:
        raise ValueError(f"unknown quantization {scheme!r}; choose one of {', '.join(QUANTIZATIONS)}")
    if device.type != "cpu":
        raise ValueError(f"--quantize {scheme} runs on the CPU only, not on {device} (use --precision bf16 on a GPU)")
    import torch  # here, so that `predict --help` does not import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():  # the deprecation notice, once per layer, is noise in batch logs
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return quantize_dynamic(model.eval(), {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
