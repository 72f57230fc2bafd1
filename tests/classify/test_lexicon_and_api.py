"""Lexicon files (one source of truth for Python and dbt), the manifest reader, purity and speed."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from newsetl.core.classify import lexicon as lx
from newsetl.core.classify import read_manifest

SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds"
TOPIC_CODES = [
    "telecom_5g", "industrial_internet", "digital_economy", "sme_support", "work_resumption",
    "epidemic_response", "poverty_alleviation", "industrial_economy", "supply_chain", "electronics",
    "ecommerce_consumption", "software_it_services", "automotive", "user_rights", "network_security",
]  # fmt: skip
MINISTRY_CODES = [
    "STATE_COUNCIL", "MIIT", "NDRC", "MOFCOM", "MOF", "MOST", "MOE", "MOHRSS", "MEE", "MOT", "MOA", "MPS",
    "MEM", "NHC", "PBOC", "SASAC", "SAMR", "NBS", "CAC", "GACC", "STA", "NEA", "CNIPA", "SASTIND", "CPAD",
    "NRRA", "CBIRC", "CSRC",
]  # fmt: skip
HEADERS = {
    "topics.csv": ["topic_code", "name_zh", "name_en", "scope"],
    "topic_terms.csv": ["topic_code", "term", "weight"],
    "ministries.csv": ["ministry_code", "name_zh", "name_en", "abbreviation"],
    "ministry_aliases.csv": ["alias", "ministry_code", "alias_kind"],
    "publications.csv": ["title", "kind", "name_en"],
    "local_gov_terms.csv": ["term", "default_level", "counterpart_code"],
    "organisations.csv": ["name", "kind", "canonical_name"],
    "org_suffixes.csv": ["suffix", "kind"],
    "person_roles.csv": ["role", "category"],
    "person_surnames.csv": ["surname"],
    "policy_doc_types.csv": ["suffix", "doc_type"],
    "date_anchors.csv": ["phrase", "year", "kind"],
    "place_stoplist.csv": ["surface", "reason"],
    "topic_neutral_phrases.csv": ["phrase", "topic_code", "reason"],
    "organisation_names_en.csv": ["canonical_name", "name_en"],
    "place_names_en.csv": ["adcode", "name_zh", "name_en"],
}


def _rows(name: str) -> list[list[str]]:
    raw = (SEEDS / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name}: no BOM"
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_seed_files_have_header_and_clean_rows(name: str) -> None:
    rows = _rows(name)
    assert rows[0] == HEADERS[name]
    body = rows[1:]
    assert body, name
    assert all(len(r) == len(rows[0]) for r in body), name
    # place names: Hong Kong's and Macao's districts share their region's code
    first = [tuple(r[:2]) if name == "place_names_en.csv" else r[0] for r in body]
    if name != "topic_terms.csv":
        assert len(first) == len(set(first)), f"{name}: duplicate keys"
    assert all(v == v.strip() for r in body for v in r), f"{name}: stray spaces"


def test_english_names_cover_the_lexicon_and_the_gazetteer() -> None:
    from newsetl.core.classify.gazetteer import gazetteer

    canonical = {r[2] for r in _rows("organisations.csv")[1:]}
    named = {r[0]: r[1] for r in _rows("organisation_names_en.csv")[1:]}
    assert set(named) == canonical
    places = {(r[0], r[1]): r[2] for r in _rows("place_names_en.csv")[1:]}
    cities = [
        p
        for p in gazetteer()
        if p.level == "city" and not p.adcode.startswith(("81", "82")) and "直辖" not in p.full_name
    ]
    assert cities and all((p.adcode, p.full_name) in places for p in cities)
    assert places[("440300", "深圳市")] == "Shenzhen"
    assert places[("610100", "西安市")] == "Xi'an"
    assert places[("431129", "江华瑶族自治县")] == "Jianghua Autonomous County"
    assert places[("310114", "嘉定区")] == "Jiading District"


def test_place_names_read_polyphonic_characters_as_place_names() -> None:
    """pypinyin's commonest reading is wrong in these names: place_names_overrides.csv pins them."""
    places = {(r[0], r[1]): r[2] for r in _rows("place_names_en.csv")[1:]}
    assert places[("110105", "朝阳区")] == "Chaoyang District"
    assert places[("211321", "朝阳县")] == "Chaoyang County"  # the gazetteer's alias is 朝阳县 itself
    assert places[("430100", "长沙市")] == "Changsha"
    assert places[("140400", "长治市")] == "Changzhi"
    assert places[("220100", "长春市")] == "Changchun"
    assert places[("350200", "厦门市")] == "Xiamen"
    assert places[("341500", "六安市")] == "Lu'an"
    assert places[("340300", "蚌埠市")] == "Bengbu"
    assert places[("510100", "成都市")] == "Chengdu"
    assert places[("510117", "郫都区")] == "Pidu District"
    assert places[("310112", "闵行区")] == "Minhang District"
    assert places[("141024", "洪洞县")] == "Hongtong County"
    assert places[("371722", "单县")] == "Shanxian County"
    assert places[("411100", "漯河市")] == "Luohe"
    # a name ending in 林 or 新 is a 区, not a 林区 or 新区
    assert places[("231202", "北林区")] == "Beilin District"
    assert places[("429021", "神农架林区")] == "Shennongjia Forestry District"


