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


def test_punctuation_pieces_end_an_entity_even_when_the_model_tags_them():
    import torch

    from train.decode import decode_tags, punctuation_only

    labels = ["O", "B-FACTION", "I-FACTION", "B-LOCATION", "I-LOCATION"]
    text = "قوات سوريا الديمقراطية (قسد) في جرابلس، الباب"
    #        subwords: قوات سوريا الديمقراطية ▁( قسد ) في جرابلس ، الباب
    spans = [(0, 4), (5, 10), (11, 22), (23, 24), (24, 27), (27, 28), (29, 31), (32, 38), (38, 39), (40, 45)]
    words = [0, 1, 2, 3, 3, 3, 4, 5, 5, 6]
    tags = ["B-FACTION", "I-FACTION", "I-FACTION", "I-FACTION", "I-FACTION", "I-FACTION", "O",
            "B-LOCATION", "I-LOCATION", "I-LOCATION"]
    probs = torch.nn.functional.one_hot(torch.tensor([labels.index(t) for t in tags]), len(labels)).float()
    punct = punctuation_only(text, spans)
    assert punct == [False, False, False, True, False, True, False, False, True, False]
    spans_found = [(a, b, t) for a, b, t, _ in decode_tags(*probs.max(dim=-1), labels, words, punct)]
    assert spans_found == [(0, 2, "FACTION"), (4, 4, "FACTION"), (7, 7, "LOCATION"), (9, 9, "LOCATION")]
