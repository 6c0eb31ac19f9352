"""Name lists found again in text: annotated names of training documents, and place names.

A `Gazetteer` maps a name, as a tuple of words of its normalized form
(`normalize(..., "arabert_v02")`: no diacritics or tatweel, so "مصدرٌ" and "مصدر" are one
key; `text.word_spans`, so spacing does not matter), to an entity type. A sentence is
normalized and split the same way and scanned left to right; at each word the longest
entry that starts there wins, where the first word may carry up to `MAX_PROCLITICS`
leading proclitics (و ف ب ك ل, `text.strip_proclitics`) that stay outside the span, and the
last word must be matched whole. On a tie in length, the match keeping more of the word
(fewer proclitics stripped) wins. Matches map back to raw offsets through the
normalization's offset map.

The string-match baseline predicts the matches as entities (`evaluate/baseline.py`), and the
entity ruler merges them into a model's entities (`predict/ruler.py`). (Fed to the model as a
BIO-tag feature per subword instead, the training names plus GeoNames place names lowered
cross-validated entity F1 from 0.743 to 0.638; measured when that feature was removed, dfa9697.)
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable

from .documents import Document
from .normalize import normalize
from .schema import Schema
from .text import sentence_spans, strip_proclitics, word_spans

WordKey = tuple[str, ...]
FIRST_FORMS_KEPT = 200_000
"""Distinct words whose entry-starting forms a gazetteer remembers (then it starts afresh)."""


def word_key(text: str) -> WordKey:
    """The normalized words of a string: a gazetteer key."""
    norm = normalize(text).text
    return tuple(norm[a:b] for a, b in word_spans(norm))


@dataclass
class Gazetteer:
    """Normalized name words -> entity type; `match_sentence` finds the names in text."""

    entries: dict[WordKey, str] = field(default_factory=dict)

    @classmethod
    def from_documents(cls, docs: Iterable[Document], schema: Schema) -> "Gazetteer":
        """Every gold entity string; a string seen with several types takes its most frequent
        type (ties: schema order)."""
        seen: dict[WordKey, Counter[str]] = defaultdict(Counter)
        for doc in docs:
            for ent in doc.entities:
                key = word_key(doc.text[ent.start:ent.end] if doc.text else ent.text)
                if key:
                    seen[key][ent.type] += 1
        order = {name: rank for rank, name in enumerate(schema.entity_names)}
        return cls({key: min(counts, key=lambda t: (-counts[t], order.get(t, len(order)), t))
                    for key, counts in seen.items()})

    @classmethod
    def from_names(cls, names: Iterable[str], entity_type: str) -> "Gazetteer":
        return cls({key: entity_type for name in names if (key := word_key(name))})

    def merged(self, other: "Gazetteer") -> "Gazetteer":
        """Both lists; where both hold a name, this one's type wins."""
        return Gazetteer({**other.entries, **self.entries})

    def match(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, type) of every match in `text`, sentence by sentence, raw offsets."""
        return [m for s, e in sentence_spans(text) for m in self.match_sentence(text[s:e], s)]

    def match_sentence(self, sentence: str, offset: int = 0) -> list[tuple[int, int, str]]:
        """(start, end, type) of every match in one sentence, in raw offsets + `offset`."""
        norm = normalize(sentence)
        words = word_spans(norm.text)
        tokens = [norm.text[a:b] for a, b in words]
        found, i = [], 0
        while i < len(tokens):
            match = self._match_at(tokens, i)
            if match is None:
                i += 1
                continue
            length, stripped, etype = match
            start, end = norm.raw_span(words[i][0] + stripped, words[i + length - 1][1])
            found.append((start + offset, end + offset, etype))
            i += length
        return found

    @cached_property
    def longest_from(self) -> dict[str, int]:
        """First word of an entry -> words in the longest entry that starts with it (a
        gazetteer is not changed after it is built)."""
        out: dict[str, int] = {}
        for key in self.entries:
            out[key[0]] = max(out.get(key[0], 0), len(key))
        return out

    @cached_property
    def _first_forms(self) -> dict[str, tuple[tuple[int, str], ...]]:
        """Word -> its (proclitic letters stripped, form) that begin an entry, filled as words are
        met: news repeats its words, and most of them begin no entry."""
        return {}

    def _match_at(self, tokens: list[str], i: int) -> tuple[int, int, str] | None:
        """(words, proclitic letters stripped, type) of the best match starting at word i."""
        forms = self._first_forms.get(tokens[i])
        if forms is None:
            if len(self._first_forms) >= FIRST_FORMS_KEPT:
                self._first_forms.clear()
            # a tuple: the many words that begin no entry all share the one empty tuple
            forms = self._first_forms[tokens[i]] = tuple((stripped, form) for stripped, form in
                                                         enumerate(strip_proclitics(tokens[i]))
                                                         if form in self.longest_from)
        if not forms:
            return None
        for length in range(min(max(self.longest_from[f] for _, f in forms), len(tokens) - i), 0, -1):
            rest = tuple(tokens[i + 1:i + length])
            for stripped, form in forms:
                etype = self.entries.get((form,) + rest)
                if etype is not None:
                    return length, stripped, etype
        return None

    def save(self, path: Path) -> None:
        rows = sorted([" ".join(key), etype] for key, etype in self.entries.items())
        Path(path).write_text(json.dumps(rows, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Gazetteer":
        """Names as `save` writes them or as a person adds them: each is normalized and split
        into words as the text will be (`word_key`), so diacritics or spacing do not matter."""
        return cls({key: etype for name, etype in json.loads(Path(path).read_text(encoding="utf-8"))
                    if (key := word_key(name))})
