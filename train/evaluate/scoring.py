"""Score predicted documents against gold ones: `score_documents(gold, predicted, schema)`.

Pure functions; every label comes from the schema. The result (JSON-serialisable):

    {"ner": {"span":    {"micro": {...}, "macro": {...}, "per_type": {TYPE: {...}}},
             "seqeval": {same}, "lenient": {same}, "confusion": {...}},
     "relations": {"end_to_end": {...}, "boundaries": {...}, "found_entities": {...},
                   "gold_entities": {...}},
     "counts": {...},
     "per_document": {"ids", "sources", "dates", "counts": {BLOCK_PATH: [[tp, predicted, gold], ...]}},
     "per_source": {OUTLET: {"documents", "ids", "dates", BLOCK_PATH: {...}}}}   (two outlets or more)

where each `micro`/`per_type` entry holds "precision", "recall", "f1" and "support" (the
number of gold items), and `macro` is the unweighted mean of the per-type P, R and F1
over the schema's types. Every block of `metric_paths.METRIC_BLOCKS` also holds an
`interval` beside `micro`: 95% document-bootstrap intervals of micro P, R and F1
(`bootstrap`; 1,000 seeded draws by default). `per_document` holds each document's micro
counts per block, in the order of the gold documents: the sums of its columns are the
micro figures, and resampling its rows is how the intervals and paired comparisons are
computed, without scoring again. `per_source` gives micro figures per outlet (`outlets`:
the document's own `source`, else seeds/SOURCES.yaml) when the documents come from more
than one.

Entities (one item = a distinct (start, end, type) in a document):
- `span`: strict char spans: start, end and type all equal.
- `seqeval`: strict IOB2 chunks on the dataset's own words (see `words`).
- `lenient`: same type and at least one shared character; each gold and each prediction
  is matched at most once (greedy, largest overlap first, see `matching`).
- `confusion`: gold type against predicted type over aligned spans (see `errors`).
Relations: see `relations` for the settings of end-to-end predictions; `gold_entities` is
present when a second prediction, made with the gold entities as input, is passed in
(`given_entities`): the standard setting of PURE and SpERT, scored strictly.

Conventions and edge cases:
- P = correct / predicted, R = correct / gold, F1 their harmonic mean; each is 0.0 when
  its denominator is 0. No gold and no predictions gives 0.0 everywhere with support 0
  (never 1.0): read the support before the score.
- Exact duplicates (same span and type; same relation type and arguments) count once,
  in predictions and in gold; how many were dropped is in `counts`.
- Every gold document passed in is scored: one missing from the predictions counts as
  an empty prediction (all misses) and is named in `counts.missing_documents`. Callers
  choose the gold set (the `evaluate` command scores the documents the prediction file
  names unless `--all-gold`).
- A predicted document whose id is not among the gold documents, a repeated id, a
  predicted text that differs from the gold text, a span outside the text and a relation
  naming an unknown entity raise ValueError naming the document (and file:line).
- Predicted types unknown to the schema count as wrong in micro and appear per type;
  macro averages the schema's types only.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from ..data.documents import Document
from ..data.schema import Schema
from ..metric_paths import METRIC_BLOCKS, MetricBlock, present_blocks  # noqa: F401 (re-exported)
from .bootstrap import CONFIDENCE, DRAWS, SEED, document_intervals
from .errors import confusion_table
from .matching import greedy_match, same_type_overlap
from .outlets import document_origin, per_source
from .pairing import DocPair, entity_span, pair_documents
from .prf import TypedCounts
from .relations import relation_keys, relation_scores
from .words import sentence_tags, seqeval_block, seqeval_counts


class Predicts(Protocol):
    """What `score_predictor` needs: the model's `Predictor` or the string-match baseline."""

    def predict_documents(self, docs: Sequence[Document]) -> list[Document]: ...

    def predict_relations(self, docs: Sequence[Document]) -> list[Document]: ...


def model_alone_predictions(predictor: Predicts, gold: Sequence[Document]) -> list[Document] | None:
    """A predictor's entities without its entity ruler (`predict/ruler.py`); None when it has none."""
    if getattr(predictor, "ruler", None) is None:
        return None
    return predictor.without_ruler().predict_documents(gold)


def score_documents(gold: Sequence[Document], predicted: Sequence[Document], schema: Schema,
                    given_entities: Sequence[Document] | None = None, draws: int = DRAWS, seed: int = SEED,
                    confidence: float = CONFIDENCE, model_alone: Sequence[Document] | None = None) -> dict:
    """All entity and relation metrics of `predicted` against every document in `gold`;
    `given_entities`, predictions made with the gold entities as input, adds `gold_entities`;
    `model_alone`, the same model's predictions without its entity ruler, adds `ner.model_alone`.
    `draws`, `seed` and `confidence` set the bootstrap intervals (`draws=0`: none)."""
    pairs = pair_documents(gold, predicted)
    counts: dict[str, list] = {}
    ner, word_counts = entity_scores(pairs, schema, counts)
    if model_alone is not None:
        alone = strict_span_counts(pair_documents(gold, model_alone))
        ner["model_alone"], counts["ner.model_alone"] = alone.block(schema.entity_names), alone.documents
    relations = relation_scores(pairs, schema, counts)
    if given_entities is not None:
        given: dict[str, list] = {}
        relations["gold_entities"] = relation_scores(pair_documents(gold, given_entities), schema, given)["end_to_end"]
        counts["relations.gold_entities"] = given["relations.end_to_end"]
    metrics = {"ner": ner, "relations": relations, "counts": {**document_counts(pairs, schema), **word_counts}}
    origins = [_origin(p) for p in pairs]
    metrics["per_document"] = {"ids": [p.gold.id for p in pairs], "sources": [o for o, _ in origins],
                               "dates": [d for _, d in origins],
                               "counts": {b.path: [list(c) for c in counts[b.path]] for b in METRIC_BLOCKS
                                          if b.path in counts}}
    add_intervals(metrics, draws, seed, confidence)
    by_source = per_source(metrics["per_document"], [b.path for b, _ in present_blocks(metrics)])
    if by_source:
        metrics["per_source"] = by_source
    return metrics


