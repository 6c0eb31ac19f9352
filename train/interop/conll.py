"""CoNLL export: one `word<TAB>TAG` line per word, a blank line after each sentence.

Sentences and words are the dataset's own (`sentence_spans`, `word_spans`) and tags come
from the dataset's `word_tags`, so the file agrees with the word-level seqeval scores:
a word only partly covered by an entity (a proclitic fused to a name, وقسد) takes its tag.
Each document starts with a `-DOCSTART-<TAB>O` line and a blank line, as in CoNLL-2003.
"""

from __future__ import annotations

from pathlib import Path

from ..data.documents import Document
from ..data.tagging import word_tags
from ..data.text import sentence_spans, word_spans

DOCSTART = "-DOCSTART-\tO"


def sentence_rows(text: str, start: int, end: int, doc: Document) -> list[str]:
    sentence = text[start:end]
    words = word_spans(sentence)
    # Entities are clipped to the sentence: a predicted span over a boundary still tags its words.
    local = [(max(e.start, start) - start, min(e.end, end) - start, e.type)
             for e in doc.entities if e.start < end and start < e.end]
    tags, _ = word_tags(words, local)
    return [f"{sentence[a:b]}\t{tag}" for (a, b), tag in zip(words, tags)]


def conll_lines(doc: Document) -> list[str]:
    text = doc.text or ""
    lines = [DOCSTART, ""]
    for start, end in sentence_spans(text):
        lines += sentence_rows(text, start, end, doc) + [""]
    return lines


def write_conll(docs: list[Document], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for doc in docs for line in conll_lines(doc)), encoding="utf-8")
    return out
