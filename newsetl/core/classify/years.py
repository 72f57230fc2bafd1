"""The publication year of a page, from the years it mentions and how it mentions them.

A page rarely prints its own year, but it names years all the time, and the
wording around each tells how far that year lies from the publication:
``2018年全年`` is reported once 2018 is over, ``今年…2019年`` is the year itself,
``到2025年`` looks ahead, ``2018—2022年`` is a plan. A small naive-Bayes model
(``data/year_model.json``, learned from real articles whose publication day
is known: ``python -m newsetl_tools.evaluation.train_years``) gives, for each
mention, a distribution over the offset *publication year − mentioned year*
from the characters around it and the words of its sentence. The page's
year is the one the mentions agree on; when they do not agree enough
(``threshold``), there is no year: a wrong year is worse than none.

A page's candidate years (the cues' years, the model's, the latest year it
reports on and the one after) are then rated by a logistic model over a few
named features (``data/year_ranker.json``, trained on the tuning days with
the same tool). It withdraws a year (``dates.infer_year``): on real pages
the cues' year is right only about six times in ten.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass

from newsetl.config import CLASSIFY_MODEL_DIR

OFFSETS = (-3, -2, -1, 0, 1, 2, 3)  # publication year - mentioned year
# one more class: a year further away (history, a distant target), spread over FAR_SPAN years
FAR_SPAN = 40
SENTENCE_REACH = 200
_MENTION = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?=年|—|-|－|～|~|至)")
_SENTENCE = re.compile(r"[。！？!?\n]")
_CUES = (
    "今年",
    "去年",
    "明年",
    "前年",
    "上年",
    "全年",
    "年底",
    "年末",
    "年初",
    "以来",
    "将",
    "计划",
    "目标",
    "预计",
    "力争",
    "到",
    "截至",
    "同比",
    "规划",
    "周年",
    "届",
    "开局",
    "收官",
    "春节",
    "两会",
)


# wording that always looks ahead, however rarely the training text showed it with a given year
_LOOKS_AHEAD = frozenset(("L1:到", "L1:至", "L2:力争", "L2:预计", "L2:展望", "L2:计划", "L2:目标"))
# "2021年是“十四五”开局之年" is written in that year and in the weeks before it: it bounds nothing
_AMBIGUOUS = frozenset(("R2:年是",))


RANK_FEATURES = (
    "bias",
    "model_log_p",  # log P(year) from the mention model
    "model_top",  # the mention model's most likely year
    "cue_year",  # the year the weighted cues choose
    "cue_share",  # its share of the cues' weight (article, title and page)
    "article_share",  # its share of the article's own cue weight
    "latest",  # the latest year the page reports on as past or present
    "after_latest",  # the year after it
    "before_latest",  # earlier than the latest reported year
    "mentions",  # log(1 + mentions of the year)
    "mentions_year_before",  # log(1 + mentions of the year before)
    "mentions_year_after",  # log(1 + mentions of the year after)
    "share_not_after",  # share of the page's mentions not later than the year
    "lower_bound",  # the earliest year the article's wording allows (COVID-19, 以来)
    "no_mentions",  # the page names no year at all
    "cue_top",  # the year with the most cue weight
    # in the first quarter a page reports the year just ended: the same evidence means a year later
    "early_cue_year",
    "early_latest",
    "early_after_latest",
    "early_mentions",
    "early_mentions_year_before",
    "no_month",  # the page names no day (``2月10日``) without a year
)


@dataclass(frozen=True)
class PageYears:
    """What a page's year mentions say, read once per page."""

    posterior: dict[int, float]  # the mention model's P(publication year)
    latest: int | None  # latest year named as past or present
    mentioned: tuple[int, ...]  # the years of the first ``max_mentions`` mentions, in order
    month: int | None  # the month the page's yearless days (``2月10日``) name most, the latest on ties


@dataclass(frozen=True)
class YearRanker:
    weights: tuple[float, ...]  # one per RANK_FEATURES
    min_mentions: int  # fewer year mentions on the page: too little for the ranker, the cues decide
    veto_other: float  # another candidate this likely: the cues' year is withdrawn
    least_cue: float  # the cues' year less likely than this: withdrawn
    plain_least_p0: float = 0.0  # a plain "2014年" the mention model gives P(this year) below this: no cue
    least_early: float = 0.0  # least_cue on a page of the year's first two months (if higher)


