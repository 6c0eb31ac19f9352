"""The actor registry and the place supplement (registry/*.yaml, train/link/registry.py).

Expected values are written by hand from public knowledge and the seed annotations, not
copied from the loader's output.
"""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from conftest import ROOT

from train.link.registry import (
    REGISTRY_VERSION,
    RegistryError,
    load_actors,
    load_places,
    normalize,
    registry_version,
    variant_index,
)

ACTORS = ROOT / "registry" / "actors.yaml"
PLACES = ROOT / "registry" / "places.yaml"


@pytest.fixture(scope="module")
def actors():
    return load_actors(ACTORS)


@pytest.fixture(scope="module")
def places():
    return load_places(PLACES)


@pytest.fixture(scope="module")
def actor_index(actors):
    return variant_index(actors)


@pytest.fixture(scope="module")
def place_index(places):
    return variant_index(places)


def _seed_mentions(entity_type: str) -> list[str]:
    texts = []
    for path in sorted((ROOT / "annotations").glob("00[0-4]_*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        texts += [e["text"] for e in doc["entities"] if e["type"] == entity_type]
    assert texts, f"no {entity_type} mentions found in the seed annotations"
    return texts


# ------------------------------------------------------------------ the committed files

def test_committed_files_load_with_enough_items(actors, places):
    assert len(actors) >= 90
    assert len(places) >= 60


def test_normalize_is_the_light_lookup_normalisation():
    assert normalize("الأسايش") == "الاسايش"
    assert normalize("إيران") == "ايران"
    assert normalize("الآسايش") == "الاسايش"
    assert normalize("قوات سورية الديمقراطية") == "قوات سوريه الديمقراطيه"
    assert normalize("مصطفى") == "مصطفي"
    assert normalize("المخوَّلة") == "المخوله"            # shadda and fatha dropped
    assert normalize("داعـــش") == "داعش"                 # tatweel dropped
    assert normalize("  ب   ي\tد ") == "ب ي د"
    assert normalize("SDF") == "SDF"


@pytest.mark.parametrize("variant, ids", [
    ("قسد", ["sdf"]),
    ("قوات سورية الديموقراطية", ["sdf"]),
    ("أميركا", ["united_states"]),
    ("امريكا", ["united_states"]),
    ("واشنطن", ["united_states"]),
    ("موسكو", ["russia"]),
    ("دمشق", ["syrian_government"]),
    ("قوات الأسد", ["syrian_government"]),
    ("الجيش الحر", ["fsa", "sna"]),
    ("الجيش السوري الجديد", ["new_syrian_army", "claimed_new_syrian_army_2017"]),
    ("ب ي د", ["pyd"]),
    ("الدولة", ["isis"]),
    ("داعش", ["isis"]),
    ("البنتاغون", ["us_dod"]),
    ("الحرس الثوري", ["irgc"]),
    ("الفرقة 25", ["tiger_forces"]),
    ("تحرير الشام", ["hts"]),
    ("النصرة", ["nusra_front"]),
    ("الأحرار", ["ahrar_al_sham"]),
    ("الفرات", None),  # a place, not an actor
])
def test_known_variants_resolve(actor_index, variant, ids):
    assert actor_index.get(normalize(variant)) == ids


def test_variants_the_brief_names_are_all_covered(actor_index):
    required = [
        "النظام", "النظام السوري", "قوات النظام", "قوات الأسد", "الجيش العربي السوري",
        "الجيش السوري", "القوات الحكومية", "الحكومة السورية", "الفرقة الرابعة",
        "الحرس الجمهوري", "قوات النمر", "قوات الدفاع الوطني", "المخابرات الجوية",
        "روسيا", "القوات الروسية", "وزارة الدفاع الروسية", "الشرطة العسكرية الروسية",
        "مركز المصالحة الروسي", "تركيا", "أنقرة", "إيران", "طهران", "فيلق القدس",
        "التحالف الدولي", "إسرائيل", "قسد", "YPG", "YPJ", "PYD", "PKK", "الأسايش",
        "مجلس منبج العسكري", "مجلس دير الزور العسكري", "جيش الثوار", "قوات الصناديد",
        "قوات النخبة", "الجيش السوري الحر", "الجبهة الوطنية للتحرير", "الجيش الوطني السوري",
        "فرقة الحمزة", "فرقة السلطان مراد", "أحرار الشرقية", "جيش الإسلام", "فيلق الرحمن",
        "أحرار الشام", "نور الدين الزنكي", "جيش العزة", "فيلق الشام", "صقور الشام",
        "جيش مغاوير الثورة", "جيش سوريا الجديد", "لواء شهداء اليرموك", "الدولة الإسلامية",
        "جبهة النصرة", "جبهة فتح الشام", "هيئة تحرير الشام", "حراس الدين",
        "الحزب الإسلامي التركستاني", "جند الأقصى", "حزب الله", "فاطميون", "زينبيون",
        "النجباء", "عصائب أهل الحق", "الحشد الشعبي", "السعودية", "قطر", "الأردن", "العراق",
        "المعارضة", "المعارضة المسلحة", "الفصائل", "الفصائل المعارضة", "الثوار", "المسلحين",
    ]
    missing = [v for v in required if normalize(v) not in actor_index]
    assert missing == []


def test_successor_chains_and_parents(actors):
    by_id = {a.id: a for a in actors}
    assert by_id["hts"].successor_of == ("jabhat_fatah_al_sham",)
    assert by_id["jabhat_fatah_al_sham"].successor_of == ("nusra_front",)
    assert by_id["isis"].successor_of == ("isi",)
    assert by_id["maghawir_al_thawra"].successor_of == ("new_syrian_army",)
    assert by_id["quds_force"].parent == "irgc"
    assert by_id["irgc"].parent == "iran"
    assert by_id["deir_ez_zor_military_council"].parent == "sdf"
    assert by_id["russian_reconciliation_center"].parent == "russian_mod"


def test_sides_kinds_and_generic_flags(actors):
    by_id = {a.id: a for a in actors}
    assert (by_id["sdf"].side, by_id["sdf"].kind) == ("kurdish_led", "coalition")
    assert by_id["hts"].side == "jihadist"
    assert by_id["hezbollah"].side == "government_ally"
    assert (by_id["russia"].side, by_id["russia"].kind) == ("foreign_state", "state")
    assert by_id["syrian_government"].active == (2011, 2024)
    assert by_id["international_coalition"].active == (2014, None)
    generic = {a.id for a in actors if a.generic}
    assert {"generic_opposition", "generic_factions", "generic_rebels", "generic_gunmen"} <= generic
    assert "sdf" not in generic
    assert all(by_id[i].kind == "generic" for i in generic)


# Type words the guideline keeps outside a span (GUIDELINES.md section 3), plus حي.
TYPE_WORDS = {"تنظيم", "فصائل", "مدينة", "محافظة", "منطقة", "مناطق", "بلدة", "ريف", "بادية",
              "العاصمة", "قاعدة", "مخيم", "طريق", "حوض", "حي"}
TYPE_WORD_NAMES = {"ريف دمشق": "the governorate's name", "حوض اليرموك": "a region's name"}


def test_variants_are_cut_like_guideline_spans(actors, places):
    bad = []
    for item in [*actors, *places]:
        for v in item.variants:
            if v != v.strip(" \t\"'«»“”()[]-.,،:"):
                bad.append((item.id, v, "punctuation or space at an end"))
            if v.split()[0] in TYPE_WORDS and v not in TYPE_WORD_NAMES:
                bad.append((item.id, v, "starts with a type word"))
    assert bad == []


# ------------------------------------------------------------------ coverage of the seeds

# Seed FACTION strings that are not in the variant index, with the reason. Each is a span
# cut from the contracted form لل (ل + ال), which the guideline keeps as ل + rest: the
# linker restores ال before looking it up (checked below).
CONTRACTED_SPANS = {
    "لقوات الروسية": "للقوات الروسية (003): ل + القوات الروسية",
    "لنظام": "للنظام (003): ل + النظام",
}


def test_every_seed_faction_mention_is_in_the_variant_index(actor_index):
    mentions = set(_seed_mentions("FACTION"))
    missing = sorted(m for m in mentions
                     if normalize(m) not in actor_index and m not in CONTRACTED_SPANS)
    assert missing == []
    assert set(CONTRACTED_SPANS) <= mentions, "an exception no longer occurs in the seeds"
    for span in CONTRACTED_SPANS:
        assert normalize(span) not in actor_index
        assert normalize("ا" + span) in actor_index  # ل + ...  ->  ال + ...


@pytest.mark.parametrize("mention, actor_id", [
    ("قوات الأسايش", "asayish"),
    ("جيش خالد", "jaysh_khalid"),
    ("مركز تنسيق المصالحة الروسي", "russian_reconciliation_center"),
    ("الطيران الأميركي", "us_forces"),
    ("وزارة الدفاع الأميركية", "us_dod"),
    ("جيش التحرير الوطني", "national_liberation_army_2017"),
    ("قوات مغاوير الثورة", "maghawir_al_thawra"),
    ("جيش الفتح", "jaysh_al_fatah"),
    ("نظام الأسد", "syrian_government"),
    ("قوات الجيش العربي السوري", "syrian_government"),
])
def test_seed_mentions_link_to_the_expected_actor(actor_index, mention, actor_id):
    assert mention in _seed_mentions("FACTION")
    assert actor_index[normalize(mention)] == [actor_id]


def test_seed_locations_that_are_not_populated_places_are_in_the_supplement(place_index):
    expected = {
        "البادية": "syrian_desert", "البادية السورية": "syrian_desert",
        "الجزيرة السورية": "syrian_jazira", "الشمال السوري": "northern_syria",
        "الغوطة الشرقية": "eastern_ghouta", "نهر الفرات": "euphrates_river",
        "الركبان": "rukban_camp", "حميميم": "hmeimim", "كردستان سوريا": "kurdistan_syria",
    }
    seeds = set(_seed_mentions("LOCATION"))
    for text, place_id in expected.items():
        assert text in seeds
        assert place_index[normalize(text)] == [place_id]
    assert place_index[normalize("الفرات")] == ["euphrates_region", "euphrates_river"]
    assert place_index[normalize("التنف")] == ["al_tanf_base", "al_tanf_crossing"]


def test_place_coordinates_are_plausible(places):
    by_id = {p.id: p for p in places}
    for p in places:
        if p.country == "SY":  # Syria's bounding box, with a little margin
            assert 32.2 <= p.lat <= 37.4 and 35.6 <= p.lon <= 42.5, p.id
    # spot checks against well-known positions (a few km)
    assert by_id["hmeimim"].lat == pytest.approx(35.40, abs=0.05)
    assert by_id["hmeimim"].lon == pytest.approx(35.95, abs=0.05)
    assert by_id["al_hol_camp"].lat == pytest.approx(36.38, abs=0.05)
    assert by_id["tabqa_dam"].lon == pytest.approx(38.57, abs=0.05)
    assert (by_id["zaatari_camp"].country, by_id["zaatari_camp"].admin1) == ("JO", "Mafraq")
    kinds = {p.kind for p in places}
    assert {"region", "river", "base", "airport", "crossing", "camp", "dam", "oilfield",
            "mountain"} <= kinds


def test_registry_version_is_a_hash_of_the_bytes(tmp_path):
    assert re.fullmatch(r"[0-9a-f]{16}", REGISTRY_VERSION)
    assert REGISTRY_VERSION == registry_version(ACTORS, PLACES)
    a = tmp_path / "a.yaml"
    a.write_text("actors: []\n", encoding="utf-8")
    before = registry_version(a)
    a.write_text("actors: []\n# edited\n", encoding="utf-8")
    assert registry_version(a) != before


# ------------------------------------------------------------------ bad files

def _actor(id_, variants, **extra):
    fields = {"id": id_, "name_en": id_.title(), "name_ar": variants[0], "variants": variants,
              "side": "opposition", "kind": "armed_group", "active": [2012, None], **extra}
    return fields


def _problems(loader, tmp_path, key, items) -> list[str]:
    path = tmp_path / f"{key}.yaml"
    path.write_text(json.dumps({key: items}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        loader(path)
    assert isinstance(info.value, ValueError)
    assert all(line.startswith(str(path)) for line in info.value.problems)
    return info.value.problems


def _one(problems, *needles) -> str:
    hits = [p for p in problems if all(n in p for n in needles)]
    assert len(hits) == 1, f"no single problem with {needles} in {problems}"
    return hits[0]


def test_duplicate_id(tmp_path):
    problems = _problems(load_actors, tmp_path, "actors",
                         [_actor("alpha", ["ألفا"]), _actor("alpha", ["ألفا الثاني"])])
    assert len(problems) == 1
    _one(problems, "'alpha'", "duplicate id")


def test_unknown_parent(tmp_path):
    problems = _problems(load_actors, tmp_path, "actors",
                         [_actor("beta", ["بيتا"], parent="ghost")])
    _one(problems, "actor 'beta'", "unknown actor 'ghost'")


def test_parent_cycle(tmp_path):
    problems = _problems(load_actors, tmp_path, "actors", [
        _actor("a", ["أ"], parent="b"), _actor("b", ["ب"], parent="c"),
        _actor("c", ["ج"], parent="a"), _actor("d", ["د"], parent="a")])
    line = _one(problems, "parent", "cycle")
    loop = re.search(r"\((.*)\)", line).group(1).split(" -> ")
    assert loop[0] == loop[-1] and sorted(loop[:-1]) == ["a", "b", "c"]
    assert len(problems) == 1


def test_variant_claimed_twice_needs_ambiguous_in_both(tmp_path):
    items = [_actor("one", ["الجيش الحر"]), _actor("two", ["جيش اثنين", "الجيش الحر"])]
    problems = _problems(load_actors, tmp_path, "actors", items)
    _one(problems, "actor 'one'", "الجيش الحر", "ambiguous")
    _one(problems, "actor 'two'", "الجيش الحر", "ambiguous")
    # flagged on one side only: the other side is still reported
    items[0]["ambiguous"] = ["الجيش الحر"]
    problems = _problems(load_actors, tmp_path, "actors", items)
    assert len(problems) == 1
    _one(problems, "actor 'two'", "ambiguous")
    # flagged on both sides: loads; spelling variants count as the same variant
    items[1]["variants"] = ["جيش اثنين", "الجيشُ الحرّ"]
    items[1]["ambiguous"] = ["الجيشُ الحرّ"]
    path = tmp_path / "ok.yaml"
    path.write_text(json.dumps({"actors": items}, ensure_ascii=False), encoding="utf-8")
    assert variant_index(load_actors(path))["الجيش الحر"] == ["one", "two"]


def test_latitude_out_of_range(tmp_path):
    place = {"id": "p1", "name_en": "P", "name_ar": "مكان", "variants": ["مكان"],
             "kind": "camp", "lat": 123, "lon": 38.0, "country": "SY"}
    problems = _problems(load_places, tmp_path, "places", [place])
    _one(problems, "place 'p1'", "lat", "less than or equal to 90")


def test_unknown_side(tmp_path):
    problems = _problems(load_actors, tmp_path, "actors",
                         [_actor("gamma", ["غاما"], side="rebels")])
    _one(problems, "actor 'gamma'", "side", "opposition")


def test_all_problems_of_a_file_are_reported_at_once(tmp_path):
    text = textwrap.dedent("""\
        actors:
        - {id: a, name_en: A, name_ar: أ, variants: [أ, قسد], side: opposition,
           kind: armed_group, active: [2012, null], parent: nowhere}
        - {id: a, name_en: A2, name_ar: أأ, variants: [أأ], side: opposition,
           kind: armed_group, active: [2012, null]}
        - {id: b, name_en: B, name_ar: ب, variants: [ب, قسد], side: martians,
           kind: armed_group, active: [2012, null]}
        - {id: c, name_en: C, name_ar: ج, variants: [ج], side: opposition,
           kind: armed_group, active: [2016, null], colour: red}
        - {id: c2, name_en: C2, name_ar: جج, variants: [جج], side: opposition,
           kind: armed_group, active: [2016, 2013]}
        - {name_en: no id, name_ar: د, variants: [د], side: opposition,
           kind: armed_group, active: [2012, null]}
        - {id: e, name_en: E, name_ar: هـ, variants: [هـ], side: opposition,
           kind: armed_group, active: [2012, null], successor_of: [e]}
        - {id: f, name_en: F, name_ar: و, variants: [و], side: opposition,
           kind: armed_group, active: [2009, null]}
        """)
    path = tmp_path / "actors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_actors(path)
    problems = info.value.problems
    _one(problems, "actor 'a'", "unknown actor 'nowhere'")
    _one(problems, "actor 'a'", "duplicate id")
    _one(problems, "actor 'b'", "side")
    _one(problems, "actor 'c'", "colour", "not permitted")
    _one(problems, "actor 'c2'", "2013", "before it starts")
    _one(problems, "actor #5", "id", "required")
    _one(problems, "actor 'f'", "2009", "clip")
    _one(problems, "actor 'e'", "refers to itself")
    assert str(path) in str(info.value) and len(str(info.value).splitlines()) > 8


def test_unreadable_yaml_and_wrong_top_level(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors: [unclosed\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="bad.yaml: cannot be read"):
        load_actors(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="list `places`"):
        load_places(bad)
