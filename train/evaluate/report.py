"""Reports of a metrics dict (and error list): a text table, Markdown, and (in `report_html`) HTML.

Every label shown comes from the metrics themselves (their per-type keys, which come
from the schema), never from a list in this file. Micro F1 is shown with its bootstrap
interval as `0.612 [0.55, 0.67]`; a comparison (model vs baseline, or file A vs file B)
gives each headline difference with its paired interval and says in plain words when the
interval contains 0; F1 per source and the calibration section appear when the metrics
hold them.
"""

from __future__ import annotations

from ..metric_paths import counterpart
from .bootstrap import CONFIDENCE, DRAWS, SEED, paired_differences
from .scoring import present_blocks

DETAILED = ("ner.span", "relations.end_to_end")
"""Blocks shown per type in the text table; the others show micro and macro only."""

NOISE = "not distinguishable from noise on these documents"
"""What a report says of a difference whose paired interval contains 0."""


def interval_text(interval: list | None) -> str:
    """`[0.55, 0.67]`, or "" without an interval."""
    return "" if not interval or interval[0] is None else f"[{interval[0]:.2f}, {interval[1]:.2f}]"


def f1_text(f1: float, interval: dict | None = None) -> str:
    """`0.612 [0.55, 0.67]`: micro F1 and its bootstrap interval (the F1 alone without one)."""
    bounds = interval_text((interval or {}).get("f1"))
    return f"{f1:.3f} {bounds}" if bounds else f"{f1:.3f}"


def interval_note(metrics: dict) -> str | None:
    """One sentence saying how the intervals were computed, from the first block that has one."""
    for _, found in present_blocks(metrics):
        interval = found.get("interval")
        if interval:
            if interval.get("f1") is None:
                return f"No confidence intervals: {interval.get('note', 'not computed')}."
            return (f"[lo, hi]: {interval['confidence']:.0%} interval of micro F1 by a document-level bootstrap "
                    f"({interval['draws']} draws over {interval['documents']} documents, seed {interval['seed']}).")
    return None


def blocks(metrics: dict) -> list[tuple[str, str, dict]]:
    """(path, title, block) of every metric block the metrics hold, in report order."""
    return [(block.path, block.title, found) for block, found in present_blocks(metrics)]


def block_rows(block: dict, skip_empty: bool = False) -> list[tuple[str, dict]]:
    """(row name, figures) for micro, macro and each type; `skip_empty` drops types with no gold
    and no prediction."""
    rows = [("micro", block["micro"]), ("macro", block["macro"])]
    for name, row in block["per_type"].items():
        if not (skip_empty and row.get("support", 0) == 0 and row.get("predicted", 1) == 0):
            rows.append((name, row))
    return rows


def _figures(row: dict, interval: dict | None = None) -> str:
    support = row.get("support")
    bounds = interval_text((interval or {}).get("f1"))
    return (f"{row['precision']:>7.3f}{row['recall']:>7.3f}{row['f1']:>7.3f} {bounds:<13}"
            f"{'' if support is None else support:>8}")


def format_table(metrics: dict, per_type: tuple[str, ...] = DETAILED) -> str:
    """A compact text table: P, R, F1 [95% interval] and support per block; per type for
    `per_type` blocks; then F1 per source when the documents come from several."""
    width = max([len(t) for _, _, b in blocks(metrics) for t in b["per_type"]] + [8]) + 2
    lines = [f"{'':<{width}}{'P':>7}{'R':>7}{'F1':>7} {'[95% CI]':<13}{'support':>8}"]
    for key, title, block in blocks(metrics):
        lines.append(title)
        rows = block_rows(block, skip_empty=True) if key in per_type else block_rows(block)[:2]
        lines += [f"  {name:<{width - 2}}{_figures(row, block.get('interval') if name == 'micro' else None)}"
                  for name, row in rows]
    counts = metrics.get("counts", {})
    lines.append(f"{counts.get('documents', '?')} documents, {counts.get('gold_entities', '?')} gold / "
                 f"{counts.get('predicted_entities', '?')} predicted entities, {counts.get('gold_relations', '?')} gold / "
                 f"{counts.get('predicted_relations', '?')} predicted relations")
    if counts.get("missing_documents"):
        lines.append(f"missing from the predictions (scored as misses): {', '.join(counts['missing_documents'])}")
    if (note := interval_note(metrics)):
        lines.append(note)
    if metrics.get("per_source"):
        lines += ["", "micro F1 per source"] + source_table(metrics)
    return "\n".join(lines)


