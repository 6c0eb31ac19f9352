"""Model, tokenizer and optimizer from a config."""

from __future__ import annotations

import torch

from models.encoders import (
    TINY,
    normalization_for,
    pretrained_encoder,
    tiny_encoder,
    train_wordpiece,
    with_proclitic_split,
)
from models.joint import JointModel

from ..config import Config
from ..data.documents import Document
from ..data.normalize import normalize
from ..data.schema import Schema
from ..data.text import PROCLITICS, sentence_spans


def build_tokenizer_and_encoder(config: Config, train_docs: list[Document]):
    """The encoder and tokenizer the config asks for (tiny: trained here on the training texts)."""
    m = config.model
    proclitics = "".join(PROCLITICS) if m.split_proclitics else ""
    if m.encoder != TINY:
        encoder, tokenizer = pretrained_encoder(m.encoder)
        limit = encoder.config.max_position_embeddings
        if m.window_length > limit:
            raise ValueError(f"model.window_length={m.window_length} exceeds {m.encoder}'s {limit} positions")
        return freeze(encoder, config), with_proclitic_split(tokenizer, proclitics) if proclitics else tokenizer
    scheme = "arabert_v02" if m.normalization == "auto" else m.normalization
    texts = [normalize(d.text[s:e], scheme).text for d in train_docs for s, e in sentence_spans(d.text or "")]
    tokenizer = train_wordpiece(texts, m.tiny.vocab_size, m.tiny.min_frequency, proclitics)
    encoder = tiny_encoder(len(tokenizer), m.tiny.hidden_size, m.tiny.num_layers, m.tiny.num_heads,
                           m.tiny.intermediate_size, m.window_length)
    return freeze(encoder, config), tokenizer


def freeze(encoder, config: Config):
    """The encoder with its word embeddings frozen when `model.freeze_embeddings` asks for it."""
    if config.model.freeze_embeddings:
        encoder.get_input_embeddings().weight.requires_grad_(False)
    return encoder


def build_model(config: Config, schema: Schema, train_docs: list[Document]):
    encoder, tokenizer = build_tokenizer_and_encoder(config, train_docs)
    m = config.model
    model = JointModel.from_encoder(
        encoder, schema=schema.to_dict(), entity_type_dim=m.entity_type_dim, relation_hidden=m.relation_hidden,
        dropout=m.dropout, window_length=m.window_length, window_stride=m.window_stride,
        normalization=normalization_for(tokenizer) if m.normalization == "auto" else m.normalization,
    )
    return model, tokenizer


def optimizer_groups(model: JointModel, config: Config) -> list[dict]:
    """AdamW groups: encoder and heads at their own learning rates; no decay on biases and norms."""
    t = config.train
    groups = {(True, True): [], (True, False): [], (False, True): [], (False, False): []}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        is_encoder = name.startswith("encoder.")
        decays = param.ndim > 1 and "LayerNorm" not in name and "norm" not in name.lower()
        groups[(is_encoder, decays)].append(param)
    return [
        {"params": params, "lr": t.encoder_lr if is_encoder else t.head_lr,
         "weight_decay": t.weight_decay if decays else 0.0, "name": ("encoder" if is_encoder else "heads")}
        for (is_encoder, decays), params in groups.items() if params
    ]


def make_optimizer(model: JointModel, config: Config) -> torch.optim.Optimizer:
    """AdamW; the fused kernel (one call for all parameters) where this torch build has it."""
    try:
        return torch.optim.AdamW(optimizer_groups(model, config), fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(optimizer_groups(model, config))
