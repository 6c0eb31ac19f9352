"""`python -m train show`: page structure, colours, relations, misses and spurious spans, escaping.

The browser tests render the page in headless Chromium and check what it rendered: the
page's inline script writes counts of laid-out, coloured marks onto <body>, and the
screenshot must contain the schema's colours. They are skipped when no Chromium is found.
"""

import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
import yaml
from conftest import ROOT
from helpers import png_colours

from train.cli import main

TEXT = "سيطرت قوات النظام على حلب. وقسد في الرقة، وقسد تقاتل داعش"
COLORS = {name: spec["color"] for name, spec in
          yaml.safe_load((ROOT / "annotations" / "schema.yaml").read_text(encoding="utf-8"))["entity_types"].items()}


def entity(eid, start, end, etype, score=None):
    out = {"id": eid, "type": etype, "start": start, "end": end, "text": TEXT[start:end]}
    return out if score is None else {**out, "score": score}


GOLD_ENTITIES = [entity("T1", 6, 17, "FACTION"), entity("T2", 22, 25, "LOCATION"),
                 entity("T3", 28, 31, "FACTION"), entity("T4", 35, 40, "LOCATION")]
GOLD_RELATIONS = [{"id": "R1", "type": "CONTROLS", "head": "T1", "tail": "T2"},
                  {"id": "R2", "type": "PRESENT_IN", "head": "T3", "tail": "T4"}]
PRED_ENTITIES = [entity("T1", 6, 17, "FACTION", 0.9), entity("T2", 35, 40, "LOCATION", 0.8),
                 entity("T3", 53, 57, "FACTION", 0.6)]
PRED_RELATIONS = [{"id": "R1", "type": "PRESENT_IN", "head": "T1", "tail": "T2", "score": 0.7}]
# Worked out by hand from the lists above (exact span and type; relation type and arguments):
MISSED_TEXTS = ["حلب", "قسد"]       # gold T2, T3
SPURIOUS_TEXTS = ["داعش"]            # predicted T3
MISSED_RELATIONS = 2                 # both gold relations
SPURIOUS_RELATIONS = 1               # the predicted one (قوات النظام is not in الرقة in gold)


def write_inputs(tmp_path):
    (tmp_path / "gold").mkdir()
    (tmp_path / "d.txt").write_text(TEXT, encoding="utf-8")
    gold = {"id": "d", "text_file": str(tmp_path / "d.txt"), "entities": GOLD_ENTITIES, "relations": GOLD_RELATIONS}
    (tmp_path / "gold" / "d.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    pred = {"id": "d", "entities": PRED_ENTITIES, "relations": PRED_RELATIONS}
    (tmp_path / "pred.jsonl").write_text(json.dumps(pred, ensure_ascii=False) + "\n", encoding="utf-8")


class Page(HTMLParser):
    """Collects marks and relation items with the side they are on."""

    def __init__(self):
        super().__init__()
        self.html_attrs, self.marks, self.relations, self.side, self.stack = {}, [], [], None, []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "html":
            self.html_attrs = attrs
        if attrs.get("class") == "side":
            self.side = attrs.get("data-side")
        if tag == "mark" and "ent" in attrs.get("class", "").split():
            self.marks.append({**attrs, "side": self.side, "text": ""})
            self.stack.append(self.marks[-1])
        elif tag == "li" and "rel" in attrs.get("class", "").split():
            self.relations.append({**attrs, "side": self.side, "text": ""})
            self.stack.append(self.relations[-1])
        elif tag == "sub" and self.stack:
            self.stack.append(None)  # the type label under a mark is not the mark's text

    def handle_endtag(self, tag):
        if tag in ("mark", "li", "sub") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] is not None:
            self.stack[-1]["text"] += data


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def show(tmp_path, *args):
    return main(["show", *args, "-o", str(tmp_path / "page.html")])


def test_single_corpus_page(tmp_path):
    write_inputs(tmp_path)
    assert show(tmp_path, str(tmp_path / "gold")) == 0
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    page = parse(tmp_path / "page.html")
    assert page.html_attrs == {"dir": "rtl", "lang": "ar"}
    for external in ("http://", "https://", "src=", "<link", "@import", "url("):
        assert external not in html
    assert [m["text"] for m in page.marks] == [e["text"] for e in GOLD_ENTITIES]
    for mark in page.marks:
        assert f"background-color: {COLORS[mark['data-type']]}" in mark["style"]
    assert [r["text"] for r in page.relations] == ["قوات النظام —CONTROLS→ حلب", "قسد —PRESENT_IN→ الرقة"]
    assert all(r["dir"] == "ltr" for r in page.relations)


