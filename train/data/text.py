"""Text handling shared by annotation checks, datasets, training and inference.

- `sentence_spans`: the sentence rule of the guideline (. ! ? ؟ or a line break).
- `word_spans`: the Arabic-aware word split used for word-level tags, seqeval and CoNLL.
- `is_space`: the one notion of a space between words (a zero-width space included).
- `PROCLITICS`: one-letter prefixes that stay outside entity spans.

Normalization (with its map back to raw offsets) lives in `normalize.py`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

PROCLITICS = ("و", "ف", "ب", "ك", "ل")
MAX_PROCLITICS = 2
"""At most this many proclitics stack before a name (وب، ول، فل)."""
MIN_STEM = 2
"""A leading letter counts as a proclitic only when at least this many letters follow it."""
SENTENCE_TERMINATORS = ".!?؟"

# A terminator run ends a sentence; a full stop between two digits is a decimal point.
_SENTENCE_END = re.compile(r"(?:(?<!\d)\.|\.(?!\d)|[!?؟])+|\r\n|[\n\r\u2028\u2029]")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace-trimmed, empty ones dropped.

    A sentence ends after a run of `. ! ? ؟` (the run belongs to it) or at a line break.
    """
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end() if match.group()[0] in SENTENCE_TERMINATORS else match.start()
        spans.append((start, end))
        start = match.end()
    spans.append((start, len(text)))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))]


def sentence_of(spans: list[tuple[int, int]], start: int, end: int) -> int | None:
    """Index of the sentence span holding [start, end), or None when the span crosses a
    sentence boundary or lies outside every sentence (the guideline's one-sentence rule)."""
    index = bisect_right(spans, (start, float("inf"))) - 1
    if index >= 0 and spans[index][0] <= start and end <= spans[index][1]:
        return index
    return None


def is_space(char: str) -> bool:
    """Whitespace, or a zero-width space (U+200B), which web text uses between words."""
    return char.isspace() or char == "\u200b"


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and is_space(text[start]):
        start += 1
    while end > start and is_space(text[end - 1]):
        end -= 1
    return (start, end) if start < end else None


def is_split_char(char: str) -> bool:
    """Punctuation and symbols (Unicode P* and S*, e.g. ، ؛ ؟ « » “ ”) are words of their own."""
    return unicodedata.category(char)[0] in "PS"


@lru_cache(maxsize=4096)
def is_word_edge(char: str) -> bool:
    """A space, punctuation or a symbol: what separates words, and what no span starts or
    ends with (the guideline). Cached: a news text uses a few hundred distinct characters,
    each looked up many times."""
    return is_space(char) or is_split_char(char)


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word: runs of letters/digits/marks; each punctuation or symbol alone."""
    spans, start = [], None
    for i, char in enumerate(text):
        if is_word_edge(char):
            if start is not None:
                spans.append((start, i))
                start = None
            if not is_space(char):
                spans.append((i, i + 1))
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(text)))
    return spans


def strip_proclitics(word: str, max_letters: int = MAX_PROCLITICS) -> list[str]:
    """The word and the forms left after removing up to `max_letters` leading proclitics."""
    forms = [word]
    while len(forms) <= max_letters and forms[-1][:1] in PROCLITICS and len(forms[-1]) > MIN_STEM:
        forms.append(forms[-1][1:])
    return forms
