"""Annotations + raw texts -> a model-independent Hugging Face `DatasetDict`, and back.

One example per sentence. Spans stay char offsets (relative to the sentence); word
tokens and word-level BIO tags are added for seqeval and CoNLL export. Tokenizing for a
particular model happens later, in training, which reads the examples back as one
document per sentence (`sentence_documents`). `fingerprint` names what a dataset was built
from, so that `fit` can tell a saved dataset that is up to date from a stale one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from datasets import ClassLabel, Dataset, DatasetDict, Features, List, Value

from .documents import Document, Entity, Relation
from .schema import Schema
from .tagging import word_tags
from .text import sentence_of, sentence_spans, word_spans

DATASET_FORMAT = 1
"""Version of the example layout below; a saved dataset of another version is stale."""


class DatasetBuildError(ValueError):
    """Annotations could not be placed into sentences without losing something."""


def features(schema: Schema) -> Features:
    return Features({
        "doc_id": Value("string"),
        "sentence_index": Value("int32"),
        "sentence_start": Value("int32"),
        "text": Value("string"),
        "words": List(Value("string")),
        "word_starts": List(Value("int32")),
        "word_ends": List(Value("int32")),
        "word_tags": List(ClassLabel(names=schema.bio_labels)),
        "entities": List({"id": Value("string"), "type": Value("string"), "start": Value("int32"),
                          "end": Value("int32"), "text": Value("string")}),
        "relations": List({"id": Value("string"), "type": Value("string"), "head": Value("int32"),
                           "tail": Value("int32")}),
    })


@dataclass
class BuildCounts:
    """What the builder saw, so that nothing is lost silently."""

    sentences: int = 0
    words: int = 0
    entities: int = 0
    relations: int = 0
    clitic_words: int = 0
    """Words only partly covered by an entity (a proclitic fused to a name), tagged with it."""
    documents: list[str] = field(default_factory=list)


def sentence_examples(doc: Document, counts: BuildCounts) -> list[dict]:
    """Split one document into sentence examples; raise if an entity or relation would be lost."""
    text = doc.text or ""
    spans = sentence_spans(text)
    owner = {}
    for ent in doc.entities:
        owner[ent.id] = sentence_of(spans, ent.start, ent.end)
        if owner[ent.id] is None:
            raise DatasetBuildError(f"{doc.source}: {ent.id} ({ent.start}-{ent.end}) is not inside one sentence")
    examples = []
    for index, (s_start, s_end) in enumerate(spans):
        ents = [e for e in doc.entities if owner[e.id] == index]
        ents.sort(key=lambda e: e.start)
        position = {e.id: i for i, e in enumerate(ents)}
        rels = [r for r in doc.relations if r.head in position or r.tail in position]
        for rel in rels:
            if rel.head not in position or rel.tail not in position:
                raise DatasetBuildError(f"{doc.source}: {rel.id} links entities in different sentences")
        sentence = text[s_start:s_end]
        words = word_spans(sentence)
        local = [(e.start - s_start, e.end - s_start, e.type) for e in ents]
        tags, fused = word_tags(words, local)
        examples.append({
            "doc_id": doc.id, "sentence_index": index, "sentence_start": s_start, "text": sentence,
            "words": [sentence[a:b] for a, b in words],
            "word_starts": [a for a, _ in words], "word_ends": [b for _, b in words], "word_tags": tags,
            "entities": [{"id": e.id, "type": e.type, "start": e.start - s_start, "end": e.end - s_start,
                          "text": e.text} for e in ents],
            "relations": [{"id": r.id, "type": r.type, "head": position[r.head], "tail": position[r.tail]}
                          for r in rels],
        })
        counts.words += len(words)
        counts.clitic_words += fused
        counts.entities += len(ents)
        counts.relations += len(rels)
    counts.sentences += len(examples)
    counts.documents.append(doc.id)
    return examples


def assign_splits(doc_ids: list[str], train: list[str], validation: list[str], test: list[str]) -> dict[str, list[str]]:
    """Document ids per split; an empty `train` means every document not held out."""
    known = set(doc_ids)
    unknown = [d for d in train + validation + test if d not in known]
    if unknown:
        raise DatasetBuildError(f"splits name unknown documents: {unknown} (known: {sorted(known)})")
    held_out = set(validation) | set(test)
    return {
        "train": list(train) or [d for d in doc_ids if d not in held_out],
        "validation": list(validation),
        "test": list(test),
    }


def build_dataset(docs: list[Document], schema: Schema, splits: dict[str, list[str]]) -> tuple[DatasetDict, dict[str, BuildCounts]]:
    """Build the DatasetDict and per-split counts; every gold item lands in exactly one example."""
    by_id = {d.id: d for d in docs}
    result, counts = {}, {}
    for split, ids in splits.items():
        counts[split] = BuildCounts()
        rows = [row for doc_id in ids for row in sentence_examples(by_id[doc_id], counts[split])]
        result[split] = Dataset.from_list(rows, features=features(schema))
        expected = sum(len(by_id[i].entities) for i in ids), sum(len(by_id[i].relations) for i in ids)
        if (counts[split].entities, counts[split].relations) != expected:
            raise DatasetBuildError(f"{split}: built {counts[split].entities} entities / {counts[split].relations} "
                                    f"relations, annotations hold {expected[0]} / {expected[1]}")
    return DatasetDict(result), counts


def fingerprint(docs: list[Document], schema: Schema, splits: dict[str, list[str]]) -> str:
    """SHA-256 of everything a dataset is built from: the split assignment, each assigned
    document's text, entities and relations, the schema and `DATASET_FORMAT`."""
    by_id = {d.id: d for d in docs}
    content = {"format": DATASET_FORMAT, "schema": schema.to_dict(), "splits": splits,
               "documents": {i: by_id[i].to_dict(include_text=True) for ids in splits.values() for i in ids}}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def gold_totals(split: Dataset) -> tuple[int, int]:
    """(entities, relations) held by a split's examples."""
    return sum(len(e) for e in split["entities"]), sum(len(r) for r in split["relations"])


def sentence_documents(split: Dataset) -> list[Document]:
    """One `Document` per example, in order: the sentence is its text, spans are relative to
    it, relations name their entities by id. Id `<doc_id>#<sentence_index>`.

    Raises DatasetBuildError when an example's text is not exactly one sentence (its text
    would be windowed differently from the article it came from).
    """
    docs = []
    for row in split:
        where = f"{row['doc_id']}#{row['sentence_index']}"
        text = row["text"]
        if sentence_spans(text) != [(0, len(text))]:
            raise DatasetBuildError(f"dataset example {where}: its text is not one whole sentence: {text[:60]!r}")
        entities = [Entity(e["id"], e["type"], e["start"], e["end"], e["text"]) for e in row["entities"]]
        relations = [Relation(r["id"], r["type"], entities[r["head"]].id, entities[r["tail"]].id)
                     for r in row["relations"]]
        docs.append(Document(where, text, entities, relations, source=where))
    return docs
