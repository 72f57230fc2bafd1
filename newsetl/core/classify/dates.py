"""Event date of an article: dateline or lead, the year inferred from article and page.

Order of evidence:
1. the dateline (``本报讯 2月21日``, passed by the segmenter or found in the body) ->
   precision ``day``;
2. a date opening the lead (``4月25日，…``, ``今年7月，…``, ``一季度，…``) ->
   ``day`` / ``month`` / ``quarter``, also after a short subject in the lead's first
   clause (``国家统计局4月16日发布…``, ``在国务院联防联控机制3月22日召开的…``), never
   after 截至/到/自 (a cut-off, not the event);
3. the manifest's publication date (``PageContext.publication_date``) -> ``day``;
4. the inferred year alone -> ``year`` (event_date = 1 January of that year);
5. nothing -> all ``None``. The current year is never used.

The year: the manifest's publication date when there is one (a December dateline on
a January page belongs to the year before). Otherwise explicit years and anchors:
years in the title count 3, in the body 1, statistics (``2019年，…同比增长…``) 0.5,
ranges, chart spans, forecasts and baselines (``到2025年``, ``展望2021年``, ``较2020年下降``)
nothing; a year naming an event without 年 (``2021工业互联网大会``, ``2022新能源汽车下乡活动``)
counts like an explicit year; phrases of
``date_anchors.csv`` name a year (``十四五开局之年`` 2021, ``决战脱贫攻坚`` 2020) or a
lower bound (any COVID-19 wording: 2020 or later). The page's own evidence is added
at 0.4; candidates below the article's lower bound are dropped, so 2019 statistics
on a COVID-era page never make it 2019. When only the lower bound is left, it is
the cues' year, and the evidence says so. The cues' year, the year model's and the
latest year the page reports on are candidates that ``years.rank_year`` ranks; the
best is kept only when the ranker is sure enough (a wrong year is worse than none).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

import ahocorasick_rs

from newsetl.core.classify.lexicon import date_anchors
from newsetl.core.classify.years import (
    YearRanker,
    latest_past_year,
    load_year_ranker,
    narrates_past,
    page_years,
    publication_year,
    rank_years,
    reads_as_past,
)
from newsetl.core.models import DateInfo, PageContext

# matched at each 年 (found with str.find) rather than scanned for: a pattern opening
# with a lookbehind gets no prefix search in ``re`` and is tried at every position
_YEAR_AT = re.compile(r"(?<!\d)((?:19|20)\d{2})年")
_RANGE_AFTER = re.compile(r"^(?:\d{1,2}月(?:份)?)?\s*[—\-–~～至到]\s*(?:19|20)\d{2}")
_RANGE_BEFORE = re.compile(r"(?:19|20)\d{2}(?:年)?(?:\d{1,2}月(?:份)?)?\s*[—\-–~～至到]\s*$")
_FUTURE_BEFORE = ("展望", "到", "力争", "预计", "将于", "计划", "目标", "至")
_PAST_BEFORE = ("截至", "截止")
_BASELINE_BEFORE = ("较", "比", "相比", "同比", "相较", "比上年", "对比")
# 2021工业互联网大会 / 2022“双品网购节”: a year naming an event, without 年
# one pattern per century, each opening with a literal (19, 20) that ``re`` searches for fast;
# the lookbehind (no digit or dot before the year) is checked after those two characters
_EVENT_TAIL = (
    r"(?=[“\"（(]?[\u4e00-\u9fff])"
    r"(?=[^，,。；;！!？?\n]{1,20}?(?:大会|峰会|博览会|论坛|年会|活动|网购节|购物节|大赛|展览会|交易会|会议|周))"
)
_EVENT_YEARS = tuple(re.compile(rf"({c}(?<![\d.]..)\d{{2}}){_EVENT_TAIL}") for c in ("19", "20"))
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_FULL_YEAR = re.compile(r"^(?:[，,]|全年|全国|我国|，全国|,全国|，我国|,我国)")
_STAT_WORDS = re.compile(r"同比|增长|下降|收入|规模|累计|完成|利润|产量|销量|营业|%|亿元|万元|万家|万户")
_DATELINE = re.compile(r"(?:(?P<y>(?:19|20)\d{2})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
_BODY_DATELINE = re.compile(
    r"本报讯\s*(?:[（(][^）)]{0,20}[）)])?\s*(?:记者\s*[\u4e00-\u9fff]{2,3}\s*)?"
    r"(?:(?P<y>(?:19|20)\d{2})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
)
_LEAD_DAY = re.compile(
    r"^(?:(?P<y>(?:19|20)\d{2})年|(?P<rel>今年|去年))?(?P<m>\d{1,2})月(?P<d>\d{1,2})日[，,、]"
)
_LEAD_MONTH = re.compile(r"^(?:(?P<y>(?:19|20)\d{2})年|(?P<rel>今年|去年))?(?P<m>\d{1,2})月(?:份)?[，,]")
_LEAD_QUARTER = re.compile(
    r"^(?:(?P<y>(?:19|20)\d{2})年|(?P<rel>今年|去年))?第?(?P<q>[一二三四1-4])季度(?:以来)?[，,]"
)
# a date after a short subject in the lead's first clause: 国家统计局4月16日发布数据
_LEAD_SUBJECT_DAY = re.compile(
    r"^(?P<subj>[^，,。；;\n]{1,14}?)(?:(?P<y>(?:19|20)\d{2})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
    r"(?:上午|下午|晚间|晚)?(?:召开|举行|举办|发布|印发|公布|开幕|启动|揭牌|上线|在|，|,)"
)
_NOT_EVENT_SUBJECT = ("截至", "截止", "到", "至", "自", "从", "前", "以来", "直至")
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
PAGE_FACTOR = 0.4


class ArticleAnchors(NamedTuple):
    """The ``date_anchors`` phrases occurring in an article's title and in its body."""

    title: frozenset[str]
    body: frozenset[str]


