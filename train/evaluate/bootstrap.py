"""Confidence intervals by resampling documents, and paired differences between two systems.

Scoring keeps, for every metric block, each document's micro counts `(tp, predicted, gold)`
(`metrics["per_document"]`, see `scoring`). A bootstrap draw resamples the documents with
replacement, sums their counts and recomputes micro P, R and F1 with the conventions of
`prf` (0.0 for an empty denominator); the interval is the 2.5th and 97.5th percentile of
1,000 draws (default; seeded, so a report is reproducible). The document is the unit
because errors within an article are not independent: an article full of one unusual name
is missed or found as a whole.

`scipy.stats.bootstrap` does the resampling and the percentiles: its data are the
document indices 0..n-1 and the statistic sums the counts of the indices drawn, so one
draw serves every block at once (and, for a paired comparison, both systems: the same
documents for each). It needs two documents or more; with one, no interval is given.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import bootstrap

DRAWS = 1000
SEED = 0
CONFIDENCE = 0.95
METHOD = "document bootstrap: documents resampled with replacement, percentile interval (scipy.stats.bootstrap)"

_ELEMENTS = 4_000_000
"""Roughly how many numbers one batch of draws may hold (bounds memory for large document sets)."""


def micro_figures(sums: np.ndarray) -> np.ndarray:
    """P, R and F1 (last axis) from summed (tp, predicted, gold) counts (last axis), with the
    conventions of `prf.prf`: each is 0.0 when its denominator is 0."""
    sums = np.asarray(sums, dtype=float)
    tp, predicted, gold = sums[..., 0], sums[..., 1], sums[..., 2]
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, gold, out=np.zeros_like(tp), where=gold > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return np.stack([precision, recall, f1], axis=-1)


def _draws(counts: np.ndarray, statistic, draws: int, seed: int, confidence: float):
    """scipy's bootstrap over document indices; `statistic(sums)` maps summed counts
    (batch, columns) to an array (outputs, batch)."""
    n = counts.shape[0]

    def over_indices(indices: np.ndarray, axis: int = -1) -> np.ndarray:
        return statistic(counts[indices].sum(axis=-2))

    batch = max(1, min(draws, _ELEMENTS // max(1, n * counts.shape[1])))
    return bootstrap((np.arange(n),), over_indices, n_resamples=draws, batch=batch, vectorized=True,
                     method="percentile", confidence_level=confidence, rng=np.random.default_rng(seed))


def _matrix(per_document: dict[str, list], paths: list[str]) -> np.ndarray:
    """(documents, 3 * len(paths)) counts, the paths' (tp, predicted, gold) side by side."""
    return np.concatenate([np.asarray(per_document[p], dtype=float).reshape(-1, 3) for p in paths], axis=1)


def _settings(draws: int, seed: int, confidence: float, documents: int) -> dict:
    return {"confidence": confidence, "draws": draws, "seed": seed, "documents": documents, "method": METHOD}


def document_intervals(per_document: dict[str, list], draws: int = DRAWS, seed: int = SEED,
                       confidence: float = CONFIDENCE) -> dict[str, dict]:
    """For each block path of `per_document` (path -> per-document (tp, predicted, gold)), the
    `interval` entry: `{"precision": [lo, hi], "recall": [...], "f1": [...], "confidence",
    "draws", "seed", "documents", "method"}` (bounds None, with a `note`, below two documents)."""
    paths = list(per_document)
    if not paths:
        return {}
    n = len(per_document[paths[0]])
    settings = _settings(draws, seed, confidence, n)
    if n < 2 or draws < 1:
        note = "fewer than two documents to resample" if n < 2 else "no bootstrap draws asked for"
        return {p: {"precision": None, "recall": None, "f1": None, **settings, "note": note} for p in paths}
    counts = _matrix(per_document, paths)
    def statistic(sums: np.ndarray) -> np.ndarray:  # (batch, 3 * paths) -> (3 * paths, batch)
        return micro_figures(sums.reshape(sums.shape[0], len(paths), 3)).reshape(sums.shape[0], -1).T

    ci = _draws(counts, statistic, draws, seed, confidence).confidence_interval
    out = {}
    for i, path in enumerate(paths):
        bounds = {figure: [float(ci.low[3 * i + j]), float(ci.high[3 * i + j])]
                  for j, figure in enumerate(("precision", "recall", "f1"))}
        out[path] = {**bounds, **settings}
    return out


def f1_distribution(counts: list | np.ndarray, draws: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """The micro F1 of every draw, for one block's per-document counts (what the interval's
    percentiles are taken of; tests compare it with an exact enumeration)."""
    counts = np.asarray(counts, dtype=float).reshape(-1, 3)
    found = _draws(counts, lambda sums: micro_figures(sums)[..., 2][None, :], draws, seed, CONFIDENCE)
    return found.bootstrap_distribution[0]


def paired_differences(a: dict[str, list], b: dict[str, list], draws: int = DRAWS, seed: int = SEED,
                       confidence: float = CONFIDENCE) -> dict[str, dict]:
    """Micro F1 of A minus micro F1 of B for each block path both hold, on the same documents
    (index i of A and of B is the same document), with a paired bootstrap interval: every
    draw resamples documents once and scores both systems on that resample.

    Per path: `{"a", "b", "difference", "interval": [lo, hi] or None, "distinguishable"}`,
    where `distinguishable` is False when the interval contains 0 (None without an interval).
    """
    paths = [p for p in a if p in b]
    if not paths:
        return {}
    n = len(a[paths[0]])
    if any(len(a[p]) != n or len(b[p]) != n for p in paths):
        raise ValueError("paired comparison needs the same documents on both sides")
    counts = np.concatenate([_matrix(a, paths), _matrix(b, paths)], axis=1)
    point = micro_figures(counts.sum(axis=0).reshape(2, len(paths), 3))[..., 2]
    low = high = [None] * len(paths)
    if n >= 2 and draws >= 1:
        def statistic(sums: np.ndarray) -> np.ndarray:
            f1 = micro_figures(sums.reshape(sums.shape[0], 2, len(paths), 3))[..., 2]
            return (f1[:, 0] - f1[:, 1]).T

        ci = _draws(counts, statistic, draws, seed, confidence).confidence_interval
        low, high = [float(x) for x in np.atleast_1d(ci.low)], [float(x) for x in np.atleast_1d(ci.high)]
    out = {}
    for i, path in enumerate(paths):
        interval = None if low[i] is None else [low[i], high[i]]
        out[path] = {"a": float(point[0, i]), "b": float(point[1, i]), "difference": float(point[0, i] - point[1, i]),
                     "interval": interval,
                     "distinguishable": None if interval is None else not (interval[0] <= 0.0 <= interval[1]),
                     **_settings(draws, seed, confidence, n)}
    return out
