"""Headings and bylines glued into running text (pages flattened to one line).

When a page is printed as one long line, a title is glued to the end of the
previous article's last sentence and to the start of its own first sentence:
``…美好生活。工信部加快5G商用步伐 推动信息通信业高质量发展本报讯 2月22日，…``.
Only the start is certain (right after a sentence end); the end of the
heading is found from evidence that generalises:

* markers that always follow a headline: a lead label (本报讯, 新华社…电), a
  byline (``本报记者 X``), an author block (organisation + spaced names),
  a Q&A turn (``记者：``), a subtitle (``——访…部长 X``);
* otherwise a scored guess over word boundaries (rjieba) inside the first
  clause: a sentence opener right after the cut (dates, 近日, 据介绍…), the
  first words of the sentence repeating a word of the heading (news leads
  repeat the title: ``…高质量发展工信部召开…``), title halves of similar
  length around a space, and the heading's vocabulary recurring in the text
  that follows it more than in the text before it.

``glued_cuts`` only proposes cut positions and the kinds of the pieces that
start there; the segmenter decides whether a heading is a title or a subhead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import rjieba

from newsetl.core.text import bylines

MIN_HEAD = 6  # a glued heading has at least this many characters
MAX_HEAD = 64  # kicker + title can be long; longer runs are prose
_SENT_BOUND = re.compile(r"[。！？]+[”’」』）]*")
_CLAUSE_END = re.compile(r"[，。；！？、]")
# markers that follow a glued heading; the org-suffix lookbehind catches the
# first spaced name of an author block (…研究所王海龙 张昕婧)
_MARK = re.compile(
    r"本报讯|新华社|(?:本报(?:特约)?记者|本报通讯员|特约记者)\s(?=[\u4e00-\u9fff])|(?:记者|问|主持人)："
    r"|——|(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff]{2,4} [\u4e00-\u9fff])"
)
_ORG_END = frozenset("所院办心学部局厅委会司盟处室站社地科组团")
# words ending a role before a person's name in a subtitle (——访工信部副部长辛国斌)
_ROLE_WORD = re.compile(
    r"(?:部长|局长|司长|厅长|主任|书记|理事长|董事长|总经理|总裁|院长|所长|校长|主席|市长|省长|县长|总工程师|秘书长|负责人|专家|教授|院士)"
)
# sentence openers that may follow a glued heading (kept short; each is a
# frequent first word of a news sentence and rare inside a headline)
_OPENER = re.compile(
    r"\d{1,2}月\d{1,2}日|\d{4}年|近日|日前|近期|今年|去年|近年来|记者从|记者近日|据(?:悉|了解|介绍|统计|报道)|"
    r"针对|随着|为了|为进一步|截至|围绕|按照|根据|当前|目前|面对|自\d|[一二三四五六]是"
)
# anything that may follow a glued heading (markers, openers, a spaced pair); the lookahead
# on their first characters fails at once at other positions (trying the whole alternation
# at every position costs ~10x)
_TRIGGER_FIRST = r"[本新记问主—近日今去据针随为截围按根当目面自一二三四五六\d ]"
_TRIGGER = re.compile(rf"(?={_TRIGGER_FIRST})(?:{_MARK.pattern}|{_OPENER.pattern}| )")
# the first clause of a sentence, long enough to hold a heading and more, in a text whose
# sentence ends are all 。 (see _one_sentence_end: a literal first character is found by a
# fast scan, a character class costs a call per character)
_LONG_CLAUSE = re.compile(rf"。[”’」』）]*([^，。；！？、]{{12,{MAX_HEAD + 60}}})")
_FIRST_CLAUSE = re.compile(rf"[^，。；！？、]{{12,{MAX_HEAD + 60}}}")
_CJK_SPACE = re.compile(r"[\u4e00-\u9fff”] [\u4e00-\u9fff“]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
GUESS_BAR = 3.0  # score a marker-less guess needs


def _bounds(s: str) -> set[int]:
    """Word boundaries of ``s`` by dictionary segmentation (no HMM)."""
    out, pos = set(), 0
    for tok in rjieba.cut(s, False):
        pos += len(tok)
        out.add(pos)
    return out


def name_end(text: str, start: int) -> int:
    """End of a 2-4 character person name glued to the following text.

    Chinese names are mostly three characters: prefer 3, then 2, then 4,
    whichever is a word boundary (``诸玲珍|今年``, ``朱杰|今年``).
    """
    seg = text[start : start + 10]
    b = _bounds(seg)
    run = len(re.match(r"[\u4e00-\u9fff·]*", seg).group(0))  # type: ignore[union-attr]
    for n in (3, 2, 4):
        if n <= run and (n in b or n == run):
            return start + n
    return start + min(3, max(2, run))


def _is_name(text: str, start: int) -> bool:
    """A spaced 2-4 character token that is not a dictionary word (a name, not the next sentence)."""
    m = re.match(r"[\u4e00-\u9fff·]+", text[start : start + 8])
    if m is None or not 2 <= len(m.group(0)) <= 4:
        return False
    return not rjieba.has_word(m.group(0)) and len(next(iter(rjieba.cut(m.group(0), False)), "")) < 3


def _heading_ok(t: str) -> bool:
    return MIN_HEAD - 2 <= len(t) <= MAX_HEAD and "，" not in t and "；" not in t and bool(_CJK.search(t))


def _guess(body: str, b: int, c: str) -> int | None:
    """Best end of a marker-less heading at the start of clause ``c`` (offset ``b``), or None.

    A candidate end ``k`` splits ``c`` into the heading ``c[:k]`` and the rest ``c[k:]``;
    the rest is looked at in place (its first character, patterns matched at ``k``).
    """
    sp = _CJK_SPACE.search(c, 2)
    upper = min(MAX_HEAD, len(c) - 4)  # the rest keeps >= 4 characters
    after = before = None
    best, best_k = GUESS_BAR, None
    for k in sorted(x for x in _bounds(c) if MIN_HEAD <= x <= upper):
        ch = c[k]
        cjk = "\u4e00" <= ch <= "\u9fff"
        if not cjk and not ch.isdigit():
            continue
        if sp is not None and k <= sp.start() + 2:
            continue  # a space after the cut: the heading runs on past it
        s = 0.0
        if _OPENER.match(c, k):
            s += 2.0
        if cjk and c.find(c[k : k + 3], 0, k) >= 0:
            s += 1.5  # the lead repeats a word of the title
        if sp is not None:
            h1, h2 = sp.start() + 1, k - sp.end() + 1
            if 0.6 <= h2 / h1 <= 1.8:
                s += 1.0 if abs(h2 - h1) > 1 else 2.0  # title halves of (nearly) equal length
        if s + 2.0 <= best:
            continue  # vocabulary (at most +2) cannot lift it over the best so far
        # the heading's CJK bigrams (repair.bigrams) found in the CJK text after/before it: a
        # bigram is in the other text's bigram set exactly when it is a substring of its CJK
        # characters, so a few substring tests replace building the two sets
        hb = _cjk_pairs(c[:k])
        if hb:
            if after is None or before is None:
                after = _NON_CJK.sub("", body[b + len(c) : b + len(c) + 200])
                before = _NON_CJK.sub("", body[max(0, b - 200) : b])
            s += 2.0 * (sum(1 for x in hb if x in after) - sum(1 for x in hb if x in before)) / len(hb)
        if s > best:
            best, best_k = s, k
    return best_k


_NON_CJK = re.compile("[^\u4e00-\u9fff]+")  # all but the characters repair.bigrams keeps


def _cjk_pairs(text: str) -> set[str]:
    """:func:`repair.bigrams` of ``text`` as two-character strings."""
    s = _NON_CJK.sub("", text)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _one_sentence_end(text: str) -> str:
    """``text`` with ！ and ？ written as 。 (same length: offsets stay valid)."""
    return text.replace("！", "。").replace("？", "。")


def glued_cuts(body: str, starts_after: Iterable[int] = ()) -> dict[int, str]:
    """Cut positions in one long clean line -> kind of the piece starting there.

    Kinds: ``heading``, ``byline_top``, ``author`` or ``""`` (classify as
    usual). Position 0 may be returned (the line itself starts with a heading).
    Only long first clauses of sentences are looked at (one page-level scan
    with a literal-first pattern), and only those holding a marker, an opener
    or a spaced pair of words are segmented, so a flattened page costs little
    more than any other.
    """
    cuts: dict[int, str] = {}
    m0 = _FIRST_CLAUSE.match(body)
    starts = [(0, m0.end())] if m0 else []
    starts += [m.span(1) for m in _LONG_CLAUSE.finditer(_one_sentence_end(body))]
    for b in starts_after:  # after a closing signature （耀 文）: a sentence starts
        m = _FIRST_CLAUSE.match(body, b)
        if m:
            starts.append((b, m.end()))
    for b, e in starts:
        if not _TRIGGER.search(body, b + MIN_HEAD - 2, e):  # as in body[b:e] from MIN_HEAD - 2 (no slice)
            continue
        c = body[b:e]
        if _marked(body, b, c, cuts):
            continue
        k = _guess(body, b, c)
        if k is not None:
            cuts[b] = "heading"
            cuts[b + k] = ""
    return cuts


# greedy: the run cannot pass a sentence end anyway, and a greedy run is counted in one C loop
_SENTENCE = re.compile(r"[^。！？]{14,}[。！？]+[”’」』）]*")
_CLOSER_CHARS = "”’」』）"  # may follow a sentence end (the last class of _SENTENCE)
_CLOSERS = re.compile(f"[{_CLOSER_CHARS}]*")
# parenthesised furniture glued into text: （单位：亿元） closes a chart title,
# （图片来源：…） / （图…） is a credit line
_PAREN_FURNITURE = re.compile(r"[（(](?:单位[：:]|图片来源|图/|图：|资料图)[^）)]{0,20}[）)]")


def repeat_cuts(body: str) -> set[int]:
    """Cut around sentences printed twice in one flattened line (both copies).

    On a flattened page a repeated paragraph is glued between others, so the
    piece-level de-duplication cannot see it; cutting both copies at their
    sentence ends makes them pieces of their own, and the copy is dropped.
    """
    if not _may_repeat(body):
        return set()
    seen: dict[str, int] = {}
    cuts: set[int] = set()
    for m in _SENTENCE.finditer(body, 0, _sentences_end(body)):
        k = m.group(0)
        j = seen.get(k)
        if j is None:
            seen[k] = m.start()
            continue
        cuts.update((j, j + len(k), m.start(), m.end()))
    return cuts


def _may_repeat(body: str) -> bool:
    """False when no ``_SENTENCE`` match can occur twice: a cheap test that settles most lines.

    A match's run of >= 14 characters before its sentence end is the whole text between
    two sentence ends, less any closing marks at its start (taken by the match before), so
    two equal matches leave two equal texts once leading closing marks are stripped.
    """
    texts = body.replace("！", "。").replace("？", "。").split("。")
    keys = [t.lstrip(_CLOSER_CHARS) for t in texts if len(t) >= 14]
    return len(set(keys)) < len(keys)


def _sentences_end(body: str) -> int:
    """End of the last sentence in ``body`` (0 if none): no ``_SENTENCE`` match lies past it.

    Each start position in a run without a sentence end scans the run to its end and
    fails, so an unterminated tail costs quadratic time (a mojibake page has no 。 at
    all: ~1 ms a line); scanning only up to the last sentence end finds the same matches.
    """
    last = max(body.rfind(ch) for ch in "。！？")
    return _CLOSERS.match(body, last + 1).end() if last >= 0 else 0  # type: ignore[union-attr]


def furniture_cuts(body: str) -> set[int]:
    """Cut out parenthesised furniture glued into a flattened line, with the chart title before it."""
    cuts: set[int] = set()
    for m in _PAREN_FURNITURE.finditer(body):
        start = m.start()
        lo = max(0, start - 40)
        q = max(body.rfind(ch, lo, start) for ch in "，。；！？、")
        if q >= 0 and body[q] in "。！？":
            start = q + 1  # a chart title runs from the sentence end to its unit
        cuts.update((start, m.end()))
    return cuts


def _marked(body: str, b: int, c: str, cuts: dict[int, str]) -> bool:
    """Cuts for a heading followed by a marker inside clause ``c``; True if found."""
    for m in _MARK.finditer(c, MIN_HEAD - 2):
        tok = m.group(0)
        at = m.start()
        if tok == " ":
            # spaced names (>= 2): an author block right after an institution
            # name, spaced from it or with the first name glued to it
            if c[at - 1] in _ORG_END:
                at += 1
            else:
                at = next((at - n for n in (3, 2, 4) if at - n - 1 >= 0 and c[at - n - 1] in _ORG_END), -1)
            if at < MIN_HEAD:
                continue
        t = c[:at].strip()
        if not _heading_ok(t):
            return False
        at += b
        if tok == "新华社" and not bylines.starts_with_lead(body[at : at + 40]):
            continue
        if tok == "——":
            rm = _ROLE_WORD.search(body, at, at + 40)
            if rm is None:
                return False
            cuts[b], cuts[at], cuts[name_end(body, rm.end())] = "heading", "heading", ""
            return True
        if tok == " " or tok.endswith(" "):
            # author block or 本报记者 X: the last name is glued to the text
            kind = "author" if tok == " " else "byline_top"
            end = name_end(body, at if tok == " " else at + len(tok))
            while end + 1 < len(body) and body[end] == " " and _is_name(body, end + 1):
                end = name_end(body, end + 1)
            if kind == "author" and " " in t and t[-1] in _ORG_END:
                # title and institution spaced apart: the institution joins the names
                at = b + t.rindex(" ") + 1
            cuts[b], cuts[at], cuts[end] = "heading", kind, ""
            return True
        cuts[b], cuts[at] = "heading", ""
        return True
    return False
