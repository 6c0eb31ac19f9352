"""The string-match baseline: proclitics outside spans, longest match, word boundaries, types, relations."""

import pytest

from train.data.documents import Document, Entity, Relation, load_prediction_file, write_jsonl
from train.evaluate.baseline import StringMatchBaseline


def train_doc(text: str, spans: list[tuple[str, str]], relations=(), doc_id: str = "train") -> Document:
    """A gold document whose entities are the first occurrences of the given strings."""
    ents, cursor = [], 0
    for i, (surface, etype) in enumerate(spans):
        start = text.index(surface, cursor)
        ents.append(Entity(f"T{i + 1}", etype, start, start + len(surface), surface))
        cursor = start + len(surface)
    rels = [Relation(f"R{i + 1}", t, h, tl) for i, (t, h, tl) in enumerate(relations)]
    return Document(doc_id, text, ents, rels)


def found(baseline: StringMatchBaseline, text: str) -> list[tuple[str, str]]:
    doc = baseline.predict([text], ["x"])[0]
    return [(text[e.start:e.end], e.type) for e in doc.entities]


@pytest.fixture
def baseline(schema):
    docs = [train_doc("سيطرت قوات سوريا الديمقراطية على حلب وسوريا", [
        ("قوات سوريا الديمقراطية", "FACTION"), ("حلب", "LOCATION"), ("سوريا", "LOCATION")])]
    return StringMatchBaseline.fit(docs, schema, relation_rule="none")


def test_proclitic_stays_outside_the_span(baseline):
    text = "اشتباكات وبحلب اليوم"
    doc = baseline.predict([text], ["x"])[0]
    assert len(doc.entities) == 1
    entity = doc.entities[0]
    assert (entity.start, entity.end) == (text.index("وبحلب") + 2, text.index("وبحلب") + 5)
    assert entity.text == "حلب" and entity.type == "LOCATION"


def test_one_proclitic_and_diacritics(baseline):
    text = "قصفٌ لِحَلَب"
    assert found(baseline, text) == [("حَلَب", "LOCATION")]


def test_longest_match_wins(baseline):
    text = "تقدمت قوات سوريا الديمقراطية في سوريا"
    assert found(baseline, text) == [("قوات سوريا الديمقراطية", "FACTION"), ("سوريا", "LOCATION")]


def test_longest_entry_beats_its_own_prefix(schema):
    docs = [train_doc("انشق عن الجيش السوري ثم الجيش السوري الحر", [
        ("الجيش السوري", "FACTION"), ("الجيش السوري الحر", "FACTION")])]
    baseline = StringMatchBaseline.fit(docs, schema)
    assert found(baseline, "وقاتل الجيش السوري الحر") == [("الجيش السوري الحر", "FACTION")]


def test_match_ends_at_a_word_boundary(baseline):
    assert found(baseline, "حلبة السباق") == []
    assert found(baseline, "(حلب)") == [("حلب", "LOCATION")]


def test_three_leading_letters_are_not_stripped(baseline):
    # only up to two proclitics: ولبحلب would need three
    assert found(baseline, "ولبحلب") == []


def test_most_frequent_type_wins(schema):
    docs = [train_doc("دمشق تقصف ودمشق تعلن", [("دمشق", "FACTION"), ("دمشق", "FACTION")], doc_id="a"),
            train_doc("في دمشق", [("دمشق", "LOCATION")], doc_id="b")]
    baseline = StringMatchBaseline.fit(docs, schema)
    assert found(baseline, "زار دمشق") == [("دمشق", "FACTION")]


def test_pair_rule_predicts_the_most_frequent_relation_and_direction(schema):
    # LOCATION before FACTION in text, relation stored FACTION -> LOCATION
    docs = [train_doc("في حلب قوات النظام. في حمص قوات النظام", [
        ("حلب", "LOCATION"), ("قوات النظام", "FACTION"), ("حمص", "LOCATION"), ("قوات النظام", "FACTION")],
        [("PRESENT_IN", "T2", "T1"), ("PRESENT_IN", "T4", "T3")])]
    pair = StringMatchBaseline.fit(docs, schema, relation_rule="pair")
    doc = pair.predict(["في حمص قوات النظام. قوات النظام"], ["x"])[0]
    by_id = {e.id: e.text for e in doc.entities}
    assert [(r.type, by_id[r.head], by_id[r.tail]) for r in doc.relations] == [("PRESENT_IN", "قوات النظام", "حمص")]
    none = StringMatchBaseline.fit(docs, schema, relation_rule="none")
    assert none.predict(["في حمص قوات النظام"], ["x"])[0].relations == []


def test_pair_rule_stays_inside_one_sentence(schema):
    docs = [train_doc("قوات النظام في حلب", [("قوات النظام", "FACTION"), ("حلب", "LOCATION")],
                      [("PRESENT_IN", "T1", "T2")])]
    baseline = StringMatchBaseline.fit(docs, schema)
    assert baseline.predict(["قوات النظام هنا. حلب هناك"], ["x"])[0].relations == []


def test_unknown_relation_rule_is_refused(schema):
    with pytest.raises(ValueError, match="relation rule"):
        StringMatchBaseline.fit([], schema, relation_rule="all")


def test_predictions_round_trip_through_a_prediction_file(baseline, tmp_path):
    docs = baseline.predict(["وبحلب قوات سوريا الديمقراطية"], ["x"])
    write_jsonl(docs, tmp_path / "p.jsonl")
    loaded = load_prediction_file(tmp_path / "p.jsonl")
    assert [(e.start, e.end, e.type) for e in loaded[0].entities] == [(e.start, e.end, e.type) for e in docs[0].entities]
