"""The inline stylesheet and script of the review page (no external resources)."""

from __future__ import annotations

import re

_SAFE_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?|[a-zA-Z]{3,20}")


def safe_color(value: str) -> str:
    """The schema colour when it is a plain hex or named colour; anything else could inject CSS."""
    return value if _SAFE_COLOR.fullmatch(value or "") else "#dddddd"


CSS = """
body { font-family: "Noto Naskh Arabic", "Amiri", "Segoe UI", Tahoma, sans-serif; margin: 1.5em;
       line-height: 2; color: #222; background: #fff; }
header, nav, .summary { margin-bottom: 1em; }
.legend .key { display: inline-block; margin-inline-end: 1em; }
.swatch { display: inline-block; width: 1em; height: 1em; vertical-align: middle; border-radius: 3px; }
section.doc { border-top: 2px solid #999; padding-top: 0.5em; margin-top: 1.5em; }
.sentence { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.2em;
            border-bottom: 1px solid #eee; padding: 0.3em 0; }
.sentence.compare { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.side-label { font-size: 0.8em; color: #666; }
p.text { margin: 0; }
mark.ent { padding: 0 0.15em; border-radius: 3px; color: #000; }
mark.ent sub { font-size: 0.62em; direction: ltr; unicode-bidi: isolate; color: #333; }
mark.miss { outline: 3px solid #c00000; outline-offset: 1px; }
mark.spurious { outline: 3px dashed #6a00c8; outline-offset: 1px; }
ul.rels { list-style: none; margin: 0; padding: 0; font-size: 0.9em; }
li.rel { direction: ltr; text-align: right; }
li.rel.miss { color: #c00000; font-weight: bold; }
li.rel.spurious { color: #6a00c8; font-style: italic; }
.flag { font-size: 0.75em; border: 1px solid currentColor; border-radius: 3px; padding: 0 0.2em; }
.note { color: #666; font-size: 0.85em; }
table.counts { border-collapse: collapse; direction: ltr; }
table.counts th, table.counts td { border: 1px solid #ccc; padding: 0.1em 0.6em; text-align: right; }
"""

# Runs once the page is laid out and writes what the browser actually rendered onto <body>,
# so a headless browser's DOM dump proves the page rendered (and tests can check it).
SCRIPT = """
(function () {
  function rgb(hex) {
    if (hex.length === 4) { hex = '#' + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3]; }
    var n = parseInt(hex.slice(1), 16);
    return 'rgb(' + (n >> 16 & 255) + ', ' + (n >> 8 & 255) + ', ' + (n & 255) + ')';
  }
  var marks = document.querySelectorAll('mark.ent');
  var visible = 0, colored = 0, flagged = { miss: 0, spurious: 0 };
  marks.forEach(function (m) {
    var box = m.getBoundingClientRect(), style = getComputedStyle(m);
    if (box.width > 0 && box.height > 0) { visible += 1; }
    if (m.dataset.color.charAt(0) !== '#' || style.backgroundColor === rgb(m.dataset.color)) { colored += 1; }
    ['miss', 'spurious'].forEach(function (k) {
      if (m.classList.contains(k) && style.outlineStyle !== 'none' && box.width > 0) { flagged[k] += 1; }
    });
  });
  var body = document.body, gold = document.querySelector('.side[data-side="gold"]');
  var pred = document.querySelector('.side[data-side="prediction"]');
  body.dataset.marks = marks.length;
  body.dataset.visibleMarks = visible;
  body.dataset.coloredMarks = colored;
  body.dataset.visibleMisses = flagged.miss;
  body.dataset.visibleSpurious = flagged.spurious;
  body.dataset.relations = document.querySelectorAll('li.rel').length;
  body.dataset.direction = getComputedStyle(body).direction;
  body.dataset.goldOnRight = gold && pred ?
    String(gold.getBoundingClientRect().left > pred.getBoundingClientRect().left) : 'n/a';
  body.dataset.rendered = 'yes';
})();
"""