@dataclass
class YearEvidence:
    scores: dict[int, float]
    lower_bound: int | None
    notes: dict[int, list[str]]
    first: dict[int, int] = field(default_factory=dict)  # position of the first evidence per year
    anchored: set[int] = field(default_factory=set)  # years a ``date_anchors`` phrase names
    # years with more than plain mentions behind them (title, event, full-year figures, anchors)
    strong: set[int] = field(default_factory=set)


def _year_matches(text: str) -> Iterator[re.Match[str]]:
    """``(?<!\\d)((?:19|20)\\d{2})年`` over ``text``, left to right: tried only where a 年 is.

    Same matches as ``finditer``: a match is fixed by its 年, and two never overlap.
    """
    k = text.find("年", 4)
    while k >= 0:
        m = _YEAR_AT.match(text, k - 4)  # the lookbehind still sees text[k - 5]
        if m is not None:
            yield m
        k = text.find("年", k + 1)


def _event_year_matches(text: str) -> list[re.Match[str]]:
    """Years naming an event, left to right (the 19xx and 20xx matches never overlap:
    each is four digits with no digit before it)."""
    found = [m for pattern in _EVENT_YEARS for m in pattern.finditer(text)]
    if len(found) > 1:
        found.sort(key=lambda m: m.start())
    return found


class _AnchorSearch(NamedTuple):
    automaton: ahocorasick_rs.BytesAhoCorasick
    phrases: list[str]
    prefixes: list[frozenset[str]]  # per phrase: the phrases that are prefixes of it (itself too)
    # per phrase: the (byte offset, phrase as bytes, phrase) that may start inside it
    inner: list[tuple[tuple[int, bytes, str], ...]]


