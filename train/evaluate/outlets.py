"""Which outlet published each scored document, and scores per outlet.

A document's outlet and date come from the document itself (the record's `source` and
`date` keys, `Document.outlet` and `Document.date`); when it has none, from
`seeds/SOURCES.yaml`, which lists the outlet and date of the corpus articles 005-029 by
annotation id (their annotation files are left as they are). Documents found in neither
are grouped as "unknown".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..data.documents import Document
from ..data.sources import SOURCES_FILE, read_sources
from .prf import prf

UNKNOWN = "unknown"


@lru_cache(maxsize=4)
def listed_origins(path: Path = SOURCES_FILE) -> dict[str, tuple[str | None, str | None]]:
    """Document id -> (outlet, date) from a SOURCES.yaml file ({} when it is missing)."""
    data = read_sources(path)
    return {str(item["id"]): (item.get("source"), None if item.get("date") is None else str(item["date"]))
            for item in data.get("articles") or [] if isinstance(item, dict) and "id" in item}


def document_origin(doc: Document, path: Path = SOURCES_FILE) -> tuple[str | None, str | None]:
    """(outlet, date) of a document: its own, else the one SOURCES.yaml lists for its id."""
    listed = listed_origins(path).get(doc.id, (None, None))
    return doc.outlet or listed[0], doc.date or listed[1]


def per_source(per_document: dict, paths: list[str]) -> dict[str, dict] | None:
    """Micro P/R/F1 of each block in `paths` per outlet, from `metrics["per_document"]`;
    None when the documents come from fewer than two outlets (unknown counts as one).

    Each outlet: `{"documents": n, "ids": [...], "dates": [first, last] or None, PATH: {...}}`.
    """
    sources = [s or UNKNOWN for s in per_document.get("sources", [])]
    if len(set(sources)) < 2:
        return None
    out: dict[str, dict] = {}
    for name in sorted(set(sources), key=lambda s: (s == UNKNOWN, s)):
        rows = [i for i, s in enumerate(sources) if s == name]
        dates = sorted(d for d in (per_document["dates"][i] for i in rows) if d)
        entry: dict = {"documents": len(rows), "ids": [per_document["ids"][i] for i in rows],
                       "dates": [dates[0], dates[-1]] if dates else None}
        for path in paths:
            counts = per_document["counts"].get(path)
            if counts is not None:
                tp, predicted, gold = (sum(counts[i][k] for i in rows) for k in range(3))
                entry[path] = prf(tp, predicted, gold)
        out[name] = entry
    return out
