"""Write ``dbt/seeds/place_names_en.csv``: an English name for every city and county of the gazetteer.

The standard English name of a Chinese place is the Hanyu Pinyin of its name without the
administrative suffix, followed by the English word for that suffix (深圳市 -> Shenzhen,
江华瑶族自治县 -> Jianghua Autonomous County, 嘉定区 -> Jiading District). The file is versioned
data, regenerated only when the gazetteer or the overrides change (``pip install
pypinyin==0.55.0``, then ``python -m newsetl.core.place_names``); the pipeline never needs pypinyin.
Provinces have hand-checked names in ``int_provinces``.

Pypinyin reads a polyphonic character by its commonest word (朝 as zhao in 朝阳, 长 as zhang in
长治): the readings of place names are pinned by :data:`OVERRIDES`, a versioned CSV of phrase ->
Pinyin (one syllable per character) loaded into pypinyin's phrase dictionary, so a phrase is
read the same in every name holding it (朝阳区, 朝阳县, 朝阳市).

Hong Kong and Macao names are not Pinyin (Yuen Long, not Yuanlang; Portuguese-derived parish
names in Macao): their districts and parishes take the official English names from
:data:`HONG_KONG_MACAO`, by the gazetteer's own Chinese names.
"""

from __future__ import annotations

import csv
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from newsetl.config import DBT_DIR
from newsetl.core.classify.gazetteer import gazetteer

OUT = DBT_DIR / "seeds" / "place_names_en.csv"
OVERRIDES = Path(__file__).with_name("place_names_overrides.csv")

# The 18 districts of Hong Kong (names of the District Councils) and the parishes and reclaimed
# area of Macao, as the gazetteer names them. The gazetteer shares one code per region
# (810000, 820000): the name tells the district.
HONG_KONG_MACAO: dict[tuple[str, str], str] = {
    ("810000", "中西区"): "Central and Western District",
    ("810000", "湾仔区"): "Wan Chai District",
    ("810000", "东区"): "Eastern District",
    ("810000", "南区"): "Southern District",
    ("810000", "油尖旺区"): "Yau Tsim Mong District",
    ("810000", "深水埗区"): "Sham Shui Po District",
    ("810000", "九龙城区"): "Kowloon City District",
    ("810000", "黄大仙区"): "Wong Tai Sin District",
    ("810000", "观塘区"): "Kwun Tong District",
    ("810000", "荃湾区"): "Tsuen Wan District",
    ("810000", "屯门区"): "Tuen Mun District",
    ("810000", "元朗区"): "Yuen Long District",
    ("810000", "北区"): "North District",
    ("810000", "大埔区"): "Tai Po District",
    ("810000", "西贡区"): "Sai Kung District",
    ("810000", "沙田区"): "Sha Tin District",
    ("810000", "奎青区"): "Kwai Tsing District",  # 葵青区, spelt 奎青区 by the gazetteer
    ("810000", "离岛区"): "Islands District",
    ("820000", "花地玛堂区"): "Our Lady of Fátima Parish",
    ("820000", "圣安多尼堂区"): "St. Anthony Parish",
    ("820000", "大堂区"): "Cathedral Parish",
    ("820000", "望德堂区"): "St. Lazarus Parish",
    ("820000", "风顺堂区"): "St. Lawrence Parish",
    ("820000", "嘉模堂区"): "Our Lady of Carmel Parish",
    ("820000", "圣方济各堂区"): "St. Francis Xavier Parish",
    ("820000", "路氹城"): "Cotai",
}

# longest first: 自治县 before 县
SUFFIXES = (
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("自治州", "Autonomous Prefecture"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("新区", "New Area"),
    ("市", ""),  # a city, prefecture- or county-level: its name alone (Shenzhen, Kunshan)
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
)


def read_overrides(path: Path = OVERRIDES) -> dict[str, list[str]]:
    """Phrase -> its syllables, from the ``phrase,pinyin,reason`` CSV."""
    out: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            phrase, syllables = row["phrase"], row["pinyin"].split()
            # a syllable count off the character count is a typo: pypinyin would misalign it silently
            if len(syllables) != len(phrase) or phrase in out:
                raise ValueError(f"{path.name}: bad or repeated row for {phrase!r}")
            out[phrase] = syllables
    return out


@functools.cache
def _pinyin() -> Callable[[str], list[str]]:
    """pypinyin's ``lazy_pinyin`` with the place-name readings of :data:`OVERRIDES` loaded (once)."""
    from pypinyin import Style, lazy_pinyin, load_phrases_dict

    load_phrases_dict({p: [[s] for s in syls] for p, syls in read_overrides().items()})
    return functools.partial(lazy_pinyin, style=Style.NORMAL, errors="ignore")


def romanise(name: str) -> str:
    syllables = _pinyin()(name)
    out = ""
    for i, syl in enumerate(s.replace("ü", "u").replace("v", "u") for s in syllables):
        out += ("'" if i and syl[:1] in "aeo" else "") + syl
    return out[:1].upper() + out[1:]


def _short_name(full_name: str, alias: str) -> str:
    """The gazetteer's short name when it is one (江华 for 江华瑶族自治县), else "".

    Some aliases are the full name itself (朝阳县, as the city took 朝阳; 吉林市, 阿里地区)."""
    return alias if 0 < len(alias) < len(full_name) and full_name.startswith(alias) else ""


def english_name(full_name: str, alias: str) -> str:
    short = _short_name(full_name, alias)
    for suffix, word in SUFFIXES:
        if not full_name.endswith(suffix):
            continue
        stem = full_name[: -len(suffix)]
        if len(short) > len(stem):  # the short name takes a character of the suffix
            if suffix in ("林区", "新区"):
                continue  # 北林区, 清新区: a 区 whose name ends in 林 or 新
            short = stem  # 六枝特 for 六枝特区: a bad alias
        # a one-character name keeps its 县 or 市 (歙县 Shexian County)
        return f"{romanise(short or (stem if len(stem) > 1 else full_name))} {word}".strip()
    return romanise(alias or full_name)


def main() -> int:
    rows = sorted(
        {
            (p.adcode, p.full_name, english_name(p.full_name, p.alias))
            for p in gazetteer()
            # Hong Kong and Macao: from HONG_KONG_MACAO below; placeholder rows (市直辖行政区划): none
            if p.level != "province" and not p.adcode.startswith(("81", "82")) and "直辖" not in p.full_name
        }
        | {(code, zh, en) for (code, zh), en in HONG_KONG_MACAO.items()}
    )
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["adcode", "name_zh", "name_en"])
        writer.writerows(rows)
    print(f"{len(rows)} places -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
