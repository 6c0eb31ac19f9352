"""BIO tags (IOB2) from spans and back: the one place this rule is written.

Positions are whatever a caller tags: words (the dataset builder, the word-level seqeval
scorer, CoNLL export) or subwords (training labels in `train/align.py`, decoding in
`train/decode.py`). Spans are (first position, end position exclusive, type).
"""

from __future__ import annotations


def bio_label_names(entity_types: list[str]) -> list[str]:
    """The label list: "O" first, then B-/I- per entity type in the given (schema) order."""
    return ["O"] + [f"{prefix}-{etype}" for etype in entity_types for prefix in ("B", "I")]


def spans_to_tags(length: int, spans: list[tuple[int, int, str]]) -> list[str]:
    """IOB2 tag per position; a position two spans claim keeps the first span's tag.

    A span's first untaken position gets B-, even when an earlier span took the position it
    starts at: an I- there would make strict IOB2 drop the span.
    """
    tags = ["O"] * length
    for first, end, etype in spans:
        begun = False
        for i in range(max(first, 0), min(end, length)):
            if tags[i] != "O":
                continue
            tags[i] = ("I-" if begun else "B-") + etype
            begun = True
    return tags


def tags_to_spans(tags: list[str], stray_inside_begins: bool = False) -> list[tuple[int, int, str]]:
    """IOB2 decoding to (first, end exclusive, type).

    Strict by default (a stray I- starts nothing, as seqeval's strict mode). With
    `stray_inside_begins` an I- that continues no span of its type starts one, as the
    decoder wants for model output (dropping it would lose a mention).
    """
    starts = ("B", "I") if stray_inside_begins else ("B",)
    spans, current = [], None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, etype = tag.partition("-")
        if current and not (prefix == "I" and etype == current[1]):
            spans.append((current[0], i, current[1]))
            current = None
        if current is None and prefix in starts:
            current = (i, etype)
    return spans


def word_tags(words: list[tuple[int, int]], entities: list[tuple[int, int, str]]) -> tuple[list[str], int]:
    """IOB2 tag per word from char spans; a word that partly overlaps an entity takes its tag.

    Returns the tags and the number of tagged words no entity covers whole (a proclitic
    fused to a name: `وقسد`).
    """
    ranges = []
    for start, end, etype in sorted(entities):
        inside = [i for i, (ws, we) in enumerate(words) if ws < end and start < we]
        if inside:
            ranges.append((inside[0], inside[-1] + 1, etype))
    tags = spans_to_tags(len(words), ranges)
    fused = sum(tag != "O" and not any(s <= ws and we <= e for s, e, _ in entities)
                for (ws, we), tag in zip(words, tags))
    return tags, fused