@functools.cache
def _anchor_search(year_only: bool = False) -> _AnchorSearch | None:
    """A leftmost-longest automaton over the ``date_anchors`` phrases (UTF-8; a few dozen keys,
    so the scan runs on a fast prefilter) and what :func:`_anchors_in` needs to find the
    phrases that a non-overlapping scan steps over. ``year_only``: the phrases naming a year
    only (no ``min_year`` bound)."""
    phrases = sorted({p for p, _y, k in date_anchors() if p and (not year_only or k != "min_year")})
    if not phrases:
        return None
    automaton = ahocorasick_rs.BytesAhoCorasick(
        [p.encode("utf-8") for p in phrases], matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
    )
    prefixes = [frozenset(q for q in phrases if p.startswith(q)) for p in phrases]
    # a phrase q can start k characters into an occurrence of p only if the rest of p and q agree
    inner = [
        tuple(
            (len(p[:k].encode("utf-8")), q.encode("utf-8"), q)
            for k in range(1, len(p))
            for q in phrases
            if q.startswith(p[k:]) or p[k:].startswith(q)
        )
        for p in phrases
    ]
    return _AnchorSearch(automaton, phrases, prefixes, inner)


def _anchors_in(text: str, year_only: bool = False) -> set[str]:
    """The ``date_anchors`` phrases occurring in ``text``; ``year_only``: only the phrases
    naming a year.

    One leftmost-longest scan (Rust): the phrases starting where a match starts are the
    prefixes of the match (the longest phrase starting there), and a phrase starting inside
    a match ``p`` must agree with the rest of ``p``, so only those few are tried there
    (``bytes.startswith``). Every occurrence starts at or inside a match: all are found.
    """
    search = _anchor_search(year_only)
    if search is None or not text:
        return set()
    data = text.encode("utf-8", "surrogatepass")
    present: set[str] = set()
    prefixes, inner = search.prefixes, search.inner
    for i, start, _end in search.automaton.find_matches_as_indexes(data):
        present |= prefixes[i]
        for k, qb, q in inner[i]:
            if q not in present and data.startswith(qb, start + k):
                present.add(q)
    return present


@functools.cache
def _explicit_anchor_year(year: int, phrase: str) -> re.Pattern[str]:
    """``2021年是“十四五”开局之年``: an anchor restating an explicit year."""
    return re.compile(rf"{year}年[，,]?是[^。]{{0,12}}{re.escape(phrase)}")


def _names_a_time(before: str, after: str) -> bool:
    """Whether a year mention (12 characters before it, 30 after its 年) names a time the text
    tells of: not a range, a chart span, a forecast or target, a baseline, or "before Y"."""
    if _RANGE_AFTER.match(after) or _RANGE_BEFORE.search(before):
        return False
    return not (
        after.startswith(("前", "以前"))
        or (before.endswith(_FUTURE_BEFORE) and not before.endswith(_PAST_BEFORE))
        or before.endswith(_BASELINE_BEFORE)
    )


def _earlier_year_told(text: str, year: int) -> bool:
    """Whether ``text`` tells of a year before ``year`` (2009年…到了2017年: a story through the years)."""
    return any(
        int(m.group(1)) < year
        and _names_a_time(text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 30])
        for m in _year_matches(text)
    )


