"""`python -m train fit CONFIG`: the training script, top to bottom.

setup (seed, data, model, windows, optimizer) -> epochs (accumulate, clip, step, log)
-> validation after each epoch (decode and score end to end) -> keep the best model by the
config's `select_metric`, early stopping -> score the held-out test split with the best model.
The same code runs on CPU, one GPU or many under `accelerate launch`.
"""

from __future__ import annotations

import json
import math
import time
from contextlib import nullcontext
from pathlib import Path

import yaml
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration, gather_object, set_seed
from safetensors.torch import load_model
from transformers import AutoTokenizer, get_linear_schedule_with_warmup
from transformers.utils import logging as hf_logging

from models.joint import JointConfig, JointModel

from ..align import training_windows
from ..config import Config
from ..data.dataset import DatasetBuildError, gold_totals, sentence_documents
from ..data.documents import Document, write_jsonl
from ..data.gazetteer import Gazetteer
from ..data.schema import Schema
from ..evaluate.baseline import StringMatchBaseline
from ..evaluate.report import format_comparison
from ..evaluate.run_report import finish_run
from ..evaluate.scoring import metric_at, model_alone_predictions, score_documents, score_predictor
from ..files import exclusive
from ..interop.model_card import write_model_card
from ..metric_paths import SELECTION_ALIASES
from ..predict.predictor import Predictor
from ..predict.quantize import record_activation_ranges, save_activation_ranges
from ..predict.ruler import build_ruler
from ..progress import progress
from .batches import LengthGroupedBatches, training_loader
from .build import build_model, freeze, make_optimizer
from .checkpoint import (
    BEST_MODEL,
    CHECKPOINT,
    TrainerState,
    checkpoint_due,
    drop_frozen_weights,
    read_trainer_state,
    recover_checkpoint,
    save_checkpoint,
    save_model,
    truncate_log,
)
from .data import TrainingData, training_data
from .run_dir import RunDirectoryError, check_location, prepare, write_marker

CALIBRATION_ARTICLES = 16
"""Training articles on which `fit` records activation ranges for int8 inference."""


def select_value(metrics: dict, name: str) -> float:
    """The model-selection number: a selection alias (`combined_f1`) or a metric path."""
    paths = SELECTION_ALIASES.get(name, (name,))
    return sum(metric_at(metrics, path) for path in paths) / len(paths)


def predict_split(accelerator: Accelerator, predictor: Predictor, docs: list[Document],
                  model_alone: bool = False) -> list[tuple[Document, Document, Document | None]]:
    """Per document: the end-to-end prediction, relations given the gold entities and, with
    `model_alone` and an entity ruler, the model's entities without it; every process
    predicts a share of the documents and all processes get every prediction."""
    share = docs[accelerator.process_index::accelerator.num_processes]
    alone = (model_alone and model_alone_predictions(predictor, share)) or [None] * len(share)
    mine = list(zip(range(accelerator.process_index, len(docs), accelerator.num_processes),
                    zip(predictor.predict_documents(share), predictor.predict_relations(share), alone)))
    everyone = gather_object(mine) if accelerator.num_processes > 1 else mine
    return [triple for _, triple in sorted(everyone, key=lambda item: item[0])]


def score_split(accelerator: Accelerator, predictor: Predictor, docs: list[Document],
                schema: Schema, model_alone: bool = False) -> tuple[dict, list[Document]]:
    """(metrics with both relation settings and, with `model_alone`, the model's entities
    without the entity ruler; end-to-end predictions) of `docs`."""
    rows = predict_split(accelerator, predictor, docs, model_alone)
    predicted, given = [row[0] for row in rows], [row[1] for row in rows]
    alone = [row[2] for row in rows] if rows and rows[0][2] is not None else None
    return score_documents(docs, predicted, schema, given, model_alone=alone), predicted


def make_predictor(accelerator: Accelerator, model, tokenizer, config: Config, ruler: Gazetteer | None) -> Predictor:
    """A predictor around the (unwrapped) model being trained or selected, decoding as the
    saved model will (with the entity ruler when there is one)."""
    return Predictor(accelerator.unwrap_model(model), tokenizer, config.train.eval_batch_size, accelerator.device,
                     config.train.mixed_precision, ruler=ruler)


