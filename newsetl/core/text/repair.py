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
* vocabulary: the text from the tail on should read like the head's article
  *more* than like the article it happens to sit in (character-bigram
  overlap of ~400/200 characters of context, see ``segment._choose_joins``);
* position: adjacency, a tail right after a closing signature or after
  another article's cut end (a column of tails); a tail above its head needs
  strong evidence at the cut.
* competition: a longer word across the cut with another head, and how the
  pair's vocabulary ranks among the head's other tails and the tail's other heads.
* one-to-one: a global assignment, so one head cannot steal the only tail
  another head has.

``segment._choose_joins`` describes each possible pair by these features and scores it
with a logistic model learned from real pages (``data/join_model.json``,
``newsetl_tools.evaluation.train_joins``); ``choose_joins`` assigns heads to tails
one-to-one, maximising the total log-odds over the model's threshold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import rjieba

# a piece ends a sentence if it ends in one of these (closing quotes and
# brackets count only after sentence punctuation: 说：“好。” / （完）)
_TERMINAL = re.compile(r"(?:[。！？；…：]|[。！？…][”’」』）)]+|[!?.])$")
_TERMINAL_LAST = frozenset("。！？；…：!?.")  # the alternatives of _TERMINAL, for is_open
_CLOSERS = "”’」』）)"
_TERMINAL_BEFORE_CLOSER = frozenset("。！？…")
_NOT_PLAIN_END = (
    _TERMINAL_LAST | frozenset(_CLOSERS) | {"\n"}
)  # the only last characters _ends_sentence looks further at
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
# start_shape's tests in one pattern, tried in the same order (the first alternative that
# matches names the shape): one regex call per piece instead of up to three
_SHAPE = re.compile(
    "|".join(
        (
            f"(?P<punct>{_PUNCT_START.pattern[1:]})",
            f"(?P<short>{_SHORT_FIRST_CLAUSE.pattern[1:]})",
            f"(?P<non_initial>[{''.join(sorted(NON_INITIAL_CHARS))}])",
            f"(?P<initial>{_INITIAL.pattern[1:]})",
        )
    )
)
_SHAPE_SCORE = {"punct": 3.0, "short": 1.5, "non_initial": 1.5, "initial": -2.5}


def is_open(text: str) -> bool:
    """True when a piece ends mid-sentence (a candidate head).

    Same as ``not _TERMINAL.search(text)``, looking at the end only (a search
    for an end-anchored pattern tries every position of the text).
    """
    if not text:
        return False
    last = text[-1]
    if last not in _NOT_PLAIN_END:
        return True  # the common case: a piece ending in a character that ends no sentence
    return not (_ends_sentence(text) or (last == "\n" and _ends_sentence(text[:-1])))


def _ends_sentence(text: str) -> bool:
    if not text:
        return False
    if text[-1] in _TERMINAL_LAST:
        return True
    core = text.rstrip(_CLOSERS)
    return len(core) < len(text) and bool(core) and core[-1] in _TERMINAL_BEFORE_CLOSER


def compound_at_cut(word: str, head_end: str, tail_start: str) -> bool:
    """Whether ``word``, found across the cut between ``head_end`` and ``tail_start``, is two
    dictionary words meeting at the cut (疫情|报告 in 疫情报告): whole words on both sides
    are what two unrelated lines give, a cut inside a word is what a column break gives."""
    for k in range(2, len(word) - 1):
        left, right = word[:k], word[k:]
        if head_end.endswith(left) and tail_start.startswith(right):
            return rjieba.has_word(left) and rjieba.has_word(right)
    return False


def cross_word(head_end: str, tail_start: str) -> str | None:
    """A dictionary word that spans the cut between two pieces, if any.

    Only the last/first 6 characters are segmented (fast, and long-range
    context does not matter for a word). Non-CJK tokens are ignored.
    """
    left = head_end[-6:]
    right = tail_start[:6]
    if (
        not left
        or not right
        or not ("\u4e00" <= left[-1] <= "\u9fff")
        or not ("\u4e00" <= right[0] <= "\u9fff")
    ):
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


