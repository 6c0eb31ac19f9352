"""Link FACTION mentions to actors of `registry/actors.yaml` and LOCATION mentions to places.

`Linker.link_document(doc, date)` returns one `Link` per FACTION or LOCATION entity of a
document (gold or predicted): the actor id or place id (`geonames:<id>`, `places:<id>`) or
`unlinked`, a score in [0, 1] and the method that decided it. Methods, tried in this order:

1. `exact`: the mention's key (`train.link.keys.key`: the model's "fold" normalization plus
   the registry's lookup normalization) equals a variant's key. Score 1.0.
2. `proclitic`: a span cut from the contracted لل form (لنظام, لقوات الروسية: ل + X stands
   for ال + X, GUIDELINES.md section 3) or a predicted span that kept one proclitic (و ف ب
   ك ل) matches exactly after restoring ال / dropping the letter. Score 0.95.
3. `variant`: a looser key matches: the article ال ignored in every word, spaces ignored, a
   leading type word (حركة، فرقة، لواء، مطار، معبر ...) dropped from the variant or the
   mention, or قوات dropped from the mention. Score 0.9.
4. `alias`: the mention is joined by in-document ALIAS_OF relations (chains included) to a
   mention linked by 1-3; it takes that link. Score 0.9 x the partner's score.
5. `fuzzy`: rapidfuzz similarity (the best of `ratio` and `token_sort_ratio` on keys, in
   0-100; a variant of 2+ words all found in a mention with at most 2 more words, or the
   reverse, counts as `SUBSET_SIMILARITY`) reaches the threshold (`FACTION_FUZZY` 88,
   `LOCATION_FUZZY` 90; keys shorter than `FUZZY_MIN_LENGTH` letters never fuzzy-match) and
   the runner-up, if it names another item, is at least `FUZZY_MARGIN` lower. A FACTION
   mention with a foreign state's adjective only matches that state's actors, and one with
   the adjective of a country the registry has no actor for (الليبي) matches none. Score
   0.9 x similarity / 100. Alias propagation runs again after this step.
6. `adjective` (FACTION only): a state body named by head words and the state's adjective
   (الحكومة الأردنية, وزارة الخارجية الأمريكية, القيادة السورية): the state's actor, or its
   armed forces' actor for a military head (الجيش، القوات، الطيران). The adjectives are made
   from the registry's one-word state names (الأردن -> الأردني/الأردنية). Score 0.8.

When several items share a key, the choice is made by rules, and the score is multiplied by
`TIE_FACTOR` (0.85):

- actors: those active (registry `active` years) in the document's year when its date is
  known; then those linked elsewhere in the same document; then the registry's file order.
- places: a type word just before the span (مخيم -> camps, معبر -> crossings, حوض/سهل/منطقة ->
  regions, نهر -> rivers, مطار/قاعدة -> airports and bases, مدينة/بلدة/قرية -> towns) keeps
  the places of that kind; then Syrian places before the neighbours' (IQ JO LB TR IL) before
  the rest; then **the governorate rule**: the place whose governorate (GeoNames admin1)
  holds the most of the document's other places linked without a tie (a town name found in
  two governorates goes to the governorate the article is about); then the supplement before
  GeoNames; then the larger population.
- **the containment rule** (places, before the others): when the text puts the mention in a
  Syrian governorate ("X بمحافظة درعا", "X في حوض اليرموك", "X بريف حمص": the next place
  mention, joined only by في or ب and at most one type word), candidates in that governorate
  win, and when every candidate is a Syrian place elsewhere the mention stays unlinked
  (method `elsewhere`): القصير of Homs is not the القصير "بمحافظة درعا".

Nothing here raises on odd input: an empty or unmatched mention is `unlinked`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from rapidfuzz import fuzz, process

from ..data.documents import Document, Entity
from .gazetteer import Place, all_places
from .keys import article_key, key, restore_contracted_article, spaceless_key, strip_article, strip_proclitic
from .labels import ACTOR_TYPE, ALIAS_RELATIONS, LINKED_TYPES, PLACE_TYPE
from .registry import ACTORS_PATH, PLACES_PATH, Actor, load_actors

UNLINKED = "unlinked"
FACTION_FUZZY = 88.0
LOCATION_FUZZY = 90.0
FUZZY_MIN_LENGTH = 5
FUZZY_MARGIN = 3.0
SUBSET_SIMILARITY = 90.0
TIE_FACTOR = 0.85
BASE_SCORES = {"exact": 1.0, "proclitic": 0.95, "variant": 0.9, "adjective": 0.8}

# Leading words that name a kind of group or place and that variants or spans may carry or
# leave out (keys: registry-normalized, so ة is ه and hamzas are plain alef).
FACTION_TYPE_WORDS = ("حركه", "فرقه", "لواء", "الويه", "كتائب", "جماعه", "تجمع", "فصيل", "تنظيم", "مجموعه",
                      "ميليشيات", "مليشيات", "فصائل")
PLACE_TYPE_WORDS = ("مطار", "معبر", "مخيم", "قاعده", "حقل", "حقول", "ميناء", "منطقه", "سهل", "هضبه", "حوض",
                    "ناحيه", "مدينه", "بلده", "قريه", "حي")
# Type word before a LOCATION span -> the place kinds it announces.
KIND_CUES = {"مخيم": {"camp"}, "معبر": {"crossing"}, "حوض": {"region"}, "سهل": {"region"}, "منطقه": {"region"},
             "هضبه": {"region"}, "نهر": {"river"}, "مطار": {"airport", "base"}, "قاعده": {"base", "airport"},
             "حقل": {"oilfield"}, "مدينه": {"city", "capital"}, "بلده": {"city"}, "قريه": {"city"},
             "بلدتي": {"city"}, "قريتي": {"city"}, "ضيعه": {"city"}, "جبل": {"mountain"}}
# Words that, with a state's adjective, name that state's body (the adjective rule).
STATE_BODY_WORDS = frozenset({"الحكومه", "حكومه", "السلطات", "القياده", "قياده", "الاداره", "اداره", "وزاره",
                              "الخارجيه", "الدفاع", "الداخليه", "مجلس", "الامن", "القومي", "الاستخبارات",
                              "المخابرات", "النظام", "نظام", "الرئاسه", "رئاسه", "الجيش", "القوات", "قوات",
                              "الطيران", "الحربي", "سلاح", "الجو", "الجويه", "البحريه", "الدوله", "الجمهوريه"})
MILITARY_WORDS = frozenset({"الجيش", "القوات", "قوات", "الطيران", "سلاح", "الجويه", "البحريه"})


@dataclass(frozen=True)
class Link:
    """The link of one entity: `link` is an actor id, a place id or `unlinked`; `score` in
    [0, 1] (0 when unlinked); `method` one of exact, proclitic, variant, alias, fuzzy,
    adjective, none or elsewhere (the containment rule refused the only candidates)."""

    entity_id: str
    type: str
    link: str
    score: float
    method: str


def doc_year(date: str | None) -> int | None:
    """The year of an ISO date string (`YYYY-MM-DD` or `YYYY`), or None when absent or invalid."""
    if not date:
        return None
    try:
        return dt.date.fromisoformat(date[:10]).year if len(date) >= 10 else int(date[:4])
    except ValueError:
        return None


def _add(index: dict[str, list], k: str, item) -> None:
    if k and item not in index[k]:
        index[k].append(item)


def _strip_leading(text_key: str, words: Sequence[str]) -> str | None:
    """`text_key` without its first word when that word (ال ignored) is one of `words` and
    something remains; None otherwise."""
    head, _, rest = text_key.partition(" ")
    if rest and (head in words or strip_article(head) in words):
        return rest
    return None


def loose_keys(text_key: str) -> set[str]:
    """The looser keys of a key: ال ignored in every word, and spaces ignored too."""
    return {text_key, article_key(text_key), spaceless_key(text_key)} - {""}


def _without_articles(text_key: str) -> str:
    return " ".join(strip_article(w) for w in text_key.split())


def similarity(a: str, b: str, a2: str | None = None, b2: str | None = None) -> float:
    """Similarity of two keys in 0-100: the best of rapidfuzz `ratio` and `token_sort_ratio`
    on the keys and on their forms without ال (`a2`, `b2`: computed when not given), and the
    subset rule (module docstring, step 5; words compared without ال)."""
    a2 = _without_articles(a) if a2 is None else a2
    b2 = _without_articles(b) if b2 is None else b2
    best = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b), fuzz.ratio(a2, b2), fuzz.token_sort_ratio(a2, b2))
    small, big = sorted((set(a2.split()), set(b2.split())), key=len)
    if len(small) >= 2 and small <= big and len(big) - len(small) <= 2:
        best = max(best, SUBSET_SIMILARITY)
    return float(best)


class _Index:
    """Key -> item lists in three tiers (exact keys; looser keys; looser keys of names with
    a leading type word dropped), plus the keys fuzzy matching searches."""

    def __init__(self, named: Iterable[tuple[object, Iterable[str]]], type_words: Sequence[str]):
        self.exact: dict[str, list] = defaultdict(list)
        self.loose: dict[str, list] = defaultdict(list)
        self.stripped: dict[str, list] = defaultdict(list)
        self.choices: list[str] = []
        self.article_choices: list[str] = []
        self.owners: list[object] = []
        self.type_words = type_words
        # per index, not on the method: a method cache would keep every index alive (ruff B019)
        self._ranked = lru_cache(maxsize=65536)(self._rank)
        for item, names in named:
            for name in names:
                self._add_name(item, key(name))

    def _add_name(self, item, k: str) -> None:
        _add(self.exact, k, item)
        for lk in loose_keys(k):
            _add(self.loose, lk, item)
        short = _strip_leading(k, self.type_words)
        for lk in loose_keys(short) if short else ():
            _add(self.stripped, lk, item)
        if len(k.replace(" ", "")) >= FUZZY_MIN_LENGTH:
            self.choices.append(k)
            self.article_choices.append(_without_articles(k))
            self.owners.append(item)

    def lookup(self, text_key: str) -> tuple[list, str]:
        """(candidates, method) by steps 1-3 of the module docstring; ([], "none") if none."""
        if self.exact.get(text_key):
            return list(self.exact[text_key]), "exact"
        alternatives = [a for a in (restore_contracted_article(text_key), strip_proclitic(text_key)) if a]
        for alt in alternatives:
            if self.exact.get(alt):
                return list(self.exact[alt]), "proclitic"
        forms = [text_key] + alternatives
        forms += [f[5:] for f in forms if f.startswith("قوات ")]
        forms += [short for f in forms for short in [_strip_leading(f, self.type_words)] if short]
        for tier in (self.exact, self.loose, self.stripped):
            found: list = []
            for form in forms:
                for lk in loose_keys(form):
                    found += [item for item in tier.get(lk, []) if item not in found]
            if found:
                return found, "variant"
        return [], "none"

    def _rank(self, text_key: str) -> tuple[tuple[float, object], ...]:
        """(similarity, item) of the names most like `text_key`, best first: rapidfuzz's
        `token_sort_ratio` (in C) picks 40 names on the keys and 40 on their `article_key`s,
        then `similarity` scores those."""
        picked = {i for _, _, i in process.extract(text_key, self.choices, scorer=fuzz.token_sort_ratio, limit=40)}
        bare = _without_articles(text_key)
        picked |= {i for _, _, i in process.extract(bare, self.article_choices, scorer=fuzz.token_sort_ratio, limit=40)}
        scored = ((similarity(text_key, self.choices[i], bare, self.article_choices[i]), self.owners[i])
                  for i in picked)
        return tuple(sorted(scored, key=lambda h: (-h[0], str(h[1]))))

    def fuzzy(self, text_key: str, threshold: float, allowed: set | None = None) -> tuple[object | None, float]:
        """(item, similarity) of the best fuzzy match at or above `threshold` (among `allowed`
        items when given) whose runner-up naming another item is `FUZZY_MARGIN` lower, else
        (None, best similarity)."""
        if len(text_key.replace(" ", "")) < FUZZY_MIN_LENGTH or not self.choices:
            return None, 0.0
        ranked = self._ranked(text_key)
        ranked = [(score, owner) for score, owner in ranked if allowed is None or owner in allowed]
        if not ranked or ranked[0][0] < threshold:
            return None, ranked[0][0] if ranked else 0.0
        best_score, best = ranked[0]
        rival = next((score for score, owner in ranked[1:] if owner != best), 0.0)
        return (best, best_score) if best_score - rival >= FUZZY_MARGIN else (None, best_score)


def _nisbas(name_key: str) -> set[str]:
    """Adjectives of a one-word state name key: الأردن -> اردني, الاردني, اردنيه, الاردنيه;
    a final ا or ة goes (تركيا -> تركي, أمريكا -> امريكي), a final ي stays (سوريا -> سوري)."""
    stem = strip_article(name_key)
    stem = stem[:-1] if stem.endswith(("ا", "ه")) and len(stem) > 3 else stem
    stem = stem if stem.endswith("ي") else stem + "ي"
    return {form for base in (stem, stem + "ه") for form in (base, "ال" + base)}


class Linker:
    """Links the entities of documents (see the module docstring). Build it once with
    `Linker.default()` (cached) or from explicit actor and place lists."""

    def __init__(self, actors: Sequence[Actor], places: Sequence[Place]):
        self.actors = {a.id: a for a in actors}
        self.order = {a.id: i for i, a in enumerate(actors)}
        self.actor_index = _Index(((a.id, a.variants) for a in actors), FACTION_TYPE_WORDS)
        self.places = {p.id: p for p in places}
        self.place_index = _Index(((p.id, p.names_ar) for p in places), PLACE_TYPE_WORDS)
        self.place_order = {p.id: i for i, p in enumerate(places)}
        self.adjectives = self._state_adjectives(actors)
        registry_words = {w for a in actors for v in a.variants for w in key(v).split()}
        self.foreign_adjectives = self._country_adjectives() - set(self.adjectives) - registry_words
        syria = [p for p in self.places.values() if p.kind == "country" and p.country == "SY"]
        home = self.actor_index.exact.get(key(syria[0].names_ar[0]), []) if syria else []
        self.home_state = home[0] if home else None

    @classmethod
    def default(cls) -> "Linker":
        """The linker over `registry/actors.yaml`, `registry/places.yaml` and GeoNames (cached)."""
        return _default_linker(str(ACTORS_PATH), str(PLACES_PATH))

    # ------------------------------------------------------------------ documents
    def link_document(self, doc: Document, date: str | None = None) -> list[Link]:
        """One `Link` per FACTION and LOCATION entity of `doc`, in entity order. `date` (ISO
        `YYYY-MM-DD`) lets actor ties prefer actors active that year; `doc.text`, when
        present, gives the type words before LOCATION spans."""
        entities = [e for e in doc.entities if e.type in LINKED_TYPES]
        found = {e.id: self._lookup(e) for e in entities}
        links = self._resolve(entities, found, doc, doc_year(date))
        groups = alias_groups(doc)
        self._propagate(links, groups)
        for e in entities:
            if links[e.id].method == "none":
                links[e.id] = self._fallback(e)
        self._propagate(links, groups)
        return [links[e.id] for e in entities]

    def _lookup(self, entity: Entity) -> tuple[list, str]:
        index = self.actor_index if entity.type == ACTOR_TYPE else self.place_index
        return index.lookup(key(entity.text))

    def _resolve(self, entities: list[Entity], found: dict, doc: Document, year: int | None) -> dict[str, Link]:
        """Links by steps 1-3, ties decided by the document's unambiguous links."""
        sure_actors = {c[0] for c, _ in found.values() if len(c) == 1}
        sure_places = [self.places[c[0]] for e in entities for c in [found[e.id][0]]
                       if e.type == PLACE_TYPE and len(c) == 1]
        regions = Counter(p.admin1 for p in sure_places if p.admin1 and p.country == "SY")
        within = self._containers(entities, found, doc.text)
        links = {}
        for e in entities:
            candidates, method = found[e.id]
            if not candidates:
                links[e.id] = Link(e.id, e.type, UNLINKED, 0.0, "none")
                continue
            if e.type == ACTOR_TYPE:
                chosen = self.choose_actor(candidates, year, sure_actors)
            else:
                chosen = self.choose_place(candidates, cue_kinds(doc.text, e.start), regions, within.get(e.id))
            if chosen is None:
                links[e.id] = Link(e.id, e.type, UNLINKED, 0.0, "elsewhere")
                continue
            score = BASE_SCORES[method] * (1.0 if len(candidates) == 1 else TIE_FACTOR)
            links[e.id] = Link(e.id, e.type, chosen, round(score, 4), method)
        return links

    def _fallback(self, entity: Entity) -> Link:
        """Steps 5-6 for a mention the lookups and aliases left unlinked. A FACTION mention
        that carries one foreign state's adjective only fuzzy-matches that state's actors (the
        state and the actors under it); "Syrian" names groups of every side, so it does not
        restrict; the adjective of a country the registry has no state actor for (الليبي)
        rules fuzzy matching out (الجيش الوطني الليبي is not الجيش الوطني)."""
        text_key = key(entity.text)
        forms = [f for f in (restore_contracted_article(text_key), text_key) if f]
        if entity.type == ACTOR_TYPE:
            words = forms[0].split()
            states = {self.adjectives[w] for w in words if w in self.adjectives} - {self.home_state}
            allowed = {a for a in self.actors if self.state_of(a) in states} if len(states) == 1 else None
            if self.foreign_adjectives.intersection(words):
                allowed = set()  # another country's body: the registry has no actor of that state
            for form in forms:
                best, sim = self.actor_index.fuzzy(form, FACTION_FUZZY, allowed)
                if best is not None:
                    return Link(entity.id, entity.type, best, round(0.9 * sim / 100, 4), "fuzzy")
            state = self.adjective_actor(forms[0])
            if state:
                return Link(entity.id, entity.type, state, BASE_SCORES["adjective"], "adjective")
        else:
            best, sim = self.place_index.fuzzy(text_key, LOCATION_FUZZY)
            if best is not None:
                return Link(entity.id, entity.type, best, round(0.9 * sim / 100, 4), "fuzzy")
        return Link(entity.id, entity.type, UNLINKED, 0.0, "none")

    def state_of(self, actor_id: str) -> str | None:
        """The state actor an actor belongs to (itself, or the nearest `parent` that is a state
        actor with adjectives), or None."""
        states, seen = set(self.adjectives.values()), set()
        while actor_id and actor_id not in seen:
            if actor_id in states:
                return actor_id
            seen.add(actor_id)
            actor_id = self.actors[actor_id].parent if actor_id in self.actors else None
        return None

    @staticmethod
    def _propagate(links: dict[str, Link], groups: list[set[str]]) -> None:
        """Step 4: unlinked members of an ALIAS_OF group take the best-scored member's link."""
        for group in groups:
            linked = [links[i] for i in group if i in links and links[i].link != UNLINKED]
            if not linked:
                continue
            best = max(linked, key=lambda link: link.score)
            for i in group:
                if i in links and links[i].method == "none":
                    links[i] = Link(i, links[i].type, best.link, round(0.9 * best.score, 4), "alias")

    # ------------------------------------------------------------------ choices
    def choose_actor(self, candidates: list[str], year: int | None, in_document: set[str]) -> str:
        """The actor among `candidates` (ids): active in `year` (when known), then linked
        elsewhere in the document, then first in the registry."""
        pool = [c for c in candidates if year is None or _active(self.actors[c], year)] or list(candidates)
        pool = [c for c in pool if c in in_document] or pool
        return min(pool, key=lambda c: self.order[c])

    def choose_place(self, candidates: list[str], kinds: set[str], regions: Counter,
                     within: str | None = None) -> str | None:
        """The place among `candidates` (ids) by the place rules of the module docstring:
        `kinds` from the type word before the span, `regions` the document's count of sure
        places per Syrian governorate, `within` the governorate the text puts the mention in
        (the containment rule; "A|B" for either: the countryside of Damascus is the Rif
        Dimashq governorate). None when the text puts it in a governorate none of the
        Syrian candidates lies in."""
        places = [self.places[c] for c in candidates]
        if within:
            inside = [p for p in places if p.admin1 in within.split("|")]
            if not inside and all(p.country == "SY" and p.admin1 for p in places):
                return None
            places = inside or places
        places = [p for p in places if p.kind in kinds] or places
        best_rank = min(p.rank for p in places)
        places = [p for p in places if p.rank == best_rank]
        return min(places, key=lambda p: (-regions.get(p.admin1, 0), p.source != "places", -p.population,
                                          self.place_order[p.id])).id

    def _containers(self, entities: list[Entity], found: dict, text: str | None) -> dict[str, str]:
        """Entity id -> the Syrian governorate the text places that LOCATION mention in: the
        next LOCATION mention follows it joined only by "in" (في or ب), optionally with a type
        word (بمحافظة درعا, في حوض اليرموك, بريف حمص), and its candidates (those of the kind its
        own type word announces, if any) all lie in one Syrian governorate."""
        places = sorted((e for e in entities if e.type == PLACE_TYPE), key=lambda e: e.start)
        out = {}
        for here, nxt in zip(places, places[1:]):
            if text is None or not joined_by_in(text[here.end:nxt.start]):
                continue
            candidates = [self.places[c] for c in found[nxt.id][0]]
            kinds = cue_kinds(text, nxt.start)
            candidates = [p for p in candidates if p.kind in kinds] or candidates
            regions = {p.admin1 for p in candidates}
            if candidates and len(regions) == 1 and all(p.country == "SY" for p in candidates) and None not in regions:
                region = regions.pop()
                out[here.id] = region if region != "Dimashq" else "Rif-dimashq|Dimashq"
        return out

    # ------------------------------------------------------------------ adjectives
    def _state_adjectives(self, actors: Sequence[Actor]) -> dict[str, str]:
        """Adjective key -> state actor id, from the one-word names of state actors (kind
        `state`, or an actor whose variants include a country's Arabic name); variants the
        registry marks `ambiguous` are left out."""
        countries = {key(n) for p in self.places.values() if p.kind == "country" for n in p.names_ar}
        out: dict[str, str] = {}
        for a in actors:
            names = {key(v) for v in a.variants} - {key(v) for v in a.ambiguous}
            if a.kind != "state" and not names & countries:
                continue
            for name in names:
                if " " not in name and not name.isascii():
                    for adjective in _nisbas(name):
                        out.setdefault(adjective, a.id)
        return out

    def _country_adjectives(self) -> set[str]:
        """Adjective keys made from every one-word country name (CLDR, GeoNames countries)."""
        names = {key(n) for p in self.places.values() if p.kind == "country" for n in p.names_ar}
        return {a for name in names if " " not in name for a in _nisbas(name)}

    def adjective_actor(self, text_key: str) -> str | None:
        """Step 6: the actor a state-body phrase names, or None. With a military head word
        the state's forces are looked up as "<head> <adjective>" for each of the mention's
        head words, then القوات and الجيش, and each adjective of that state."""
        words = text_key.split()
        states = {self.adjectives[w] for w in words if w in self.adjectives}
        rest = [w for w in words if w not in self.adjectives]
        if len(states) != 1 or not rest or not all(w in STATE_BODY_WORDS for w in rest):
            return None
        state = states.pop()
        heads = [w for w in rest if w in MILITARY_WORDS]
        if heads:
            adjectives = [a for a, owner in self.adjectives.items() if owner == state]
            for head in dict.fromkeys(heads + ["القوات", "الجيش"]):
                for adjective in adjectives:
                    forces = self.actor_index.exact.get(f"{head} {adjective}")
                    if forces:
                        return forces[0]
        return state


