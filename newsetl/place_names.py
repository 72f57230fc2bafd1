"""Write ``dbt/seeds/place_names_en.csv``: an English name for every city and county of the gazetteer.

The standard English name of a Chinese place is the Hanyu Pinyin of its name without the
administrative suffix, followed by the English word for that suffix (深圳市 -> Shenzhen,
江华瑶族自治县 -> Jianghua Autonomous County, 嘉定区 -> Jiading District). The file is versioned
data, regenerated only when the gazetteer changes (``pip install pypinyin==0.55.0``, then
``python -m newsetl.place_names``); the pipeline never needs pypinyin. Provinces have hand-checked
names in ``int_provinces``.

Hong Kong and Macao names are not Pinyin (Yuen Long, not Yuanlang; Portuguese-derived parish
names in Macao): their districts and parishes take the official English names from
:data:`HONG_KONG_MACAO`, by the gazetteer's own Chinese names.
"""

from __future__ import annotations

import csv
import sys

from newsetl.config import DBT_DIR

OUT = DBT_DIR / "seeds" / "place_names_en.csv"

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


def romanise(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    out = ""
    for i, syl in enumerate(s.replace("ü", "u").replace("v", "u") for s in syllables):
        out += ("'" if i and syl[:1] in "aeo" else "") + syl
    return out[:1].upper() + out[1:]


def english_name(full_name: str, alias: str) -> str:
    for suffix, word in SUFFIXES:
        if full_name.endswith(suffix):
            stem = alias if alias and full_name.startswith(alias) else full_name[: -len(suffix)]
            return f"{romanise(stem)} {word}".strip()
    return romanise(alias or full_name)


def main() -> int:
    from newsetl.classify.places import gazetteer

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
