"""Lookup keys for linking: one normalization for mentions, registry variants and GeoNames names.

`key(text)` is what every lookup compares: the model's own encoder-independent folding
(`train.data.normalize.normalize(text, "fold")`: NFC, presentation forms, Persian letters,
bidi and zero-width controls, diacritics and tatweel), then the registry's lookup
normalization (`train.link.registry.normalize`: أ إ آ ٱ to ا, ى to ي, ة to ه, runs of spaces
collapsed), then punctuation, hashtags' `#` and `_`, quotes, brackets and dashes made spaces,
Latin letters lower-cased, and the spellings the registry README lists as not merged by its
normalization (أمريكا/أميركا, الديمقراطية/الديموقراطية, الكردية/الكوردية, ...) and the two
words for intelligence services (المخابرات/الاستخبارات) made one (`SPELLINGS`). Two looser keys serve the second lookup tier:

- `article_key`: the Arabic article ال dropped from every word of 4+ letters
  (نور الدين الزنكي and نور الدين زنكي meet), and
- `spaceless_key`: `article_key` without spaces (البوكمال and البو كمال, تي فور and التيفور).

All functions take and return `str`; none raises.
"""

from __future__ import annotations

import re

from ..data.normalize import normalize as fold
from .registry import normalize as registry_normalize

_PUNCT = re.compile(r"[\s_#\-–—.,،;؛:!?؟\"'«»“”‘’()\[\]{}<>/\\|*+=~`^@%&]+")
_ARTICLE = "ال"
PROCLITICS = "وفبكل"
# Word (registry-normalized) -> the spelling keys use for it.
SPELLINGS = {
    "اميركا": "امريكا", "الاميركيه": "الامريكيه", "الاميركي": "الامريكي", "اميركيه": "امريكيه", "اميركي": "امريكي",
    "الديموقراطيه": "الديمقراطيه", "الديموقراطي": "الديمقراطي", "الكورديه": "الكرديه", "الكوردي": "الكردي",
    "الكوردستاني": "الكردستاني", "المليشيات": "الميليشيات", "مليشيات": "ميليشيات", "البنتاجون": "البنتاغون",
    "فاجنر": "فاغنر", "الاستخبارات": "المخابرات", "استخبارات": "مخابرات", "سوريه": "سوريا",
}
"""One-letter proclitics the guideline keeps outside a span (و ف ب ك ل)."""


def key(text: str) -> str:
    """The exact-lookup key of a name or mention (module docstring)."""
    folded = registry_normalize(fold(text, "fold").text)
    return " ".join(SPELLINGS.get(w, w) for w in _PUNCT.sub(" ", folded).lower().split())


def strip_article(word: str) -> str:
    """`word` without a leading ال when 2+ letters remain after it."""
    return word[2:] if word.startswith(_ARTICLE) and len(word) > 3 else word


def article_key(text: str) -> str:
    """`key(text)` with ال dropped from each word (see `strip_article`)."""
    return " ".join(strip_article(w) for w in key(text).split())


def spaceless_key(text: str) -> str:
    """`article_key(text)` with its spaces removed."""
    return article_key(text).replace(" ", "")


def restore_contracted_article(text_key: str) -> str | None:
    """The key a span cut from the contracted لل form stands for: لنظام -> النظام,
    لقوات الروسية -> القوات الروسية (GUIDELINES.md section 3). None when the key does not
    start with a single ل (a key starting with ال is not contracted)."""
    if text_key.startswith("ل") and not text_key.startswith(_ARTICLE) and len(text_key) > 2:
        return _ARTICLE + text_key[1:]
    return None


def strip_proclitic(text_key: str) -> str | None:
    """The key without one leading proclitic letter (و ف ب ك ل) when 3+ letters remain, for
    predicted spans that kept one; None when the key has none."""
    first = text_key.split(" ", 1)[0]
    if text_key[:1] in PROCLITICS and len(first) > 3:
        return text_key[1:]
    return None


def tokens(text_key: str) -> list[str]:
    """The words of a key, in order."""
    return text_key.split()
