"""Load a model once, predict many documents: `Predictor.from_run(path).predict(texts)`.

Windows from many documents are batched together, longest first, under
`torch.inference_mode`. Each window goes through the encoder once; the token head and the
relation head (for every candidate pair of predicted entities) read that one pass. A
sentence is decoded as soon as all its windows are done, so only the hidden states of
unfinished sentences are kept.
"""

from __future__ import annotations

import contextlib
import copy
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import torch
from transformers import AutoTokenizer
from transformers.utils import logging as hf_logging

from models.joint import JointModel, flatten_mentions, pad_rows

from ..align import SentenceTokens, Window, candidate_pairs, entities_in_sentence, make_windows, tokenize_documents
from ..data.documents import Document, Entity
from ..data.gazetteer import Gazetteer
from ..data.schema import Schema, schema_from_dict
from ..decode import (
    build_document,
    centrality,
    decode_bio,
    entities_from_spans,
    merge_ruler_matches,
    merge_windows,
    pick_relations,
    punctuation_only,
    relation_choices,
)
from ..files import file_sha256
from .memory import keep_freed_memory
from .min_score import apply_min_score
from .onednn import prepack_linears
from .provenance import model_folder, provenance
from .quantize import load_activation_ranges, quantize_for_cpu
from .ruler import RULER_FILE, load_ruler, ruler_matches

AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


class RelationJob(NamedTuple):
    """The candidate pairs of one finished sentence that one window scores."""

    doc: int
    """Index of the document in the chunk."""
    base: int
    """How many entities the document had before this sentence's (entity indices are offset by it)."""
    window: int
    """The window number whose hidden states score the pairs."""
    pairs: list[tuple[int, int]]
    """(head, tail) indices into the sentence's entities."""
    ranges: list[tuple[int, int]]
    """Each sentence entity's first and last subword, in sentence positions."""
    types: list[str]
    """Each sentence entity's type."""


