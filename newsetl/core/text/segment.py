"""Segment a page into whole articles in reading order.

Pipeline (each step a small pure function of the previous one's output):

1. ``pieces.page_pieces``: clean lines cut into typed pieces.
2. ``dedup.find_duplicates`` over text pieces: repeated copies are set aside,
   remembering where they were (a copy inside another article is evidence
   that a title-less block belongs to that article).
3. ``repair``: heads (open pieces) are assigned to tails by evidence.
4. A walk in page order builds articles: a heading block opens an article
   or becomes a subhead; a closing signature closes the article; a tail
   joined to a distant head switches back to that head's article, so the
   text following it goes there too.
5. Title-less blocks whose copies sit inside another article are merged
   into it; fields (bylines, lead label, dateline) are lifted from the body;
   fragments are flagged; ids are derived from doc id, position and content.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

from newsetl.core.models import Article, Furniture, Join, PageResult, Paragraph
from newsetl.core.text import bylines, headlines, repair
from newsetl.core.text.dedup import find_duplicates
from newsetl.core.text.furniture import trailer_source
from newsetl.core.text.linear import load_model
from newsetl.core.text.normalize import content_key
from newsetl.core.text.pieces import Piece, page_pieces

HEADING_CROSS = (
    4  # a heading is a cut head on a word of this length across the cut (or a tail that cannot open)
)
CTX_CHARS = 400  # article text before a head compared with a tail (400-600 measured best)
BLOCK_CHARS = 200  # text from a tail on


@dataclass(slots=True)
class _Para:
    text: str
    kind: str
    pieces: list[int]


@dataclass(eq=False, slots=True)
class _Draft:
    start: int  # first piece index (reading order)
    heading: list[Piece] = field(default_factory=list)
    paras: list[_Para] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    opened_by: str | None = None  # heading | byline | lead | orphan | tail
    closed: bool = False
    cont_start: bool = False
    cont_end: bool = False
    source_label: str | None = None
    joins: list[Join] = field(default_factory=list)
    dups: int = 0
    dup_slots: dict[int, int] = field(default_factory=dict)  # kept piece idx -> para slot of its copy
    lines: list[int] = field(default_factory=list)
    raws: dict[int, str] = field(default_factory=dict)
    summary_first: bool = False  # its first paragraph is a summary between the title and the lead

    def text_paras(self) -> list[_Para]:
        return [p for p in self.paras if p.kind == "text"]

    def last_text_piece(self) -> int | None:
        for p in reversed(self.paras):
            if p.kind == "text":
                return p.pieces[-1]
        return None

    def tail_text(self, n: int = 3) -> str:
        """The last ``n`` text paragraphs, joined (found from the end)."""
        out: list[str] = []
        for p in reversed(self.paras):
            if p.kind == "text":
                out.append(p.text)
                if len(out) == n:
                    break
        out.reverse()
        return "".join(out)


class _Page:
    """Mutable state of one segmentation (kept local to one call)."""

    def __init__(self, pieces: list[Piece]):
        self.p = pieces
        # bylines.starts_with_lead of every piece (asked ~2x per piece; piece texts are fixed from here on)
        self.leads = [bylines.starts_with_lead(x.text) for x in pieces]
        # content neighbours of each piece, fixed once de-duplication has set the kinds
        self._prev: list[Piece | None] | None = None
        self._next: list[Piece | None] | None = None

    def lead(self, i: int) -> bool:
        """``bylines.starts_with_lead`` of a piece's text."""
        return self.leads[i]

    def index_content(self) -> None:
        """Record every piece's content neighbours; call when no piece changes kind any more."""
        prev: list[Piece | None] = []
        last: Piece | None = None
        for x in self.p:
            prev.append(last)
            if x.kind != "furniture" and x.kind != "dup":
                last = x
        nxt: list[Piece | None] = []
        last = None
        for x in reversed(self.p):
            nxt.append(last)
            if x.kind != "furniture" and x.kind != "dup":
                last = x
        nxt.reverse()
        self._prev, self._next = prev, nxt

    def content_neighbours(self) -> tuple[list[Piece | None], list[Piece | None]]:
        """The previous and next content piece of every piece (see ``index_content``)."""
        if self._prev is None or self._next is None:
            self.index_content()
        return self._prev, self._next  # type: ignore[return-value]

    def prev_content(self, i: int) -> Piece | None:
        """Previous piece that is not furniture or a set-aside copy."""
        if self._prev is not None:
            return self._prev[i]
        for j in range(i - 1, -1, -1):
            if self.p[j].kind not in ("furniture", "dup"):
                return self.p[j]
        return None

    def next_content(self, i: int) -> Piece | None:
        if self._next is not None:
            return self._next[i]
        for j in range(i + 1, len(self.p)):
            if self.p[j].kind not in ("furniture", "dup"):
                return self.p[j]
        return None


