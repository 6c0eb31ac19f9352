"""Batch inference: raw offsets on hard texts, long documents, bad input, atomic output,
--resume, the Python API against the CLI, and two processes against one."""

import json
import subprocess
import sys

import pytest
from conftest import ROOT
from helpers import TEXT, accelerate_launcher
from robust_helpers import saved_tiny_model

from train.align import tokenize_documents
from train.predict.output import partial_path, shard_path
from train.predict.predictor import Predictor

HARD_TEXTS = {
    "diacritics": "سيطرت قوّاتُ النّظامِ على حَلَب، وقَسَدٌ في الرَّقَّة",
    "tatweel": "سيطرت قـــوات النظـــام على حلـــب",
    "crlf": "سيطرت قوات النظام\r\nعلى حلب.\r\nوقسد في الرقة\r\n",
    "emoji": "😀 قسد 👍🏽 تقاتل داعش 🇸🇾 في الرقة",
    "latin": "The SDF (قسد) fought ISIS (داعش) near Raqqa الرقة",
    "mixed": "قوات النظام ١٧ ديسمبر ٢٠١٧ https://example.com/x وقسد@الرقة é ǅ",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


def run_cli(*args, cwd=ROOT, stdin=None):
    return subprocess.run([sys.executable, "-m", "train", "predict", *map(str, args), "--no-progress"],
                          cwd=cwd, capture_output=True, text=True, input=stdin)


def test_offsets_index_the_raw_text(run_dir):
    predictor = Predictor.from_run(run_dir, device="cpu")
    docs = predictor.predict(list(HARD_TEXTS.values()), list(HARD_TEXTS))
    found = 0
    for doc, text in zip(docs, HARD_TEXTS.values()):
        for ent in doc.entities:
            assert text[ent.start:ent.end] == ent.text
            assert ent.text == ent.text.strip()
            found += 1
        ids = {e.id for e in doc.entities}
        assert all(r.head in ids and r.tail in ids for r in doc.relations)
    assert found > 10  # a random small model tags plenty: the property is really exercised


def test_long_document_middle_equals_passage_alone(run_dir):
    predictor = Predictor.from_run(run_dir, device="cpu")
    words = TEXT.replace(".", "").replace("،", "").split()
    long_text = " ".join(words * 8)  # one sentence, many windows
    sentence = tokenize_documents([long_text], predictor.tokenizer, "arabert_v02")[0]
    size, stride = predictor.model.config.window_length - 2, predictor.model.config.window_stride
    assert len(sentence.ids) > 9 * (size - stride)  # at least ten windows
    first = 4 * (size - stride)  # the fifth window
    a, b = sentence.spans[first][0], sentence.spans[first + size - 1][1]
    passage = long_text[a:b]
    alone = predictor.predict([passage])[0]
    whole = predictor.predict([long_text])[0]
    margin = stride // 2 + 1  # the window's centre, where merging reads this window
    lo, hi = sentence.spans[first + margin][0], sentence.spans[first + size - 1 - margin][1]
    def inner(doc, shift):
        return {(e.start + shift, e.end + shift, e.type) for e in doc.entities
                if lo <= e.start + shift and e.end + shift <= hi}

    assert inner(whole, 0) == inner(alone, a)
    assert inner(whole, 0), "no entity in the compared region: the test would be vacuous"


def test_bad_inputs_are_reported_and_the_rest_processed(run_dir, tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("", encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe not utf-8")
    lines = tmp_path / "x.jsonl"
    lines.write_text('{"id": "j1", "text": "قوات النظام"}\nnot json\n{"id": "j2"}\n{"id": "j3", "text": 5}\n'
                     '{"id": "j1", "text": "مكرر"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli(run_dir, folder, lines, tmp_path / "missing.txt", "-o", out)
    assert result.returncode == 1
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("id", r.get("line")) for r in records] == [
        "a", "bad", "sub/b", "j1", f"{lines}:2", "j2", "j3", "j1", "missing"]
    by_key = {(i, r.get("id")): r for i, r in enumerate(records)}
    assert "entities" in by_key[(0, "a")]
    assert {**by_key[(2, "sub/b")], "provenance": None} == {"id": "sub/b", "entities": [], "relations": [],
                                                           "provenance": None}  # provenance: test_eval_run.py
    assert "not valid UTF-8" in by_key[(1, "bad")]["error"]
    assert "not JSON" in records[4]["error"] and records[4]["line"] == f"{lines}:2"
    assert "no 'text'" in by_key[(5, "j2")]["error"]
    assert "must be a string" in by_key[(6, "j3")]["error"]
    assert "duplicate id 'j1'" in by_key[(7, "j1")]["error"]
    assert "cannot read" in by_key[(8, "missing")]["error"]
    assert "6 errors" in result.stderr and "bad.txt" in result.stderr
    assert not partial_path(out).exists()


def inputs_and_full_output(run_dir, tmp_path, texts: list[str]) -> tuple:
    """(docs.jsonl with ids d0, d1, ..., the lines an uninterrupted run writes for it)."""
    lines = tmp_path / "docs.jsonl"
    records = (json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))
    lines.write_text("".join(records), encoding="utf-8")
    full = tmp_path / "full.jsonl"
    assert run_cli(run_dir, lines, "-o", full).returncode == 0
    return lines, full.read_text(encoding="utf-8").splitlines()


def test_resume_keeps_finished_documents(run_dir, tmp_path):
    lines, expected = inputs_and_full_output(run_dir, tmp_path, list(HARD_TEXTS.values()))
    # an interrupted run: no output file, a partial one with two records and a torn third line
    out = tmp_path / "out.jsonl"
    marker = {"id": "d0", "entities": [], "relations": [], "kept": True}
    partial_path(out).write_text(json.dumps(marker) + "\n" + expected[1] + "\n" + expected[2][:20], encoding="utf-8")
    result = run_cli(run_dir, lines, "-o", out, "--resume")
    assert result.returncode == 0, result.stderr
    got = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(got[0]) == marker  # kept, not predicted again
    assert got[1:] == expected[1:]
    assert "2 kept" in result.stderr
    assert not partial_path(out).exists()


def test_python_api_equals_cli(run_dir, tmp_path):
    stdin = "".join(json.dumps({"id": k, "text": v}, ensure_ascii=False) + "\n" for k, v in HARD_TEXTS.items())
    result = run_cli(run_dir, "-", stdin=stdin)
    assert result.returncode == 0, result.stderr
    cli = [json.loads(line) for line in result.stdout.splitlines()]
    predictor = Predictor.from_run(run_dir, device="cpu")
    api = predictor.predict(list(HARD_TEXTS.values()), list(HARD_TEXTS))
    assert cli == [{**d.to_dict(), "provenance": predictor.provenance} for d in api]


@pytest.mark.slow
def test_two_processes_write_the_same_file_as_one(run_dir, tmp_path):
    accelerate = accelerate_launcher()
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate(list(HARD_TEXTS.values()) * 2):
        (folder / f"{i:02d}.txt").write_text(text, encoding="utf-8")
    (folder / "zz.txt").write_bytes(b"\xff")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    run_cli(run_dir, folder, "-o", one)
    result = subprocess.run([accelerate, "launch", "--num_processes", "2", "--cpu", "-m", "train", "predict",
                             str(run_dir), str(folder), "-o", str(two), "--no-progress"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr  # the bad file is an error in both
    assert two.read_text(encoding="utf-8") == one.read_text(encoding="utf-8")
    assert len(one.read_text(encoding="utf-8").splitlines()) == 13


@pytest.mark.slow
def test_resume_after_an_interrupted_run_of_three_processes_with_two(run_dir, tmp_path):
    accelerate = accelerate_launcher()
    lines, expected = inputs_and_full_output(run_dir, tmp_path, list(HARD_TEXTS.values()) * 2)
    # three processes stopped mid-way: each shard holds its first records, one with a torn line
    out = tmp_path / "out.jsonl"
    marker = {"id": "d0", "entities": [], "relations": [], "kept": True, "_index": 0}
    shard_path(out, 0).write_text(json.dumps(marker) + "\n" + expected[3][:30], encoding="utf-8")
    shard_path(out, 1).write_text(json.dumps({**json.loads(expected[1]), "_index": 1}) + "\n", encoding="utf-8")
    shard_path(out, 2).write_text(json.dumps({**json.loads(expected[2]), "_index": 2}) + "\n", encoding="utf-8")
    result = subprocess.run([accelerate, "launch", "--num_processes", "2", "--cpu", "-m", "train", "predict",
                             str(run_dir), str(lines), "-o", str(out), "--resume", "--no-progress"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    got = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(got[0]) == {k: v for k, v in marker.items() if k != "_index"}  # kept, not predicted again
    assert got[1:] == expected[1:]
    assert "3 kept" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", "full.jsonl", "out.jsonl"]



@pytest.mark.slow
def test_compiled_encoder_finds_what_the_eager_one_finds(run_dir):
    eager = Predictor.from_run(run_dir, device="cpu")
    compiled = Predictor.from_run(run_dir, device="cpu", compile=True)
    texts = list(HARD_TEXTS.values())
    expected, got = eager.predict(texts), compiled.predict(texts)
    assert compiled.provenance["compiled"] is True and "compiled" not in eager.provenance
    assert type(compiled.model.encoder).__name__ == "OptimizedModule"
    for want, have in zip(expected, got):
        assert [(e.start, e.end, e.type) for e in have.entities] == [(e.start, e.end, e.type) for e in want.entities]
        assert [e.score for e in have.entities] == pytest.approx([e.score for e in want.entities], abs=1e-4)


def test_entities_only_finds_the_same_entities_and_no_relations(run_dir, tmp_path):
    lines, expected = inputs_and_full_output(run_dir, tmp_path, list(HARD_TEXTS.values()))
    out = tmp_path / "entities.jsonl"
    assert run_cli(run_dir, lines, "-o", out, "--entities-only").returncode == 0
    got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    full = [json.loads(line) for line in expected]
    assert [r["entities"] for r in got] == [r["entities"] for r in full]
    assert all(r["relations"] == [] and r["provenance"]["entities_only"] is True for r in got)
    assert any(r["relations"] for r in full)  # the full run did find relations to leave out
