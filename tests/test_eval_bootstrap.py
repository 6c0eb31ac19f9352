"""Document-bootstrap intervals and paired differences, checked against hand computation.

The hand case: three documents with known micro counts (tp, predicted, gold). Resampling
three documents with replacement has 3**3 = 27 equally likely ordered outcomes; the test
enumerates them with its own arithmetic (F1 = 2 tp / (predicted + gold)) and compares the
implementation's draws and interval with that exact distribution.
"""

import itertools
import json
from collections import Counter
from fractions import Fraction

import pytest
from conftest import ROOT

from train.cli import main
from train.data.documents import Document, load_annotations, write_jsonl
from train.evaluate.baseline import StringMatchBaseline
from train.evaluate.bootstrap import document_intervals, f1_distribution, micro_figures, paired_differences
from train.evaluate.report import NOISE, format_comparison, format_table, markdown_report
from train.evaluate.scoring import score_documents
from train.evaluate.words import seqeval_block

# (tp, predicted, gold) of documents A, B and C
HAND = [(2, 3, 2), (0, 1, 2), (1, 1, 3)]


def exact_distribution(docs):
    """F1 value -> probability over the 27 resamples, by plain enumeration."""
    dist = Counter()
    for picks in itertools.product(range(len(docs)), repeat=len(docs)):
        tp = sum(docs[i][0] for i in picks)
        denominator = sum(docs[i][1] + docs[i][2] for i in picks)
        dist[Fraction(2 * tp, denominator) if denominator else Fraction(0)] += Fraction(1, len(docs) ** len(docs))
    return dist


def test_exact_distribution_by_hand():
    dist = exact_distribution(HAND)
    assert sum(dist.values()) == 1
    # worked out by hand: BBB has tp 0 (F1 0); AAA: 2*6 / (9 + 6) = 0.8, the largest; CCC: 6 / 12
    assert dist[Fraction(0)] == Fraction(1, 27)
    assert max(dist) == Fraction(4, 5) and dist[Fraction(4, 5)] == Fraction(1, 27)
    assert dist[Fraction(1, 2)] == Fraction(1, 27) + Fraction(6, 27)  # CCC, and ABC in its 6 orders: 2*3/(5+7)


def test_bootstrap_draws_follow_the_exact_distribution():
    exact = exact_distribution(HAND)
    draws = f1_distribution(HAND, draws=20000, seed=1)
    assert len(draws) == 20000
    seen = Counter(round(float(v), 9) for v in draws)
    support = {round(float(v), 9): p for v, p in exact.items()}
    assert set(seen) <= set(support)  # every draw is one of the 27 resamples' F1
    for value, probability in support.items():
        assert seen[value] / len(draws) == pytest.approx(float(probability), abs=0.012), value


def test_interval_bounds_are_the_exact_percentiles():
    # Each extreme (BBB: 0.0, AAA: 0.8) has probability 1/27 > 2.5%, so the exact 2.5th and
    # 97.5th percentiles are the smallest and the largest resample F1: [0.0, 0.8].
    interval = document_intervals({"ner.span": HAND}, draws=5000, seed=3)["ner.span"]
    assert interval["f1"] == [0.0, pytest.approx(0.8)]
    assert interval["documents"] == 3 and interval["draws"] == 5000 and interval["confidence"] == 0.95
    # precision: BBB gives 0/3, CCC 3/3; and F1 again with the default 1,000 draws
    assert interval["precision"] == [0.0, 1.0]
    assert document_intervals({"ner.span": HAND})["ner.span"]["f1"] == [0.0, pytest.approx(0.8)]


def test_micro_figures_follow_the_prf_conventions():
    assert micro_figures([0, 0, 0]).tolist() == [0.0, 0.0, 0.0]
    assert micro_figures([1, 2, 4]).tolist() == pytest.approx([0.5, 0.25, 1 / 3])


def test_fewer_than_two_documents_give_no_interval():
    interval = document_intervals({"ner.span": [(1, 2, 3)]})["ner.span"]
    assert interval["f1"] is None and interval["note"] == "fewer than two documents to resample"


@pytest.fixture(scope="module")
def seed_metrics(gold_docs, schema):
    """The string-match baseline on the five first seeds (fitted on three of them)."""
    predicted = StringMatchBaseline.fit(gold_docs[:3], schema).predict_documents(gold_docs)
    return predicted, score_documents(gold_docs, predicted, schema)


def test_per_document_counts_sum_to_the_micro_figures(seed_metrics, gold_docs):
    _, metrics = seed_metrics
    per_document = metrics["per_document"]
    assert per_document["ids"] == [d.id for d in gold_docs]
    for path, counts in per_document["counts"].items():
        section, key = path.split(".")
        micro = metrics[section][key]["micro"]
        tp, predicted, gold = (sum(c[i] for c in counts) for i in range(3))
        assert micro_figures([tp, predicted, gold]).tolist() == pytest.approx(
            [micro["precision"], micro["recall"], micro["f1"]]), path
        assert gold == micro["support"], path
        interval = metrics[section][key]["interval"]
        assert list(metrics[section][key])[:2] == ["micro", "interval"]  # beside micro
        assert interval["f1"][0] <= micro["f1"] <= interval["f1"][1], path