def _mark_duplicates(page: _Page) -> None:
    ids = [x.idx for x in page.p if x.kind in ("text", "heading") and not x.md]
    dropped = find_duplicates([page.p[i].key for i in ids])
    for a, b in dropped.items():
        pa, pb = page.p[ids[a]], page.p[ids[b]]
        if pa.kind == "heading" and pb.kind == "heading":
            continue  # a repeated heading is a subhead echoing a title, not a copy
        if pa.idx < pb.idx and _pull_quote(page, pa.idx):
            continue  # a summary line printed under the title and again in the text: both are the article's
        pa.kind, pa.dup_of = "dup", pb.idx
    # the short tail of a copied cut pair (…提 / 供了强劲的支撑。) is a copy too
    for x in page.p:
        if x.kind != "dup" or x.dup_of is None:
            continue
        na, nb = page.next_content(x.idx), page.next_content(x.dup_of)
        if (
            na is not None
            and nb is not None
            and na.kind == "text"
            and na.key
            and na.key == nb.key
            and na.idx != nb.idx
        ):
            na.kind, na.dup_of = "dup", nb.idx
    page.index_content()  # kinds are final from here on


def _pull_quote(page: _Page, i: int) -> bool:
    """An unpunctuated line among the first lines under a heading (a pull quote or summary)."""
    if not repair.is_open(page.p[i].text):
        return False
    for j in range(i - 1, max(-1, i - 4), -1):
        x = page.p[j]
        if x.kind == "heading":
            return True
        if x.kind == "text" and not repair.is_open(x.text):
            return False
    return False


_OPENS = ("heading", "byline_top", "author")  # kinds after which text opens an article (an opener)
_CTX_STOP = frozenset(("heading", "byline_top", "author", "byline_end"))


def _article_before(page: _Page, i: int, cap: int | None = None) -> tuple[int, ...]:
    """The pieces of the article piece ``i`` sits in, up to and including ``i`` (back to its heading or lead).

    Its vocabulary is the union of their bigrams (see ``repair.shared_bigrams``).
    """
    cap = cap or CTX_CHARS
    ids: list[int] = []
    n = 0
    for j in range(i, -1, -1):
        x = page.p[j]
        if j != i and x.kind in _CTX_STOP:
            break
        if x.kind == "text" or j == i:
            ids.append(j)
            n += len(x.text)
            if n >= cap or page.leads[j]:
                break
    return tuple(ids)


def _block_from(page: _Page, t: int, cap: int | None = None) -> tuple[int, ...]:
    """The pieces of the text from piece ``t`` on, as far as it may run in one article (a tail and what follows)."""
    cap = cap or BLOCK_CHARS
    ids: list[int] = []
    n = 0
    for j in range(t, len(page.p)):
        x = page.p[j]
        if j != t and (x.kind in _CTX_STOP or (x.kind == "text" and page.leads[j])):
            break
        if x.kind in ("text", "heading"):
            ids.append(j)
            n += len(x.text)
            if n >= cap or (j != t and repair.is_open(x.text)):
                break
    return tuple(ids)


def _vocab(
    page: _Page, prev_of: dict[int, Piece | None], pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], float]:
    """How much more the text from t on reads like h's article than like the one it sits in, for each (h, t).

    The bigram-set cosine of the text from the tail on (``_block_from``) with the head's article
    (``_article_before``), less its cosine with the article the tail sits in (0 when the tail
    follows no text). All the sets of a page are compared in one ``repair.shared_bigrams`` call.
    """
    slot: dict[tuple[int, ...], int] = {}  # distinct piece groups, numbered
    head_of = {h: slot.setdefault(_article_before(page, h), len(slot)) for h in {h for h, _ in pairs}}
    block_of: dict[int, int] = {}
    host_of: dict[int, int | None] = {}
    for t in {t for _, t in pairs}:
        block_of[t] = slot.setdefault(_block_from(page, t), len(slot))
        before = prev_of[t]
        host_of[t] = (
            slot.setdefault(_article_before(page, before.idx), len(slot))
            if before is not None and before.kind == "text"
            else None
        )
    pieces = sorted({j for ids in slot for j in ids})
    at = {j: k for k, j in enumerate(pieces)}
    # the counts asked for: each group's size, each pair's and each tail's host's intersection
    ask = {(g, g): 0 for g in range(len(slot))}
    for h, t in pairs:
        ask[block_of[t], head_of[h]] = 0
    for t, host in host_of.items():
        if host is not None:
            ask[block_of[t], host] = 0
    counts = repair.shared_bigrams(
        [page.p[j].text for j in pieces], [[at[j] for j in ids] for ids in slot], list(ask)
    )
    n = dict(zip(ask, counts, strict=True))
    cos = repair._cosine
    out = {}
    for h, t in pairs:
        tb, hb, host = block_of[t], head_of[h], host_of[t]
        size = n[tb, tb]
        out[h, t] = cos(n[tb, hb], size, n[hb, hb]) - (
            cos(n[tb, host], size, n[host, host]) if host is not None else 0.0
        )
    return out


