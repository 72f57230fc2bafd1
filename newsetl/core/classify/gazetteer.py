"""The gazetteer: provinces, cities and counties from jionlp's ``china_location`` dictionary.

Read straight from the file jionlp ships (``jionlp/dictionary/china_location.zip``) without
importing jionlp (whose import is slow, prints banners and whose recognisers have false
positives on company names). :func:`place_entries` gives the surface forms searched with the
other entity lexicons (:mod:`newsetl.core.classify.entities`).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from newsetl.core.classify.lexicon import place_stoplist

LEVELS = ("province", "city", "county")
LEVEL_RANK = {"province": 0, "city": 1, "county": 2}
_SKIP_NAMES = ("开发区", "工业园", "管委会", "高新技术", "新加坡", "市辖区", "直辖县")
# wrong short names in jionlp's dictionary, by (code, full name): 九龙 (Kowloon) is the part of
# Hong Kong holding five districts, not 九龙城区 (Kowloon City) alone; it made 九龙区 a surface
_ALIAS_FIXES = {("810000", "九龙城区"): "九龙城"}


@dataclass(frozen=True)
class Place:
    full_name: str
    adcode: str
    level: str
    province: str
    city: str | None
    alias: str


def _jionlp_dictionary_dir() -> Path:
    spec = importlib.util.find_spec("jionlp")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jionlp is not installed: it ships the location dictionary")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


# a line of the dictionary down to county depth (at most two leading tabs); towns and
# villages (deeper lines) are 99.5 % of its 700,000 lines and are never used
_UPPER_LINE = re.compile(r"^\t{0,2}[^\t\n].*$", re.MULTILINE)


def _location_lines() -> list[str]:
    """Province, city and county lines of jionlp's location dictionary (0.1 s instead of 0.4 s)."""
    folder = _jionlp_dictionary_dir()
    txt = folder / "china_location.txt"
    if txt.exists():
        text = txt.read_text(encoding="utf-8")
    else:
        with zipfile.ZipFile(folder / "china_location.zip") as zf:
            text = zf.read("china_location.txt").decode("utf-8")
    return _UPPER_LINE.findall(text)


@functools.cache
def foreign_countries() -> frozenset[str]:
    """Names of other countries (short and official), from jionlp's ``world_location.txt``."""
    path = _jionlp_dictionary_dir() / "world_location.txt"
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) >= 2 and parts[0] != "中国":
            names.update(p for p in parts[:2] if len(p) >= 2)
    return frozenset(names)


@functools.cache
def gazetteer() -> tuple[Place, ...]:
    """Provinces, cities and counties from jionlp's dictionary (loaded once)."""
    places: list[Place] = []
    province = city = None
    for line in _location_lines():
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 2:
            continue
        parts = line.strip().split("\t")
        if len(parts) != 3:
            continue
        name, code, alias = parts
        alias = _ALIAS_FIXES.get((code, name), alias)
        if depth == 0:
            province, city = name, None
            places.append(Place(name, code, "province", name, None, alias))
        elif depth == 1:
            city = name
            if places and places[-1].level == "province" and code == places[-1].adcode:
                continue  # 北京市 listed again under 北京市
            if any(s in name for s in _SKIP_NAMES):
                continue
            places.append(Place(name, code, "city", province or name, name, alias))
        else:
            if code[4] == "7" or any(s in name for s in _SKIP_NAMES):  # development zones
                continue
            places.append(Place(name, code, "county", province or "", city, alias))
    return tuple(places)


def _surfaces(place: Place, stop: frozenset[str]) -> Iterable[str]:
    if place.level != "county" or place.full_name not in stop:  # 城区: urban areas, not 大同市城区
        yield place.full_name
    alias = place.alias
    if not alias or alias == place.full_name:
        return
    if place.level in ("province", "city"):
        if len(alias) >= 2 and alias not in stop:
            yield alias
        return
    kind = place.full_name[-1]
    if kind in "县区市旗":
        yield alias + kind
    if len(alias) >= 3 and alias not in stop:
        yield alias


@functools.cache
def place_entries() -> dict[str, object]:
    """Surface form -> candidate places (searched with the other lexicons, see ``lexicon.entity_lexicons``)."""
    stop = place_stoplist()
    table: dict[str, list[Place]] = {}
    for place in gazetteer():
        for surface in _surfaces(place, stop):
            bucket = table.setdefault(surface, [])
            if place not in bucket:
                bucket.append(place)
    entries: dict[str, object] = {}
    for surface, cands in table.items():
        best = min(LEVEL_RANK[c.level] for c in cands)
        # a short form shared by a province and a city (吉林) means the province
        kept = tuple(c for c in cands if LEVEL_RANK[c.level] == best) if len(surface) == 2 else tuple(cands)
        entries[surface] = kept
    return entries
