#!/usr/bin/env python3
"""Choose the 25 corpus articles that grow the gold set from 5 to 30 articles.

    python seeds/select_articles.py /path/to/syria_news.jsonl            # the chosen ids, in order
    python seeds/select_articles.py /path/to/syria_news.jsonl --explain  # plus outlet, date, chars,
                                                                          # split, score (counts on stderr)

Standalone, standard library only, deterministic (no randomness: every tie is broken by the
corpus id). The rule, applied in this order:

1. Length: 800 <= len(text) <= 6000 characters.
2. Topic (the corpus README's suggestion, made stricter):
   a. at least 2 matches of the README's Syria pattern سوريا|سورية|السوري;
   b. at least 2 distinct README cues (factions and places), each matched as a whole word
      (an optional و/ف and ب/ل/ك proclitic before it, and ل+ال contracted to لل; no Arabic letter
      right after it), so that درعاً, حلبة and similar do not count;
   c. the lead (first LEAD_CHARS characters) names Syria or a Syrian-war faction or place
      from the gazetteer below: the war is what the article opens with;
   d. war vocabulary (WAR_TERMS) at least WAR_DENSITY matches per 1000 characters.
3. Exclusions by reading (EXCLUDED, one reason per id): articles that pass 1-2 but on reading
   are not mainly about the Syrian war, or that are poor seeds for another stated reason. An
   excluded article's slot goes to the next article by the same rule.
4. Score = 3 x distinct gazetteer names (FACTIONS + PLACES; word-matched as in 2b)
           + min(relation-cue matches, RELATION_CAP)
   (many factions, places and relations between them).
5. Per outlet, in score order (ties: corpus id), take articles until the outlet's quota
   (QUOTAS) is filled, skipping an article if
   - it was published in the same year-month as one already taken from that outlet
     (spreads each outlet over the events of the period), or
   - it is a near-duplicate of one already taken from any outlet: word 5-gram containment
     >= NEAR_DUP_CONTAINMENT (the same text), or published within SAME_STORY_DAYS days of it
     with gazetteer-name Jaccard >= SAME_STORY_JACCARD (the same story told twice);
   - SaudiNewsNet: at most one article per newspaper, at most QUOTAS["SaudiNewsNet"] in all.
   Al Arabiya: first the best-scoring qualifying article of each year before 2015
   (its 2013/2014 items: opinion columns, another reporting style), then 2018.
   Outlets are processed in OUTLET_ORDER; the near-duplicate check sees every article
   taken from earlier outlets. Quotas: about 4 per ANT 2018 outlet, 5 for Sky News Arabia (the
   largest outlet in the corpus), 2 for Jawhara FM, and only 2 from SaudiNewsNet (at most 3
   were allowed; ANT's licence is preferred because annotations of SaudiNewsNet articles
   inherit CC BY-NC-SA 4.0).
6. Output: the chosen ids, outlet by outlet in OUTLET_ORDER and by corpus id within an outlet.
   seeds/NNN_<corpus-id>.txt is numbered 005 onwards in this order.

Splits (written to seeds/SOURCES.yaml; `--explain` prints them): within each outlet (the
record's `source`, so each SaudiNewsNet newspaper counts on its own) the articles are taken in
sorted corpus-id order (Python string order).
   test:       the first article of every outlet (one per outlet: 8 articles, so that every
               outlet's names are scored);
   validation: the second article of every outlet with exactly 4 chosen articles (Al Arabiya,
               BBC Arabic, CNN Arabic, France 24 Arabic: 4 articles);
   train:      the rest (13 articles).
The five older seeds (000-004) keep the roles configs/ gives them.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date

MIN_CHARS, MAX_CHARS = 800, 6000
LEAD_CHARS = 400
WAR_DENSITY = 1.5
RELATION_CAP = 20
NEAR_DUP_CONTAINMENT = 0.2
SAME_STORY_DAYS = 7
SAME_STORY_JACCARD = 0.4

OUTLET_ORDER = ["Al Arabiya", "BBC Arabic", "CNN Arabic", "France 24 Arabic", "Sky News Arabia",
                "Jawhara FM", "SaudiNewsNet"]
QUOTAS = {"Al Arabiya": 4, "BBC Arabic": 4, "CNN Arabic": 4, "France 24 Arabic": 4,
          "Sky News Arabia": 5, "Jawhara FM": 2, "SaudiNewsNet": 2}

SYRIA = re.compile("سوريا|سورية|السوري")
README_CUES = ["قوات سوريا الديمقراطية", "قسد", "داعش", "تنظيم الدولة", "النصرة", "تحرير الشام",
               "الجيش الحر", "حزب الله", "وحدات حماية", "النظام السوري", "قوات النظام",
               "المعارضة المسلحة", "حلب", "إدلب", "ادلب", "الرقة", "دير الزور", "منبج", "عفرين",
               "درعا", "الغوطة", "حمص", "حماة", "دمشق"]

FACTIONS = [
    "قوات سوريا الديمقراطية", "قوات سورية الديمقراطية", "قسد", "داعش", "تنظيم الدولة",
    "الدولة الإسلامية", "الدولة الاسلامية", "النصرة", "فتح الشام", "تحرير الشام", "القاعدة",
    "الجيش الحر", "الجيش السوري الحر", "الجيش الوطني", "حزب الله", "وحدات حماية الشعب",
    "وحدات حماية", "حزب الاتحاد الديمقراطي", "حزب العمال الكردستاني", "العمال الكردستاني",
    "النظام السوري", "قوات النظام", "نظام الأسد", "قوات الأسد", "الجيش السوري",
    "الجيش العربي السوري", "القوات الحكومية", "القوات السورية", "الحكومة السورية",
    "المعارضة المسلحة", "المعارضة السورية", "الفصائل المعارضة", "فصائل المعارضة",
    "أحرار الشام", "جيش الإسلام", "فيلق الرحمن", "جيش الفتح", "نور الدين زنكي", "الجبهة الوطنية للتحرير",
    "جيش العزة", "جيش خالد بن الوليد", "الجبهة الجنوبية", "جيش الأحرار",
    "القوات التركية", "الجيش التركي", "القوات الروسية", "الجيش الروسي", "القوات الأمريكية",
    "القوات الأميركية", "التحالف الدولي", "الحرس الثوري", "القوات الإيرانية",
    "الميليشيات الإيرانية", "الحشد الشعبي", "الجيش الإسرائيلي", "الدفاع الوطني",
    "روسيا", "إيران", "ايران", "تركيا", "الولايات المتحدة", "واشنطن", "موسكو", "أنقرة", "طهران",
    "إسرائيل", "اسرائيل",
]
PLACES = [
    "حلب", "إدلب", "ادلب", "الرقة", "دير الزور", "منبج", "عفرين", "درعا", "الغوطة", "الغوطة الشرقية",
    "حمص", "حماة", "دمشق", "القنيطرة", "اللاذقية", "طرطوس", "الحسكة", "القامشلي", "تدمر",
    "البوكمال", "الميادين", "جسر الشغور", "خان شيخون", "دوما", "حرستا", "عربين", "جوبر", "اليرموك",
    "الزبداني", "القلمون", "جرابلس", "الباب", "تل رفعت", "عين العرب", "كوباني", "السويداء",
    "الجولان", "التنف", "حميميم", "الفرات", "معرة النعمان", "سراقب", "تل أبيض", "رأس العين",
    "عين عيسى", "الطبقة", "داريا", "مضايا", "القصير", "يبرود", "الشعيرات", "نصيب", "كفريا",
    "الفوعة", "أعزاز", "اعزاز", "الرستن", "تلبيسة", "الحولة", "كفرنبل", "مارع", "الشيخ مقصود",
    "الضمير", "القدم", "الحجر الأسود", "بصرى الشام", "نوى", "الكسوة", "الشدادي", "السخنة",
    "عين ترما", "كفربطنا", "سقبا", "حمورية", "مسرابا", "جرمانا", "إعزاز", "جنديرس",
    "راجو", "الباغوز", "هجين", "الركبان", "البادية", "العراق", "لبنان", "الأردن",
]
WAR_TERMS = re.compile(
    "قصف|غارة|غارات|معارك|معركة|اشتباك|سيطر|هجوم|مسلح|فصائل|فصيل|قوات|مقاتل|انسحاب|انسحب|"
    "عسكري|الجيش|ميليشي|مليشي|جبهة|تنظيم|حصار|محاصر|قذائف|صواريخ|هدنة|تقدم|استعاد")
RELATION_CUES = re.compile(
    "سيطر|يسيطر|سيطرة|استعاد|انتزع|تقدم|انسحب|انسحاب|دعم|مدعوم|يدعم|تدعم|تحالف|حليف|حلفاء|"
    "موالي|تابع|اشتباك|معارك|قصف|استهدف|هجوم|هاجم|حاصر|حصار|طرد|دخل|انتشار|تنتشر|تسليم|"
    "اتفاق|إجلاء|تهجير|نقل")

# Step 3: excluded on reading. id -> reason.
EXCLUDED: dict[str, str] = {
    "ant-alarabia-internationalnews-91-20131228":
        "opinion essay on terrorism and takfir across the Arab world (Iraq, Egypt, Lebanon); "
        "the Syrian war appears only as one example",
    "ant-alarabia-internationalnews-1039-20180507":
        "Israel-Iran confrontation and Israeli domestic debate (Barak, Netanyahu, Putin talks); "
        "Syria is the arena, not the subject, and no Syrian party or front is reported",
    "ant-cnn-middleeast-1247-20180818":
        "a Syrian foreign-ministry statement on Saudi aid to the coalition; half the text is "
        "unrelated news briefs (Mecca, Bahrain-Qatar, Netanyahu inquiry, Turkey-Qatar)",
    "ant-cnn-middleeast-912-20180514":
        "opinion column on the Israel-Iran confrontation (as 1039 above): Syria is the arena, "
        "no Syrian party, front or named place below the capital is reported",
    "ant-skynews-middleeast-3493-20180902":
        "a seven-year timeline of the whole war that retells what the outlet's chosen overviews "
        "already cover (Old Homs 2014, Aleppo 2016, Ghouta and Daraa 2018 in 2996; territory in "
        "1916); a fourth Sky overview would crowd out the outlet's only hard-news slot",
}

ARABIC = "\u0600-\u06FF"


def word_pattern(names: list[str]) -> re.Pattern:
    """Whole-word match of any name, with optional proclitics (و/ف, then ب/ل/ك; ل+ال -> لل)."""
    alternatives = []
    for name in sorted(set(names), key=lambda n: (-len(n), n)):
        alternatives.append(re.escape(name))
        if name.startswith("ال"):
            alternatives.append("ل" + re.escape(name[1:]))
    return re.compile(f"(?<![{ARABIC}])(?:[وف]?[بلك]?)({'|'.join(alternatives)})(?![{ARABIC}])")


CUE_RE = word_pattern(README_CUES)
NAME_RE = word_pattern(FACTIONS + PLACES)


def canonical(match: str) -> str:
    return "ال" + match[2:] if match.startswith("لل") else match


def names(text: str) -> set[str]:
    return {canonical(m) for m in NAME_RE.findall(text)}


def features(record: dict) -> dict:
    text = record["text"]
    lead = text[:LEAD_CHARS]
    return {
        "chars": len(text),
        "syria": len(SYRIA.findall(text)),
        "cues": len({canonical(m) for m in CUE_RE.findall(text)}),
        "lead": bool(SYRIA.search(lead) or NAME_RE.search(lead)),
        "war_density": 1000 * len(WAR_TERMS.findall(text)) / len(text),
        "names": names(text),
        "relations": len(RELATION_CUES.findall(text)),
    }


def outlet(record: dict) -> str:
    return "SaudiNewsNet" if record["corpus"] == "SaudiNewsNet" else record["source"]


def eligible(f: dict) -> bool:
    return (MIN_CHARS <= f["chars"] <= MAX_CHARS and f["syria"] >= 2 and f["cues"] >= 2
            and f["lead"] and f["war_density"] >= WAR_DENSITY)


def score(f: dict) -> int:
    return 3 * len(f["names"]) + min(f["relations"], RELATION_CAP)


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(f"[{ARABIC}\\w]+", text)
    return {tuple(words[i:i + n]) for i in range(max(0, len(words) - n + 1))}


def near_duplicate(a: dict, b: dict) -> bool:
    sa, sb = a["shingles"], b["shingles"]
    if sa and sb and len(sa & sb) / min(len(sa), len(sb)) >= NEAR_DUP_CONTAINMENT:
        return True
    days = abs((date.fromisoformat(a["date"]) - date.fromisoformat(b["date"])).days)
    if days <= SAME_STORY_DAYS:
        na, nb = a["f"]["names"], b["f"]["names"]
        if na and nb and len(na & nb) / len(na | nb) >= SAME_STORY_JACCARD:
            return True
    return False


def select(records: list[dict]) -> tuple[list[dict], dict[str, list[dict]]]:
    candidates = {o: [] for o in OUTLET_ORDER}
    for r in records:
        o = outlet(r)
        if o not in candidates or r["id"] in EXCLUDED:
            continue
        f = features(r)
        if eligible(f):
            candidates[o].append({"id": r["id"], "outlet": o, "source": r["source"], "date": r["date"],
                                  "f": f, "score": score(f), "text": r["text"]})
    chosen: list[dict] = []
    for o in OUTLET_ORDER:
        ranked = sorted(candidates[o], key=lambda c: (-c["score"], c["id"]))
        if o == "Al Arabiya":
            early = sorted({c["date"][:4] for c in ranked if c["date"] < "2015"})
            firsts = [next(c for c in ranked if c["date"][:4] == y) for y in early]
            ranked = firsts + [c for c in ranked if c not in firsts and c["date"] >= "2015"]
        taken: list[dict] = []
        for c in ranked:
            if len(taken) == QUOTAS[o]:
                break
            if any(t["date"][:7] == c["date"][:7] for t in taken):
                continue
            if o == "SaudiNewsNet" and any(t["source"] == c["source"] for t in taken):
                continue
            c["shingles"] = shingles(c["text"])
            if any(near_duplicate(c, t) for t in chosen + taken):
                continue
            taken.append(c)
        chosen += sorted(taken, key=lambda c: c["id"])
    return chosen, candidates


def splits(chosen: list[dict]) -> dict[str, str]:
    """Corpus id -> train / validation / test, by the rule in the module docstring."""
    by_outlet: dict[str, list[str]] = {}
    for c in chosen:
        by_outlet.setdefault(c["source"], []).append(c["id"])
    result = {}
    for ids in by_outlet.values():
        ids = sorted(ids)
        for k, i in enumerate(ids):
            result[i] = "test" if k == 0 else "validation" if k == 1 and len(ids) == 4 else "train"
    return result


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2
    with open(argv[1], encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    chosen, candidates = select(records)
    explain = "--explain" in argv[2:]
    split = splits(chosen)
    for c in chosen:
        if explain:
            f = c["f"]
            print(f"{c['id']}\t{c['source']}\t{c['date']}\t{f['chars']}\t{split[c['id']]}\tscore={c['score']}\t"
                  f"names={len(f['names'])}\trel={f['relations']}\twar={f['war_density']:.1f}")
        else:
            print(c["id"])
    if explain:
        counts = Counter(c["outlet"] for c in chosen)
        print("# per outlet:", dict(counts), "total", len(chosen), file=sys.stderr)
        print("# eligible per outlet:", {o: len(v) for o, v in candidates.items()}, file=sys.stderr)
        print("# per split:", dict(Counter(split.values())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
