"""Dropout with masks drawn 16 random bits at a time.

`nn.Dropout` draws its mask with `bernoulli_`, one random number per element; on the CPU that
took 12% of a `fit` step of the default encoder (`bench/train_throughput.py --profile`). Here
one 64-bit draw of the generator (`random_`, the same global generator, so seeds and resumed
runs behave as before) gives the masks of four elements: each 16-bit lane is kept when it is at
least `round(p * 65536)` above the smallest value, so an element is dropped with probability
round(p * 65536) / 65536 (0.100006 for p = 0.1), and kept elements are scaled by the inverse
of the exact keep probability, so the expected output equals the input, as with `nn.Dropout`.
On this machine (2 AMD EPYC cores) dropout of a [8, 72, 384] activation took 0.38 ms against
`nn.Dropout`'s 1.39 ms (forward and backward 0.74 against 1.58 ms). Attention probabilities
are dropped inside `scaled_dot_product_attention`, so `training_attention` does the same
there. The draws differ from `nn.Dropout`'s, so a seed trains a different (equally random)
model than before this module. Both apply on the CPU only: a GPU has fused dropout kernels.
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import encoder_attention, encoder_mask

LANES = 65536
"""Values a 16-bit lane takes."""


def keep_mask(shape: torch.Size, p: float, device: torch.device) -> tuple[torch.Tensor, float]:
    """(bool mask of `shape`, True where an element is kept; the scale of kept elements)."""
    dropped = round(p * LANES)
    count = shape.numel()
    words = torch.empty(-(-count // 4), dtype=torch.int64, device=device).random_(-2**63, None)
    lanes = words.view(torch.int16)[:count].view(shape)
    return lanes >= dropped - LANES // 2, LANES / (LANES - dropped)


class FastDropout(nn.Module):
    """`nn.Dropout(p)` with the masks of `keep_mask` on the CPU (elsewhere `nn.Dropout`'s own):
    the identity in eval mode or with p = 0; same input and output shape."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if x.device.type != "cpu":
            # a GPU draws the mask and applies it in one fused kernel (`native_dropout`); these
            # masks would take four, and a GPU step of sentence windows is bound by its launches
            return nn.functional.dropout(x, self.p, training=True)
        kept, scale = keep_mask(x.shape, self.p, x.device)
        # a product with the bool mask (autograd keeps the bool, not a float copy) ran faster
        # than `masked_fill` forward and backward here
        return torch.mul(x, kept).mul_(scale)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def use_fast_dropout(model: nn.Module) -> int:
    """Replace every `nn.Dropout` under `model` by a `FastDropout` with the same p (no weights
    change); returns how many were replaced."""
    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Dropout:
                setattr(parent, name, FastDropout(child.p).train(child.training))
                replaced += 1
    return replaced


TRAINING_ATTENTION = "sdpa_fast_dropout"
"""Name under which `training_attention` is registered with transformers' attention interface."""


def training_attention(module: nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                       attention_mask: torch.Tensor | None, dropout: float = 0.0, scaling: float | None = None,
                       packing=None, **kwargs) -> tuple[torch.Tensor, None]:
    """transformers' `sdpa` attention (same arguments, output [batch, positions, heads, head size];
    on a GPU without cuDNN's kernel: `models.attention.encoder_attention`), except when training
    with attention dropout on the CPU: there `scaled_dot_product_attention` has no fused kernel
    and runs its math path (product, softmax, `bernoulli_` dropout, product), which this
    function runs with `keep_mask`'s masks. `attention_mask`: bool [batch, 1, queries,
    keys], True where a key is attended (transformers' `sdpa_mask`), an additive float mask, or None.
    With `packing` (a `models.packing.Packing`), query, key and value hold the real subwords of
    a padded batch as [1, heads, subwords, head size]; the output is then [1, subwords, heads, head size]."""
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if packing is not None:
        output, _ = training_attention(module, packing.pad(query), packing.pad(key), packing.pad(value),
                                       packing.key_mask, dropout, scaling, **kwargs)
        return packing.pack(output), None
    if not (module.training and dropout > 0.0 and query.device.type == "cpu") or kwargs.get("is_causal"):
        # the kernel choice is made here, where attention runs, so that it also holds when
        # gradient checkpointing runs the layer again in the backward pass
        with encoder_attention(query.device):
            return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                          **kwargs)
    # the scalings go on the [.., positions, head size] factors, smaller than [.., positions, positions]
    scores = torch.matmul(query * (query.shape[-1] ** -0.5 if scaling is None else scaling), key.transpose(2, 3))
    if attention_mask is not None and attention_mask.dtype == torch.bool:
        scores = scores.masked_fill(~attention_mask, float("-inf"))
    elif attention_mask is not None:  # an additive float mask, as `scaled_dot_product_attention` also takes
        scores = scores + attention_mask
    kept, scale = keep_mask(scores.shape, dropout, scores.device)
    output = torch.matmul(torch.mul(torch.softmax(scores, dim=-1), kept), value * scale)
    return output.transpose(1, 2).contiguous(), None


def use_training_attention(encoder: nn.Module) -> bool:
    """Switch an encoder that runs transformers' `sdpa` attention to `training_attention`
    (registered on first use, with `sdpa`'s masks as `models.attention.encoder_mask` makes
    them); returns whether it was switched."""
    from transformers import AttentionInterface, AttentionMaskInterface

    if getattr(encoder.config, "_attn_implementation", None) != "sdpa":
        return False
    AttentionInterface.register(TRAINING_ATTENTION, training_attention)
    AttentionMaskInterface.register(TRAINING_ATTENTION, encoder_mask)
    encoder.set_attn_implementation(TRAINING_ATTENTION)
    return True