def log_line(path: Path, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def resume_conflicts(run_dir: Path, config: Config, schema: Schema) -> list[str]:
    """Config fields and labels that differ from the run being resumed (they shape the model); a
    field the run's config.yaml lacks (written before the field existed) had its default."""
    saved = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) or {}
    ran = {**Config().to_dict()["model"], **(saved.get("model") or {})}
    wanted = config.to_dict()["model"]
    conflicts = [f"model.{key}: run has {value!r}, config has {wanted.get(key)!r}"
                 for key, value in ran.items() if wanted.get(key) != value]
    saved_schema = json.loads((run_dir / BEST_MODEL / "config.json").read_text(encoding="utf-8")).get("schema")
    if saved_schema is not None and saved_schema != schema.to_dict():
        conflicts.append(f"{config.data.schema}: the labels differ from the run's (model/config.json)")
    return conflicts


def load_for_resume(run_dir: Path, config: Config):
    """The model to resume, built from the checkpoint's config, holding the saved best model's
    weights (among them any frozen ones); the checkpoint then replaces the trained weights.
    (Weights are copied into freshly built tensors: `from_pretrained` lays tensors out
    differently, which changes float rounding and would make a resumed run differ from an
    uninterrupted one in the last bits.)"""
    tokenizer = AutoTokenizer.from_pretrained(run_dir / CHECKPOINT / "tokenizer")
    model = JointModel(JointConfig.from_pretrained(run_dir / CHECKPOINT / "model_config"))
    load_model(model, run_dir / BEST_MODEL / "model.safetensors", strict=False)
    freeze(model.encoder, config)
    return model, tokenizer


def make_accelerator(mixed_precision: str, grad_accum: int = 1, cpu: bool = False) -> Accelerator:
    """`fit`'s Accelerator. Batches reach a GPU with non-blocking copies from pinned memory
    (`training_loader`): a blocking copy waits until the GPU has finished all the work queued
    before it, which would stop the host from queuing the next step's kernels while the GPU
    runs this one (and a non-blocking one from pageable memory may still wait, per CUDA's
    "API synchronization behavior")."""
    return Accelerator(cpu=cpu, mixed_precision=mixed_precision, gradient_accumulation_steps=grad_accum,
                       dataloader_config=DataLoaderConfiguration(non_blocking=True))


def fit(config: Config, resume: bool = False, overwrite: bool = False, quiet: bool = False) -> dict:
    """Train, select, and return the test metrics (also written to RUN_DIR/metrics.json).

    Raises RunDirectoryError when the run directory cannot be used as asked (`run_dir.py`)
    and OutputError when another process is training into it.
    """
    t = config.train
    accelerator = make_accelerator(t.mixed_precision, t.grad_accum)
    run_dir = config.resolve(t.output_dir)
    check_location(run_dir)
    with exclusive(run_dir / "run", "python -m train fit") if accelerator.is_main_process else nullcontext():
        if accelerator.is_main_process:
            if resume:
                recover_checkpoint(run_dir)
            prepare(run_dir, resume, overwrite, read_trainer_state(run_dir) is not None)
            write_marker(run_dir, config.name, resume)
        accelerator.wait_for_everyone()
        return train_and_select(accelerator, config, run_dir, resume, quiet)


