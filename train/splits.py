"""The documents of a config's splits: read, validated and assigned (every command that
takes a config reads its gold through here).
"""

from __future__ import annotations

import sys

from .config import Config
from .data.dataset import assign_splits, build_dataset
from .data.documents import Document
from .data.schema import Schema, load_schema
from .data.validate import checked_documents


def load_split_documents(config: Config):
    """The config's documents, validated (AnnotationError on any error; a line on stderr for
    unexplained lint warnings), and their split assignment (train defaults to the rest)."""
    annotations = config.resolve(config.data.annotations)
    report = checked_documents(annotations, load_schema(config.resolve(config.data.schema)),
                               annotations / "GUIDELINES.md")
    if report.warnings:
        print(f"note: {len(report.warnings)} lint warning(s) in {annotations} (python -m train validate lists them)",
              file=sys.stderr)
    docs, s = report.documents, config.data.splits
    return docs, assign_splits([d.id for d in docs], s.train, s.validation, s.test)


def split_gold(config: Config) -> tuple[Schema, list[Document], dict[str, list[str]]]:
    """The schema, the validated documents and their split assignment (`load_split_documents`)."""
    docs, splits = load_split_documents(config)
    return load_schema(config.resolve(config.data.schema)), docs, splits


def by_split(docs: list[Document], splits: dict[str, list[str]]) -> dict[str, list[Document]]:
    """The documents of each split: {"train": [...], "validation": [...], "test": [...]}."""
    by_id = {d.id: d for d in docs}
    return {split: [by_id[i] for i in ids] for split, ids in splits.items()}


def documents_by_split(config: Config) -> dict[str, list[Document]]:
    """The gold documents of each split of the config."""
    return by_split(*load_split_documents(config))


def build_from_config(config: Config):
    schema, docs, splits = split_gold(config)
    dataset, counts = build_dataset(docs, schema, splits)
    return dataset, counts, schema


def split_documents(config: Config, split: str) -> tuple[Schema, list[Document], list[Document]]:
    """The schema, the split's gold documents and the training split's gold documents."""
    schema = load_schema(config.resolve(config.data.schema))
    splits = documents_by_split(config)
    if not splits[split]:
        raise ValueError(f"the config's data.splits.{split} names no documents")
    return schema, splits[split], splits["train"]