# characters that end a jieba block (white space, Chinese punctuation): jieba segments the
# run of CJK/alphanumeric characters around a cut on its own, whatever lies beyond them
_BLOCK_BREAKS = r"\s，。、；：？！“”‘’（）《》【】…—"
_BLOCK_RUN = re.compile(f"[^{_BLOCK_BREAKS}]*")
_BLOCK_RUN_END = re.compile(
    f"[^{_BLOCK_BREAKS}]*\\Z"
)  # the first start it matches from is after the last break


def _block_start(text: str, n: int = 6) -> str:
    """The start of ``text[:n]`` up to its first block break (the part segmented with the cut)."""
    return _BLOCK_RUN.match(text, 0, n).group()  # type: ignore[union-attr]


def _block_end(text: str, n: int = 6) -> str:
    """The end of ``text[-n:]`` after its last block break."""
    return _BLOCK_RUN_END.search(text, max(len(text) - n, 0)).group()  # type: ignore[union-attr]


def cross_words(heads: Mapping[int, str], tails: Mapping[int, str]) -> dict[tuple[int, int], str]:
    """:func:`cross_word` of every (head, tail) pair that forms a word, keyed by their ids.

    A page asks for the word across nearly every head/tail pair (~200 of them);
    one rjieba call per pair costs more than the segmentation itself. Here the
    pairs are joined with NUL and segmented in one call: jieba cuts its input
    into blocks of CJK/alphanumeric characters and segments each block alone,
    and NUL (neither such a character nor white space) always ends a block and
    is a token of its own, so each pair is cut exactly as on its own (and only
    the block around the cut needs segmenting). A cut that falls on a token
    boundary has no word across it; otherwise the token spanning it is checked
    as in :func:`cross_word`.
    """
    # pairs are segmented once per distinct (head end, tail start): equal strings cut alike
    # (short tail starts cut at a comma repeat on a page: 但是， / 同时，)
    left_ids: dict[str, list[int]] = {}
    for h, text in heads.items():
        if "\u4e00" <= text[-1:] <= "\u9fff":
            left_ids.setdefault(_block_end(text), []).append(h)
    right_ids: dict[str, list[int]] = {}
    for t, text in tails.items():
        if "\u4e00" <= text[:1] <= "\u9fff":
            right_ids.setdefault(_block_start(text), []).append(t)
    if not left_ids or not right_ids:
        return {}
    lefts = list(left_ids)
    right_texts = list(right_ids)
    # pairs in (head, tail) order, each a head end glued to a tail start, NUL after each pair
    # (one str.join per head end); a pair's cut lies len(head end) into it
    n_left = np.array([len(left) for left in lefts])
    pair_len = (n_left[:, None] + np.array([len(r) + 1 for r in right_texts])).ravel()
    at = pair_len.cumsum() - pair_len + n_left.repeat(len(right_texts))
    text = "\x00".join([left + ("\x00" + left).join(right_texts) for left in lefts])
    tokens = rjieba.cut(text, False)  # no HMM: only dictionary words count
    ends = np.fromiter(map(len, tokens), np.int64, len(tokens)).cumsum()
    first_end = ends.searchsorted(at)  # the first token ending at or after each cut
    out: dict[tuple[int, int], str] = {}
    for i in (ends[first_end] != at).nonzero()[0].tolist():  # cuts inside a token
        tok = tokens[first_end[i]]
        if len(tok) >= 2 and _CJK_RUN.fullmatch(tok) and rjieba.has_word(tok):
            li, ri = divmod(i, len(right_texts))
            for h in left_ids[lefts[li]]:
                for t in right_ids[right_texts[ri]]:
                    out[h, t] = tok
    return out


def start_shape(text: str) -> float:
    """How much the start of a piece looks like a sentence continuation (+) or opener (-).

    In order: punctuation or a closing mark (3.0), a clause of <= 4 characters ending a
    sentence (1.5), a particle/suffix that cannot open a sentence (1.5), a paragraph
    opener (-2.5); else 0.
    """
    m = _SHAPE.match(text)
    return _SHAPE_SCORE[m.lastgroup] if m is not None else 0.0  # type: ignore[index]


