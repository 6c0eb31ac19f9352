"""Name lists: the training split's names (the baseline's lexicon) and GeoNames place names."""

import train.data.gazetteer as gazetteer_module
from train.data.documents import Document, Entity
from train.data.gazetteer import Gazetteer
from train.data.places import arabic_place_names


def test_a_gazetteer_of_documents_finds_their_names_again(schema):
    a = Document("a", "هاجم داعش مدينة حلب", [Entity("T1", "FACTION", 5, 9, "داعش"), Entity("T2", "LOCATION", 16, 19, "حلب")], [])
    gazetteer = Gazetteer.from_documents([a], schema)
    assert gazetteer.match("وصل داعش إلى حلب. ثم بحلب") == [(4, 8, "FACTION"), (13, 16, "LOCATION"), (22, 25, "LOCATION")]


def test_place_names_come_from_geonames_in_the_arabic_alphabet(schema):
    names = set(arabic_place_names())
    assert {"حلب", "حمص", "دير الزور", "الرقة", "منبج", "عفرين", "بغداد", "بيروت"} <= names
    assert not any(c in name for name in names for c in "ەێہےھۆڵچپگکی")
    places = Gazetteer.from_names(arabic_place_names(), schema.place_type)
    assert places.match("وصلوا إلى منبج") == [(10, 14, "LOCATION")]


def test_words_remembered_between_sentences_match_as_they_did_the_first_time(schema, monkeypatch):
    a = Document("a", "هاجم داعش مدينة حلب", [Entity("T1", "FACTION", 5, 9, "داعش"), Entity("T2", "LOCATION", 16, 19, "حلب")], [])
    text = "وصل داعش إلى حلب. ثم بحلب وداعش. لا شيء هنا. حلب حلب"
    expected = [(4, 8, "FACTION"), (13, 16, "LOCATION"), (22, 25, "LOCATION"), (27, 31, "FACTION"),
                (45, 48, "LOCATION"), (49, 52, "LOCATION")]
    gazetteer = Gazetteer.from_documents([a], schema)
    assert gazetteer.match(text) == expected
    assert gazetteer.match(text) == expected  # every word now remembered
    monkeypatch.setattr(gazetteer_module, "FIRST_FORMS_KEPT", 2)  # starts afresh every other word
    forgetful = Gazetteer.from_documents([a], schema)
    assert forgetful.match(text) == expected and forgetful.match(text) == expected
    assert len(forgetful._first_forms) <= 2 < len(gazetteer._first_forms)
