"""One encoder, two heads: BIO tags per subword and relation types per entity pair.

Both heads read the same encoder pass: `encode` runs the encoder once per window, the token
head reads every state, and the relation head reads the states of the two mentions (start
and end subwords, plus a type embedding) and the max-pooled states between them. Relation
scoring therefore never runs the encoder again, however many pairs a window holds.

The relation head scores the no-relation label and every relation type with one softmax.
A pair can hold several relations ("X attacked and took Y": TARGETS and CONTROLS): its
training target spreads the probability evenly over its gold types (soft-label
cross-entropy), and decoding keeps every type that reaches a share of the probability
(`decode.pick_relations`). For a pair with one type this is plain cross-entropy.

Labels (BIO tags, relation types, allowed argument types) come from the schema and are
stored in the config, so a saved model carries everything it needs to decode.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from train.data.tagging import bio_label_names

from .dropout import use_fast_dropout, use_training_attention
from .labels import IGNORE_INDEX
from .packing import can_pack, packed_encode


class JointConfig(PretrainedConfig):
    model_type = "faction-location-joint"

    def __init__(
        self,
        encoder: dict | None = None,
        schema: dict | None = None,
        entity_type_dim: int = 32,
        relation_hidden: int = 256,
        dropout: float = 0.1,
        window_length: int = 128,
        window_stride: int = 32,
        normalization: str = "arabert_v02",
        initializer_range: float = 0.02,
        **kwargs,
    ):
        self.encoder = encoder or {}
        """The encoder's own config as a dict (`model_type` included), rebuilt with AutoConfig."""
        self.schema = schema or {}
        """The label schema (annotations/schema.yaml as `Schema.to_dict()`: ordered lists)."""
        self.entity_type_dim = entity_type_dim
        self.relation_hidden = relation_hidden
        self.dropout = dropout
        self.window_length = window_length
        self.window_stride = window_stride
        self.normalization = normalization
        """Text normalization scheme applied before tokenizing (train/data/normalize.py)."""
        self.initializer_range = initializer_range
        if self.schema and "id2label" not in kwargs:
            bio = bio_labels(self.schema)
            kwargs["id2label"] = dict(enumerate(bio))
            kwargs["label2id"] = {label: i for i, label in enumerate(bio)}
        super().__init__(**kwargs)

    @property
    def entity_types(self) -> list[str]:
        return [t["name"] for t in self.schema["entity_types"]]

    @property
    def relation_names(self) -> list[str]:
        """Relation types in schema order: the relation head's output columns 1..K."""
        return [r["name"] for r in self.schema["relation_types"]]

    @property
    def relation_labels(self) -> list[str]:
        """The relation head's output columns: the no-relation label, then the types."""
        return [self.schema["no_relation"], *self.relation_names]

    @property
    def symmetric_relations(self) -> set[str]:
        return {r["name"] for r in self.schema["relation_types"] if r["symmetric"]}

    def encoder_config(self) -> PretrainedConfig:
        spec = dict(self.encoder)
        return AutoConfig.for_model(spec.pop("model_type"), **spec)


def bio_labels(schema: dict) -> list[str]:
    """The token head's labels for a schema (as `Schema.to_dict` gives it)."""
    return bio_label_names([t["name"] for t in schema["entity_types"]])


def allowed_relation_mask(config: JointConfig) -> torch.Tensor:
    """bool[head type, tail type, relation label]: which labels a pair of those types may take."""
    types, labels = config.entity_types, config.relation_labels
    mask = torch.zeros(len(types), len(types), len(labels), dtype=torch.bool, device="cpu")
    mask[:, :, 0] = True  # the no-relation label is always possible
    for r, spec in enumerate(config.schema["relation_types"], start=1):
        for head, tail in spec["args"]:
            mask[types.index(head), types.index(tail), r] = True
            if spec["symmetric"]:
                mask[types.index(tail), types.index(head), r] = True
    return mask


def longest_run(length: torch.Tensor, hidden: torch.Tensor) -> int:
    """How many positions the longest run between mentions may span: off the CPU the window
    width (reading the true maximum would wait for the device), on the CPU the true maximum
    (free there, and it saves the table levels no pair needs)."""
    if hidden.device.type != "cpu" or not length.numel():
        return hidden.size(1)
    return int(length.max())


def relation_targets(multi_hot: torch.Tensor) -> torch.Tensor:
    """float[pairs, 1 + types]: the no-relation label for pairs with no gold type, else the
    probability spread evenly over the pair's gold types."""
    counts = multi_hot.sum(dim=-1, keepdim=True)
    return torch.cat([(counts == 0).to(multi_hot.dtype), multi_hot / counts.clamp(min=1)], dim=-1)


