"""Recognise page furniture: lines that belong to the page, not to an article.

Furniture is kept in a side table (``models.Furniture``) so that analysts can
still see it, but it never enters an article body: a caption or a section
label inside a body would corrupt counts, topics and de-duplication.

Rules are shape-based where the phenomenon has a shape (captions start with
图为, chart titles end in a unit or in a statistics noun, continuation markers
name a page), and list-based only for slogans/section names, which have no
shape distinguishing them from headlines (kept short, in module constants).
"""

from __future__ import annotations

import re

# Section labels printed in the page header/footer of 中国电子报 and similar
# trade papers. Names only, matched against the whole clean line.
SECTION_LABELS = frozenset(
    {
        "综合新闻",
        "要闻",
        "新闻",
        "产业经济",
        "地方",
        "国际",
        "评论",
        "观察",
        "专题",
        "视点",
        "通信",
        "电子",
        "家电",
        "软件",
        "信息化",
        "工业互联网",
        "集成电路",
        "新型显示",
        "本版",
        "头版",
        "社论",
        "特别报道",
        "专版",
        "特刊",
        "综合",
        "经济",
        "时评",
        "人物",
        "访谈",
    }
)
# Campaign banners (栏题) that run above articles; slogans are open-ended, so
# besides this list any line of the form 决战…/聚焦…/… 专栏 of <= 10 chars counts.
BANNERS = frozenset(
    {
        "决战决胜脱贫攻坚",
        "脱贫攻坚",
        "决胜全面建成小康社会",
        "抗击新冠肺炎疫情",
        "众志成城 抗击疫情",
        "众志成城抗击疫情",
        "复工复产进行时",
        "学习贯彻党的十九届五中全会精神",
        "奋进新征程 建功新时代",
        "喜迎二十大",
        "砥砺奋进的五年",
        "新时代新作为",
        "打赢疫情防控阻击战",
    }
)
_BANNER_SHAPE = re.compile(
    r"^(?:.{2,8}(?:专栏|专题|特刊|系列报道|巡礼|纪实|之窗)|聚焦.{2,8}|[^，。]{2,10}进行时)$"
)

# caption and chart patterns as two halves each: an anchored start (match) and an end
# scanned from its first character (search); one alternation of both is tried at every position
_CAPTION_START = re.compile(r"(?:图为|图片为|上图[：:]|下图[：:]|左图[：:]|右图[：:]|图[：:]|图\d|[（(]图)")
_CAPTION_END = re.compile(r"(?:摄|供图|图片来源[^。]{0,20})[）)]?$")
_CHART_UNIT = re.compile(r"[（(]单位[：:][^）)]{1,12}[）)]$")
_CHART_STAT = re.compile(
    r"[^，。！？；]{0,30}(?:同比增长速度|增长速度|增速|走势图?|情况表?|统计表?|示意图|分布图?|对比图?|占比|一览表?|排行榜?)$"
)
_ENDS_SENTENCE = re.compile(r"[。！？]$")
_SENTENCE_PUNCT = re.compile(r"[。！？；]")
_DATE_PREFIX = re.compile(r"^(?:\d{4}年|\d{1,2}月|\d{4}[—\-~～]|[一二三四]季度)")
_CONTINUATION = re.compile(
    r"^[（(]?\s*(?:上接|下转|紧接|转第|接第|转\s*\d|续\s*\d)[^）)]{0,10}[版页]\s*[）)]?$"
)
_TRAILER = re.compile(r"(?:转自|来源|稿件来源|原文链接)[：:].*$")
_TRAILER_SPLIT = re.compile(r"(?<=[。！？”])\s*(转自[：:][^。]{1,30}?(?:\s*原文链接[：:]\S*)?)\s*$")
# first characters the anchored patterns can start with (a set test skips the regex call;
# _CONTINUATION may also start with white space)
_CONTINUATION_FIRST = frozenset("（(上下紧转接续")
_TRAILER_FIRST = frozenset("转来稿原")
_EDITOR_FIRST = frozenset("（(责编校美")
_CAPTION_FIRST = frozenset("图上下左右（(")
_CAPTION_PREFIXES = ("图", "（图", "(图", "上图", "下图")
# credit lines printed apart from the text: design, drawing, photo and editor credits, the
# writer's note, a lead label printed on its own line (（本报乌兰巴托电）)
_CREDIT = re.compile(
    r"^(?:(?:本版|本期)?(?:制图|版式设计|版式|设计|美编|绘图|绘画|漫画|插图|摄影|图片|数据来源|资料来源|编辑|执笔|统筹|采写)"
    r"[：:]\s*\S.{0,40}"
    r"|[（(](?:综合)?(?:本报|新华社)?(?:特约)?记者[^（）()]{2,50}(?:报道|采写|整理)[）)]"
    # the writer's note, one nested parenthesis allowed: （作者为中国第五批赴南苏丹（朱巴）维和步兵营连长）
    r"|[（(](?:作者(?:为|系|是)|作者单位[：:]|执笔)[^（）()]{2,50}(?:[（(][^（）()]{1,12}[）)][^（）()]{0,30})?[）)]"
    r"|[（(][\u4e00-\u9fff、·\s]{2,30}采访整理[）)]"
    r"|[（(]综合[\u4e00-\u9fff、·\s]{2,40}报道[）)]"  # （综合陆娅楠、宋豪新报道）: a roundup's reporters
    # the reporters of a joint report: （本报记者贺勇、乔栋、沈文敏）
    r"|[（(](?:本报|新华社)?(?:特约)?记者[\u4e00-\u9fff·\s]{2,6}(?:、[\u4e00-\u9fff·\s]{2,6})+[）)]"
    r"|(?:新华社|中新社|人民视觉|视觉中国)发"
    r"|——\s*编\s*者"  # the signature closing an editor's note
    # "耿玉和摄（影像中国）", letter-spaced two-character names too: "王 闽摄（影像中国）"
    r"|[\u4e00-\u9fff·]{1,4}(?:[ 、\u3000]+[\u4e00-\u9fff·]{1,4}){0,3}\s?(?:摄影报道|摄|绘|供图)(?:[（(][^（）()]{2,10}[）)])?)$"
)
_LEAD_ALONE = re.compile(
    r"^[（(]据?(?:本报|新华社|人民网|中新社)[\u4e00-\u9fff、]{0,16}(?:\d{1,2}月\d{1,2}日)?电"
    # "（新华社乌鲁木齐2月26日电 记者马锴）": the agency's lead label closing a report
    r"(?:[ \u3000]*(?:记者|通讯员)[\u4e00-\u9fff、·\s]{2,30})?[）)]$"
    # "（龚文君参与采写）", "（本系列评论到此结束）": notes closing an article
    r"|^[（(](?:[\u4e00-\u9fff、·]{2,20}参与采写|本系列[\u4e00-\u9fff]{0,8}(?:到此结束|完))[）)]$"
)
_EDITOR = re.compile(r"^[（(]?(?:责任编辑|编辑|责编|校对|美编)[：:]\s*\S{1,12}[）)]?$")


