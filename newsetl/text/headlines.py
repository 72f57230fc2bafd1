"""Headlines: which lines are headings, and how a heading block splits.

A heading is a short line without sentence punctuation. A block of
consecutive headings above an article is split into kicker (引题), title
(主题, possibly printed over two lines) and subtitle (副题, ``——访…``).
Whether a heading opens a new article or is a subhead inside the current one
is decided by the segmenter from its context (``segment``), not here.
"""

from __future__ import annotations

import re

from newsetl.text.repair import cross_word

MAX_HEADING = 40  # longer lines are prose even without punctuation
_SENTENCE_PUNCT = re.compile(r"[。；]|[！？](?!$)")
_BAD_END = re.compile(r"[，、：:,（(“《—]$")
_SUBTITLE = re.compile(r"^(?:——|—|－－|--)\s*")
_TURN = re.compile(r"^(?:记者|问|答|主持人)：")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KICKER_MIN = 12  # a first line this long that is a phrase of its own is a kicker


def is_heading_like(line: str, md_level: int = 0) -> bool:
    """Short, punctuation-free line: a title, kicker, subtitle or subhead."""
    if md_level:
        return True
    # every test below can only reject: the string tests run before the regex scans
    if not line or len(line) > MAX_HEADING:
        return False
    comma = line.find("，")
    if 0 <= comma <= 5 or line.count("，") >= 2:
        return False  # prose cut short (据介绍，… / 2月21日，…): titles rarely open with a short clause
    if comma >= 0 and line.endswith("？"):
        return False  # a Q&A question, not a heading
    if _SENTENCE_PUNCT.search(line) or _BAD_END.search(line) or _TURN.match(line):
        return False
    return bool(_CJK.search(line))


def is_subtitle(line: str) -> bool:
    """``——访工信部副部长辛国斌``: a subtitle line."""
    return bool(_SUBTITLE.match(line)) and len(line) > 3


def split_heading_block(lines: list[str]) -> tuple[str | None, str | None, str | None]:
    """(kicker, title, subtitle) from consecutive heading lines.

    Two lines that form a word across the break, or a short first line, are
    one title printed over two lines; a long first line that stands alone is
    a kicker above the title.
    """
    subtitle_parts = [ln for ln in lines if is_subtitle(ln)]
    main = [ln for ln in lines if not is_subtitle(ln)]
    subtitle = " ".join(_SUBTITLE.sub("", s) for s in subtitle_parts) or None
    if subtitle:
        subtitle = "——" + subtitle
    if not main:
        return None, None, subtitle
    kicker = None
    if len(main) >= 2 and len(main[0]) >= _KICKER_MIN and not cross_word(main[0], main[1]):
        kicker, main = main[0], main[1:]
    title = main[0]
    for nxt in main[1:]:
        glue = "" if cross_word(title, nxt) or len(title) < 7 or len(nxt) < 7 else " "
        title = title + glue + nxt
    return kicker, title, subtitle
