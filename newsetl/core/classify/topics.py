"""Topics: multi-label, with a score per topic, a primary topic and the evidence terms.

Scoring (deterministic, explainable from ``topic_terms.csv``):
- terms are matched leftmost-longest (``5G+工业互联网`` is one industrial-internet
  term, not also a 5G one);
- a term found n times in the body adds ``weight * (1 + ln n)``, so a word repeated
  twenty times does not drown everything else;
- a term in the title adds ``TITLE_FACTOR * weight`` once more, a term in the lead
  (the first ``LEAD_CHARS`` characters of the body after any byline, where a news
  story states what it is about) adds ``LEAD_FACTOR * weight`` once more;
- words inside organisation names are not evidence (``中国电子信息产业发展研究院``
  says nothing about electronics): the caller passes those spans as ``mask``, and
  names that are topic terms themselves (中国移动, 天猫) are never masked;
- phrases of ``topic_neutral_phrases.csv`` (slogans such as 决胜全面建成小康社会) swallow
  the terms they contain and count for no topic;
- a topic is a candidate when its score is at least ``MIN_SCORE`` and it has title
  evidence or at least ``MIN_MENTIONS`` term mentions in the body (one strong word in
  a list, such as ``在集成电路、工业软件等领域``, is a passing mention, not a subject);
- a candidate is a *subject* of the article when its **strength** reaches
  ``SUBJECT_MIN``: strength = title score + lead score + ``DENSITY_FACTOR`` x the body
  score per 1,000 characters. A topic the headline or the lead names, or that fills the
  body, is a subject; one a long report or a speech touches on among twenty others
  (全面建成小康社会, 疫情防控 as a setting) is not;
- the topics reported are the subjects, and the candidates that score at least
  ``SECONDARY_MIN`` (a topic a long article keeps returning to) and at least
  ``MIN_SHARE`` of the best topic's score; the primary topic is the best-scoring
  subject (ties broken by title evidence, then by the order of ``topics.csv``), none
  when no topic is a subject.

The thresholds were set on the tuning half of the hand-labelled real articles
(``docs/topic-evaluation.md``), never on their test half.

Evidence is ordered by contribution; each evidence item is the term as written.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from operator import itemgetter, sub

from newsetl.core.classify.lexicon import keys_each, topic_automaton, topic_terms, topics
from newsetl.core.models import TopicHit

TITLE_FACTOR = 3.0
LEAD_CHARS = 250
LEAD_FACTOR = 2.0
MIN_SCORE = 6.0
MIN_SHARE = 0.18
MAX_EVIDENCE = 8
MIN_MENTIONS = 2
SUBJECT_MIN = 14.0
DENSITY_FACTOR = 1.5
SECONDARY_MIN = 16.0
MASK_CHAR = "\u25a1"  # □: keeps offsets, matches no term


_BYLINE = re.compile(r"^\s*(?:本报记者|记者|本报讯|通讯员)[\s\u3000]*(?:[\u4e00-\u9fff]{2,4}[\s\u3000]*)?\n?")


def lead_of(body: str) -> str:
    return _BYLINE.sub("", body, count=1)[:LEAD_CHARS]


def apply_mask(title: str | None, body: str, mask) -> tuple[str | None, str]:
    """Blank out ``mask`` spans, given on ``f"{title}\n{body}"`` (or on ``body`` without a title)."""
    if not mask:
        return title, body
    text = f"{title}\n{body}" if title else body
    parts: list[str] = []
    pos = 0
    for s, e in sorted(mask):  # slices, not a list of characters: spans may overlap
        if e <= pos or e <= s:
            continue
        s = max(s, pos)
        parts += (text[pos:s], MASK_CHAR * (e - s))
        pos = e
    parts.append(text[pos:])
    joined = "".join(parts)
    if title:
        return joined[: len(title)], joined[len(title) + 1 :]
    return None, joined


# 1 + ln n for the counts a term usually reaches (the same floats as computing them)
_DAMPED = [0.0] + [1.0 + math.log(n) for n in range(1, 64)]


def score_topics(
    title: str | None, body: str, mentions: dict[str, int] | None = None
) -> dict[str, tuple[float, float, float, dict[str, float]]]:
    """topic -> (score, title_score, lead_score, {term: contribution}); ``mentions`` gets body
    mentions per topic."""
    payloads = topic_terms()
    scores: dict[str, list] = {}
    get = scores.get
    counts = {} if mentions is None else mentions
    in_body, in_title, in_lead = keys_each(topic_automaton(), (body, title or "", lead_of(body)))
    for term, n in Counter(in_body).items():
        damped = _DAMPED[n] if n < len(_DAMPED) else 1.0 + math.log(n)
        for code, weight in payloads[term]:
            c = weight * damped
            s = get(code)
            if s is None:
                scores[code] = [0.0 + c, 0.0, 0.0, {term: 0.0 + c}]
                counts[code] = counts.get(code, 0) + n
            else:  # a topic this loop met before: its count is there
                s[0] += c
                contrib = s[3]
                contrib[term] = contrib.get(term, 0.0) + c
                counts[code] += n
    for found, factor, is_title in ((in_title, TITLE_FACTOR, True), (in_lead, LEAD_FACTOR, False)):
        for term in dict.fromkeys(found):  # once per distinct term, in order of first match
            for code, weight in payloads[term]:
                c = factor * weight
                s = get(code)
                if s is None:
                    scores[code] = [0.0 + c, c if is_title else 0.0, 0.0 if is_title else c, {term: 0.0 + c}]
                    continue
                s[0] += c
                s[1 if is_title else 2] += c
                contrib = s[3]
                contrib[term] = contrib.get(term, 0.0) + c
    return {k: tuple(v) for k, v in scores.items()}  # type: ignore[misc]


def classify_topics(title: str | None, body: str, mask=()) -> tuple[list[TopicHit], str | None]:
    title, body = apply_mask(title, body, mask)
    mentions: dict[str, int] = {}
    scored = score_topics(title, body, mentions)
    if not scored:
        return [], None
    order = _topic_order()
    # only the topics reaching MIN_SCORE are ranked: the others are never kept, and none of
    # them changes which are (ranked first, one sets the MIN_SHARE floor near
    # MIN_SCORE * MIN_SHARE, which every topic reaching MIN_SCORE passes anyway)
    ranked = [(code, v) for code, v in scored.items() if v[0] >= MIN_SCORE]
    if not ranked:
        return [], None
    if len(ranked) > 1:
        # by score alone first: scores more than 2e-6 apart never round (to 6 places) alike,
        # and then that order is the full order; else the ties are broken as ever
        ranked.sort(key=_score_of, reverse=True)
        values = [v[0] for _code, v in ranked]
        if min(map(sub, values, values[1:])) <= 2e-6:  # some neighbours that close (in C)
            ranked.sort(key=lambda kv: (-round(kv[1][0], 6), -kv[1][1], order[kv[0]]))
    floor = MIN_SHARE * ranked[0][1][0]
    per_char = DENSITY_FACTOR * 1000.0 / max(len(body), 1)
    hits: list[TopicHit] = []
    primary: str | None = None
    first = True
    for code, (score, title_score, lead_score, terms) in ranked:
        strength = title_score + lead_score + (score - title_score - lead_score) * per_char
        if score < floor and strength < SUBJECT_MIN:
            continue  # far behind the best topic, and not a subject in its own right
        if not first and not title_score and mentions.get(code, 0) < MIN_MENTIONS:
            continue  # a secondary topic named once in passing
        first = False
        if strength < SUBJECT_MIN and score < SECONDARY_MIN:
            continue  # touched on, not a subject, and not a topic the article keeps returning to
        if len(terms) == 1:
            evidence = tuple(terms)
        else:  # by contribution, descending, then by term: two sorts in C, the second stable
            by_term = sorted(terms.items())
            by_term.sort(key=itemgetter(1), reverse=True)
            evidence = tuple(map(_term_of, by_term[:MAX_EVIDENCE]))
        hits.append(TopicHit(code, round(score, 3), evidence))
        if primary is None and strength >= SUBJECT_MIN:
            primary = code
    return hits, primary


def _score_of(kv: tuple[str, tuple]) -> float:
    return kv[1][0]


_term_of = itemgetter(0)


@functools.cache
def _topic_order() -> dict[str, int]:
    return {t.code: t.order for t in topics()}


_MASKED_KINDS = frozenset({"company", "association", "university", "think_tank"})


def topic_mask(orgs) -> list[tuple[int, int]]:
    """Spans of organisation names whose words are not topic evidence (see module doc)."""
    terms = topic_terms()
    return [(o.start, o.end) for o in orgs if o.kind in _MASKED_KINDS and o.name not in terms]