def _choose_joins(page: _Page) -> dict[int, int]:
    p = page.p
    heads = [
        x.idx
        for x in p
        if x.kind in ("text", "heading")
        and repair.is_open(x.text)
        and not (
            x.kind == "heading"
            # a subtitle, a kicker leading in, a title closed by its column label (…（人民时评）) and a
            # line marked as a heading (markdown) are whole
            and (
                x.md > 0
                or headlines.is_subtitle(x.text)
                or x.text.endswith("——")
                or _LABEL_END.search(x.text)
                or _subtitle_under(page, x.idx)  # a title with its subtitle below
            )
        )
    ]
    tails = [x.idx for x in p if x.kind == "text" and x.idx > 0]
    if not heads:
        return {}

    # per-piece features computed once (pairs are heads x tails); a lead paragraph is no tail
    leads = page.leads
    tails = [t for t in tails if not leads[t]]
    shape = {t: repair.start_shape(p[t].text) for t in tails}
    page_prev, page_next = page.content_neighbours()
    nxt_of = {h: page_next[h] for h in heads}
    prev_of = {t: page_prev[t] for t in tails}
    # openers: tails that are the first text after a heading/byline (an article's first paragraph)
    opener = {t for t in tails if prev_of[t] is None or prev_of[t].kind in _OPENS}  # type: ignore[union-attr]
    # the dictionary word across each head/tail cut, for all pairs at once (absent: none)
    cross = repair.cross_words({h: p[h].text for h in heads}, {t: p[t].text for t in tails})

    def loose_heading(h: int) -> bool:
        # a heading-like head that sits after text and before another heading
        # block (not its own body, byline or lead): a short paragraph cut
        before, nxt = page_prev[h], nxt_of[h]
        return (
            before is not None
            and before.kind == "text"
            and (
                nxt is None
                or nxt.kind == "byline_end"
                or (nxt.kind == "heading" and not headlines.is_subtitle(nxt.text))
            )
        )

    loose = {h for h in heads if p[h].kind == "heading" and loose_heading(h)}

    settled_of: dict[int, bool] = {}

    def settled(h: int) -> bool:
        """True when a head's cut shows in some pair: a long word across it, or a tail that cannot open a sentence."""
        v = settled_of.get(h)
        if v is None:
            v = any(shape[t] >= 1.5 or len(cross.get((h, t), "")) >= 3 for t in tails if t > h)
            settled_of[h] = v
        return v

    pending: dict[tuple[int, int], dict[str, float]] = {}  # pairs waiting for their vocabulary

    def features(h: int, t: int) -> dict[str, float] | None:
        """What speaks for tail ``t`` continuing head ``h``, as named numbers (None: impossible)."""
        hp = p[h]
        nxt = nxt_of[h]
        adjacent = nxt is not None and nxt.idx == t
        sh = shape[t]
        cw = cross.get((h, t))
        if (
            cw is not None
            and t < h
            and hp.kind == "heading"
            and repair.compound_at_cut(cw, hp.text, p[t].text)
        ):
            cw = None  # a title ending in a word, a paragraph above opening with one: no cut shows
        strong = (cw is not None and len(cw) >= 3) or sh >= 3.0
        if hp.kind == "heading" and not strong and not (h in loose and (cw or sh > 0)):
            return None
        if (
            hp.kind == "heading"
            and sh < 3.0
            and cw is not None
            and len(cw) < HEADING_CROSS
            and h not in loose
        ):
            return None  # a heading ends a phrase: a 3-character word across it (建设司) is chance
        if not adjacent and t in opener and not (cw or sh >= 3.0):
            return None
        if t < h and not strong:
            return None  # a tail above its head needs strong evidence at the cut
        if t > h and not adjacent and not cw and sh <= 0 and settled(h):
            return None  # the head has a tail with evidence at the cut: vocabulary alone is not enough
        if t > h and not adjacent and not cw and sh < 0:
            return None  # a distant tail opening a sentence, nothing across the cut: no evidence of a cut
        f = _pair_features(hp.text, p[t].text, sh, cw)
        # a longer word across the cut with another head (tail) speaks against this pair
        n = len(cw) if cw else 0
        f["longer_cross_to_tail"] = float(cross_of_tail.get(t, 0) > max(n, 2))
        f["longer_cross_from_head"] = float(cross_of_head.get(h, 0) > max(n, 2))
        f["heading"] = float(hp.kind == "heading")
        f["loose"] = float(h in loose)
        f["opener"] = float(t in opener)
        if adjacent:
            f["adjacent"] = 1.0
            return f
        if t < h:
            f["above"] = 1.0  # the head's article text may contain the candidate: no vocabulary
            return f
        f["distance"] = min(3.0, math.log1p(t - h) / 2.0)
        before = prev_of[t]
        if before is None or before.kind == "byline_end":
            f["after_closed_article"] = 1.0  # where a moved tail sits
        elif before.kind == "text" and repair.is_open(before.text):
            f["after_cut_end"] = 1.0  # right after another article's cut end (a column of tails)
        elif before.kind == "text":
            f["after_text"] = 1.0  # inside another article's text
        pending[h, t] = f  # the vocabulary comes last, computed for all such pairs at once
        return f

    # the longest word across a cut of each tail and of each head
    cross_of_tail: dict[int, int] = {}
    cross_of_head: dict[int, int] = {}
    for (h, t), word in cross.items():
        cross_of_tail[t] = max(cross_of_tail.get(t, 0), len(word))
        cross_of_head[h] = max(cross_of_head.get(h, 0), len(word))

    # tails that cannot open a sentence, and the tails forming a long word with each head
    shape_strong = [t for t in tails if shape[t] >= 3.0]
    long_cross: dict[int, set[int]] = {}
    for (h, t), word in cross.items():
        if len(word) >= 3:
            long_cross.setdefault(h, set()).add(t)

    def tails_of(h: int) -> list[int]:
        """The tails ``features`` may accept for ``h``: a (non-loose) heading needs strong evidence at the cut.

        The same test ``features`` starts with, from the strong tails found once per page: most
        pairs on a page are headings against tails, and nearly all of them end there.
        """
        if p[h].kind != "heading" or h in loose:
            return tails
        if h not in long_cross:
            return shape_strong
        return sorted(long_cross[h].union(shape_strong))  # tails are in page order

    # every pair choose_joins asks for, described up front (the vocabulary of all pending pairs in one pass)
    feats = {(h, t): features(h, t) for h in heads for t in tails_of(h) if t != h}
    if pending:
        vocab = _vocab(page, prev_of, list(pending))
        # how each pair's vocabulary ranks among the head's other tails and the tail's other heads
        best_h: dict[int, float] = {}
        best_t: dict[int, float] = {}
        for (h, t), v in vocab.items():
            best_h[h] = max(best_h.get(h, -1.0), v)
            best_t[t] = max(best_t.get(t, -1.0), v)
        for (h, t), v in vocab.items():
            pf = pending[h, t]
            pf["vocab"] = v
            pf[f"vocab#{min(max(int((v + 0.1) / 0.05), 0), 7)}"] = 1.0
            pf["vocab_best_of_head"] = float(v >= best_h[h])
            pf["vocab_best_of_tail"] = float(v >= best_t[t])
            pf["vocab_behind_head"] = min(0.3, best_h[h] - v) * 10.0
            pf["vocab_behind_tail"] = min(0.3, best_t[t] - v) * 10.0
    scores: dict[tuple[int, int], float | None] = {}
    bar = _JOIN_MODEL.margin_threshold()
    for pair, pair_f in feats.items():
        if pair_f is None:
            scores[pair] = None
            continue
        if JOIN_TRACE is not None:
            JOIN_TRACE.append((pair_f, p[pair[0]].text, p[pair[1]].text))
        m = _JOIN_MODEL.margin(pair_f) - bar
        scores[pair] = m if m >= 0.0 else None
    return repair.choose_joins(heads, tails, lambda h, t: scores[h, t], tails_of)


