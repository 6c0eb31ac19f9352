"""`cv`: per-fold paired differences model - baseline, their mean and a paired t-interval over
folds, in cv.json and on screen (the folds' training is replaced by fixed numbers)."""

import json

import pytest
from conftest import ROOT

import train.fit.cv as cv
from train.cli import main
from train.fit.cv import HEADLINE, paired_differences

T_975_2 = 4.302652729911275  # Student t, 97.5th percentile, 2 degrees of freedom (from tables)


def fake_metrics(f1s: dict[str, float]) -> dict:
    """Just enough of a metrics dict for the headline paths: BLOCK.micro.f1."""
    metrics: dict = {}
    for name, path in HEADLINE.items():
        section, block = path.split(".")[:2]
        metrics.setdefault(section, {})[block] = {"micro": {"f1": f1s.get(name, 0.5)}}
    return metrics


# fold -> (model, baseline) micro F1 of entity spans and of end-to-end relations
FOLDS = [({"ent span": 0.6, "rel e2e": 0.40}, {"ent span": 0.5, "rel e2e": 0.10}),
         ({"ent span": 0.7, "rel e2e": 0.42}, {"ent span": 0.5, "rel e2e": 0.10}),
         ({"ent span": 0.8, "rel e2e": 0.41}, {"ent span": 0.5, "rel e2e": 0.10})]


def test_paired_t_interval_by_hand():
    rows = [{"a": m["ent span"], "b": m["rel e2e"]} for m, _ in FOLDS]
    base = [{"a": b["ent span"], "b": b["rel e2e"]} for _, b in FOLDS]
    found = paired_differences(rows, base)
    assert [d["a"] for d in found["per_fold"]] == pytest.approx([0.1, 0.2, 0.3])
    # differences 0.1, 0.2, 0.3: mean 0.2, sd 0.1 -> 0.2 ± 4.3027 * 0.1 / sqrt(3)
    half = T_975_2 * 0.1 / 3 ** 0.5
    assert found["mean"]["a"] == pytest.approx(0.2)
    assert found["interval"]["a"] == pytest.approx([0.2 - half, 0.2 + half])
    # differences 0.30, 0.32, 0.31: mean 0.31, sd 0.01
    assert found["interval"]["b"] == pytest.approx([0.31 - T_975_2 * 0.01 / 3 ** 0.5, 0.31 + T_975_2 * 0.01 / 3 ** 0.5])
    assert found["not_distinguishable_from_noise"] == ["a"]  # [-0.048, 0.448] holds 0; b's does not
    assert "t-interval over 3 folds" in found["method"]


def test_a_system_without_an_entity_ruler_has_its_span_f1_as_its_model_alone_figure():
    ruled = fake_metrics({"ent span": 0.8, "ent alone": 0.7})
    plain = fake_metrics({"ent span": 0.6})
    del plain["ner"]["model_alone"]
    assert list(cv.fold_headline(ruled)) == ["ent span", "ent seqeval", "ent lenient", "ent alone", "rel gold-ent", "rel e2e"]
    assert (cv.fold_headline(ruled)["ent alone"], cv.fold_headline(plain)["ent alone"]) == (0.7, 0.6)


def test_cv_writes_paired_differences(tmp_path, monkeypatch, capsys):
    folds = iter(FOLDS)

    def fake_fold(config_path, overrides, split, out_dir, schema):
        model, baseline = next(folds)
        return {"model": fake_metrics(model), "baseline": fake_metrics(baseline)}

    monkeypatch.setattr(cv, "run_fold", fake_fold)
    assert main(["cv", str(ROOT / "configs" / "tiny.yaml"), "--documents", "000_", "001_", "002_",
                 "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    report = json.loads((tmp_path / "cv.json").read_text(encoding="utf-8"))
    differences = report["model_minus_baseline"]
    assert [fold["model_minus_baseline"]["ent span"] for fold in report["folds"]] == pytest.approx([0.1, 0.2, 0.3])
    assert differences["mean"]["rel e2e"] == pytest.approx(0.31)
    half = T_975_2 * 0.1 / 3 ** 0.5
    assert differences["interval"]["ent span"] == pytest.approx([0.2 - half, 0.2 + half])
    assert "ent span" in differences["not_distinguishable_from_noise"]
    assert "rel e2e" not in differences["not_distinguishable_from_noise"]
    assert "fold 2 model - baseline" in printed and "mean model - baseline" in printed
    assert f"[{0.2 - half:+.2f}, {0.2 + half:+.2f}]" in printed
    assert "not distinguishable from noise on these documents" in printed
    assert "paired t-interval over 3 folds (95%, 2 degrees of freedom)" in printed
