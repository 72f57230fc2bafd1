"""Degrade clean articles into realistic OCR pages with known truth.

Used by the test harness (from the seed articles) and reusable by a synthetic
corpus generator. Deterministic: every random choice comes from the
``random.Random`` passed in, so a seed reproduces a page exactly.

Phenomena (names accepted in ``phenomena``):

* ``cut_adjacent``  a paragraph cut mid-sentence, the tail on the next line;
* ``cut_distant``   1-3 articles cut mid-sentence, each tail (with the rest
  of its article) moved down the page after another article's text: after a
  later article's end, or all tails in a later "column" right after the last
  cut article's head (see ``_cut_distant``);
* ``repeat_exact`` / ``repeat_truncated``  a paragraph printed twice (the
  copy whole, or cut off at 40-80 %);
* ``ascii_punct``   the whole page in ASCII punctuation (``,:()?!;"``);
* ``one_line``      each article body on a single line (title on its own line);
* ``page_one_line`` the whole page, titles included, on one line;
* ``drop_title``    one article (not the first) loses its title;
* ``furniture``     captions / banners / chart titles between articles;
* ``furniture_inside`` a caption or chart title between two paragraphs of an
  article (it must not split the article nor enter its body);
* ``no_lead``       one article loses its lead label (本报讯 …) and byline
  lines: its title must be found without those markers;
* ``reflow``        paragraph lengths vary: adjacent paragraphs merged, long
  ones split at a sentence end (the truth follows the new paragraphs);
* ``page_one_line`` joins the lines with nothing or with one space (both
  seen in flattened sources), and combines with every other phenomenon.
* ``markdown``      titles printed as ``# title`` and subheads as ``## subhead``
  (kickers and subtitles stay plain lines), as in exports from web pages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

PHENOMENA = (
    "cut_adjacent",
    "cut_distant",
    "repeat_exact",
    "repeat_truncated",
    "ascii_punct",
    "one_line",
    "page_one_line",
    "drop_title",
    "furniture",
    "furniture_inside",
    "no_lead",
    "reflow",
    "markdown",
)

_FURNITURE = (
    "图为工作人员在生产线上调试设备",
    "综合新闻",
    "2021年1—6月规模以上工业增加值同比增长速度",
    "重点行业投资情况（单位：亿元）",
)
_INSIDE = (
    "图为企业员工在车间内加紧生产",
    "（图片来源：网络）",
    "2020年1—11月主要行业增加值增长情况",
    "各地复工复产进度（单位：%）",
)
_SENT_SPLIT = re.compile(r"(?<=[。！？])(?=[^”’）])")
_ASCII = str.maketrans(
    {"，": ",", "：": ":", "（": "(", "）": ")", "？": "?", "！": "!", "；": ";", "“": '"', "”": '"'}
)
_CUT_OK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class TruthArticle:
    """One article as it should come out of the segmenter.

    ``paragraphs`` are (kind, text) pairs, kind ``text`` or ``subhead``;
    ``lead`` is printed before the first paragraph (``本报讯 2月21日，``) and
    is not part of the expected body, nor are the byline lines.
    """

    title: str | None
    paragraphs: tuple[tuple[str, str], ...]
    kicker: str | None = None
    subtitle: str | None = None
    lead: str | None = None
    top_lines: tuple[str, ...] = ()  # 本报记者 X / author block lines
    end_line: str | None = None  # （耀 文）

    def body_texts(self) -> list[str]:
        return [t for _k, t in self.paragraphs]


@dataclass
class PageTruth:
    """Expected segmentation of a built page, plus what was done to it."""

    articles: list[TruthArticle]
    applied: list[str] = field(default_factory=list)
    cuts: list[tuple[str, str]] = field(default_factory=list)  # (head end, tail start)
    repeats: int = 0


@dataclass(frozen=True)
class _Line:
    text: str
    art: int  # article index, -1 for furniture
    role: str  # title | top | text | subhead | end | furniture


def _cut_point(text: str, rng: random.Random) -> int | None:
    """A cut position strictly inside a sentence: CJK on both sides, away from the ends."""
    n = len(text)
    if n < 40:
        return None
    for _ in range(12):
        p = rng.randint(12, n - 12)
        if _CUT_OK.match(text[p - 1]) and _CUT_OK.match(text[p]):
            return p
    return None


def _reflow(a: TruthArticle, rng: random.Random) -> TruthArticle:
    """Merge some adjacent text paragraphs and split some long ones at a sentence end."""
    paras: list[tuple[str, str]] = []
    for kind, text in a.paragraphs:
        if kind == "text" and len(text) > 160 and rng.random() < 0.5:
            sents = [x for x in _SENT_SPLIT.split(text) if x]
            if len(sents) > 1:
                cut = rng.randrange(1, len(sents))
                paras += [("text", "".join(sents[:cut])), ("text", "".join(sents[cut:]))]
                continue
        if kind == "text" and paras and paras[-1][0] == "text" and len(paras) > 1 and rng.random() < 0.25:
            paras[-1] = ("text", paras[-1][1] + text)
            continue
        paras.append((kind, text))
    return replace(a, paragraphs=tuple(paras))


def _article_lines(i: int, a: TruthArticle) -> list[_Line]:
    out: list[_Line] = []
    if a.title is not None:
        if a.kicker:
            out.append(_Line(a.kicker, i, "title"))
        out.append(_Line(a.title, i, "title"))
        if a.subtitle:
            out.append(_Line(a.subtitle, i, "title"))
    out += [_Line(t, i, "top") for t in a.top_lines]
    first = True
    for kind, text in a.paragraphs:
        if kind == "text" and first and a.lead:
            text = a.lead + text
        if kind == "text":
            first = False
        out.append(_Line(text, i, "subhead" if kind == "subhead" else "text"))
    if a.end_line:
        out.append(_Line(a.end_line, i, "end"))
    return out


def _cut_distant(
    blocks: list[list[_Line]], rng: random.Random, truth: PageTruth
) -> list[tuple[int, list[_Line]]]:
    """Cut 1-3 articles mid-sentence and move each tail (with the rest of its article) down the page.

    Two layouts, both seen on real pages (seed 004 has the second): each tail
    after the end of a random later article (before the next title), or a
    "column": several articles cut, their tails printed in order right after
    the last cut article's head, so the first tail follows another article's
    cut end. Draws come from a sub-generator, so the other phenomena of a
    page are laid out as without this one.
    """
    r = random.Random(rng.random())
    m = min(len(blocks) - 1, r.choice((1, 1, 1, 2, 2, 3)))
    chosen = sorted(r.sample(range(len(blocks) - 1), m))
    column = m > 1 and r.random() < 0.5
    rests: list[tuple[int, list[_Line]]] = []
    for b in chosen:
        cands = [j for j, ln in enumerate(blocks[b]) if ln.role == "text" and len(ln.text) >= 40]
        j = r.choice(cands) if cands else None
        p = _cut_point(blocks[b][j].text, r) if j is not None else None
        if j is None or p is None:
            continue
        t = blocks[b][j].text
        truth.cuts.append((t[:p][-6:], t[p:][:6]))
        rests.append((b, [_Line(t[p:], b, "text"), *blocks[b][j + 1 :]]))
        blocks[b] = [*blocks[b][:j], _Line(t[:p], b, "text")]
    if column and len(rests) > 1:
        last = rests[-1][0]
        return [(last, rest) for _b, rest in rests]
    return [(r.randrange(b + 1, len(blocks)), rest) for b, rest in rests]


def _markdown(ln: _Line, arts: Sequence[TruthArticle]) -> _Line:
    if ln.role == "title" and ln.text == arts[ln.art].title:
        return replace(ln, text="# " + ln.text)
    if ln.role == "subhead":
        return replace(ln, text="## " + ln.text)
    return ln


def build_page(
    articles: Sequence[TruthArticle], rng: random.Random, phenomena: Sequence[str] = ()
) -> tuple[str, PageTruth]:
    """Lay articles out as one page text, applying the requested phenomena."""
    ph = set(phenomena)
    unknown = ph - set(PHENOMENA)
    if unknown:
        raise ValueError(f"unknown phenomena: {sorted(unknown)}")
    arts = list(articles)
    truth = PageTruth(articles=[], applied=sorted(ph))
    if "drop_title" in ph and len(arts) > 1:
        k = rng.randrange(1, len(arts))
        arts[k] = replace(arts[k], title=None, kicker=None, subtitle=None)
    if "no_lead" in ph:
        cands = [k for k, a in enumerate(arts) if a.lead or a.top_lines]
        if cands:
            k = rng.choice(cands)
            arts[k] = replace(arts[k], lead=None, top_lines=())
    if "reflow" in ph:
        arts = [_reflow(a, rng) for a in arts]
    blocks = [_article_lines(i, a) for i, a in enumerate(arts)]

    def pick_text(block: list[_Line], min_len: int = 40) -> int | None:
        idx = [j for j, ln in enumerate(block) if ln.role == "text" and len(ln.text) >= min_len]
        return rng.choice(idx) if idx else None

    if "repeat_exact" in ph or "repeat_truncated" in ph:
        for mode in ("repeat_exact", "repeat_truncated"):
            if mode not in ph:
                continue
            b = rng.randrange(len(blocks))
            j = pick_text(blocks[b])
            if j is None:
                continue
            text = blocks[b][j].text
            if mode == "repeat_truncated":
                text = text[: max(20, int(len(text) * rng.uniform(0.4, 0.8)))]
            pos = rng.randint(j + 1, len(blocks[b]) - (1 if blocks[b][-1].role == "end" else 0))
            blocks[b].insert(pos, _Line(text, b, "copy"))
            truth.repeats += 1
    if "cut_adjacent" in ph:
        b = rng.randrange(len(blocks))
        j = pick_text(blocks[b])
        p = _cut_point(blocks[b][j].text, rng) if j is not None else None
        if j is not None and p is not None:
            t = blocks[b][j].text
            truth.cuts.append((t[:p][-6:], t[p:][:6]))
            blocks[b][j : j + 1] = [_Line(t[:p], b, "text"), _Line(t[p:], b, "text")]
    moved: list[tuple[int, list[_Line]]] = []
    if "cut_distant" in ph and len(blocks) > 1:
        moved = _cut_distant(blocks, rng, truth)
    if "furniture_inside" in ph:
        b = rng.randrange(len(blocks))
        slots = [
            j
            for j in range(1, len(blocks[b]))
            if blocks[b][j - 1].role == "text" and blocks[b][j].role == "text"
        ]
        if slots:
            blocks[b].insert(rng.choice(slots), _Line(rng.choice(_INSIDE), -1, "furniture"))
    lines: list[_Line] = []
    for i, block in enumerate(blocks):
        if "furniture" in ph and i > 0 and rng.random() < 0.5:
            lines.append(_Line(rng.choice(_FURNITURE), -1, "furniture"))
        lines += block
        for target, rest in moved:
            if target == i:
                lines += rest
    truth.articles = arts
    if "markdown" in ph:
        lines = [_markdown(ln, arts) for ln in lines]
    texts = [ln.text for ln in lines]
    if "ascii_punct" in ph:
        texts = [t.translate(_ASCII) for t in texts]
    if "page_one_line" in ph:
        return rng.choice(("", " ")).join(texts) + "\n", truth
    if "one_line" in ph:
        out: list[str] = []
        prev_body = False
        for ln, t in zip(lines, texts, strict=True):
            body = ln.role in ("text", "copy", "end")  # titles, bylines, subheads keep their lines
            if body and prev_body:
                out[-1] += t
            else:
                out.append(t)
            prev_body = body
        return "\n".join(out) + "\n", truth
    return "\n\n".join(texts) + "\n", truth
