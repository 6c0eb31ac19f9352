"""What `fit` trains on: the `DatasetDict` that `python -m train dataset` writes.

`fit` reads the dataset in `data.dataset_dir` when its fingerprint (`dataset.fingerprint`:
the split assignment, the texts, entities and relations of the assigned documents, the
schema) matches the config's annotations; otherwise it builds the dataset and saves it
there first, so the README's flow `dataset -> fit` is the code's flow. The fingerprint is
model-independent: tokenizing for an encoder happens when the windows are made.

A folder is replaced only when it holds a dataset this code wrote (`BUILD_FILE`); any other
folder at `data.dataset_dir` stops the run with a message.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from datasets import DatasetDict, disable_progress_bars, load_from_disk

from ..config import Config
from ..data.dataset import BuildCounts, build_dataset, fingerprint
from ..data.documents import Document
from ..data.schema import Schema
from ..data.stats import split_statistics
from ..files import OutputError, exclusive
from ..interop.cards import dataset_card
from ..splits import by_split, split_gold

BUILD_FILE = "build.json"
"""Written last into a saved dataset: its fingerprint and what built it."""


@dataclass
class TrainingData:
    """The gold of a config: the dataset (training reads it) and the split documents
    (validation and test are scored on whole articles, as `predict` sees them)."""

    dataset: DatasetDict
    documents: dict[str, list[Document]]
    """Split name -> its gold documents."""
    schema: Schema
    status: str
    """How the dataset was obtained, for the log: read, built or rebuilt, and where."""


LEGACY_ENTRIES = {"dataset_dict.json", "statistics.json", "README.md", "train", "validation", "test"}
"""What `python -m train dataset` wrote before it wrote `BUILD_FILE`: such a folder is ours too."""


def is_saved_dataset(folder: Path) -> bool:
    """True when `folder` holds a dataset that this code wrote (and may replace)."""
    names = {p.name for p in folder.iterdir()}
    return BUILD_FILE in names or ("dataset_dict.json" in names and names <= LEGACY_ENTRIES)


def saved_fingerprint(folder: Path) -> str | None:
    """The fingerprint of the dataset saved in `folder`, or None when it holds none of ours."""
    try:
        return json.loads((folder / BUILD_FILE).read_text(encoding="utf-8"))["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_dataset(folder: Path, dataset: DatasetDict, counts: dict[str, BuildCounts], schema: Schema,
                 config: Config, key: str) -> dict:
    """Write the dataset, `statistics.json`, the dataset card (`README.md`) and `BUILD_FILE`
    into `folder`; return the statistics.

    Everything is written into a new folder beside it first and swapped in whole, so an
    interrupted save leaves the old dataset. Raises OutputError when `folder` exists and
    holds something that is not a dataset this code wrote (nothing is changed then).
    """
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not is_saved_dataset(folder))):
        raise OutputError(f"{folder}: exists and is not a dataset written by `python -m train dataset` (no "
                          f"{BUILD_FILE}); nothing was changed. Set --data.dataset_dir to a new folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        disable_progress_bars()
        dataset.save_to_disk(str(fresh))
        stats = split_statistics(dataset, counts, schema)
        (fresh / "statistics.json").write_text(json.dumps(stats, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (fresh / "README.md").write_text(dataset_card(stats, schema, config), encoding="utf-8")
        (fresh / BUILD_FILE).write_text(json.dumps({"fingerprint": key, "config": config.name}, indent=2) + "\n",
                                        encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        fresh.rename(folder)
    finally:
        if fresh.exists():
            shutil.rmtree(fresh)
    return stats


def write_dataset(config: Config, folder: Path, schema: Schema, docs: list[Document],
                  splits: dict[str, list[str]], key: str | None = None) -> tuple[DatasetDict, dict]:
    """Build the dataset of `docs` and save it into `folder` (`save_dataset`), holding
    `<folder>.lock` meanwhile; returns the dataset and its statistics. `key`: their
    fingerprint, when the caller has it already."""
    with exclusive(folder, "python -m train dataset"):
        dataset, counts = build_dataset(docs, schema, splits)
        key = key or fingerprint(docs, schema, splits)
        return dataset, save_dataset(folder, dataset, counts, schema, config, key)


def training_data(config: Config) -> TrainingData:
    """The config's dataset, read from `data.dataset_dir` when up to date, else built and saved.

    Raises AnnotationError for invalid annotations, DatasetBuildError when the annotations
    cannot become examples without loss, OutputError when the folder cannot be written or
    another process is writing it.
    """
    schema, docs, splits = split_gold(config)
    documents = by_split(docs, splits)
    folder = config.resolve(config.data.dataset_dir)
    found, key = saved_fingerprint(folder), fingerprint(docs, schema, splits)
    if found == key:
        return TrainingData(load_from_disk(str(folder)), documents, schema, f"read {folder} (up to date)")
    dataset, _ = write_dataset(config, folder, schema, docs, splits, key)
    how = f"rebuilt {folder} (the saved one came from other annotations or splits)" if found else f"built {folder}"
    return TrainingData(dataset, documents, schema, how)
