"""Central ministries (``dbt/seeds/ministries.csv``) and their local counterparts.

One leftmost-longest lexicon holds both the ministry aliases
(``ministry_aliases.csv``) and the local-government terms (``local_gov_terms.csv``),
so ``山东工业和信息化部主管部门`` is one local term, not the ministry 工业和信息化部.

Rules, in order:
1. An alias that is not national by its own wording (中小企业局, 统计局, 卫健委 …)
   directly preceded by a place (湖北省, 武汉市) or by 省/市/县/各地/地方 is a
   local body, not the ministry.
   Aliases that are national by their wording (工信部, 人社部, 海关总署, 市场监管总局,
   银保监会: a 部, 总局, 总署 or 监会; local bodies are 厅, 局, 委) never are.
2. A department or office right after a ministry alias (工业和信息化部 + 信息技术发展司,
   国家卫健委 + 医政医管局, 科技部 + 高新技术司) is one mention of one unit of that
   ministry, even when the unit's own alias belongs to another ministry (高新技术司)
   or is not in the lexicon (国家统计局工业司, 银保监会普惠金融部). A department named
   on its own (信息通信管理局, 中小企业局) is named after its ministry's official name
   (工业和信息化部信息通信管理局).
3. An alias that names some other body is no mention of the ministry: another country's
   (美国财政部, 美财政部, 各国央行, 埃及卫生部: a country from jionlp's world list, a
   one-character country abbreviation or a collective such as 各国 right before it), a
   department inside another organisation (博物院社会教育部: an organisation ending such as
   院, 馆, 公司, 中心 a few characters before it, with no break in between), or a
   two-character abbreviation inside a longer word (联合国办事处, 劝人行善, 个人行为: 国办
   and 人行 glued to the character before them; 人行道).
4. A local term (工业和信息化厅, 经济和信息化局, 工业和信息化主管部门 …) takes the
   place or the collective word before it (河北省, 南京市, 各地, 全国各省、自治区、
   直辖市) as its region and level; a bare collective term (人社部门) is dropped.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from newsetl.core.classify.entities import EntityScan, entity_matches
from newsetl.core.classify.gazetteer import foreign_countries
from newsetl.core.classify.lexicon import LocalTerm, MinistryAlias, ministries, ministry_aliases
from newsetl.core.classify.places import PlaceMention, find_place_mentions, region_of
from newsetl.core.models import MinistryHit

_NATIONAL_PREFIXES = ("国家", "国务院", "中央", "中国", "中华", "全国")
_NATIONAL_ENDINGS = ("总局", "总署", "监会")
# a unit glued to a ministry alias: 国家统计局工业司, 教育部办公厅, 银保监会普惠金融部 (not 部长)
_UNIT = re.compile(r"[\u4e00-\u9fff]{0,10}?(?:司|局|办公厅|办公室|(?<![全内外各本干])部(?![长署门分]))")
_GENERIC_UNIT = ("相关", "有关", "各", "等", "其他", "下属", "直属", "所属", "主管", "部分")
_NOT_IN_UNIT = set("副长党将会在的对向为是从并已由召开发布表示说组织")
_LOCAL_MARKS = "省市县区州盟旗"
_BOUNDARY = set("，,。；;：:！!？?\n\r\t 、（）()“”\"'‘’《》【】[]—-·/|")
_CONNECTORS = set("与和及同的在由将对向为是等共让把被从")
_VERBS = (
    "通过",
    "联合",
    "会同",
    "组织",
    "召开",
    "举办",
    "指导",
    "协调",
    "推动",
    "支持",
    "依托",
    "配合",
    "参加",
)
_PLACE_LEVEL = {"province": "provincial", "city": "municipal", "county": "county"}
# collective prefixes: (text right before the term, level)
_COLLECTIVE = (
    ("全国各省、自治区、直辖市", "provincial"),
    ("各省、自治区、直辖市", "provincial"),
    ("各省区市", "provincial"),
    ("各省市", "provincial"),
    ("各省份", "provincial"),
    ("各省级", "provincial"),
    ("各省", "provincial"),
    ("省级", "provincial"),
    ("市级", "municipal"),
    ("县级", "county"),
    ("各地", None),
    ("地方", None),
    ("当地", None),
    ("各级", None),
)


class GovMention(NamedTuple):  # a tuple: cheaper to build than a frozen dataclass
    start: int
    end: int
    surface: str
    name: str  # organisation name (ministry: official name or the unit as written)
    kind: str  # ministry | government
    ministry_code: str | None  # set for the ministry itself only
    counterpart: str | None  # for local bodies: the ministry they mirror
    level: str | None
    region: str | None
    alias_kind: str | None = None


@functools.cache  # called with lexicon keys only: a bounded set
def _is_national_wording(alias: str) -> bool:
    if alias.startswith(_NATIONAL_PREFIXES) or alias.endswith(_NATIONAL_ENDINGS):
        return True
    return "部" in alias.replace("部门", "")  # 工信部, 人社部, 商务部: local bodies are never a 部


def _local_prefix_before(
    text: str, start: int, floor: int, places: tuple[PlaceMention, ...]
) -> tuple[int, str | None, str | None] | None:
    """Where a place or collective prefix ending at ``start`` begins: (pos, region, level)."""
    lo = start
    while lo > floor and start - lo < 24 and text[lo - 1] not in _BOUNDARY:
        lo -= 1
    window = text[lo:start]
    for prefix, level in _COLLECTIVE:
        if window.endswith(prefix):
            return start - len(prefix), None, level
    if "、" in text[max(floor, start - 16) : start]:  # 全国各省、自治区、直辖市 split by the window
        seg = text[max(floor, start - 16) : start]
        for prefix, level in _COLLECTIVE[:2]:
            if seg.endswith(prefix):
                return start - len(prefix), None, level
    inside = [m for m in places if m.start >= lo and m.end <= start]
    for k in range(len(inside) - 1, -1, -1):  # the nearest place first: 河南省通信管理局联合河南省…厅
        m = inside[k]
        between = text[m.end : start]
        if any(c in _CONNECTORS for c in between) or any(v in between for v in _VERBS):
            continue
        while k > 0 and inside[k - 1].end == inside[k].start:  # 河北省石家庄市 + 工信局
            k -= 1
        pos = inside[k].start
        region, plevel = region_of(text[pos:start])
        return pos, region, _PLACE_LEVEL.get(plevel or "")
    if window.endswith(tuple(_LOCAL_MARKS)) and len(window) >= 1:
        mark = window[-1]
        return start - 1, None, {"省": "provincial", "市": "municipal", "县": "county"}.get(mark)
    return None


# one-character abbreviations of countries written right before a body (美财政部, 俄外交部)
_COUNTRY_CHARS = frozenset("美英法德日俄韩澳意印越泰朝")
_FOREIGN_COLLECTIVES = ("各国", "多国", "外国", "该国", "他国", "国外", "海外", "欧盟", "欧洲", "西方")
# an organisation name ending a few characters before the alias: a department of that organisation
_INNER_UNIT = re.compile(
    r"(?:院|馆|大学|学院|学校|公司|集团|协会|学会|中心|研究所|报社|医院)[\u4e00-\u9fff]{1,4}$"
)
# characters a two-character abbreviation (国办, 人行, 央行) may follow without being part of a word
_ABBR_LEFT = set(
    "据由经与和及同向在对为从将请让把被就使令及即则而且也还又均都已曾再会并等称说示悉前后时日月年天来外"
)
_ABBR_RIGHT_NOT = {"人行": set("道横天善为走"), "国办": set("事理学")}


def _other_body(text: str, start: int, key: str, floor: int) -> bool:
    """Whether the alias ``key`` at ``start`` names some other body (module rule 3)."""
    lo = start
    while (
        lo > floor and start - lo < 16 and text[lo - 1] not in _BOUNDARY and text[lo - 1] not in _CONNECTORS
    ):
        lo -= 1
    window = text[lo:start]
    if window:
        if window.endswith(_FOREIGN_COLLECTIVES):
            return True
        if window[-1] in _COUNTRY_CHARS and (len(window) == 1 or window[-2] in _BOUNDARY):
            return True
        countries = foreign_countries()
        if any(window[-k:] in countries for k in range(2, min(len(window), 10) + 1)):
            return True
        if _INNER_UNIT.search(window):
            return True
    wide = start  # back to the clause start, across connectors: 老挝公共工程与交通运输部
    while wide > floor and start - wide < 16 and text[wide - 1] not in _BOUNDARY:
        wide -= 1
    head = text[wide:start]
    if len(head) > len(window) and any(
        head[:k] in foreign_countries() for k in range(2, min(len(head), 10) + 1)
    ):
        return True
    if len(key) == 2:
        before = text[start - 1] if start > 0 else ""
        if "\u4e00" <= before <= "\u9fff" and before not in _ABBR_LEFT:
            return True  # 联合国办事处, 劝人行善, 个人行为
        after = text[start + 2] if start + 2 < len(text) else ""
        if after in _ABBR_RIGHT_NOT.get(key, ()):
            return True  # 人行道, 国办事
    return False


def _unit_name(surface: str, ma: MinistryAlias) -> str:
    """工信部办公厅 -> 工业和信息化部办公厅: a unit is named after the ministry's official name."""
    official = ministries()[ma.code].name_zh
    if surface.startswith(official):
        return surface
    best = ""
    for alias, other in ministry_aliases().items():
        if (
            other.code == ma.code
            and other.kind in ("abbreviation", "informal", "name")
            and surface.startswith(alias)
        ):
            best = alias if len(alias) > len(best) else best
    if best and len(surface) > len(best):
        return official + surface[len(best) :]
    if ma.kind == "department" and not best:
        return official + surface  # 信息通信管理局 on its own: a unit of 工业和信息化部
    return surface


