"""What scoring writes: metrics<suffix>.json, report<suffix>.md/.html with their figures,
and the `comparison` entry of metrics.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..data.schema import Schema
from .figures import report_figures, write_figures
from .report import markdown_report, paired_comparison
from .report_html import html_report


def comparison_entry(metrics: dict, other: dict, what: str) -> dict:
    """The `comparison` entry of metrics.json: per block, A - B micro F1 with its paired interval."""
    return {"difference": what, "blocks": paired_comparison(metrics, other)}


def write_outputs(out: Path, suffix: str, metrics: dict, errors: list[dict], schema: Schema, title: str,
                  baseline: dict | None = None, labels: tuple[str, str] = ("model", "baseline"),
                  log_path: Path | None = None) -> None:
    """metrics<suffix>.json, report<suffix>.md, report<suffix>.html and the figures
    (report<suffix>_confusion.png; report<suffix>_learning_curves.png from a run's `log_path`) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / f"metrics{suffix}.json", metrics)
    write_reports(out, suffix, metrics, errors, schema, title, baseline, labels, log_path)


def write_reports(out: Path, suffix: str, metrics: dict, errors: list[dict], schema: Schema, title: str,
                  baseline: dict | None = None, labels: tuple[str, str] = ("model", "baseline"),
                  log_path: Path | None = None) -> None:
    """report<suffix>.md, report<suffix>.html and their figures in `out` (see `write_outputs`)."""
    figures = report_figures(metrics, log_path)
    files = write_figures(out, suffix, figures)
    (out / f"report{suffix}.md").write_text(markdown_report(metrics, errors, title, baseline, labels, files),
                                            encoding="utf-8")
    (out / f"report{suffix}.html").write_text(html_report(metrics, errors, schema, title, baseline, labels, figures),
                                              encoding="utf-8")


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
