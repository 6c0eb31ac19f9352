"""Model outputs -> documents in the annotation file shape.

Pure functions: merging overlapping windows (each subword is read from the window where it
is farthest from an edge; ties go to the earlier window, so merging is deterministic),
BIO decoding to char spans in the raw text, and relation decoding with the schema's
argument types enforced and symmetric relations stored once, head = earlier mention.
"""

from __future__ import annotations

import torch

from models.labels import NO_RELATION

from .data.documents import Document, Entity, Relation
from .data.schema import Schema
from .data.tagging import tags_to_spans
from .data.text import MAX_PROCLITICS, PROCLITICS, is_split_char, is_word_edge


def centrality(position: int, first: int, size: int) -> int:
    """Distance of a sentence position from the nearest edge of a window [first, first + size)."""
    return min(position - first, first + size - 1 - position)


def merge_windows(length: int, parts: list[tuple[int, torch.Tensor]]) -> torch.Tensor:
    """Per-position rows for a sentence of `length` subwords from overlapping window rows.

    `parts` holds (first position, rows[size, ...]) per window, in window order; each
    position takes the row of the window where it is most central (earlier window on ties).
    """
    if len(parts) == 1:
        return parts[0][1]
    merged = parts[0][1].new_zeros((length, *parts[0][1].shape[1:]))
    best = torch.full((length,), -1, dtype=torch.long)
    for first, rows in parts:
        positions = torch.arange(first, first + rows.shape[0])
        score = torch.minimum(positions - first, first + rows.shape[0] - 1 - positions)
        better = score > best[positions]
        merged[positions[better]] = rows[better]
        best[positions[better]] = score[better]
    return merged


