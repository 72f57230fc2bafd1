"""Headlines: which lines are headings, and how a heading block splits.

A heading is a short line without sentence punctuation. A block of
consecutive headings above an article is split into kicker (引题), title
(主题, possibly printed over two lines) and subtitle (副题, ``——访…``).
Whether a heading opens a new article or is a subhead inside the current one
is decided by the segmenter from its context (``segment``), not here.
"""

from __future__ import annotations

import re

from newsetl.core.text.linear import load_model
from newsetl.core.text.repair import cross_word

MAX_HEADING = 40  # longer lines are prose even without punctuation
_SENTENCE_PUNCT = re.compile(r"[。；]|[！？](?!$)")
# punctuation that leads on, and 的, which no heading of the real-page corpus ends with
# (0 of 6,382 titles, kickers and subtitles): a line ending so is cut prose
_BAD_END = re.compile(r"[，、：:,（(“《—的]$")
_SUBTITLE = re.compile(r"^(?:——|—|－－|--)\s*")
_TURN = re.compile(r"^(?:记者|问|答|主持人)：")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KICKER_MIN = 10  # a first line this long that forms no word with the next is a kicker
# or a short one this much shorter than the next (中国银联 over 发挥科技优势 助力复工复产); halves of
# like length (一桌年夜饭 / 满满都是情) are one title printed over two lines
_KICKER_SHORTER = 6
_LABEL_END = re.compile(r"[（(][^（）()]{2,20}[）)]$")
_LEADS_IN = ("——", "—", "：", ":")
_SUBTITLE_VERBS = ("出席", "主持", "主持并讲话", "参加", "会见", "讲话", "致辞", "出席并讲话")
# a short first line ending in a verb of reporting introduces the title under it (中办国办印发)
_KICKER_VERBS = (
    "印发",
    "发布",
    "指出",
    "强调",
    "表示",
    "召开",
    "举行",
    "主持",
    "出席",
    "会见",
    "看望",
    "寄语",
    "透露",
    "介绍",
)


def is_heading_like(line: str, md_level: int = 0) -> bool:
    """Short, punctuation-free line: a title, kicker, subtitle or subhead."""
    if md_level:
        return True
    # every test below can only reject: the string tests run before the regex scans
    if not line or (len(line) > MAX_HEADING and len(line) - _label_len(line) > MAX_HEADING):
        return False  # a long column label (（总书记的深情牵挂——来自…故事）) does not make prose
    comma = line.find("，")
    if line.count("，") >= 2 or (0 <= comma <= 5 and not _balanced_title(line, comma)):
        return False  # prose cut short (据介绍，… / 2月21日，…)
    if comma >= 0 and line.endswith("？"):
        return False  # a Q&A question, not a heading
    if _SENTENCE_PUNCT.search(line) or _BAD_END.search(line) or _TURN.match(line):
        return False
    return bool(_CJK.search(line))


_LONG_LABEL = re.compile(r"[（(][^（）()]{2,30}[）)]$")


def _label_len(line: str) -> int:
    m = _LONG_LABEL.search(line)
    return len(m.group(0)) if m else 0


def is_kicker_line(line: str) -> bool:
    """A short line leading into the title under it with a dash: ``河北张北县德胜村——``."""
    return 4 <= len(line) <= 30 and line.endswith("——") and not _SENTENCE_PUNCT.search(line)


# how prose opens a sentence with a short clause: 据介绍，… 目前，… 他表示，…
_PROSE_OPENER = re.compile(
    r"^(?:[\d一二三四五六七八九十]|据|目前|同时|此外|另外|其中|近日|日前|近年来|今年|去年|对此|为此|因此|但|然而|首先|其次|最后|"
    r"一方面|另一方面|与此同时|下一步|如今|当前|随后|此前|当天|当日|记者|他|她|我|我们|这)|(?:说|表示|强调|指出|要求|认为|介绍|称|看来|透露|坦言)$"
)


def _balanced_title(line: str, comma: int) -> bool:
    """``油菜花开，载动如海乡思``: two short clauses, the first no prose opener; a title, not cut prose."""
    head, tail = line[:comma], line[comma + 1 :]
    return len(line) <= 20 and len(tail) >= 3 and not _PROSE_OPENER.search(head)


# Labels of boxes printed at the top of or inside an article (key points, editor's note, a
# reporter's notebook): the box belongs to the article, its label is never a title.
BOX_LABELS = frozenset(
    {
        "核心阅读",
        "阅读提示",
        "编者的话",
        "编者按",
        "编辑的话",
        "开栏的话",
        "内容提要",
        "人物小传",
        "引子",
        "记者手记",
        "记者观察",
        "延伸阅读",
        "相关链接",
        "链接",
        "背景链接",
        "知识链接",
        "速览",
        "数读",
        "短评",
        "点评",
        "身边事",
        "声音",
        "数据",
        "图解",
    }
)
# the labels of a sidebar printed after an article's text (a reporter's notebook, further reading):
# marking a heading (…（记者手记）), they make it a subhead of that article, where column labels
# (…（人民时评）) make a title
SIDEBAR_LABELS = frozenset({"记者手记", "延伸阅读", "相关链接", "链接", "背景链接", "知识链接"})
# a figure printed big at the head of a paragraph (7.9% / 628个 / 100.97亿美元)
_STAT_CALLOUT = re.compile(
    r"^\d[\d.,，]*\s*(?:%|％|[万亿千百]*(?:美元|元|个|人次|人|家|项|次|件|户|座|台|吨|公里|千米|米|倍)?)(?:以上|以下|左右|多)?(?:\s.{0,16})?$"
)


