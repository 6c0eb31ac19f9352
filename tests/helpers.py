"""Small synthetic documents and a tiny model for fast model tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from train.config import load_config
from train.data.documents import Document, Entity, Relation
from train.fit.build import build_model

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"


def synthetic_document(doc_id: str = "d") -> Document:
    ents = [Entity("T1", "FACTION", 6, 17, "قوات النظام"), Entity("T2", "LOCATION", 22, 25, "حلب"),
            Entity("T3", "FACTION", 28, 31, "قسد"), Entity("T4", "LOCATION", 35, 40, "الرقة"),
            Entity("T5", "FACTION", 43, 46, "قسد"), Entity("T6", "FACTION", 53, 57, "داعش")]
    rels = [Relation("R1", "CONTROLS", "T1", "T2"), Relation("R2", "PRESENT_IN", "T3", "T4"),
            Relation("R3", "HOSTILE_TO", "T5", "T6")]
    return Document(doc_id, TEXT, ents, rels)


FIVE_SEEDS = ['--data.splits.train=["000_b3e4056057f56dd2", "002_b18ec50c929003f4", "004_d620f0c0ea8628c3"]',
              '--data.splits.validation=["003_848d51e5e84e87d4"]', '--data.splits.test=["001_b15eb7a366a881e5"]']
"""Overrides that train on three seed articles (validation and test one each): fast test runs."""


def tiny_config(*overrides: str):
    """The tiny recipe, smaller still; a run given `--train.output_dir=RUN` keeps its dataset
    in `RUN/dataset` (`own_dataset`)."""
    base = ["--model.tiny.vocab_size=300", "--model.tiny.hidden_size=32", "--model.tiny.intermediate_size=64",
            "--model.tiny.num_layers=1", *FIVE_SEEDS]
    return load_config(ROOT / "configs" / "tiny.yaml", base + own_dataset(list(overrides)))


def own_dataset(args: list[str]) -> list[str]:
    """`args` plus `--data.dataset_dir=RUN/dataset` when they name a run directory: a test's
    `fit` builds its dataset there, never in the checkout's `data/dataset`."""
    runs = [a.split("=", 1)[1] for a in args if a.startswith("--train.output_dir=") and a.split("=", 1)[1]]
    named = any(a.startswith("--data.dataset_dir=") for a in args)
    return args + ([f"--data.dataset_dir={Path(runs[-1]) / 'dataset'}"] if runs and not named else [])


def tiny_model(schema, docs, *overrides: str):
    return build_model(tiny_config(*overrides), schema, docs)


def accelerate_launcher() -> str:
    """The `accelerate` command of this environment; skips the test where it is missing."""
    found = shutil.which("accelerate", path=str(ROOT / ".venv" / "bin")) or shutil.which("accelerate")
    if found is None:
        pytest.skip("accelerate launcher not found")
    return found


def png_colours(data: bytes, step: int = 1) -> set[tuple[int, int, int]]:
    """Distinct RGB colours of every `step`-th pixel of a PNG screenshot (Pillow decodes it)."""
    import io

    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    raw = Image.open(io.BytesIO(data)).convert("RGB").tobytes()
    return {tuple(raw[i:i + 3]) for i in range(0, len(raw), 3 * step)}