def source_rows(metrics: dict) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of micro F1 per source and block: source, documents, dates, then one F1 per block."""
    present = [block for block, _ in present_blocks(metrics)]
    header = ["source", "docs", "dates"] + [block.column for block in present]
    rows = []
    for source, entry in (metrics.get("per_source") or {}).items():
        dates = entry.get("dates")
        span = "" if not dates else dates[0] if dates[0] == dates[1] else f"{dates[0]}..{dates[1]}"
        rows.append([source, str(entry["documents"]), span]
                    + [f"{entry[b.path]['f1']:.3f}" if b.path in entry else "-" for b in present])
    return header, rows


def source_table(metrics: dict) -> list[str]:
    header, rows = source_rows(metrics)
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(3)]
    out = ["  " + "".join(f"{h:<{w + 2}}" for h, w in zip(header[:3], widths)) + "".join(f"{h:>14}" for h in header[3:])]
    out += ["  " + "".join(f"{c:<{w + 2}}" for c, w in zip(row[:3], widths)) + "".join(f"{c:>14}" for c in row[3:])
            for row in rows]
    return out


def paired_comparison(model: dict, baseline: dict) -> dict[str, dict]:
    """Block path -> model minus baseline micro F1 with a paired bootstrap interval over the
    same resampled documents ({} when either side lacks per-document counts or the documents
    differ). Draws and seed are those of the model's own intervals."""
    mine, other = model.get("per_document"), baseline.get("per_document")
    if not mine or not other or mine["ids"] != other["ids"]:
        return {}
    settings = next((found["interval"] for _, found in present_blocks(model) if found.get("interval")), {})
    theirs = {path: other["counts"][counterpart(path)] for path in mine["counts"] if counterpart(path) in other["counts"]}
    return paired_differences(mine["counts"], theirs, settings.get("draws", DRAWS), settings.get("seed", SEED),
                              settings.get("confidence", CONFIDENCE))


def comparison_rows(model: dict, baseline: dict, detailed: bool = True,
                    paired: dict | None = None) -> list[tuple[str, float, float, list | None]]:
    """(figure, model, baseline, 95% interval of the difference or None): headline micro F1s
    (with the paired bootstrap interval), then (`detailed`) strict span F1 per entity type and
    end-to-end F1 per relation type."""
    paired = paired_comparison(model, baseline) if paired is None else paired
    base = {block.path: found for block, found in present_blocks(baseline)}
    rows = [(block.title, found["micro"]["f1"], base[counterpart(block.path)]["micro"]["f1"],
             (paired.get(block.path) or {}).get("interval"))
            for block, found in present_blocks(model) if counterpart(block.path) in base]
    if not detailed:
        return rows
    for section, key, label in (("ner", "span", "entity span F1"), ("relations", "end_to_end", "relation F1")):
        model_types, base_types = model[section][key]["per_type"], baseline[section][key]["per_type"]
        for name, row in model_types.items():
            other = base_types.get(name, {"f1": 0.0, "support": 0})
            if row.get("support") or row.get("predicted") or other.get("predicted"):
                rows.append((f"{label} {name}", row["f1"], other["f1"], None))
    return rows


def noise_lines(rows: list[tuple[str, float, float, list | None]],
                labels: tuple[str, str] = ("model", "baseline")) -> list[str]:
    """A plain sentence for each headline difference whose interval contains 0."""
    lines = []
    for name, m, b, ci in rows:
        if ci is None or not ci[0] <= 0.0 <= ci[1]:
            continue
        if ci[0] == ci[1] == 0.0:
            lines.append(f"{name}: {labels[0]} and {labels[1]} score the same on every document.")
        else:
            lines.append(f"{name}: {labels[0]} {m:.3f} vs {labels[1]} {b:.3f}, difference {m - b:+.3f} "
                         f"[{ci[0]:+.2f}, {ci[1]:+.2f}] contains 0: {NOISE}.")
    return lines


def format_comparison(model: dict, baseline: dict, detailed: bool = True,
                      labels: tuple[str, str] = ("model", "baseline")) -> str:
    """Model and baseline side by side, as a text table: the difference of each headline F1
    with its 95% paired bootstrap interval, and which differences are noise."""
    rows = comparison_rows(model, baseline, detailed)
    width = max(len(name) for name, *_ in rows) + 2
    a, b = (label[:24] for label in labels)
    lines = [f"{'':<{width}}{a:>{max(8, len(a) + 1)}}{b:>{max(10, len(b) + 1)}}{'diff':>8}  95% CI of diff"]
    lines += [f"{name:<{width}}{m:>{max(8, len(a) + 1)}.3f}{o:>{max(10, len(b) + 1)}.3f}{m - o:>+8.3f}  "
              f"{'' if ci is None else f'[{ci[0]:+.2f}, {ci[1]:+.2f}]'}".rstrip() for name, m, o, ci in rows]
    if any(ci is not None for *_, ci in rows):
        lines.append("95% CI: paired document bootstrap (the same resampled documents for both sides).")
    lines += noise_lines(rows, labels)
    return "\n".join(lines)


