"""From documents to model windows: tokenization, offsets, windows, subword labels, pairs.

Each sentence is normalized (`normalize`, with its map back to raw offsets), tokenized once
without special tokens, and cut into windows of at most `window_length - 2` subwords that
overlap by `window_stride`; nothing is truncated away. Every subword keeps its raw char span in
the document, so labels come from the gold char spans and predictions go back to raw text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from models.labels import IGNORE_INDEX

from .data.documents import Document, Entity
from .data.normalize import normalize
from .data.schema import Schema
from .data.tagging import spans_to_tags
from .data.text import sentence_spans


@dataclass
class SentenceTokens:
    doc: int
    """Index of the document in the list being processed."""
    index: int
    """Sentence number in the document."""
    ids: list[int]
    spans: list[tuple[int, int]]
    """Raw char span in the document of each subword."""
    words: list[int]
    """Index of the tokenizer's pre-token word each subword belongs to."""


@dataclass
class Window:
    sentence: int
    """Index into the list of SentenceTokens."""
    first: int
    """Position in the sentence of the window's first subword."""
    input_ids: list[int]
    """[CLS] + subwords + [SEP]."""
    labels: list[int] | None = None
    """BIO label id per input position (`IGNORE_INDEX` on special tokens); training only."""
    mentions: list[tuple[int, int, int]] = field(default_factory=list)
    """(first, last) input positions and type id of the entities fully inside the window."""
    mention_ids: list[str] = field(default_factory=list)
    pairs: list[tuple[int, int, tuple[int, ...]]] = field(default_factory=list)
    """(head mention, tail mention, gold relation type ids) for every candidate pair; no
    ids means no relation, several mean several relations between the same two mentions."""

    @property
    def size(self) -> int:
        return len(self.input_ids) - 2


@dataclass
class AlignmentReport:
    entities: int = 0
    unrepresentable: int = 0
    """Gold spans whose start or end falls inside a subword: the tokenizer cannot give them back exactly."""
    relations: int = 0
    relations_outside_windows: int = 0
    """Gold relations whose two mentions share no window (only possible in long sentences)."""
    multi_label_pairs: int = 0
    """Ordered pairs with more than one gold relation type (all of them are trained)."""
    windows: int = 0
    split_sentences: int = 0

    def summary(self) -> str:
        return (f"{self.windows} windows ({self.split_sentences} long sentences split); "
                f"{self.unrepresentable}/{self.entities} gold spans not representable by the tokenizer; "
                f"{self.relations_outside_windows}/{self.relations} relations with arguments in no common window; "
                f"{self.multi_label_pairs} mention pairs with several relation types")


def tokenize_documents(texts: list[str], tokenizer, normalization: str) -> list[SentenceTokens]:
    """Split every text into sentences and tokenize them in one batch call.

    Each sentence is normalized on its own (`normalization`: the encoder's scheme), so its
    offset map never reaches into a neighbouring sentence, and a sentence normalizes the
    same in a whole article (inference) as in a dataset example (training). A metaspace piece
    (▁قوات) stands for the space before its word; its span starts after that space, so spans
    meet word boundaries.
    """
    units, pieces = [], []
    for doc, text in enumerate(texts):
        for index, (start, end) in enumerate(sentence_spans(text)):
            norm = normalize(text[start:end], normalization)
            units.append((doc, index, norm, start))
            pieces.append(norm.text)
    if not pieces:
        return []
    # The Rust tokenizer directly: the transformers wrapper would convert every encoding to
    # Python dicts first, which costs more than the tokenization itself.
    backend = tokenizer.backend_tokenizer
    if backend.padding is not None or backend.truncation is not None:
        # A tokenizer.json saved after a padded or truncated call keeps those settings, and
        # would pad every sentence to the longest or cut long ones. Clearing them changes no
        # transformers call: each one sets its own padding and truncation.
        backend.no_padding()
        backend.no_truncation()
    encodings = backend.encode_batch(pieces, add_special_tokens=False)
    sentences = []
    for (doc, index, norm, shift), piece, encoding in zip(units, pieces, encodings):
        starts, ends = norm.raw_starts, norm.raw_ends  # inlined Normalized.raw_span: a hot loop
        offsets = [(a + 1, b) if b - a > 1 and piece[a].isspace() else (a, b) for a, b in encoding.offsets]
        spans = [(starts[a] + shift, ends[b - 1] + shift) if b > a else _shifted(norm.raw_span(a, b), shift)
                 for a, b in offsets]
        words = [-1 if w is None else w for w in encoding.word_ids]
        sentences.append(SentenceTokens(doc, index, encoding.ids, spans, words))
    return sentences


def _shifted(span: tuple[int, int], shift: int) -> tuple[int, int]:
    return span[0] + shift, span[1] + shift


def window_ranges(length: int, size: int, stride: int) -> list[tuple[int, int]]:
    """[first, last) subword ranges covering `length` subwords, consecutive ones sharing `stride`."""
    if length == 0:
        return []  # a sentence of characters the tokenizer drops (e.g. only symbols)
    if length <= size:
        return [(0, length)]
    step = size - stride
    starts = list(range(0, length - size, step)) + [length - size]
    return [(s, s + size) for s in starts]


def make_windows(sentences: list[SentenceTokens], tokenizer, window_length: int, window_stride: int) -> list[Window]:
    windows = []
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id  # properties that look the token up each time
    for number, sentence in enumerate(sentences):
        for first, last in window_ranges(len(sentence.ids), window_length - 2, window_stride):
            windows.append(Window(number, first, [cls] + sentence.ids[first:last] + [sep]))
    return windows