def train_and_select(accelerator: Accelerator, config: Config, run_dir: Path, resume: bool, quiet: bool) -> dict:
    """The training script proper: data, model, epochs, selection, the held-out test."""
    t = config.train
    say = (lambda *a: None) if quiet else accelerator.print
    hf_logging.disable_progress_bar()  # weight-loading bars would interleave with the training bar
    set_seed(t.seed)
    data = read_training_data(accelerator, config)
    schema, splits = data.schema, data.documents
    if resume and (conflicts := resume_conflicts(run_dir, config, schema)):
        raise RunDirectoryError(f"{run_dir}: --resume with a config that changes the model:\n  " + "\n  ".join(conflicts))
    train_docs, val_docs, test_docs = splits["train"], splits["validation"], splits["test"]
    say(f"dataset: {data.status}; documents: train {len(train_docs)}, validation {len(val_docs)}, test {len(test_docs)}")
    ruler = build_ruler(train_docs, schema) if config.model.entity_ruler else None

    state = read_trainer_state(run_dir) if resume else None
    model, tokenizer = load_for_resume(run_dir, config) if state else build_model(config, schema, train_docs)
    windows, alignment = windows_from_dataset(data, tokenizer, config, accelerator.unwrap_model(model).config.normalization)
    say(f"alignment: {alignment.summary()}")

    sampler = LengthGroupedBatches([len(w.input_ids) for w in windows], t.batch_size, t.seed)
    loader = training_loader(windows, sampler, tokenizer.pad_token_id, len(schema.relation_names), accelerator.device)
    optimizer = make_optimizer(model, config)
    epochs = training_epochs(t, math.ceil(len(sampler) / t.grad_accum))
    total_steps = math.ceil(len(sampler) / t.grad_accum) * epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(t.warmup_ratio * total_steps), total_steps)
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    accelerator.register_save_state_pre_hook(drop_frozen_weights)
    if state:
        accelerator.load_state(str(run_dir / CHECKPOINT / "accelerate"), strict=False)
        if accelerator.is_main_process:
            truncate_log(run_dir / "train_log.jsonl", state.step, state.epoch)
    else:
        state = TrainerState()
    if accelerator.is_main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        log_line(run_dir / "train_log.jsonl", {"event": "start", "resume": bool(resume), "alignment": vars(alignment)})

    say(f"training: {epochs} epochs of {len(sampler)} batches")
    for epoch in range(state.epoch, epochs):
        sampler.epoch = epoch
        train_one_epoch(accelerator, model, optimizer, scheduler, loader, config, state, epoch, run_dir, quiet, epochs)
        predictor = make_predictor(accelerator, model, tokenizer, config, ruler)
        metrics = score_split(accelerator, predictor, val_docs, schema)[0] if val_docs else None
        improved = record_epoch(metrics, state, epoch, t.select_metric, run_dir, accelerator, say)
        if improved and accelerator.is_main_process:
            save_model(accelerator.unwrap_model(model), tokenizer, run_dir / BEST_MODEL, ruler)
        state.epoch = epoch + 1
        stop = bool(t.patience) and state.bad_epochs >= t.patience
        if checkpoint_due(state, improved, t.checkpoint_every, stop or state.epoch == epochs):
            save_checkpoint(accelerator, model, tokenizer, state, run_dir)
        if stop:
            say(f"early stopping: no improvement of {t.select_metric} for {t.patience} epochs")
            break
    accelerator.wait_for_everyone()
    return finish(accelerator, run_dir, splits, schema, config, say)


def read_training_data(accelerator: Accelerator, config: Config) -> TrainingData:
    """`training_data` on the main process first: it builds the dataset when missing or
    stale, and the other processes then read what it saved."""
    data = training_data(config) if accelerator.is_main_process else None
    accelerator.wait_for_everyone()
    return data or training_data(config)


def windows_from_dataset(data: TrainingData, tokenizer, config: Config, normalization: str):
    """Labelled training windows from the dataset's train split, and the alignment report.

    Raises DatasetBuildError when the windows do not account for every entity and relation
    of the train split (the dataset's build already checked the annotations against it), and
    ValueError when the split has no text.
    """
    m, split = config.model, data.dataset["train"]
    windows, _, alignment = training_windows(sentence_documents(split), tokenizer, data.schema, m.window_length,
                                             m.window_stride, normalization)
    entities, relations = gold_totals(split)
    if (alignment.entities, alignment.relations) != (entities, relations):
        raise DatasetBuildError(f"train split: the dataset holds {entities} entities and {relations} relations, "
                                f"the windows account for {alignment.entities} and {alignment.relations}: an entity "
                                "lies where the tokenizer keeps no subword (python -m train validate lists the spans)")
    if not windows:
        raise ValueError("no training windows: the train split has no text")
    return windows, alignment


def training_epochs(t, steps_per_epoch: int) -> int:
    """`train.epochs`, or with `train.max_steps` the whole epochs that reach that many steps
    (so one recipe trains about as long on three articles as on thirty)."""
    return math.ceil(t.max_steps / steps_per_epoch) if t.max_steps else t.epochs