# --- Markdown -------------------------------------------------------------------------

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def md_escape(text: str) -> str:
    """Text safe inside Markdown prose and table cells (newlines become spaces)."""
    return " ".join(text.split()).translate(_MD_SPECIAL)


def segments(sentence: str, base: int, spans: list[dict]) -> list[tuple[str, dict | None]]:
    """Cut a sentence into (text, span or None) pieces; a span overlapping an earlier one is skipped."""
    pieces, cursor = [], 0
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        start, end = span["start"] - base, span["end"] - base
        if start < cursor or start < 0 or end > len(sentence):
            continue
        pieces += [(sentence[cursor:start], None), (sentence[start:end], span)]
        cursor = end
    pieces.append((sentence[cursor:], None))
    return [(text, span) for text, span in pieces if text]


def _md_marked(error: dict, side: str) -> str:
    out = []
    for text, span in segments(error["sentence"], error["sentence_start"], error[side]):
        out.append(f"**⟦{md_escape(text)}⟧**<sub>{md_escape(span.get('type', ''))}</sub>" if span else md_escape(text))
    return "".join(out)


def describe_relation(relation: dict | None) -> str:
    """`TYPE(head: ...; tail: ...)` for an error's relation, or "none"."""
    if relation is None:
        return "none"
    return f"{relation['type']}(head: {relation['head']['text']}; tail: {relation['tail']['text']})"


def _md_block_table(block: dict) -> list[str]:
    lines = ["| | P | R | F1 [95% CI] | support |", "|---|---:|---:|---:|---:|"]
    for name, row in block_rows(block):
        support = row.get("support", "")
        f1 = f1_text(row["f1"], block.get("interval") if name == "micro" else None)
        lines.append(f"| {md_escape(name)} | {row['precision']:.3f} | {row['recall']:.3f} | {f1} | {support} |")
    return lines


def _md_table(header: list[str], rows: list[list[str]], left: int = 1) -> list[str]:
    return (["| " + " | ".join(md_escape(h) for h in header) + " |",
             "|" + "---|" * left + "---:|" * (len(header) - left)]
            + ["| " + " | ".join(md_escape(str(c)) for c in row) + " |" for row in rows])


def comparison_table(metrics: dict, baseline: dict,
                     labels: tuple[str, str]) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, rows, noise sentences) of the side-by-side comparison, for Markdown and HTML."""
    rows = comparison_rows(metrics, baseline)
    body = [[n, f"{m:.3f}", f"{b:.3f}", f"{m - b:+.3f}", "" if ci is None else f"[{ci[0]:+.2f}, {ci[1]:+.2f}]"]
            for n, m, b, ci in rows]
    return ["", labels[0], labels[1], "diff", "95% CI of diff"], body, noise_lines(rows, labels)


def comparison_heading(labels: tuple[str, str]) -> str:
    first = "Model" if labels[0] == "model" else labels[0]
    return f"{first} vs {labels[1]} (micro F1 unless named)"


def calibration_rows(area: dict) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of a reliability table (one row per score bin)."""
    rows = [[f"{r['bin'][0]:.1f}–{r['bin'][1]:.1f}", str(r["count"]),
             "" if r["confidence"] is None else f"{r['confidence']:.3f}",
             "" if r["accuracy"] is None else f"{r['accuracy']:.3f}"] for r in area["reliability"]]
    return ["score bin", "predictions", "mean score", "fraction correct"], rows


def threshold_rows(area: dict) -> tuple[list[str], list[list[str]]]:
    """(header, rows): per threshold, each type's `precision / recall (kept)`; types with neither
    predictions nor gold are left out."""
    table = area["precision_recall"]
    types = [t for t, rows in table.items() if rows[0]["predicted"] or any(r["recall"] for r in rows)]
    header = ["min score"] + [f"{t} P / R (kept)" for t in types]
    rows = []
    for i, threshold in enumerate(r["threshold"] for r in next(iter(table.values()), [])):
        rows.append([f"{threshold:.2f}"] + [f"{table[t][i]['precision']:.2f} / {table[t][i]['recall']:.2f} "
                                             f"({table[t][i]['predicted']})" for t in types])
    return header, rows


