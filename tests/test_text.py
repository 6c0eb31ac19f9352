"""Normalization keeps a map to raw offsets; sentences and words follow the guideline."""

import pytest

from train.data.normalize import normalize
from train.data.text import sentence_spans, strip_proclitics, word_spans

HARD_TEXTS = [
    "قوّاتُ النظـــام في «دير الزور»",
    "line one\r\nقسد\r\n",
    "😀 داعش 👍🏽 في الرقة",
    "The SDF (قسد) entered Raqqa",
    "١٧ ديسمبر ٢٠١٧ و2017م",
    "https://example.com/a?b=1 قوات النظام",
]


@pytest.mark.parametrize("raw", HARD_TEXTS)
def test_every_normalized_word_maps_back_to_raw_text(raw):
    norm = normalize(raw)
    assert len(norm.raw_starts) == len(norm.text) == len(norm.raw_ends)
    for start, end in word_spans(norm.text):
        raw_start, raw_end = norm.raw_span(start, end)
        assert 0 <= raw_start < raw_end <= len(raw)


def test_diacritics_and_tatweel_are_removed_but_kept_in_the_raw_span():
    raw = "قوّاتُ النظـــام"
    norm = normalize(raw)
    assert norm.text == "قوات النظام"
    assert raw[slice(*norm.raw_span(0, 4))] == "قوّاتُ"  # trailing damma stays with its word
    assert raw[slice(*norm.raw_span(5, 11))] == "النظـــام"


def test_digits_are_mapped_and_split_from_letters():
    norm = normalize("١٧ و2017م")
    assert norm.text == "17 و 2017 م"
    assert norm.raw_span(0, 2) == (0, 2)


def test_characters_outside_arabert_alphabet_become_spaces():
    norm = normalize("é😀x")
    assert norm.text == "  x"
    assert norm.raw_span(2, 3) == (2, 3)


def test_normalization_matches_arabert_preprocessor_on_the_seeds():
    arabert = pytest.importorskip("arabert.preprocess", reason="arabert (dev extra) not installed")
    from conftest import ROOT
    from tokenizers.pre_tokenizers import BertPreTokenizer

    prep = arabert.ArabertPreprocessor("bert-base-arabertv02")
    split = BertPreTokenizer().pre_tokenize_str
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        ours = [w for w, _ in split(normalize(raw).text)]
        theirs = [w for w, _ in split(prep.preprocess(raw))]
        assert ours == theirs, path.name


def test_sentence_rule():
    text = "أولى. ثانية.. ثالثة\n\nرابعة 3.5 هنا؟ خامسة"
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["أولى.", "ثانية..", "ثالثة", "رابعة 3.5 هنا؟", "خامسة"]


def test_words_split_on_arabic_punctuation():
    text = "«قسد»، و(التحالف)؛ هل؟"
    assert [text[s:e] for s, e in word_spans(text)] == ["«", "قسد", "»", "،", "و", "(", "التحالف", ")", "؛", "هل", "؟"]


def test_proclitic_forms():
    assert strip_proclitics("وبريف") == ["وبريف", "بريف", "ريف"]
    assert strip_proclitics("قسد") == ["قسد"]