def _pair_features(head: str, tail: str, shape: float, cross: str | None) -> dict[str, float]:
    """The cut between a head's end and a tail's start, as named numbers."""
    f: dict[str, float] = {f"shape#{shape:g}": 1.0}
    if cross:
        f[f"cross#{min(len(cross), 4)}"] = 1.0
    end = head[-1:]
    f["head_comma"] = float(end in "，、；：,;:")
    f["head_cjk"] = float("\u4e00" <= end <= "\u9fff")
    f["head_digit"] = float(end.isdigit())
    f["head_short"] = float(len(head) < 20)
    f["tail_short"] = float(len(tail) < 20)
    f["tail_digit"] = float(tail[:1].isdigit())
    return f


# the continuity model of column-break joins (``newsetl_tools.evaluation.train_joins``)
_JOIN_MODEL = load_model("join_model")
# (features, head text, tail text) of every head/tail pair scored, when a trainer sets it to a list
JOIN_TRACE: list[tuple[dict[str, float], str, str]] | None = None


def _heading_group(page: _Page, i: int) -> list[Piece]:
    """Consecutive heading lines from piece ``i`` (furniture between them skipped).

    A box label (``核心阅读``) or a figure callout stands alone: it is the body's first line, not
    part of the title above it."""
    group: list[Piece] = []
    j = i
    while j < len(page.p) and page.p[j].kind in ("heading", "furniture"):
        x = page.p[j]
        if x.kind == "heading":
            if group and x.md and group[-1].md and x.md != group[-1].md:
                break
            if headlines.is_box_label(x.text) and not x.md:
                if not group:
                    group.append(x)
                break
            group.append(x)
        j += 1
    return group


