"""Batching of training windows: length-grouped batches and a collate function."""

from __future__ import annotations

from functools import partial

import torch
from torch.utils.data import DataLoader

from models.joint import flatten_mentions, pad_rows
from models.labels import IGNORE_INDEX

from ..align import Window


class LengthGroupedBatches:
    """Batches of window indices with similar lengths, in a new random order each epoch.

    Shuffle, cut into megabatches of `group` batches, sort each megabatch by length, cut it
    into batches and shuffle the batches: little padding, still random. The order depends
    only on (seed, epoch), so a resumed run sees the same batches as an uninterrupted one.
    """

    def __init__(self, lengths: list[int], batch_size: int, seed: int, group: int = 8):
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.group = group
        self.epoch = 0

    def __iter__(self):
        generator = torch.Generator().manual_seed(self.seed * 1000 + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        mega = self.batch_size * self.group
        batches = []
        for lo in range(0, len(order), mega):
            chunk = sorted(order[lo:lo + mega], key=lambda i: -self.lengths[i])
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        for b in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[b]

    def __len__(self) -> int:
        return -(-len(self.lengths) // self.batch_size)


def collate_windows(windows: list[Window], pad_id: int, relation_types: int,
                    pad_to_multiple_of: int = 1) -> dict[str, torch.Tensor]:
    """Pad a list of labelled windows into model inputs (`pad_rows`); mentions and pairs are flattened.

    `pair_labels` is float[pairs, relation_types]: 1.0 for each gold relation type of a pair.
    """
    ids, mask = pad_rows([w.input_ids for w in windows], pad_id, pad_to_multiple_of)
    labels, _ = pad_rows([w.labels for w in windows], IGNORE_INDEX, pad_to_multiple_of)
    mentions, heads, tails = flatten_mentions([w.mentions for w in windows],
                                              [[(head, tail) for head, tail, _ in w.pairs] for w in windows])
    return {
        "input_ids": ids, "attention_mask": mask, "labels": labels,
        "mention_window": mentions.window, "mention_start": mentions.start,
        "mention_end": mentions.end, "mention_type": mentions.type, "pair_heads": heads, "pair_tails": tails,
        "pair_labels": multi_hot([types for w in windows for _, _, types in w.pairs], relation_types),
    }


def training_loader(windows: list[Window], sampler, pad_id: int, relation_types: int, device: torch.device,
                    pad_to_multiple_of: int = 1) -> DataLoader:
    """The DataLoader of labelled windows in `sampler`'s batches (`collate_windows`), in pinned
    memory when they go to a CUDA device (`loop.make_accelerator` then copies them without waiting)."""
    collate = partial(collate_windows, pad_id=pad_id, relation_types=relation_types, pad_to_multiple_of=pad_to_multiple_of)
    return DataLoader(windows, batch_sampler=sampler, collate_fn=collate, pin_memory=device.type == "cuda")


def multi_hot(label_sets: list[tuple[int, ...]], size: int) -> torch.Tensor:
    """float[len(label_sets), size] with 1.0 at each listed id."""
    out = torch.zeros((len(label_sets), size))
    for row, ids in enumerate(label_sets):
        out[row, list(ids)] = 1.0
    return out
