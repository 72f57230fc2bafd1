"""Places: provinces, cities and counties with their full names and administrative codes.

The gazetteer is jionlp's ``china_location`` dictionary, read straight from the
file jionlp ships (``jionlp/dictionary/china_location.zip``) without importing
jionlp (whose import is slow, prints banners and whose recognisers have false
positives on company names). Only the province, city and county levels are kept,
loaded once; the surface forms are searched together with the other entity
lexicons in one automaton pass (``lexicon.entity_lexicons``).

Surface forms:
- provinces: full name and short name (河北省, 河北; 广西壮族自治区, 广西);
- cities: full name and short name (泸州市, 泸州), minus a small stoplist of
  short names that are common words (``dbt/seeds/place_stoplist.csv``);
- counties: full name, and short name + its type character (融水县 for
  融水苗族自治县, 江华县, 嘉陵区); bare two-character county names (南部, 天镇)
  are never matched on their own.

A place inside a non-government organisation name (山东海燕, 北京理工大学) is not a
place mention by itself: callers pass such spans in ``exclude``.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import itertools
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from newsetl.core.classify.lexicon import (
    EntityScan,
    entity_lexicons,
    entity_matches,
    place_stoplist,
)
from newsetl.core.models import PlaceHit

LEVELS = ("province", "city", "county")
_LEVEL_RANK = {"province": 0, "city": 1, "county": 2}
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


class PlaceMention(NamedTuple):  # a tuple: built for every place hit of every article
    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...]


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
        best = min(_LEVEL_RANK[c.level] for c in cands)
        # a short form shared by a province and a city (吉林) means the province
        kept = tuple(c for c in cands if _LEVEL_RANK[c.level] == best) if len(surface) == 2 else tuple(cands)
        entries[surface] = kept
    return entries


def find_place_mentions(text: str, scan: EntityScan | None = None) -> tuple[PlaceMention, ...]:
    """All place surface forms in ``text`` (read off ``scan``, its entity scan, when given)."""
    return tuple(map(_as_mention, (entity_matches(text) if scan is None else scan)["place"]))


_as_mention = functools.partial(tuple.__new__, PlaceMention)  # (start, end, key, candidates) as is


def _outside(mentions: Iterable[PlaceMention], spans: list[tuple[int, int]]) -> list[PlaceMention]:
    """The mentions no span holds: per mention one bisection over the spans sorted by start
    (does a span starting at or before it reach its end?) rather than a scan of all spans."""
    if not spans:
        return list(mentions)
    ordered = sorted(spans)
    starts = [s for s, _e in ordered]
    reach = list(itertools.accumulate((e for _s, e in ordered), max))  # furthest end among ordered[: i + 1]
    out = []
    for m in mentions:
        i = bisect.bisect_right(starts, m.start) - 1
        if i < 0 or reach[i] < m.end:
            out.append(m)
    return out


def resolve(mentions: Iterable[PlaceMention]) -> list[tuple[PlaceMention, Place | None]]:
    """Pick one gazetteer entry per mention, using the other places in the text as context."""
    mentions = list(mentions)
    unambiguous = [m.candidates[0] for m in mentions if len(m.candidates) == 1]
    ctx_provinces = {p.province for p in unambiguous}
    ctx_cities = {p.full_name for p in unambiguous if p.level == "city"} | {
        p.city for p in unambiguous if p.city
    }
    out: list[tuple[PlaceMention, Place | None]] = []
    prev: Place | None = None
    for m in mentions:
        cands = m.candidates
        choice: Place | None = None
        if len(cands) == 1:
            choice = cands[0]
        else:
            if prev is not None:  # 南充市嘉陵区: the place just before wins
                near = [c for c in cands if c.city == prev.full_name or c.province == prev.province]
                if len(near) == 1:
                    choice = near[0]
            if choice is None:
                by_city = [c for c in cands if c.city in ctx_cities]
                by_prov = [c for c in cands if c.province in ctx_provinces]
                if len(by_city) == 1:
                    choice = by_city[0]
                elif len(by_prov) == 1:
                    choice = by_prov[0]
        out.append((m, choice))
        prev = choice
    return out


def extract_places(
    text: str, exclude: Iterable[tuple[int, int]] = (), scan: EntityScan | None = None
) -> list[PlaceHit]:
    """Place mentions in ``text``, skipping those inside the ``exclude`` spans."""
    spans = list(exclude)
    mentions = _outside(find_place_mentions(text, scan), spans)
    counts: dict[tuple[str, str | None], list] = {}
    for m, place in resolve(mentions):
        if place is None:
            levels = sorted({c.level for c in m.candidates}, key=lambda lv: _LEVEL_RANK[lv])
            key: tuple[str, str | None] = (m.surface, None)
            if key not in counts:
                counts[key] = [m.surface, m.surface, None, levels[0], None, 0]
        else:
            key = (place.full_name, place.adcode)
            if key not in counts:
                counts[key] = [m.surface, place.full_name, place.adcode, place.level, place.province, 0]
        counts[key][5] += 1
    return [PlaceHit(*row) for row in counts.values()]


@functools.lru_cache(maxsize=4096)
def region_of(text: str) -> tuple[str | None, str | None]:
    """(full name, level) of the most specific place a name like 南京市工业和信息化局 starts with."""
    best: Place | None = None
    pos = 0
    hits = entity_lexicons().find(text)["place"]  # not memoised: short names would evict article texts
    for m, place in resolve(map(_as_mention, hits)):
        if place is None or m.start != pos:
            break
        best, pos = place, m.end
    if best is None:
        return None, None
    return best.full_name, best.level
