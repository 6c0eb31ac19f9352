"""Which model and which registry made an output row: run id, weights hash, registry version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..link.registry import REGISTRY_VERSION
from ..predict.provenance import WEIGHT_FILES, model_folder, provenance


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


def run_provenance(run_dir: Path) -> Provenance:
    """The `Provenance` of a run directory (or saved model folder), from the one provenance
    that `predict` writes (`predict/provenance.py`). Raises FileNotFoundError naming the
    folder when it holds no weight file."""
    run_dir = Path(run_dir)
    folder = model_folder(run_dir)
    found = provenance(run_dir, folder)
    if found["model_sha256"] is None:
        raise FileNotFoundError(f"{run_dir}: no model weights ({' or '.join(WEIGHT_FILES)}) in {folder}")
    return Provenance(found["run_id"], found["model_sha256"][:16])