def test_interval_narrows_when_every_document_is_duplicated(seed_metrics, gold_docs, schema):
    predicted, metrics = seed_metrics
    copy = lambda d, suffix: Document(d.id + suffix, d.text, d.entities, d.relations)  # noqa: E731
    doubled = score_documents(gold_docs + [copy(d, "_2") for d in gold_docs],
                              predicted + [copy(d, "_2") for d in predicted], schema)
    for path in ("ner.span", "ner.seqeval", "ner.lenient", "relations.end_to_end"):
        section, key = path.split(".")
        single, double = metrics[section][key], doubled[section][key]
        assert double["micro"]["f1"] == pytest.approx(single["micro"]["f1"])  # same point estimate
        width = lambda block: block["interval"]["f1"][1] - block["interval"]["f1"][0]  # noqa: E731
        assert 0 < width(double) < width(single), path


def test_seqeval_counts_match_seqeval_itself(seed_metrics, schema, gold_docs):
    from train.evaluate.pairing import entity_span
    from train.evaluate.words import sentence_tags

    predicted, metrics = seed_metrics
    gold_tags, pred_tags = [], []
    for gold, pred in zip(gold_docs, predicted):
        g, p = sentence_tags(gold.text, sorted({entity_span(e) for e in gold.entities}),
                             sorted({entity_span(e) for e in pred.entities}))
        gold_tags += g
        pred_tags += p
    micro = seqeval_block(gold_tags, pred_tags, schema.entity_names)["micro"]
    counts = metrics["per_document"]["counts"]["ner.seqeval"]
    assert micro_figures([sum(c[i] for c in counts) for i in range(3)]).tolist() == pytest.approx(
        [micro["precision"], micro["recall"], micro["f1"]])


def test_paired_difference_by_hand():
    # A is right where B is wrong on document 1, and the reverse on document 2: on every
    # resample F1(A) - F1(B) = (n1 - n2) / 3, symmetric around 0, so the interval holds 0.
    a = {"ner.span": [(1, 1, 1), (1, 1, 1), (0, 1, 1)]}
    b = {"ner.span": [(1, 1, 1), (0, 1, 1), (1, 1, 1)]}
    found = paired_differences(a, b, draws=5000, seed=0)["ner.span"]
    assert found["difference"] == 0.0 and found["a"] == found["b"] == pytest.approx(2 / 3)
    # extremes: doc 1 three times (+1) or doc 2 three times (-1), each 1/27 > 2.5%
    assert found["interval"] == [pytest.approx(-1.0), pytest.approx(1.0)]
    assert found["distinguishable"] is False
    # A right and B wrong on every document: every resample gives +1
    worse = paired_differences({"ner.span": [(1, 1, 1)] * 3}, {"ner.span": [(0, 1, 1)] * 3}, draws=200)["ner.span"]
    assert worse["interval"] == [1.0, 1.0] and worse["distinguishable"] is True


def test_model_vs_baseline_report_says_when_it_is_noise(seed_metrics, gold_docs, schema):
    predicted, metrics = seed_metrics
    text = format_comparison(metrics, metrics)
    assert "score the same on every document" in text
    worse = [Document(d.id, None, d.entities[: len(d.entities) // 2], []) for d in predicted]
    other = score_documents(gold_docs, worse, schema)
    text = format_comparison(metrics, other)
    assert "95% CI of diff" in text and "paired document bootstrap" in text
    table = format_table(metrics)
    span = metrics["ner"]["span"]
    lo, hi = span["interval"]["f1"]
    assert f"{span['micro']['f1']:.3f} [{lo:.2f}, {hi:.2f}]" in table  # 0.612 [0.55, 0.67]
    assert f"| micro | {span['micro']['precision']:.3f} | {span['micro']['recall']:.3f} | " \
           f"{span['micro']['f1']:.3f} [{lo:.2f}, {hi:.2f}] |" in markdown_report(metrics, [], "t", other)


def test_evaluate_two_prediction_files(tmp_path, capsys):
    fixture = ROOT / "tests" / "fixtures" / "evaluate" / "annotations"
    gold = load_annotations(fixture)
    # A misses one entity of eval_a, B one of eval_b; both are right on eval_c
    drop_in = lambda d, doc_id: Document(d.id, None, d.entities[1:] if d.id == doc_id else d.entities, [])  # noqa: E731
    write_jsonl([drop_in(d, "eval_a") for d in gold], tmp_path / "a.jsonl")
    write_jsonl([drop_in(d, "eval_b") for d in gold], tmp_path / "b.jsonl")
    out = tmp_path / "out"
    assert main(["evaluate", "--gold", str(fixture), "--pred", str(tmp_path / "a.jsonl"),
                 "--pred", str(tmp_path / "b.jsonl"), "--out", str(out), "--draws", "500"]) == 0
    printed = capsys.readouterr().out
    assert "a.jsonl vs b.jsonl on the same 3 documents" in printed
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    span = metrics["comparison"]["blocks"]["ner.span"]
    assert span["interval"][0] < 0 < span["interval"][1] and span["distinguishable"] is False
    assert f"entities, strict char span: a.jsonl {span['a']:.3f} vs b.jsonl {span['b']:.3f}" in printed
    assert NOISE in printed
    assert metrics["ner"]["span"]["interval"]["draws"] == 500
    assert json.loads((out / "metrics_compare.json").read_text(encoding="utf-8"))["counts"]["documents"] == 3
    assert "## a.jsonl vs b.jsonl" in (out / "report.md").read_text(encoding="utf-8")
    assert NOISE in (out / "report.html").read_text(encoding="utf-8")
    # --compare is the same as a second --pred
    assert main(["evaluate", "--gold", str(fixture), "--pred", str(tmp_path / "a.jsonl"),
                 "--compare", str(tmp_path / "b.jsonl"), "--out", str(tmp_path / "out2"), "--draws", "500"]) == 0
    again = json.loads((tmp_path / "out2" / "metrics.json").read_text(encoding="utf-8"))
    assert again["comparison"] == metrics["comparison"]