def _collect(
    text: str, weight: float, title: bool = False, anchors: frozenset[str] | None = None
) -> YearEvidence:
    """Year evidence in ``text``; ``anchors``: the ``date_anchors`` phrases occurring in it,
    when the caller already knows them (from the entity scan), else found here."""
    scores: dict[int, float] = {}
    notes: dict[int, list[str]] = {}
    first: dict[int, int] = {}
    lower: int | None = None
    strong: set[int] = set()

    def add(y: int, w: float, note: str, pos: int, plain: bool = False) -> None:
        scores[y] = scores.get(y, 0.0) + w
        notes.setdefault(y, []).append(note)
        first.setdefault(y, pos)
        if not plain:
            strong.add(y)

    least_p0 = load_year_ranker().plain_least_p0
    for m in _year_matches(text):
        y = int(m.group(1))
        before = text[max(0, m.start() - 12) : m.start()]
        after = text[m.end() : m.end() + 30]
        if not _names_a_time(before, after):
            continue
        if after.startswith("以来"):
            lower = max(lower or y, y)
            continue
        sentence = _SENTENCE_END.split(after, maxsplit=1)[0]
        pos = m.start()
        if title:
            add(y, 3.0 * weight, f"{y}年 in title", pos)
        elif _STAT_WORDS.search(sentence[:25]):
            if _FULL_YEAR.match(after):
                # full-year figures for Y are reported once Y is over: Y or Y+1
                lower = max(lower or y, y)
                add(y, 0.5 * weight, f"{y}年 (full-year statistics)", pos)
                add(y + 1, 0.5 * weight, f"{y}年 full-year statistics (reported in {y + 1}?)", pos)
            else:
                add(y, 0.5 * weight, f"{y}年 (statistics)", pos, plain=True)
        elif after.startswith(("是", "，是", ",是")):
            add(y, 0.5 * weight, f"{y}年是… (may look ahead)", pos, plain=True)
        elif reads_as_past(text, m.start(1), m.end(1), least_p0):
            continue  # a plain mention the year model reads as an earlier year is no cue
        else:
            add(y, weight, f"{y}年", pos, plain=True)
    for m in _event_year_matches(text):
        y = int(m.group(1))
        if title:
            add(y, 3.0 * weight, f"{y} naming an event in title", m.start())
        else:
            add(y, weight, f"{y} naming an event", m.start())
    present = _anchors_in(text) if anchors is None else anchors
    anchored: set[int] = set()
    if not present:
        return YearEvidence(scores, lower, notes, first, set(), strong)
    rows = _anchor_rows()
    # the seed's rows of the phrases present, in the seed's order: scores and notes add up as before
    for _i, phrase, y, kind in sorted(row for p in present for row in rows[p]):
        if kind == "min_year":
            lower = max(lower or y, y)
            continue
        # "2021年是“十四五”开局之年": the explicit year is already counted
        n, pos, restated = _occurrences_of(text, phrase)
        if restated:
            n -= len(_explicit_anchor_year(y, phrase).findall(text))
        if n > 0:
            add(y, min(n, 2) * weight, phrase, pos)
            anchored.add(y)
    return YearEvidence(scores, lower, notes, first, anchored, strong)


@functools.cache
def _anchor_rows() -> dict[str, list[tuple[int, str, int, str]]]:
    """phrase -> its ``date_anchors`` rows as (seed position, phrase, year, kind)."""
    rows: dict[str, list[tuple[int, str, int, str]]] = {}
    for i, (phrase, y, kind) in enumerate(date_anchors()):
        rows.setdefault(phrase, []).append((i, phrase, y, kind))
    return rows


def _occurrences_of(text: str, phrase: str) -> tuple[int, int, bool]:
    """(``text.count(phrase)``, ``text.find(phrase)``, whether a 是 stands in the 13 characters
    before an occurrence): without that 是 no ``_explicit_anchor_year`` match can end there."""
    n = 0
    restated = _self_overlapping(phrase)  # then an occurrence can hide inside a counted one: look
    first = k = text.find(phrase)
    while k >= 0:
        n += 1
        if not restated and "是" in text[max(0, k - 13) : k]:
            restated = True
        k = text.find(phrase, k + len(phrase))
    return n, first, restated


@functools.cache  # called with ``date_anchors`` phrases only: a bounded set
def _self_overlapping(phrase: str) -> bool:
    return any(phrase[:i] == phrase[-i:] for i in range(1, len(phrase)))


@functools.lru_cache(maxsize=1)  # the page being classified: its articles come one after another
def _page_evidence(page_text: str) -> YearEvidence:
    """A page's evidence is the same for all its articles: computed once per page.

    One entry, not more: a larger cache would also serve a later page with the same text,
    which flatters a benchmark whose synthetic pages repeat (real pages differ).

    Only its scores and notes count (an article's year is bounded by its own wording alone),
    so the anchors bounding a year (``min_year``: the COVID-19 wording, frequent) are not
    searched for, and no lower bound is returned."""
    evidence = _collect(page_text, PAGE_FACTOR, anchors=frozenset(_anchors_in(page_text, year_only=True)))
    evidence.lower_bound = None
    return evidence


