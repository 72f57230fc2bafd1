"""Write ``dbt/seeds/place_names_en.csv``: an English name for every city and county of the gazetteer.

The standard English name of a Chinese place is the Hanyu Pinyin of its name without the
administrative suffix, followed by the English word for that suffix (深圳市 -> Shenzhen,
江华瑶族自治县 -> Jianghua Autonomous County, 嘉定区 -> Jiading District). The file is versioned
data, regenerated only when the gazetteer changes (``pip install pypinyin==0.55.0``, then
``python -m newsetl.place_names``); the pipeline never needs pypinyin. Provinces have hand-checked
names in ``int_provinces``.
"""

from __future__ import annotations

import csv
import sys

from newsetl.config import DBT_DIR

OUT = DBT_DIR / "seeds" / "place_names_en.csv"

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
            # Hong Kong and Macao names are not Pinyin (Yuen Long, not Yuanlang): left out, like
            # the gazetteer's placeholder rows (市直辖行政区划)
            if p.level != "province" and not p.adcode.startswith(("81", "82")) and "直辖" not in p.full_name
        }
    )
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["adcode", "name_zh", "name_en"])
        writer.writerows(rows)
    print(f"{len(rows)} places -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