def test_comparison_marks_misses_and_spurious_items(tmp_path):
    write_inputs(tmp_path)
    assert show(tmp_path, str(tmp_path / "pred.jsonl"), "--gold", str(tmp_path / "gold")) == 0
    page = parse(tmp_path / "page.html")
    gold = [m for m in page.marks if m["side"] == "gold"]
    pred = [m for m in page.marks if m["side"] == "prediction"]
    assert len(gold) == len(GOLD_ENTITIES) and len(pred) == len(PRED_ENTITIES)
    assert [m["text"] for m in gold if "miss" in m["class"].split()] == MISSED_TEXTS
    assert [m["text"] for m in pred if "spurious" in m["class"].split()] == SPURIOUS_TEXTS
    assert not any("spurious" in m["class"] for m in gold) and not any("miss" in m["class"] for m in pred)
    gold_rels = [r for r in page.relations if r["side"] == "gold"]
    pred_rels = [r for r in page.relations if r["side"] == "prediction"]
    assert sum("miss" in r["class"].split() for r in gold_rels) == MISSED_RELATIONS
    assert sum("spurious" in r["class"].split() for r in pred_rels) == SPURIOUS_RELATIONS
    assert pred_rels[0]["text"].startswith("قوات النظام —PRESENT_IN→ الرقة")


def test_symmetric_relations_show_both_arrows(tmp_path):
    write_inputs(tmp_path)
    record = json.loads((tmp_path / "gold" / "d.json").read_text(encoding="utf-8"))
    record["entities"].append(entity("T5", 53, 57, "FACTION"))
    record["relations"] = [{"id": "R1", "type": "HOSTILE_TO", "head": "T3", "tail": "T5"}]
    (tmp_path / "gold" / "d.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert show(tmp_path, str(tmp_path / "gold")) == 0
    assert [r["text"] for r in parse(tmp_path / "page.html").relations] == ["قسد ←HOSTILE_TO→ داعش"]


def test_all_text_is_escaped(tmp_path):
    text = 'قسد <script>alert("x")</script> & <b>'
    record = {"id": 'x"><img src=y onerror=alert(2)>', "text": text,
              "entities": [{"id": "T1", "type": "FACTION", "start": 0, "end": 3, "text": "قسد"}], "relations": []}
    (tmp_path / "p.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert show(tmp_path, str(tmp_path / "p.jsonl")) == 0
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert html.count("<script>") == 1  # only the page's own


def test_predictions_without_text_need_gold(tmp_path, capsys):
    write_inputs(tmp_path)
    assert show(tmp_path, str(tmp_path / "pred.jsonl")) == 1
    assert "no text for d" in capsys.readouterr().err


# --- in a real browser -----------------------------------------------------------------------

def find_chromium():
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


CHROMIUM = find_chromium()
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="no chromium, chromium-browser or google-chrome on PATH "
                                   "(install Debian's chromium package to run the browser tests)")


def chromium(tmp_path, *args):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               f"--user-data-dir={tmp_path / 'profile'}", *args, (tmp_path / "page.html").as_uri()]
    return subprocess.run(command, capture_output=True, timeout=120, check=True)


def body_attributes(dom: str) -> dict:
    page = Page()
    page.feed(dom)
    return next(attrs for tag, attrs in page.tags if tag == "body")


@pytest.mark.browser
@needs_browser
def test_page_renders_in_chromium(tmp_path):
    write_inputs(tmp_path)
    assert show(tmp_path, str(tmp_path / "pred.jsonl"), "--gold", str(tmp_path / "gold")) == 0
    body = body_attributes(chromium(tmp_path, "--window-size=1280,1600", "--dump-dom").stdout.decode("utf-8"))
    marks = len(GOLD_ENTITIES) + len(PRED_ENTITIES)
    assert body["data-rendered"] == "yes"
    assert body["data-direction"] == "rtl"
    assert int(body["data-marks"]) == marks
    assert int(body["data-visible-marks"]) == marks  # laid out with a non-empty box
    assert int(body["data-colored-marks"]) == marks  # computed background = the schema colour
    assert int(body["data-visible-misses"]) == len(MISSED_TEXTS)
    assert int(body["data-visible-spurious"]) == len(SPURIOUS_TEXTS)
    assert int(body["data-relations"]) == len(GOLD_RELATIONS) + len(PRED_RELATIONS)
    assert body["data-gold-on-right"] == "true"  # right to left: the first column (gold) is on the right


@pytest.mark.browser
@needs_browser
def test_screenshot_shows_the_schema_colours(tmp_path):
    write_inputs(tmp_path)
    assert show(tmp_path, str(tmp_path / "gold")) == 0
    chromium(tmp_path, "--window-size=900,700", f"--screenshot={tmp_path / 'shot.png'}")
    colours = png_colours((tmp_path / "shot.png").read_bytes())
    assert len(colours) > 20  # text antialiasing alone gives many shades; a blank page gives one
    for name, hex_colour in COLORS.items():
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        # a highlight's inside is flat; allow a little for colour management
        assert any(all(abs(a - b) <= 3 for a, b in zip(c, rgb)) for c in colours), \
            f"no {name} highlight ({hex_colour}) in the screenshot"
