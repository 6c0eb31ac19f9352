"""String-match baseline: the training split's gold entity strings, found again in new text.

Entities. The lexicon holds every gold entity string of the training documents, as a
tuple of words of its normalized form (`text.normalize`: no diacritics or tatweel, so
"مصدرٌ" and "مصدر" are one key; `text.word_spans`, so spacing does not matter). Each
sentence is normalized and split the same way and scanned left to right; at each word the
longest lexicon entry that starts there wins, where the first word may carry up to two
leading proclitics (و ف ب ك ل, `text.strip_proclitics`) that stay outside the span, and
the last word must be matched whole (a match ends at a word boundary). On a tie in
length, the match keeping more of the word (fewer proclitics stripped) wins. An entity
string seen with several types takes its most frequent type (ties: schema order). The
span is mapped back to raw offsets with the normalization's offset map.

Relations. Two rules were considered:
- `none`: predict no relation. Its relation P, R and F1 are 0.0 by definition.
- `pair` (the default): for every two predicted entities of one sentence, taken in text
  order, predict the relation most often annotated in training between entities of these
  two types in this order, and its most frequent direction (symmetric types are stored
  with the earlier mention as head). Type pairs never related in training get nothing.
Measured on the five seed articles with configs/tiny.yaml (trained on the three train
documents), end-to-end relation micro P / R / F1:

    split (document)                  pair                  none
    test (001_b15eb7a366a881e5)       0.030 / 0.121 / 0.048   0 / 0 / 0
    validation (003_848d51e5e84e87d4) 0.103 / 0.244 / 0.145   0 / 0 / 0

`pair` is kept: it is better on both held-out documents, and it can never be worse on
F1, since `none` scores exactly 0.0. It also sets a real bar for the model: "same
sentence + most frequent type" is what a relation head must beat to show that it reads
the sentence. Its precision is low (every pair of a sentence gets a guess), as the
per-type table shows. `python -m train baseline CONFIG` prints both rules' scores on
the chosen split, so the choice can be re-checked as the data grows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Sequence

from ..data.documents import Document, Entity, Relation
from ..data.schema import Schema
from ..data.text import normalize, sentence_spans, strip_proclitics, word_spans

RELATION_RULES = ("pair", "none")
WordKey = tuple[str, ...]


def word_key(text: str) -> WordKey:
    """The normalized words of a string: the lexicon's key."""
    norm = normalize(text).text
    return tuple(norm[a:b] for a, b in word_spans(norm))


