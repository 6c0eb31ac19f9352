"""Scores per source (outlet): a constructed two-outlet example worked out by hand, and the
outlet of corpus articles read from seeds/SOURCES.yaml when the document has none."""

import pytest
from helpers import TEXT, synthetic_document

from train.data.documents import Document, Entity, document_from_dict
from train.evaluate.errors import find_errors
from train.evaluate.outlets import document_origin, per_source
from train.evaluate.report import format_table, markdown_report
from train.evaluate.report_html import html_report
from train.evaluate.scoring import score_documents

CORPUS_ID = "005_ant-alarabia-internationalnews-29-20180217"  # listed in seeds/SOURCES.yaml


def gold(doc_id, outlet=None, date=None):
    doc = synthetic_document(doc_id)  # 6 entities, 3 relations
    doc.outlet, doc.date = outlet, date
    return doc


def prediction(doc_id, entities):
    return Document(doc_id, None, entities, [])


@pytest.fixture
def two_outlets(schema):
    ents = synthetic_document().entities
    wrong_type = Entity("P1", "LOCATION", ents[0].start, ents[0].end, ents[0].text)
    golds = [gold("a1", "Outlet A", "2018-01-02"), gold("a2", "Outlet A", "2018-03-04"),
             gold("b1", "Outlet B", "2019-05-06"), gold(CORPUS_ID)]
    preds = [prediction("a1", ents),               # 6 right of 6
             prediction("a2", ents[:3]),           # 3 right of 6
             prediction("b1", [wrong_type, ents[1]]),  # 1 right (حلب), 1 wrong type
             prediction(CORPUS_ID, ents)]          # 6 right of 6
    return golds, preds, score_documents(golds, preds, schema)


def test_outlet_comes_from_the_document_or_sources_yaml():
    assert document_origin(gold(CORPUS_ID)) == ("Al Arabiya", "2018-02-17")
    assert document_origin(gold(CORPUS_ID, "Own outlet", "2020-01-01")) == ("Own outlet", "2020-01-01")
    assert document_origin(gold("not-listed")) == (None, None)
    record = {"id": "x", "text": TEXT, "source": "Enab Baladi", "date": "2017-12-17", "entities": []}
    assert document_origin(document_from_dict(record, "test")) == ("Enab Baladi", "2017-12-17")


def test_per_source_scores_by_hand(two_outlets):
    _, _, metrics = two_outlets
    by_source = metrics["per_source"]
    assert list(by_source) == ["Al Arabiya", "Outlet A", "Outlet B"]
    a, b = by_source["Outlet A"], by_source["Outlet B"]
    assert a["documents"] == 2 and a["ids"] == ["a1", "a2"] and a["dates"] == ["2018-01-02", "2018-03-04"]
    # Outlet A: 9 correct of 9 predicted, 12 gold -> P 1, R 3/4, F1 6/7
    assert (a["ner.span"]["tp"], a["ner.span"]["predicted"], a["ner.span"]["support"]) == (9, 9, 12)
    assert a["ner.span"]["f1"] == pytest.approx(6 / 7)
    # Outlet B: 1 correct of 2 predicted, 6 gold -> P 1/2, R 1/6, F1 1/4
    span = b["ner.span"]
    assert (span["precision"], span["recall"], span["f1"]) == pytest.approx((1 / 2, 1 / 6, 1 / 4))
    # lenient: the wrong-type span does not count either (same type required)
    assert b["ner.lenient"]["f1"] == pytest.approx(1 / 4)
    # the corpus article, outlet from SOURCES.yaml: everything right
    assert by_source["Al Arabiya"]["ner.span"]["f1"] == 1.0 and by_source["Al Arabiya"]["dates"] == ["2018-02-17"] * 2
    # no relation predicted anywhere: 3 gold relations per document, none found
    assert a["relations.end_to_end"]["support"] == 6 and a["relations.end_to_end"]["f1"] == 0.0
    # the sources add up to the whole
    assert sum(s["ner.span"]["tp"] for s in by_source.values()) == metrics["ner"]["span"]["micro"]["tp"] == 9 + 1 + 6


def test_reports_show_the_per_source_table(two_outlets, schema):
    golds, preds, metrics = two_outlets
    table = format_table(metrics)
    assert "micro F1 per source" in table
    row = next(line for line in table.splitlines() if line.strip().startswith("Outlet B"))
    assert row.split()[2:5] == ["1", "2019-05-06", "0.250"]  # documents, date, strict span F1
    markdown = markdown_report(metrics, find_errors(golds, preds, schema), "t")
    assert "## Micro F1 per source" in markdown
    assert "| Outlet A | 2 | 2018-01-02..2018-03-04 | 0.857 |" in markdown
    page = html_report(metrics, [], schema, "t")
    assert "Micro F1 per source" in page and "<th>Outlet B</th>" in page


def test_one_source_gives_no_breakdown(schema):
    golds = [gold("a1", "Outlet A"), gold("a2", "Outlet A")]
    metrics = score_documents(golds, golds, schema)
    assert "per_source" not in metrics
    assert per_source(metrics["per_document"], ["ner.span"]) is None
    assert "per source" not in format_table(metrics)
