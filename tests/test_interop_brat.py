"""brat import and export: good files, every problem at its file and line, overwrite rules, CRLF."""

import json

import yaml
from conftest import ROOT

from train.cli import main

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"
SPANS = {"قوات النظام": (6, 17), "حلب": (22, 25), "الرقة": (35, 40), "داعش": (53, 57)}
QASAD_2 = (43, 46)  # the second قسد


def test_offsets_of_the_test_text():
    for text, (start, end) in SPANS.items():
        assert TEXT[start:end] == text
    assert TEXT[QASAD_2[0]:QASAD_2[1]] == "قسد"


def write_pair(folder, name, ann_lines, text=TEXT):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_bytes(text.encode("utf-8"))
    (folder / f"{name}.ann").write_text("\n".join(ann_lines) + "\n", encoding="utf-8")


def run_import(tmp_path, source, *extra):
    return main(["import", "brat", str(source), "--out", str(tmp_path / "ann"),
                 "--text-dir", str(tmp_path / "texts"), *extra])


GOOD = [
    "T1\tFACTION 6 17\tقوات النظام",
    "T2\tLOCATION 22 25\tحلب",
    "T6\tFACTION 53 57\tداعش",
    "T5\tFACTION 43 46\tقسد",
    "R1\tCONTROLS Arg1:T1 Arg2:T2",
    "R2\tHOSTILE_TO Arg1:T6 Arg2:T5",  # symmetric, later mention first: stored the other way round
    "#1\tAnnotatorNotes T1\tcheck the span",
]


def test_import_keeps_ids_and_order_and_turns_symmetric_relations(tmp_path, capsys):
    write_pair(tmp_path / "brat", "doc", GOOD)
    assert run_import(tmp_path, tmp_path / "brat") == 0
    record = json.loads((tmp_path / "ann" / "doc.json").read_text(encoding="utf-8"))
    assert record["entities"] == [
        {"id": "T1", "type": "FACTION", "start": 6, "end": 17, "text": "قوات النظام"},
        {"id": "T2", "type": "LOCATION", "start": 22, "end": 25, "text": "حلب"},
        {"id": "T6", "type": "FACTION", "start": 53, "end": 57, "text": "داعش"},
        {"id": "T5", "type": "FACTION", "start": 43, "end": 46, "text": "قسد"},
    ]
    assert record["relations"] == [
        {"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"},
        {"id": "R2", "type": "HOSTILE_TO", "head": "T5", "tail": "T6"},
    ]
    # outside the repository the text file is named by its absolute path, and holds the text
    assert record["text_file"] == str((tmp_path / "texts" / "doc.txt").resolve())
    assert (tmp_path / "texts" / "doc.txt").read_bytes() == TEXT.encode("utf-8")
    out = capsys.readouterr().out
    assert "doc.ann:7" in out and "note ignored" in out


BAD = [
    "T1\tFACTION 6 17\tقوات النظام",
    "T2\tLOCATION 22 25;28 31\tحلب قسد",
    "T3\tPERSON 35 40\tالرقة",
    "A1\tNegation T1",
    "R1\tCONTROLS Arg1:T1 Arg2:T2",
    "T4\tFACTION 53 57\tداعشش",
]


def test_every_problem_is_reported_at_its_line_and_nothing_is_written(tmp_path, capsys):
    write_pair(tmp_path / "brat", "doc", BAD)
    assert run_import(tmp_path, tmp_path / "brat" / "doc.ann") == 1
    err = capsys.readouterr().err
    ann = tmp_path / "brat" / "doc.ann"
    assert f"{ann}:2: T2: discontinuous span (22 25;28 31)" in err
    assert f"{ann}:3: T3 (35-40): unknown entity type 'PERSON'" in err
    assert f"{ann}:4: A1: brat attribute annotations cannot be imported" in err
    assert f"{ann}:5: R1 " in err and "missing entity T2" in err
    assert f"{ann}:6: T4 (53-57): text mismatch" in err
    assert not (tmp_path / "ann").exists()