@dataclass
class StringMatchBaseline:
    """The fitted baseline: `StringMatchBaseline.fit(train_docs, schema).predict(texts, ids)`."""

    schema: Schema
    lexicon: dict[WordKey, str] = field(default_factory=dict)
    """Normalized entity words -> entity type."""
    pair_relations: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    """(first type, second type) in text order -> (relation type, head is the first)."""
    relation_rule: str = "pair"

    @classmethod
    def fit(cls, docs: Iterable[Document], schema: Schema, relation_rule: str = "pair") -> "StringMatchBaseline":
        """Learn the lexicon and the relation table from gold training documents."""
        if relation_rule not in RELATION_RULES:
            raise ValueError(f"relation rule must be one of {RELATION_RULES}, got {relation_rule!r}")
        docs = list(docs)
        return cls(schema, _lexicon(docs, schema), _pair_relations(docs, schema), relation_rule)

    @cached_property
    def longest(self) -> int:
        """Words in the longest lexicon entry (the lexicon is not changed after `fit`)."""
        return max((len(k) for k in self.lexicon), default=0)

    def predict(self, texts: Sequence[str], ids: Sequence[str]) -> list[Document]:
        """One predicted document per text (text not stored, as in a prediction file)."""
        return [self.predict_document(doc_id, text) for doc_id, text in zip(ids, texts, strict=True)]

    def predict_documents(self, docs: Sequence[Document]) -> list[Document]:
        """Predictions for documents that carry their text (e.g. a gold split)."""
        return self.predict([d.text or "" for d in docs], [d.id for d in docs])

    def predict_document(self, doc_id: str, text: str) -> Document:
        """Entities T1.. in text order and, with the `pair` rule, relations R1.. within sentences."""
        entities, relations = [], []
        for s_start, s_end in sentence_spans(text):
            found = [Entity(f"T{len(entities) + i + 1}", etype, a, b, text[a:b])
                     for i, (a, b, etype) in enumerate(self.match_sentence(text[s_start:s_end], s_start))]
            if self.relation_rule == "pair":
                relations += self._relate(found, len(relations))
            entities += found
        return Document(doc_id, None, entities, relations)

    def match_sentence(self, sentence: str, offset: int = 0) -> list[tuple[int, int, str]]:
        """(start, end, type) of every lexicon match in one sentence, in raw offsets + `offset`."""
        norm = normalize(sentence)
        words = word_spans(norm.text)
        tokens = [norm.text[a:b] for a, b in words]
        found, i = [], 0
        while i < len(tokens):
            match = self._match_at(tokens, i)
            if match is None:
                i += 1
                continue
            length, stripped, etype = match
            start, end = norm.raw_span(words[i][0] + stripped, words[i + length - 1][1])
            found.append((start + offset, end + offset, etype))
            i += length
        return found

    def _match_at(self, tokens: list[str], i: int) -> tuple[int, int, str] | None:
        """(words, proclitic letters stripped, type) of the best match starting at word i."""
        for length in range(min(self.longest, len(tokens) - i), 0, -1):
            rest = tuple(tokens[i + 1:i + length])
            for stripped, form in enumerate(strip_proclitics(tokens[i])):
                etype = self.lexicon.get((form,) + rest)
                if etype is not None:
                    return length, stripped, etype
        return None

    def _relate(self, entities: list[Entity], numbered: int) -> list[Relation]:
        relations = []
        for i, first in enumerate(entities):
            for second in entities[i + 1:]:
                rule = self.pair_relations.get((first.type, second.type))
                if rule is None:
                    continue
                head, tail = (first, second) if rule[1] else (second, first)
                relations.append(Relation(f"R{numbered + len(relations) + 1}", rule[0], head.id, tail.id))
        return relations


def _lexicon(docs: list[Document], schema: Schema) -> dict[WordKey, str]:
    seen: dict[WordKey, Counter[str]] = defaultdict(Counter)
    for doc in docs:
        for ent in doc.entities:
            key = word_key(doc.text[ent.start:ent.end] if doc.text else ent.text)
            if key:
                seen[key][ent.type] += 1
    order = {name: rank for rank, name in enumerate(schema.entity_names)}
    return {key: min(counts, key=lambda t: (-counts[t], order.get(t, len(order)), t)) for key, counts in seen.items()}


def _pair_relations(docs: list[Document], schema: Schema) -> dict[tuple[str, str], tuple[str, bool]]:
    seen: dict[tuple[str, str], Counter[tuple[str, bool]]] = defaultdict(Counter)
    for doc in docs:
        by_id = doc.entity_map()
        for rel in doc.relations:
            if rel.type == schema.no_relation or rel.head not in by_id or rel.tail not in by_id:
                continue
            head, tail = by_id[rel.head], by_id[rel.tail]
            in_order = (head.start, head.end) <= (tail.start, tail.end)
            first, second = (head, tail) if in_order else (tail, head)
            head_first = in_order or rel.type in schema.symmetric_relations
            seen[(first.type, second.type)][(rel.type, head_first)] += 1
    order = {name: rank for rank, name in enumerate(schema.relation_names)}
    return {pair: min(counts, key=lambda r: (-counts[r], order.get(r[0], len(order)), not r[1]))
            for pair, counts in seen.items()}


def compare_relation_rules(train: Sequence[Document], gold: Sequence[Document], schema: Schema) -> dict[str, dict]:
    """End-to-end relation micro scores of each relation rule, fitted on `train`, on `gold`."""
    from .scoring import score_documents

    return {rule: score_documents(gold, StringMatchBaseline.fit(train, schema, rule).predict_documents(gold),
                                  schema)["relations"]["end_to_end"]["micro"]
            for rule in RELATION_RULES}