def token_range(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """First and last subword overlapping the char span [start, end), or None.

    Subword spans follow the text, so both their starts and their ends are sorted: two
    binary searches, O(log n), however long the sentence.
    """
    first = bisect_right(spans, start, key=lambda span: span[1])  # first subword ending after `start`
    last = bisect_left(spans, end, key=lambda span: span[0]) - 1  # last subword starting before `end`
    while first <= last and not spans[first][0] < end:
        first += 1
    return (first, last) if first <= last and spans[first][1] > start else None


def is_representable(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a == start for a, _ in spans) and any(b == end for _, b in spans)


def gold_relation_labels(doc: Document, schema: Schema, report: AlignmentReport) -> dict[tuple[str, str], tuple[int, ...]]:
    """(head id, tail id) -> relation type ids (schema order); a symmetric relation labels both orders."""
    labels: dict[tuple[str, str], set[int]] = {}
    for rel in doc.relations:
        type_id = schema.relation_names.index(rel.type)
        keys = [(rel.head, rel.tail)]
        if rel.type in schema.symmetric_relations:
            keys.append((rel.tail, rel.head))
        for key in keys:
            labels.setdefault(key, set()).add(type_id)
    report.multi_label_pairs += sum(len(types) > 1 for types in labels.values())
    return {key: tuple(sorted(types)) for key, types in labels.items()}


def label_windows(windows: list[Window], sentences: list[SentenceTokens], docs: list[Document],
                  schema: Schema) -> AlignmentReport:
    """Attach BIO labels, gold mentions and labelled candidate pairs to training windows."""
    report = AlignmentReport(windows=len(windows))
    entities = [sentence_entities(s, docs[s.doc], report) for s in sentences]
    labels = [sentence_labels(s, found, schema) for s, found in zip(sentences, entities)]  # windows take slices
    relation_labels = [gold_relation_labels(d, schema, report) for d in docs]
    report.relations = sum(len(d.relations) for d in docs)
    reached: set[tuple[int, str, str]] = set()
    for window in windows:
        doc = sentences[window.sentence].doc
        label_window(window, entities[window.sentence], labels[window.sentence], schema)
        window.pairs = labelled_pairs(window, schema, relation_labels[doc])
        reached |= {(doc, window.mention_ids[h], window.mention_ids[t]) for h, t, types in window.pairs if types}
    report.split_sentences = len({w.sentence for w in windows if w.first > 0})
    gold = {(i, r.head, r.tail) for i, d in enumerate(docs) for r in d.relations}
    report.relations_outside_windows = len(gold - reached)
    return report


def entities_in_sentence(sentence: SentenceTokens, entities: list[Entity]) -> list[tuple[Entity, tuple[int, int] | None]]:
    """The entities lying inside the sentence's subwords, with their (first, last) subword
    range (None when no subword overlaps them)."""
    lo, hi = (sentence.spans[0][0], sentence.spans[-1][1]) if sentence.spans else (0, 0)
    return [(e, token_range(sentence.spans, e.start, e.end)) for e in entities if lo <= e.start and e.end <= hi]


def sentence_entities(sentence: SentenceTokens, doc: Document, report: AlignmentReport) -> list:
    """The sentence's gold entities with their subword ranges; counts the unrepresentable ones."""
    found = entities_in_sentence(sentence, doc.entities)
    report.entities += len(found)
    report.unrepresentable += sum(not is_representable(sentence.spans, e.start, e.end) for e, _ in found)
    return found


def sentence_labels(sentence: SentenceTokens, entities: list, schema: Schema) -> list[int]:
    """BIO label id per subword of the sentence, from its entities' subword ranges."""
    tags = spans_to_tags(len(sentence.ids), [(rng[0], rng[1] + 1, ent.type) for ent, rng in entities if rng])
    label_id = {name: i for i, name in enumerate(schema.bio_labels)}
    return [label_id[tag] for tag in tags]


def label_window(window: Window, entities: list, labels: list[int], schema: Schema) -> None:
    """The window's slice of its sentence's BIO label ids (`labels`, from `sentence_labels`),
    and the mentions lying wholly inside the window."""
    last = window.first + window.size - 1
    window.labels = [IGNORE_INDEX] + labels[window.first:last + 1] + [IGNORE_INDEX]
    for ent, rng in entities:
        if rng is not None and window.first <= rng[0] and rng[1] <= last:
            window.mentions.append((rng[0] - window.first + 1, rng[1] - window.first + 1,
                                    schema.entity_names.index(ent.type)))
            window.mention_ids.append(ent.id)


def candidate_pairs(types: list[str], schema: Schema) -> list[tuple[int, int]]:
    """Ordered pairs (i, j), i != j, whose types some relation of the schema allows."""
    allowed = schema.candidate_type_pairs
    return [(i, j) for i, a in enumerate(types) for j, b in enumerate(types) if i != j and (a, b) in allowed]


def labelled_pairs(window: Window, schema: Schema,
                   gold: dict[tuple[str, str], tuple[int, ...]]) -> list[tuple[int, int, tuple[int, ...]]]:
    types = [schema.entity_names[t] for _, _, t in window.mentions]
    ids = window.mention_ids
    return [(i, j, gold.get((ids[i], ids[j]), ())) for i, j in candidate_pairs(types, schema)]


def training_windows(docs: list[Document], tokenizer, schema: Schema, window_length: int, window_stride: int,
                     normalization: str) -> tuple[list[Window], list[SentenceTokens], AlignmentReport]:
    sentences = tokenize_documents([d.text or "" for d in docs], tokenizer, normalization)
    windows = make_windows(sentences, tokenizer, window_length, window_stride)
    report = label_windows(windows, sentences, docs, schema)
    return windows, sentences, report
