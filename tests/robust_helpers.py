"""Shared pieces of the robustness tests: a small saved model, the CLI, hostile files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch
from conftest import ROOT
from helpers import synthetic_document, tiny_model

from train.fit.checkpoint import save_model


def saved_tiny_model(schema, path: Path) -> Path:
    """A small untrained model saved as a run's `model/` folder (predictions are arbitrary but valid)."""
    torch.manual_seed(3)
    model, tokenizer = tiny_model(schema, [synthetic_document()], "--model.window_length=16", "--model.window_stride=4")
    save_model(model, tokenizer, path / "model")
    return path


def cli(*args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """`python -m train ARGS` from the repository root, output as text."""
    result = subprocess.run([sys.executable, "-m", "train", *map(str, args)], cwd=ROOT, capture_output=True,
                            input=stdin)
    result.stdout, result.stderr = result.stdout.decode("utf-8", "replace"), result.stderr.decode("utf-8", "replace")
    return result


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def annotation_folder(tmp_path: Path, docs: dict[str, dict], texts: dict[str, str]) -> Path:
    """`tmp_path/annotations/<id>.json` for each record, with its text in `tmp_path/texts/`."""
    folder, text_dir = tmp_path / "annotations", tmp_path / "texts"
    folder.mkdir()
    text_dir.mkdir()
    for doc_id, record in docs.items():
        (text_dir / f"{doc_id}.txt").write_text(texts[doc_id], encoding="utf-8")
        record = {"id": doc_id, "text_file": str(text_dir / f"{doc_id}.txt"), **record}
        (folder / f"{doc_id}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return folder