@lru_cache(maxsize=2)
def _default_linker(actors_path: str, places_path: str) -> Linker:
    return Linker(load_actors(actors_path), all_places(places_path))


def _active(actor: Actor, year: int) -> bool:
    first, last = actor.active
    return first <= year and (last is None or year <= last)


def cue_kinds(text: str | None, start: int) -> set[str]:
    """Place kinds announced by the word just before offset `start` of `text` (`KIND_CUES`;
    a proclitic on that word is ignored: بمخيم, ومعبر). Empty when there is none."""
    if not text:
        return set()
    before = key(text[max(0, start - 24):start]).split()
    if not before:
        return set()
    word = before[-1]
    for candidate in (word, word[1:], word[2:]):
        if candidate in KIND_CUES:
            return KIND_CUES[candidate]
    return set()


CONTAINER_WORDS = frozenset({"محافظه", "ريف", "حوض", "منطقه", "مدينه", "سهل", "ناحيه", "اقليم"})


def joined_by_in(between: str) -> bool:
    """Whether the text between two place mentions says the first is in the second: "في" or
    a ب, optionally with one type word (بمحافظة، في حوض، بريف), and at most 30 characters."""
    words = key(between).split() if len(between) <= 30 else []
    if not words:
        return False
    if words[0] == "في":
        words = words[1:]
    elif words[0].startswith("ب"):
        words = [words[0][1:]] + words[1:]
    else:
        return False
    words = [w for w in words if w]
    return not words or (len(words) == 1 and words[0] in CONTAINER_WORDS)


def alias_groups(doc: Document) -> list[set[str]]:
    """Entity ids joined by alias relations (`labels.ALIAS_RELATIONS`: ALIAS_OF), transitively,
    one set per group of 2+."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in doc.relations:
        if r.type in ALIAS_RELATIONS:
            parent[find(r.head)] = find(r.tail)
    groups: dict[str, set[str]] = defaultdict(set)
    for x in list(parent):
        groups[find(x)].add(x)
    return [g for g in groups.values() if len(g) > 1]
