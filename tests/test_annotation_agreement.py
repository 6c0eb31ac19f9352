"""Agreement of the two independent annotation passes on articles 005-029, before adjudication."""

from conftest import ROOT

from train.data.documents import load_annotations
from train.evaluate.scoring import score_documents

PASSES = ROOT / "annotations" / "passes"


def test_the_two_passes_agree_as_the_readme_reports(schema):
    first, second = (load_annotations(PASSES / name) for name in ("a", "b"))
    assert [d.id for d in first] == [d.id for d in second] and len(first) == 25
    for doc in first:
        doc.text = None  # a prediction file shape: the texts are the gold's
    metrics = score_documents(second, first, schema)
    entity_f1 = metrics["ner"]["span"]["micro"]["f1"]
    relation_f1 = metrics["relations"]["end_to_end"]["micro"]["f1"]
    # the bar: entity F1 >= 0.90 and relation F1 >= 0.70 before adjudication
    assert entity_f1 >= 0.90 and relation_f1 >= 0.70