def test_place_name_overrides_give_one_syllable_per_character() -> None:
    from newsetl.core.place_names import read_overrides

    overrides = read_overrides()  # raises on a bad row
    assert overrides["朝阳"] == ["chao", "yang"]
    assert all(s.isascii() and s.islower() for syls in overrides.values() for s in syls)


def test_kowloon_city_is_not_kowloon() -> None:
    """九龙 (Kowloon) holds five districts: jionlp's alias 九龙 for 九龙城区 made 九龙区 a surface."""
    from newsetl.core.classify.gazetteer import gazetteer, place_entries

    (kowloon_city,) = [p for p in gazetteer() if p.full_name == "九龙城区"]
    assert kowloon_city.alias == "九龙城"
    entries = {k: [p.full_name for p in v] for k, v in place_entries().items() if isinstance(v, tuple)}
    assert "九龙区" not in entries and "九龙" not in entries
    assert entries["九龙城"] == ["九龙城区"]
    assert entries["九龙县"] == ["九龙县"]  # Jiulong County, Sichuan


def test_hong_kong_districts_and_macao_parishes_have_english_names() -> None:
    from newsetl.core.classify.gazetteer import gazetteer
    from newsetl.core.place_names import HONG_KONG_MACAO

    places = {(r[0], r[1]): r[2] for r in _rows("place_names_en.csv")[1:]}
    local = [p for p in gazetteer() if p.adcode in ("810000", "820000") and p.level != "province"]
    assert len([p for p in local if p.adcode == "810000"]) == 18
    assert {(p.adcode, p.full_name) for p in local} == set(HONG_KONG_MACAO)
    assert all(places[(p.adcode, p.full_name)] == HONG_KONG_MACAO[(p.adcode, p.full_name)] for p in local)
    assert places[("810000", "元朗区")] == "Yuen Long District"
    assert places[("810000", "中西区")] == "Central and Western District"
    assert places[("820000", "大堂区")] == "Cathedral Parish"
    assert places[("820000", "路氹城")] == "Cotai"


def test_taxonomy_codes_are_exactly_the_issue_lists() -> None:
    assert [t.code for t in lx.topics()] == TOPIC_CODES
    assert list(lx.ministries()) == MINISTRY_CODES


def test_every_reference_is_valid() -> None:
    codes = set(MINISTRY_CODES)
    assert {a.code for a in lx.ministry_aliases().values()} <= codes
    assert {t.counterpart for t in lx.local_terms().values() if t.counterpart} <= codes
    terms = {code for payload in lx.topic_terms().values() for code, _w in payload}
    assert terms == set(TOPIC_CODES), "every topic needs evidence terms"
    kinds = {"law", "regulation", "plan", "notice", "opinion", "guideline", "measures", "other"}
    assert {k for _s, k in lx.policy_doc_types()} <= kinds
    assert set(lx.local_terms()).isdisjoint(lx.ministry_aliases())
    pubs = set(lx.publications())
    assert {"中国电子报", "学习时报"} <= pubs


def test_topic_terms_pairs_are_unique_and_weights_positive() -> None:
    rows = _rows("topic_terms.csv")[1:]
    pairs = [(r[0], r[1]) for r in rows]
    assert len(pairs) == len(set(pairs))
    assert all(float(r[2]) > 0 for r in rows)


