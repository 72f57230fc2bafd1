"""Bylines, source labels and datelines: structured fields, not body text.

Shapes handled (all on clean text, see ``normalize``):

* top bylines: ``本报记者 诸玲珍``, ``本报通讯员 X 记者 Y``, ``文/X``;
* author blocks under a title: an organisation line ending in an institution
  suffix followed by (or sharing a line with) 2-4 character names separated
  by spaces: ``赛迪智库规划研究所`` / ``王海龙 张昕婧 朱杰``;
* end signatures: ``（新华社记者 张辛欣）``, ``（耀 文）`` — also when glued to
  the end of a paragraph on a one-line page;
* lead labels: ``本报讯 4月25日，…``, ``新华社北京3月2日电（记者 X）…``.

They close or open articles, so the segmenter uses them as boundary evidence.
"""

from __future__ import annotations

import re

_NAME = r"[\u4e00-\u9fff·]{2,4}"
_NAMES = rf"{_NAME}(?:[ 、，]{_NAME})*"
_ROLE = (
    r"(?:本报(?:特约)?记者|本报通讯员|本报评论员|特约记者|通讯员|新华社记者|记者|实习生|文[／/]|作者[：:]?)"
)

_TOP = re.compile(rf"^(?:{_ROLE}\s*{_NAMES}\s*)+$")
_END = re.compile(
    rf"^[（(]\s*((?:{_ROLE})?\s*(?:[\u4e00-\u9fff·]{{1,4}}(?:\s+[\u4e00-\u9fff·]{{1,4}}){{0,3}}))\s*[）)]$"
)
_END_GLUED = re.compile(
    rf"(?<=[。！？”])\s*[（(]\s*((?:{_ROLE})\s*{_NAMES}|[\u4e00-\u9fff]\s[\u4e00-\u9fff]{{1,2}})\s*[）)]\s*$"
)
_ORG_SUFFIX = (
    "所",
    "院",
    "办",
    "中心",
    "大学",
    "学院",
    "部",
    "局",
    "厅",
    "委",
    "协会",
    "学会",
    "公司",
    "集团",
    "智库",
    "研究会",
    "联盟",
    "处",
    "室",
    "站",
    "报社",
    "杂志社",
    "基地",
    "科",
    "组",
)
_SPACE = re.compile(r"\s")
_ORG_LINE_PUNCT = re.compile(r"[，。：]")
_NAME_LINE = re.compile(rf"^{_NAME}(?:\s+{_NAME}){{0,5}}$")
_ORG_NAMES = re.compile(rf"^(\S{{4,30}})\s+({_NAME}(?:\s+{_NAME}){{0,5}})$")
_LEAD = re.compile(
    r"^(本报讯|据?(?:新华社|人民网|中新社|本报)[\u4e00-\u9fff]{0,8}(?:\d{1,2}月\d{1,2}日)?电)"
    r"\s*(?:[（(]\s*(?:记者|通讯员)\s*([^）)]{2,20})[）)])?"
    r"\s*(\d{1,2}月\d{1,2}日(?:电)?)?\s*[，,]?\s*"
    r"(?:[（(]\s*(?:记者|通讯员)\s*([^）)]{2,20})[）)])?\s*"
)
_DATELINE_IN_LABEL = re.compile(r"(\d{1,2}月\d{1,2}日)电$")
# first characters the anchored patterns can start with (a set test skips the regex call)
_TOP_FIRST = frozenset("本特通新记实文作")  # of _ROLE's alternatives
_LEAD_FIRST = frozenset("本新人中据")  # of _LEAD's label


def _names(s: str) -> list[str]:
    s = re.sub(_ROLE, " ", s)
    return [n for n in re.split(r"[ 、，]+", s.strip()) if n]


def top_byline(line: str) -> list[str] | None:
    """Names in a top byline (``本报记者 X``), or None."""
    if len(line) > 40 or line[:1] not in _TOP_FIRST or not _TOP.match(line):
        return None
    return _names(line)


def end_byline(line: str) -> str | None:
    """The signature in a closing byline line (``（耀 文）`` -> ``耀 文``), or None."""
    if len(line) > 24 or line[:1] not in "（(":
        return None
    m = _END.match(line)
    if not m:
        return None
    inner = m.group(1).strip()
    core = re.sub(_ROLE, "", inner).strip()
    # a bare (2-4 char) parenthesis could be a parenthetical note; require a
    # role word or the spaced signature style (耀 文 / 布 轩)
    if inner == core and " " not in core:
        return None
    return inner


def split_glued_end_byline(text: str) -> tuple[str, str | None]:
    """Split a closing signature glued to the end of a paragraph."""
    m = _END_GLUED.search(text)
    if not m:
        return text, None
    return text[: m.start()].rstrip(), m.group(1).strip()


def is_org_line(line: str) -> bool:
    """A short line naming an institution (author block, first line)."""
    return (
        4 <= len(line) <= 30
        and " " not in line
        and line.endswith(_ORG_SUFFIX)
        and not _ORG_LINE_PUNCT.search(line)
    )


def name_line(line: str) -> list[str] | None:
    """Names on an author line (``王海龙 张昕婧 朱杰``): >= 2 names or 1 name after an org line."""
    if len(line) > 40 or not _NAME_LINE.match(line):
        return None
    return line.split()


def org_and_names(line: str) -> tuple[str, list[str]] | None:
    """``西北工业大学扶贫办 任一娇 蒲传新`` -> (org, names)."""
    # names follow a space at 4..30, and the line ends in a name (or a name and a newline, for $)
    last = line[-1:]
    if not ("\u4e00" <= last <= "\u9fff" or last in "·\n"):
        return None
    m = _ORG_NAMES.match(line) if _SPACE.search(line, 4, 31) else None
    if not m or not is_org_line(m.group(1)):
        return None
    return m.group(1), m.group(2).split()


def split_lead(text: str) -> tuple[str, str | None, str | None, list[str]]:
    """Strip a lead label from the first paragraph.

    Returns (rest, source_label, dateline, reporter names).
    ``本报讯 4月25日，国务院…`` -> (``国务院…``, ``本报讯``, ``4月25日``, []).
    """
    m = _LEAD.match(text)
    if not m:
        return text, None, None, []
    label = m.group(1)
    dateline = m.group(3)
    names: list[str] = []
    for g in (m.group(2), m.group(4)):
        if g:
            names += _names(g)
    if dateline is None:
        dm = _DATELINE_IN_LABEL.search(label)
        if dm:
            dateline = dm.group(1)
    if dateline:
        dateline = dateline.removesuffix("电")
    return text[m.end() :].lstrip("，, "), label, dateline, names


def starts_with_lead(text: str) -> bool:
    """True if a paragraph opens with 本报讯/新华社…电: an article's first paragraph."""
    return text[:1] in _LEAD_FIRST and _LEAD.match(text) is not None