def _unit_after(text: str, end: int, nxt: int) -> int | None:
    """End of a unit glued to a ministry alias ending at ``end`` (国家统计局|工业司), if any."""
    stop = min(nxt, end + 12)
    window = text[end:stop]
    if not ("司" in window or "局" in window or "办" in window or "部" in window):
        return None  # every unit ends in one of these
    m = _UNIT.match(text, end, stop)
    if (
        m is None
        or len(m.group(0)) < 2
        or m.group(0).startswith(_GENERIC_UNIT)
        or any(c in _NOT_IN_UNIT for c in m.group(0))
    ):
        return None
    return m.end()


def find_government_mentions(text: str, scan: EntityScan | None = None) -> list[GovMention]:
    """Government bodies named in ``text`` (``scan``: its entity scan, when already made)."""
    scan = entity_matches(text) if scan is None else scan
    out: list[GovMention] = []
    floor = 0
    official = ministries()
    places = find_place_mentions(text, scan)
    matches = scan["government"]
    for i, (start, end, key, (kind, payload)) in enumerate(matches):
        nxt = matches[i + 1][0] if i + 1 < len(matches) else len(text)
        if kind == "ministry":
            ma: MinistryAlias = payload
            if _other_body(text, start, key, floor):
                floor = end
                continue
            prefix = None
            if not _is_national_wording(key):
                prefix = _local_prefix_before(text, start, floor, places)
            if prefix is not None:
                pos, region, level = prefix
                out.append(
                    GovMention(
                        pos, end, text[pos:end], text[pos:end], "government", None, ma.code, level, region
                    )
                )
            else:
                prev = out[-1] if out else None
                if (
                    prev is not None
                    and prev.end == start
                    and prev.kind == "ministry"
                    and prev.alias_kind not in ("department", "mechanism")
                    and ma.kind in ("department", "office")
                ):  # 工业和信息化部 + 信息技术发展司; 科技部 + 高新技术司 is MOST's, not MIIT's
                    merged = (
                        _unit_name(text[prev.start : end], ma)
                        if prev.ministry_code == ma.code
                        else prev.name + key
                    )
                    out[-1] = GovMention(
                        prev.start, end, merged, merged, "ministry", prev.ministry_code, None, "national",
                        None, ma.kind,
                    )  # fmt: skip
                else:
                    name = (
                        _unit_name(key, ma)
                        if ma.kind in ("department", "office", "mechanism")
                        else official[ma.code].name_zh
                    )
                    unit_end = (
                        _unit_after(text, end, nxt)
                        if ma.kind in ("name", "abbreviation", "informal", "former_name")
                        else None
                    )
                    if unit_end is not None:  # 国家统计局 + 工业司: a unit not in the lexicon
                        name, end, akind = name + text[end:unit_end], unit_end, "department"
                    else:
                        akind = ma.kind
                    out.append(
                        GovMention(
                            start,
                            end,
                            text[start:end],
                            name,
                            "ministry",
                            ma.code,
                            None,
                            "national",
                            None,
                            akind,
                        )  # fmt: skip
                    )
        else:
            lt: LocalTerm = payload
            prefix = _local_prefix_before(text, start, floor, places)
            if prefix is None:
                floor = end
                continue  # 人社部门 on its own: no body to name
            pos, region, level = prefix
            out.append(
                GovMention(
                    pos,
                    end,
                    text[pos:end],
                    text[pos:end],
                    "government",
                    None,
                    lt.counterpart,
                    level or lt.default_level,
                    region,
                )
            )
        floor = end
    return out


def ministry_hits(mentions: list[GovMention]) -> list[MinistryHit]:
    """One hit per ministry code, in order of first mention."""
    hits: dict[str, list] = {}
    for m in mentions:
        if m.ministry_code is None:
            continue
        if m.ministry_code not in hits:
            hits[m.ministry_code] = [m.surface, 0]
        hits[m.ministry_code][1] += 1
    return [MinistryHit(code, alias, n) for code, (alias, n) in hits.items()]