def head_pair_features(first: str, second: str) -> dict[str, float]:
    """Two heading lines as named features for the head model: kicker over title, or title over subtitle?

    The shape of each line's ends (``…强调`` leads in, ``…主持`` reports who did what),
    its length, punctuation and figures, and which line is longer."""
    f: dict[str, float] = {}
    for n, x in (("a", first), ("b", second)):
        f[f"{n}_last:{x[-1:]}"] = 1.0
        f[f"{n}_last2:{x[-2:]}"] = 1.0
        f[f"{n}_first:{x[:1]}"] = 1.0
        f[f"{n}_first2:{x[:2]}"] = 1.0
        f[f"{n}_len:{min(len(x) // 4, 8)}"] = 1.0
        if "，" in x or "," in x:
            f[f"{n}_comma"] = 1.0
        if any(c.isdigit() for c in x):
            f[f"{n}_digit"] = 1.0
        if "“" in x:
            f[f"{n}_quote"] = 1.0
        if " " in x:
            f[f"{n}_space"] = 1.0
        if _LABEL_END.search(x):
            f[f"{n}_label"] = 1.0
        if x[:1] in "（(" and x[-1:] in "）)":
            f[f"{n}_paren"] = 1.0
    d = len(first) - len(second)
    f["a_longer" if d > 0 else "b_longer" if d < 0 else "same_len"] = 1.0
    if d >= 6:
        f["a_much_longer"] = 1.0
    if d <= -6:
        f["b_much_longer"] = 1.0
    return f


# P(kicker over title) for two heading lines that no decisive layout settles, learned from real
# two-line heads (``python -m newsetl_tools.evaluation.train_heads``)
_HEAD_MODEL = load_model("head_model")


def is_box_label(line: str) -> bool:
    """A box label (核心阅读, letter-spaced 链  接 too) or a figure printed as a callout (628个):
    body, never a title."""
    return (
        line in BOX_LABELS
        or (" " in line and line.replace(" ", "") in BOX_LABELS)
        or (line[:1].isdigit() and _STAT_CALLOUT.match(line) is not None)
    )


def ends_in_box_label(line: str) -> bool:
    """``用事实和数据说话（记者手记）``: a heading marked as a box of the article above it."""
    m = _LABEL_END.search(line)
    return m is not None and m.start() > 0 and line[m.start() + 1 : -1] in SIDEBAR_LABELS


def is_subtitle(line: str) -> bool:
    """``——访工信部副部长辛国斌``: a subtitle line."""
    return bool(_SUBTITLE.match(line)) and len(line) > 3


def _is_subtitle_line(line: str) -> bool:
    """A second heading line that reads as a subtitle: wholly in parentheses, or a short who-did-what."""
    return (line[:1] in "（(" and line[-1:] in "）)") or (len(line) <= 12 and line.endswith(_SUBTITLE_VERBS))


def split_heading_block(lines: list[str]) -> tuple[str | None, str | None, str | None]:
    """(kicker, title, subtitle) from consecutive heading lines.

    A dash subtitle (``——访…``) is the subtitle wherever it sits. Of the other
    lines, one that ends in a dash or colon leads into the next (a kicker);
    a line ending in a column label (``（人民时评）``) is the title, with a
    kicker above or a subtitle below it; two lines that form a word across
    the break, or a very short first line, are one title printed over two
    lines; otherwise two lines are kicker then title or title then subtitle as
    the head model (``data/head_model.json``, learned from real two-line heads)
    reads them, and three lines are kicker, title, subtitle.
    """
    subtitle_parts = [ln for ln in lines if is_subtitle(ln)]
    main = [ln for ln in lines if not is_subtitle(ln)]
    subtitle = " ".join(_SUBTITLE.sub("", s) for s in subtitle_parts) or None
    if subtitle:
        subtitle = "——" + subtitle
    if not main:
        return None, None, subtitle
    kicker = None
    if len(main) >= 2 and not cross_word(main[0], main[1]):
        labelled = [bool(_LABEL_END.search(ln)) for ln in main]
        if main[0].endswith(_LEADS_IN):
            kicker, main = main[0], main[1:]
        elif subtitle is None and len(main) == 2 and _is_subtitle_line(main[1]):
            subtitle, main = main[1], main[:1]
        elif labelled[0] and not any(labelled[1:]) and subtitle is None:
            subtitle = " ".join(main[1:])
            main = main[:1]
        elif len(main) >= 3 and subtitle is None:
            kicker, subtitle, main = main[0], " ".join(main[2:]), main[1:2]
        elif any(labelled[1:]):
            kicker, main = main[0], main[1:]
        elif (
            len(main[0]) >= _KICKER_MIN
            or main[0].endswith(_KICKER_VERBS)
            or len(main[1]) - len(main[0]) >= _KICKER_SHORTER
        ):
            if (
                len(main) == 2
                and subtitle is None
                and not _HEAD_MODEL.decide(head_pair_features(main[0], main[1]))
            ):
                subtitle, main = main[1], main[:1]  # the head model reads title over subtitle
            else:
                kicker, main = main[0], main[1:]
    title = main[0]
    for nxt in main[1:]:
        glue = "" if cross_word(title, nxt) or len(title) < 7 or len(nxt) < 7 else " "
        title = title + glue + nxt
    return kicker, title, subtitle
