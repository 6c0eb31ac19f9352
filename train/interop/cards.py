"""Dataset and model cards (Markdown with Hugging Face YAML front matter).

`dataset_card(stats, schema, config)` is what `python -m train dataset` writes as the
dataset folder's README.md; `model_card(run_dir)` is what `python -m train card RUN_DIR`
writes as RUN_DIR/README.md.
"""

from __future__ import annotations

from ..config import Config
from ..data.schema import Schema
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
from .model_card import model_card, write_model_card  # noqa: F401  (public API of this module)
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


def _limitations(stats: dict[str, dict]) -> list[str]:
    documents = sum(s.get("documents", 0) for s in stats.values())
    clitics = sum(s.get("clitic_words", 0) for s in stats.values())
    return [
        f"- **Size.** {documents} documents in all: enough to test the pipeline, far too few for stable "
        "scores or for a model that generalises across outlets, periods or regions.",
        "- **Outlet vocabulary.** Names for the same actor differ by outlet (see Sources); a split by "
        "document is also a split by outlet.",
        "- **Period and topic.** The seed articles date from 2017 (by the dates and events they mention) "
        "and are mostly about eastern Syria (Deir ez-Zor, al-Hasakah, the Badia), the US-led coalition, the "
        "SDF and the Islamic State; one (002) is about the opposition in Idlib and Hama.",
        "- **Boilerplate is annotated.** Headlines, captions, \"related articles\" lists and footers are "
        "part of the texts and are annotated like the body.",
        "- **Relations only within a sentence**; a relation stated across sentences is not represented. "
        "Annotations are contiguous, non-nested spans.",
        f"- **Word-level tags.** {clitics} words carry a proclitic fused to a name (وقسد); their word-level "
        "tag covers the proclitic, their character span does not.",
        "- **Annotation judgement.** Actor-or-place decisions for states and capitals and relations "
        "reported as claims follow the guideline but remain judgement calls.",
    ]


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
    lines = [
        front_matter(metadata),
        f"# Dataset: factions, locations and their relations (recipe `{config.name}`)",
        "",
        f"Arabic news articles about the Syrian conflict with {' and '.join(schema.entity_names)} mentions and "
        f"the relations between them, one example per sentence, built from `{config.data.annotations}/` by "
        "`python -m train dataset`.",
        "",
        "## Sources",
        "",
        *opposing_outlets(),
        "",
        *sources_table(membership),
        "",
        f"Documents not listed here are not among the {len(SEED_SOURCES)} seed articles; their sources are "
        "not recorded in this repository.",
        "",
        "## Schema",
        "",
        f"Labels come from `{config.data.schema}`.",
        "",
        *schema_tables(schema),
        "",
        "## Annotation guideline",
        "",
        *guideline_summary(),
        "",
        "## Size and splits",
        "",
        *table(counts_header, _count_rows(stats, schema), right=len(counts_header) - 1),
        "",
        f"Splits are by document: validation {', '.join(splits.validation) or 'none'}; "
        f"test {', '.join(splits.test) or 'none'}; train {', '.join(splits.train) or 'every other document'}.",
        "",
        "## Format",
        "",
        "A Hugging Face `DatasetDict` (`datasets.load_from_disk`). Each row is one sentence: `doc_id`, "
        "`sentence_index`, `sentence_start`, `text`, `words` with `word_starts`/`word_ends`, IOB2 "
        "`word_tags`, `entities` (character offsets relative to the sentence) and `relations` (indices "
        "into the sentence's entities). `statistics.json` holds the counts above.",
        "",
        "## Known limitations",
        "",
        *_limitations(stats),
        "",
        f"See `{GUIDELINES}` in the repository for the annotation decisions behind each label.",
    ]
    return "\n".join(lines) + "\n"