def operating_point_lines(section: dict) -> list[str]:
    """One sentence per area naming, per type, the lowest threshold with precision ≥ the target."""
    lines = []
    for area in ("entities", "relations"):
        points = section[area]["operating_points"]
        named = [f"{t} ≥ {v:.2f}" for t, v in points.items() if v is not None]
        none = [t for t, v in points.items() if v is None and section[area]["precision_recall"][t][0]["predicted"]]
        text = f"{area}: lowest threshold with precision ≥ {section['target_precision']:.2f} on {section['split']}: "
        text += ", ".join(named) if named else "none"
        if none:
            text += f" (no threshold reaches it for {', '.join(none)})"
        lines.append(text)
    return lines


def min_score_command(section: dict) -> str | None:
    """`python -m train predict RUN_DIR INPUT... --min-score TYPE=T ...` at the operating points."""
    args = " ".join(f"--min-score {t}={v:g}" for area in ("entities", "relations")
                    for t, v in section[area]["operating_points"].items() if v is not None)
    return f"python -m train predict RUN_DIR INPUT... {args}" if args else None


def calibration_summary(section: dict) -> str:
    """ECE of entities and relations in one sentence."""
    parts = []
    for area in ("entities", "relations"):
        found = section[area]
        ece = "n/a" if found["ece"] is None else f"{found['ece']:.3f}"
        parts.append(f"{area}: ECE {ece} over {found['items']} scored predictions")
    documents = len(section["documents"])
    return (f"Calibration on the {section['split']} split ({documents} document{'s' if documents != 1 else ''}; "
            f"{section['bins']} equal-width score bins; correct = exact span and type): " + "; ".join(parts) + ".")


def _md_calibration(section: dict) -> list[str]:
    lines = ["## Calibration and operating points", "", md_escape(calibration_summary(section)), ""]
    for area in ("entities", "relations"):
        lines += [f"### Reliability, {area}", ""] + _md_table(*calibration_rows(section[area])) + [""]
    for area in ("entities", "relations"):
        header, rows = threshold_rows(section[area])
        if len(header) > 1:
            lines += [f"### Precision and recall by minimum score, {area}", ""] + _md_table(header, rows) + [""]
    lines += [f"- {md_escape(line)}" for line in operating_point_lines(section)]
    if (command := min_score_command(section)):
        lines.append(f"- to predict at these thresholds: `{command}`")
    return lines + [""]


def _md_confusion(confusion: dict) -> list[str]:
    columns = confusion["columns"]
    lines = ["| gold \\ predicted | " + " | ".join(md_escape(c) for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for row in confusion["rows"]:
        lines.append(f"| {md_escape(row)} | " + " | ".join(str(confusion["counts"][row][c]) for c in columns) + " |")
    return lines


def _md_errors(errors: list[dict]) -> list[str]:
    lines = [f"## Errors ({len(errors)})", ""]
    for error in errors:
        title = f"- `{error['doc_id']}` **{error['kind']}**"
        if error.get("area") == "relation":
            title += (f" — gold {md_escape(describe_relation(error['gold_relation']))}, "
                      f"predicted {md_escape(describe_relation(error['predicted_relation']))}")
        lines += [title, f"  - gold: {_md_marked(error, 'gold')}", f"  - predicted: {_md_marked(error, 'predicted')}"]
    return lines


def markdown_report(metrics: dict, errors: list[dict], title: str, baseline: dict | None = None,
                    labels: tuple[str, str] = ("model", "baseline"), figures: dict[str, str] | None = None) -> str:
    """The full Markdown report: counts, model vs baseline (or A vs B, `labels`) with paired
    intervals, every table, F1 per source, calibration, links to `figures` (name -> PNG file
    beside the report), every error."""
    from .figures import FIGURE_TITLES

    lines = [f"# {md_escape(title)}", "", "```", format_table(metrics), "```", ""]
    if baseline is not None:
        header, rows, noise = comparison_table(metrics, baseline, labels)
        lines += [f"## {md_escape(comparison_heading(labels))}", ""] + _md_table(header, rows) + [""]
        if any(row[-1] for row in rows):
            lines += ["95% CI: paired document bootstrap over the same resampled documents.", ""]
        lines += [f"- {md_escape(line)}" for line in noise] + ([""] if noise else [])
    for _, name, block in blocks(metrics):
        lines += [f"## {name}", ""] + _md_block_table(block) + [""]
    if metrics.get("per_source"):
        lines += ["## Micro F1 per source", ""] + _md_table(*source_rows(metrics), left=3) + [""]
    if metrics.get("calibration"):
        lines += _md_calibration(metrics["calibration"])
    for name, path in (figures or {}).items():
        lines += [f"## {FIGURE_TITLES.get(name, name)}", "", f"![{FIGURE_TITLES.get(name, name)}]({path})", ""]
    lines += ["## Entity type confusion (aligned spans)", ""] + _md_confusion(metrics["ner"]["confusion"]) + [""]
    return "\n".join(lines + _md_errors(errors)) + "\n"
