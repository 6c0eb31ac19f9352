"""One-to-one matching of gold and predicted spans that overlap.

Used by the lenient entity score (same type, overlapping) and by the confusion table and
error list (any overlap, same span first). Matching is greedy: candidate pairs are taken
best weight first, ties broken by text position, and a span already used is skipped.
Greedy can match fewer pairs than a maximum matching when a span overlaps several spans
on the other side (one long prediction covering two golds that also overlap other
predictions); it is kept because it is deterministic and easy to explain in an error
report, and it is exact in the usual case where each span overlaps at most one other.
"""

from __future__ import annotations

from typing import Callable

from .pairing import Span

Weight = Callable[[Span, Span], "tuple | None"]


def overlap(a: Span, b: Span) -> int:
    """Characters shared by two spans (0 when disjoint)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def same_type_overlap(gold: Span, pred: Span) -> tuple | None:
    """Lenient weight: same type and at least one shared character; more overlap is better."""
    shared = overlap(gold, pred)
    return (shared,) if shared and gold[2] == pred[2] else None


def any_overlap(gold: Span, pred: Span) -> tuple | None:
    """Error-analysis weight: an identical span first, then the same type, then more overlap."""
    shared = overlap(gold, pred)
    if not shared:
        return None
    return (gold[:2] == pred[:2], gold[2] == pred[2], shared)


def greedy_match(gold: list[Span], pred: list[Span], weight: Weight) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Matched (gold index, pred index) pairs, then unmatched gold and unmatched pred indices."""
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            w = weight(g, p)
            if w is not None:
                candidates.append((w, i, j))
    candidates.sort(key=lambda c: (c[0], -gold[c[1]][0], -pred[c[2]][0], -c[1], -c[2]), reverse=True)
    used_gold, used_pred, pairs = set(), set(), []
    for _, i, j in candidates:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((i, j))
    pairs.sort()
    return (pairs, [i for i in range(len(gold)) if i not in used_gold],
            [j for j in range(len(pred)) if j not in used_pred])
