"""Word-level entity scores: seqeval in strict IOB2 mode on the dataset's own words.

Gold and predicted char spans are both projected onto the same words (`sentence_spans`
then `word_spans` of the gold text, tagged with `word_tags`), so this figure is the same
for every model and tokenizer. Projection is lossy on purpose, as in the dataset: a word
only partly covered by an entity (a proclitic fused to a name) takes the entity's tag, so
a prediction that keeps or drops the proclitic scores the same here. A predicted entity
that crosses a sentence break becomes one chunk in each sentence it touches.

seqeval 1.2.2 fails in strict mode when neither side holds a valid chunk (its report
computes `max()` over an empty list of type names, and its macro average is NaN); that
case returns 0.0 everywhere with support 0, the library-wide convention (see `prf`).
"""

from __future__ import annotations

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2, Entities

from ..data.tagging import word_tags
from ..data.text import sentence_spans, word_spans
from .pairing import Span
from .prf import macro

TagSequences = list[list[str]]


def sentence_tags(text: str, gold: list[Span], predicted: list[Span]) -> tuple[TagSequences, TagSequences]:
    """IOB2 tags per sentence of `text` for the gold and the predicted spans, on the same words."""
    gold_tags, pred_tags = [], []
    for s_start, s_end in sentence_spans(text):
        words = word_spans(text[s_start:s_end])
        gold_tags.append(word_tags(words, _local(gold, s_start, s_end))[0])
        pred_tags.append(word_tags(words, _local(predicted, s_start, s_end))[0])
    return gold_tags, pred_tags


def _local(spans: list[Span], s_start: int, s_end: int) -> list[Span]:
    """Spans touching the sentence, in sentence offsets (word_tags tags the words they overlap)."""
    return [(a - s_start, b - s_start, t) for a, b, t in spans if a < s_end and s_start < b]


def seqeval_counts(gold_tags: TagSequences, pred_tags: TagSequences) -> tuple[int, int, int]:
    """(correct, predicted, gold) strict IOB2 chunks of one document: the counts whose sums over
    documents give seqeval's micro average (a chunk is (sentence, start, end, type))."""
    gold = {e.to_tuple() for sentence in Entities(gold_tags, IOB2).entities for e in sentence}
    pred = {e.to_tuple() for sentence in Entities(pred_tags, IOB2).entities for e in sentence}
    return len(gold & pred), len(pred), len(gold)


def seqeval_block(gold_tags: TagSequences, pred_tags: TagSequences, types: list[str]) -> dict:
    """`{"micro", "macro", "per_type"}` from seqeval's strict IOB2 report (macro over `types`)."""
    found = Entities(gold_tags, IOB2).unique_tags | Entities(pred_tags, IOB2).unique_tags
    if not gold_tags or not found:
        per_type = {t: _zero() for t in types}
        return {"micro": _zero(), "macro": macro(per_type, types), "per_type": per_type}
    report = classification_report(gold_tags, pred_tags, mode="strict", scheme=IOB2, output_dict=True,
                                   zero_division=0)
    names = list(types) + sorted(found - set(types))
    per_type = {t: _row(report[t]) if t in report else _zero() for t in names}
    return {"micro": _row(report["micro avg"]), "macro": macro(per_type, list(types)), "per_type": per_type}


def _zero() -> dict:
    return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def _row(row: dict) -> dict:
    """seqeval's row with plain floats and our key names."""
    return {"precision": float(row["precision"]), "recall": float(row["recall"]), "f1": float(row["f1-score"]),
            "support": int(row["support"])}
