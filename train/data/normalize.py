"""The one normalization, with a map from every normalized character back to raw offsets.

Two stages, each an offset-keeping rewrite of the text:

1. `fold` (every encoder): what only changes how letters are encoded, never which word is
   written. NFC (a letter plus combining hamza becomes one letter); NFKC on Arabic
   presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF, so ﻻ becomes لا); Persian ی/ک to
   Arabic ي/ك; bidi and zero-width joiner controls deleted, and a zero-width space made
   a plain space (it separates words, `text.is_space`); diacritics and tatweel deleted.
2. The encoder's own preprocessing, by scheme name (saved in each run's model config):
   - `arabert_v02`: AraBERT v0.2 preprocessing (aubmindlab's `ArabertPreprocessor` for
     `bert-base-arabertv02`, rewritten to keep offsets; a test compares the two);
   - `fold`: nothing more (SentencePiece encoders such as multilingual-e5 bring their own
     normalization inside the tokenizer).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

SCHEMES = ("arabert_v02", "fold")


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


Step = tuple[re.Pattern, Callable[[re.Match], str], Callable[[str], bool]]
"""(pattern, replacement, guard): a step runs only when its guard finds the text needs it."""

_TASHKEEL = "\u064b-\u0652"  # fathatan .. sukun, shadda included (as pyarabic.strip_tashkeel)
_TATWEEL = "\u0640"
_PRESENTATION_FORMS = "\ufb50-\ufdff\ufe70-\ufefe"
_BIDI_AND_JOINERS = "\u061c\u200c-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
_PERSIAN = str.maketrans("\u06cc\u06a9", "\u064a\u0643")  # ی ک -> ي ك

_FOLD: list[Step] = [
    # a base character with its combining marks, composed (only runs on text that is not NFC)
    (re.compile(r"[^\u0300-\u036f\u064b-\u065f\u0670][\u0300-\u036f\u064b-\u065f\u0670]+"),
     lambda m: unicodedata.normalize("NFC", m.group()), lambda t: not unicodedata.is_normalized("NFC", t)),
    (re.compile(f"[{_PRESENTATION_FORMS}]"), lambda m: unicodedata.normalize("NFKC", m.group()).strip(),
     lambda t: re.search(f"[{_PRESENTATION_FORMS}]", t) is not None),
    (re.compile("[\u06cc\u06a9]"), lambda m: m.group().translate(_PERSIAN), lambda t: "\u06cc" in t or "\u06a9" in t),
    (re.compile(f"[{_BIDI_AND_JOINERS}]+"), lambda m: "", lambda t: True),
    (re.compile("\u200b"), lambda m: " ", lambda t: "\u200b" in t),
    (re.compile(f"[{_TASHKEEL}{_TATWEEL}\ufe0f]+"), lambda m: "", lambda t: True),
]

_HINDI_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
# Characters AraBERT v02 keeps; everything else becomes a space (its REJECTED_CHARS_REGEX).
_KEPT = (
    "0-9\u0621-\u063a\u0640-\u066c\u0671-\u0674a-zA-Z\\[\\]!\"#$%'()*+,.:;\\-<=·>?@\\\\^_ـ`{|}~—٪’،؟୍“؛”ۚ»«–…‘\\s"
)
_ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a\u0660-\u066c"

_ARABERT_V02: list[Step] = [
    (re.compile(r"https?://\S+|www\.\S+"), lambda m: " [رابط] ", lambda t: "http" in t or "www." in t),
    # Atomic group, and a match may only start where a run of e-mail characters starts:
    # a long run of letters before an "@" is then scanned once, not once per position.
    (re.compile(r"(?<![\w.+-])(?>[\w.+-]+)@[\w-]+(?:\.[\w-]+)+"), lambda m: " [بريد] ", lambda t: "@" in t),
    (re.compile(r"(?<!\w)@\w+"), lambda m: " [مستخدم] ", lambda t: "@" in t),
    (re.compile("[٠-٩]"), lambda m: m.group().translate(_HINDI_DIGITS), lambda t: True),
    (re.compile(r"(\D)\1{2,}"), lambda m: m.group(1) * 2, lambda t: True),
    (re.compile("/"), lambda m: "-", lambda t: "/" in t),
    (re.compile(f"[^{_KEPT}]"), lambda m: " ", lambda t: True),
    (re.compile(f"(?<=[0-9])(?=[{_ARABIC_LETTERS}])|(?<=[{_ARABIC_LETTERS}])(?=[0-9])"), lambda m: " ", lambda t: True),
]

_SCHEME_STEPS = {"arabert_v02": _FOLD + _ARABERT_V02, "fold": _FOLD}


def normalize(raw: str, scheme: str = "arabert_v02") -> Normalized:
    """`raw` folded, then preprocessed the way the encoder's scheme asks (module docstring).

    `arabert_v02` strips diacritics and tatweel, maps Arabic-Indic digits, shortens runs of
    3+ equal characters to 2, turns "/" into "-", replaces URLs, e-mails and @mentions with
    AraBERT's placeholders, blanks characters outside AraBERT's alphabet (emoji, accented
    Latin) and separates digits from letters. Spacing around punctuation is left to the
    tokenizer's pre-tokenizer, which splits there anyway. Raises ValueError for an unknown
    scheme.
    """
    if scheme not in _SCHEME_STEPS:
        raise ValueError(f"unknown normalization {scheme!r} (known: {', '.join(SCHEMES)})")
    norm = _identity(raw)
    for pattern, replace, needed in _SCHEME_STEPS[scheme]:
        if needed(norm.text):
            norm = _rewrite(norm, pattern, replace)
    return norm
