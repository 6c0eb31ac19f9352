"""Which model and which registry made an output row: run id, weights hash, registry version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..link.registry import REGISTRY_VERSION

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class Provenance:
    """`run_id`: the run directory's name, with the start time from its `run.json` when it
    has one; `weights_sha256`: the first 16 hex digits of the SHA-256 of the model's weight
    file; `registry_version`: `train.link.registry.REGISTRY_VERSION`."""

    run_id: str
    weights_sha256: str
    registry_version: str = REGISTRY_VERSION

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "weights_sha256": self.weights_sha256,
                "registry_version": self.registry_version}


def model_folder(run_dir: Path) -> Path:
    """The saved model folder of a run directory (its `model/`), or the folder itself."""
    return run_dir / "model" if (run_dir / "model" / "config.json").is_file() else run_dir


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in `chunk`-byte pieces. Raises OSError."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def run_provenance(run_dir: Path) -> Provenance:
    """The `Provenance` of a run directory (or saved model folder). Raises FileNotFoundError
    naming the folder when it holds no weight file."""
    run_dir = Path(run_dir)
    folder = model_folder(run_dir)
    weights = next((folder / name for name in WEIGHT_FILES if (folder / name).is_file()), None)
    if weights is None:
        raise FileNotFoundError(f"{run_dir}: no model weights ({' or '.join(WEIGHT_FILES)}) in {folder}")
    run_id = run_dir.resolve().name
    marker = run_dir / "run.json"
    try:
        started = json.loads(marker.read_text(encoding="utf-8")).get("started") if marker.is_file() else None
    except (OSError, ValueError, AttributeError):
        started = None
    return Provenance(f"{run_id}@{started}" if started else run_id, file_sha256(weights)[:16])
