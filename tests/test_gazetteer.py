"""The gazetteer feature: name lists, tags per subword, leave-one-out tagging of training
documents, and the list travelling with the model."""

import pytest

from train.align import span_tags
from train.data.documents import Document, Entity
from train.data.gazetteer import Gazetteer
from train.data.places import arabic_place_names
from train.fit.build import build_gazetteers
from train.fit.checkpoint import save_model
from train.predict.predictor import Predictor

from helpers import TEXT, synthetic_document, tiny_config, tiny_model


def test_span_tags_mark_the_first_subword_b_and_the_rest_i(schema):
    # subwords: "قوات" [0,4) "النظام" [5,11) "في" [12,14) "حلب" [15,18)
    spans = [(0, 4), (5, 11), (12, 14), (15, 18)]
    bio = schema.bio_labels
    tags = span_tags(spans, [(0, 11, "FACTION"), (15, 18, "LOCATION"), (40, 45, "LOCATION")], bio)
    assert [bio[t] for t in tags] == ["B-FACTION", "I-FACTION", "O", "B-LOCATION"]


def test_training_documents_are_tagged_with_the_other_documents_names(schema):
    a = Document("a", "هاجم داعش مدينة حلب", [Entity("T1", "FACTION", 5, 9, "داعش"), Entity("T2", "LOCATION", 16, 19, "حلب")], [])
    b = Document("b", "قسد في الرقة", [Entity("T1", "FACTION", 0, 3, "قسد"), Entity("T2", "LOCATION", 7, 12, "الرقة")], [])
    full, per_doc = build_gazetteers(tiny_config("--model.gazetteer_dim=8"), schema, [a, b])
    assert full.match(a.text) == [(5, 9, "FACTION"), (16, 19, "LOCATION")]
    assert per_doc[0].match(a.text) == []  # a's own names are not in a's list
    assert per_doc[0].match(b.text) == [(0, 3, "FACTION"), (7, 12, "LOCATION")]
    assert build_gazetteers(tiny_config(), schema, [a, b]) == (None, None)


def test_place_names_come_from_geonames_in_the_arabic_alphabet(schema):
    names = set(arabic_place_names())
    assert {"حلب", "حمص", "دير الزور", "الرقة", "منبج", "عفرين", "بغداد", "بيروت"} <= names
    assert not any(c in name for name in names for c in "ەێہےھۆڵچپگکی")
    _, per_doc = build_gazetteers(tiny_config("--model.gazetteer_dim=8", "--model.gazetteer_places=true"), schema,
                                  [synthetic_document()])
    assert per_doc[0].match("وصلوا إلى منبج") == [(10, 14, "LOCATION")]


def test_a_model_with_a_gazetteer_saves_and_reloads_it(schema, tmp_path):
    doc = synthetic_document()
    model, tokenizer = tiny_model(schema, [doc], "--model.gazetteer_dim=8")
    assert model.token_head.in_features == model.encoder.config.hidden_size + 8
    gazetteer = Gazetteer.from_documents([doc], schema)
    with pytest.raises(ValueError, match="gazetteer"):
        Predictor(model, tokenizer)
    before = Predictor(model, tokenizer, gazetteer=gazetteer).predict([TEXT])
    save_model(model, tokenizer, tmp_path / "model", gazetteer)
    reloaded = Predictor.from_run(tmp_path / "model", device="cpu")
    assert reloaded.gazetteer.entries == gazetteer.entries
    assert [d.to_dict() for d in reloaded.predict([TEXT])] == [d.to_dict() for d in before]