def train_one_epoch(accelerator, model, optimizer, scheduler, loader, config: Config, state: TrainerState,
                    epoch: int, run_dir: Path, quiet: bool, epochs: int) -> None:
    t = config.train
    model.train()
    bar = progress(len(loader), f"epoch {epoch + 1}/{epochs}", "batch", every=len(loader),
                   disable=quiet or not accelerator.is_local_main_process, leave=False)
    started, tokens = time.perf_counter(), 0
    for batch in loader:
        bar.update(1)
        with accelerator.accumulate(model):
            out = model(**batch, relation_loss_weight=t.relation_loss_weight)
            accelerator.backward(out.loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(model.parameters(), t.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        tokens = tokens + batch["attention_mask"].sum()  # stays on the device: no sync per step
        if not accelerator.sync_gradients:
            continue
        state.step += 1
        if state.step % t.log_every == 0:
            log_progress(bar, out, optimizer, float(tokens) / max(time.perf_counter() - started, 1e-9),
                         state.step, epoch, run_dir, accelerator)
    bar.close()


def log_progress(bar, out, optimizer, speed: float, step: int, epoch: int, run_dir: Path, accelerator) -> None:
    """Progress bar and JSON log line every `log_every` steps (reading the loss syncs the device)."""
    loss = out.loss.item()
    bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{speed:.0f}")
    if accelerator.is_main_process:
        log_line(run_dir / "train_log.jsonl", {
            "event": "step", "step": step, "epoch": epoch + 1, "loss": round(loss, 5),
            "token_loss": round(out.token_loss.item(), 5),
            "relation_loss": None if out.relation_loss is None else round(out.relation_loss.item(), 5),
            "lr": {g["name"]: g["lr"] for g in optimizer.param_groups}, "tokens_per_second": round(speed, 1),
        })


def record_epoch(metrics: dict | None, state: TrainerState, epoch: int, select_metric: str, run_dir: Path,
                 accelerator: Accelerator, say) -> bool:
    """Update the best score and patience; True when this epoch's model is the new best."""
    value = select_value(metrics, select_metric) if metrics else float(epoch)  # no validation: keep the last
    improved = state.best is None or value > state.best
    if improved:
        state.best, state.best_epoch, state.bad_epochs = value, epoch + 1, 0
    else:
        state.bad_epochs += 1
    if metrics:
        ner, rel = metrics["ner"]["span"]["micro"]["f1"], metrics["relations"]["end_to_end"]["micro"]["f1"]
        say(f"epoch {epoch + 1}: validation entity F1 {ner:.3f}, relation F1 {rel:.3f}, "
            f"{select_metric} {value:.4f}{' (best)' if improved else ''}")
    if accelerator.is_main_process:
        record = {"event": "epoch", "epoch": epoch + 1, "best_epoch": state.best_epoch}
        if metrics:
            record.update({select_metric: value, "best": state.best})
        else:
            record["selection"] = "no validation split: the last epoch is kept"
        log_line(run_dir / "train_log.jsonl", record)
    return improved


def finish(accelerator, run_dir: Path, splits: dict[str, list[Document]], schema: Schema, config: Config, say) -> dict:
    """Score the best model on the test split, next to the string-match baseline fitted on the
    training split; write predictions, metrics.json (with calibration on validation and the paired
    comparison), metrics_baseline_test.json, report.md/.html with their figures, and the card."""
    test_docs = splits["test"]
    best = Predictor.from_run(run_dir / BEST_MODEL, device=str(accelerator.device), batch_size=config.train.eval_batch_size,
                              precision=config.train.mixed_precision)
    metrics, predictions = score_split(accelerator, best, test_docs, schema, model_alone=True) if test_docs else ({}, [])
    if accelerator.is_main_process and test_docs:
        baseline, _ = score_predictor(StringMatchBaseline.fit(splits["train"], schema), test_docs, schema)
        val_docs = splits["validation"]  # calibration and operating points, written with the reports
        finish_run(run_dir, metrics, baseline, test_docs, predictions, val_docs, best.predict_documents(val_docs), schema)
        (run_dir / "predictions").mkdir(exist_ok=True)
        write_jsonl(predictions, run_dir / "predictions" / "test.jsonl")
        (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        (run_dir / "metrics_baseline_test.json").write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
        say(f"held-out test ({', '.join(d.id for d in test_docs)}), model vs string-match baseline:\n"
            + format_comparison(metrics, baseline, detailed=False) + f"\n-> {run_dir / 'metrics.json'}")
    if accelerator.is_main_process:
        save_int8_calibration(best, splits["train"], run_dir / BEST_MODEL)
        write_model_card(run_dir)
    return metrics


def save_int8_calibration(predictor: Predictor, train_docs: list[Document], model_dir: Path) -> None:
    """Record the encoder's activation ranges on up to `CALIBRATION_ARTICLES` training articles
    into `model_dir`, for `predict --quantize int8` (`predict/quantize.py`)."""
    with record_activation_ranges(predictor.model) as ranges:
        predictor.predict_documents(train_docs[:CALIBRATION_ARTICLES])
    if ranges:
        save_activation_ranges(model_dir, ranges)

