"""Cut page lines into typed pieces (the units the segmenter works on).

Most pages have one paragraph per line, but some are one long line (the Q&A
page, pages flattened by the source). A long line is cut where the text
itself marks a boundary: a Q&A turn (``记者：`` / a speaker label repeated on
the page), a closing signature glued to a sentence (``…。（耀 文）``), a lead
label (``本报讯``) possibly preceded by a glued headline, and a source trailer.
Each piece is then classified by shape: furniture, byline, author block,
heading-like or text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from newsetl.core.text import bylines, furniture, glued, headlines
from newsetl.core.text.normalize import (
    collapse_spaces,
    content_keys,
    fold_width,
    normalize_page,
    strip_heading_marker,
    unify_punctuation,
)

TURN_LABELS = frozenset(
    {"记者", "问", "答", "主持人", "本报记者"}
)  # always a Q&A turn when after a sentence end
_LABEL_BEFORE = frozenset("\n。？！”")  # a speaker label starts a line or follows a sentence end
# the lookbehinds follow the first character: a pattern that starts with a literal or
# a character set is scanned for it in C, one that starts with a lookbehind is tried
# at every position
_GLUED_END = re.compile(
    r"[（(](?<=[。！？”][（(])\s*((?:新华社记者|本报记者|记者|通讯员)\s*[\u4e00-\u9fff·]{2,4}(?:\s[\u4e00-\u9fff·]{2,4})*"
    r"|[\u4e00-\u9fff]\s[\u4e00-\u9fff]{1,2})\s*[）)]"
)
_LEAD_INSIDE = re.compile(r"(本报(?<=\S本报)(?:讯|记者\s*[\u4e00-\u9fff]{2,4}\s))")
_SENT_END = re.compile(r"[。！？”]")
# a line this long holds several paragraphs: headings may be glued inside it
# (the longest seed paragraph is ~480 characters; flattened bodies run to 1000s)
FLAT_LINE = 600
# a line longer than this is prose: furniture (<= 80), bylines (<= 40), organisation
# lines (<= 30) and headings (<= headlines.MAX_HEADING) are all shorter
_PROSE = 80


@dataclass(slots=True)
class Piece:
    """One unit of page text with its clean form and kind."""

    idx: int
    line_no: int
    raw: str
    text: str
    md: int = 0
    kind: str = "text"  # text | heading | furniture | byline_top | byline_end | author | dup
    fkind: str | None = None
    names: list[str] = field(default_factory=list)
    key: str = ""
    dup_of: int | None = None


def _labels(text: str) -> list[tuple[int, str]]:
    """(start, label) of each ``记者：`` (2-4 CJK characters and a colon at a line start or after a sentence end).

    Found from the colons (a few per page) rather than tried at every position.
    """
    out = []
    i = text.find("：")
    while i >= 0:
        j = i
        while j > 0 and i - j < 5 and "\u4e00" <= text[j - 1] <= "\u9fff":
            j -= 1
        if 2 <= i - j <= 4 and (j == 0 or text[j - 1] in _LABEL_BEFORE):
            out.append((j, text[j:i]))
        i = text.find("：", i + 1)
    return out


_TURN_LAST = frozenset(
    lbl[-1] for lbl in TURN_LABELS
)  # 者 问 答 人: a turn label ends in one, before its colon


def _may_have_turn(page: str) -> bool:
    """False when no colon follows the last character of a turn label: ``_labels`` would find none (most pages).

    Walks the colons (a few per page) with ``str.find``: a substring test per label
    (``"记者：" in page``) costs more on CJK text.
    """
    i = page.find("：")
    while i >= 0:
        if i and page[i - 1] in _TURN_LAST:
            return True
        i = page.find("：", i + 1)
    return False


def _turn_labels(page: str) -> set[str]:
    if not _may_have_turn(page):
        return set()
    counts = Counter(label for _start, label in _labels(page))
    if not any(lbl in counts for lbl in TURN_LABELS):
        return set()
    return {lbl for lbl, c in counts.items() if lbl in TURN_LABELS or c >= 2}


def _split_long(text: str, labels: set[str], flat: bool = False) -> list[tuple[str, str | None]]:
    """Split one clean line into (text, forced_kind) pieces.

    ``flat``: the page is flattened (few lines for its size), so headings may
    be glued into the text (see ``glued``).
    """
    out: list[tuple[str, str | None]] = []
    body, trailer = furniture.split_trailer(text) if ("转自" in text or "来源" in text) else (text, None)
    cuts: set[int] = set()
    forced: dict[int, str] = {}  # piece start -> forced kind
    ends: list[int] = []
    for m in _GLUED_END.finditer(body) if "（" in body else ():
        cuts.add(m.start())
        cuts.add(m.end())
        ends.append(m.end())
        forced[m.start()] = "byline_end"
    if labels and "：" in body:
        for start, label in _labels(body):
            if label in labels and start > 0:
                cuts.add(start)
    for m in _LEAD_INSIDE.finditer(body) if "本报" in body else ():
        start = m.start()
        prev = body[max(0, start - 45) : start]
        se = [x.end() for x in _SENT_END.finditer(prev)]
        if se:
            head_start = start - len(prev) + se[-1]
            before = body[head_start:start]
            if before and headlines.is_heading_like(before):
                cuts.add(head_start)
        cuts.add(start)
    if flat:
        extra = glued.furniture_cuts(body) if "（" in body else set()
        cuts |= extra | glued.repeat_cuts(body)
        for c, kind in glued.glued_cuts(body, [e for e in ends if e in cuts] + sorted(extra)).items():
            cuts.add(c)
            if kind:
                forced.setdefault(c, kind)
    if not cuts:
        pieces: list[tuple[str, str | None]] = [(body, None)]
    else:
        bounds = sorted(c for c in cuts if 0 < c < len(body))
        pieces = []
        prev_c = 0
        for c in [*bounds, len(body)]:
            seg = body[prev_c:c].strip()
            if seg:
                pieces.append((seg, forced.get(prev_c)))
            prev_c = c
    out.extend(pieces)
    if trailer:
        out.append((trailer, "furniture"))
    return out


def page_pieces(page: str) -> list[Piece]:
    """Split and classify every non-blank line of a page."""
    lines: list[tuple[int, str, str, int]] = []
    raws = page.split("\n")
    # width folding and punctuation style are line-independent: once per page
    folded = normalize_page(page).split("\n")
    if len(folded) != len(raws):  # cannot happen (no rule adds/removes newlines); stay safe
        folded = [unify_punctuation(fold_width(r)) for r in raws]
    for line_no, (raw, pre) in enumerate(zip(raws, folded, strict=True), 1):
        clean = pre.strip()
        if not clean:
            continue
        md = 0
        if "#" in clean:
            body, md = strip_heading_marker(pre)
            clean = collapse_spaces(body)
        elif " " in clean:
            clean = collapse_spaces(clean)  # the same as collapse_spaces(pre): it strips first
        if clean:
            lines.append((line_no, raw, clean, md))
    labels = _turn_labels("\n".join([c for _, _, c, _ in lines])) if ("：" in page or ":" in page) else set()
    pieces: list[Piece] = []
    for line_no, raw, clean, md in lines:
        if len(clean) > 60:
            raw = raw.strip()
            if not (
                len(clean) > FLAT_LINE
                or "（" in clean
                or ("本" in clean and "本报" in clean)
                or ("转" in clean and "转自" in clean)
                or ("来" in clean and "来源" in clean)
                or (labels and "：" in clean)
            ):
                # most long lines hold none of _split_long's triggers: one piece, as it would return
                # (a one-character test first: ~4x cheaper than a two-character one on CJK text)
                pieces.append(Piece(len(pieces), line_no, raw, clean, md, ""))
                continue
            for text, forced in _split_long(clean, labels, len(clean) > FLAT_LINE):
                pieces.append(Piece(len(pieces), line_no, raw, text, md, forced or ""))
        else:
            pieces.append(Piece(len(pieces), line_no, raw.strip(), clean, md, ""))
    _classify(pieces)
    return pieces


def _classify(pieces: list[Piece]) -> None:
    n = len(pieces)
    for p, key in zip(pieces, content_keys([p.text for p in pieces]), strict=True):
        p.key = key
    for i, p in enumerate(pieces):
        if p.kind == "furniture":
            p.fkind = "source_trailer"
            continue
        if p.kind == "byline_end":
            p.names = [p.text.strip("（）() ")]
            p.text = p.names[0]
            continue
        if p.kind == "author":
            if not p.names:
                p.names = p.text.split()
            continue
        if p.kind == "byline_top":
            p.names = bylines.top_byline(p.text) or [p.text]
            continue
        if p.kind == "heading":
            continue
        t = p.text
        if len(t) > _PROSE and not p.md:  # too long for furniture, a byline, an org line or a heading
            on = bylines.org_and_names(t)
            p.kind, p.names = ("author", [on[0], *on[1]]) if on else ("text", p.names)
            continue
        fk = furniture.furniture_kind(t) if not p.md else None
        if fk:
            p.kind, p.fkind = "furniture", fk
            continue
        sig = bylines.end_byline(t)
        if sig:
            p.kind, p.names = "byline_end", [sig]
            continue
        names = bylines.top_byline(t)
        if names:
            p.kind, p.names = "byline_top", names
            continue
        on = bylines.org_and_names(t)
        if on:
            p.kind, p.names = "author", [on[0], *on[1]]
            continue
        if i + 1 < n and bylines.is_org_line(t):
            nl = bylines.name_line(pieces[i + 1].text)
            if nl:
                p.kind, p.names = "author", [t]
                pieces[i + 1].kind, pieces[i + 1].names = "author", nl
                continue
        # a lead label (本报讯 …) opens a first paragraph, however short it was cut
        p.kind = (
            "heading" if headlines.is_heading_like(t, p.md) and not bylines.starts_with_lead(t) else "text"
        )
    for i in range(n - 1):
        p = pieces[i]
        # "河北张北县德胜村——" over a heading: a kicker leading into it (prose rarely breaks at a dash)
        if p.kind == "text" and headlines.is_kicker_line(p.text) and pieces[i + 1].kind == "heading":
            p.kind = "heading"
