"""The registry of metric paths: every block of metrics.json, and which dotted paths exist.

Reports, the model card, cross-validation, `train.select_metric` and the CI floors all
read from here, so a misspelled path fails when a config or floors file is loaded, before
any training, with the list of valid paths.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricBlock:
    """One block of metrics.json: a dotted path, what it measures and a short column name."""

    path: str
    title: str
    column: str


METRIC_BLOCKS = (
    MetricBlock("ner.span", "entities, strict char span", "ent span"),
    MetricBlock("ner.seqeval", "entities, seqeval (words, strict IOB2)", "ent seqeval"),
    MetricBlock("ner.lenient", "entities, lenient (same type, overlap)", "ent lenient"),
    MetricBlock("relations.gold_entities", "relations, given gold entities (every gold pair)", "rel gold-ent"),
    MetricBlock("relations.end_to_end", "relations, end to end (strict)", "rel e2e"),
    MetricBlock("relations.boundaries", "relations, argument spans only (entity types ignored)", "rel bound"),
    MetricBlock("relations.found_entities", "relations, among correctly found entities", "rel found-ent"),
    MetricBlock("ner.model_alone", "entities, strict char span, the model without its entity ruler", "ent alone"),
)
"""Every block a report, the model card and cross-validation show, in that order."""

BASELINE_COUNTERPARTS = {"ner.model_alone": "ner.span"}
"""A model block the string-match baseline lacks -> the baseline block it is compared with
(the baseline has no entity ruler: its strict spans are its entities alone)."""


def counterpart(path: str) -> str:
    """The block of another system's metrics that a model block is compared with."""
    return BASELINE_COUNTERPARTS.get(path, path)


def present_blocks(metrics: dict) -> list[tuple[MetricBlock, dict]]:
    """(block, its dict) for each of METRIC_BLOCKS that `metrics` holds."""
    found = []
    for block in METRIC_BLOCKS:
        section, key = block.path.split(".")
        if isinstance(metrics.get(section, {}).get(key), dict):
            found.append((block, metrics[section][key]))
    return found


FIGURES = ("precision", "recall", "f1")
SELECTION_ALIASES = {"combined_f1": ("ner.span.micro.f1", "relations.end_to_end.micro.f1")}
"""Names `train.select_metric` accepts besides paths: the mean of the listed paths."""


def metric_paths(type_names: list[str] | None = None) -> list[str]:
    """Every dotted path to a number: BLOCK.micro.F, BLOCK.macro.F and, given the schema's
    entity and relation type names, BLOCK.per_type.TYPE.F."""
    paths = []
    for block in METRIC_BLOCKS:
        paths += [f"{block.path}.{avg}.{f}" for avg in ("micro", "macro") for f in FIGURES]
        paths += [f"{block.path}.per_type.{t}.{f}" for t in (type_names or []) for f in FIGURES]
    return paths


TEST_SPLIT_ONLY = ("ner.model_alone",)
"""Blocks scored on the test split only (`fit` does not score them on validation), so they
cannot select the best epoch."""


def check_metric_path(path: str, type_names: list[str] | None = None, selection: bool = False) -> str | None:
    """None when `path` names a metric; else why not. With `selection` (`train.select_metric`),
    a selection alias is accepted too, and a block of `TEST_SPLIT_ONLY` is refused."""
    test_only = next((block for block in TEST_SPLIT_ONLY if path.startswith(f"{block}.")), None)
    if selection and test_only:
        return f"{test_only} is scored on the test split only; select on ner.span (the entities the saved model predicts)"
    if (selection and path in SELECTION_ALIASES) or path in metric_paths(type_names):
        return None
    shown = ([*SELECTION_ALIASES] if selection else []) + metric_paths()
    return (f"unknown metric {path!r}; valid: {', '.join(shown[:4])}, ... BLOCK.(micro|macro).(precision|recall|f1) "
            f"or BLOCK.per_type.TYPE.(...), where BLOCK is one of {', '.join(b.path for b in METRIC_BLOCKS)}")
