"""`python -m train corpus`: outputs, hand-checked edge totals, near-duplicates, provenance,
resuming predictions, and the 100-article ANT slice end to end.

The hand-made example (`EXAMPLE`) is small enough to count by hand:

- a1 (2018-03-01, Outlet A) and a2 (2018-03-02, Outlet B) are near-duplicates (a2 is a1 with
  one more word): قوات النظام CONTROLS حلب, روسيا SUPPORTS قوات النظام, قوات النظام PRESENT_IN حلب.
  Each edge: 2 mentions, 1 document (one near-duplicate cluster), 2018-03-01 .. 2018-03-02,
  outlets A and B.
- a3 (2018-05-10, Outlet A): قسد HOSTILE_TO داعش (symmetric: stored isis -> sdf), قسد
  PRESENT_IN الرقة, قوات سوريا الديمقراطية CONTROLS الرقة, and قوات سوريا الديمقراطية
  ALIAS_OF قسد (no edge).
- a4 (no date, Outlet C): داعش CONTROLS الرقة; جبهة تحرير سوريا (not in the registry,
  unlinked) HOSTILE_TO داعش makes no edge; سوريا PRESENT_IN of an unlinked mention neither.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pytest
from conftest import ROOT

from train.cli import main
from train.corpus.aggregate import EDGE_COLUMNS, MENTION_COLUMNS
from train.corpus.dedup import NearDuplicates
from train.link.registry import REGISTRY_VERSION

SLICE = ROOT / "tests" / "fixtures" / "corpus_slice" / "articles.jsonl"
FILLER = ("وأفاد المرصد في تقرير مطول نشره اليوم بأن الأوضاع الإنسانية في المنطقة ما زالت صعبة للغاية مع استمرار "
          "نقص الغذاء والدواء وارتفاع الأسعار وانقطاع الكهرباء لساعات طويلة في معظم الأحياء السكنية بحسب شهود عيان "
          "ومصادر محلية متطابقة تحدثت إلى وسائل الإعلام عن معاناة آلاف العائلات النازحة من القرى المجاورة.")


def _doc(doc_id, date, source, parts, relations):
    """A document from (text, type or None) parts; relations as (type, head part, tail part)."""
    text, entities, index = "", [], {}
    for i, (piece, etype) in enumerate(parts):
        if etype:
            index[i] = f"T{len(entities) + 1}"
            entities.append({"id": index[i], "type": etype, "start": len(text), "end": len(text) + len(piece),
                             "text": piece, "score": 0.9})
        text += piece
    rels = [{"id": f"R{k + 1}", "type": t, "head": index[h], "tail": index[tl], "score": 0.8}
            for k, (t, h, tl) in enumerate(relations)]
    article = {"id": doc_id, "text": text, "source": source, **({"date": date} if date else {})}
    return article, {"id": doc_id, "entities": entities, "relations": rels}


A1_PARTS = [("سيطرت ", None), ("قوات النظام", "FACTION"), (" على مدينة ", None), ("حلب", "LOCATION"),
            (". وقالت ", None), ("روسيا", "FACTION"), (" إنها تدعم ", None), ("قوات النظام", "FACTION"),
            (" المنتشرة في ", None), ("حلب", "LOCATION"), (". " + FILLER, None)]
A1_RELS = [("CONTROLS", 1, 3), ("SUPPORTS", 5, 7), ("PRESENT_IN", 7, 9)]
EXAMPLE = [
    _doc("a1", "2018-03-01", "Outlet A", A1_PARTS, A1_RELS),
    _doc("a2", "2018-03-02", "Outlet B", A1_PARTS[:-1] + [(". " + FILLER + " تحديث", None)], A1_RELS),
    _doc("a3", "2018-05-10", "Outlet A",
         [("قسد", "FACTION"), (" تقاتل ", None), ("داعش", "FACTION"), (" في ", None), ("الرقة", "LOCATION"),
          (". وسيطرت ", None), ("قوات سوريا الديمقراطية", "FACTION"), (" (", None), ("قسد", "FACTION"),
          (") على ", None), ("الرقة", "LOCATION"), (".", None)],
         [("HOSTILE_TO", 0, 2), ("PRESENT_IN", 0, 4), ("CONTROLS", 6, 10), ("ALIAS_OF", 6, 8)]),
    _doc("a4", None, "Outlet C",
         [("سيطر تنظيم ", None), ("داعش", "FACTION"), (" على ", None), ("الرقة", "LOCATION"), (" وقاتل ", None),
          ("جبهة تحرير سوريا", "FACTION"), (" في ", None), ("سوريا", "LOCATION"), (".", None)],
         [("CONTROLS", 1, 3), ("HOSTILE_TO", 1, 5), ("PRESENT_IN", 5, 7)]),
]
ALEPPO, RAQQA = "geonames:170063", "geonames:172955"
EXPECTED_EDGES = {  # (head, relation, tail): (documents, mentions, first, last, outlets)
    ("syrian_government", "CONTROLS", ALEPPO): (1, 2, "2018-03-01", "2018-03-02", "Outlet A (1); Outlet B (1)"),
    ("russia", "SUPPORTS", "syrian_government"): (1, 2, "2018-03-01", "2018-03-02", "Outlet A (1); Outlet B (1)"),
    ("syrian_government", "PRESENT_IN", ALEPPO): (1, 2, "2018-03-01", "2018-03-02", "Outlet A (1); Outlet B (1)"),
    ("isis", "HOSTILE_TO", "sdf"): (1, 1, "2018-05-10", "2018-05-10", "Outlet A (1)"),
    ("sdf", "PRESENT_IN", RAQQA): (1, 1, "2018-05-10", "2018-05-10", "Outlet A (1)"),
    ("sdf", "CONTROLS", RAQQA): (1, 1, "2018-05-10", "2018-05-10", "Outlet A (1)"),
    ("isis", "CONTROLS", RAQQA): (1, 1, "", "", "Outlet C (1)"),
}


def fake_run(folder: Path) -> Path:
    """A run directory with a weight file (enough when predictions are given)."""
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "config.json").write_text("{}", encoding="utf-8")
    (folder / "model" / "model.safetensors").write_bytes(b"not really weights")
    return folder


def build_example_outputs(folder: Path) -> Path:
    """Run the corpus command on `EXAMPLE` (predictions given); returns the output folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "articles.jsonl", "w", encoding="utf-8") as a, open(folder / "pred.jsonl", "w", encoding="utf-8") as p:
        for article, prediction in EXAMPLE:
            a.write(json.dumps(article, ensure_ascii=False) + "\n")
            p.write(json.dumps(prediction, ensure_ascii=False) + "\n")
    run = fake_run(folder / "run")
    assert main(["corpus", str(run), str(folder / "articles.jsonl"), "--out", str(folder / "out"),
                 "--predictions", str(folder / "pred.jsonl"), "--no-progress"]) == 0
    return folder / "out"


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return build_example_outputs(tmp_path_factory.mktemp("example"))