def test_read_manifest(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) == {}
    (tmp_path / "manifest.csv").write_text(
        "file_name,publication_date,source,page\n000_a.txt,2020-04-27,中国电子报,3\n001_b.txt,not a date,,\n",
        encoding="utf-8",
    )
    m = read_manifest(tmp_path)
    assert m["000_a.txt"] == {"publication_date": "2020-04-27", "source": "中国电子报", "page": "3"}
    assert m["001_b.txt"] == {"publication_date": None, "source": None, "page": None}


def test_classify_package_is_pure() -> None:
    code = (
        "import sys, newsetl.core.classify as c; c.warm_up();"
        "bad = [m for m in ('prefect', 'duckdb', 'jionlp', 'jieba', 'dbt') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"classify imported {out.stdout.strip()}"


def test_date_anchor_scan_finds_every_phrase_present() -> None:
    """One regex pass (and the entity scan) report exactly the phrases ``in`` the text."""
    import random

    from newsetl.core.classify import _anchors
    from newsetl.core.classify.dates import _anchors_in
    from newsetl.core.classify.entities import entity_matches
    from newsetl.core.classify.lexicon import date_anchors

    phrases = [p for p, _y, _k in date_anchors()]
    fragments = ["新冠", "新型", "冠状病毒", "感染的", "肺炎", "“十三五”", "开局", "之年", "疫"]
    pieces = [*phrases, *fragments, "，", "\n"]
    rng = random.Random(5)
    for _ in range(3000):
        title = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3))).replace("\n", "") or None
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected_body = {p for p in phrases if p in body}
        assert _anchors_in(body) == expected_body, body
        found = _anchors(entity_matches(f"{title}\n{body}" if title else body), title)
        assert found.body == expected_body, (title, body)
        assert found.title == ({p for p in phrases if p in title} if title else set()), (title, body)


def test_date_anchor_scan_finds_phrases_overlapping_each_other() -> None:
    """Phrases starting inside another phrase's occurrence (抗击疫情防控) are found too."""
    import random

    from newsetl.core.classify.dates import _anchors_in
    from newsetl.core.classify.lexicon import date_anchors

    rows = date_anchors()
    halves = [h for p, _y, _k in rows for h in (p[: len(p) // 2], p[len(p) // 2 :], p[1:], p[:-1])]
    pieces = [p for p, _y, _k in rows] + halves + ["，", "年"]
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        for year_only in (False, True):
            expected = {p for p, _y, k in rows if p in text and (not year_only or k != "min_year")}
            assert _anchors_in(text, year_only) == expected, (text, year_only)


def test_anchored_people_patterns_match_as_finditer() -> None:
    """Names before a role and signatures, tried only at a role or parenthesis, match as a full scan."""
    import random

    from newsetl.core.classify import people
    from newsetl.core.classify.entities import entity_matches

    _name, after, _said, signature, _byline = people._patterns()
    pieces = ["王", "欧阳", "上官", "明", "华", "教", "授", "的", "，"]
    pieces += ["总书记", "教授", "院士", "研究员", "（", "(", "）", ")", " ", "\n"]
    rng = random.Random(9)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        starts = people._after_role_starts(entity_matches(text))
        assert [m.span() for m in people._matches_at(after, text, starts)] == [
            m.span() for m in after.finditer(text)
        ], text
        parens = people._occurrences(text, "（(")
        assert [m.span() for m in people._matches_at(signature, text, parens)] == [
            m.span() for m in signature.finditer(text)
        ], text


def test_gazetteer_reads_provinces_cities_and_counties_only():
    """Only the first three levels of jionlp's dictionary (towns and villages are skipped unread)."""
    from collections import Counter

    from newsetl.core.classify.gazetteer import gazetteer

    places = gazetteer()
    levels = Counter(p.level for p in places)
    assert levels["province"] == 34 and 300 < levels["city"] < 400 and 2500 < levels["county"] < 3100
    jiading = next(p for p in places if p.full_name == "嘉定区")
    assert (jiading.adcode, jiading.level, jiading.province) == ("310114", "county", "上海市")
    assert not any(p.full_name.endswith(("镇", "村", "社区")) for p in places)
