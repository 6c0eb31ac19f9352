"""Per-split statistics of a built dataset."""

from __future__ import annotations

from collections import Counter

from datasets import DatasetDict

from .dataset import BuildCounts
from .schema import Schema


def split_statistics(dataset: DatasetDict, counts: dict[str, BuildCounts], schema: Schema) -> dict[str, dict]:
    stats = {}
    for split, data in dataset.items():
        entity_types = Counter(e["type"] for row in data["entities"] for e in row)
        relation_types = Counter(r["type"] for row in data["relations"] for r in row)
        stats[split] = {
            "documents": len(set(data["doc_id"])),
            "sentences": len(data),
            "words": sum(len(w) for w in data["words"]),
            "entities": {t: entity_types.get(t, 0) for t in schema.entity_names},
            "relations": {t: relation_types.get(t, 0) for t in schema.relation_names},
            "clitic_words": counts[split].clitic_words,
        }
    return stats


def format_statistics(stats: dict[str, dict]) -> str:
    splits = list(stats)
    rows = [("documents", lambda s: s["documents"]), ("sentences", lambda s: s["sentences"]),
            ("words", lambda s: s["words"])]
    first = next(iter(stats.values()))
    rows += [(f"entities {t}", lambda s, t=t: s["entities"][t]) for t in first["entities"]]
    rows += [(f"relations {t}", lambda s, t=t: s["relations"][t]) for t in first["relations"]]
    rows += [("clitic-fused words", lambda s: s["clitic_words"])]
    width = max(len(name) for name, _ in rows)
    lines = [" " * width + "".join(f"{s:>12}" for s in splits + ["total"])]
    for name, get in rows:
        values = [get(stats[s]) for s in splits]
        lines.append(f"{name:<{width}}" + "".join(f"{v:>12}" for v in values + [sum(values)]))
    return "\n".join(lines)
