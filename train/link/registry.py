"""The actor registry and the place supplement: load, validate, index.

`registry/actors.yaml` lists the canonical actors a FACTION mention can be linked to;
`registry/places.yaml` lists the places GeoNames' populated places lack or name badly
(regions, rivers, bases, crossings, camps...). Both are validated with pydantic models
plus cross-item rules; every problem is reported at once in one `RegistryError`.

Variants are compared after `normalize`: a light normalisation for lookup only (the YAML
keeps the spelling as written).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..data.schema import PROJECT_DIR

REGISTRY_DIR = PROJECT_DIR / "registry"
ACTORS_PATH = REGISTRY_DIR / "actors.yaml"
PLACES_PATH = REGISTRY_DIR / "places.yaml"

WAR_START = 2011  # `active` starts are clipped to the war's first year

Side = Literal["government", "government_ally", "opposition", "kurdish_led", "jihadist",
               "foreign_state", "international_coalition", "other"]
ActorKind = Literal["armed_group", "state_force", "state", "capital", "coalition",
                    "political_party", "militia", "security_body", "generic"]
PlaceKind = Literal["region", "river", "base", "airport", "crossing", "camp", "dam",
                    "oilfield", "mountain", "other"]
# GeoNames' English names of Syria's 14 governorates (its admin1 level).
SYRIAN_GOVERNORATES = frozenset({
    "Aleppo", "Al-Hasakah", "Ar-Raqqah", "As-Suwayda", "Daraa", "Deir ez-Zor", "Dimashq",
    "Hama", "Homs", "Idlib", "Latakia", "Quneitra", "Rif-dimashq", "Tartus"})

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


class RegistryError(ValueError):
    """A registry file is malformed; `problems` holds one line per problem, each naming
    the file, the item (id, or #index where the id is unusable) and the reason."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(self.problems))


def normalize(text: str) -> str:
    """Lookup key of a name: strip Arabic diacritics and tatweel, unify أ إ آ ٱ to ا,
    ى to ي and ة to ه, collapse runs of whitespace. Latin letters are left as they are."""
    text = _DIACRITICS.sub("", unicodedata.normalize("NFC", text))
    return " ".join(text.translate(_LETTERS).split())


class _Item(BaseModel):
    """Fields shared by actors and places. Field types and enums are checked by pydantic;
    `rules()` returns the reasons an otherwise well-typed item breaks a registry rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str = Field(min_length=1)
    name_ar: str = Field(min_length=1)
    variants: tuple[str, ...] = Field(min_length=1)
    ambiguous: tuple[str, ...] = ()

    def rules(self) -> list[str]:
        keys = {normalize(v) for v in self.variants}
        stray = [a for a in self.ambiguous if normalize(a) not in keys]
        reasons = ["a variant is empty"] if "" in keys else []
        if normalize(self.name_ar) not in keys:
            reasons.append(f"name_ar {self.name_ar!r} is not among the variants")
        if stray:
            reasons.append(f"ambiguous {stray} are not among the variants")
        return reasons


class Actor(_Item):
    """A canonical actor. `active` is [first year, last year or None] (calendar years,
    starts before 2011 clipped to 2011); `parent` and `successor_of` hold actor ids."""

    parent: Optional[str] = None
    successor_of: tuple[str, ...] = ()
    side: Side
    kind: ActorKind
    active: tuple[int, Optional[int]]
    generic: bool = False

    def rules(self) -> list[str]:
        (start, end), reasons = self.active, super().rules()
        if start < WAR_START:
            reasons.append(f"active starts in {start}, before {WAR_START} (clip it)")
        if end is not None and end < start:
            reasons.append(f"active ends in {end}, before it starts ({start})")
        return reasons


class Place(_Item):
    """A place of the supplement. `lat`/`lon` are WGS84 decimal degrees; `country` an
    ISO 3166-1 alpha-2 code; `admin1` GeoNames' English governorate name."""

    kind: PlaceKind
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    admin1: Optional[str] = None

    def rules(self) -> list[str]:
        reasons = super().rules()
        if self.country == "SY" and self.admin1 and self.admin1 not in SYRIAN_GOVERNORATES:
            reasons.append(f"admin1 {self.admin1!r} is not a Syrian governorate "
                           f"(one of {sorted(SYRIAN_GOVERNORATES)})")
        return reasons


def load_actors(path: str | Path = ACTORS_PATH) -> list[Actor]:
    """Read and validate an actors file (top-level key `actors`, a list).

    Returns the actors in file order. Raises `RegistryError` listing every problem:
    YAML syntax, field types and enums, duplicate ids, unknown or cyclic `parent` /
    `successor_of` ids, and variants claimed by two actors without `ambiguous` in both."""
    raw = _read_items(Path(path), "actors")
    actors, problems = _validate(Path(path), raw, Actor, "actor")
    ids = _ids(raw)
    for a in actors:
        refs = ([a.parent] if a.parent else []) + list(a.successor_of)
        problems += [f"{path}: actor {a.id!r}: refers to unknown actor {r!r}"
                     for r in refs if r not in ids]
        problems += [f"{path}: actor {a.id!r}: refers to itself"] if a.id in refs else []
    problems += _cycles(path, {a.id: [a.parent] if a.parent else [] for a in actors}, "parent")
    problems += _cycles(path, {a.id: list(a.successor_of) for a in actors}, "successor_of")
    problems += _variant_clashes(path, actors, "actor")
    return _done(actors, problems)


def load_places(path: str | Path = PLACES_PATH) -> list[Place]:
    """Read and validate a places file (top-level key `places`, a list).

    Returns the places in file order. Raises `RegistryError` listing every problem:
    YAML syntax, field types and enums, coordinates out of range (degrees), duplicate
    ids, and variants claimed by two places without `ambiguous` in both."""
    raw = _read_items(Path(path), "places")
    places, problems = _validate(Path(path), raw, Place, "place")
    return _done(places, problems + _variant_clashes(path, places, "place"))


def variant_index(items: Iterable[_Item]) -> dict[str, list[str]]:
    """Map each normalised variant to the ids (in file order, no repeats) that claim it."""
    index: dict[str, list[str]] = {}
    for item in items:
        for key in dict.fromkeys(normalize(v) for v in item.variants):
            index.setdefault(key, []).append(item.id)
    return index


def registry_version(*paths: str | Path) -> str:
    """First 16 hex digits of the SHA-256 of the files' bytes (in the order given);
    a missing file counts as empty."""
    digest = hashlib.sha256()
    for p in paths:
        digest.update(Path(p).read_bytes() if Path(p).is_file() else b"")
        digest.update(b"\0")
    return digest.hexdigest()[:16]


# Provenance of a linking run: changes whenever either committed file changes.
REGISTRY_VERSION = registry_version(ACTORS_PATH, PLACES_PATH)


def _read_items(path: Path, key: str) -> list:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RegistryError([f"{path}: cannot be read: {exc}".replace("\n", " ")]) from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise RegistryError([f"{path}: the top level must be a mapping with a list `{key}`"])
    return data[key]


def _label(raw: object, index: int) -> str:
    rid = raw.get("id") if isinstance(raw, dict) else None
    return repr(rid) if isinstance(rid, str) and rid else f"#{index}"


def _ids(raw: list) -> set[str]:
    return {r["id"] for r in raw if isinstance(r, dict) and isinstance(r.get("id"), str)}


def _validate(path: Path, raw: list, model: type[_Item], noun: str):
    items, problems, seen = [], [], set()
    for i, entry in enumerate(raw):
        label = _label(entry, i)
        rid = entry.get("id") if isinstance(entry, dict) else None
        duplicate = isinstance(rid, str) and rid in seen
        if duplicate:
            problems.append(f"{path}: {noun} {label}: duplicate id")
        seen.add(rid if isinstance(rid, str) else None)
        try:
            item = model.model_validate(entry)
            items += [] if duplicate else [item]
            problems += [f"{path}: {noun} {label}: {reason}" for reason in item.rules()]
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(map(str, err["loc"]))
                problems.append(f"{path}: {noun} {label}: " + (f"{where}: " if where else "")
                                + err["msg"])
    return items, problems


def _cycles(path, edges: dict[str, list[str]], field: str) -> list[str]:
    """One problem per loop found by a depth-first walk of the `field` links."""
    problems, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in edges.get(node, []):
            if nxt == node:  # reported as "refers to itself"
                continue
            if state.get(nxt) == "open":
                loop = " -> ".join(stack[stack.index(nxt):] + [nxt])
                problems.append(f"{path}: actor {nxt!r}: {field} links form a cycle ({loop})")
            elif nxt in edges and nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in edges:
        if node not in state:
            visit(node, [])
    return problems


def _variant_clashes(path, items: list[_Item], noun: str) -> list[str]:
    by_id = {item.id: item for item in items}
    problems = []
    for key, ids in variant_index(items).items():
        unflagged = [i for i in ids if key not in {normalize(a) for a in by_id[i].ambiguous}]
        if len(ids) > 1 and unflagged:
            others = ", ".join(repr(i) for i in ids)
            problems += [f"{path}: {noun} {i!r}: variant {key!r} is claimed by "
                         f"{others}; list it under `ambiguous` in each" for i in unflagged]
    return problems


def _done(items: list, problems: list[str]) -> list:
    if problems:
        raise RegistryError(problems)
    return items
