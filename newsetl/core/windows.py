"""Bound the cost of segmenting one page: a page longer than a cap is segmented in windows.

The segmenter's cost grows with the square of a page's size (it compares every open head
with every tail: ``segment._choose_joins`` -> ``repair._hungarian``): a 1 MB page took 17 s
and 1.3 GB, a 5 MB page drove a worker past 20 GB. Real pages are under 25 KB (~8,000
characters). A page longer than ``window_chars`` (setting ``NEWSETL_WINDOW_CHARS``) is cut
into windows of at most that many characters, at the strongest boundary available near the
cap, in this order: a blank line (between articles or paragraphs), a line end, a sentence
end (。！？; a page on one line), and only failing all of those at the cap itself. Each
window is segmented on its own, so the cost is linear in the page size (quadratic only in
the window). An article crossing a window boundary comes out as two fragments (flagged as
such), a loss confined to such oversized pages. Pages under the cap are segmented whole,
exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import replace

from newsetl.core.models import PageResult
from newsetl.core.text import segment_page

_SENTENCE_END = re.compile(r"[。！？!?；;]")


def split_windows(text: str, cap: int) -> list[tuple[int, str]]:
    """``text`` as ``(first line number, window text)`` pieces of at most ``cap`` characters.

    Joined back in order the windows give ``text`` again, except for the boundary newlines,
    which end the window before them.
    """
    if cap <= 0 or len(text) <= cap:
        return [(0, text)]
    out: list[tuple[int, str]] = []
    start, line = 0, 0
    n = len(text)
    floor = cap // 2  # never cut in the first half of a window: windows stay large
    while start < n:
        end = start + cap
        if end >= n:
            out.append((line, text[start:]))
            break
        cut = _cut_point(text, start + floor, end)
        out.append((line, text[start:cut]))
        line += text.count("\n", start, cut)
        start = cut
    return out


def _cut_point(text: str, lo: int, hi: int) -> int:
    """The last strong boundary in ``text[lo:hi]``: after a blank line, a line end, a sentence end."""
    blank = text.rfind("\n\n", lo, hi)
    if blank >= 0:
        return blank + 2
    newline = text.rfind("\n", lo, hi)
    if newline >= 0:
        return newline + 1
    last = None
    for m in _SENTENCE_END.finditer(text, lo, hi):
        last = m
    if last is not None:
        return last.end()
    return hi


def segment_bounded(text: str, doc_id: str, cap: int) -> PageResult:
    """:func:`newsetl.core.text.segment_page`, in windows of at most ``cap`` characters when the page is longer."""
    windows = split_windows(text, cap)
    if len(windows) == 1:
        return segment_page(text, doc_id)
    articles = []
    furniture = []
    for k, (first_line, chunk) in enumerate(windows):
        # a window's own document id keeps article ids unique and stable across windows
        page = segment_page(chunk, f"{doc_id}#w{k}")
        for art in page.articles:
            articles.append(replace(art, position=len(articles)))
        furniture.extend(replace(f, line_no=f.line_no + first_line) for f in page.furniture)
    return PageResult(articles=articles, furniture=furniture)
