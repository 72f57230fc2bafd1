"""Score segmentation, titles and dates on the real-page corpus.

For every truth article (``realpages``), its predicted article is the one whose
body holds the start of the truth body (first ``ANCHOR`` content characters).

* exact: the predicted body is the truth body, all of it and nothing else
  (compared on content keys: no punctuation or spaces; byline and credit
  lines and the lead label are left out on both sides, they are not body);
* title: the predicted article's title is the truth title;
* precision: share of predicted articles that start a truth article (the
  rest are split-off pieces, captions or furniture taken for articles);
* year right / wrong: the predicted article's year is the publication year /
  is another year (no year is neither);
* dateline: articles whose lead carries a date (``本报北京2月12日电``): the
  predicted event date is that day.

``naive_segment`` is the baseline the text core must beat: a new article at
every short line, that line its title.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from newsetl.core.classify import classify_article
from newsetl.core.models import Article, PageContext, Paragraph
from newsetl.core.text import bylines
from newsetl.core.text.normalize import clean_line, content_key, strip_heading_marker
from newsetl.pipeline.process import _classify_text as classify_text  # the text the pipeline classifies
from newsetl_tools.degrade import TruthArticle
from newsetl_tools.evaluation.realpages import CorpusPage, as_truth_article

ANCHOR = 16
_CREDIT = re.compile(
    r"^(?:[（(][^（）()]{0,30}[）)]|——\s*编\s*者|(?:本报)?(?:记者|通讯员)\s*\S{2,4}(?:\s+\S{2,4})*|"
    r".{0,20}(?:摄|制图|设计|绘|供图|图片来源\S*|编辑\S*|版式\S*)|"
    # "本版制图：张丹峰", "本期统筹：…", "采写：本报记者…": a role, a colon, names
    r"(?:本版|本期)?(?:制图|设计|版式设计|摄影|图片|统筹|编辑|责编|责任编辑|采写|漫画)[:：].{1,60}|"
    # "刘春燕摄（人民视觉）": a photographer and the agency
    r".{1,12}摄[（(][^（）()]{1,12}[）)]|"
    # "（作者为…）", "（综合本报记者…报道）", "（本报记者…整理）": the author's note, however long
    r"[（(](?:作者|综合|本报记者|记者)[^（）()]*(?:[（(][^（）()]*[）)][^（）()]*)*[）)])$"
)
_DATELINE = re.compile(r"(\d{1,2})月(\d{1,2})日")


def is_credit(text: str) -> bool:
    """A byline, signature or picture/design credit line (not body text)."""
    t = clean_line(text)
    return len(t) <= 90 and (
        bylines.top_byline(t) is not None or bylines.end_byline(t) is not None or bool(_CREDIT.match(t))
    )


def body_key(paragraphs: Sequence[str]) -> str:
    kept = [p for p in paragraphs if not is_credit(p)]
    if kept:
        rest, label, _dl, _n = bylines.split_lead(clean_line(kept[0]))
        if label is not None:
            kept[0] = rest
    return content_key("".join(clean_line(p) for p in kept))


def title_key(title: str | None) -> str | None:
    return content_key(clean_line(title)) if title else None


@dataclass
class Tally:
    truth: int = 0
    exact: int = 0
    title_ok: int = 0
    predicted: int = 0
    starts: int = 0
    year_right: int = 0
    year_wrong: int = 0
    year_none: int = 0
    datelines: int = 0
    dateline_ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        for k in ("truth", "exact", "title_ok", "predicted", "starts", "year_right", "year_wrong"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.year_none += other.year_none
        self.datelines += other.datelines
        self.dateline_ok += other.dateline_ok
        self.errors.update(other.errors)

    def summary(self) -> dict[str, float | int]:
        n = max(1, self.truth)
        return {
            "articles": self.truth,
            "exact": round(self.exact / n, 3),
            "titles": round(self.title_ok / n, 3),
            "precision": round(self.starts / max(1, self.predicted), 3),
            "year_right": round(self.year_right / n, 3),
            "year_wrong": round(self.year_wrong / n, 3),
            "datelines": self.datelines,
            "dateline_right": round(self.dateline_ok / max(1, self.datelines), 3),
        }


@dataclass(frozen=True)
class Predicted:
    title: str | None
    paragraphs: tuple[str, ...]
    year: int | None
    event_date: str | None


Segmenter = Callable[[str, str], list[Article]]


def predict(text: str, file_name: str, segment: Segmenter, with_dates: bool = True) -> list[Predicted]:
    """Segment a page and (optionally) date each article as the pipeline does."""
    out: list[Predicted] = []
    ctx = PageContext(file_name=file_name, publication_date=None, page_text=text)
    for a in segment(text, file_name):
        year = event = None
        if with_dates:
            d = classify_article(a.title, classify_text(a), ctx, a.dateline).date
            year, event = d.year, d.event_date
        out.append(Predicted(a.title, tuple(p.text for p in a.paragraphs), year, event))
    return out


def _dateline_date(lead: str | None, pub: dt.date) -> str | None:
    m = _DATELINE.search(lead or "")
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    year = pub.year - 1 if month > pub.month else pub.year
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def score_page(page: CorpusPage, predicted: Sequence[Predicted]) -> Tally:
    truths: list[TruthArticle] = [as_truth_article(a) for a in page.articles]
    pub = dt.date.fromisoformat(page.publication_date)
    t_keys = [body_key(t.body_texts()) for t in truths]
    p_keys = [body_key(p.paragraphs) for p in predicted]
    starts = {k[:ANCHOR] for k in t_keys if k}
    tally = Tally(truth=len(truths), predicted=len(predicted))
    tally.starts = sum(1 for k in p_keys if k[:ANCHOR] in starts)
    for t, tk in zip(truths, t_keys, strict=True):
        j = next((i for i, pk in enumerate(p_keys) if tk[:ANCHOR] and tk[:ANCHOR] in pk), None)
        if j is None:
            tally.errors["start not found"] += 1
            continue
        p, pk = predicted[j], p_keys[j]
        if pk == tk:
            tally.exact += 1
        elif tk in pk:
            tally.errors["merged with other text"] += 1
        elif tk.startswith(pk):
            tally.errors["end cut off"] += 1
        elif pk.startswith(tk[: len(tk) // 2]):
            tally.errors["tail wrong (not joined / other text)"] += 1
        else:
            tally.errors["other"] += 1
        if title_key(p.title) == title_key(t.title):
            tally.title_ok += 1
        else:
            tally.errors["title wrong"] += 1
        if p.year is None:
            tally.year_none += 1
        elif p.year == pub.year:
            tally.year_right += 1
        else:
            tally.year_wrong += 1
        expected = _dateline_date(t.lead, pub)
        if expected:
            tally.datelines += 1
            tally.dateline_ok += p.event_date == expected
    return tally


def score_pages(
    pages: Sequence[CorpusPage], texts: dict[str, str], segment: Segmenter, with_dates: bool = True
) -> tuple[Tally, dict[str, Tally]]:
    """Overall tally and a tally per phenomenon (a page counts for each of its phenomena)."""
    total = Tally()
    per: dict[str, Tally] = defaultdict(Tally)
    for page in pages:
        t = score_page(page, predict(texts[page.file], page.file, segment, with_dates))
        total.add(t)
        for ph in page.phenomena or ["(none)"]:
            per[ph].add(t)
    return total, dict(per)


_TERMINAL = tuple("。！？!?…；;")


def naive_segment(text: str, doc_id: str) -> list[Article]:
    """Baseline: every short line without closing punctuation starts an article and is its title."""
    arts: list[Article] = []
    title: str | None = None
    paras: list[str] = []

    def flush() -> None:
        if title is not None or paras:
            arts.append(
                Article(
                    position=len(arts),
                    title=title,
                    body="\n".join(paras),
                    original_text="",
                    paragraphs=[Paragraph(p) for p in paras],
                )
            )

    for raw in text.splitlines():
        line, _level = strip_heading_marker(raw)
        line = clean_line(line)
        if not line:
            continue
        if len(line) <= 30 and not line.endswith(_TERMINAL):
            flush()
            title, paras = line, []
        else:
            paras.append(line)
    flush()
    return arts
