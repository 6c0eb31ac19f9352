"""Where each seed article in `seeds/` comes from.

Used by the dataset and model cards. For the five first seeds (000-004), which came
without a record of their source, an outlet is named only where the article names
itself and `evidence` says what in the text shows it. The articles taken from the shared
corpus (005-029) have their provenance in `seeds/SOURCES.yaml` (corpus record, outlet,
date, URL, licence), read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data.sources import SOURCES_FILE, read_sources


@dataclass(frozen=True)
class SeedSource:
    doc_id: str
    outlet: str
    side: str  # which side of the conflict the outlet's wording leans to
    evidence: str
    vocabulary: str  # how the article names the main actors: what a model trained on it learns
    topic: str


SEED_SOURCES: tuple[SeedSource, ...] = (
    SeedSource(
        "000_b3e4056057f56dd2", "Syrian Observatory for Human Rights (المرصد السوري لحقوق الإنسان)",
        "opposition-leaning monitoring group",
        "reports what the Observatory obtained (حصل المرصد السوري لحقوق الإنسان على معلومات)",
        "النظام (منشق عن النظام); تنظيم “الدولة الإسلامية”; قوات سوريا الديمقراطية",
        "US-backed Maghawir al-Thawra and a planned \"National Liberation Army\" south of al-Hasakah",
    ),
    SeedSource(
        "001_b15eb7a366a881e5", "not named in the text (byline \"editor4\", \"المصدر: رصد\")",
        "opposition-leaning wording, relaying Kurdish sources",
        "quotes a Kurdish source and the Kurdish agency Basnews (وكالة “باسنيوز” الكردية)",
        "قوات النظام; داعش; قوات سوريا الديمقراطية (قسد)",
        "disputes between the coalition and the SDF over the battle for Deir ez-Zor",
    ),
    SeedSource(
        "002_b18ec50c929003f4", "Enab Baladi (عنب بلدي)", "opposition-leaning outlet",
        "its sources speak to Enab Baladi (في حديثٍ إلى عنب بلدي); the footer asks readers to support it (ادعم عنب بلدي)",
        "فصائل المعارضة; قوات الأسد; “تحرير” in quotation marks; هيئة تحرير الشام",
        "talks between Ahrar al-Sham and Hayat Tahrir al-Sham on a joint operations room",
    ),
    SeedSource(
        "003_848d51e5e84e87d4", "Baladi News (بلدي نيوز)", "opposition-leaning outlet",
        "the dateline بلدي نيوز – (كنان سلطان); the first headline line ends with an unrelated English string "
        "(\"It's Over 9000!\"), probably from the title of the saved page",
        "تنظيم \"الدولة\" (داعش only when quoting others); النظام, قوات النظام, نظام الأسد; \"قسد\"",
        "coalition and Russian accusations over Islamic State fighters moved to southern Syria",
    ),
    SeedSource(
        "004_d620f0c0ea8628c3", "not named in the text (section \"أخبار سورية\", dated ١٧ ديسمبر ٢٠١٧)",
        "Syrian-government-aligned outlet",
        "calls the army الجيش العربي السوري, its enemies الإرهابيين and the coalition غير الشرعي; "
        "relays SANA (سانا), RT (روسيا اليوم) and the Russian defence ministry",
        "الجيش العربي السوري; الإرهابيين; تنظيم داعش الإرهابي; «قوات سورية الديمقراطية – قسد»",
        "Russian claims that Washington builds a \"New Syrian Army\" from former Islamic State fighters",
    ),
)


def corpus_sources(path: Path = SOURCES_FILE) -> tuple[SeedSource, ...]:
    """The corpus articles of `seeds/SOURCES.yaml`, in the shape of the first seeds' rows."""
    data = read_sources(path)
    outlets = data.get("outlets") or {}
    return tuple(
        SeedSource(item["id"], f"{item['source']} ({item['corpus']}, {item['date']})", outlets.get(item["source"], ""),
                   f"corpus record `{item['corpus_id']}`" + (f", {item['url']}" if item.get("url") else ""),
                   "", f"licence: {item['license']}")
        for item in data.get("articles") or [])


SEED_SOURCES = SEED_SOURCES + corpus_sources()
