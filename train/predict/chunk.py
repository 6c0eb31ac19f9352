"""Predicting one chunk of documents: everything around the model, and the model calls it makes.

`predict_chunk` normalizes and tokenizes the chunk's texts, cuts windows, sends them to the
model longest first in batches (`ModelCalls.best_tags`), decodes a sentence as soon as all
its windows are done, sends its candidate pairs to the relation head
(`ModelCalls.relation_probs`, which reads the hidden states the encoder pass kept) and builds
the documents. The model calls are an interface so that the same code runs in the process
that holds the model (`predictor.LocalCalls`) or in a worker process that asks it
(`workers.RemoteCalls`): only subword ids, label ids, probabilities and mention indices cross it, never
hidden states.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import torch

from ..align import SentenceTokens, Window, candidate_pairs, entities_in_sentence, make_windows, tokenize_documents
from ..data.documents import Document, Entity
from ..data.gazetteer import Gazetteer
from ..data.schema import Schema
from ..decode import (
    build_document,
    centrality,
    decode_tags,
    entities_from_spans,
    merge_ruler_matches,
    merge_windows,
    pick_relations,
    punctuation_only,
    relation_choices,
)
from .min_score import apply_min_score
from .ruler import ruler_matches


class ModelCalls(Protocol):
    """What `predict_chunk` asks of the model. Window numbers count the chunk's windows."""

    def best_tags(self, numbers: list[int], rows: list[list[int]],
                  sizes: list[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """One encoder pass over windows (`rows`: subword ids with [CLS] and [SEP]); per window,
        for its `size` inner subwords, the token head's most probable BIO label's probability
        (float[size]) and id (int[size]). With relations on, the window's hidden states are
        kept under its number until `release`."""

    def relation_probs(self, numbers: list[int], mentions: list[list[tuple[int, int, int]]],
                       pairs: list[list[tuple[int, int]]]) -> torch.Tensor:
        """float[pairs, relation labels]: softmax of the relation head for each window's pairs
        (head, tail: indices into its mentions, which are (first, last subword, type id) in
        window positions), read from the kept hidden states of windows `numbers`."""

    def release(self, numbers: list[int]) -> None:
        """Forget the hidden states kept for these windows."""


@dataclass
class Decoding:
    """Everything but the weights that turns model outputs into documents (picklable: worker
    processes receive it once)."""

    tokenizer: object
    schema: Schema
    bio_labels: list[str]
    """The token head's labels, by id."""
    normalization: str
    window_length: int
    """Subwords per window, [CLS] and [SEP] included."""
    window_stride: int
    batch_size: int
    """Most windows per encoder call."""
    relations: bool = True
    ruler: Gazetteer | None = None
    min_score: dict[str, float] | None = None
    max_batch_subwords: int | None = None
    """Most padded subwords (windows x the longest one's subwords) per encoder call; None: no
    limit but `batch_size`."""


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


def predict_chunk(d: Decoding, calls: ModelCalls, chunk: list[tuple[str, str]],
                  given: list[list[Entity]] | None = None) -> list[Document]:
    """Documents for (id, text) pairs, in order; with `given` entities per document, only relations."""
    texts = [text for _, text in chunk]
    sentences = tokenize_documents(texts, d.tokenizer, d.normalization)
    windows = make_windows(sentences, d.tokenizer, d.window_length, d.window_stride)
    states: dict[int, _SentenceState] = {}
    for number, window in enumerate(windows):
        states.setdefault(window.sentence, _SentenceState([], 0)).windows.append(number)
        states[window.sentence].remaining += 1
    entities: list[list[Entity]] = [[] for _ in texts]
    relations: list[list[tuple[str, int, int, float]]] = [[] for _ in texts]
    tags: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
    order = sorted(range(len(windows)), key=lambda i: -len(windows[i].input_ids))
    for batch in encoder_batches(order, [len(windows[n].input_ids) for n in order], d.batch_size,
                                 d.max_batch_subwords):
        rows = calls.best_tags(batch, [windows[n].input_ids for n in batch], [windows[n].size for n in batch])
        done = []
        for number, row in zip(batch, rows):
            tags[number] = row
            state = states[windows[number].sentence]
            state.remaining -= 1
            if state.remaining == 0:
                done.append(windows[number].sentence)
        jobs = [decode_sentence(d, s, sentences, windows, states[s].windows, tags, texts, entities, given)
                for s in done]
        score_relations(d, calls, [j for js in jobs for j in js], windows, entities, relations)
        finished = [number for s in done for number in states[s].windows]
        if d.relations:
            calls.release(finished)
        for number in finished:
            tags.pop(number, None)
    return [apply_min_score(build_document(doc_id, entities[i], relations[i]), d.min_score)
            for i, (doc_id, _) in enumerate(chunk)]


def encoder_batches(numbers: list[int], lengths: list[int], batch_size: int,
                    max_subwords: int | None = None) -> list[list[int]]:
    """Consecutive runs of window `numbers` (sorted longest first; `lengths` in subwords) of at
    most `batch_size` windows and, with `max_subwords`, at most that many padded subwords: the
    first window's length times the run's size (a window longer than the limit goes alone).

    A window is a sentence, about 50 subwords in news, so a fixed count of windows feeds an
    encoder call a few thousand subwords, which leaves a GPU mostly idle; a subword budget
    (fairseq's `--max-tokens`) fills each call to the same size whatever the sentences' lengths,
    and bounds its memory.
    """
    batches, lo = [], 0
    while lo < len(numbers):
        size = batch_size if max_subwords is None else max(1, min(batch_size, max_subwords // lengths[lo]))
        batches.append(numbers[lo:lo + size])
        lo += size
    return batches


def decode_sentence(d: Decoding, s: int, sentences: list[SentenceTokens], windows: list[Window], numbers: list[int],
                    tags: dict, texts: list[str], entities: list[list[Entity]],
                    given: list[list[Entity]] | None) -> list[RelationJob]:
    """Decode a finished sentence's entities (or take the given ones) into `entities`; return
    its relation jobs (window, pairs)."""
    sentence = sentences[s]
    if given is None:
        top, tag_ids = (merge_windows(len(sentence.ids), [(windows[n].first, tags[n][k]) for n in numbers]) for k in (0, 1))
        decoded = decode_tags(top, tag_ids, d.bio_labels, sentence.words,
                              punctuation_only(texts[sentence.doc], sentence.spans))
        found = entities_from_spans(texts[sentence.doc], sentence.spans, decoded, sentence.words)
        if d.ruler is not None:
            found = merge_ruler_matches(found, ruler_matches(d.ruler, texts[sentence.doc], sentence))
    else:
        found = [(e, rng) for e, rng in entities_in_sentence(sentence, given[sentence.doc]) if rng is not None]
    base = len(entities[sentence.doc])
    entities[sentence.doc].extend(e for e, _ in found)
    if not d.relations:
        return []
    ranges = [r for _, r in found]
    types = [e.type for e, _ in found]
    if len(numbers) == 1:
        pairs = candidate_pairs(types, d.schema)
        by_window = {numbers[0]: pairs} if pairs else {}
    else:
        by_window = pairs_by_window(ranges, types, [(n, windows[n]) for n in numbers], d.schema)
    return [RelationJob(sentence.doc, base, window, pairs, ranges, types) for window, pairs in by_window.items()]


def score_relations(d: Decoding, calls: ModelCalls, jobs: list[RelationJob], windows: list[Window],
                    entities: list[list[Entity]], relations: list[list]) -> None:
    """One relation-head call for all pairs of the sentences just finished; their relations go
    into `relations`."""
    if not jobs:
        return
    window_mentions, window_pairs, owners = [], [], []
    for doc, base, w, pairs, ranges, types in jobs:
        first = windows[w].first
        scored = sorted({k for pair in pairs for k in pair})  # the entities this window scores
        local = {i: n for n, i in enumerate(scored)}
        window_mentions.append([(ranges[i][0] - first + 1, ranges[i][1] - first + 1,
                                 d.schema.entity_names.index(types[i])) for i in scored])
        window_pairs.append([(local[i], local[j]) for i, j in pairs])
        owners += [(doc, base, i, j) for i, j in pairs]
    probs = calls.relation_probs([job.window for job in jobs], window_mentions, window_pairs)
    per_doc: dict[int, list] = defaultdict(list)
    for row, type_id, score in relation_choices(probs):
        doc, base, i, j = owners[row]
        per_doc[doc].append(((base + i, base + j), type_id, score))
    for doc, found in per_doc.items():
        relations[doc].extend(pick_relations(found, d.schema, entities[doc]))


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
