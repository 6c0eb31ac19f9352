"""Exact round trips: annotations -> brat -> annotations and annotations -> Label Studio -> annotations.

Run over every committed `annotations/*.json` and over the interop fixtures (partial
annotations of the seed texts), so the tests never pass on an empty set. "Exact" means
the re-imported file has the same bytes as the original written in the committed layout:
same ids, offsets, texts, order and text_file.
"""

import json
from pathlib import Path

import pytest
from conftest import ROOT

from train.cli import main
from train.data.documents import load_annotation_file, write_annotation_file

FIXTURES = ROOT / "tests" / "fixtures" / "interop" / "annotations"
FILES = sorted(FIXTURES.glob("*.json")) + sorted((ROOT / "annotations").glob("*.json"))
IDS = [("fixture/" if p.parent == FIXTURES else "committed/") + p.stem for p in FILES]


def test_there_is_something_to_round_trip():
    assert len(sorted(FIXTURES.glob("*.json"))) == 5


def committed_layout(path: Path, tmp_path: Path) -> bytes:
    """The original file as the repository writes it (hand-written files may differ in spacing)."""
    copy = tmp_path / "expected.json"
    write_annotation_file(load_annotation_file(path), copy)
    return copy.read_bytes()


def round_trip(path: Path, tmp_path: Path, fmt: str, tasks_name: str = "") -> Path:
    """Export one file, import it back with the texts' own folder as --text-dir; the new file."""
    original = json.loads(path.read_text(encoding="utf-8"))
    text_path = Path(original["text_file"])
    text_dir = text_path.parent if text_path.is_absolute() else ROOT / text_path.parent
    # the importer names texts <id>.txt; the guideline names seed texts after the document
    assert text_path.name == f"{original['id']}.txt", f"{path}: text file not named after the document id"
    single = tmp_path / "single"
    single.mkdir()
    (single / path.name).write_bytes(path.read_bytes())
    exported = tmp_path / fmt
    assert main(["export", fmt, str(single), "--out", str(exported)]) == 0
    source = exported / tasks_name if tasks_name else exported
    assert main(["import", fmt, str(source), "--out", str(tmp_path / "back"), "--text-dir", str(text_dir)]) == 0
    return tmp_path / "back" / path.name


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_brat_round_trip_is_exact(path, tmp_path):
    back = round_trip(path, tmp_path, "brat")
    assert back.read_bytes() == committed_layout(path, tmp_path)
    assert json.loads(back.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_labelstudio_round_trip_is_exact(path, tmp_path):
    back = round_trip(path, tmp_path, "labelstudio", "tasks.json")
    assert back.read_bytes() == committed_layout(path, tmp_path)
    assert json.loads(back.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8"))


def test_round_trip_keeps_out_of_order_ids(tmp_path):
    """The fixture lists T4 before T3 and skips T5/T6: a renumbering importer would fail here."""
    path = FIXTURES / "000_b3e4056057f56dd2.json"
    ids = [e["id"] for e in json.loads(path.read_text(encoding="utf-8"))["entities"]]
    assert ids.index("T4") < ids.index("T3") and "T5" not in ids
    back = round_trip(path, tmp_path, "labelstudio", "tasks.json")
    assert [e["id"] for e in json.loads(back.read_text(encoding="utf-8"))["entities"]] == ids
