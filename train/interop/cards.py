"""Dataset and model cards (Markdown with Hugging Face YAML front matter).

`dataset_card(stats, schema, config)` is what `python -m train dataset` writes as the
dataset folder's README.md; `model_card(run_dir)` is what `python -m train card RUN_DIR`
writes as RUN_DIR/README.md. Their prose is in `templates/` (Jinja2); these modules compute
what fills it.
"""

from __future__ import annotations

from ..config import Config
from ..data.schema import Schema
from ..data.sources import read_sources
from .card_text import (
    GUIDELINES,
    front_matter,
    guideline_summary,
    opposing_outlets,
    schema_tables,
    sources_table,
    split_membership,
    table,
)
from .model_card import TEMPLATES, model_card, write_model_card  # noqa: F401  (public API of this module)
from .seed_sources import SEED_SOURCES


def _count_rows(stats: dict[str, dict], schema: Schema) -> list[list[object]]:
    """Rows of the size table; type rows follow the schema, so a type with no mention still shows 0."""
    splits = list(stats)

    def row(name: str, get) -> list[object]:
        values = [get(stats[s]) for s in splits]
        return [name, *values, sum(values)]

    rows = [row(key, lambda s, k=key: s.get(k, 0)) for key in ("documents", "sentences", "words")]
    rows += [row(f"{t} mentions", lambda s, t=t: s.get("entities", {}).get(t, 0)) for t in schema.entity_names]
    rows += [row(f"{r} relations", lambda s, r=r: s.get("relations", {}).get(r, 0)) for r in schema.relation_names]
    rows.append(row("clitic-fused words", lambda s: s.get("clitic_words", 0)))
    return rows


def _corpus_seeds() -> dict:
    """How many seed articles come from the shared corpus, from how many outlets, over which dates."""
    articles = read_sources().get("articles") or []
    dates = sorted(str(a["date"]) for a in articles if a.get("date"))
    return {"corpus_articles": len(articles), "corpus_outlets": len({a.get("source") for a in articles}),
            "corpus_first": dates[0] if dates else "", "corpus_last": dates[-1] if dates else ""}


def dataset_card(stats: dict[str, dict], schema: Schema, config: Config) -> str:
    """The dataset's README.md from `split_statistics` output, the schema and the recipe."""
    splits = config.data.splits
    membership = split_membership(config.resolve(config.data.annotations), splits)
    metadata = {
        "language": ["ar"], "pretty_name": "Factions, locations and their relations in Arabic news on the Syrian conflict",
        "task_categories": ["token-classification"], "task_ids": ["named-entity-recognition"],
        "tags": ["relation-extraction", "arabic", "news", "syria", "conflict"], "size_categories": ["n<1K"],
    }
    counts_header = ["", *stats, "total"]
    card = TEMPLATES.get_template("dataset_card.md.j2").render(
        front_matter=front_matter(metadata).rstrip("\n"), recipe=config.name,
        entity_types=" and ".join(schema.entity_names), annotations=config.data.annotations,
        outlets="\n".join(opposing_outlets()), sources="\n".join(sources_table(membership)),
        seed_count=len(SEED_SOURCES), schema_path=config.data.schema, schema_tables="\n".join(schema_tables(schema)),
        guideline="\n".join(guideline_summary()),
        counts="\n".join(table(counts_header, _count_rows(stats, schema), right=len(counts_header) - 1)),
        validation=", ".join(splits.validation) or "none", test=", ".join(splits.test) or "none",
        train=", ".join(splits.train) or "every other document",
        documents=sum(s.get("documents", 0) for s in stats.values()),
        clitics=sum(s.get("clitic_words", 0) for s in stats.values()), guidelines=GUIDELINES, **_corpus_seeds())
    return card.rstrip("\n") + "\n"