@dataclass(frozen=True)
class YearModel:
    prior: tuple[float, ...]  # log P(offset), OFFSETS then "further away"
    table: dict[str, tuple[float, ...]]  # feature -> log P(offset | feature) - log P(offset)
    threshold: float  # least posterior probability of the chosen year
    max_mentions: int


def mention_features(text: str, start: int, end: int) -> list[str]:
    """The context of one year mention ``text[start:end]`` as feature names."""
    after = text[end : end + 3]
    before = text[max(0, start - 2) : start]
    lo = max(0, start - SENTENCE_REACH)  # a sentence is read up to this far on each side
    s0 = max(lo - 1, *(text.rfind(c, lo, start) for c in "。！？!?\n")) + 1
    m = _SENTENCE.search(text, end, end + SENTENCE_REACH)
    sentence = text[s0 : m.start() if m else min(len(text), end + SENTENCE_REACH)]
    feats = ["bias", f"L2:{before}", f"L1:{before[-1:]}", f"R2:{after[:2]}", f"R3:{after}"]
    feats += [f"S:{c}" for c in _CUES if c in sentence]
    years = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", sentence)}
    y = int(text[start:end])
    if len(years) > 1:
        feats.append("S:later_year" if max(years) > y else "S:latest_year")
    return feats


def mentions(text: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """(year, features) of the year mentions in ``text``, the first ``limit`` of them (all: None)."""
    out: list[tuple[int, list[str]]] = []
    for m in _MENTION.finditer(text):
        if limit is not None and len(out) >= limit:
            break
        out.append((int(m.group(1)), mention_features(text, m.start(1), m.end(1))))
    return out


@functools.cache
def load_year_model() -> YearModel:
    data = json.loads((CLASSIFY_MODEL_DIR / "year_model.json").read_text(encoding="utf-8"))
    return YearModel(
        prior=tuple(data["prior"]),
        table={k: tuple(v) for k, v in data["table"].items()},
        threshold=float(data["threshold"]),
        max_mentions=int(data["max_mentions"]),
    )


def offset_distribution(feats: list[str], model: YearModel) -> list[float]:
    """P(offset) for one mention."""
    scores = list(model.prior)
    for f in feats:
        row = model.table.get(f)
        if row is not None:
            for i, v in enumerate(row):
                scores[i] += v
    top = max(scores)
    ex = [math.exp(s - top) for s in scores]
    z = sum(ex)
    return [e / z for e in ex]


def year_posterior(text: str, model: YearModel | None = None) -> dict[int, float]:
    """P(publication year) over the latest year the text names as past or present, and the two after it.

    Mentions the model reads as looking ahead (``到2025年``) are left out; the
    latest remaining year bounds the publication from below (a page does not
    report a year that has not begun). The mentions of that year and the one
    before it say how far it lies back (``2018年全年`` once 2018 is over,
    ``今年…2019年`` the year itself). Empty when the text names no such year.
    """
    past = _past_mentions(text, model or load_year_model())
    if not past:
        return {}
    top = max(y for y, _ in past)
    logp: dict[int, float] = {}
    for c in (top, top + 1, top + 2):
        s = 0.0
        for y, dist in past:
            if y >= top - 1:
                d = c - y
                s += math.log((dist[OFFSETS.index(d)] if d in OFFSETS else dist[-1] / FAR_SPAN) + 1e-4)
        logp[c] = s
    best = max(logp.values())
    z = sum(math.exp(v - best) for v in logp.values())
    return {c: math.exp(v - best) / z for c, v in logp.items()}


def latest_past_year(text: str, model: YearModel | None = None) -> int | None:
    """The latest year ``text`` names as past or present (a lower bound of its publication year).

    The articles of a page ask with the page's text: the last answer is kept for the next call."""
    past = _past_mentions(text, model or load_year_model())
    return max(y for y, _d in past) if past else None


def _past_mentions(text: str, model: YearModel) -> list[tuple[int, list[float]]]:
    """(year, P(offset)) of the mentions the model reads as past or present (looking ahead and
    "2021年是…" left out)."""
    return _read_mentions(text, model)[1]


def _read_mentions(text: str, model: YearModel) -> tuple[tuple[int, ...], list[tuple[int, list[float]]]]:
    """(the years of the first ``max_mentions`` mentions, the past or present ones with P(offset)):
    one reading per page, its articles ask in turn, so the last page's answer is kept."""
    if _PAST and _PAST[0][0] is text and _PAST[0][1] is model:
        return _PAST[0][2]
    found = mentions(text, model.max_mentions)
    past = [
        (y, dist)
        for y, f in found
        if not _LOOKS_AHEAD.intersection(f)
        and not _AMBIGUOUS.intersection(f)
        and sum((dist := offset_distribution(f, model))[: OFFSETS.index(0)]) < 0.5
    ]
    out = (tuple(y for y, _f in found), past)
    _PAST[:] = [(text, model, out)]
    return out


_PAST: list[tuple[str, YearModel, tuple[tuple[int, ...], list[tuple[int, list[float]]]]]] = []
_PAGE: list[tuple[str, PageYears]] = []
_LAST: list[tuple[str, tuple[int | None, float, dict[int, float]]]] = []


def publication_year(text: str, model: YearModel | None = None) -> tuple[int | None, float, dict[int, float]]:
    """(year or None, its probability, the posterior): the year is None below the model's threshold.

    The articles of a page share its text: the last answer is kept for the next call."""
    if _LAST and _LAST[0][0] is text:
        return _LAST[0][1]
    model = model or load_year_model()
    post = year_posterior(text, model)
    if not post:
        out: tuple[int | None, float, dict[int, float]] = (None, 0.0, post)
    else:
        year = max(post, key=lambda y: (post[y], y))
        out = ((year if post[year] >= model.threshold else None), post[year], post)
    _LAST[:] = [(text, out)]
    return out


def page_years(text: str, model: YearModel | None = None) -> PageYears:
    """The page's mention summary; the articles of a page ask in turn: the last answer is kept."""
    if _PAGE and _PAGE[0][0] is text:
        return _PAGE[0][1]
    model = model or load_year_model()
    out = PageYears(
        year_posterior(text, model),
        latest_past_year(text, model),
        _read_mentions(text, model)[0],
        page_month(text),
    )
    _PAGE[:] = [(text, out)]
    return out


_DAY = re.compile(r"(?<![年\d])(1[0-2]|0?[1-9])月(?:[1-9]|[12]\d|3[01])日")


def page_month(text: str) -> int | None:
    """The month the page's days without a year (``2月10日``) name most: near the publication."""
    counts: dict[int, int] = {}
    for m in _DAY.finditer(text):
        k = int(m.group(1))
        counts[k] = counts.get(k, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda k: (counts[k], k))


@functools.cache
def load_year_ranker() -> YearRanker:
    data = json.loads((CLASSIFY_MODEL_DIR / "year_ranker.json").read_text(encoding="utf-8"))
    weights = data["weights"]
    return YearRanker(
        tuple(float(weights[k]) for k in RANK_FEATURES),
        int(data["min_mentions"]),
        float(data["veto_other"]),
        float(data["least_cue"]),
        float(data.get("plain_least_p0", 0.0)),
        float(data.get("least_early", 0.0)),
    )


def reads_as_past(text: str, start: int, end: int, least_p0: float, model: YearModel | None = None) -> bool:
    """Whether the mention model reads the year ``text[start:end]`` as an earlier year than the
    publication's (P(offset 0) under ``least_p0``): ``2014年7月上线运行`` tells of the past."""
    if least_p0 <= 0.0:
        return False
    dist = offset_distribution(mention_features(text, start, end), model or load_year_model())
    return dist[OFFSETS.index(0)] < least_p0


def year_candidates(page: PageYears, cue_scores: dict[int, float], cue_year: int | None) -> list[int]:
    found = set(page.posterior) | set(cue_scores)
    if cue_year is not None:
        found.add(cue_year)
    if page.latest is not None:
        found |= {page.latest, page.latest + 1}
    return sorted(y for y in found if 1900 < y < 2100)


def candidate_features(
    year: int,
    page: PageYears,
    cue_scores: dict[int, float],
    article_scores: dict[int, float],
    cue_year: int | None,
    lower: int | None,
) -> list[float]:
    """The values of RANK_FEATURES for one candidate year."""
    post = page.posterior
    cue_total = sum(v for v in cue_scores.values() if v > 0) or 1.0
    art_total = sum(v for v in article_scores.values() if v > 0) or 1.0
    n = len(page.mentioned)
    model_top = max(post, key=lambda y: (post[y], y)) if post else None
    cue_top = max(cue_scores, key=lambda y: (cue_scores[y], y)) if cue_scores else None
    latest = page.latest
    early = float(page.month is not None and page.month <= 3)
    values = [
        1.0,
        math.log(post.get(year, 0.0) + 1e-3),
        float(year == model_top),
        float(year == cue_year),
        max(cue_scores.get(year, 0.0), 0.0) / cue_total,
        max(article_scores.get(year, 0.0), 0.0) / art_total,
        float(year == latest),
        float(latest is not None and year == latest + 1),
        float(latest is not None and year < latest),
        math.log1p(page.mentioned.count(year)),
        math.log1p(page.mentioned.count(year - 1)),
        math.log1p(page.mentioned.count(year + 1)),
        sum(1 for y in page.mentioned if y <= year) / n if n else 0.0,
        float(year == lower),
        float(n == 0),
        float(year == cue_top),
    ]
    return [
        *values,
        early * values[3],
        early * values[6],
        early * values[7],
        early * values[9],
        early * values[10],
        float(page.month is None),
    ]


def rank_years(
    page: PageYears,
    cue_scores: dict[int, float],
    article_scores: dict[int, float],
    cue_year: int | None,
    lower: int | None,
    ranker: YearRanker | None = None,
) -> dict[int, float]:
    """P(candidate is the publication year) for each candidate year."""
    ranker = ranker or load_year_ranker()
    out: dict[int, float] = {}
    for y in year_candidates(page, cue_scores, cue_year):
        x = candidate_features(y, page, cue_scores, article_scores, cue_year, lower)
        z = sum(w * v for w, v in zip(ranker.weights, x, strict=True))
        out[y] = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
    return out


# A page naming years once or twice, with a plain mention as its only evidence: the mention
# opening a clause of narration (``1974年，刚满23岁的…``, ``2003年5月，在当地政府支持下…``)
# tells a story of the past; the same opening after a speaker or a news lead (``…表示，2022年，
# 我国将…``, ``本报讯 2021年上半年，…``) or looking ahead tells the news.
_CLAUSE_AFTER = re.compile(r"年(?:\d{1,2}月(?:\d{1,2}日)?|[上下]半年|底|初|末)?[，,]")
# 成立于2004年, 发生在2016年: a past event dated, whatever follows
_PAST_EVENT_BEFORE = re.compile(
    r"(?:发生|始|成立|出生|生|建|创办|创建|创立|毕业|参加工作|入伍|开通|建成|投产)(?:在|于)$"
)
_SPEAKER_BEFORE = re.compile(
    r"(?:表示|说|介绍|指出|认为|强调|提出|透露|称|据统计|数据显示|本报讯|日电)[，,：:]?\s*$"
)
_AHEAD = re.compile(r"将|要|计划|力争|目标|预计")


def narrates_past(text: str, year: int) -> bool:
    """Whether a mention of ``year`` in ``text`` opens a clause narrating a past event."""
    return any(
        int(m.group(1)) == year and _opens_narration(text, m.start(1), m.end(1))
        for m in _MENTION.finditer(text)
    )


def _opens_narration(text: str, start: int, end: int) -> bool:
    if _PAST_EVENT_BEFORE.search(text, max(0, start - 6), start):
        return True
    opened = _CLAUSE_AFTER.match(text, end)
    if opened is None or _SPEAKER_BEFORE.search(text, max(0, start - 8), start):
        return False
    stop = _SENTENCE.search(text, opened.end(), opened.end() + SENTENCE_REACH)
    clause = text[opened.end() : stop.start() if stop else opened.end() + SENTENCE_REACH]
    return _AHEAD.search(clause) is None
