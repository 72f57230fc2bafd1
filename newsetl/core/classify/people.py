"""People named in an article, with the role stated next to the name.

Patterns (no model, no jieba):
- role before the name: ``副部长辛国斌``, ``部党组书记、部长肖亚庆``, ``本报记者 诸玲珍``,
  ``董事长芮晓武``, optionally after an organisation (``TCL集团董事长李东生``);
- role after the name: ``习近平总书记``, ``高旭红教授``;
- name before a speech verb or an interview colon: ``李颖强调``, ``关兵说``, ``罗俊杰:``;
- a parenthesised signature at the end of a paragraph: ``(布 轩)``.
A name is a known surname (``person_surnames.csv``) plus one or two characters;
between the 2- and 3-character reading, the one the article repeats or the one
followed by a verb or punctuation wins.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator

from newsetl.core.classify.entities import AFTER_ROLES, EntityScan, entity_matches
from newsetl.core.classify.lexicon import known_organisations, surnames
from newsetl.core.models import PersonHit

_CJK = "\u4e00-\u9fff"
_AFTER_NAME = (
    "出席", "表示", "告诉", "认为", "指出", "强调", "说", "在", "等", "围绕", "通过", "带领", "走进", "发表", "主持", "介绍", "接受",
    "就", "和", "与", "作", "先后", "近日", "透露", "分析", "坦言", "也", "还", "同志", "率", "带队", "讲话",
    "致辞", "提出", "称", "道出", "谈", "解读", "回答", "出任", "担任", "获", "荣获", "一行", "参加", "会见",
    "调研", "考察", "希望", "建议", "：", ":", "，", ",", "。", "、", "）", ")", "；", "“", "”", " ", "\n",
)  # fmt: skip
_AFTER_NAME_RE = re.compile("|".join(map(re.escape, _AFTER_NAME)))  # any(startswith), in C
_FUNCTION_CHARS = set("在和与等说也还就将向对是为称及跟同")
_SPEECH = "表示|强调|指出|认为|说|告诉|透露|介绍|坦言|分析|称|道出|谈到|提到|建议|解释"
_NOT_NAMES = {
    "王国", "高度", "高效", "高质量", "高速", "高新", "高技术", "高校", "高端", "高于", "关键", "关于", "关注",
    "全国", "全面", "全力", "全年", "全球", "全行业", "方面", "方式", "方案", "方向", "林业", "黄金",
    "金融", "金额", "金奖", "石油", "石化", "马上", "程度", "程序", "于是", "于此", "许多", "许可", "安全",
    "孔子", "任务", "任何", "任期", "余家", "余人", "余个", "余名", "余项", "余套", "余亿", "万元", "万家",
    "万人", "万个", "江苏", "江西", "江华", "黄河", "周边", "周年", "周期", "周围", "向好", "向上", "向下",
    "包括", "成都", "成为", "成功", "史上", "常态", "文化", "华为", "华星", "华北", "华东", "华南", "田间",
    "韩国", "严格", "严重", "严峻", "连续", "温度", "毛利", "牛市", "路径", "单位", "单个",
    "雷达", "龙头", "龙川", "施工", "时间", "秦岭", "洪水", "白名单", "白皮书",
}  # fmt: skip


@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    compound = sorted((x for x in surnames() if len(x) > 1), key=len, reverse=True)
    single = "".join(sorted(x for x in surnames() if len(x) == 1))
    sn_alt = "|".join([*map(re.escape, compound), f"[{single}]"])
    # the same alternation, led by the set of first characters: a pattern that starts
    # with a character set is scanned for that set in C instead of tried at every position
    first = "".join(sorted({x[0] for x in surnames()}))
    lead_alt = "|".join(
        [*(f"(?<={re.escape(c[0])}){re.escape(c[1:])}" for c in compound), f"(?<=[{single}])"]
    )
    name = rf"[{first}](?:{lead_alt})[{_CJK}]{{1,2}}"
    name_re = re.compile(name)
    rest = max((len(c) - 1 for c in compound), default=0) + 2  # name characters after the first
    role_first = "".join(sorted({r[0] for r in AFTER_ROLES}))
    after_name = rf"[{first}](?=.{{1,{rest}}}[{role_first}])(?:{lead_alt})[{_CJK}]{{1,2}}"
    after = re.compile(rf"(?P<name>{after_name})(?P<role>{'|'.join(AFTER_ROLES)})")
    # 李颖强调 / 罗俊杰: / 陈如桂在致辞中指出 (the character before the name is checked in Python);
    # the lookahead (a character that can follow a name within reach) only skips hopeless starts
    follow = "".join(sorted({w[0] for w in _SPEECH.split("|")} | set("也还则进同:：在")))
    said_name = rf"[{first}](?=.{{1,{rest}}}[{re.escape(follow)}])(?:{lead_alt})[{_CJK}]{{1,2}}"
    said = re.compile(
        rf"(?P<name>{said_name})(?:(?P<sp>(?:也|还|则|进一步|同样|也同样)?(?:{_SPEECH}))|(?P<colon>[:：])"
        rf"|(?P<at>在[^。，,；]{{1,12}}?(?:{_SPEECH})))"
    )
    # (布 轩): a signature at the end of a paragraph, spaced out as bylines are
    signature = re.compile(
        rf"[（(](?P<name>[{_CJK}][ \u3000][{_CJK}]{{1,2}}|(?:{sn_alt})[{_CJK}]{{1,2}})[）)][ \t]*(?:\n|$)"
    )
    # a byline line: names separated by spaces, maybe after an organisation (赛迪智库规划研究所 王海龙 张昕婧)
    byline = re.compile(
        rf"^(?P<org>[^\s，。,]{{2,30}}[ \u3000]+)??(?P<names>(?:{name})(?:[ \u3000]+(?:{name}))*)[ \u3000]*$",
        re.M,
    )
    return name_re, after, said, signature, byline


_SAID_BEFORE = set("。！？!?；;\n”」 \t\u3000")
_COLON_BEFORE = set("。！？!?\n \t\u3000")
_AT_BEFORE = _SAID_BEFORE | set("，,")


def _role_chains(text: str, scan: EntityScan):
    """(role_start, role_end) of roles, chained by 、/兼 (部党组书记、部长; 董事长兼总裁)."""
    matches = [(s, e) for s, e, _k, _v in scan["role"]]
    i = 0
    while i < len(matches):
        s, e = matches[i]
        if s > 0 and text[s - 1] == "原":
            s -= 1
        j = i + 1
        while j < len(matches) and e < len(text) and text[e] in "、兼":
            gap = text[e + 1 : matches[j][0]]
            if gap.endswith("原"):
                gap = gap[:-1]
            if len(gap) > 6 or not all("\u4e00" <= c <= "\u9fff" for c in gap):
                break
            e = matches[j][1]
            j += 1
        yield s, e
        i = j


def _choose(text: str, start: int, candidate: str, count: Callable[[str], int] | None = None) -> str | None:
    """Pick the 2- or 3-character reading of a name found at ``start`` (``count``: ``text.count``, memoised)."""
    if len(candidate) < 3:
        if len(candidate) < 2:
            return None
        return candidate if _name_ends(text, start + len(candidate)) else None
    n3, n2 = candidate[:3], candidate[:2]
    ok3 = _name_ends(text, start + 3)
    ok2 = _name_ends(text, start + 2)
    # c2 = count(n2) >= c3 = count(n3) always (each n3 holds an n2), so the counts only
    # decide between two acceptable readings (the text repeats the 3-character one as often
    # as the 2-character one: n3) and are not needed otherwise
    if ok2 and n3[2] in _FUNCTION_CHARS:
        return n2  # 范宏在接受: 在 is not part of the name
    if ok3 and ok2:
        count = count or text.count
        return n3 if count(n3) >= count(n2) else n2
    if ok3:
        return n3
    return n2 if ok2 else None


def _name_ends(text: str, end: int) -> bool:
    """Can a name end at ``end`` (a verb, punctuation or the end of the text after it)?"""
    follow = text[end : end + 2]
    return follow == "" or _AFTER_NAME_RE.match(follow) is not None


@functools.cache
def _max_name_len() -> int:
    """Longest name the patterns read: a surname and two more characters."""
    return max((len(x) for x in surnames()), default=1) + 2


def _occurrences(text: str, needles: Iterable[str]) -> list[int]:
    """Every start of any of ``needles`` in ``text`` (overlapping ones too), ascending."""
    out = []
    for needle in needles:
        k = text.find(needle)
        while k >= 0:
            out.append(k)
            k = text.find(needle, k + 1)
    out.sort()
    return out


def _matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern that can only match at one of ``starts`` (ascending).

    ``str.find`` locates rare anchors (a role, a parenthesis) far faster than ``re`` scans for
    a pattern's first character; trying the starts in order, each at or after the end of the
    previous match, gives exactly the matches ``finditer`` gives.
    """
    end = 0
    for pos in starts:
        if pos < end:
            continue
        m = pattern.match(text, pos)
        if m is not None:
            yield m
            end = m.end()


