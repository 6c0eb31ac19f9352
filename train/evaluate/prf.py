"""Precision, recall and F1 from counts, and the `{"micro", "macro", "per_type"}` block.

Convention for empty denominators: precision is 0.0 when nothing was predicted, recall is
0.0 when there is nothing to find, and F1 is 0.0 when precision + recall is 0. So a type
with no gold and no prediction scores 0.0 everywhere with support 0; the support tells
the reader that the 0.0 means "nothing to score", not "all wrong".
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Iterable


def prf(tp: int, predicted: int, gold: int) -> dict:
    """P/R/F1 of `tp` correct out of `predicted` predictions and `gold` gold items."""
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": gold, "tp": tp, "predicted": predicted}


def macro(per_type: dict[str, dict], types: list[str]) -> dict:
    """Unweighted mean of per-type P, R and F1 over `types` (types with no support count as 0.0)."""
    if not types:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {key: sum(per_type[t][key] for t in types) / len(types) for key in ("precision", "recall", "f1")}


class TypedCounts:
    """True positives, predictions and gold items per type, summed over documents.

    Each `add` (or `add_sets`) call is one document: `documents` keeps its micro counts
    `(tp, predicted, gold)`, so that resampling documents (`bootstrap`) recomputes micro
    P/R/F1 from sums without scoring again.
    """

    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.predicted: Counter[str] = Counter()
        self.gold: Counter[str] = Counter()
        self.documents: list[tuple[int, int, int]] = []

    def add_sets(self, gold: set[tuple[str, Hashable]], predicted: set[tuple[str, Hashable]]) -> None:
        """Add one document's gold and predicted items, (type, key) pairs compared as sets."""
        self.add([t for t, _ in gold & predicted], [t for t, _ in predicted], [t for t, _ in gold])

    def add(self, tp_types: Iterable[str], predicted_types: Iterable[str], gold_types: Iterable[str]) -> None:
        """Add one document: the types of its correct predictions, of all its predictions and of
        all its gold items."""
        tp_types, predicted_types, gold_types = list(tp_types), list(predicted_types), list(gold_types)
        self.tp.update(tp_types)
        self.predicted.update(predicted_types)
        self.gold.update(gold_types)
        self.documents.append((len(tp_types), len(predicted_types), len(gold_types)))

    def block(self, types: list[str]) -> dict:
        """The metrics block: micro over all items, macro over `types`, per type.

        Types seen in gold or predictions but missing from `types` (a prediction file from
        another schema) are listed per type and count in micro, but not in macro.
        """
        extra = sorted((set(self.predicted) | set(self.gold)) - set(types))
        per_type = {t: prf(self.tp[t], self.predicted[t], self.gold[t]) for t in list(types) + extra}
        micro = prf(sum(self.tp.values()), sum(self.predicted.values()), sum(self.gold.values()))
        return {"micro": micro, "macro": macro(per_type, list(types)), "per_type": per_type}