def test_refuses_to_overwrite_without_force(tmp_path, capsys):
    write_pair(tmp_path / "brat", "doc", GOOD[:2])
    assert run_import(tmp_path, tmp_path / "brat") == 0
    target = tmp_path / "ann" / "doc.json"
    target.write_text("edited by hand", encoding="utf-8")
    assert run_import(tmp_path, tmp_path / "brat") == 1
    assert "exists (use --force" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "edited by hand"
    assert run_import(tmp_path, tmp_path / "brat", "--force") == 0
    assert json.loads(target.read_text(encoding="utf-8"))["id"] == "doc"


def test_refuses_to_replace_a_different_text(tmp_path, capsys):
    write_pair(tmp_path / "brat", "doc", GOOD[:2])
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "doc.txt").write_text("another article", encoding="utf-8")
    assert run_import(tmp_path, tmp_path / "brat") == 1
    assert "with a different text" in capsys.readouterr().err
    assert (tmp_path / "texts" / "doc.txt").read_text(encoding="utf-8") == "another article"


def test_text_inside_the_repository_is_named_relative_to_it(tmp_path):
    seed = sorted((ROOT / "seeds").glob("*.txt"))[0]
    write_pair(tmp_path / "brat", seed.stem, [], text=seed.read_bytes().decode("utf-8"))
    assert main(["import", "brat", str(tmp_path / "brat"), "--out", str(tmp_path / "ann"),
                 "--text-dir", str(ROOT / "seeds")]) == 0
    record = json.loads((tmp_path / "ann" / f"{seed.stem}.json").read_text(encoding="utf-8"))
    assert record["text_file"] == f"seeds/{seed.name}"


def test_crlf_texts_keep_their_offsets_both_ways(tmp_path):
    text = "قسد في الرقة\r\nداعش في تدمر"
    start = text.index("داعش")
    write_pair(tmp_path / "brat", "crlf", [f"T1\tFACTION {start} {start + 4}\tداعش"], text=text)
    assert run_import(tmp_path, tmp_path / "brat") == 0
    assert (tmp_path / "texts" / "crlf.txt").read_bytes() == text.encode("utf-8")
    assert main(["export", "brat", str(tmp_path / "ann"), "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "crlf.txt").read_bytes() == text.encode("utf-8")
    assert (tmp_path / "again" / "crlf.ann").read_text(encoding="utf-8") == f"T1\tFACTION {start} {start + 4}\tداعش\n"


def test_export_writes_a_brat_configuration_from_the_schema(tmp_path):
    raw = yaml.safe_load((ROOT / "annotations" / "schema.yaml").read_text(encoding="utf-8"))
    fixtures = ROOT / "tests" / "fixtures" / "interop" / "annotations"
    assert main(["export", "brat", str(fixtures), "--out", str(tmp_path / "brat")]) == 0
    conf = (tmp_path / "brat" / "annotation.conf").read_text(encoding="utf-8")
    sections = {}
    for line in conf.splitlines():
        if line.startswith("["):
            current = sections.setdefault(line, [])
        elif line.strip() and not line.startswith("#"):
            current.append(line)
    assert sections["[entities]"] == list(raw["entity_types"])
    for name, spec in raw["relation_types"].items():
        lines = [line for line in sections["[relations]"] if line.split("\t")[0] == name]
        assert [line.split("\t")[1].split(", <")[0] for line in lines] == [f"Arg1:{h}, Arg2:{t}" for h, t in spec["args"]]
        assert all(("<REL-TYPE>:symmetric" in line) == spec["symmetric"] for line in lines)
    visual = (tmp_path / "brat" / "visual.conf").read_text(encoding="utf-8")
    for name, spec in raw["entity_types"].items():
        assert f"{name}\tbgColor:{spec['color']}" in visual


def test_visual_conf_asks_brat_for_right_to_left_text(schema):
    from train.interop.brat import visual_conf

    # brat reads `Text direction:<rtl|ltr>` from the [options] section of visual.conf
    # (server/src/projectconfig.py, visual_options_get_text_direction)
    sections, current = {}, None
    for line in visual_conf(schema).splitlines():
        if line.startswith("["):
            current = sections.setdefault(line, [])
        elif line.strip():
            current.append(line)
    assert "Text direction:rtl" in sections["[options]"]
