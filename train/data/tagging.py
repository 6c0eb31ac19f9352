"""Word-level BIO tags (IOB2) from char spans and back: the one place this rule is written.

Used by the dataset builder, the word-level (seqeval) scorer and CoNLL export. Subword
labels for training are derived from the same spans in `train/align.py`.
"""

from __future__ import annotations


def word_tags(words: list[tuple[int, int]], entities: list[tuple[int, int, str]]) -> tuple[list[str], int]:
    """IOB2 tag per word from char spans; a word that partly overlaps an entity takes its tag.

    Returns the tags and the number of such partly covered (clitic-fused) words.
    """
    tags = ["O"] * len(words)
    fused = 0
    for start, end, etype in sorted(entities):
        inside = [i for i, (ws, we) in enumerate(words) if ws < end and start < we]
        begun = False
        for i in inside:
            if tags[i] != "O":
                continue  # a word holding two entities keeps the first one's tag
            # B- on the first word this entity tags, even when an earlier entity took the word
            # it starts in: an I- there would make strict IOB2 drop the entity
            tags[i] = ("I-" if begun else "B-") + etype
            begun = True
            ws, we = words[i]
            fused += ws < start or we > end
    return tags, fused


def tags_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Strict IOB2 decoding to (first word, last word + 1, type); a stray I- starts nothing."""
    spans, current = [], None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, etype = tag.partition("-")
        if current and not (prefix == "I" and etype == current[2]):
            spans.append((current[0], i, current[2]))
            current = None
        if prefix == "B":
            current = (i, None, etype)
    return spans
