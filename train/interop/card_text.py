"""Markdown pieces shared by the dataset card and the model card."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..data.schema import Schema
from .seed_sources import SEED_SOURCES

GUIDELINES = "annotations/GUIDELINES.md"


def md(value: object) -> str:
    """A value safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def front_matter(metadata: dict) -> str:
    return "---\n" + yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False) + "---\n"


def table(header: list[str], rows: list[list[object]], right: int = 0) -> list[str]:
    """A Markdown table; the last `right` columns are right-aligned (numbers)."""
    align = ["---"] * (len(header) - right) + ["---:"] * right
    lines = ["| " + " | ".join(md(h) for h in header) + " |", "|" + "|".join(align) + "|"]
    return lines + ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]


def opposing_outlets() -> list[str]:
    """The statement both cards must make: who wrote the seed articles and what that does to a model."""
    return [
        "**The seed articles come from outlets on opposing sides of the Syrian conflict, and each names "
        "the same actors in its own vocabulary.** Four are opposition-leaning or relay Kurdish and "
        "monitoring sources: the Syrian Observatory for Human Rights (المرصد السوري), Enab Baladi "
        "(عنب بلدي), Baladi News (بلدي نيوز), and an article whose outlet is not named that relays a Kurdish "
        "source and the Kurdish agency Basnews. One (004) is from a Syrian-government-aligned outlet: it "
        "says \"الجيش العربي السوري\" where the others say \"قوات النظام\", \"النظام\" or \"قوات الأسد\", and "
        "calls the government's enemies \"الإرهابيين\". The Islamic State is \"داعش\" in some articles and "
        "تنظيم \"الدولة\" or \"الدولة الإسلامية\" in others.",
        "",
        "What this means for a model trained on them:",
        "",
        "- It learns the names each outlet uses, not the actors behind them. A name that only one outlet "
        "uses (الجيش العربي السوري occurs only in 004) is learned from that single article; an article from "
        "an outlet with yet another vocabulary will lose mentions.",
        "- Loaded descriptions are not entities: the guideline does not annotate descriptive phrases such as "
        "\"الإرهابيين\", so the model is not taught to treat one side's label for its enemies as a faction name.",
        "- The seed corpus is tiny: five articles, all from 2017 to judge by the dates and events they "
        "mention, mostly about eastern Syria. A score on one held-out article measures one article from "
        "one outlet and changes a lot with the choice of article.",
        "- The offline recipe (`model.encoder: tiny`) is a small BERT trained from scratch on these few "
        "texts, not AraBERT; its scores show that the pipeline works, not what AraBERT reaches "
        "(configs/arabert.yaml is the real recipe).",
    ]


def sources_table(split_of: dict[str, str] | None = None) -> list[str]:
    """One row per seed article: outlet, side, how the text shows it, its vocabulary (and split)."""
    header = ["document", "outlet", "side", "evidence in the text", "names used"]
    if split_of is not None:
        header.append("split")
    rows = []
    for src in SEED_SOURCES:
        row = [f"`{src.doc_id}`", src.outlet, src.side, src.evidence, src.vocabulary]
        rows.append(row + ([split_of.get(src.doc_id, "not annotated")] if split_of is not None else []))
    return table(header, rows)


def schema_tables(schema: Schema) -> list[str]:
    lines = table(["entity type", "description"], [[t.name, t.description] for t in schema.entity_types])
    lines.append("")
    rows = [[r.name, ", ".join(f"{h} → {t}" for h, t in r.args), "yes" if r.symmetric else "no", r.description]
            for r in schema.relation_types]
    return lines + table(["relation type", "head → tail", "symmetric", "description"], rows)


def guideline_summary() -> list[str]:
    return [
        f"The full guideline is `{GUIDELINES}` in the repository. In short:",
        "",
        "- Only **named** mentions are annotated, every occurrence, from headline to footer; persons, media "
        "outlets and NGOs (and names inside them), and descriptive phrases are not.",
        "- Spans are contiguous and minimal: no quotes or brackets, no leading proclitic (و ف ب ك ل), no type "
        "word that is not part of the name (تنظيم، مدينة، ريف ...). No nesting, no overlap.",
        "- A state or capital is an actor when it acts (supports, attacks, negotiates, accuses) and a place "
        "when it is where something happens; each mention is decided on its own.",
        "- Relations link two mentions in the same sentence when the text states or reports the relation "
        "(claims count, explicit negations do not). Symmetric relations are stored once, earlier mention "
        "first.",
    ]


def split_membership(annotations: Path, splits) -> dict[str, str]:
    """Document id -> split name, from the config's splits (train defaults to every other annotated file)."""
    annotated = sorted(p.stem for p in annotations.glob("*.json")) if annotations.is_dir() else []
    held_out = {**{d: "validation" for d in splits.validation}, **{d: "test" for d in splits.test}}
    train = list(splits.train) or [d for d in annotated if d not in held_out]
    return {**{d: "train" for d in train}, **held_out}