def _fmt_notes(notes: list[str]) -> str:
    counts: dict[str, int] = {}
    for n in notes:
        counts[n] = counts.get(n, 0) + 1
    return ", ".join(f"{k}×{v}" if v > 1 else k for k, v in counts.items())


class YearCues(NamedTuple):
    """The weighted cues of an article and its page (``_collect``), and the year they choose."""

    year: int | None
    note: str | None
    scores: dict[int, float]  # article, title and page weight per year (after the lower bound)
    article: dict[int, float]  # the article's and title's own weight per year
    lower: int | None  # the earliest year the article's wording allows
    anchored: bool = False  # a ``date_anchors`` phrase of the article or its page names the year
    plain: bool = False  # only plain mentions (``2005年…``, statistics, ``2018年是…``) name the year


def infer_year(
    title: str | None,
    body: str,
    page_text: str = "",
    anchors: ArticleAnchors | None = None,
    ranker: YearRanker | None = None,
) -> tuple[int | None, str | None]:
    """(year, evidence) of the page an article was printed on; (None, None) when nothing says enough.

    The weighted cues (``year_cues``) choose a year; the year model speaks where
    they find nothing or the page reports on a later year (``_cues_year``). On a
    page naming years often enough, the ranker (``years.rank_years``) then rates
    every candidate: the year is withdrawn when another candidate is likely or
    the chosen one is not. Where the page says little, the cues stand.
    """
    cues = year_cues(title, body, page_text, anchors)
    text = page_text or (f"{title}\n{body}" if title else body)
    year, note = _cues_year(cues, text)
    page = page_years(text)
    ranker = ranker or load_year_ranker()
    if year is None:
        return None, None
    if len(page.mentioned) < ranker.min_mentions:
        if (
            year == cues.year
            and cues.article.get(year, 0.0) <= 0.0
            and year != cues.lower
            and page.posterior
            and page.posterior.get(year, 0.0) < PAGE_ONLY_P
        ):
            # only the page's other articles name the year, rarely, and the year model doubts it
            return None, None
        if year == cues.year and cues.plain and (_earlier_year_told(text, year) or narrates_past(text, year)):
            # the page's only year tells a story of the past, or comes after an earlier one in it
            return None, None
        return year, note
    probs = rank_years(page, cues.scores, cues.article, cues.year, cues.lower, ranker)
    if not probs:
        return year, note
    best = max(probs, key=lambda y: (probs[y], y))
    # in January and February a page reviews the year just ended: its year needs more
    least = max(ranker.least_cue, ranker.least_early) if page.month in (1, 2) else ranker.least_cue
    unlikely = probs.get(year, 0.0) < least and not (cues.anchored and year == cues.year)
    if (best != year and probs[best] >= ranker.veto_other) or unlikely:
        return None, None  # the page's evidence points elsewhere: no year rather than a wrong one
    return year, f"{note} (ranked p={probs.get(year, 0.0):.2f})"


def _cues_year(cues: YearCues, text: str) -> tuple[int | None, str | None]:
    """The cues' year, the year model's where they find nothing, None where the page reports on a later year."""
    if cues.year is not None:
        latest = latest_past_year(text)
        if latest is not None and cues.year < latest:
            # the page reports on a later year than the cues': their year cannot be its own
            _y, _p, post = publication_year(text)
            if post.get(latest, 0.0) >= LATEST_P:
                return (
                    latest,
                    f"year {latest}: the latest year the page reports on (year model, p={post[latest]:.2f})",
                )
            return None, None
        return cues.year, cues.note
    year, p, _post = publication_year(text)
    if year is not None:
        return year, f"year {year}: the page's year mentions (year model, p={p:.2f})"
    return None, None


