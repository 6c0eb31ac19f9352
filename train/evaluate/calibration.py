"""How far the model's scores can be trusted, and where to cut them.

From predictions with scores on gold documents (the validation split, at the end of `fit`):

- a reliability table: predictions put in 10 equal-width score bins ([0, 0.1), ...,
  [0.9, 1.0]); per bin the count, the mean score and the fraction correct, and the
  expected calibration error ECE = sum over bins of (count / total) * |fraction correct -
  mean score|. An entity is correct when a gold entity has its exact span and type; a
  relation when a gold relation has its type and both arguments exact in span and type
  (the strict end-to-end key of `relations`). Predictions without a score are left out
  (counted as `unscored`).
- per type, precision and recall over thresholds 0.00, 0.05, ..., 0.95 (a prediction is
  kept when its score >= the threshold, as `predict --min-score` keeps it), and the
  operating point: the lowest threshold whose precision is >= 0.9 with at least one
  prediction kept (None when there is none). Relation thresholds are computed with every
  entity kept: an entity threshold also removes the relations of the entities it drops.
"""

from __future__ import annotations

from typing import Sequence

from ..data.documents import Document
from ..data.schema import Schema
from .pairing import entity_span, pair_documents
from .relations import relation_key, relation_keys

BINS = 10
TARGET_PRECISION = 0.9
THRESHOLDS = tuple(round(i * 0.05, 2) for i in range(20))


def scored_items(gold: Sequence[Document], predicted: Sequence[Document], schema: Schema) -> dict:
    """{"entities" | "relations": {"items": [(type, score, correct)], "gold": {type: count}, "unscored": n}}."""
    out = {area: {"items": [], "gold": {}, "unscored": 0} for area in ("entities", "relations")}
    for pair in pair_documents(gold, predicted):
        gold_spans = {entity_span(e) for e in pair.gold.entities}
        gold_keys = relation_keys(pair.gold, schema)
        for etype in (t for _, _, t in gold_spans):
            out["entities"]["gold"][etype] = out["entities"]["gold"].get(etype, 0) + 1
        for rtype, _ in gold_keys:
            out["relations"]["gold"][rtype] = out["relations"]["gold"].get(rtype, 0) + 1
        for ent in pair.pred_entities:
            _add(out["entities"], ent.type, ent.score, entity_span(ent) in gold_spans)
        spans = {e.id: entity_span(e) for e in pair.pred.entities}
        seen = set()
        for rel in pair.pred.relations:
            if rel.type == schema.no_relation:
                continue
            key = relation_key(rel, spans, schema)
            if key not in seen:  # a repeated relation counts once, as in scoring
                seen.add(key)
                _add(out["relations"], rel.type, rel.score, key in gold_keys)
    return out


def _add(area: dict, item_type: str, score: float | None, correct: bool) -> None:
    if score is None:
        area["unscored"] += 1
    else:
        area["items"].append((item_type, float(score), bool(correct)))


def reliability(items: list[tuple[str, float, bool]], bins: int = BINS) -> tuple[list[dict], float | None]:
    """(one row per bin, expected calibration error or None without items)."""
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(s, c) for _, s, c in items if lo <= s < hi or (b == bins - 1 and s >= hi)]
        rows.append({"bin": [lo, hi], "count": len(inside),
                     "confidence": sum(s for s, _ in inside) / len(inside) if inside else None,
                     "accuracy": sum(c for _, c in inside) / len(inside) if inside else None})
    if not items:
        return rows, None
    ece = sum(r["count"] / len(items) * abs(r["accuracy"] - r["confidence"]) for r in rows if r["count"])
    return rows, ece


def threshold_table(items: list[tuple[str, float, bool]], gold: dict[str, int], types: list[str]) -> dict[str, list[dict]]:
    """Per type: precision and recall of the predictions kept at each of THRESHOLDS."""
    table = {}
    for item_type in types:
        mine = [(s, c) for t, s, c in items if t == item_type]
        rows = []
        for threshold in THRESHOLDS:
            kept = [c for s, c in mine if s >= threshold]
            correct = sum(kept)
            rows.append({"threshold": threshold, "predicted": len(kept), "correct": correct,
                         "precision": correct / len(kept) if kept else 0.0,
                         "recall": correct / gold.get(item_type, 0) if gold.get(item_type) else 0.0})
        table[item_type] = rows
    return table


def operating_points(table: dict[str, list[dict]], target: float = TARGET_PRECISION) -> dict[str, float | None]:
    """Per type, the lowest threshold with precision >= `target` (and something kept), or None."""
    return {t: next((r["threshold"] for r in rows if r["predicted"] and r["precision"] >= target), None)
            for t, rows in table.items()}


def calibration(gold: Sequence[Document], predicted: Sequence[Document], schema: Schema, split: str = "validation",
                bins: int = BINS, target: float = TARGET_PRECISION) -> dict:
    """The `calibration` section of metrics.json (see the module docstring)."""
    found = scored_items(gold, predicted, schema)
    out: dict = {"split": split, "documents": [d.id for d in gold], "bins": bins, "target_precision": target,
                 "thresholds": list(THRESHOLDS)}
    for area, types in (("entities", schema.entity_names), ("relations", schema.relation_names)):
        items = found[area]["items"]
        rows, ece = reliability(items, bins)
        table = threshold_table(items, found[area]["gold"], types)
        out[area] = {"ece": ece, "items": len(items), "unscored": found[area]["unscored"], "reliability": rows,
                     "precision_recall": table, "operating_points": operating_points(table, target)}
    return out


def min_score_arguments(section: dict) -> list[str]:
    """`--min-score TYPE=T` arguments for `predict` from a calibration section's operating points."""
    points = {**section.get("entities", {}).get("operating_points", {}),
              **section.get("relations", {}).get("operating_points", {})}
    return [f"--min-score {name}={value:g}" for name, value in points.items() if value is not None]
