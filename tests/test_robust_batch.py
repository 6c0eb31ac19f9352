"""One bad record costs one record: every input line is read, predicted or reported on its
own, in input order, also after --resume."""

import json

import pytest
from robust_helpers import cli, records, saved_tiny_model

from train.predict.output import json_line


@pytest.fixture(scope="module")
def run(tmp_path_factory, schema):
    return saved_tiny_model(schema, tmp_path_factory.mktemp("run"))


def line(doc_id: str, text: str = "قوات النظام في حلب") -> bytes:
    return json.dumps({"id": doc_id, "text": text}, ensure_ascii=False).encode("utf-8") + b"\n"


def test_a_thousand_lines_with_three_broken_ones(run, tmp_path):
    lines = [line(f"d{i}") for i in range(1000)]
    lines[100] = line("d100")[:10] + b"\xff" + line("d100")[10:]       # one invalid byte
    lines[500] = b'{"id": "d500", "text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n"  # nested too deep
    lines[900] = b'{"id": "d\\ud800", "text": "x"}\n'                  # a lone surrogate in the id
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(lines))
    out = tmp_path / "out.jsonl"
    result = cli("predict", run, source, "-o", out, "--no-progress")
    assert result.returncode == 1
    got = records(out)
    assert len(got) == 1000
    errors = [(i, r) for i, r in enumerate(got) if "error" in r]
    assert [i for i, _ in errors] == [100, 500, 900]
    assert [r["line"] for _, r in errors] == [f"{source}:101", f"{source}:501", f"{source}:901"]
    assert "not valid UTF-8" in errors[0][1]["error"] and "nested too deeply" in errors[1][1]["error"]
    assert "lone surrogate (U+D800)" in errors[2][1]["error"]
    assert [r["id"] for r in got if "error" not in r] == [f"d{i}" for i in range(1000) if i not in (100, 500, 900)]
    assert "997 documents, 3 errors" in result.stderr


def test_resume_keeps_error_records_in_input_order(run, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(line("a") + b"not json\n" + line("b") + line("c"))
    out = tmp_path / "out.jsonl"
    assert cli("predict", run, source, "-o", out, "--no-progress").returncode == 1
    first = records(out)
    # a killed run left a partial file holding the first record only
    out.rename(tmp_path / "out.jsonl.partial")
    (tmp_path / "out.jsonl.partial").write_text(json.dumps(first[0], ensure_ascii=False) + "\n", encoding="utf-8")
    result = cli("predict", run, source, "-o", out, "--resume", "--no-progress")
    assert records(out) == first
    assert "1 kept from the previous output" in result.stderr


@pytest.mark.parametrize("doc_id, message", [(5, "'id' must be a non-empty string, got 5"),
                                             ("", "'id' must be a non-empty string, got ''"),
                                             (["x"], "'id' must be a non-empty string, got ['x']")])
def test_ids_that_are_not_strings_are_refused_not_converted(run, tmp_path, doc_id, message):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": doc_id, "text": "حلب"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cli("predict", run, source, "-o", out, "--no-progress")
    (record,) = records(out)
    assert message in record["error"] and "id" not in record


def test_line_separators_in_text_are_escaped_in_the_output(run, tmp_path):
    text = "حلب\u2028الرقة\u0085دمشق\u2029"
    assert json_line({"t": text}) == '{"t": "حلب\\u2028الرقة\\u0085دمشق\\u2029"}\n'
    assert json.loads(json_line({"t": text})) == {"t": text}
    source = tmp_path / "in.jsonl"
    source.write_bytes(line("sep", text))
    out = tmp_path / "out.jsonl"
    cli("predict", run, source, "-o", out, "--no-progress")
    raw = out.read_text(encoding="utf-8")
    assert not any(c in raw for c in "\u2028\u2029\u0085") and len(raw.splitlines()) == 1


def test_stdin_and_a_file_treat_a_bad_line_alike(run, tmp_path):
    data = line("a") + b"\xff\xfe\n" + line("b")
    source = tmp_path / "in.jsonl"
    source.write_bytes(data)
    from_stdin = cli("predict", run, "-", "--no-progress", stdin=data)
    from_file = cli("predict", run, source, "--no-progress")
    ids = [[r.get("id", "error") for r in map(json.loads, out.stdout.splitlines())] for out in (from_stdin, from_file)]
    assert ids == [["a", "error", "b"], ["a", "error", "b"]]
