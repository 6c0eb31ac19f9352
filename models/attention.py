"""How the encoder's attention runs on a GPU: never with cuDNN's kernel, never reading the mask.

The kernel (`encoder_attention`). According to PyTorch's sources (`check_prefer_cudnn_attention`
and `priority_order` in `aten/src/ATen/native/transformers/cuda/sdp_utils.cpp`), on compute
capability 9.0 and 10.0 (H100, H200, B200) with a recent cuDNN runtime (9.9 in one version of
that file, above 9.15.0 in newer ones; `TORCH_CUDNN_SDPA_DEPRIORITIZED` turns it off),
`scaled_dot_product_attention` tries cuDNN attention first, and cuDNN takes bf16 and fp16 calls
with a padding mask. cuDNN attention builds an execution graph for each problem it has not seen
and caches it under the batch size, the sequence length and the strides (`MHAParams`,
`aten/src/ATen/native/cudnn/MHA.cpp`); reports put a build at tens to hundreds of milliseconds
of host time (pytorch/torchtune#1652, sgl-project/sglang#4650). Our windows are sentences, so
length-grouped training batches and longest-first `predict` batches come in many shapes
(bounded by the window length and the batch sizes): a benchmark of a few dozen steps, a first
epoch, or `predict` over a few hundred articles would spend much of its time building graphs.
fp32 calls never take cuDNN. With attention dropout (0.1 in BERT and e5 training) cuDNN is
skipped by PyTorch releases with pytorch/pytorch#174245 (merged 2026-02-26: dropout must be a
multiple of 1/16) and with cuDNN 9.11-9.13 (#163903); so in training the exclusion matters on
older PyTorch releases, such as the 2.11 of the 2026-11-29 H200 run (whose bf16 `fit` was 5x
slower than its fp32 `fit`, and Trainer's bf16 slow too: README, "Benchmarks"), while in
`predict` and `fit`'s validation (no dropout) it matters on every release that prefers cuDNN.
All of this is read from sources, not measured: `bench/gpu_probe.py` prints which kernel each
choice gives and times both. FlashAttention (no mask) and memory-efficient attention (any mask)
build nothing per shape, so attention runs with those and the math kernel as fallback. The
choice is made inside `dropout.training_attention`, where attention runs, so that it also holds
when gradient checkpointing runs a layer again in the backward pass (PyTorch's checkpointing
restores autocast and random state there, not the attention backend flags).

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

ENCODER_KERNELS = {
    SDPBackend.FLASH_ATTENTION: torch.backends.cuda.flash_sdp_enabled,
    SDPBackend.EFFICIENT_ATTENTION: torch.backends.cuda.mem_efficient_sdp_enabled,
    SDPBackend.MATH: torch.backends.cuda.math_sdp_enabled,
}
"""The attention backends the encoder may take on a CUDA device (all but cuDNN's), each with
the PyTorch flag that says whether the user left it enabled."""


def encoder_attention(device: torch.device) -> AbstractContextManager:
    """A context in which attention on `device` takes one of the `ENCODER_KERNELS` the user has
    not disabled (PyTorch's `sdpa_kernel`, which restores the previous backends on exit); on any
    other device than CUDA, or when cuDNN is all the user left enabled, a context that changes
    nothing. Costs some 12 microseconds on the CPU here (one per layer and pass). PyTorch's
    backend flags are process-wide: attention in another thread meanwhile avoids cuDNN too."""
    if device.type != "cuda":
        return nullcontext()
    enabled = [kernel for kernel, is_enabled in ENCODER_KERNELS.items() if is_enabled()]
    return sdpa_kernel(enabled) if enabled else nullcontext()


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
