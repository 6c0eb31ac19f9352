"""Linking mentions to actors and places (`train.link.linker`).

The figures: the hand-made link tables in tests/fixtures/link_table/ give, for every FACTION
and LOCATION mention of the gold annotations, the correct actor or place id (or
`unlinked:<reason>`), written by reading each mention in its sentence (README there). The
linker gets the gold spans and the gold ALIAS_OF relations, and the article dates of
seeds/SOURCES.yaml; a mention counts as right when its link is one of the table's ids, or
when both say unlinked.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest
import yaml
from conftest import ROOT

from train.data.documents import Document, Entity, Relation
from train.link.gazetteer import Place
from train.link.keys import key, restore_contracted_article
from train.link.linker import UNLINKED, Linker, joined_by_in
from train.link.registry import load_actors

TABLES = ROOT / "tests" / "fixtures" / "link_table"
FLOORS = {"FACTION": 0.95, "LOCATION": 0.90}


@pytest.fixture(scope="module")
def linker():
    return Linker.default()


def link_one(linker, text: str, etype: str, date: str | None = None, relations=(), entities=None):
    """Link the mentions of a one-sentence document; returns {entity id: Link}."""
    if entities is None:
        start = text.index("[")
        end = text.index("]") - 1
        text = text.replace("[", "").replace("]", "")
        entities = [Entity("T1", etype, start, end, text[start:end])]
    doc = Document("d", text, entities, [Relation(f"R{i}", *r) for i, r in enumerate(relations)])
    return {link.entity_id: link for link in linker.link_document(doc, date)}


def accuracy(linker, table: str, all_gold_docs) -> tuple[dict, list]:
    """({type: (right, total)}, wrong rows) of the linker against a link table."""
    dates = {a["id"]: a["date"] for a in yaml.safe_load((ROOT / "seeds" / "SOURCES.yaml").read_text("utf-8"))["articles"]}
    with open(TABLES / table, encoding="utf-8", newline="") as handle:
        gold = {(r["doc"], r["entity"]): r for r in csv.DictReader(handle)}
    docs = {d.id: d for d in all_gold_docs}
    counts, wrong = Counter(), []
    for doc_id in sorted({d for d, _ in gold}):
        for link in linker.link_document(docs[doc_id], dates.get(doc_id)):
            row = gold[(doc_id, link.entity_id)]
            right = (link.link == UNLINKED and row["link"].startswith("unlinked")) or link.link in row["link"].split("|")
            counts[(link.type, right)] += 1
            if not right:
                wrong.append((doc_id[:3], row["text"], row["link"], link.link, link.method))
    return {t: (counts[(t, True)], counts[(t, True)] + counts[(t, False)]) for t in FLOORS}, wrong


def test_held_out_articles_005_029_are_linked_right(linker, all_gold_docs):
    figures, wrong = accuracy(linker, "links_005-029.csv", all_gold_docs)
    for etype, floor in FLOORS.items():
        right, total = figures[etype]
        assert total > 700
        assert right / total >= floor, f"{etype}: {right}/{total} right; wrong: {wrong}"


def test_first_articles_000_004_are_linked_right(linker, all_gold_docs):
    figures, wrong = accuracy(linker, "links_000-004.csv", all_gold_docs)
    assert all(right / total >= FLOORS[t] for t, (right, total) in figures.items()), wrong


def test_the_tables_cover_every_gold_mention(all_gold_docs):
    rows = []
    for table in ("links_000-004.csv", "links_005-029.csv"):
        with open(TABLES / table, encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    mentions = {(d.id, e.id) for d in all_gold_docs for e in d.entities if e.type in FLOORS}
    assert {(r["doc"], r["entity"]) for r in rows} == mentions
    assert all(r["link"] and (r["link"].startswith("unlinked:") or ":" in r["link"] or r["type"] == "FACTION")
               for r in rows)


# ------------------------------------------------------------------ FACTION mentions
def test_contracted_article_spans_are_restored(linker):
    assert restore_contracted_article(key("لنظام")) == key("النظام")
    assert restore_contracted_article(key("النظام")) is None
    got = link_one(linker, "الموالية ل[لنظام] في المنطقة", "FACTION")["T1"]
    assert (got.link, got.method) == ("syrian_government", "proclitic")
    assert link_one(linker, "المدعومة ل[لقوات الروسية]", "FACTION")["T1"].link == "russian_forces"


def test_keys_fold_like_the_model_and_the_registry():
    assert key("وحدات_حماية_الشعب") == key("وحدات حماية الشعب")
    assert key("الولايـات المتحدة الأميركيّة") == key("الولايات المتحدة الأمريكية")
    assert key("(PKK)") == key("pkk")


def test_aliases_link_through_chains(linker):
    text = "قوات سوريا الديمقراطية أو قوات الرديفة الجديدة أي الرديفة الجديدة"
    names = ["قوات سوريا الديمقراطية", "قوات الرديفة الجديدة", "الرديفة الجديدة"]
    starts = [0, text.index(names[1]), text.rindex(names[2])]
    entities = [Entity(f"T{i + 1}", "FACTION", s, s + len(n), n) for i, (s, n) in enumerate(zip(starts, names))]
    links = link_one(linker, text, "FACTION", relations=[("ALIAS_OF", "T1", "T2"), ("ALIAS_OF", "T2", "T3")],
                     entities=entities)
    assert [(links[t].link, links[t].method) for t in ("T1", "T2", "T3")] == \
        [("sdf", "exact"), ("sdf", "alias"), ("sdf", "alias")]
    alone = link_one(linker, text, "FACTION", entities=entities)
    assert alone["T3"].link == UNLINKED


def test_fuzzy_links_near_misses_only(linker):
    got = link_one(linker, "[هيئة تحرير الشم] في إدلب", "FACTION")["T1"]
    assert (got.link, got.method) == ("hts", "fuzzy") and 0.8 < got.score < 0.9
    assert link_one(linker, "[جبهة تحرير سوريا]", "FACTION")["T1"].link == UNLINKED  # not جبهة ثوار سوريا
    assert link_one(linker, "[الاستخبارات المركزية]", "FACTION")["T1"].link != "turkish_intelligence"


def test_state_bodies_link_to_their_state(linker):
    got = link_one(linker, "رئيس [الحكومة الأردنية]", "FACTION")["T1"]
    assert (got.link, got.method) == ("jordan", "adjective")
    assert link_one(linker, "[وزارة الخارجية الأمريكية]", "FACTION")["T1"].link == "united_states"
    assert link_one(linker, "[الطيران الحربي النظامي]", "FACTION")["T1"].link == "syrian_air_force"
    assert link_one(linker, "[السلطات الصينية]", "FACTION")["T1"].link == UNLINKED  # China is not in the registry


def test_shared_names_follow_the_article_date(linker):
    assert link_one(linker, "[الجيش السوري الجديد]", "FACTION", "2017-12-17")["T1"].link == "claimed_new_syrian_army_2017"
    assert link_one(linker, "[الجيش السوري الجديد]", "FACTION", "2016-05-01")["T1"].link == "new_syrian_army"
    assert link_one(linker, "[الجيش الحر]", "FACTION", "2015-07-24")["T1"].link == "fsa"


# ------------------------------------------------------------------ LOCATION mentions
def test_type_words_before_the_span_choose_the_kind(linker):
    assert link_one(linker, "مخيم [اليرموك] جنوب دمشق", "LOCATION")["T1"].link == "places:yarmouk_camp"
    assert link_one(linker, "حوض [اليرموك] غرب درعا", "LOCATION")["T1"].link == "places:yarmouk_basin"
    assert link_one(linker, "قرب معبر [التنف]", "LOCATION")["T1"].link == "places:al_tanf_crossing"


def test_syria_first_then_neighbours(linker):
    assert link_one(linker, "[عمان]، الأردن", "LOCATION")["T1"].link == "geonames:250441"  # Amman, not Oman
    assert link_one(linker, "يزور [سلطنة عمان]", "LOCATION")["T1"].link == "geonames:286963"
    assert link_one(linker, "في [الشجرة] غرب درعا", "LOCATION")["T1"].link == "geonames:172829"  # not Jordan's
    assert link_one(linker, "إلى [سوريا]", "LOCATION")["T1"].link == "geonames:163843"
    assert link_one(linker, "في [دمشق]", "LOCATION")["T1"].link == "geonames:170654"
    assert link_one(linker, "وصل إلى [طهران]", "LOCATION")["T1"].link == "geonames:112931"  # a capital


def _places_doc(names: list[str]) -> tuple[str, list[Entity]]:
    text, entities = "", []
    for i, name in enumerate(names):
        text += "قرب "
        entities.append(Entity(f"T{i + 1}", "LOCATION", len(text), len(text) + len(name), name))
        text += name + ". "
    return text, entities


def test_a_town_in_two_governorates_follows_the_other_places(linker):
    # صوران: a village near Aleppo (GeoNames 163913) and a town of Hama (163915)
    text, entities = _places_doc(["صوران", "مارع", "اعزاز", "تل رفعت"])
    assert link_one(linker, text, "LOCATION", entities=entities)["T1"].link == "geonames:163913"
    text, entities = _places_doc(["صوران", "حماة", "محردة"])
    assert link_one(linker, text, "LOCATION", entities=entities)["T1"].link == "geonames:163915"
    text, entities = _places_doc(["صوران"])
    got = link_one(linker, text, "LOCATION", entities=entities)["T1"]
    assert got.link == "geonames:163915" and got.score < 1.0  # a tie: the larger town, a lower score


def test_a_place_the_text_puts_in_another_governorate_is_not_linked(linker):
    text = "المتحصنين بقرية القصير بمحافظة درعا"
    entities = [Entity("T1", "LOCATION", text.index("القصير"), text.index("القصير") + 6, "القصير"),
                Entity("T2", "LOCATION", text.index("درعا"), text.index("درعا") + 4, "درعا")]
    links = link_one(linker, text, "LOCATION", entities=entities)
    assert links["T1"].link == UNLINKED and links["T1"].method == "elsewhere"  # Qusayr of Homs is not in Daraa
    text = "وتعد القصير بريف حمص الغربي"
    entities = [Entity("T1", "LOCATION", text.index("القصير"), text.index("القصير") + 6, "القصير"),
                Entity("T2", "LOCATION", text.index("حمص"), text.index("حمص") + 3, "حمص")]
    assert link_one(linker, text, "LOCATION", entities=entities)["T1"].link == "geonames:173322"
    assert joined_by_in(" بمحافظة ") and joined_by_in(" في حوض ") and not joined_by_in("، ")


def test_registry_variants_and_geonames_names_link_exactly(linker):
    for text, expected in (("[الركبان]", "places:rukban_camp"), ("[حلب]", "geonames:170063"),
                           ("مطار \"[منغ]\" العسكري", "places:menagh_airbase"), ("[البوكمال]", "geonames:174448")):
        assert link_one(linker, text, "LOCATION")["T1"].link == expected, text


def test_a_custom_place_list_is_used(linker):
    places = [Place("geonames:1", "Tall A", ("التل",), 33.6, 36.3, "SY", "Rif-dimashq", 5000, "city", "geonames"),
              Place("geonames:2", "Tall B", ("التل",), 36.0, 37.0, "SY", "Aleppo", 9000, "city", "geonames"),
              Place("geonames:3", "Douma", ("دوما",), 33.57, 36.4, "SY", "Rif-dimashq", 100000, "city", "geonames")]
    small = Linker(load_actors(), places)
    text, entities = _places_doc(["التل", "دوما"])
    assert link_one(small, text, "LOCATION", entities=entities)["T1"].link == "geonames:1"
    text, entities = _places_doc(["التل"])
    assert link_one(small, text, "LOCATION", entities=entities)["T1"].link == "geonames:2"
