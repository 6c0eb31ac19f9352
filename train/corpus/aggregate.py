"""Mention rows and edge totals from linked documents.

An edge is (head id, relation type, tail id) for a predicted relation whose two mentions are
both linked (an actor, or a place for CONTROLS / PRESENT_IN / TARGETS and place PART_OF). A
symmetric relation (ALLIED_WITH, HOSTILE_TO) is stored with the smaller id as head. Alias
relations (ALIAS_OF; `train.link.labels`) and relations whose two mentions link to the same item make no edge (aliases are
used by the linker instead). An edge counts:

- `mentions`: every relation that makes it, near-duplicates included;
- `documents`: distinct near-duplicate clusters (`train.corpus.dedup`) among its articles,
  so a story copied by several outlets counts once;
- `first_date` / `last_date`: the earliest and latest article date (ISO `YYYY-MM-DD`), empty
  when no article has a date;
- evidence: up to `MAX_EVIDENCE` sentences (each with its article id, outlet and date) from
  different articles, and every outlet and article that reported it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..data.documents import Document
from ..data.schema import canonical_args
from ..data.text import sentence_of, sentence_spans
from ..link.labels import ALIAS_RELATIONS, PLACE_TYPE, SYMMETRIC
from ..link.linker import UNLINKED, Link

MAX_EVIDENCE = 3
MAX_SENTENCE_CHARS = 400
SKIPPED = ALIAS_RELATIONS

MENTION_COLUMNS = ("run_id", "weights_sha256", "registry_version", "doc", "date", "source", "start", "end",
                   "text", "type", "link", "link_name", "link_score", "method", "entity_score")
EDGE_COLUMNS = ("run_id", "weights_sha256", "registry_version", "head", "head_name", "relation", "tail",
                "tail_name", "documents", "mentions", "first_date", "last_date", "outlets",
                "evidence_1_doc", "evidence_1", "evidence_2_doc", "evidence_2", "evidence_3_doc", "evidence_3",
                "all_docs")


@dataclass
class DocInfo:
    """An article's id, ISO date (or ""), outlet (or "") and raw text."""

    id: str
    date: str
    source: str
    text: str


@dataclass
class EdgeState:
    """What one edge has gathered so far (see the module docstring)."""

    mentions: int = 0
    docs: dict[str, str] = field(default_factory=dict)  # article id -> date
    outlets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # outlet -> article ids
    evidence: list[dict] = field(default_factory=list)


def sentence_text(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """The sentence holding [start, end) (whitespace collapsed, cut to `MAX_SENTENCE_CHARS`
    characters with an ellipsis), or the text around the span when no sentence holds it."""
    index = sentence_of(spans, start, end)
    s, e = spans[index] if index is not None else (max(0, start - 150), min(len(text), end + 150))
    sentence = " ".join(text[s:e].split())
    return sentence if len(sentence) <= MAX_SENTENCE_CHARS else sentence[:MAX_SENTENCE_CHARS - 1] + "…"


def mention_rows(info: DocInfo, doc: Document, links: list[Link], names: dict[str, str], provenance: dict):
    """One `MENTION_COLUMNS` dict per linked-or-not FACTION / LOCATION entity, in entity order."""
    entities = doc.entity_map()
    for link in links:
        entity = entities[link.entity_id]
        yield {**provenance, "doc": info.id, "date": info.date, "source": info.source, "start": entity.start,
               "end": entity.end, "text": entity.text, "type": entity.type, "link": link.link,
               "link_name": names.get(link.link, ""), "link_score": link.score, "method": link.method,
               "entity_score": "" if entity.score is None else round(entity.score, 4)}


class EdgeTable:
    """Accumulates edges over documents; `rows()` gives the `EDGE_COLUMNS` rows."""

    def __init__(self):
        self.edges: dict[tuple[str, str, str], EdgeState] = defaultdict(EdgeState)
        self.place_mentions: dict[str, Counter] = defaultdict(Counter)  # place id -> article id -> mentions
        self.dates: dict[str, str] = {}

    def add(self, info: DocInfo, doc: Document, links: list[Link]) -> None:
        """Add one linked document: its relations' edges and its places' mention counts."""
        self.dates[info.id] = info.date
        linked = {link.entity_id: link.link for link in links if link.link != UNLINKED}
        for link in links:
            if link.type == PLACE_TYPE and link.link != UNLINKED:
                self.place_mentions[link.link][info.id] += 1
        spans = None
        entities = doc.entity_map()
        for relation in doc.relations:
            head, tail = linked.get(relation.head), linked.get(relation.tail)
            if relation.type in SKIPPED or head is None or tail is None or head == tail:
                continue
            head, tail = canonical_args(relation.type, head, tail, SYMMETRIC)
            spans = spans if spans is not None else sentence_spans(info.text)
            first = min(entities[relation.head].start, entities[relation.tail].start)
            last = max(entities[relation.head].end, entities[relation.tail].end)
            self._count(self.edges[(head, relation.type, tail)], info, sentence_text(info.text, spans, first, last))

    @staticmethod
    def _count(state: EdgeState, info: DocInfo, sentence: str) -> None:
        state.mentions += 1
        state.outlets[info.source or "unknown outlet"].add(info.id)
        if info.id not in state.docs and len(state.evidence) < MAX_EVIDENCE:
            state.evidence.append({"doc": info.id, "source": info.source, "date": info.date, "sentence": sentence})
        state.docs[info.id] = info.date

    def rows(self, cluster, names: dict[str, str], provenance: dict):
        """`EDGE_COLUMNS` dicts, most documents first; `cluster(doc_id)` gives an article's
        near-duplicate cluster representative."""
        ordered = sorted(self.edges.items(), key=lambda kv: (-len({cluster(d) for d in kv[1].docs}), kv[0]))
        for (head, relation, tail), state in ordered:
            dates = sorted(d for d in state.docs.values() if d)
            row = {**provenance, "head": head, "head_name": names.get(head, ""), "relation": relation,
                   "tail": tail, "tail_name": names.get(tail, ""),
                   "documents": len({cluster(d) for d in state.docs}), "mentions": state.mentions,
                   "first_date": dates[0] if dates else "", "last_date": dates[-1] if dates else "",
                   "outlets": "; ".join(f"{o} ({len(ids)})" for o, ids in sorted(state.outlets.items())),
                   "all_docs": " ".join(sorted(state.docs))}
            for i in range(MAX_EVIDENCE):
                item = state.evidence[i] if i < len(state.evidence) else None
                row[f"evidence_{i + 1}_doc"] = item["doc"] if item else ""
                row[f"evidence_{i + 1}"] = item["sentence"] if item else ""
            yield row
