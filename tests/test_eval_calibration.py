"""Calibration (reliability bins, ECE), precision/recall over thresholds, operating points and
`--min-score`, on a constructed example worked out by hand."""

import pytest
from helpers import TEXT, synthetic_document

from train.data.documents import Document, Entity, Relation
from train.evaluate.calibration import THRESHOLDS, calibration, min_score_arguments, reliability
from train.evaluate.report import markdown_report
from train.evaluate.report_html import html_report
from train.evaluate.scoring import score_documents
from train.predict.min_score import apply_min_score, parse_min_score


def scored(eid, etype, start, end, score):
    return Entity(eid, etype, start, end, TEXT[start:end], score)


# gold (helpers.synthetic_document): FACTION 6-17, 28-31, 43-46, 53-57; LOCATION 22-25, 35-40;
# CONTROLS T1->T2, PRESENT_IN T3->T4, HOSTILE_TO T5->T6
PREDICTED = Document("d", None, [
    scored("P1", "FACTION", 6, 17, 0.95),   # right
    scored("P2", "FACTION", 28, 31, 0.92),  # right
    scored("P3", "FACTION", 0, 5, 0.55),    # wrong (سيطرت)
    scored("P4", "LOCATION", 43, 46, 0.15),  # wrong type
    scored("P5", "LOCATION", 22, 25, 0.62),  # right
], [Relation("R1", "CONTROLS", "P1", "P5", 0.8),     # right (gold CONTROLS T1->T2)
    Relation("R2", "PRESENT_IN", "P2", "P4", 0.3)])  # wrong


@pytest.fixture
def section(schema):
    return calibration([synthetic_document("d")], [PREDICTED], schema)


def test_reliability_and_ece_by_hand(section):
    entities = section["entities"]
    assert entities["items"] == 5 and len(entities["reliability"]) == 10
    counts = [row["count"] for row in entities["reliability"]]
    assert counts == [0, 1, 0, 0, 0, 1, 1, 0, 0, 2]
    top = entities["reliability"][9]
    assert top["confidence"] == pytest.approx(0.935) and top["accuracy"] == 1.0
    # (|0 - .15| + |0 - .55| + |1 - .62| + 2 |1 - .935|) / 5
    assert entities["ece"] == pytest.approx((0.15 + 0.55 + 0.38 + 0.13) / 5)
    # relations: .8 right, .3 wrong -> (|1 - .8| + |0 - .3|) / 2
    assert section["relations"]["ece"] == pytest.approx(0.25)
    assert reliability([])[1] is None


def test_precision_recall_over_thresholds_and_operating_points(section):
    faction = {r["threshold"]: r for r in section["entities"]["precision_recall"]["FACTION"]}
    assert [r["threshold"] for r in section["entities"]["precision_recall"]["FACTION"]] == list(THRESHOLDS)
    assert (faction[0.0]["predicted"], faction[0.0]["correct"]) == (3, 2)
    assert faction[0.0]["precision"] == pytest.approx(2 / 3) and faction[0.0]["recall"] == pytest.approx(2 / 4)
    assert faction[0.55]["predicted"] == 3  # kept when score >= threshold
    assert (faction[0.6]["precision"], faction[0.6]["recall"]) == (1.0, 0.5)
    assert section["entities"]["operating_points"] == {"FACTION": 0.6, "LOCATION": 0.2}
    relations = section["relations"]["operating_points"]
    assert relations["CONTROLS"] == 0.0 and relations["PRESENT_IN"] is None and relations["HOSTILE_TO"] is None
    assert min_score_arguments(section) == ["--min-score FACTION=0.6", "--min-score LOCATION=0.2",
                                            "--min-score CONTROLS=0"]


def test_min_score_at_the_operating_points_reaches_the_target(section, schema):
    thresholds = parse_min_score([a.split()[1] for a in min_score_arguments(section)], schema)
    kept = apply_min_score(PREDICTED, thresholds)
    assert [e.id for e in kept.entities] == ["P1", "P2", "P5"]  # .55 FACTION and .15 LOCATION dropped
    assert [r.id for r in kept.relations] == ["R1"]  # R2 lost its argument P4
    per_type = score_documents([synthetic_document("d")], [kept], schema)["ner"]["span"]["per_type"]
    assert per_type["FACTION"]["precision"] == per_type["LOCATION"]["precision"] == 1.0
    # a relation threshold, and one threshold for every type
    assert apply_min_score(PREDICTED, {"CONTROLS": 0.9}).relations == [PREDICTED.relations[1]]
    everything = apply_min_score(PREDICTED, {"*": 0.93})
    assert [e.id for e in everything.entities] == ["P1"] and everything.relations == []
    assert apply_min_score(PREDICTED, None) is PREDICTED


def test_parse_min_score(schema):
    assert parse_min_score(["0.5", "FACTION=0.7", "CONTROLS=0.4"], schema) == {"*": 0.5, "FACTION": 0.7, "CONTROLS": 0.4}
    for bad, message in (("BOGUS=0.3", "unknown type"), ("FACTION=x", "expected a number"), ("1.5", "between 0 and 1")):
        with pytest.raises(ValueError, match=message):
            parse_min_score([bad], schema)


def test_reports_show_calibration(section, schema):
    gold = synthetic_document("d")
    metrics = score_documents([gold], [PREDICTED], schema)
    metrics["calibration"] = section
    text = markdown_report(metrics, [], "t")
    assert "## Calibration and operating points" in text
    assert "entities: lowest threshold with precision ≥ 0.90 on validation: FACTION ≥ 0.60, LOCATION ≥ 0.20" in text
    assert "relations: lowest threshold with precision ≥ 0.90 on validation: CONTROLS ≥ 0.00 (no threshold reaches " \
           "it for PRESENT\\_IN)" in text
    assert "`python -m train predict RUN_DIR INPUT... --min-score FACTION=0.6 --min-score LOCATION=0.2 " \
           "--min-score CONTROLS=0`" in text
    assert "| 0.9–1.0 | 2 | 0.935 | 1.000 |" in text
    page = html_report(metrics, [], schema, "t")
    assert "Reliability, entities" in page and "FACTION P / R (kept)" in page