def _origin(pair: DocPair) -> tuple[str | None, str | None]:
    """(outlet, date) of a scored document: the gold document's, else the prediction's, else SOURCES.yaml's."""
    outlet, date = document_origin(pair.gold)
    return outlet or pair.pred.outlet, date or pair.pred.date


def add_intervals(metrics: dict, draws: int = DRAWS, seed: int = SEED, confidence: float = CONFIDENCE) -> None:
    """Put an `interval` entry beside `micro` in every block, from `metrics["per_document"]`."""
    per_document = metrics["per_document"]["counts"]
    intervals = document_intervals(per_document, draws, seed, confidence)
    for block, found in present_blocks(metrics):
        if block.path in intervals:
            section, key = block.path.split(".")
            items = list(found.items())
            at = next((i + 1 for i, (k, _) in enumerate(items) if k == "micro"), len(items))
            metrics[section][key] = dict(items[:at] + [("interval", intervals[block.path])] + items[at:])


def score_predictor(predictor: Predicts, gold: Sequence[Document], schema: Schema, draws: int = DRAWS,
                    seed: int = SEED) -> tuple[dict, list[Document]]:
    """(metrics, end-to-end predictions) of a predictor on gold documents, both relation settings."""
    predicted = predictor.predict_documents(gold)
    return score_documents(gold, predicted, schema, predictor.predict_relations(gold), draws, seed,
                           model_alone=model_alone_predictions(predictor, gold)), predicted


def entity_scores(pairs: list[DocPair], schema: Schema, per_document: dict | None = None) -> tuple[dict, dict]:
    """The `ner` section, and the number of sentences and words the seqeval figure saw;
    `per_document`, when given, receives each view's per-document micro counts."""
    types = schema.entity_names
    strict, lenient = strict_span_counts(pairs), TypedCounts()
    gold_tags, pred_tags, seqeval_documents = [], [], []
    for pair in pairs:
        gold = sorted({entity_span(e) for e in pair.gold.entities})
        pred = sorted({entity_span(e) for e in pair.pred_entities})
        matched, _, _ = greedy_match(gold, pred, same_type_overlap)
        lenient.add([gold[i][2] for i, _ in matched], [p[2] for p in pred], [g[2] for g in gold])
        doc_gold_tags, doc_pred_tags = sentence_tags(pair.text, gold, pred)
        gold_tags += doc_gold_tags
        pred_tags += doc_pred_tags
        seqeval_documents.append(seqeval_counts(doc_gold_tags, doc_pred_tags))
    if per_document is not None:
        per_document.update({"ner.span": strict.documents, "ner.seqeval": seqeval_documents,
                             "ner.lenient": lenient.documents})
    ner = {"span": strict.block(types), "seqeval": seqeval_block(gold_tags, pred_tags, types),
           "lenient": lenient.block(types), "confusion": confusion_table(pairs, schema)}
    return ner, {"sentences": len(gold_tags), "words": sum(len(tags) for tags in gold_tags)}


def strict_span_counts(pairs: list[DocPair]) -> TypedCounts:
    """Exact (start, end, type) matches of predicted against gold entities, per document."""
    strict = TypedCounts()
    for pair in pairs:
        strict.add_sets({(t, (a, b)) for a, b, t in {entity_span(e) for e in pair.gold.entities}},
                        {(t, (a, b)) for a, b, t in {entity_span(e) for e in pair.pred_entities}})
    return strict


def document_counts(pairs: list[DocPair], schema: Schema) -> dict:
    """How much was scored, and what was dropped or missing on the way."""
    return {
        "documents": len(pairs),
        "missing_documents": [p.gold.id for p in pairs if p.missing],
        "gold_entities": sum(len({entity_span(e) for e in p.gold.entities}) for p in pairs),
        "predicted_entities": sum(len(p.pred_entities) for p in pairs),
        "duplicate_predicted_entities": sum(p.duplicate_entities for p in pairs),
        "gold_relations": sum(len(relation_keys(p.gold, schema)) for p in pairs),
        "predicted_relations": sum(len(relation_keys(p.pred, schema)) for p in pairs),
        "duplicate_predicted_relations": sum(
            sum(r.type != schema.no_relation for r in p.pred.relations) - len(relation_keys(p.pred, schema)) for p in pairs),
    }


def headline(metrics: dict) -> dict[str, float]:
    """The few numbers worth a glance: micro F1 of each block present, by title."""
    return {block.title: found["micro"]["f1"] for block, found in present_blocks(metrics)}


def metric_at(metrics: dict, path: str) -> float:
    """The number at a dotted path such as `ner.span.micro.f1`; KeyError names the missing part."""
    node = metrics
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise KeyError(f"no {key!r} on the way to {path!r} in the metrics")
        node = node[key]
    return float(node)
