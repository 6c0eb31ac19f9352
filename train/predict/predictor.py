"""Load a model once, predict many documents: `Predictor.from_run(path).predict(texts)`.

Windows from many documents are batched together, longest first, under
`torch.inference_mode`. Each window goes through the encoder once; the token head and the
relation head (for every candidate pair of predicted entities) read that one pass. A
sentence is decoded as soon as all its windows are done, so only the hidden states of
unfinished sentences are kept (`chunk.py`). The work around the model runs in this process
or, with `workers`, in worker processes (`workers.py`).
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Iterable, Iterator

import torch
from torch.nn.utils.rnn import pad_sequence
from transformers import AutoTokenizer
from transformers.utils import logging as hf_logging

from models.joint import JointModel, flatten_mentions, pad_rows

from ..data.documents import Document, Entity
from ..data.gazetteer import Gazetteer
from ..data.schema import Schema, schema_from_dict
from ..files import file_sha256
from .chunk import Decoding, predict_chunk
from .memory import keep_freed_memory
from .onednn import prepack_linears
from .provenance import model_folder, provenance
from .quantize import load_activation_ranges, quantize_for_cpu
from .ruler import RULER_FILE, load_ruler
from .workers import WorkerPool

AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


class Predictor:
    def __init__(self, model: JointModel, tokenizer, batch_size: int = 32, device: str | torch.device = "cpu",
                 precision: str = "no", docs_per_chunk: int = 64, relations: bool = True,
                 ruler: Gazetteer | None = None):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.schema: Schema = schema_from_dict(model.config.schema, "model config")
        self.bio_labels = [model.config.id2label[i] for i in range(len(model.config.id2label))]
        self.batch_size = batch_size
        self.precision = precision
        self.relations = relations
        """False: entities only (the relation head is not run; documents hold no relations)."""
        self.docs_per_chunk = docs_per_chunk
        self.ruler = ruler
        """The entity ruler's names (`ruler.py`), merged into the decoded entities; None: the model's alone."""
        self.min_score: dict[str, float] | None = None
        """Per-type score thresholds (`evaluate.min_score`); predictions below them are dropped."""
        self.provenance: dict | None = None
        """Run id, weights hash and code version (`provenance`), set by `from_run`."""
        self.workers = 0
        """Worker processes that run the work around the model (`workers.py`); 0: this process does it."""
        self.max_batch_subwords: int | None = None
        """Most padded subwords per encoder call (`chunk.encoder_batches`), within `batch_size` windows
        (set when built by `from_run(max_batch_subwords=)`, which lifts that to the budget); None: no budget."""

    @classmethod
    def from_run(cls, path: str | Path, device: str | None = None, batch_size: int | None = None,
                 precision: str | None = None, quantize: str | None = None,
                 relations: bool = True, compile: bool = False, entity_ruler: bool = True,
                 prepack: bool = True, max_batch_subwords: int | None = None) -> "Predictor":
        """Load from a run directory (its `model/` folder) or from a saved model folder;
        `quantize="int8"` quantizes the linear layers for CPU inference (`quantize.py`);
        `compile=True` compiles the encoder with `torch.compile` (dynamic shapes: windows
        vary in length), a one-time cost of tens of seconds that pays on large inputs.
        On the CPU it sets the process's allocator to keep freed memory (`memory.py`) and, in
        fp32 without `quantize` or `compile`, prepacks the encoder's weights for oneDNN
        (`onednn.py`; `prepack=False` keeps `nn.Linear`).
        The model folder's entity ruler (`ruler.py`) is used unless `entity_ruler=False`.
        A batch holds `batch_size` windows (default 32) and, with `max_batch_subwords`, at most that
        many padded subwords; the budget alone sets no window limit (`chunk.encoder_batches`)."""
        path = Path(path)
        model_dir = model_folder(path)
        if not (model_dir / "config.json").exists():
            raise FileNotFoundError(f"{path}: no model found (expected {path}/model/config.json)")
        if precision is None:
            precision = _run_precision(path)
        device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if torch.device(device).type == "cpu":
            keep_freed_memory()  # large temporaries reuse heap memory (memory.py)
        hf_logging.disable_progress_bar()  # a bar per weight file is noise in batch jobs
        model = JointModel.from_pretrained(model_dir)
        if quantize:
            model = quantize_for_cpu(model, quantize, torch.device(device), load_activation_ranges(model_dir))
        model = _inference_weights(model, torch.device(device), precision)  # this model is ours alone
        if compile:
            model.encoder = torch.compile(model.encoder, dynamic=True)
        elif prepack and not quantize and torch.device(device).type == "cpu" and precision not in AUTOCAST_DTYPES:
            prepack_linears(model)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        ruler = load_ruler(model_dir, model.config.entity_types) if entity_ruler else None
        predictor = cls(model, tokenizer, batch_size or max_batch_subwords or 32, device, precision,
                        relations=relations, ruler=ruler)
        predictor.max_batch_subwords = max_batch_subwords
        predictor.provenance = provenance(path, model_dir)
        if ruler is not None:
            predictor.provenance.update(entity_ruler_names=len(ruler.entries),
                                        entity_ruler_sha256=file_sha256(model_dir / RULER_FILE))
        if quantize:
            predictor.provenance["quantization"] = quantize
        if compile:
            predictor.provenance["compiled"] = True
        if not relations:
            predictor.provenance["entities_only"] = True
        return predictor

    def without_ruler(self) -> "Predictor":
        """This predictor (the same model, no copy of it) decoding the model's entities alone."""
        plain = copy.copy(self)
        plain.ruler = None
        return plain

    def predict(self, texts: list[str], ids: list[str] | None = None) -> list[Document]:
        ids = ids if ids is not None else [str(i) for i in range(len(texts))]
        return list(self.stream(zip(ids, texts)))

    def predict_documents(self, docs: list[Document]) -> list[Document]:
        """Predictions for documents that carry their text (e.g. a gold split)."""
        return self.predict([d.text or "" for d in docs], [d.id for d in docs])

    def predict_relations(self, docs: list[Document]) -> list[Document]:
        """Relations between each document's own entities, which are taken as given.

        This is the "gold entities" setting of relation extraction (PURE, SpERT: every
        pair of gold mentions is classified); the documents returned hold the given
        entities that fall inside a sentence, renumbered, and the predicted relations.
        """
        out: list[Document] = []
        for chunk in chunked(docs, self.docs_per_chunk):
            out += self._predict_chunk([(d.id, d.text or "") for d in chunk], [d.entities for d in chunk])
        return out

    def stream(self, items: Iterable[tuple[str, str]]) -> Iterator[Document]:
        """Predict (id, text) pairs lazily, a chunk of documents at a time, in input order; with
        `workers`, chunks are predicted in that many worker processes (`workers.py`)."""
        chunks = chunked(items, self.docs_per_chunk)
        if not self.workers:
            for chunk in chunks:
                yield from self._predict_chunk(chunk)
            return
        yield from WorkerPool(self.decoding(), self.workers, self.model_calls).stream(chunks)

    def decoding(self) -> Decoding:
        """This predictor's settings for turning model outputs into documents (`chunk.py`)."""
        cfg = self.model.config
        return Decoding(self.tokenizer, self.schema, self.bio_labels, cfg.normalization, cfg.window_length,
                        cfg.window_stride, self.batch_size, self.relations, self.ruler, self.min_score,
                        self.max_batch_subwords)

    def model_calls(self) -> LocalCalls:
        """Model calls on this predictor's model, with hidden states of their own (one chunk's)."""
        return LocalCalls(self.model, self.device, self.precision, self.relations, self.tokenizer.pad_token_id)

    def _predict_chunk(self, chunk: list[tuple[str, str]], given: list[list[Entity]] | None = None) -> list[Document]:
        """Predict (id, text) pairs; with `given` entities per document, only relations."""
        with torch.inference_mode():
            return predict_chunk(self.decoding(), self.model_calls(), chunk, given)