@dataclass
class _SentenceState:
    windows: list[int]
    remaining: int


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

    @classmethod
    def from_run(cls, path: str | Path, device: str | None = None, batch_size: int | None = None,
                 precision: str | None = None, quantize: str | None = None,
                 relations: bool = True, compile: bool = False, entity_ruler: bool = True,
                 prepack: bool = True) -> "Predictor":
        """Load from a run directory (its `model/` folder) or from a saved model folder;
        `quantize="int8"` quantizes the linear layers for CPU inference (`quantize.py`);
        `compile=True` compiles the encoder with `torch.compile` (dynamic shapes: windows
        vary in length), a one-time cost of tens of seconds that pays on large inputs.
        On the CPU it sets the process's allocator to keep freed memory (`memory.py`) and, in
        fp32 without `quantize` or `compile`, prepacks the encoder's weights for oneDNN
        (`onednn.py`; `prepack=False` keeps `nn.Linear`).
        The model folder's entity ruler (`ruler.py`) is used unless `entity_ruler=False`."""
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
        predictor = cls(model, tokenizer, batch_size or 32, device, precision, relations=relations, ruler=ruler)
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
        for lo in range(0, len(docs), self.docs_per_chunk):
            chunk = docs[lo:lo + self.docs_per_chunk]
            out += self._predict_chunk([(d.id, d.text or "") for d in chunk], [d.entities for d in chunk])
        return out

    def stream(self, items: Iterable[tuple[str, str]]) -> Iterator[Document]:
        """Predict (id, text) pairs lazily, a chunk of documents at a time, in input order."""
        chunk: list[tuple[str, str]] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == self.docs_per_chunk:
                yield from self._predict_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._predict_chunk(chunk)

    def _autocast(self):
        dtype = AUTOCAST_DTYPES.get(self.precision)
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    @torch.inference_mode()
    def _predict_chunk(self, chunk: list[tuple[str, str]], given: list[list[Entity]] | None = None) -> list[Document]:
        """Predict (id, text) pairs; with `given` entities per document, only relations."""
        texts = [text for _, text in chunk]
        cfg = self.model.config
        sentences = tokenize_documents(texts, self.tokenizer, cfg.normalization)
        windows = make_windows(sentences, self.tokenizer, cfg.window_length, cfg.window_stride)
        states = {}
        for number, window in enumerate(windows):
            states.setdefault(window.sentence, _SentenceState([], 0)).windows.append(number)
            states[window.sentence].remaining += 1
        entities: list[list[Entity]] = [[] for _ in texts]
        relations: list[list[tuple[str, int, int, float]]] = [[] for _ in texts]
        hidden: dict[int, torch.Tensor] = {}
        probs: dict[int, torch.Tensor] = {}
        order = sorted(range(len(windows)), key=lambda i: -len(windows[i].input_ids))
        for lo in range(0, len(order), self.batch_size):
            batch = order[lo:lo + self.batch_size]
            ids, mask = pad_rows([windows[i].input_ids for i in batch], self.tokenizer.pad_token_id)
            ids, mask = ids.to(self.device), mask.to(self.device)
            with self._autocast():
                states_batch = self.model.encode(ids, mask)
                token_probs = self.model.token_logits(states_batch).float().softmax(-1).cpu()
            done = []
            for row, number in enumerate(batch):
                size = windows[number].size
                if self.relations:  # only the relation head reads the hidden states again
                    hidden[number] = states_batch[row, :size + 2]
                probs[number] = token_probs[row, 1:size + 1]
                state = states[windows[number].sentence]
                state.remaining -= 1
                if state.remaining == 0:
                    done.append(windows[number].sentence)
            jobs = [self._decode_sentence(s, sentences, windows, states[s].windows, probs, texts, entities, given)
                    for s in done]
            self._score_relations([j for js in jobs for j in js], hidden, windows, entities, relations)
            for s in done:
                for number in states[s].windows:
                    hidden.pop(number, None)
                    probs.pop(number, None)
        return [apply_min_score(build_document(doc_id, entities[d], relations[d]), self.min_score)
                for d, (doc_id, _) in enumerate(chunk)]

    def _decode_sentence(self, s: int, sentences: list[SentenceTokens], windows: list[Window], numbers: list[int],
                         probs: dict, texts: list[str], entities: list[list[Entity]],
                         given: list[list[Entity]] | None) -> list[RelationJob]:
        """Decode a finished sentence's entities (or take the given ones); return its relation
        jobs (window, pairs)."""
        sentence = sentences[s]
        if given is None:
            merged = merge_windows(len(sentence.ids), [(windows[n].first, probs[n]) for n in numbers])
            decoded = decode_bio(merged, self.bio_labels, sentence.words,
                                 punctuation_only(texts[sentence.doc], sentence.spans))
            found = entities_from_spans(texts[sentence.doc], sentence.spans, decoded, sentence.words)
            if self.ruler is not None:
                found = merge_ruler_matches(found, ruler_matches(self.ruler, texts[sentence.doc], sentence))
        else:
            found = [(e, rng) for e, rng in entities_in_sentence(sentence, given[sentence.doc]) if rng is not None]
        base = len(entities[sentence.doc])
        entities[sentence.doc].extend(e for e, _ in found)
        if not self.relations:
            return []
        ranges = [r for _, r in found]
        types = [e.type for e, _ in found]
        if len(numbers) == 1:
            pairs = candidate_pairs(types, self.schema)
            by_window = {numbers[0]: pairs} if pairs else {}
        else:
            by_window = pairs_by_window(ranges, types, [(n, windows[n]) for n in numbers], self.schema)
        return [RelationJob(sentence.doc, base, window, pairs, ranges, types) for window, pairs in by_window.items()]

    def _score_relations(self, jobs: list[RelationJob], hidden: dict, windows: list[Window],
                         entities: list[list[Entity]], relations: list[list]) -> None:
        """One relation-head call for all pairs of the sentences just finished."""
        if not jobs:
            return
        width = max(hidden[job.window].shape[0] for job in jobs)
        states = torch.stack([torch.nn.functional.pad(hidden[w], (0, 0, 0, width - hidden[w].shape[0]))
                              for w in (job.window for job in jobs)])
        window_mentions, window_pairs, owners = [], [], []
        for doc, base, w, pairs, ranges, types in jobs:
            first = windows[w].first
            scored = sorted({k for pair in pairs for k in pair})  # the entities this window scores
            local = {i: n for n, i in enumerate(scored)}
            window_mentions.append([(ranges[i][0] - first + 1, ranges[i][1] - first + 1,
                                     self.schema.entity_names.index(types[i])) for i in scored])
            window_pairs.append([(local[i], local[j]) for i, j in pairs])
            owners += [(doc, base, i, j) for i, j in pairs]
        mentions, heads, tails = flatten_mentions(window_mentions, window_pairs, states.device)
        with self._autocast():
            logits = self.model.relation_logits(states, mentions, heads, tails)
        per_doc: dict[int, list] = defaultdict(list)
        for row, type_id, score in relation_choices(logits.float().softmax(-1)):
            doc, base, i, j = owners[row]
            per_doc[doc].append(((base + i, base + j), type_id, score))
        for doc, found in per_doc.items():
            relations[doc].extend(pick_relations(found, self.schema, entities[doc]))


def pairs_by_window(ranges: list[tuple[int, int]], types: list[str], windows: list[tuple[int, Window]],
                    schema: Schema) -> dict[int, list[tuple[int, int]]]:
    """Candidate pairs of a long sentence's mentions, each given to the window that holds
    both mentions where the nearer-to-edge subword is most central (ties: earlier window).

    Only mentions that share a window can be paired, so the work is the sum over windows
    of the pairs inside each one: linear in the sentence length, not quadratic in its
    mentions.
    """
    best: dict[tuple[int, int], tuple[int, int]] = {}  # pair -> (score, window number)
    order = sorted(range(len(ranges)), key=lambda i: ranges[i])
    starts = [ranges[i][0] for i in order]
    for number, window in windows:
        last = window.first + window.size - 1
        nearby = order[bisect_left(starts, window.first):bisect_right(starts, last)]
        inside = [i for i in nearby if ranges[i][1] <= last]
        for i, j in candidate_pairs([types[k] for k in inside], schema):
            a, b = inside[i], inside[j]
            lo, hi = min(ranges[a][0], ranges[b][0]), max(ranges[a][1], ranges[b][1])
            score = min(centrality(lo, window.first, window.size), centrality(hi, window.first, window.size))
            if score > best.get((a, b), (-1, 0))[0]:
                best[(a, b)] = (score, number)
    by_window: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pair, (_, number) in sorted(best.items()):
        by_window[number].append(pair)
    return by_window


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
