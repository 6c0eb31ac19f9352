"""Decoding details that the guideline's span rules decide."""

import pytest

from train.decode import trim_span


@pytest.mark.parametrize("raw, expected", [
    ("و(قسد)", "قسد"),                 # proclitic, bracket, name, bracket
    ("و”هيئة تحرير الشام”", "هيئة تحرير الشام"),
    ("«داعش»،", "داعش"),
    ("وب«الرقة", "الرقة"),             # two proclitics before a quote
    ("ولبنان", "ولبنان"),              # no punctuation after the letter: a word, left alone
    (" حلب ", "حلب"),
])
def test_trim_span_drops_edges_and_a_proclitic_cut_off_by_punctuation(raw, expected):
    start, end = trim_span(raw, 0, len(raw))
    assert raw[start:end] == expected
