"""A standalone right-to-left HTML report: one file, inline CSS, no external resources.

Every piece of text (document ids, sentences, labels, colours) goes through
`html.escape`, so an article containing markup cannot change the page. Metric tables
are laid out left to right inside the RTL page (their headings are English); the error
sentences are right to left, with the gold and the predicted spans highlighted on two
lines so that overlapping gold and predicted spans never nest.
"""

from __future__ import annotations

from html import escape

from ..data.schema import Schema
from .report import blocks, block_rows, comparison_rows, describe_relation, segments

CSS = """
body { font-family: "Noto Naskh Arabic", "Amiri", "Segoe UI", Tahoma, sans-serif; margin: 2em; line-height: 1.7; }
section.metrics { direction: ltr; text-align: left; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.error { border-bottom: 1px solid #eee; padding: 0.4em 0; }
.meta { direction: ltr; text-align: left; color: #555; font-size: 0.9em; }
.line { margin: 0.1em 0; }
.side { display: inline-block; min-width: 5em; color: #777; font-size: 0.85em; }
mark { padding: 0 0.15em; border-radius: 3px; }
mark.predicted { outline: 2px dashed #555; }
mark sub { font-size: 0.65em; direction: ltr; unicode-bidi: isolate; }
"""


def _cell(value) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>'
    return f'<td class="num">{escape(str(value))}</td>'


def _block_table(block: dict) -> str:
    rows = "".join(f"<tr><th>{escape(name)}</th>{_cell(r['precision'])}{_cell(r['recall'])}{_cell(r['f1'])}"
                   f"{_cell(r.get('support', ''))}</tr>" for name, r in block_rows(block))
    return f"<table><tr><th></th><th>P</th><th>R</th><th>F1</th><th>support</th></tr>{rows}</table>"


def _confusion_table(confusion: dict) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in confusion["columns"])
    body = "".join(f"<tr><th>{escape(r)}</th>" + "".join(_cell(confusion["counts"][r][c]) for c in confusion["columns"])
                   + "</tr>" for r in confusion["rows"])
    return f"<table><tr><th>gold \\ predicted</th>{head}</tr>{body}</table>"


def _comparison_table(metrics: dict, baseline: dict) -> str:
    rows = "".join(f"<tr><th>{escape(n)}</th>{_cell(m)}{_cell(b)}<td class=\"num\">{m - b:+.3f}</td></tr>"
                   for n, m, b in comparison_rows(metrics, baseline))
    return f"<table><tr><th></th><th>model</th><th>baseline</th><th>diff</th></tr>{rows}</table>"


def _marked(error: dict, side: str, schema: Schema) -> str:
    out = []
    for text, span in segments(error["sentence"], error["sentence_start"], error[side]):
        if span is None:
            out.append(escape(text))
            continue
        etype = span.get("type", "")
        colour = escape(schema.color(etype) if etype else "#dddddd", quote=True)
        out.append(f'<mark class="{side}" style="background:{colour}">{escape(text)}<sub>{escape(etype)}</sub></mark>')
    return "".join(out)


def _error_item(error: dict, schema: Schema) -> str:
    meta = f"{escape(error['doc_id'])} · <b>{escape(error['kind'])}</b>"
    if error.get("area") == "relation":
        meta += (f" · gold <bdi>{escape(describe_relation(error['gold_relation']))}</bdi>"
                 f" · predicted <bdi>{escape(describe_relation(error['predicted_relation']))}</bdi>")
    lines = "".join(f'<div class="line"><span class="side">{label}</span> {_marked(error, side, schema)}</div>'
                    for side, label in (("gold", "gold"), ("predicted", "predicted")))
    return f'<div class="error"><div class="meta">{meta}</div>{lines}</div>'


def html_report(metrics: dict, errors: list[dict], schema: Schema, title: str, baseline: dict | None = None) -> str:
    """The whole page: tables (per type, confusion, model vs baseline) and every error."""
    parts = [f"<h1>{escape(title)}</h1>", '<section class="metrics">']
    if baseline is not None:
        parts += ["<h2>Model vs baseline (micro F1 unless named)</h2>", _comparison_table(metrics, baseline)]
    for _, name, block in blocks(metrics):
        parts += [f"<h2>{escape(name)}</h2>", _block_table(block)]
    parts += ["<h2>Entity type confusion (aligned spans)</h2>", _confusion_table(metrics["ner"]["confusion"]),
              f"<h2>Errors ({len(errors)})</h2>", "</section>"]
    parts += [_error_item(error, schema) for error in errors]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html dir="rtl" lang="ar">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