def _after_role_starts(scan: EntityScan) -> list[int]:
    """Where a name written before a role (习近平总书记) can start: 2 to ``_max_name_len()``
    characters before an occurrence of a role."""
    longest = _max_name_len()
    starts: set[int] = set()
    # every occurrence of a role (overlapping ones too), by start: found by the entity scan
    for r, _end, _role, _p in scan["after_role"]:
        starts.update(range(max(0, r - longest), r - 1))
    return sorted(starts)


def _byline_matches(byline: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``byline.finditer(text)`` on the lines holding a space only (a match is one whole line;
    one without a space is a single name without an organisation, which no caller keeps)."""
    a, b = text.find(" "), text.find("\u3000")
    while a >= 0 or b >= 0:  # from each space to the line holding it: lines without one are not read
        k = a if b < 0 or 0 <= a < b else b
        start = text.rfind("\n", 0, k) + 1
        end = text.find("\n", k)
        if end < 0:
            end = len(text)
        m = byline.match(text, start, end)
        if m is not None:
            yield m
        if 0 <= a <= end:
            a = text.find(" ", end + 1)
        if 0 <= b <= end:
            b = text.find("\u3000", end + 1)


def _clean_role(role: str) -> str:
    return role.strip()


def _org_before(spans: list[tuple[int, int, str]], role_start: int) -> str | None:
    """The organisation named right before a role (TCL集团董事长, 工信部副部长)."""
    best = None
    for s, e, name in spans:
        if s < role_start and role_start - 1 <= e <= role_start + 4:
            best = name
    return best


def extract_people(
    text: str, org_spans: list[tuple[int, int, str]] | None = None, scan: EntityScan | None = None
) -> list[PersonHit]:
    """People in ``text``; ``org_spans`` (start, end, name) let a role inherit its organisation;
    ``scan``: the entity scan of ``text``, when already made."""
    scan = entity_matches(text) if scan is None else scan
    name_re, after, said, signature, byline = _patterns()
    spans = sorted(org_spans or [])
    starts = [sp[0] for sp in spans]
    reach = list(itertools.accumulate((sp[1] for sp in spans), max))  # furthest end among spans[: i + 1]

    def in_org(pos: int) -> bool:  # some span holds pos: one bisection, not a scan per candidate
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and reach[i] > pos

    found: dict[str, list] = {}

    known = known_organisations()
    counted: dict[str, int] = {}

    def count(name: str) -> int:  # names recur: count each once per article
        n = counted.get(name)
        if n is None:
            n = counted[name] = text.count(name)
        return n

    def add(name: str | None, role: str | None, pos: int, org: str | None = None) -> None:
        if not name or name in _NOT_NAMES or name[:2] in _NOT_NAMES:
            return
        if name in known or name[:2] in known or in_org(pos):
            return  # 苏宁表示: a company, not a person
        if name not in found:
            found[name] = [role, org, pos]
        elif role and not found[name][0]:
            found[name][0] = role
            found[name][1] = found[name][1] or org

    for role_start, role_end in _role_chains(text, scan):
        pos = role_end + 1 if text[role_end : role_end + 1] in (" ", "\u3000") else role_end
        m = name_re.match(text, pos)
        if m is None:
            continue
        name = _choose(text, m.start(), m.group(0), count)
        for s, e, _n in spans:  # 工业和信息化部党组成员: the role starts after the organisation
            if s < role_start < e <= m.start():
                role_start = e
        role = _clean_role(text[role_start:role_end])
        if not role:
            continue
        add(name, role, m.start(), _org_before(spans, role_start))
    for m in _byline_matches(byline, text):
        names = m.group("names").split()
        if len(names) < 2 and not m.group("org"):
            continue
        if len(names) == 1 and len(m.group(0).strip()) > 40:
            continue
        for n in names:
            if 2 <= len(n) <= 3:
                add(n, None, m.start("names"), (m.group("org") or "").strip() or None)
    for m in _matches_at(after, text, _after_role_starts(scan)):
        if in_org(m.start("name")):
            continue  # 中国工程院院士: 程院 is not a name
        nm = m.group("name")
        # 习近平总书记: the name is what precedes the role, 2 or 3 characters
        name = nm if nm[:2] not in _NOT_NAMES else None
        if name and len(name) == 3 and count(name[1:]) > count(name):
            name = name[1:]
        add(name, m.group("role") if m.group("role") != "同志" else None, m.start())
    for m in said.finditer(text):
        prev = text[m.start() - 1] if m.start() else "\n"
        allowed = _SAID_BEFORE if m.group("sp") else _COLON_BEFORE if m.group("colon") else _AT_BEFORE
        if prev in allowed:
            add(_choose(text, m.start("name"), m.group("name"), count), None, m.start())
    for m in _matches_at(signature, text, _occurrences(text, "（(")):
        add(m.group("name").replace(" ", "").replace("\u3000", ""), None, m.start())
    # drop a 2-character name that is the head of a 3-character one (关兵 vs 关兵告)
    names = list(found)
    for n in names:
        if any(o != n and o.startswith(n) for o in names) and n in found:
            longer = [o for o in names if o != n and o.startswith(n)]
            for o in longer:
                if count(n) > count(o) * 2 and o in found:
                    if found[o][0] and not found[n][0]:
                        found[n][0] = found[o][0]
                    del found[o]
                elif o in found and n in found:
                    if found[n][0] and not found[o][0]:
                        found[o][0] = found[n][0]
                    del found[n]
    ordered = sorted(found.items(), key=lambda kv: kv[1][2])
    return [PersonHit(name, role, org) for name, (role, org, _pos) in ordered]
