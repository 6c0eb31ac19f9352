"""Where a prediction comes from: the run, the exact weights and the code.

`Predictor.from_run` computes this once per loaded model and `predict` writes it as the
`provenance` object of every record it writes:

    {"run_id": "<run directory name>@<start time>", "run": <run.json or null>,
     "model_sha256": "<sha256 of model/model.safetensors>", "code_version": "<git describe or package version>"}
"""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from pathlib import Path

from ..files import file_sha256

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
CODE_DIR = Path(__file__).resolve().parents[2]
"""The checkout this code runs from (for an installed package: its site-packages folder)."""


@lru_cache(maxsize=1)
def code_version() -> str:
    """`git describe --always --dirty --tags` of the checkout the code runs from, else the
    installed package's version (a site-packages folder is no checkout, even inside one)."""
    try:
        if not (CODE_DIR / ".git").exists():
            raise FileNotFoundError(CODE_DIR / ".git")
        found = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=CODE_DIR, capture_output=True,
                               text=True, timeout=10)
        if found.returncode == 0 and found.stdout.strip():
            return "git " + found.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "package " + version("arabic-conflict-relations")
    except PackageNotFoundError:
        return "unknown"


def model_folder(path: Path) -> Path:
    """The saved model of `path`: its `model/` folder when `path` is a run directory, else `path`."""
    return path / "model" if (path / "model" / "config.json").is_file() else path


def provenance(path: Path, model_dir: Path) -> dict:
    """The provenance of a model loaded from `path` (a run directory or a model folder)."""
    run_dir = path if (path / "run.json").is_file() or model_dir != path else path.parent
    marker = run_dir / "run.json"
    run = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
    started = (run or {}).get("started")
    weights = next((model_dir / name for name in WEIGHT_FILES if (model_dir / name).is_file()), None)
    return {"run_id": f"{run_dir.resolve().name}@{started}" if started else run_dir.resolve().name, "run": run,
            "model_sha256": file_sha256(weights) if weights else None, "code_version": code_version()}
