"""Text handling shared by annotation checks, datasets, training and inference.

- `normalize`: the one normalization (AraBERT v02 style) with a map back to raw offsets.
- `sentence_spans`: the sentence rule of the guideline (. ! ? ؟ or a line break).
- `word_spans`: the Arabic-aware word split used for word-level tags and seqeval.
- `PROCLITICS`: one-letter prefixes that stay outside entity spans.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

PROCLITICS = ("و", "ف", "ب", "ك", "ل")
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


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def is_split_char(char: str) -> bool:
    """Punctuation and symbols (Unicode P* and S*, e.g. ، ؛ ؟ « » “ ”) are words of their own."""
    return unicodedata.category(char)[0] in "PS"


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word: runs of letters/digits/marks; each punctuation or symbol alone."""
    spans, start = [], None
    for i, char in enumerate(text):
        if char.isspace() or is_split_char(char):
            if start is not None:
                spans.append((start, i))
                start = None
            if not char.isspace():
                spans.append((i, i + 1))
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(text)))
    return spans


def strip_proclitics(word: str, max_letters: int = 2) -> list[str]:
    """The word and the forms left after removing up to `max_letters` leading proclitics."""
    forms = [word]
    while len(forms) <= max_letters and forms[-1][:1] in PROCLITICS and len(forms[-1]) > 2:
        forms.append(forms[-1][1:])
    return forms


# --- normalization with an offset map -------------------------------------------------

_TASHKEEL = "\u064b-\u0652"  # fathatan .. sukun, shadda included (as pyarabic.strip_tashkeel)
_TATWEEL = "\u0640"
_HINDI_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
# Characters AraBERT v02 keeps; everything else becomes a space (its REJECTED_CHARS_REGEX).
_KEPT = (
    "0-9\u0621-\u063a\u0640-\u066c\u0671-\u0674a-zA-Z\\[\\]!\"#$%'()*+,.:;\\-<=·>?@\\\\^_ـ`{|}~—٪’،؟୍“؛”ۚ»«–…‘\\s"
)
_ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a\u0660-\u066c"


@dataclass(frozen=True)
class Normalized:
    """Normalized text plus, for each of its characters, the raw span it came from."""

    text: str
    raw_starts: list[int]
    raw_ends: list[int]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the raw span that produced it."""
        if end <= start:
            pos = self.raw_starts[start] if start < len(self.raw_starts) else (self.raw_ends[-1] if self.raw_ends else 0)
            return pos, pos
        return self.raw_starts[start], self.raw_ends[end - 1]


def _identity(raw: str) -> Normalized:
    return Normalized(raw, list(range(len(raw))), list(range(1, len(raw) + 1)))


def _rewrite(norm: Normalized, pattern: re.Pattern, replace: Callable[[re.Match], str]) -> Normalized:
    """Apply `pattern` -> `replace(match)` to normalized text, composing the offset map.

    A deleted match extends the raw end of the character before it (so trailing marks
    stay with their letter); replacement characters each map to the whole matched raw
    span; an insertion (empty match) maps to the zero-width raw point where it happens.
    """
    text, starts, ends = norm.text, norm.raw_starts, norm.raw_ends
    out, out_starts, out_ends, last = [], [], [], 0
    for match in pattern.finditer(text):
        s, e = match.span()
        out.append(text[last:s])
        out_starts.extend(starts[last:s])
        out_ends.extend(ends[last:s])
        new = replace(match)
        if e > s:
            raw_s, raw_e = starts[s], ends[e - 1]
        else:
            raw_s = raw_e = starts[s] if s < len(starts) else (ends[-1] if ends else 0)
        if new:
            out.append(new)
            out_starts.extend([raw_s] * len(new))
            out_ends.extend([raw_e] * len(new))
        elif out_ends:
            out_ends[-1] = max(out_ends[-1], raw_e)
        last = e
    if last == 0 and not out:
        return norm
    out.append(text[last:])
    out_starts.extend(starts[last:])
    out_ends.extend(ends[last:])
    return Normalized("".join(out), out_starts, out_ends)


# (pattern, replacement, guard): a step runs only when its guard finds the text needs it;
# the e-mail pattern in particular is slow to scan on text without "@".
_STEPS: list[tuple[re.Pattern, Callable[[re.Match], str], Callable[[str], bool]]] = [
    (re.compile(r"https?://\S+|www\.\S+"), lambda m: " [رابط] ", lambda t: "http" in t or "www." in t),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), lambda m: " [بريد] ", lambda t: "@" in t),
    (re.compile(r"(?<!\w)@\w+"), lambda m: " [مستخدم] ", lambda t: "@" in t),
    (re.compile(f"[{_TASHKEEL}{_TATWEEL}\ufe0f]+"), lambda m: "", lambda t: True),
    (re.compile("[٠-٩]"), lambda m: m.group().translate(_HINDI_DIGITS), lambda t: True),
    (re.compile(r"(\D)\1{2,}"), lambda m: m.group(1) * 2, lambda t: True),
    (re.compile("/"), lambda m: "-", lambda t: "/" in t),
    (re.compile(f"[^{_KEPT}]"), lambda m: " ", lambda t: True),
    (re.compile(f"(?<=[0-9])(?=[{_ARABIC_LETTERS}])|(?<=[{_ARABIC_LETTERS}])(?=[0-9])"), lambda m: " ", lambda t: True),
]


def normalize(raw: str) -> Normalized:
    """AraBERT v02 preprocessing as an offset-preserving rewrite of `raw`.

    Strips diacritics and tatweel, maps Arabic-Indic digits, shortens runs of 3+ equal
    characters to 2, turns "/" into "-", replaces URLs, e-mails and @mentions with
    AraBERT's placeholders, blanks characters outside AraBERT's alphabet (emoji, accented
    Latin) and separates digits from letters. Spacing around punctuation is left to the
    tokenizer's pre-tokenizer, which splits there anyway.
    """
    norm = _identity(raw)
    for pattern, replace, needed in _STEPS:
        if needed(norm.text):
            norm = _rewrite(norm, pattern, replace)
    return norm
