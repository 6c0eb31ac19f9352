"""Characters that change how letters are encoded, not which words are written, change
nothing the model sees: folded before any encoder-specific step, with exact offsets.

Each class is inserted into a seed article; the subword ids the default encoder (and the
AraBERT-style WordPiece path) receives must be those of the clean article, so any model
finds the same entities, and every subword's raw span must still point at its letters.
"""

import unicodedata

import pytest
from conftest import ROOT

from train.align import tokenize_documents
from train.data.documents import Document, Entity
from train.data.normalize import normalize
from train.data.text import word_spans
from train.interop.conll import conll_lines

ARTICLE = (ROOT / "seeds" / "000_b3e4056057f56dd2.txt").read_text(encoding="utf-8")[:1500]


def insert_after_letters(text: str, mark: str, every: int = 7) -> str:
    out = []
    for i, char in enumerate(text):
        out.append(char)
        if i % every == 3 and "\u0621" <= char <= "\u064a":
            out.append(mark)
    return out and "".join(out)


CLASSES = {
    "NFD (hamza as a combining mark)": lambda t: unicodedata.normalize("NFD", t),
    "presentation forms": lambda t: "".join(unicodedata.lookup(f"ARABIC LETTER {unicodedata.name(c)[14:]} ISOLATED FORM")
                                            if _has_isolated(c) else c for c in t),
    "Persian yeh and keheh": lambda t: t.replace("ي", "ی").replace("ك", "ک"),
    "right-to-left marks": lambda t: insert_after_letters(t, "\u200f"),
    "zero-width joiners": lambda t: insert_after_letters(t, "\u200d"),
    "zero-width non-joiners": lambda t: insert_after_letters(t, "\u200c"),
    "tatweel": lambda t: insert_after_letters(t, "\u0640"),
    "byte order mark inside words": lambda t: insert_after_letters(t, "\ufeff"),
}


def _has_isolated(char: str) -> bool:
    name = unicodedata.name(char, "")
    if not name.startswith("ARABIC LETTER "):
        return False
    try:
        unicodedata.lookup(f"{name} ISOLATED FORM")
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def encoders():
    from transformers import AutoTokenizer

    from models.e5_convert import E5_ENCODER_ID, converted_encoder
    from models.encoders import train_wordpiece, with_proclitic_split

    e5 = with_proclitic_split(AutoTokenizer.from_pretrained(converted_encoder(E5_ENCODER_ID)), "وفبكل")
    wordpiece = train_wordpiece([normalize(ARTICLE, "arabert_v02").text], 2000, proclitics="وفبكل")
    return {"fold": e5, "arabert_v02": wordpiece}


@pytest.mark.parametrize("scheme", ["fold", "arabert_v02"])
@pytest.mark.parametrize("name", CLASSES)
def test_inserted_characters_give_the_same_subwords_and_exact_offsets(name, scheme, encoders):
    noisy = CLASSES[name](ARTICLE)
    assert noisy != ARTICLE
    clean_sentences = tokenize_documents([ARTICLE], encoders[scheme], scheme)
    noisy_sentences = tokenize_documents([noisy], encoders[scheme], scheme)
    assert [s.ids for s in noisy_sentences] == [s.ids for s in clean_sentences]
    for clean, dirty in zip(clean_sentences, noisy_sentences):
        for (a, b), (c, d) in zip(clean.spans, dirty.spans):
            assert normalize(noisy[c:d], scheme).text == normalize(ARTICLE[a:b], scheme).text


def test_a_decomposed_hamza_no_longer_loses_idlib():
    assert normalize("مدينة ا\u0655دلب", "fold").text == "مدينة إدلب"
    assert normalize("مدينة ا\u0655دلب").text == "مدينة إدلب"


def test_persian_letters_inside_arabic_words_are_folded():
    text = "هاجم تنظ\u06ccم داعش مواقع قوات سور\u06ccا الد\u06ccمقراط\u06ccة"
    assert normalize(text, "fold").text == "هاجم تنظيم داعش مواقع قوات سوريا الديمقراطية"


def test_a_zero_width_space_separates_words_everywhere():
    text = "في\u200bدير الزور\u200bوالحسكة"
    assert [text[a:b] for a, b in word_spans(text)] == ["في", "دير", "الزور", "والحسكة"]
    doc = Document("z", text, [Entity("T1", "LOCATION", 3, 12, text[3:12]), Entity("T2", "LOCATION", 14, 20, text[14:20])])
    assert conll_lines(doc)[2:] == ["في\tO", "دير\tB-LOCATION", "الزور\tI-LOCATION", "والحسكة\tB-LOCATION", ""]