_TURN = re.compile(r"^(?:记者|问|主持人)：")


def _is_title(page: _Page, cur: _Draft | None, group: list[Piece], joins: dict[int, int]) -> bool:
    """Decide whether a heading block opens a new article (else: a subhead).

    Layout that only a new article has decides at once: the current article is
    closed, the block is a level-1 markdown heading, a byline, lead label or
    continuation marker follows. Every other block is scored by the title model
    (``data/title_model.json``, learned on real pages): its features are the
    weaker evidence (subtitle, a cut above, a caption above, a Q&A under a
    non-interview, how the text under it continues the article, the shape of the heading).
    """
    if cur is None or cur.closed:
        return True
    if len(group) == 1 and not group[0].md and headlines.is_box_label(group[0].text):
        return False
    if len(group) == 1 and headlines.ends_in_box_label(group[0].text):
        return False
    if len(group) == 1 and group[0].text.startswith("——") and _after_text(page, group[0].idx):
        return False  # "——潘越代表（厦门大学教授）" right under a paragraph: its attribution, not a subtitle
    md = group[0].md
    if md:
        return md == 1
    nxt = page.next_content(group[-1].idx)
    if nxt is None:
        return True
    if nxt.kind in ("byline_top", "author") or page.lead(nxt.idx):
        return True
    for j in range(group[-1].idx + 1, nxt.idx):
        if page.p[j].fkind == "continuation":
            return True
    feats = title_features(page, cur, group, nxt)
    if TRACE is not None:
        TRACE.append((feats, [g.text for g in group]))
    return _TITLE_MODEL.decide(feats)


def _subtitle_under(page: _Page, i: int) -> bool:
    nxt = page.next_content(i)
    return nxt is not None and nxt.kind == "heading" and headlines.is_subtitle(nxt.text)


def _after_text(page: _Page, i: int) -> bool:
    """The content piece before piece ``i`` is a finished sentence of body text (furniture and
    duplicates skipped); a short unpunctuated line there is a title the pieces took for text."""
    for j in range(i - 1, -1, -1):
        if page.p[j].kind not in ("furniture", "dup"):
            return page.p[j].kind == "text" and page.p[j].text.endswith(("。", "！", "？", "”", "…"))
    return False


# (features, heading lines) of every scored heading block, when a trainer sets it to a list
TRACE: list[tuple[dict[str, float], list[str]]] | None = None
_TITLE_MODEL = load_model("title_model")
_ORDINAL = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十]{1,3}[）)、]|第[一二三四五六七八九十]{1,3}|\d{1,2}[.、．]|之[一二三四五六七八九十])"
)
_LABEL_END = re.compile(r"[（(][^（）()]{2,14}[）)]$")
_CREDIT = re.compile(r"(?:摄|摄影|制图|供图|作者为|执笔|编辑|记者)")


