"""Documents to export or show: annotation files, or predictions with their texts found by id.

Predictions usually carry no text. It comes from a `text` key when present, otherwise
from a folder holding either annotation files (`<id>.json`, whose text file is read) or
raw texts (`<id>.txt`).
"""

from __future__ import annotations

from pathlib import Path

from ..data.documents import Document, DocumentError, annotation_files, load_annotation_file, load_documents, read_text
from ..files import safe_filename


def is_predictions(path: Path) -> bool:
    return path.suffix == ".jsonl"


def text_for(doc_id: str, texts: Path) -> str | None:
    """The text of `doc_id` under `texts`; ValueError for an id that is not a plain file name."""
    name = safe_filename(doc_id)
    annotation, raw = texts / f"{name}.json", texts / f"{name}.txt"
    if annotation.exists():
        return load_annotation_file(annotation).text
    if raw.exists():
        return read_text(raw)
    return None


def fill_texts(docs: list[Document], texts: Path | None) -> list[Document]:
    """Give every document without text the one found under `texts`; all missing ids in one error."""
    missing = []
    for doc in docs:
        if doc.text is None and texts is not None and texts.is_dir():
            doc.text = text_for(doc.id, texts)
        if doc.text is None:
            missing.append(doc.id)
    if missing:
        where = f"in {texts} (as <id>.json or <id>.txt)" if texts else "(no text folder given)"
        raise DocumentError(f"no text for {', '.join(missing)} {where}; pass the folder with --texts/--gold "
                            "or predict with the text included")
    return docs


def load_source(path: Path, texts: Path | None) -> list[Document]:
    """Annotation files/folder, or a predictions `.jsonl` whose texts come from `texts`."""
    if not path.exists():
        raise DocumentError(f"{path}: no such file or folder")
    if path.is_dir() and not annotation_files(path):
        raise DocumentError(f"{path}: no annotation files (*.json)")
    docs = load_documents(path)
    return fill_texts(docs, texts) if is_predictions(path) else docs


def load_gold(path: Path) -> dict[str, Document]:
    return {doc.id: doc for doc in load_documents(path)}
