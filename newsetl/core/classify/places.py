"""Places: provinces, cities and counties with their full names and administrative codes.

The gazetteer is jionlp's ``china_location`` dictionary, read straight from the
file jionlp ships (``jionlp/dictionary/china_location.zip``) without importing
jionlp (whose import is slow, prints banners and whose recognisers have false
positives on company names). Only the province, city and county levels are kept,
loaded once; the surface forms are searched together with the other entity
lexicons in one automaton pass (``entities.entity_lexicons``).

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
import itertools
from collections.abc import Iterable
from typing import NamedTuple

from newsetl.core.classify.entities import EntityScan, entity_lexicons, entity_matches
from newsetl.core.classify.gazetteer import LEVEL_RANK, Place
from newsetl.core.models import PlaceHit


class PlaceMention(NamedTuple):  # a tuple: built for every place hit of every article
    start: int
    end: int
    surface: str
    candidates: tuple[Place, ...]


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
            levels = sorted({c.level for c in m.candidates}, key=lambda lv: LEVEL_RANK[lv])
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