def title_features(page: _Page, cur: _Draft, group: list[Piece], nxt: Piece) -> dict[str, float]:
    """What speaks for a heading block opening a new article, as named numbers."""
    text = "".join(g.text for g in group)
    f: dict[str, float] = {}
    f["subtitle"] = float(any(headlines.is_subtitle(g.text) for g in group))
    follow = page.next_content(nxt.idx) if nxt.kind == "text" else None
    f["author_after_first_para"] = float(follow is not None and follow.kind == "author")
    last = cur.last_text_piece()
    f["under_heading"] = float(last is None)
    f["after_cut"] = float(last is not None and repair.is_open(page.p[last].text))
    before = group[0].idx - 1
    f["after_caption"] = float(before >= 0 and page.p[before].fkind == "caption")
    if nxt.kind == "text" and _TURN.match(nxt.text):
        interview = any(_TURN.match(p.text) for p in cur.text_paras()) or any(
            headlines.is_subtitle(g.text) for g in cur.heading
        )
        f["qa_starts"] = float(not interview)
        f["qa_continues"] = float(interview)
    f["lines"] = float(len(group))
    f["chars"] = len(text) / 10.0
    f["short"] = float(len(text) <= 8)
    f["label_end"] = float(bool(_LABEL_END.search(group[-1].text)) or bool(_LABEL_END.search(group[0].text)))
    f["kicker_dash"] = float(any(g.text.endswith(("——", "—")) for g in group[:-1]))
    f["ordinal"] = float(bool(_ORDINAL.match(group[0].text)))
    f["credit"] = float(bool(_CREDIT.search(text)))
    f["quote"] = float("“" in text)
    f["question"] = float(text.endswith(("？", "?")))
    f["space"] = float(" " in group[0].text)
    f["digits"] = float(sum(c.isdigit() for c in text) >= 3)
    done = sum(len(p.text) for p in cur.paras if p.kind == "text")
    f["article_chars"] = min(3.0, done / 1000.0)
    f["article_subheads"] = min(5.0, float(sum(1 for p in cur.paras if p.kind == "subhead")))
    f["article_has_title"] = float(bool(cur.heading))
    f["next_chars"] = min(3.0, len(nxt.text) / 100.0)
    f["next_quote"] = float(nxt.text.startswith("“"))
    section, paras, under = _section_under(page, nxt.idx)
    whole = "".join(p.text for p in cur.paras)[-2000:]
    if len(whole) >= 60 and len(under) >= 60:
        ab, hb, ha = repair.overlaps3(whole, under[:800], text)
        f["cont_article"] = 10.0 * ab
        f["cont_heading_under"] = 10.0 * hb
        f["cont_heading_article"] = 10.0 * ha
    else:
        f["cont_unknown"] = 1.0
    f["section_chars"] = min(3.0, section / 500.0)
    f["section_one_para"] = float(paras == 1)
    f["two_long_lines"] = float(len(group) == 2 and min(len(g.text) for g in group) >= 6)
    f["dash_person"] = float(
        any(headlines.is_subtitle(g.text) and _PERSON_ROLE.search(g.text) for g in group)
    )
    prev_text = page.p[last].text if last is not None else ""
    f["prev_chars"] = min(3.0, len(prev_text) / 100.0)
    f["prev_closes_quote"] = float(prev_text.endswith(("。”", "！”", "？”")))
    # the same measures in bins, so that a linear model can weigh their ranges differently
    for name, step, top in _BINNED:
        if name in f:
            f[f"{name}#{min(int(f[name] / step), top)}"] = 1.0
    return f


# (feature, bin width, last bin) of the measures binned for the title model
_BINNED = (
    ("chars", 0.4, 8),
    ("section_chars", 0.3, 8),
    ("article_chars", 0.3, 8),
    ("next_chars", 0.3, 8),
    ("cont_article", 0.5, 8),
    ("cont_heading_under", 0.5, 6),
)


_PERSON_ROLE = re.compile(r"(?:委员|代表|书记|主任|局长|部长|厅长|市长|县长|院长|校长|董事长|总经理|编\s*者)")


def _section_under(page: _Page, start: int) -> tuple[int, int, str]:
    """Characters, paragraphs and text (up to 1,500 characters) from ``start`` to the next
    heading, byline or lead."""
    n = paras = 0
    texts: list[str] = []
    for j in range(start, len(page.p)):
        x = page.p[j]
        if j != start and (x.kind in _CTX_STOP or (x.kind == "text" and page.leads[j])):
            break
        if x.kind == "text":
            n += len(x.text)
            paras += 1
            texts.append(x.text)
            if n >= 1500:
                break
    return n, paras, "".join(texts)


def _add_text(page: _Page, d: _Draft, piece: Piece, head: int | None) -> None:
    """Add a text piece to a draft: joined to its paragraph when it is the tail of that paragraph's last piece."""
    paras = d.paras
    if head is not None and paras and paras[-1].kind == "text" and paras[-1].pieces[-1] == head:
        last = paras[-1]
        hp = page.p[head]
        text = piece.text
        d.joins.append(Join(head=hp.text[-12:], tail=text[:12], distance=piece.line_no - hp.line_no))
        last.text = repair.join_text(last.text, text)
        last.pieces.append(piece.idx)
    else:
        paras.append(_Para(piece.text, "text", [piece.idx]))
    d.raws.setdefault(piece.line_no, piece.raw)


