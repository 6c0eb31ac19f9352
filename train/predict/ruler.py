"""The entity ruler: names of the training split's gold entities, found again in new text and
merged into the model's entities (`decode.merge_ruler_matches` says how).

`fit` writes the names (`model.entity_ruler: true`) into the model folder as
`gazetteer.json`, so a run carries the ruler its test scores were measured with; the names
are only those of the training split, never the validation or test articles (in a CV fold,
only that fold's training articles). Matching is the string-match baseline's
(`data/gazetteer.py`). Entities the ruler adds carry no score (`predict --min-score` keeps
them).
"""

from __future__ import annotations

from pathlib import Path

from ..align import SentenceTokens, entities_in_sentence
from ..data.documents import Document, Entity
from ..data.gazetteer import Gazetteer
from ..data.schema import Schema

RULER_FILE = "gazetteer.json"
"""The ruler's names and types in a model folder (`Gazetteer.save`)."""


def build_ruler(train_docs: list[Document], schema: Schema) -> Gazetteer:
    """Every gold entity string of the training documents, with its most frequent type."""
    return Gazetteer.from_documents(train_docs, schema)


def save_ruler(ruler: Gazetteer | None, model_dir: Path) -> None:
    if ruler is not None:
        ruler.save(Path(model_dir) / RULER_FILE)


def load_ruler(model_dir: Path, entity_types: list[str]) -> Gazetteer | None:
    """The model folder's ruler, or None (a run trained without one, or before rulers).

    The file may be edited by hand (names added, such as an actor list); ValueError names it
    when it is not a JSON list of [name, type] pairs or a type is not one of `entity_types`.
    """
    path = Path(model_dir) / RULER_FILE
    if not path.exists():
        return None
    try:
        ruler = Gazetteer.load(path)
    except (ValueError, TypeError, AttributeError) as error:
        raise ValueError(f"{path}: expected a JSON list of [name, entity type] pairs ({error})") from None
    unknown = sorted({etype for etype in ruler.entries.values() if etype not in entity_types})
    if unknown:
        raise ValueError(f"{path}: unknown entity type(s) {', '.join(map(repr, unknown))}; the model's types are "
                         f"{', '.join(entity_types)}")
    return ruler


def ruler_matches(ruler: Gazetteer, text: str, sentence: SentenceTokens) -> list[tuple[Entity, tuple[int, int]]]:
    """The ruler's matches in one tokenized sentence of `text`: (entity with raw char offsets,
    its first and last subword), in text order; matches no subword covers are skipped."""
    if not sentence.spans:
        return []
    lo, hi = sentence.spans[0][0], sentence.spans[-1][1]
    found = [Entity("", etype, a, b, text[a:b]) for a, b, etype in ruler.match_sentence(text[lo:hi], lo)]
    return [(entity, rng) for entity, rng in entities_in_sentence(sentence, found) if rng is not None]