def furniture_kind(line: str) -> str | None:
    """Kind of furniture for one clean line, or None when it is not furniture."""
    n = len(line)
    if n == 0 or n > 80:
        return None
    if line in SECTION_LABELS:
        return "section_label"
    if line in BANNERS or (n <= 14 and _BANNER_SHAPE.match(line)):
        return "banner"
    first = line[0]
    if (first in _CONTINUATION_FIRST or first.isspace()) and _CONTINUATION.match(line):
        return "continuation"
    if (first in _TRAILER_FIRST and _TRAILER.match(line)) or "原文链接" in line:
        return "source_trailer"
    if first in _EDITOR_FIRST and _EDITOR.match(line):
        return "other"
    if n <= 64 and _CREDIT.match(line):
        return "credit"
    if first in "（(" and _LEAD_ALONE.match(line):
        return "source_trailer"
    # the cheap (string) tests of each conjunction first
    if (
        (line.startswith(_CAPTION_PREFIXES) or n <= 40)
        and (
            (first in _CAPTION_FIRST and _CAPTION_START.match(line))
            or (("摄" in line or "图" in line) and _CAPTION_END.search(line))
        )
        and (not _ENDS_SENTENCE.search(line) or line.startswith("图为"))
    ):
        return "caption"
    # a chart/table title: either carries a unit, or starts with a period and
    # ends in a statistics noun (…同比增长速度)
    if (
        (("单" in line and "单位" in line) or _DATE_PREFIX.match(line))
        and not _SENTENCE_PUNCT.search(line)
        and (_CHART_UNIT.search(line) or _CHART_STAT.match(line))
    ):
        return "chart_title"
    return None


def split_trailer(line: str) -> tuple[str, str | None]:
    """Split a source trailer (转自：… 原文链接…) glued to the end of a text line."""
    m = _TRAILER_SPLIT.search(line)
    if not m:
        return line, None
    return line[: m.start()].rstrip(), m.group(1).strip()


def trailer_source(trailer: str) -> str | None:
    """The source name in a trailer: ``转自：中国电子报 原文链接…`` -> ``中国电子报``."""
    m = re.match(r"(?:转自|来源|稿件来源)[：:]\s*([^\s，。]+)", trailer)
    return m.group(1) if m else None