def _walk(page: _Page, joins: dict[int, int]) -> tuple[list[_Draft], list[Furniture], dict[int, _Draft]]:
    joins_rev = {t: h for h, t in joins.items()}
    drafts: list[_Draft] = []
    furniture: list[Furniture] = []
    owner: dict[int, _Draft] = {}  # piece idx -> draft
    cur: _Draft | None = None
    pending_cont = False
    i = 0
    p = page.p

    def new(start: int, how: str) -> _Draft:
        nonlocal pending_cont
        d = _Draft(start=start, opened_by=how, cont_start=pending_cont)
        pending_cont = False
        drafts.append(d)
        return d

    while i < len(p):
        x = p[i]
        k = x.kind
        if k == "heading" and (x.idx in joins or x.idx in joins_rev):
            k = "text"
        if k == "furniture":
            furniture.append(Furniture(kind=x.fkind or "other", text=x.text, line_no=x.line_no))
            if x.fkind == "continuation":
                if "下转" in x.text or "转第" in x.text:
                    if cur is not None:
                        cur.cont_end = True
                elif cur is not None and not cur.paras:
                    cur.cont_start = True
                else:
                    pending_cont = True
            elif x.fkind in ("banner", "section_label") and cur is not None and cur.paras:
                # a banner/section label sits above a story, never inside one
                cur.closed = True
            elif x.fkind == "source_trailer":
                target = cur or (drafts[-1] if drafts else None)
                if target is not None and target.source_label is None:
                    target.source_label = trailer_source(x.text) or x.text
                nxt = page.next_content(x.idx)
                if (
                    cur is not None
                    and cur.last_text_piece() is not None
                    and nxt is not None
                    and nxt.kind == "heading"
                    and not headlines.is_box_label(nxt.text)
                ):
                    cur.closed = True  # a source trailer or closing note, then a heading: a new article
            i += 1
            continue
        if k == "dup":
            if cur is not None:
                cur.dups += 1
                if x.dup_of is not None:
                    cur.dup_slots.setdefault(x.dup_of, len(cur.paras))
            i += 1
            continue
        if k == "byline_end":
            if cur is None:
                cur = new(i, "orphan")
            cur.bylines.extend(x.names)
            cur.raws[x.line_no] = x.raw
            cur.closed = True
            i += 1
            continue
        if k in ("byline_top", "author"):
            # a byline under a title (or under its first paragraph) belongs to
            # it; elsewhere it opens a title-less article
            attach = cur is not None and (
                (
                    not cur.closed
                    and bool(cur.heading)
                    and len(cur.text_paras()) <= 1
                    and not (cur.bylines and k == "byline_top")
                )
                or (cur.opened_by == "byline" and not cur.paras)
            )
            if not attach or cur is None:
                cur = new(i, "byline")
            cur.bylines.extend(n for n in x.names if n not in cur.bylines)
            cur.raws[x.line_no] = x.raw
            i += 1
            continue
        if k == "heading":
            group = _heading_group(page, i)
            if _is_title(page, cur, group, joins):
                cur = new(i, "heading")
                cur.heading = group
            else:
                assert cur is not None
                cur.paras.append(
                    _Para(text=" ".join(g.text for g in group), kind="subhead", pieces=[g.idx for g in group])
                )
            for g in group:
                owner[g.idx] = cur
                cur.raws[g.line_no] = g.raw
            # skip over the group (and furniture inside it, recorded)
            last = group[-1].idx
            while i <= last:
                if p[i].kind == "furniture":
                    furniture.append(
                        Furniture(kind=p[i].fkind or "other", text=p[i].text, line_no=p[i].line_no)
                    )
                i += 1
            continue
        # text
        head = joins_rev.get(x.idx)
        if head is not None and head in owner:
            cur = owner[head]
        elif cur is None or cur.closed:
            cur = new(i, "lead" if page.leads[i] else "orphan")
        elif page.leads[i] and cur.text_paras():
            if _summary_above(page, cur, x.idx):
                cur.summary_first = True
            else:
                cur = new(i, "lead")
        _add_text(page, cur, x, head)
        owner[x.idx] = cur
        i += 1
    return drafts, furniture, owner


def _summary_above(page: _Page, cur: _Draft, i: int) -> bool:
    """Piece ``i`` (a lead) comes right under the article's head and one paragraph of at most
    ``SUMMARY_CHARS`` without a lead: a summary printed between the title and the dateline
    (习近平：…。塔米姆：…), which the lead continues."""
    paras = cur.text_paras()
    if not cur.heading or len(paras) != 1 or len(paras[0].pieces) != 1:
        return False
    j = paras[0].pieces[0]
    return (
        not page.leads[j]
        and len(page.p[j].text) <= SUMMARY_CHARS
        and _next_content_idx(page, cur.heading[-1].idx) == j
        and _next_content_idx(page, j) == i
    )


SUMMARY_CHARS = 160


def _next_content_idx(page: _Page, i: int) -> int | None:
    nxt = page.next_content(i)
    return None if nxt is None else nxt.idx