def test_edges_aggregate_the_hand_checked_counts(example):
    rows = read_csv(example / "edges.csv")
    assert tuple(rows[0]) == EDGE_COLUMNS
    got = {(r["head"], r["relation"], r["tail"]): (int(r["documents"]), int(r["mentions"]), r["first_date"],
                                                   r["last_date"], r["outlets"]) for r in rows}
    assert got == EXPECTED_EDGES
    aleppo = next(r for r in rows if r["relation"] == "CONTROLS" and r["tail"] == ALEPPO)
    assert {aleppo["evidence_1_doc"], aleppo["evidence_2_doc"]} == {"a1", "a2"}  # every outlet's article
    assert aleppo["evidence_1"].startswith("سيطرت قوات النظام على مدينة حلب") and aleppo["evidence_3"] == ""
    assert aleppo["all_docs"] == "a1 a2"


def test_mentions_rows_carry_links_and_provenance(example):
    rows = read_csv(example / "mentions.csv")
    assert tuple(rows[0]) == MENTION_COLUMNS
    assert len(rows) == sum(len(p["entities"]) for _, p in EXAMPLE)
    assert {(r["run_id"], r["weights_sha256"], r["registry_version"]) for r in rows} == \
        {("run", rows[0]["weights_sha256"], REGISTRY_VERSION)}
    assert len(rows[0]["weights_sha256"]) == 16
    by_text = {(r["doc"], r["text"]): r for r in rows}
    assert by_text[("a3", "قسد")]["link"] == "sdf" and by_text[("a3", "قسد")]["method"] == "exact"
    assert by_text[("a4", "جبهة تحرير سوريا")]["link"] == "unlinked"
    assert by_text[("a1", "حلب")]["link"] == ALEPPO and float(by_text[("a1", "حلب")]["link_score"]) > 0.9
    assert by_text[("a4", "سوريا")]["link"] == "geonames:163843"
    assert {r["date"] for r in rows if r["doc"] == "a4"} == {""}


def test_graphml_loads_with_networkx(example):
    graph = nx.read_graphml(example / "graph.graphml", force_multigraph=True)
    assert graph.number_of_edges() == len(EXPECTED_EDGES)
    assert graph.nodes["sdf"]["node_type"] == "actor" and graph.nodes["sdf"]["side"] == "kurdish_led"
    assert graph.nodes[RAQQA]["node_type"] == "place" and abs(float(graph.nodes[RAQQA]["lat"]) - 35.95) < 0.1
    assert {d["documents"] for _, _, d in graph.edges(data=True)} == {1}


def test_index_html_is_one_offline_file(example):
    page = (example / "index.html").read_text(encoding="utf-8")
    assert "Plotly" in page and "default-src 'none'" in page
    assert "src=" not in page.split("<script>", 1)[0]  # no external script, style or image in the head
    for external in ("<link ", "@import", "src=\"http", "src='http", "url(http"):
        assert external not in page
    data = json.loads(page.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0])
    assert data["meta"]["documents"] == 4 and data["meta"]["clusters"] == 3
    assert data["meta"]["registry_version"] == REGISTRY_VERSION
    assert len(data["edges"]) == len(EXPECTED_EDGES) and "ALIAS_OF" not in data["relation_types"]


