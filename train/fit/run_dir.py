"""The run directory: what `fit` may create, replace and delete there, and nothing else.

A run directory is recognised by the marker file `fit` writes first (`RUN_MARKER`). Only
the entries a run creates (`is_run_entry`) are ever deleted, by `--overwrite`, and only in a
directory that holds nothing else; the repository root, its ancestors, the home folder
and `/` are refused outright, whatever the flags.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import time
from pathlib import Path

from ..data.schema import PROJECT_DIR

RUN_MARKER = "run.json"
RUN_ENTRIES = ("run.json", "config.yaml", "train_log.jsonl", "README.md", "model", "model.tmp", "model.old",
               "checkpoint", "checkpoint.tmp", "checkpoint.old", "predictions", "metrics*.json", "report*.md",
               "report*.html", "report*.png", "run.lock", "run.lock.owner", "dataset")
"""Names (glob patterns) of what `fit`, `evaluate` and `card` write into a run directory."""


class RunDirectoryError(ValueError):
    """The run directory cannot be used as asked; the message says why and what to do."""


def is_run_entry(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in RUN_ENTRIES)


def check_location(run_dir: Path) -> None:
    """Refuse `/`, the home folder, the repository root and any folder that contains it."""
    resolved = run_dir.resolve()
    forbidden = {Path("/").resolve(), Path.home().resolve(), PROJECT_DIR.resolve()}
    if resolved in forbidden or PROJECT_DIR.resolve().is_relative_to(resolved):
        raise RunDirectoryError(f"{run_dir}: refusing to use {resolved} as a run directory (it is the root, the home "
                                f"folder or holds the repository); set --train.output_dir to a folder of its own")


def foreign_entries(run_dir: Path) -> list[str]:
    return sorted(p.name for p in run_dir.iterdir() if not is_run_entry(p.name)) if run_dir.is_dir() else []


def holds_run(run_dir: Path) -> bool:
    return (run_dir / RUN_MARKER).is_file()


def prepare(run_dir: Path, resume: bool, overwrite: bool, has_checkpoint: bool) -> None:
    """Check that `fit` may use `run_dir` as asked; with `overwrite`, clear the old run.

    Raises RunDirectoryError: the location is forbidden; the folder holds files that are not
    a run's; it holds a run and neither `resume` nor `overwrite` was given; `resume`
    without a checkpoint.
    """
    check_location(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunDirectoryError(f"{run_dir}: exists and is not a folder")
    foreign = foreign_entries(run_dir)
    if foreign:
        shown = ", ".join(foreign[:8]) + (", ..." if len(foreign) > 8 else "")
        raise RunDirectoryError(f"{run_dir}: holds files that are not a run's ({shown}); "
                                "choose an empty or new --train.output_dir (nothing was changed)")
    previous = run_dir.is_dir() and any(not p.name.startswith("run.lock") for p in run_dir.iterdir())
    if previous and not holds_run(run_dir) and not resume:
        raise RunDirectoryError(f"{run_dir}: has run files but no {RUN_MARKER}; remove them yourself or choose "
                                "another --train.output_dir")
    if resume and not has_checkpoint:
        raise RunDirectoryError(f"{run_dir}: no checkpoint to resume from")
    if previous and not (resume or overwrite):
        raise RunDirectoryError(f"{run_dir} already holds a run: pass --resume to continue it or "
                                f"--overwrite to start again (or set --train.output_dir=...)")
    if previous and overwrite and not resume:
        clear_run(run_dir)


def clear_run(run_dir: Path) -> None:
    """Delete the entries a run created (never anything else; see `prepare`)."""
    for entry in run_dir.iterdir():
        if is_run_entry(entry.name) and not entry.name.startswith("run.lock"):
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


def write_marker(run_dir: Path, name: str, resume: bool) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    marker = run_dir / RUN_MARKER
    record = json.loads(marker.read_text(encoding="utf-8")) if resume and marker.is_file() else {
        "created_by": "python -m train fit", "config": name, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    if resume:
        record.setdefault("resumed", []).append(time.strftime("%Y-%m-%d %H:%M:%S"))
    marker.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