def punctuation_only(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Per subword (raw char span): True when it holds punctuation or symbols and nothing else."""
    return [b > a and all(map(is_word_edge, text[a:b])) and not text[a:b].isspace() for a, b in spans]


def whole_word_tags(tags: list[str], words: list[int]) -> list[str]:
    """A subword inside a word continues the entity its previous subword is in.

    Entity boundaries fall between words or, with a proclitic split off by the tokenizer,
    between a proclitic and its word; never inside a word piece sequence. This turns a tag
    on a lone fragment (##يوز) or a B-B split inside one word into one whole-word span.
    """
    tags = list(tags)
    for pos in range(1, len(tags)):
        if words[pos] == words[pos - 1] and words[pos] >= 0 and tags[pos - 1] != "O":
            tags[pos] = "I-" + tags[pos - 1].partition("-")[2]
    return tags


def decode_tags(top: torch.Tensor, tag_ids: torch.Tensor, labels: list[str], words: list[int] | None = None,
                punctuation: list[bool] | None = None) -> list[tuple[int, int, str, float]]:
    """(first, last, type, score) spans from each subword's most probable label (`tag_ids`,
    int[subwords] into `labels`) and its probability (`top`, float[subwords]).

    Tags are the argmax; a subword that is only punctuation (`punctuation[i]`) is outside
    every entity, so "قوات سوريا الديمقراطية (قسد)" and "جرابلس، الباب" stay separate
    mentions even where a SentencePiece word glues the punctuation to a name; then tags are
    made whole-word when `words` (subword -> word index) is given; an I- tag that does not
    continue an entity of its type starts one (tokenizers split words the training data
    never saw, and dropping those would lose mentions). The score is the mean probability
    of the chosen tags.
    """
    if tag_ids.numel() == 0 or not bool((tag_ids != labels.index("O")).any()):
        return []  # every subword tagged O, as in most sentences
    tags = [labels[i] for i in tag_ids.tolist()]
    if words is not None:
        tags = whole_word_tags(tags, words)
    if punctuation is not None:
        tags = ["O" if is_punct else tag for tag, is_punct in zip(tags, punctuation)]
    scores = top.tolist()
    spans = [[a, b - 1, t, scores[a:b]] for a, b, t in tags_to_spans(tags, stray_inside_begins=True)]
    return [(a, b, t, sum(ps) / len(ps)) for a, b, t, ps in merge_adjacent(spans)]


def merge_adjacent(spans: list[list]) -> list[list]:
    """Join spans of one type whose subwords touch ("قوات" B + "التحالف الدولي" B).

    Two mentions of one type are not written side by side with nothing but a space between
    them (none are in the seed annotations), so the second B tag is a missed I tag.
    """
    merged: list[list] = []
    for span in spans:
        if merged and merged[-1][2] == span[2] and merged[-1][1] + 1 == span[0]:
            merged[-1] = [merged[-1][0], span[1], span[2], merged[-1][3] + span[3]]
        else:
            merged.append(span)
    return merged


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop spaces and punctuation a subword span may carry at its edges, and a proclitic
    cut off from the name by punctuation (و(قسد → قسد, و”هيئة → هيئة): both stay outside
    spans in the guideline."""
    while True:
        while start < end and is_word_edge(text[start]):
            start += 1
        cut = next((k for k in range(1, MAX_PROCLITICS + 1) if start + k < end and is_split_char(text[start + k])
                    and all(c in PROCLITICS for c in text[start:start + k])), 0)
        if not cut:
            break
        start += cut
    while end > start and is_word_edge(text[end - 1]):
        end -= 1
    return start, end


def word_start(first: int, text: str, token_spans: list[tuple[int, int]], words: list[int]) -> int:
    """Move a span that starts inside a word back to the word's first subword, unless what
    precedes it in the word is a proclitic (وقسد -> قسد stays; باسنيوز is kept whole)."""
    start = first
    while start > 0 and words[start - 1] == words[first] and words[first] >= 0:
        start -= 1
    prefix = text[token_spans[start][0]:token_spans[first][0]]
    return first if len(prefix) <= MAX_PROCLITICS and all(c in PROCLITICS for c in prefix) else start


def entities_from_spans(text: str, token_spans: list[tuple[int, int]], decoded: list[tuple[int, int, str, float]],
                        words: list[int] | None = None) -> list[tuple[Entity, tuple[int, int]]]:
    """Entities with raw char offsets (ids assigned later) and their subword ranges."""
    out = []
    for first, last, etype, score in decoded:
        if words is not None:
            first = word_start(first, text, token_spans, words)
        start, end = trim_span(text, token_spans[first][0], token_spans[last][1])
        if start < end:
            out.append((Entity("", etype, start, end, text[start:end], score), (first, last)))
    return out


SECOND_TYPE_SHARE = 0.3
"""Besides its most probable label, a pair also holds every relation type whose softmax
probability reaches this (a pair with two gold types is trained towards 0.5 each)."""


def relation_choices(probs: torch.Tensor) -> list[tuple[int, int, float]]:
    """(pair row, relation type id, probability) from float[pairs, 1 + types] softmax rows:
    nothing when no-relation (column 0) is the most probable label, else the most probable
    type and every other type at `SECOND_TYPE_SHARE` or more. Type ids count from 0."""
    best = probs.argmax(dim=-1)
    keep = (probs >= SECOND_TYPE_SHARE) | torch.nn.functional.one_hot(best, probs.shape[-1]).bool()
    keep[:, NO_RELATION] = False
    keep &= (best != NO_RELATION).unsqueeze(-1)
    rows, columns = keep.nonzero(as_tuple=True)
    return list(zip(rows.tolist(), (columns - NO_RELATION - 1).tolist(), probs[rows, columns].tolist()))


def pick_relations(found: list[tuple[tuple[int, int], int, float]], schema: Schema,
                   entities: list[Entity]) -> list[tuple[str, int, int, float]]:
    """(type, head, tail, score), sorted, from ((head, tail), relation type id, probability)
    triples that passed the threshold; a pair may carry several types.

    Symmetric relations are stored once with the earlier mention as head (the higher score
    wins when both orders predict it).
    """
    names = schema.relation_names
    best: dict[tuple[str, int, int], float] = {}
    for (h, t), type_id, score in found:
        name = names[type_id]
        if schema.stored_reversed(name, (entities[h].start, entities[h].end), (entities[t].start, entities[t].end)):
            h, t = t, h
        key = (name, h, t)
        best[key] = max(score, best.get(key, 0.0))
    return [(name, h, t, score) for (name, h, t), score in sorted(best.items(), key=lambda kv: kv[0][1:] + (kv[0][0],))]


def build_document(doc_id: str, entities: list[Entity], relations: list[tuple[str, int, int, float]]) -> Document:
    """Number entities T1.. in text order and relations R1.. and return the document."""
    order = sorted(range(len(entities)), key=lambda i: (entities[i].start, entities[i].end))
    new_id = {old: f"T{rank + 1}" for rank, old in enumerate(order)}
    ents = []
    for old in order:
        e = entities[old]
        ents.append(Entity(new_id[old], e.type, e.start, e.end, e.text, e.score))
    rels = sorted(((name, new_id[h], new_id[t], s) for name, h, t, s in relations),
                  key=lambda r: (int(r[1][1:]), int(r[2][1:]), r[0]))
    return Document(doc_id, None, ents, [Relation(f"R{i + 1}", n, h, t, s) for i, (n, h, t, s) in enumerate(rels)])


def merge_ruler_matches(found: list[tuple[Entity, tuple[int, int]]],
                        matches: list[tuple[Entity, tuple[int, int]]]) -> list[tuple[Entity, tuple[int, int]]]:
    """The model's entities of a sentence merged with an entity ruler's matches (both as
    (entity, subword range), in text order): a match replaces the model entities it overlaps
    when it contains every one of them (a name the ruler knows takes its whole length and its
    known type), is added where the model found nothing, and is dropped where a model entity
    reaches beyond it; a model entity of the same span and type keeps its score. This is spaCy's `EntityRuler` with `overwrite_ents` after a trained
    `ner`, except that a longer model span is kept. Measured on the seeds' cross-validation
    (README, "Results"); returned in text order.
    """
    out = list(found)
    for match, rng in matches:
        hit = [e for e, _ in out if e.start < match.end and match.start < e.end]
        if [(e.start, e.end, e.type) for e in hit] == [(match.start, match.end, match.type)]:
            # the model found the name itself: its entity and score stay, read by the relation
            # head over the match's subwords (the char span's, as in training; a decoded range
            # may still hold a proclitic piece that trimming cut from the span)
            out = [(e, rng) if e is hit[0] else (e, r) for e, r in out]
        elif all(match.start <= e.start and e.end <= match.end for e in hit):
            out = [pair for pair in out if not any(pair[0] is e for e in hit)] + [(match, rng)]
    return sorted(out, key=lambda pair: (pair[0].start, pair[0].end))
