"""Padding-free training: the encoder's per-subword layers run on the real subwords only.

A length-grouped batch still holds padding (13-14% of the positions of the default recipe's
batches in `bench/train_throughput.py`), and every linear layer, layer norm, activation and
dropout of the encoder spends that share of its work on positions nothing reads. In training
on the CPU, `packed_encode` leaves the padding out before the embeddings: the encoder runs on
[1, subwords] with each subword's position id in its window, and attention, the one step
that needs the windows apart, puts queries, keys and values back into the padded [windows,
heads, positions, head size] layout for its products and takes the real positions out again
(`Packing`). Each real subword goes through the same operations as in the padded pass
(without dropout its states came out bit-identical in a check here), and the padding
positions of the returned states are zeros, which neither head reads. On the default
encoder a training step took 8-12% less time (`bench/train_throughput.py`, README). The
same idea is behind MosaicBERT's unpadding and transformers' `DataCollatorWithFlattening`
with flash attention's variable-length kernel (GPU only); here the attention is the padded
one of `models/dropout.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .dropout import TRAINING_ATTENTION


@dataclass
class Packing:
    """Where the real subwords of a [windows, width] batch sit; passed to the attention
    function (`training_attention`) through the encoder's keyword arguments."""

    keep: torch.Tensor
    """long[subwords]: the flat index (window * width + position) of each real subword, in order."""
    windows: int
    width: int
    key_mask: torch.Tensor
    """bool[windows, 1, 1, width]: True where a key is a real subword."""

    def scatter(self, rows: torch.Tensor) -> torch.Tensor:
        """[subwords, ...] -> [windows, width, ...], zeros at padding."""
        padded = rows.new_zeros(self.windows * self.width, *rows.shape[1:]).index_copy(0, self.keep, rows)
        return padded.view(self.windows, self.width, *rows.shape[1:])

    def pad(self, states: torch.Tensor) -> torch.Tensor:
        """[1, heads, subwords, head size] -> [windows, heads, width, head size], zeros at padding
        (finite keys and values, so that masked positions weigh exactly nothing)."""
        return self.scatter(states[0].transpose(0, 1)).transpose(1, 2)

    def pack(self, output: torch.Tensor) -> torch.Tensor:
        """Attention output [windows, width, heads, head size] -> [1, subwords, heads, head size]."""
        return output.reshape(self.windows * self.width, *output.shape[2:]).index_select(0, self.keep).unsqueeze(0)


def can_pack(encoder: nn.Module) -> bool:
    """Whether `packed_encode` runs `encoder` as its padded pass would: a BERT encoder (absolute
    position embeddings, read from `position_ids`; not a causal decoder, whose mask the key mask
    alone would not give) whose attention is `training_attention`."""
    config = encoder.config
    return (config.model_type == "bert" and not config.is_decoder
            and getattr(config, "_attn_implementation", None) == TRAINING_ATTENTION)


def packed_encode(encoder: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """float[windows, width, hidden]: the encoder's last hidden states of a padded batch
    (input_ids and attention_mask long[windows, width]), computed on its real subwords only;
    zeros at padding positions. Needs `can_pack(encoder)`."""
    windows, width = input_ids.shape
    keep = attention_mask.flatten().nonzero().squeeze(1)
    packing = Packing(keep, windows, width, attention_mask.bool()[:, None, None, :])
    hidden = encoder(input_ids=input_ids.flatten()[keep].unsqueeze(0), position_ids=(keep % width).unsqueeze(0),
                     packing=packing).last_hidden_state[0]
    return packing.scatter(hidden)
