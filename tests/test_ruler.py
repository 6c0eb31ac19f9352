"""The entity ruler: how its matches merge with the model's entities, where they land in a
sentence's subwords, and that a saved run's ruler reaches `predict`."""

import json
import shutil

import pytest
from helpers import TEXT, synthetic_document
from robust_helpers import cli, records, saved_tiny_model

from train.align import SentenceTokens
from train.data.documents import Entity
from train.data.gazetteer import Gazetteer
from train.decode import merge_ruler_matches
from train.files import file_sha256
from train.predict.predictor import Predictor
from train.predict.ruler import RULER_FILE, build_ruler, load_ruler, ruler_matches, save_ruler


def span(start, end, etype="FACTION", score=0.9):
    return Entity("", etype, start, end, "x" * (end - start), score), (start, end - 1)


def spans_of(pairs):
    return [(e.start, e.end, e.type, e.score) for e, _ in pairs]


def test_a_match_replaces_the_model_spans_it_contains_and_sets_the_type():
    model = [span(0, 4), span(5, 9, "LOCATION"), span(20, 24)]
    merged = merge_ruler_matches(model, [span(0, 9, "FACTION", None)])
    assert spans_of(merged) == [(0, 9, "FACTION", None), (20, 24, "FACTION", 0.9)]


def test_a_match_on_the_same_span_wins_its_type():
    merged = merge_ruler_matches([span(3, 8, "FACTION")], [span(3, 8, "LOCATION", None)])
    assert spans_of(merged) == [(3, 8, "LOCATION", None)]


def test_a_name_the_model_found_itself_keeps_the_model_s_score_and_the_match_s_subwords():
    model_entity = Entity("", "FACTION", 3, 8, "xxxxx", 0.7)
    merged = merge_ruler_matches([(model_entity, (2, 7))], [span(3, 8, "FACTION", None)])
    assert merged == [(model_entity, (3, 7))]


def test_a_match_that_contains_one_model_span_and_crosses_another_is_dropped():
    model = [span(0, 4), span(8, 14, "LOCATION")]
    assert spans_of(merge_ruler_matches(model, [span(0, 10, "FACTION", None)])) == spans_of(model)


def test_matches_inside_one_longer_model_span_are_dropped():
    model = [span(0, 20)]
    merged = merge_ruler_matches(model, [span(0, 5, "LOCATION", None), span(10, 15, "LOCATION", None)])
    assert spans_of(merged) == spans_of(model)


def test_a_match_is_added_where_the_model_found_nothing_in_text_order():
    merged = merge_ruler_matches([span(10, 14)], [span(0, 4, "LOCATION", None), span(30, 35, "LOCATION", None)])
    assert spans_of(merged) == [(0, 4, "LOCATION", None), (10, 14, "FACTION", 0.9), (30, 35, "LOCATION", None)]


@pytest.mark.parametrize("model_span", [(0, 12), (5, 14)])
def test_a_model_span_reaching_beyond_the_match_is_kept(model_span):
    """Inside a longer model mention (0, 12), or crossing it (5, 14): the model's span stays."""
    merged = merge_ruler_matches([span(*model_span)], [span(3, 9, "LOCATION", None)])
    assert spans_of(merged) == [(*model_span, "FACTION", 0.9)]


def test_matches_land_on_the_subwords_that_cover_them():
    text = "قال إن وقسد في الرقة."
    # subwords: قال | إن | و | قسد | في | ال | رقة | .
    spans = [(0, 3), (4, 6), (7, 8), (8, 11), (12, 14), (15, 17), (17, 20), (20, 21)]
    sentence = SentenceTokens(0, 0, list(range(len(spans))), spans, [0, 1, 2, 2, 3, 4, 4, 5])
    ruler = Gazetteer({("قسد",): "FACTION", ("الرقة",): "LOCATION"})
    found = [(e.text, e.type, e.start, e.end, e.score, rng) for e, rng in ruler_matches(ruler, text, sentence)]
    assert found == [("قسد", "FACTION", 8, 11, None, (3, 3)), ("الرقة", "LOCATION", 15, 20, None, (5, 6))]


