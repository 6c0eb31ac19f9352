"""Crash-safe run directory writes: build in a temporary folder, then rename into place."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..data.gazetteer import Gazetteer
from ..predict.ruler import save_ruler

CHECKPOINT = "checkpoint"
BEST_MODEL = "model"
TRAINER_STATE = "trainer_state.json"


@dataclass
class TrainerState:
    """Where training stands; written as `checkpoint/trainer_state.json` for `--resume`."""

    epoch: int = 0
    """Epochs finished."""
    step: int = 0
    """Optimizer steps taken."""
    best: float | None = None
    """The best value of `train.select_metric` so far (None before the first epoch)."""
    best_epoch: int | None = None
    """The epoch (from 1) whose model is `model/`."""
    bad_epochs: int = 0
    """Epochs since the last improvement (for `train.patience`)."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def fresh_temporary(final: Path) -> Path:
    """An empty `<final>.tmp` folder (a half-written one from a crash is discarded)."""
    tmp = Path(final).with_name(Path(final).name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def swap_into_place(tmp: Path, final: Path) -> None:
    """Replace `final` by the finished `tmp`; the old version stays valid until the rename."""
    old = final.with_name(final.name + ".old")
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(final: Path):
    """Yield a temporary folder next to `final`; on success it replaces `final`.

    A crash while writing leaves `final` untouched; the half-written `*.tmp` folder is
    removed at the next attempt.
    """
    final = Path(final)
    tmp = fresh_temporary(final)
    yield tmp
    swap_into_place(tmp, final)


def save_model(model, tokenizer, path: Path, ruler: Gazetteer | None = None) -> None:
    """`save_pretrained` of model (safetensors, config with id2label and schema) and tokenizer,
    and the entity ruler's names when there is one (`predict/ruler.py`)."""
    with atomic_directory(path) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        save_ruler(ruler, tmp)


def save_checkpoint(accelerator, model, tokenizer, state: TrainerState, run_dir: Path) -> None:
    """Everything `--resume` needs: weights, optimizer, scheduler, RNG states, trainer state.

    Every process writes its RNG state into the same temporary folder; the main process
    renames it into place once all have finished.
    """
    final = Path(run_dir) / CHECKPOINT
    tmp = final.with_name(final.name + ".tmp")
    if accelerator.is_main_process:
        fresh_temporary(final)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp / "accelerate"))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        accelerator.unwrap_model(model).config.save_pretrained(tmp / "model_config")
        tokenizer.save_pretrained(tmp / "tokenizer")
        (tmp / TRAINER_STATE).write_text(json.dumps(state.to_dict(), indent=2) + "\n", encoding="utf-8")
        swap_into_place(tmp, final)
    accelerator.wait_for_everyone()


def drop_frozen_weights(models, weights: list[dict], _output_dir) -> None:
    """accelerate save-state hook: checkpoints leave out parameters that are not trained.

    Frozen weights (a pretrained word embedding, `model.freeze_embeddings`) never change, so
    `--resume` reads them from the run's `model/` folder; the checkpoint keeps what training
    changes (trainable weights, optimizer, scheduler, RNG states).
    """
    for model, state in zip(models, weights):
        for name, param in model.named_parameters():
            if not param.requires_grad:
                state.pop(name, None)


def checkpoint_due(state: TrainerState, improved: bool, every: int, last: bool) -> bool:
    """Write a resume checkpoint after an improving epoch, every `every` epochs, and at the end."""
    return improved or last or state.epoch % every == 0


def truncate_log(path: Path, step: int, epoch: int) -> None:
    """Drop log records past a checkpoint's step and epoch: a resumed run writes them again."""
    if not path.exists():
        return
    keep = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if (record.get("event") == "step" and record["step"] > step) or (
                record.get("event") == "epoch" and record["epoch"] > epoch):
            continue
        keep.append(line)
    path.write_text("".join(f"{line}\n" for line in keep), encoding="utf-8")


def recover_checkpoint(run_dir: Path) -> None:
    """Finish a checkpoint swap that a kill interrupted, keeping the newest complete one.

    `swap_into_place` renames checkpoint -> checkpoint.old, checkpoint.tmp -> checkpoint,
    then deletes checkpoint.old; `trainer_state.json` is the last file a checkpoint gets,
    so a folder that has it is complete.
    """
    final = Path(run_dir) / CHECKPOINT
    tmp, old = final.with_name(final.name + ".tmp"), final.with_name(final.name + ".old")
    if not final.exists():
        for candidate in (tmp, old):
            if (candidate / TRAINER_STATE).is_file():
                candidate.rename(final)
                break
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)


def read_trainer_state(run_dir: Path) -> TrainerState | None:
    path = Path(run_dir) / CHECKPOINT / TRAINER_STATE
    return TrainerState(**json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None
