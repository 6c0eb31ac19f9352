"""String-match baseline: the training split's gold entity strings, found again in new text.

Entities. The lexicon is a `Gazetteer` (`data/gazetteer.py`) of every gold entity string
of the training documents, matched the way that module describes (normalized words,
longest match, proclitics outside the span, whole last word); each match is predicted
with the type the string had most often in training.

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
from typing import Iterable, Sequence

from ..data.documents import Document, Entity, Relation
from ..data.gazetteer import Gazetteer
from ..data.schema import Schema
from ..data.text import sentence_spans

RELATION_RULES = ("pair", "none")


@dataclass
class StringMatchBaseline:
    """The fitted baseline: `StringMatchBaseline.fit(train_docs, schema).predict(texts, ids)`."""

    schema: Schema
    lexicon: Gazetteer = field(default_factory=Gazetteer)
    """The training split's entity strings and their types."""
    pair_relations: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    """(first type, second type) in text order -> (relation type, head is the first)."""
    relation_rule: str = "pair"

    @classmethod
    def fit(cls, docs: Iterable[Document], schema: Schema, relation_rule: str = "pair") -> "StringMatchBaseline":
        """Learn the lexicon and the relation table from gold training documents."""
        if relation_rule not in RELATION_RULES:
            raise ValueError(f"relation rule must be one of {RELATION_RULES}, got {relation_rule!r}")
        docs = list(docs)
        return cls(schema, Gazetteer.from_documents(docs, schema), _pair_relations(docs, schema), relation_rule)

    def predict(self, texts: Sequence[str], ids: Sequence[str]) -> list[Document]:
        """One predicted document per text (text not stored, as in a prediction file)."""
        return [self.predict_document(doc_id, text) for doc_id, text in zip(ids, texts, strict=True)]

    def predict_documents(self, docs: Sequence[Document]) -> list[Document]:
        """Predictions for documents that carry their text (e.g. a gold split)."""
        return self.predict([d.text or "" for d in docs], [d.id for d in docs])

    def predict_relations(self, docs: Sequence[Document]) -> list[Document]:
        """The relation rule applied to each document's own (gold) entities, sentence by sentence."""
        out = []
        for doc in docs:
            text, ordered = doc.text or "", sorted(doc.entities, key=lambda e: (e.start, e.end))
            relations: list[Relation] = []
            for s_start, s_end in sentence_spans(text):
                inside = [e for e in ordered if s_start <= e.start and e.end <= s_end]
                relations += self._relate(inside, len(relations)) if self.relation_rule == "pair" else []
            out.append(Document(doc.id, None, list(doc.entities), relations))
        return out

    def predict_document(self, doc_id: str, text: str) -> Document:
        """Entities T1.. in text order and, with the `pair` rule, relations R1.. within sentences."""
        entities, relations = [], []
        for s_start, s_end in sentence_spans(text):
            found = [Entity(f"T{len(entities) + i + 1}", etype, a, b, text[a:b])
                     for i, (a, b, etype) in enumerate(self.lexicon.match_sentence(text[s_start:s_end], s_start))]
            if self.relation_rule == "pair":
                relations += self._relate(found, len(relations))
            entities += found
        return Document(doc_id, None, entities, relations)

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
