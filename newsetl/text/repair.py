"""Column-break repair: find where a sentence cut at a column break continues.

A *head* is a text piece that does not end a sentence (no terminal
punctuation); a *tail* is a piece that starts mid-sentence. The tail either
follows directly (``研究制`` / ``定相应的支持政策``) or further down the page
after other articles' text (``…主管部门要主`` … ``动作为，积极对接…``).

Evidence, all of it generalising (none names a specific article):

* terminal punctuation at the end of the head (else it is not a head);
* a dictionary word formed across the cut (``主|动``, ``国|务院``,
  ``冠|状病毒``) found by segmenting only the ~12 characters around it with
  rjieba — cheap, and a strong sign the two pieces were one string;
* the shape of the tail's start: punctuation or a particle cannot open a
  sentence, a lead label (本报讯) or a Q&A turn always does;
* vocabulary: the tail should read like the head's article *more* than like
  the text it happens to follow on the page (character-bigram overlap);
* position: adjacency is a bonus, a tail above its head a small malus.

``choose_joins`` assigns heads to tails greedily by score, one each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import rjieba

# a piece ends a sentence if it ends in one of these (closing quotes and
# brackets count only after sentence punctuation: 说：“好。” / （完）)
_TERMINAL = re.compile(r"(?:[。！？；…：]|[。！？…][”’」』）)]+|[!?.])$")
# characters/words that cannot open a sentence (particles, suffixes, the
# second half of common compounds); kept short on purpose
NON_INITIAL_CHARS = frozenset("的了着得们性者之等及")
_PUNCT_START = re.compile(r"^[，。、；：！？）)”’》」』%．.…—,;:!?]")
# "不足。”杨东日表示" / "势；二是": a sentence that ends within 4 characters
_SHORT_FIRST_CLAUSE = re.compile(r"^[^，。、；：！？“”\s]{1,4}(?:[。；！？]|”)")
# openers that always start a paragraph
_INITIAL = re.compile(
    r"^(?:本报讯|本报记者|新华社|记者[：:]|问[：:]|答[：:]|[\u4e00-\u9fff]{2,4}[：:]|“|据(?:悉|了解|介绍|统计)|"
    r"\d{4}年|近日|日前|目前|此外|同时|另外|会议|今年|去年|随着|为了|对于|首先|其次|最后|一是|二是|三是|四是|五是)"
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def is_open(text: str) -> bool:
    """True when a piece ends mid-sentence (a candidate head)."""
    return bool(text) and not _TERMINAL.search(text)


@lru_cache(maxsize=4096)
def cross_word(head_end: str, tail_start: str) -> str | None:
    """A dictionary word that spans the cut between two pieces, if any.

    Only the last/first 6 characters are segmented (fast, and long-range
    context does not matter for a word). Non-CJK tokens are ignored.
    """
    left = head_end[-6:]
    right = tail_start[:6]
    if not left or not right or not ("\u4e00" <= left[-1] <= "\u9fff") or not ("\u4e00" <= right[0] <= "\u9fff"):
        return None
    cut = len(left)
    pos = 0
    for tok in rjieba.cut(left + right, False):  # no HMM: only dictionary words count
        end = pos + len(tok)
        if pos < cut < end and len(tok) >= 2 and _CJK_RUN.fullmatch(tok) and rjieba.has_word(tok):
            return tok
        pos = end
        if pos >= cut:
            break
    return None


def start_shape(text: str) -> float:
    """How much the start of a piece looks like a sentence continuation (+) or opener (-)."""
    if not text:
        return 0.0
    if _PUNCT_START.match(text):
        return 3.0
    if _SHORT_FIRST_CLAUSE.match(text):
        return 1.5
    if text[0] in NON_INITIAL_CHARS:
        return 1.5
    if _INITIAL.match(text):
        return -2.5
    return 0.0


_NON_CJK = re.compile(r"[^\u4e00-\u9fff]+")


def bigrams(text: str) -> frozenset[tuple[str, str]]:
    """Set of CJK character bigrams: a cheap, tokenizer-free vocabulary.

    Non-CJK characters are dropped first (a few bigrams then straddle a
    number or punctuation mark: harmless noise, and zip() keeps it in C).
    """
    s = _NON_CJK.sub("", text)
    return frozenset(zip(s, s[1:], strict=False))


def overlap(a: frozenset, b: frozenset) -> float:
    """Set cosine of two bigram sets (0..1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / (len(a) * len(b)) ** 0.5


def join_text(head: str, tail: str) -> str:
    """Concatenate a head and its tail; a space only between two ASCII words."""
    if head and tail and head[-1].isascii() and head[-1].isalnum() and tail[0].isascii() and tail[0].isalnum():
        return f"{head} {tail}"
    return head + tail


def choose_joins(
    heads: Iterable[int], tails: Iterable[int], score: Callable[[int, int], float | None]
) -> dict[int, int]:
    """Greedy one-to-one assignment of heads to tails by descending score.

    ``score`` returns None when a pair is impossible. Greedy is enough: a page
    has a handful of heads, and the strongest evidence (a word across the
    cut) should win over weaker adjacency.
    """
    cands: list[tuple[float, int, int]] = []
    tails = list(tails)
    for h in heads:
        for t in tails:
            if t == h:
                continue
            s = score(h, t)
            if s is not None:
                cands.append((s, -abs(t - h), h, t))  # type: ignore[arg-type]
    cands.sort(reverse=True)
    used_h: set[int] = set()
    used_t: set[int] = set()
    out: dict[int, int] = {}
    for _s, _d, h, t in cands:  # type: ignore[misc]
        if h in used_h or t in used_t:
            continue
        out[h] = t
        used_h.add(h)
        used_t.add(t)
    return out
