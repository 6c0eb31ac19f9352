"""Shared fixtures: the schema, the committed annotations, small synthetic documents."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # relative paths lead from the working directory (PROJECT_DIR): this project

from train.data.documents import load_annotations  # noqa: E402
from train.data.schema import load_schema  # noqa: E402


@pytest.fixture(scope="session")
def schema():
    return load_schema()


FIRST_SEEDS = ("000_", "001_", "002_", "003_", "004_")
"""The five articles the project started from (the tests' fixed examples)."""


@pytest.fixture(scope="session")
def gold_docs():
    """The five first seed articles' annotations (hand-checked figures in tests refer to them)."""
    docs = [d for d in load_annotations(ROOT / "annotations") if d.id.startswith(FIRST_SEEDS)]
    assert len(docs) == 5, "the five first seed articles must be annotated"
    return docs


@pytest.fixture(scope="session")
def all_gold_docs():
    """Every committed annotation file (the first seeds and the corpus articles)."""
    docs = load_annotations(ROOT / "annotations")
    assert len(docs) == 30
    return docs


@pytest.fixture(scope="module")
def one_thread():
    """Multi-threaded CPU kernels reduce in varying order; one thread makes runs bitwise repeatable."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
