"""A standalone right-to-left HTML report: one file, inline CSS, no external resources.

Every piece of text (document ids, sentences, labels, colours) goes through
`html.escape`, so an article containing markup cannot change the page. Figures (learning
curves, the confusion matrix) are PNG images inside the page as `data:` URIs. Metric tables
are laid out left to right inside the RTL page (their headings are English); the error
sentences are right to left, with the gold and the predicted spans highlighted on two
lines so that overlapping gold and predicted spans never nest.
"""

from __future__ import annotations

from html import escape

from ..data.schema import Schema
from .report import (
    block_rows,
    blocks,
    calibration_rows,
    calibration_summary,
    comparison_heading,
    comparison_table,
    describe_relation,
    f1_text,
    interval_note,
    min_score_command,
    operating_point_lines,
    segments,
    source_rows,
    threshold_rows,
)

CSS = """
body { font-family: "Noto Naskh Arabic", "Amiri", "Segoe UI", Tahoma, sans-serif; margin: 2em; line-height: 1.7; }
section.metrics { direction: ltr; text-align: left; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0.5em 0 1.5em; }
figure img { max-width: 100%; height: auto; }
p.note { color: #555; font-size: 0.9em; }
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
    rows = "".join(f"<tr><th>{escape(name)}</th>{_cell(r['precision'])}{_cell(r['recall'])}"
                   f"{_cell(f1_text(r['f1'], block.get('interval') if name == 'micro' else None))}"
                   f"{_cell(r.get('support', ''))}</tr>" for name, r in block_rows(block))
    return f"<table><tr><th></th><th>P</th><th>R</th><th>F1 [95% CI]</th><th>support</th></tr>{rows}</table>"


def _table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<th>{escape(c)}</th>" if i < left else _cell(c) for i, c in enumerate(row))
                   + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _calibration(section: dict) -> list[str]:
    parts = ["<h2>Calibration and operating points</h2>", f'<p class="note">{escape(calibration_summary(section))}</p>']
    for area in ("entities", "relations"):
        parts += [f"<h3>Reliability, {escape(area)}</h3>", _table(*calibration_rows(section[area]))]
    for area in ("entities", "relations"):
        header, rows = threshold_rows(section[area])
        if len(header) > 1:
            parts += [f"<h3>Precision and recall by minimum score, {escape(area)}</h3>", _table(header, rows)]
    items = [escape(line) for line in operating_point_lines(section)]
    if (command := min_score_command(section)):
        items.append(f"to predict at these thresholds: <code>{escape(command)}</code>")
    parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
    return parts


def _figure(name: str, title: str, uri: str) -> str:
    return (f'<figure data-figure="{escape(name, quote=True)}"><img alt="{escape(title, quote=True)}" '
            f'src="{escape(uri, quote=True)}"><figcaption>{escape(title)}</figcaption></figure>')


def _confusion_table(confusion: dict) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in confusion["columns"])
    body = "".join(f"<tr><th>{escape(r)}</th>" + "".join(_cell(confusion["counts"][r][c]) for c in confusion["columns"])
                   + "</tr>" for r in confusion["rows"])
    return f"<table><tr><th>gold \\ predicted</th>{head}</tr>{body}</table>"


def _comparison(metrics: dict, baseline: dict, labels: tuple[str, str]) -> list[str]:
    header, rows, noise = comparison_table(metrics, baseline, labels)
    parts = [f"<h2>{escape(comparison_heading(labels))}</h2>", _table(header, rows)]
    if any(row[-1] for row in rows):
        parts.append('<p class="note">95% CI: paired document bootstrap over the same resampled documents.</p>')
    if noise:
        parts.append('<ul class="noise">' + "".join(f"<li>{escape(line)}</li>" for line in noise) + "</ul>")
    return parts


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


def html_report(metrics: dict, errors: list[dict], schema: Schema, title: str, baseline: dict | None = None,
                labels: tuple[str, str] = ("model", "baseline"), figures: dict[str, bytes] | None = None) -> str:
    """The whole page: tables (per type with intervals, per source, confusion, model vs baseline
    or A vs B with paired intervals, calibration), `figures` (name -> PNG bytes) and every error."""
    from .figures import FIGURE_TITLES, data_uri

    parts = [f"<h1>{escape(title)}</h1>", '<section class="metrics">']
    if (note := interval_note(metrics)):
        parts.append(f'<p class="note">{escape(note)}</p>')
    if baseline is not None:
        parts += _comparison(metrics, baseline, labels)
    for _, name, block in blocks(metrics):
        parts += [f"<h2>{escape(name)}</h2>", _block_table(block)]
    if metrics.get("per_source"):
        parts += ["<h2>Micro F1 per source</h2>", _table(*source_rows(metrics), left=1)]
    if metrics.get("calibration"):
        parts += _calibration(metrics["calibration"])
    for name, png in (figures or {}).items():
        parts += [f"<h2>{escape(FIGURE_TITLES.get(name, name))}</h2>",
                  _figure(name, FIGURE_TITLES.get(name, name), data_uri(png))]
    parts += ["<h2>Entity type confusion (aligned spans)</h2>", _confusion_table(metrics["ner"]["confusion"]),
              f"<h2>Errors ({len(errors)})</h2>", "</section>"]
    parts += [_error_item(error, schema) for error in errors]
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html dir="rtl" lang="ar">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
