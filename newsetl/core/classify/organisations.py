"""Organisations: ministries and local government bodies (from ``ministries``), plus
companies, associations, universities, think tanks and media.

Non-government organisations come from three sources:
1. known names (``dbt/seeds/organisations.csv``: operators, large firms, think tanks);
2. a name suffix (``org_suffixes.csv``: 有限公司, 集团, 协会, 大学, 研究所 …) with
   the name read leftwards to the previous punctuation, leading verbs stripped;
3. enumerations closed by a company noun: ``A、B、C等重点生产企业`` (山东海燕,
   蓝月亮(中国)), and a place followed by an operator (湖北联通).
Their spans are returned too, so that a place inside a company name (山东海燕) is
not counted as a place mention.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from newsetl.core.classify.entities import EntityScan, entity_matches
from newsetl.core.classify.lexicon import known_organisations
from newsetl.core.classify.ministries import GovMention
from newsetl.core.classify.places import find_place_mentions, region_of
from newsetl.core.models import OrganisationHit

_NAME_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·&（）()]+")  # a name's characters
# up to the last character that is none of them: the run of name characters ending a window starts there
_UP_TO_NON_NAME = re.compile(r"(?s:.*)[^\u4e00-\u9fffA-Za-z0-9·&（）()]")
# words that cannot begin a name: stripped from the front of a candidate
_LEAD_WORDS = (
    "如", "据", "由", "与", "同", "对", "在", "将", "向", "为", "是", "从", "原", "该", "其", "和", "及", "以及",
    "受", "有", "等", "了", "部属", "近日", "日前", "目前", "截至", "已有", "记者从", "——访", "—访", "访",
)  # fmt: skip
# verbs and prepositions after which a name starts, wherever they occur in the candidate
_CUT_AFTER = (
    "紧急协调", "协调", "吸引了", "吸引", "包括", "比如", "例如", "会同", "联合", "组织", "支持", "推动", "帮助",
    "依托", "通过", "指导", "引导", "鼓励", "促进", "来自", "接受", "发挥", "充分发挥", "推进", "开展", "加强",
    "建立", "成立", "举办", "主办", "承办", "携手", "牵头", "委托", "论坛由", "活动由", "会议由", "由", "调度", "聚集", "培育", "引进",
    "落户", "入驻", "邀请", "等", "向",
)  # fmt: skip
# the cut words by first character (the result of the cut does not depend on their order)
_CUT_AFTER_BY_FIRST: dict[str, tuple[str, ...]] = {
    c: tuple(w for w in _CUT_AFTER if w[0] == c) for c in {w[0] for w in _CUT_AFTER}
}
_GENERIC_CORES = {
    "", "行业", "相关", "有关", "相关行业", "部分", "重点", "骨干", "龙头", "其他", "其它", "本", "该", "各", "这些",
    "一些", "多家", "企业", "国有", "民营", "上市", "子", "分", "总", "母", "科技", "投资", "平台", "电商",
    "互联网", "中小", "大型", "知名", "参展", "生产", "制造", "省", "市", "县", "全国", "地方", "各地", "本地",
    "当地", "国内", "国外", "外资", "合资", "研究", "高校", "集团", "公司", "产业", "专业", "社会", "服务",
    "央企", "国企", "大型国企", "民企", "外企", "中央企业",
}  # fmt: skip
_QUALIFIED_ENUM = re.compile(
    r"等(?:\d+余?家|多家|一批|众多)?(?:重点|知名|龙头|骨干|主要|大型|国内外|国内|头部|领军|参展|生产|电商|互联网|科技|"
    r"制造|软件|医药|通信|平台)+(?:企业|公司|厂商|厂家|平台)"
)
_BARE_ENUM = re.compile(r"等(?:\d+余?家|多家)?(?:企业|公司|厂商|厂家)")
# either of them (``re`` factors out the leading 等 and searches for it as a literal)
_ANY_ENUM = re.compile(f"(?:{_QUALIFIED_ENUM.pattern})|(?:{_BARE_ENUM.pattern})")
_OPERATOR_BRANCH = re.compile(r"(联通|移动|电信|铁塔|广电)")
_YEAR_PREFIX = re.compile(r"^(?:19|20)\d{2}(?:年)?(?=[\u4e00-\u9fff])")
_HARD_STOP = set('，,。；;：:！!？?\n\r“”"《》【】')
_UP_TO_HARD_STOP = re.compile("(?s:.*)[" + re.escape("".join(sorted(_HARD_STOP))) + "]")  # to the last one
_ORG_KINDS = ("company", "association", "university", "think_tank", "media", "other")


class OrgMention(NamedTuple):  # a tuple: cheaper to build than a frozen dataclass
    start: int
    end: int
    name: str
    kind: str
    canonical: str


@functools.cache
def _known_names() -> tuple[str, ...]:
    """Known organisation names as a tuple, for one ``str.startswith`` call."""
    return tuple(known_organisations())


def _strip_lead(name: str) -> str:
    if "了" in name[:-2]:  # 聚集了南京南瑞集团公司: a name does not contain 了
        name = name[name.rindex("了", 0, len(name) - 2) + 1 :]
    name = _YEAR_PREFIX.sub("", name)  # 2021开放原子开源基金会年会: the year is not part of the name
    cut = 0
    for w in (w for c in set(name) for w in _CUT_AFTER_BY_FIRST.get(c, ())):  # only words that can occur
        k = name.rfind(w)
        if k >= 0 and k + len(w) == len(name) and len(w) > 1:
            return ""  # 充分发挥 + 行业协会: no name left
        if k >= 0 and len(name) - (k + len(w)) >= 2:
            cut = max(cut, k + len(w))
    name = name[cut:]
    changed = True
    while changed and name.startswith(_LEAD_WORDS):
        changed = False
        for w in _LEAD_WORDS:
            if name.startswith(w) and len(name) > len(w) + 1:
                name = name[len(w) :]
                changed = True
                break
    return name


def _read_left(text: str, end: int, floor: int, limit: int = 22) -> int:
    """Start of the name characters ending at ``end``: at most ``limit`` of them, none before ``floor``."""
    lo = max(floor, end - limit)
    if lo >= end:
        return end
    m = _UP_TO_NON_NAME.match(text, lo, end)
    return m.end() if m else lo


def _clause_start(text: str, pos: int, limit: int = 120) -> int:
    """Start of the text before ``pos`` back to a hard stop (at most ``limit`` characters)."""
    lo = max(0, pos - limit)
    m = _UP_TO_HARD_STOP.match(text, lo, pos)
    return m.end() if m else lo


def _suffix_mentions(text: str, taken: list[tuple[int, int]], scan: EntityScan) -> list[OrgMention]:
    out: list[OrgMention] = []
    floor = 0
    for s, e, _suffix, kind in scan["org_suffix"]:
        if any(a <= s < b for a, b in taken) or (_suffix.endswith("行") and text[e : e + 1] == "业"):
            continue  # 细分行业 is not a bank branch (分行)
        left_floor = max([floor] + [b for a, b in taken if b <= s])
        pos = _read_left(text, s, left_floor)
        raw = text[pos:s]
        if "的" in raw:
            raw = raw.rsplit("的", 1)[1]
        core = _strip_lead(raw)
        if (
            out
            and out[-1].end == s - len(core)
            and (not core or core == raw)
            and not core.startswith(_known_names())  # 研究院|赛迪智库…研究所: two
        ):
            # a name glued to the one before it: 京东方科技集团|股份有限公司, 行业协会|液晶分会
            prev = out[-1]
            name = text[prev.start : e]
            out[-1] = OrgMention(prev.start, e, name, kind, name)
            floor = e
            continue
        if core in _GENERIC_CORES or len(core) < 2 or core.endswith(("等", "和", "与")):
            continue
        # a name glued to the end of a government body (…局XX公司) is not trusted
        start = s - len(core)
        name = text[start:e]
        out.append(OrgMention(start, e, name, kind, name))
        floor = e
    return out


def _enumerated_companies(
    text: str, taken: list[tuple[int, int]], named: list[OrgMention]
) -> list[OrgMention]:
    """Items of ``A、B、C等重点生产企业``; after a bare ``等企业`` only when an item is a known name."""
    out: list[OrgMention] = []
    for m, qualified in _enum_triggers(text):
        pos = m.start()
        lo = _clause_start(text, pos)
        if not qualified and not any(lo <= o.start and o.end <= pos for o in named):
            continue
        items = text[lo:pos].split("、")
        if len(items) < 1:
            continue
        cursor = lo
        for i, item in enumerate(items):
            item_start = cursor
            cursor += len(item) + 1
            name = item.strip()
            if i == 0:
                name = re.split(r"[与和及同]", _strip_lead(name))[-1]
            if not (2 <= len(name) <= 12) or _NAME_CHARS.fullmatch(name) is None:
                continue
            start = item_start + (len(item) - len(name))
            end = start + len(name)
            if (
                name in _GENERIC_CORES
                or any(a <= start and end <= b for a, b in taken)
                or any(start <= a and b <= end for a, b in taken)  # 调度中国移动: 中国移动 is already named
                or any(o.start <= start and end <= o.end for o in out)
            ):
                continue
            out.append(OrgMention(start, end, name, "company", name))
    return out


def _enum_triggers(text: str) -> list[tuple[re.Match[str], bool]]:
    """``_QUALIFIED_ENUM`` (True) and ``_BARE_ENUM`` (False) matches by start, as their two
    ``finditer`` merged: both patterns open with 等 and no match holds a second 等, so each
    ``finditer`` gives exactly its matches at the 等 where one ``_ANY_ENUM`` scan stops."""
    out = []
    for hit in _ANY_ENUM.finditer(text):  # the 等 where either matches
        k = hit.start()
        m = _QUALIFIED_ENUM.match(text, k)
        if m is not None:
            out.append((m, True))
        m = _BARE_ENUM.match(text, k)
        if m is not None:
            out.append((m, False))
    return out


def _operator_branches(text: str, place_spans: list[tuple[int, int, str]]) -> list[OrgMention]:
    out = []
    for s, e, _surface in place_spans:
        m = _OPERATOR_BRANCH.match(text, e)
        if m:
            out.append(OrgMention(s, m.end(), text[s : m.end()], "company", text[s : m.end()]))
    return out


def find_org_mentions(text: str, gov: list[GovMention], scan: EntityScan | None = None) -> list[OrgMention]:
    """Non-government organisation mentions (spans), outside government mentions
    (``scan``: the entity scan of ``text``, when already made)."""
    scan = entity_matches(text) if scan is None else scan
    gov_spans = [(g.start, g.end) for g in gov]
    known = [
        OrgMention(s, e, key, kind, canonical)
        for s, e, key, (kind, canonical) in scan["known_org"]
        if not any(a <= s and e <= b for a, b in gov_spans)
    ]
    suffixed = _suffix_mentions(text, gov_spans, scan)
    # a known short name inside a longer suffixed name (赛迪智库 in 赛迪智库规划研究所) yields to it
    known = [k for k in known if not any(x.start <= k.start and k.end <= x.end and x != k for x in suffixed)]
    suffixed = [x for x in suffixed if not any(k.start <= x.start and x.end <= k.end for k in known)]
    known_names = _known_names()
    for k in list(known):  # 中国信通院 + 云计算与大数据研究所: one unit of the known body
        for j, x in enumerate(suffixed):
            if (
                x.start == k.end
                and x.kind in ("think_tank", "association", "other")
                and not x.name.startswith(known_names)  # 赛迪智库…研究所 is a name itself
            ):
                name = text[k.start : x.end]
                suffixed[j] = OrgMention(k.start, x.end, name, x.kind, name)
                known.remove(k)
                break
    spans = gov_spans + [(x.start, x.end) for x in known + suffixed]
    places = [(m.start, m.end, m.surface) for m in find_place_mentions(text, scan)]
    branches = [b for b in _operator_branches(text, places) if not any(a <= b.start < e for a, e in spans)]
    spans += [(b.start, b.end) for b in branches]
    enumerated = _enumerated_companies(text, spans, known + suffixed + branches)
    return sorted(known + suffixed + branches + enumerated, key=lambda o: o.start)


def organisation_hits(text: str, gov: list[GovMention], orgs: list[OrgMention]) -> list[OrganisationHit]:
    groups: dict[tuple[str, str], list] = {}
    for g in gov:
        key = (g.kind, g.name)
        if key not in groups:
            groups[key] = [g.name, g.kind, g.level, g.region, 0, g.ministry_code, g.counterpart]
        groups[key][4] += 1
    for o in orgs:
        key = (o.kind, o.canonical)
        if key not in groups:
            region, _level = region_of(o.name)
            groups[key] = [o.name, o.kind, None, region, 0, None, None]
        groups[key][4] += 1
    return [
        OrganisationHit(name, kind, level, region, n, code, counterpart_code=cp)
        for name, kind, level, region, n, code, cp in groups.values()
    ]