def _merge_orphans(drafts: list[_Draft], owner: dict[int, _Draft]) -> list[_Draft]:
    """Merge a title-less block into the article that holds copies of its text."""
    out = list(drafts)
    for d in drafts:
        if d.heading or d.opened_by not in ("orphan",) or d not in out:
            continue
        mine = {pi for para in d.paras for pi in para.pieces}
        for other in out:
            if other is d:
                continue
            slots = [slot for kept, slot in other.dup_slots.items() if kept in mine]
            if slots:
                at = min(slots)
                other.paras[at:at] = d.paras
                other.joins += d.joins
                other.bylines += [b for b in d.bylines if b not in other.bylines]
                other.dups += d.dups
                other.raws.update(d.raws)
                out.remove(d)
                break
    return out


def _article_id(doc_id: str, position: int, title: str | None, body: str) -> str:
    basis = f"{doc_id}\x1f{position}\x1f{title or ''}\x1f{body[:32]}"
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


def _finish(page: _Page, d: _Draft, position: int, doc_id: str) -> Article | None:
    # de-duplicate whole paragraphs again after repair (copies of joined text)
    pieces = page.p
    keys = []
    # True while every text paragraph is one text piece as found (not md): the page-level
    # de-duplication (same keys, same rules) left no copy among such pieces, so none is found here
    plain = True
    for x in d.paras:  # content key of each text paragraph: its piece's, unless joins changed the text
        if x.kind != "text":
            keys.append("")
        elif len(x.pieces) == 1 and (pc := pieces[x.pieces[0]]).text == x.text:
            keys.append(pc.key)
            if pc.kind != "text" or pc.md:
                plain = False
        else:
            keys.append(content_key(x.text))
            plain = False
    dropped = {} if plain else find_duplicates(keys)
    paras = [x for j, x in enumerate(d.paras) if j not in dropped] if dropped else list(d.paras)
    dups = d.dups + len(dropped)
    kicker, title, subtitle = (
        headlines.split_heading_block([g.text for g in d.heading]) if d.heading else (None, None, None)
    )
    first_text = next((j for j, x in enumerate(paras) if x.kind == "text"), None)
    if d.summary_first and subtitle is None and first_text is not None:
        subtitle = paras.pop(first_text).text  # printed as the subtitle: the lead opens the body
        first_text = next((j for j, x in enumerate(paras) if x.kind == "text"), None)
    source_label = d.source_label
    dateline = None
    names = list(d.bylines)
    if first_text is not None:
        rest, label, dl, reporters = bylines.split_lead(paras[first_text].text)
        if label:
            paras[first_text] = _Para(text=rest, kind="text", pieces=paras[first_text].pieces)
            source_label = label if source_label is None else f"{label}；{source_label}"
            dateline = dl
            names += [n for n in reporters if n not in names]
    paragraphs = [Paragraph(x.text, x.kind) for x in paras if x.text]
    if not any(x.kind == "text" for x in paragraphs):
        return None
    body = "\n".join(x.text for x in paragraphs)
    texts = [x for x in paras if x.kind == "text"]
    first_piece = page.p[texts[0].pieces[0]]
    last_piece = page.p[texts[-1].pieces[-1]]
    starts_cut = repair.start_shape(first_piece.text) >= 1.5  # an unjoined tail opens it
    missing_start = d.cont_start or (title is None and d.opened_by not in ("byline", "lead")) or starts_cut
    missing_end = d.cont_end or repair.is_open(texts[-1].text) or repair.is_open(last_piece.text)
    missing = (
        "both"
        if missing_start and missing_end
        else "start"
        if missing_start
        else "end"
        if missing_end
        else None
    )
    original = "\n".join(d.raws[k] for k in sorted(d.raws))
    return Article(
        position=position,
        title=title,
        body=body,
        original_text=original,
        kicker=kicker,
        subtitle=subtitle,
        bylines=names,
        source_label=source_label,
        dateline=dateline,
        paragraphs=paragraphs,
        is_fragment=missing is not None,
        missing=missing,
        joins=list(d.joins),
        duplicates_removed=dups,
        article_id=_article_id(doc_id, position, title, body),
    )


def segment_page(text: str, doc_id: str) -> PageResult:
    """Turn one page of OCR text into articles (reading order) and furniture."""
    page = _Page(page_pieces(text))
    _mark_duplicates(page)
    joins = _choose_joins(page)
    drafts, furniture, owner = _walk(page, joins)
    drafts = _merge_orphans(drafts, owner)
    drafts.sort(key=lambda d: d.start)
    articles: list[Article] = []
    for d in drafts:
        a = _finish(page, d, len(articles), doc_id)
        if a is not None:
            articles.append(a)
        elif d.heading:
            furniture.extend(Furniture(kind="other", text=g.text, line_no=g.line_no) for g in d.heading)
    furniture.sort(key=lambda f: f.line_no)
    return PageResult(articles=articles, furniture=furniture)