def test_near_duplicates_form_one_cluster():
    dedup = NearDuplicates()
    dedup.add("a", FILLER)
    dedup.add("b", FILLER + " تحديث")
    dedup.add("c", "نص مختلف تماما عن الأول " * 5)
    assert dedup.cluster("b") == "a" and dedup.cluster("c") == "c"


def test_predictions_of_another_model_are_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "predictions.jsonl.meta.json").write_text('{"run_id": "other", "weights_sha256": "0"}',
                                                                  encoding="utf-8")
    run = fake_run(tmp_path / "run")
    article = {"id": "x", "text": "قوات النظام في حلب"}
    (tmp_path / "a.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["corpus", str(run), str(tmp_path / "a.jsonl"), "--out", str(tmp_path / "out"), "--no-progress"]) == 1


@pytest.mark.slow
def test_tiny_model_predicts_and_a_second_call_resumes(tmp_path, schema):
    """The predicting path with a real (tiny, untrained) model on 5 slice articles: the
    second call keeps every record of the first and predicts nothing again."""
    import torch
    from helpers import synthetic_document, tiny_model

    from train.fit.checkpoint import save_model

    torch.manual_seed(3)
    model, tokenizer = tiny_model(schema, [synthetic_document()], "--model.window_length=16", "--model.window_stride=4")
    save_model(model, tokenizer, tmp_path / "run" / "model")
    lines = SLICE.read_text(encoding="utf-8").splitlines(keepends=True)[:5]
    (tmp_path / "five.jsonl").write_text("".join(lines), encoding="utf-8")
    args = ["corpus", str(tmp_path / "run"), str(tmp_path / "five.jsonl"), "--out", str(tmp_path / "out"), "--no-progress"]
    assert main(args) == 0
    first = (tmp_path / "out" / "predictions.jsonl").read_text(encoding="utf-8")
    assert len(first.splitlines()) == 5
    # an interrupted run leaves a partial file: keep 2 records, predict the other 3
    (tmp_path / "out" / "predictions.jsonl").unlink()
    (tmp_path / "out" / "predictions.jsonl.partial").write_text("".join(first.splitlines(keepends=True)[:2]),
                                                                encoding="utf-8")
    assert main(args) == 0
    assert (tmp_path / "out" / "predictions.jsonl").read_text(encoding="utf-8") == first
    rows = read_csv(tmp_path / "out" / "mentions.csv")
    assert {r["doc"] for r in rows} <= {json.loads(line)["id"] for line in lines}
    # an entity ruler added to the model changes its predictions: the old ones are not reused
    (tmp_path / "run" / "model" / "gazetteer.json").write_text('[["حلب", "LOCATION"]]', encoding="utf-8")
    assert main(args) == 1
    assert main(args + ["--no-entity-ruler"]) == 0  # without it, the model is the one that predicted them
    assert (tmp_path / "out" / "predictions.jsonl").read_text(encoding="utf-8") == first


def test_slice_end_to_end_with_baseline_predictions(tmp_path, all_gold_docs, schema):
    """The 100 ANT articles, predicted by the string-match baseline fitted on the 30 gold
    articles (precomputed in seconds, no model), through the corpus command in a subprocess."""
    from train.evaluate.baseline import StringMatchBaseline

    records = [json.loads(line) for line in SLICE.read_text(encoding="utf-8").splitlines()]
    baseline = StringMatchBaseline.fit(all_gold_docs, schema)
    predicted = baseline.predict([r["text"] for r in records], [r["id"] for r in records])
    with open(tmp_path / "pred.jsonl", "w", encoding="utf-8") as handle:
        for doc in predicted:
            handle.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
    run = fake_run(tmp_path / "run")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "train", "corpus", str(run), str(SLICE), "--out", str(tmp_path / "out"),
                           "--predictions", str(tmp_path / "pred.jsonl"), "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 120
    mentions, edges = read_csv(tmp_path / "out" / "mentions.csv"), read_csv(tmp_path / "out" / "edges.csv")
    assert len(mentions) == sum(len(d.entities) for d in predicted)
    assert len({r["doc"] for r in mentions}) > 90
    linked = [r for r in mentions if r["link"] != "unlinked"]
    assert len(linked) / len(mentions) > 0.8  # gold strings are mostly registry or GeoNames names
    assert edges and all(int(r["documents"]) <= int(r["mentions"]) for r in edges)
    assert all(r["first_date"] <= r["last_date"] for r in edges)
    assert {r["registry_version"] for r in edges} == {REGISTRY_VERSION}
    graph = nx.read_graphml(tmp_path / "out" / "graph.graphml", force_multigraph=True)
    assert graph.number_of_edges() == len(edges)
    assert (tmp_path / "out" / "index.html").stat().st_size < 20_000_000
