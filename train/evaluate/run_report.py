"""What `fit` adds at the end of a run: calibration on validation, the paired comparison with
the baseline, and report.md / report.html with their figures (`fit.loop.finish` calls this).

Everything here is cheap next to training: one more prediction pass over the validation
split (done by the caller), counting, 1,000 bootstrap draws and two small figures.
"""

from __future__ import annotations

from pathlib import Path

from ..data.documents import Document
from ..data.schema import Schema
from .calibration import calibration
from .errors import find_errors
from .outputs import comparison_entry, write_reports


def finish_run(run_dir: Path, metrics: dict, baseline: dict, test_docs: list[Document], predictions: list[Document],
               val_docs: list[Document], val_predictions: list[Document], schema: Schema) -> dict:
    """Add `calibration` (from the validation predictions, when there are any) and `comparison`
    (model - baseline, paired intervals) to the test `metrics`, write the run's report.md,
    report.html and report_*.png, and return `metrics`."""
    if val_docs:
        metrics["calibration"] = calibration(val_docs, val_predictions, schema, "validation")
    metrics["comparison"] = comparison_entry(metrics, baseline, "model - string-match baseline")
    title = f"{run_dir.name}: test split ({', '.join(d.id for d in test_docs)})"
    write_reports(run_dir, "", metrics, find_errors(test_docs, predictions, schema), schema, title, baseline,
                  log_path=run_dir / "train_log.jsonl")
    return metrics
