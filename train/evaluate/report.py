"""Reports of a metrics dict (and error list): a text table, Markdown, and (in `report_html`) HTML.

Every label shown comes from the metrics themselves (their per-type keys, which come
from the schema), never from a list in this file.
"""

from __future__ import annotations

from .scoring import headline, present_blocks

DETAILED = ("ner.span", "relations.end_to_end")
"""Blocks shown per type in the text table; the others show micro and macro only."""


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


def _figures(row: dict) -> str:
    support = row.get("support")
    return f"{row['precision']:>7.3f}{row['recall']:>7.3f}{row['f1']:>7.3f}{'' if support is None else support:>9}"


def format_table(metrics: dict, per_type: tuple[str, ...] = DETAILED) -> str:
    """A compact text table: P, R, F1 and support per block; per type for `per_type` blocks."""
    width = max([len(t) for _, _, b in blocks(metrics) for t in b["per_type"]] + [8]) + 2
    lines = [f"{'':<{width}}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}"]
    for key, title, block in blocks(metrics):
        lines.append(title)
        rows = block_rows(block, skip_empty=True) if key in per_type else block_rows(block)[:2]
        lines += [f"  {name:<{width - 2}}{_figures(row)}" for name, row in rows]
    counts = metrics.get("counts", {})
    lines.append(f"{counts.get('documents', '?')} documents, {counts.get('gold_entities', '?')} gold / "
                 f"{counts.get('predicted_entities', '?')} predicted entities, {counts.get('gold_relations', '?')} gold / "
                 f"{counts.get('predicted_relations', '?')} predicted relations")
    if counts.get("missing_documents"):
        lines.append(f"missing from the predictions (scored as misses): {', '.join(counts['missing_documents'])}")
    return "\n".join(lines)


def comparison_rows(model: dict, baseline: dict, detailed: bool = True) -> list[tuple[str, float, float]]:
    """(figure, model, baseline): headline micro F1s, then (`detailed`) strict span F1 per entity
    type and end-to-end F1 per relation type."""
    base_headline = headline(baseline)
    rows = [(name, value, base_headline[name]) for name, value in headline(model).items() if name in base_headline]
    if not detailed:
        return rows
    for section, key, label in (("ner", "span", "entity span F1"), ("relations", "end_to_end", "relation F1")):
        model_types, base_types = model[section][key]["per_type"], baseline[section][key]["per_type"]
        for name, row in model_types.items():
            other = base_types.get(name, {"f1": 0.0, "support": 0})
            if row.get("support") or row.get("predicted") or other.get("predicted"):
                rows.append((f"{label} {name}", row["f1"], other["f1"]))
    return rows


def format_comparison(model: dict, baseline: dict, detailed: bool = True) -> str:
    """Model and baseline side by side, as a text table."""
    rows = comparison_rows(model, baseline, detailed)
    width = max(len(name) for name, _, _ in rows) + 2
    lines = [f"{'':<{width}}{'model':>8}{'baseline':>10}{'diff':>8}"]
    lines += [f"{name:<{width}}{m:>8.3f}{b:>10.3f}{m - b:>+8.3f}" for name, m, b in rows]
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
    lines = ["| | P | R | F1 | support |", "|---|---:|---:|---:|---:|"]
    for name, row in block_rows(block):
        support = row.get("support", "")
        lines.append(f"| {md_escape(name)} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {support} |")
    return lines


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


def markdown_report(metrics: dict, errors: list[dict], title: str, baseline: dict | None = None) -> str:
    """The full Markdown report: counts, model vs baseline, every table, every error."""
    lines = [f"# {md_escape(title)}", "", "```", format_table(metrics), "```", ""]
    if baseline is not None:
        lines += ["## Model vs baseline (micro F1 unless named)", "", "| | model | baseline | diff |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {md_escape(n)} | {m:.3f} | {b:.3f} | {m - b:+.3f} |" for n, m, b in comparison_rows(metrics, baseline)]
        lines.append("")
    for _, name, block in blocks(metrics):
        lines += [f"## {name}", ""] + _md_block_table(block) + [""]
    lines += ["## Entity type confusion (aligned spans)", ""] + _md_confusion(metrics["ner"]["confusion"]) + [""]
    return "\n".join(lines + _md_errors(errors)) + "\n"
