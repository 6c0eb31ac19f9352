"""Which fused attention kernel the encoder's pass takes on a GPU: never cuDNN's.

PyTorch dispatches `scaled_dot_product_attention` to the first backend in its priority order
that accepts the call. On compute capability 9.0 and 10.0 (H100, H200, B200) with a recent
cuDNN (9.9 or later; newer PyTorch releases ask for 9.15) it puts cuDNN attention first (`check_prefer_cudnn_attention` and `priority_order` in
`aten/src/ATen/native/transformers/cuda/sdp_utils.cpp`), and cuDNN takes bf16 and fp16 calls
with a padding mask. cuDNN attention builds an execution graph for each new problem and caches
it under the batch size, the sequence length and the strides (`MHAParams`,
`aten/src/ATen/native/cudnn/MHA.cpp`); a build costs tens to hundreds of milliseconds of host
time (reports in pytorch/torchtune#1652 and sgl-project/sglang#4650). Our windows are
sentences, and a length-grouped training batch or a longest-first `predict` batch has a width
of its own, so almost every call would build a graph, in the forward and again in the
backward. fp32 calls never take cuDNN, which fits the 2026-11-29 H200 run: bf16 `fit` 5x
slower than fp32 `fit`, and Trainer in bf16 slow too (README, "Benchmarks"); measuring it is
left to the next GPU run (`bench/gpu_probe.py` trains with cuDNN attention and without).

FlashAttention (no mask) and memory-efficient attention (any mask) need no per-shape build, so
the encoder's pass runs with those two and the math kernel as fallback. Elsewhere than on a
CUDA device nothing changes.

The padding mask (`encoder_mask`): transformers drops a mask without padding so that SDPA may
take FlashAttention, but finding that out reads the mask on the host, which waits for the GPU
to finish all the work queued so far: a sync at the start of every training step's forward.
While gradients are recorded on a GPU the mask is always kept (memory-efficient attention then
serves every batch; a length-grouped batch of sentences nearly always has padding anyway).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

ENCODER_KERNELS = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]
"""The attention backends the encoder may take on a CUDA device (all but cuDNN's)."""


def encoder_attention(device: torch.device) -> AbstractContextManager:
    """A context in which attention on `device` takes one of `ENCODER_KERNELS` (PyTorch's
    `sdpa_kernel`, which restores the previous backends on exit); on any other device than
    CUDA, a context that changes nothing. Costs some 12 microseconds a call on the CPU here:
    enter it once per encoder pass, not once per layer. PyTorch's backend flags are
    process-wide: attention in another thread during the pass avoids cuDNN too."""
    return sdpa_kernel(ENCODER_KERNELS) if device.type == "cuda" else nullcontext()


def encoder_mask(*args, attention_mask: torch.Tensor | None = None, allow_is_bidirectional_skip: bool = False,
                 **kwargs) -> torch.Tensor | None:
    """transformers' `sdpa_mask` (same arguments; bool [batch, 1, queries, keys], True where a
    key is attended, or None for no mask), except that while gradients are recorded off the
    CPU it never drops an all-ones padding mask, since deciding that reads the mask on the host."""
    from transformers.masking_utils import sdpa_mask

    if attention_mask is not None and attention_mask.device.type != "cpu" and torch.is_grad_enabled():
        allow_is_bidirectional_skip = False
    return sdpa_mask(*args, attention_mask=attention_mask, allow_is_bidirectional_skip=allow_is_bidirectional_skip,
                     **kwargs)
