"""Shared fixtures: the schema, the committed annotations, small synthetic documents."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from train.data.documents import load_annotations  # noqa: E402
from train.data.schema import load_schema  # noqa: E402


@pytest.fixture(scope="session")
def schema():
    return load_schema()


@pytest.fixture(scope="session")
def gold_docs():
    docs = load_annotations(ROOT / "annotations")
    assert len(docs) == 5, "the five seed articles must be annotated"
    return docs