def predictor_from_arguments(args, device: str | None, relations: bool = True) -> Predictor:
    """The predictor `predict` and `corpus` build from their shared model arguments
    (`commands.predict.add_model_arguments`: an argparse namespace)."""
    predictor = Predictor.from_run(args.run_dir, device=device, batch_size=args.batch_size,
                                   precision=args.precision, quantize=args.quantize, relations=relations,
                                   compile=args.compile, entity_ruler=not args.no_entity_ruler,
                                   max_batch_subwords=args.max_batch_subwords)
    predictor.docs_per_chunk, predictor.workers = args.chunk, args.workers
    return predictor


class LocalCalls:
    """`chunk.ModelCalls` on a model in this process: the encoder and token head on a padded
    batch, and the relation head on the hidden states kept per window (on the model's device)."""

    def __init__(self, model: JointModel, device: torch.device, precision: str, keep_hidden: bool, pad_id: int):
        self.model, self.device, self.precision, self.keep_hidden, self.pad_id = model, device, precision, keep_hidden, pad_id
        self.hidden: dict[int, torch.Tensor] = {}

    def autocast(self):
        dtype = AUTOCAST_DTYPES.get(self.precision)
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    def best_tags(self, numbers: list[int], rows: list[list[int]],
                  sizes: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        ids, mask = pad_rows(rows, self.pad_id)
        ids, mask = ids.to(self.device), mask.to(self.device)
        with self.autocast():
            states = self.model.encode(ids, mask)
            top, tag_ids = self.model.token_logits(states).float().softmax(-1).max(dim=-1)
        top, tag_ids = top.cpu(), tag_ids.cpu()  # [windows, width] each: the labels' axis stays on the device
        if self.keep_hidden:  # only the relation head reads the hidden states again
            for row, (number, size) in enumerate(zip(numbers, sizes)):
                self.hidden[number] = states[row, :size + 2]
        return [(top[row, 1:size + 1], tag_ids[row, 1:size + 1]) for row, size in enumerate(sizes)]

    def relation_probs(self, numbers: list[int], mentions: list[list[tuple[int, int, int]]],
                       pairs: list[list[tuple[int, int]]]) -> torch.Tensor:
        states = pad_sequence([self.hidden[n] for n in numbers], batch_first=True)  # zeros after each window
        flat, heads, tails = flatten_mentions(mentions, pairs, states.device)
        with self.autocast():
            logits = self.model.relation_logits(states, flat, heads, tails)
        return logits.float().softmax(-1).cpu()

    def release(self, numbers: list[int]) -> None:
        for number in numbers:
            self.hidden.pop(number, None)


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` consecutive items (the last one shorter)."""
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _inference_weights(model: JointModel, device: torch.device, precision: str) -> JointModel:
    """The model on `device`; on a GPU with bf16/fp16 its weights are cast to that type, since
    inference needs no fp32 master copy and autocast would cast them again for every batch
    (autocast stays on, so norms and softmax still run in fp32). Only for a model loaded for
    prediction: `fit`'s predictor shares the weights being trained."""
    dtype = AUTOCAST_DTYPES.get(precision)
    if dtype is not None and device.type == "cuda":
        return model.to(device=device, dtype=dtype)
    return model.to(device)


def _run_precision(path: Path) -> str:
    config_file = path / "config.yaml"
    if not config_file.exists():
        return "no"
    from ..config import load_config

    return load_config(config_file).train.mixed_precision