PAGE_ONLY_P = 0.5  # the year model's least probability for a year only other articles name
LATEST_P = 0.95  # the year model's least probability for the latest reported year to stand instead


def year_cues(
    title: str | None, body: str, page_text: str = "", anchors: ArticleAnchors | None = None
) -> YearCues:
    """The year weighted cues of the article and its page choose, with the weights behind it.

    ``anchors``: the ``date_anchors`` phrases in the title and in the body, if known.
    """
    art = _collect(body, 1.0, anchors=anchors.body if anchors else None)
    if title:
        t = _collect(title, 1.0, title=True, anchors=anchors.title if anchors else None)
        for y, s in t.scores.items():
            art.scores[y] = art.scores.get(y, 0.0) + s
            art.notes.setdefault(y, []).extend(t.notes[y])
            art.first[y] = -1
        art.anchored |= t.anchored
        art.strong |= t.strong
        if t.lower_bound:
            art.lower_bound = max(art.lower_bound or 0, t.lower_bound)
    page = _page_evidence(page_text) if page_text else YearEvidence({}, None, {})
    lower: int | None = art.lower_bound
    combined: dict[int, float] = {}
    for src in (art.scores, page.scores):
        for y, s in src.items():
            combined[y] = combined.get(y, 0.0) + s
    kept = {y: s for y, s in combined.items() if lower is None or y >= lower}
    if kept:
        # ties: more article evidence, then the year the article names first
        if len(kept) == 1:
            (year,) = kept
        else:
            year = max(
                kept,
                key=lambda y: (round(kept[y], 6), art.scores.get(y, 0.0), -art.first.get(y, 1 << 30), y),
            )
        parts = []
        if year in art.notes:
            parts.append("article: " + _fmt_notes(art.notes[year]))
        if year in page.notes:
            parts.append("page: " + _fmt_notes(page.notes[year]))
        dropped = sorted(y for y in combined if y not in kept)
        if dropped:
            parts.append(
                f"ignored {','.join(map(str, dropped))} (before {lower}, the COVID-19 period or a 以来 bound)"
            )
        anchored = year in art.anchored or year in page.anchored
        plain = year != lower and year not in art.strong and year not in page.strong
        return YearCues(
            year, f"year {year} from " + "; ".join(parts), kept, dict(art.scores), lower, anchored, plain
        )
    if lower is not None:
        return YearCues(
            lower,
            f"year {lower}: earliest year allowed by the article's wording (COVID-19 period or 以来)",
            kept,
            dict(art.scores),
            lower,
        )
    return YearCues(None, None, kept, dict(art.scores), lower)


