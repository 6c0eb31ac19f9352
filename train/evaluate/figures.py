"""Figures for the reports and the model card, drawn with matplotlib (Agg, no display).

- learning curves from a run's `train_log.jsonl`: the training loss at every logged step,
  and the validation selection metric (`train.select_metric`, an F1) after each epoch;
- the entity-type confusion matrix of a metrics dict (gold type against predicted type
  over aligned spans, with MISSED and SPURIOUS).

Each is PNG bytes; `data_uri` embeds them in HTML, `write_figures` puts them beside the
reports (`report*_<name>.png`) where the model card links them.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

LOG_KEYS = {"event", "epoch", "best_epoch", "best", "selection"}


def read_log(path: Path) -> tuple[list[tuple[int, float]], list[tuple[int, float]], str | None]:
    """(step, loss) pairs, (epoch, validation value) pairs and the validation metric's name."""
    steps, epochs, name = [], [], None
    if not path.is_file():
        return steps, epochs, name
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        if record.get("event") == "step" and isinstance(record.get("loss"), (int, float)):
            steps.append((int(record["step"]), float(record["loss"])))
        elif record.get("event") == "epoch":
            values = [(k, v) for k, v in record.items() if k not in LOG_KEYS and isinstance(v, (int, float))]
            if values:
                name = values[0][0]
                epochs.append((int(record["epoch"]), float(values[0][1])))
    return steps, epochs, name


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _figure(width: float, height: float):
    # A bare Figure (no pyplot) draws with the Agg canvas: no global state, no display needed.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def learning_curves_png(log_path: Path) -> bytes | None:
    """Training loss per logged step and validation metric per epoch, or None without a log."""
    steps, epochs, name = read_log(Path(log_path))
    if not steps and not epochs:
        return None
    figure = _figure(9, 3.4)
    loss_axes, val_axes = figure.subplots(1, 2)
    if steps:
        loss_axes.plot([s for s, _ in steps], [v for _, v in steps], color="#1f77b4", linewidth=1.2)
    loss_axes.set(title="training loss (logged steps)", xlabel="optimizer step", ylabel="loss")
    loss_axes.grid(alpha=0.3)
    if epochs:
        val_axes.plot([e for e, _ in epochs], [v for _, v in epochs], marker="o", color="#d62728")
        val_axes.set_ylim(0, max(1.0, max(v for _, v in epochs)))
        from matplotlib.ticker import MaxNLocator

        val_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        val_axes.text(0.5, 0.5, "no validation split", ha="center", va="center", transform=val_axes.transAxes)
    val_axes.set(title=f"validation {name or 'F1'} per epoch", xlabel="epoch", ylabel=name or "F1")
    val_axes.grid(alpha=0.3)
    return _png(figure)


def confusion_png(confusion: dict) -> bytes | None:
    """A heat map of the confusion table (`errors.confusion_table`), counts written in the cells."""
    rows, columns = confusion.get("rows") or [], confusion.get("columns") or []
    if not rows or not columns:
        return None
    values = [[confusion["counts"][r][c] for c in columns] for r in rows]
    figure = _figure(2.4 + 0.9 * len(columns), 1.4 + 0.6 * len(rows))
    axes = figure.subplots()
    image = axes.imshow(values, cmap="Blues")
    top = max(max(row) for row in values) or 1
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            axes.text(j, i, str(value), ha="center", va="center", color="white" if value > top / 2 else "black")
    axes.set_xticks(range(len(columns)), labels=columns, rotation=30, ha="right")
    axes.set_yticks(range(len(rows)), labels=rows)
    axes.set(xlabel="predicted", ylabel="gold", title="entity types (aligned spans)")
    figure.colorbar(image, ax=axes, shrink=0.8)
    return _png(figure)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_figures(metrics: dict, log_path: Path | None = None) -> dict[str, bytes]:
    """{"learning_curves", "confusion"}: the figures that can be drawn (name -> PNG bytes)."""
    figures = {}
    if log_path is not None and (curves := learning_curves_png(log_path)) is not None:
        figures["learning_curves"] = curves
    if "ner" in metrics and (confusion := confusion_png(metrics["ner"].get("confusion") or {})) is not None:
        figures["confusion"] = confusion
    return figures


FIGURE_TITLES = {"learning_curves": "Learning curves (training loss; validation metric per epoch)",
                 "confusion": "Entity-type confusion matrix (aligned spans)"}


def figure_file(suffix: str, name: str) -> str:
    """The file name a figure gets beside `report<suffix>.md` (matches the run entry `report*.png`)."""
    return f"report{suffix}_{name}.png"


def write_figures(out: Path, suffix: str, figures: dict[str, bytes]) -> dict[str, str]:
    """Write each figure as `report<suffix>_<name>.png` in `out`; name -> file name."""
    written = {}
    for name, png in figures.items():
        (out / figure_file(suffix, name)).write_bytes(png)
        written[name] = figure_file(suffix, name)
    return written