@dataclass
class JointOutput(ModelOutput):
    loss: torch.Tensor | None = None
    token_loss: torch.Tensor | None = None
    relation_loss: torch.Tensor | None = None
    token_logits: torch.Tensor | None = None
    relation_logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None


@dataclass
class Mentions:
    """Entity mentions of a batch, flattened: window index, first and last subword, type id."""

    window: torch.Tensor
    start: torch.Tensor
    end: torch.Tensor
    type: torch.Tensor


def pad_rows(rows: list[list[int]], pad_value: int, multiple: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, mask): long[rows, width], each row followed by `pad_value`, and 1 where a row
    has a value. `width` is the longest row rounded up to `multiple` (on a GPU a few widths
    mean a few kernel choices instead of one per batch length). The one padding rule of
    training batches and prediction batches."""
    lengths = torch.tensor([len(r) for r in rows])
    width = -(-int(lengths.max()) // multiple) * multiple
    mask = torch.arange(width) < lengths.unsqueeze(1)
    values = torch.full((len(rows), width), pad_value, dtype=torch.long)
    # one tensor and one masked store, not a tensor per row: 0.29 against 0.80 ms for 64 rows
    # here, and on a GPU `predict`'s model process pays it for every batch
    values[mask] = torch.tensor(list(chain.from_iterable(rows)), dtype=torch.long)
    return values, mask.long()


def flatten_mentions(mentions: list[list[tuple[int, int, int]]], pairs: list[list[tuple[int, int]]],
                     device: torch.device | str = "cpu") -> tuple[Mentions, torch.Tensor, torch.Tensor]:
    """Per-window mentions (first subword, last subword, type id) and candidate pairs (head,
    tail: indices into that window's mentions) -> the batch's `Mentions` and long[pairs]
    head and tail indices into them. The one flattening of training and prediction batches."""
    flat, heads, tails = [], [], []
    for row, (window_mentions, window_pairs) in enumerate(zip(mentions, pairs)):
        offset = len(flat)
        flat += [(row, *mention) for mention in window_mentions]
        heads += [offset + head for head, _ in window_pairs]
        tails += [offset + tail for _, tail in window_pairs]
    columns = list(zip(*flat)) if flat else [(), (), (), ()]
    as_long = lambda values: torch.tensor(values, dtype=torch.long, device=device)  # noqa: E731
    return Mentions(*(as_long(column) for column in columns)), as_long(heads), as_long(tails)


class JointModel(PreTrainedModel):
    config_class = JointConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True
    _no_split_modules: list[str] = []

    def __init__(self, config: JointConfig, encoder: PreTrainedModel | None = None):
        super().__init__(config)
        self.encoder = encoder if encoder is not None else AutoModel.from_config(config.encoder_config(), add_pooling_layer=False)
        hidden = self.encoder.config.hidden_size
        n_types, n_relations = len(config.entity_types), len(config.relation_labels)
        self.dropout = nn.Dropout(config.dropout)
        self.token_head = nn.Linear(hidden, len(config.id2label))
        self.type_embedding = nn.Embedding(n_types, config.entity_type_dim)
        mention = 2 * hidden + config.entity_type_dim
        self.relation_head = nn.Sequential(
            nn.Linear(2 * mention + hidden, config.relation_hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.relation_hidden, n_relations),
        )
        # Derived from the config, not a buffer: from_pretrained builds models on the meta
        # device and would not restore a non-persistent buffer.
        self._allowed = allowed_relation_mask(config)
        use_fast_dropout(self)  # the encoder's and the heads' (models/dropout.py: same p, cheaper masks)
        use_training_attention(self.encoder)  # the same for attention probabilities, on the CPU
        self.post_init()

    @classmethod
    def from_encoder(cls, encoder: PreTrainedModel, **config_kwargs) -> "JointModel":
        """A joint model around an existing (pretrained or fresh) encoder."""
        encoder_dict = encoder.config.to_dict()
        config = JointConfig(encoder=encoder_dict, **config_kwargs)
        return cls(config, encoder=encoder)

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The one encoder pass per window; both heads read its output, float[windows, width, hidden].
        Training on the CPU leaves padding out of the encoder's per-subword layers
        (`models/packing.py`; the GPU path has no host sync per step, which finding the padding would add).
        On a GPU attention never takes cuDNN's kernel (`models/attention.py`)."""
        if (self.training and input_ids.device.type == "cpu" and can_pack(self.encoder)
                and not bool(attention_mask.all())):
            return packed_encode(self.encoder, input_ids, attention_mask)
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def token_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """float[windows, positions, BIO labels]."""
        return self.token_head(self.dropout(hidden))

    def mention_states(self, hidden: torch.Tensor, mentions: Mentions) -> torch.Tensor:
        start = hidden[mentions.window, mentions.start]
        end = hidden[mentions.window, mentions.end]
        return torch.cat([start, end, self.type_embedding(mentions.type)], dim=-1)

    def between_states(self, hidden: torch.Tensor, mentions: Mentions, heads: torch.Tensor,
                       tails: torch.Tensor) -> torch.Tensor:
        """Max-pool of the subword states strictly between two mentions (zeros when adjacent).

        The strongest signal between the arguments (a verb such as "تسيطر" or "المدعوم") is
        what names the relation; a mean would dilute it. The maxima come from a sparse
        table (max over every run of 2^k positions, built once per batch), so each pair costs
        two lookups, whatever the distance between its mentions or the number of pairs.
        """
        left = torch.minimum(mentions.end[heads], mentions.end[tails]) + 1  # first position between
        right = torch.maximum(mentions.start[heads], mentions.start[tails])  # one past the last
        length = (right - left).clamp(min=0)
        window = mentions.window[heads]
        pooled = hidden.new_zeros(heads.numel(), hidden.size(-1))
        # Masks instead of data-dependent branches: no device-to-host sync inside the step.
        longest = longest_run(length, hidden)
        table = hidden  # table[:, i] = max of positions i .. i + 2^level - 1
        for level in range(longest.bit_length()):
            use = ((length >> level) == 1).unsqueeze(-1)  # highest set bit is `level`: two lookups cover it
            last = table.size(1) - 1
            pair_max = torch.maximum(table[window, left.clamp(max=last)],
                                     table[window, (right - (1 << level)).clamp(min=0, max=last)])
            pooled = torch.where(use, pair_max, pooled)
            if (1 << level) >= table.size(1):  # no run of 2^(level + 1) positions fits
                break
            table = torch.maximum(table[:, :-(1 << level)], table[:, (1 << level):])
        return pooled

    def allowed(self, mentions: Mentions, heads: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        """bool[pairs, relation labels]: what the schema allows for each pair's argument types."""
        if self._allowed.device != heads.device:
            self._allowed = self._allowed.to(heads.device)
        return self._allowed[mentions.type[heads], mentions.type[tails]]

    def relation_logits(self, hidden: torch.Tensor, mentions: Mentions, heads: torch.Tensor,
                        tails: torch.Tensor) -> torch.Tensor:
        """float[pairs, relation labels]: logits of no-relation and each type, for pairs
        (heads[i] -> tails[i]). Types the schema does not allow for the pair's argument
        types get the lowest logit, so neither training nor decoding can choose them.
        """
        states = self.dropout(self.mention_states(hidden, mentions))
        context = self.dropout(self.between_states(hidden, mentions, heads, tails))
        logits = self.relation_head(torch.cat([states[heads], states[tails], context], dim=-1))
        return logits.masked_fill(~self.allowed(mentions, heads, tails), torch.finfo(logits.dtype).min)

    def forward(self, input_ids, attention_mask, labels=None, mention_window=None, mention_start=None,
                mention_end=None, mention_type=None, pair_heads=None, pair_tails=None, pair_labels=None,
                relation_loss_weight: float = 1.0, **_) -> JointOutput:
        """Training step (or scoring with given mentions): one encoder pass feeds both heads.

        Mentions arrive as flat tensors (window index, first and last subword, type id) so
        that data loaders can move them to the device like any other batch field;
        `pair_labels` is float[pairs, relation types] (multi-hot over the types, schema
        order). The relation loss is the cross-entropy against the pair's target
        distribution (`relation_targets`), averaged over pairs.
        """
        hidden = self.encode(input_ids, attention_mask)
        token_logits = self.token_logits(hidden)
        out = JointOutput(token_logits=token_logits, hidden_states=hidden)
        if pair_heads is not None and pair_heads.numel():
            mentions = Mentions(mention_window, mention_start, mention_end, mention_type)
            out.relation_logits = self.relation_logits(hidden, mentions, pair_heads, pair_tails)
        if labels is not None:
            out.token_loss = nn.functional.cross_entropy(token_logits.flatten(0, 1).float(), labels.flatten(), ignore_index=IGNORE_INDEX)
            out.loss = out.token_loss
            if out.relation_logits is not None and pair_labels is not None:
                out.relation_loss = nn.functional.cross_entropy(out.relation_logits.float(),
                                                                relation_targets(pair_labels.float()))
                out.loss = out.loss + relation_loss_weight * out.relation_loss
        return out


# Lets AutoConfig / AutoModel / AutoTokenizer read a saved run's model folder.
AutoConfig.register(JointConfig.model_type, JointConfig)
AutoModel.register(JointConfig, JointModel)