_PATH_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})([-_/.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")


def date_from_path(path: str) -> date | None:
    """A publication date written in a file's path (``20200105``, ``2020-01-05``, ``2020/01/05``), last one wins."""
    found = None
    for m in _PATH_DATE.finditer(path):
        found = _safe_date(int(m.group(1)), int(m.group(3)), int(m.group(4))) or found
    return found


def _parse_iso(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _year_for(month: int, pub: date | None, inferred: int | None) -> int | None:
    if pub is not None:
        return pub.year - 1 if month > pub.month + 1 else pub.year  # a December dateline on a January page
    return inferred


_SOURCE = re.compile(
    r"^\s*(?:本报讯|本报记者\s*[\u4e00-\u9fff]{2,3}|[（(]?(?:本报)?记者[\u4e00-\u9fff \u3000、]{2,12}[）)]?)\s*"
)


def _strip_source(body: str) -> str:
    """Drop the source tags opening a body: 本报讯（记者 宋婧）, 本报记者 张心怡 …"""
    for _ in range(3):
        stripped = _SOURCE.sub("", body, count=1)
        if stripped == body:
            break
        body = stripped
    return body


def infer_date(
    title: str | None,
    body: str,
    ctx: PageContext,
    dateline: str | None = None,
    anchors: ArticleAnchors | None = None,
) -> DateInfo:
    pub = _parse_iso(ctx.publication_date)
    pub_source = "the manifest's publication date"
    if pub is None:
        pub, pub_source = date_from_path(ctx.file_name), "the date in the file's path"
    if pub is not None:
        year: int | None = pub.year
        year_note: str | None = f"year {pub.year} from {pub_source} {pub.isoformat()}"
    else:
        year, year_note = infer_year(title, body, ctx.page_text, anchors)

    # 1. the dateline
    m = _DATELINE.search(dateline) if dateline else None
    src = f"dateline {dateline}"
    if m is None:
        m = _BODY_DATELINE.search(body[:200])
        src = f"dateline {m.group(0)}" if m else ""
    if m is not None:
        mo, d = int(m.group("m")), int(m.group("d"))
        y = int(m.group("y")) if m.group("y") else _year_for(mo, pub, year)
        ev = src if m.group("y") else f"{src}; {year_note}" if y is not None else src
        when = _safe_date(y, mo, d) if y is not None else None
        if when is not None:
            return DateInfo(when.isoformat(), "day", when.year, ev)
        if y is None:
            return DateInfo(None, None, None, f"{src}: no year could be inferred")

    # 2. a date opening the lead
    lead = _strip_source(body.lstrip())[:40]
    for pat, precision in ((_LEAD_DAY, "day"), (_LEAD_MONTH, "month"), (_LEAD_QUARTER, "quarter")):
        lm = pat.match(lead)
        if not lm:
            continue
        if lm.group("y"):
            y = int(lm.group("y"))
        elif lm.group("rel") == "去年":
            y = year - 1 if year is not None else None
        else:
            y = year
        if y is None:
            break
        if precision == "day":
            when = _safe_date(y, int(lm.group("m")), int(lm.group("d")))
        elif precision == "month":
            when = _safe_date(y, int(lm.group("m")), 1)
        else:
            when = _safe_date(y, (_QUARTERS[lm.group("q")] - 1) * 3 + 1, 1)
        if when is not None:
            ev = f"lead {lm.group(0).rstrip('，,、')}"
            if not lm.group("y"):
                ev += f"; {year_note}"
            return DateInfo(when.isoformat(), precision, when.year, ev)

    sm = _LEAD_SUBJECT_DAY.match(lead)
    if sm and not any(w in sm.group("subj") for w in _NOT_EVENT_SUBJECT):
        y = int(sm.group("y")) if sm.group("y") else _year_for(int(sm.group("m")), pub, year)
        when = _safe_date(y, int(sm.group("m")), int(sm.group("d"))) if y is not None else None
        if when is not None:
            ev = f"lead {sm.group(0).rstrip('，,')}"
            if not sm.group("y"):
                ev += f"; {year_note}"
            return DateInfo(when.isoformat(), "day", when.year, ev)

    # 3. the manifest
    if pub is not None:
        return DateInfo(pub.isoformat(), "day", pub.year, f"{pub_source} {pub.isoformat()}")
    # 4. the year alone
    if year is not None:
        return DateInfo(f"{year:04d}-01-01", "year", year, year_note)
    return DateInfo(None, None, None, None)


def read_manifest(directory: str | Path) -> dict[str, dict[str, str | None]]:
    """``manifest.csv`` next to the input files: file_name -> {publication_date, source, page}.

    Missing file: ``{}``. Columns other than ``file_name`` are optional; an
    unparseable publication date is kept as ``None`` rather than guessed.
    """
    path = Path(directory) / "manifest.csv"
    if not path.is_file():
        return {}
    out: dict[str, dict[str, str | None]] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            name = (row.get("file_name") or "").strip()
            if not name:
                continue
            pub = _parse_iso(row.get("publication_date"))
            out[name] = {
                "publication_date": pub.isoformat() if pub else None,
                "source": (row.get("source") or "").strip() or None,
                "page": (row.get("page") or "").strip() or None,
            }
    return out


__all__ = [
    "ArticleAnchors",
    "YearCues",
    "infer_date",
    "infer_year",
    "read_manifest",
    "year_cues",
]