def test_ruler_holds_the_training_names_and_round_trips(schema, tmp_path):
    doc = synthetic_document()
    ruler = build_ruler([doc], schema)
    assert ruler.entries == {("قوات", "النظام"): "FACTION", ("حلب",): "LOCATION", ("قسد",): "FACTION",
                             ("الرقة",): "LOCATION", ("داعش",): "FACTION"}
    save_ruler(ruler, tmp_path)
    assert load_ruler(tmp_path, schema.entity_names).entries == ruler.entries
    save_ruler(None, tmp_path / "none")
    assert load_ruler(tmp_path / "none", schema.entity_names) is None


@pytest.mark.parametrize("content, reason", [
    ('[["قسد", "FACTION"], ["حلب"]]', "expected a JSON list of \\[name, entity type\\] pairs"),
    ('{"قسد": "FACTION"}', "expected a JSON list"),
    ('[["قسد", "FACTION"], ["حلب", "CITY"]]', "unknown entity type\\(s\\) 'CITY'; the model's types are FACTION"),
])
def test_a_hand_edited_ruler_file_that_is_wrong_is_named_with_the_reason(schema, tmp_path, content, reason):
    (tmp_path / RULER_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=f"{RULER_FILE}: {reason}"):
        load_ruler(tmp_path, schema.entity_names)


def test_names_added_by_hand_match_whatever_their_diacritics_or_spacing(schema, tmp_path):
    (tmp_path / RULER_FILE).write_text('[["حَلَب", "LOCATION"], ["  قوات   النظام ", "FACTION"]]', encoding="utf-8")
    ruler = load_ruler(tmp_path, schema.entity_names)
    text = "سيطرت قوات النظام على حلب"
    assert [(text[a:b], t) for a, b, t in ruler.match(text)] == [("قوات النظام", "FACTION"), ("حلب", "LOCATION")]


@pytest.fixture(scope="module")
def run_with_ruler(tmp_path_factory, schema):
    """A small untrained model whose folder holds a ruler naming a word of TEXT with a new type."""
    run = saved_tiny_model(schema, tmp_path_factory.mktemp("ruled"))
    Gazetteer({("حلب",): "FACTION"}).save(run / "model" / RULER_FILE)
    return run


def test_predict_uses_the_run_s_ruler_unless_told_not_to(run_with_ruler, tmp_path):
    aleppo = TEXT.index("حلب")
    ruled = Predictor.from_run(run_with_ruler, device="cpu").predict([TEXT])[0]
    assert (aleppo, aleppo + 3, "FACTION", None) in [(e.start, e.end, e.type, e.score) for e in ruled.entities]
    assert not any(e.start < aleppo + 3 and aleppo < e.end and (e.start, e.end) != (aleppo, aleppo + 3)
                   for e in ruled.entities)
    plain = Predictor.from_run(run_with_ruler, device="cpu", entity_ruler=False).predict([TEXT])[0]
    assert not any(e.score is None for e in plain.entities)

    source = tmp_path / "in.txt"
    source.write_text(TEXT, encoding="utf-8")
    for flags, ruled_expected in (([], True), (["--no-entity-ruler"], False)):
        out = tmp_path / f"out{len(flags)}.jsonl"
        result = cli("predict", run_with_ruler, source, "-o", out, "--no-progress", *flags)
        assert result.returncode == 0, result.stderr
        record = records(out)[0]
        assert ({"start": aleppo, "end": aleppo + 3, "type": "FACTION"}.items()
                <= next((e for e in record["entities"] if e["start"] == aleppo), {}).items()) == ruled_expected
        assert record["provenance"].get("entity_ruler_names") == (1 if ruled_expected else None)
        assert (record["provenance"].get("entity_ruler_sha256") == file_sha256(run_with_ruler / "model" / RULER_FILE)
                if ruled_expected else "entity_ruler_sha256" not in record["provenance"])


def test_a_run_without_a_ruler_file_predicts_the_model_s_entities(run_with_ruler, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(run_with_ruler, bare)
    (bare / "model" / RULER_FILE).unlink()
    predictor = Predictor.from_run(bare, device="cpu")
    assert predictor.ruler is None and "entity_ruler_names" not in predictor.provenance
    docs = predictor.predict([TEXT])
    ruled = Predictor.from_run(run_with_ruler, device="cpu").predict([TEXT])
    plain = Predictor.from_run(run_with_ruler, device="cpu", entity_ruler=False).predict([TEXT])
    assert json.dumps([d.to_dict() for d in docs]) == json.dumps([d.to_dict() for d in plain])
    assert json.dumps([d.to_dict() for d in docs]) != json.dumps([d.to_dict() for d in ruled])