def bigrams(text: str) -> frozenset[int]:
    """Set of CJK character bigrams: a cheap, tokenizer-free vocabulary.

    Non-CJK characters are dropped first (a few bigrams then straddle a
    number or punctuation mark: harmless noise). A bigram is coded as one
    int (first code point << 16 | second; CJK is in the BMP), built with numpy:
    half the cost of a set of character tuples, the same set operations.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = codes[
        (codes - 0x4E00) < 0x5200
    ]  # CJK only (U+4E00..U+9FFF; lower codes wrap round to large ones)
    return frozenset(((codes[:-1] << 16) | codes[1:]).tolist())


def shared_bigrams(
    texts: Sequence[str], groups: Sequence[Sequence[int]], pairs: Sequence[tuple[int, int]]
) -> list[int]:
    """``len(G & H)`` for each ``(g, h)`` of ``pairs`` (``g == h``: the size of G), in one numpy pass.

    Group ``g``'s bigram set is the union of :func:`bigrams` of ``texts[i]`` for ``i`` in
    ``groups[g]``; the counts are Python ints, so ``_cosine`` of them is :func:`overlap` of the
    sets. A page compares a few such groups (an article's text before a head, the text from a
    tail on): building each set in Python, their unions and intersections cost more than this.
    Each distinct bigram gets the bit mask of the groups holding it (all bigrams sorted
    together, masks OR-ed per bigram), and a pair counts the masks holding both its bits.
    """
    if len(groups) > 63:  # more groups than mask bits (never seen on a page): sets
        sets = [frozenset().union(*[bigrams(texts[i]) for i in ids]) for ids in groups]
        return [len(sets[g] & sets[h]) for g, h in pairs]
    text_mask = [0] * len(texts)
    for g, ids in enumerate(groups):
        for i in ids:
            text_mask[i] |= 1 << g
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = (cps - 0x4E00) < 0x5200  # CJK only (U+4E00..U+9FFF; lower codes wrap round to large ones)
    src = np.arange(len(texts), dtype=np.uint64).repeat([len(t) for t in texts])[
        keep
    ]  # text of each kept character
    k = cps[keep].astype(np.uint64)
    tagged = ((((k[:-1] << 16) | k[1:]) << 32) | src[:-1])[src[:-1] == src[1:]]  # bigram code, then its text
    if not tagged.size:
        return [0] * len(pairs)
    tagged.sort()
    code = tagged >> 32
    starts = np.concatenate(([True], code[1:] != code[:-1])).nonzero()[0]
    masks = np.bitwise_or.reduceat(
        np.array(text_mask, dtype=np.uint64)[(tagged & 0xFFFFFFFF).astype(np.intp)], starts
    )
    masks.sort()  # the few distinct masks, with their counts
    firsts = np.concatenate(([True], masks[1:] != masks[:-1])).nonzero()[0]
    counts = np.diff(np.append(firsts, len(masks)))
    want = np.array([(1 << g) | (1 << h) for g, h in pairs], dtype=np.uint64)[:, None]
    return (((masks[firsts] & want) == want) @ counts).tolist()


def overlap(a: frozenset, b: frozenset) -> float:
    """Set cosine of two bigram sets (0..1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / (len(a) * len(b)) ** 0.5


def _cosine(shared: int, n_a: int, n_b: int) -> float:
    """:func:`overlap` from the set sizes."""
    return shared / (n_a * n_b) ** 0.5 if n_a and n_b else 0.0


def overlaps3(a: str, b: str, c: str) -> tuple[float, float, float]:
    """``overlap`` of the bigram sets of (a, b), (c, b) and (c, a), without building the sets.

    For texts of a few hundred characters, Python sets cost ~50 ns a bigram to
    build; here the bigrams of all three texts are tagged with their text,
    sorted together and counted in numpy, giving the same set sizes and
    intersections (so the same floats) in about half the time. The three texts
    are encoded and filtered as one (a bigram across two of them is dropped by
    its tags), and the distinct bigrams are counted by tag combination at once.
    """
    cps = np.frombuffer((a + b + c).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = (cps >= 0x4E00) & (cps <= 0x9FFF)  # CJK only (U+4E00..U+9FFF)
    tag = _TAGS3.repeat((len(a), len(b), len(c)))[keep]
    k = cps[keep].astype(np.uint64)
    tagged = ((((k[:-1] << 16) | k[1:]) << 3) | tag[:-1])[tag[:-1] == tag[1:]]
    if not tagged.size:
        return 0.0, 0.0, 0.0
    tagged.sort()
    code = tagged >> 3
    starts = np.concatenate(([True], code[1:] != code[:-1])).nonzero()[0]
    tags = np.bitwise_or.reduceat(tagged & 7, starts)  # which texts hold each distinct bigram
    cnt = np.bincount(tags.astype(np.intp), minlength=8).tolist()  # Python ints: same rounding as sets
    n_a, n_b, n_c = (
        cnt[1] + cnt[3] + cnt[5] + cnt[7],
        cnt[2] + cnt[3] + cnt[6] + cnt[7],
        cnt[4] + cnt[5] + cnt[6] + cnt[7],
    )
    return (
        _cosine(cnt[3] + cnt[7], n_a, n_b),
        _cosine(cnt[6] + cnt[7], n_c, n_b),
        _cosine(cnt[5] + cnt[7], n_c, n_a),
    )


_TAGS3 = np.array([1, 2, 4], dtype=np.uint64)


def join_text(head: str, tail: str) -> str:
    """Concatenate a head and its tail; a space only between two ASCII words."""
    if (
        head
        and tail
        and head[-1].isascii()
        and head[-1].isalnum()
        and tail[0].isascii()
        and tail[0].isalnum()
    ):
        return f"{head} {tail}"
    return head + tail


TOP_K = 3


def choose_joins(
    heads: Iterable[int],
    tails: Iterable[int],
    score: Callable[[int, int], float | None],
    tails_of: Callable[[int], Iterable[int]] | None = None,
) -> dict[int, int]:
    """One-to-one assignment of heads to tails maximising the total score.

    ``score`` returns None when a pair is impossible; ``tails_of(head)``, if
    given, lists (in order) the only tails ``score`` can accept for that head.
    A global matching (Hungarian algorithm over the possible pairs, a head may
    stay unmatched) rather than greedy: on a page with several cut articles,
    the tail that fits one head best may be the only one that fits another.
    """
    tails = list(tails)
    pairs: dict[int, dict[int, float]] = {}
    for h in heads:
        row = {}
        for t in tails_of(h) if tails_of is not None else tails:
            if t != h:
                s = score(h, t)
                if s is not None:
                    row[t] = s
        if row:
            # the best few tails of each head are enough to resolve conflicts
            pairs[h] = dict(sorted(row.items(), key=lambda kv: (-kv[1], abs(kv[0] - h)))[:TOP_K])
    if not pairs:
        return {}
    if all(len(r) == 1 for r in pairs.values()) and len({t for r in pairs.values() for t in r}) == len(pairs):
        return {h: next(iter(r)) for h, r in pairs.items()}  # no conflict: nothing to optimise
    rows = sorted(pairs)
    cols = sorted({t for r in pairs.values() for t in r})
    # cost matrix: rows x (tails + one "unmatched" column per row); a possible
    # pair always gains something over none
    big = 1e9
    n, m = len(rows), len(cols) + len(rows)
    cost = [[big] * m for _ in rows]
    for i, h in enumerate(rows):
        for j, t in enumerate(cols):
            if t in pairs[h]:
                cost[i][j] = -max(pairs[h][t], 0.01)
        cost[i][len(cols) + i] = 0.0
    match = _hungarian(cost, n, m)
    return {rows[i]: cols[j] for i, j in enumerate(match) if j < len(cols)}


def _hungarian(cost: list[list[float]], n: int, m: int) -> list[int]:
    """Minimum-cost assignment of n rows to distinct columns (n <= m): column per row."""
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    out = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            out[p[j] - 1] = j - 1
    return out
