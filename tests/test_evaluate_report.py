"""Reports: the RTL HTML page escapes everything and loads nothing; Markdown and text tables."""

import re

import pytest

from train.data.documents import Document, Entity
from train.evaluate.errors import find_errors
from train.evaluate.report import format_comparison, format_table, markdown_report, md_escape, segments
from train.evaluate.report_html import html_report
from train.evaluate.scoring import score_documents

# markup inside an article must show as text, never act as markup
TEXT = 'قصفت <b>قوات</b> النظام حلب & "إدلب".'


@pytest.fixture
def scored(schema):
    start = TEXT.index("حلب")
    gold = Document("doc<&>", TEXT, [Entity("T1", "LOCATION", start, start + 3, "حلب")], [])
    pred = Document("doc<&>", None, [Entity("P1", "FACTION", 5, 16, TEXT[5:16])], [])
    return score_documents([gold], [pred], schema), find_errors([gold], [pred], schema)


def test_html_is_rtl_standalone_and_escaped(scored, schema):
    metrics, errors = scored
    page = html_report(metrics, errors, schema, "title <i>x</i>")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html dir="rtl" lang="ar">' in page
    assert '<meta charset="utf-8">' in page
    assert not re.search(r"<(link|script|img|iframe)\b|src=|href=|url\(|@import", page)
    assert "<b>قوات</b>" not in page and "&lt;b&gt;قوات&lt;/b&gt;" in page
    assert "&amp; &quot;إدلب&quot;" in page
    assert "doc&lt;&amp;&gt;" in page and "doc<&>" not in page
    assert "title &lt;i&gt;x&lt;/i&gt;" in page


def test_html_highlights_gold_and_predicted_spans(scored, schema):
    metrics, errors = scored
    page = html_report(metrics, errors, schema, "t")
    assert f'<mark class="gold" style="background:{schema.color("LOCATION")}">حلب<sub>LOCATION</sub></mark>' in page
    assert '<mark class="predicted"' in page and "&lt;b&gt;قوات&lt;/b&gt;<sub>FACTION</sub></mark>" in page


def test_html_lists_every_error_and_the_tables(scored, schema):
    metrics, errors = scored
    page = html_report(metrics, errors, schema, "t", baseline=metrics)
    assert page.count('<div class="error">') == len(errors) == 2  # one spurious, one missed
    for name in schema.entity_names:
        assert f"<th>{name}</th>" in page
    assert "Model vs baseline" in page and "confusion" in page


def test_markdown_report(scored):
    metrics, errors = scored
    text = markdown_report(metrics, errors, "run", baseline=metrics)
    assert "## Model vs baseline" in text
    assert "| FACTION |" in text and "| SPURIOUS |" in text
    assert "**missed**" in text and "**spurious**" in text
    assert "\\<b\\>" in text  # escaped markup of the sentence
    assert "**⟦حلب⟧**<sub>LOCATION</sub>" in text


def test_text_table_has_headline_rows_per_type(scored, schema):
    metrics, _ = scored
    table = format_table(metrics)
    for name in schema.entity_names:
        assert re.search(rf"^\s+{name}\s", table, re.M)
    assert "relations, end to end" in table and "seqeval" in table and "lenient" in table
    comparison = format_comparison(metrics, metrics)
    assert "model" in comparison and "+0.000" in comparison


def test_the_model_alone_is_compared_with_the_baseline_s_spans(schema):
    start = TEXT.index("حلب")
    gold = Document("d", TEXT, [Entity("T1", "LOCATION", start, start + 3, "حلب")], [])
    right = Document("d", None, [Entity("P1", "LOCATION", start, start + 3, "حلب")], [])
    wrong = Document("d", None, [Entity("P1", "FACTION", start, start + 3, "حلب")], [])
    model = score_documents([gold], [right], schema, draws=0, model_alone=[wrong])
    baseline = score_documents([gold], [right], schema, draws=0)
    assert model["ner"]["model_alone"]["micro"]["f1"] == 0.0 and model["ner"]["span"]["micro"]["f1"] == 1.0
    text = format_comparison(model, baseline, detailed=False)
    row = next(line for line in text.splitlines() if line.startswith("entities, strict char span, the model without"))
    assert row.split()[-3:] == ["0.000", "1.000", "-1.000"]


def test_md_escape_and_segments():
    assert md_escape("a|b*c\nd") == "a\\|b\\*c d"
    spans = [{"start": 12, "end": 15}, {"start": 13, "end": 14}, {"start": 16, "end": 18}]
    # the span inside an earlier one is skipped; offsets are relative to sentence_start 10
    assert segments("abcdefghij", 10, spans) == [("ab", None), ("cde", spans[0]), ("f", None),
                                                  ("gh", spans[2]), ("ij", None)]
