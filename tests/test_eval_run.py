"""A small `fit` run on the three-seed split: calibration and operating points on validation,
`predict --min-score` at the reported threshold, provenance in every prediction record, the
figures in report.html (rendered in headless Chromium) and the model card."""

import hashlib
import json
import re
import shutil
import subprocess

import pytest
from helpers import tiny_config

from train.cli import main
from train.evaluate.calibration import TARGET_PRECISION
from train.evaluate.scoring import score_documents
from train.fit.loop import fit
from train.splits import documents_by_split

# 20 epochs of a slightly wider tiny model: enough for LOCATION to reach precision 0.9 at
# some threshold on the validation article (three epochs predict nothing).
SMALL = ["--train.epochs=20", "--train.patience=0", "--model.window_length=64", "--model.window_stride=16",
         "--model.tiny.hidden_size=64", "--model.tiny.intermediate_size=128"]

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]  # one thread: repeatable runs


@pytest.fixture(scope="module")
def run(tmp_path_factory, one_thread):
    out = tmp_path_factory.mktemp("eval-run") / "small"
    config = tiny_config(*SMALL, f"--train.output_dir={out}")
    metrics = fit(config, quiet=True)
    return out, config, metrics


def test_fit_writes_calibration_comparison_and_figures(run):
    out, _, metrics = run
    saved = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(metrics))
    section = saved["calibration"]
    assert section["split"] == "validation" and section["documents"] == ["003_848d51e5e84e87d4"]
    for area in ("entities", "relations"):
        assert len(section[area]["reliability"]) == 10
        assert sum(r["count"] for r in section[area]["reliability"]) == section[area]["items"]
        assert section[area]["ece"] is None or 0.0 <= section[area]["ece"] <= 1.0
    assert section["entities"]["items"] > 0
    # one test document: no bootstrap interval, and the reports say why
    assert saved["ner"]["span"]["interval"]["f1"] is None
    assert set(saved["comparison"]["blocks"]) >= {"ner.span", "relations.end_to_end"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Calibration and operating points" in report and "fewer than two documents" in report
    assert "## Model vs baseline" in report
    for name in ("report_learning_curves.png", "report_confusion.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), name
        assert f"]({name})" in report
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "![Learning curves" in card and "](report_learning_curves.png)" in card
    assert "](report_confusion.png)" in card and "### Calibration and operating points" in card
    assert "model − baseline [95% CI]" in card


def test_predict_min_score_at_the_reported_threshold(run, tmp_path, schema):
    out, config, metrics = run
    points = {t: v for area in ("entities", "relations")
              for t, v in metrics["calibration"][area]["operating_points"].items() if v is not None}
    assert points, "the small run should reach precision 0.9 for some type on validation (see SMALL)"
    report = (out / "report.md").read_text(encoding="utf-8")
    validation = documents_by_split(config)["validation"]
    inputs = tmp_path / "validation.jsonl"
    inputs.write_text("".join(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n" for d in validation),
                      encoding="utf-8")
    for name, threshold in points.items():
        assert f"{name} ≥ {threshold:.2f}" in report  # the report names the operating point
        area = "entities" if name in schema.entity_names else "relations"
        assert metrics["calibration"][area]["precision_recall"][name][0]["precision"] < TARGET_PRECISION  # filter needed
        predictions = tmp_path / f"{name}.jsonl"
        assert main(["predict", str(out), str(inputs), "-o", str(predictions), "--no-progress",
                     "--min-score", f"{name}={threshold}"]) == 0
        records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
        kept = [e for r in records for e in r["entities"] + r["relations"] if e["type"] == name]
        assert kept and all(e["score"] >= threshold - 1e-4 for e in kept)
        from train.data.documents import load_prediction_file

        scored = score_documents(validation, load_prediction_file(predictions), schema)
        block = scored["ner"]["span"] if name in schema.entity_names else scored["relations"]["end_to_end"]
        assert block["per_type"][name]["precision"] >= TARGET_PRECISION, name


def test_every_prediction_record_carries_provenance(run, tmp_path):
    out, _, _ = run
    (tmp_path / "a.txt").write_text("سيطرت قوات النظام على حلب.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("وقسد في الرقة، وقسد تقاتل داعش", encoding="utf-8")
    predictions = tmp_path / "out.jsonl"
    assert main(["predict", str(out), str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-o", str(predictions),
                 "--no-progress"]) == 0
    records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    marker = json.loads((out / "run.json").read_text(encoding="utf-8"))
    weights = hashlib.sha256((out / "model" / "model.safetensors").read_bytes()).hexdigest()
    assert len(records) == 2
    for record in records:
        provenance = record["provenance"]
        assert provenance["run_id"] == f"{out.name}@{marker['started']}" and provenance["run"] == marker
        assert provenance["model_sha256"] == weights
        assert re.match(r"(git|package) \S+", provenance["code_version"])
    # the record shape still loads (records.py accepts `provenance`)
    from train.data.documents import load_prediction_file

    assert [d.id for d in load_prediction_file(predictions)] == ["a", "b"]


def test_evaluate_run_keeps_the_calibration(run, capsys):
    out, _, metrics = run
    assert main(["evaluate", str(out), "--split", "test", "--draws", "200"]) == 0
    again = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert again["calibration"] == json.loads(json.dumps(metrics["calibration"]))
    assert "comparison" in again
    assert "model vs string-match baseline" in capsys.readouterr().out


def find_chromium():
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


CHROMIUM = find_chromium()

# Appended to a copy of report.html: after the page has loaded, note on <body> which figures
# decoded into images with a size.
PROBE = """<script>
window.addEventListener('load', function () {
  var shown = [];
  document.querySelectorAll('figure[data-figure] img').forEach(function (img) {
    var box = img.getBoundingClientRect();
    if (img.complete && img.naturalWidth > 0 && box.width > 0 && box.height > 0) {
      shown.push(img.closest('figure').getAttribute('data-figure'));
    }
  });
  document.body.setAttribute('data-images', String(document.images.length));
  document.body.setAttribute('data-shown', shown.join(','));
});
</script>"""


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium, chromium-browser or google-chrome on PATH "
                    "(install Debian's chromium package to run the browser tests)")
def test_report_html_shows_both_figures_in_chromium(run, tmp_path):
    out, _, _ = run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<(link|script|iframe)\b|src=\"(?!data:image/png;base64,)|href=|url\(|@import", page)
    (tmp_path / "page.html").write_text(page.replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600", "--virtual-time-budget=5000",
               "--dump-dom", (tmp_path / "page.html").as_uri()]
    dom = subprocess.run(command, capture_output=True, timeout=120, check=True).stdout.decode("utf-8")
    body = re.search(r"<body([^>]*)>", dom).group(1)
    assert 'data-images="2"' in body
    shown = re.search(r'data-shown="([^"]*)"', body).group(1).split(",")
    assert sorted(shown) == ["confusion", "learning_curves"]
