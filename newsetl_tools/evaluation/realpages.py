"""Lay the articles of one real newspaper page out as a degraded page, with its truth.

The articles of one printed page (same day, same page number) are laid out in
their printed order by ``newsetl_tools.degrade.build_page`` with a random mix of
what real dumps show: blank-line or markdown layout, ASCII punctuation, column
breaks (the tail on the next line or moved further down the page), repeated
paragraphs, captions and chart titles, flattened bodies. File names are
neutral (``page-0001.txt``): no year in the name.

The split is by day: odd days of the month tune, even days test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from newsetl.core.text import bylines
from newsetl_tools.degrade import TruthArticle, build_page
from newsetl_tools.evaluation.archive import ArchiveArticle

SUBHEAD_MAX = 24
_TERMINAL = tuple('。！？!?…”"；;：:）)')
# (phenomenon, probability on a multi-article page)
MULTI_MIX: tuple[tuple[str, float], ...] = (
    ("cut_distant", 0.5),
    ("cut_adjacent", 0.4),
    ("repeat_exact", 0.25),
    ("repeat_truncated", 0.15),
    ("ascii_punct", 0.25),
    ("furniture", 0.35),
    ("furniture_inside", 0.2),
    ("markdown", 0.3),
    ("one_line", 0.08),
)
SINGLE_MIX: tuple[tuple[str, float], ...] = (
    ("cut_adjacent", 0.3),
    ("repeat_exact", 0.2),
    ("ascii_punct", 0.25),
    ("markdown", 0.3),
)


def part_of(day: dt.date) -> str:
    """``tune`` for odd days of the month, ``test`` for even ones."""
    return "tune" if day.day % 2 else "test"


def _is_subhead(text: str, last: bool) -> bool:
    return not last and len(text) <= SUBHEAD_MAX and not text.endswith(_TERMINAL)


def truth_article(a: ArchiveArticle) -> TruthArticle:
    """The archive article as the segmenter should return it.

    A lead label (``本报北京2月12日电``) and top/closing byline lines are printed
    but are not body text; short unpunctuated paragraphs inside are subheads.
    """
    paras = list(a.paragraphs)
    top: list[str] = []
    while paras and bylines.top_byline(paras[0]) is not None:
        top.append(paras.pop(0))
    end = paras.pop() if len(paras) > 1 and bylines.end_byline(paras[-1]) is not None else None
    lead = None
    if paras:
        rest, label, _dl, _names = bylines.split_lead(paras[0])
        if label is not None and rest:
            lead, paras[0] = paras[0][: len(paras[0]) - len(rest)], rest
    kinds = [
        ("subhead" if i and _is_subhead(p, i == len(paras) - 1) else "text", p) for i, p in enumerate(paras)
    ]
    return TruthArticle(
        title=a.title,
        paragraphs=tuple(kinds),
        kicker=a.kicker,
        subtitle=a.subtitle,
        lead=lead,
        top_lines=tuple(top),
        end_line=end,
    )


@dataclass
class CorpusPage:
    file: str
    part: str
    publication_date: str
    phenomena: list[str]
    articles: list[dict[str, object]]  # archive name, body hash, title, kicker, subtitle, body, lead


def _phenomena(mix: Sequence[tuple[str, float]], rng: random.Random) -> list[str]:
    return [p for p, prob in mix if rng.random() < prob]


def group_pages(articles: Iterable[ArchiveArticle]) -> dict[tuple[dt.date, int], list[ArchiveArticle]]:
    pages: dict[tuple[dt.date, int], list[ArchiveArticle]] = defaultdict(list)
    for a in articles:
        pages[(a.date, a.page)].append(a)
    for arts in pages.values():
        arts.sort(key=lambda x: x.position)
    return dict(sorted(pages.items()))


def build_corpus(
    articles: Iterable[ArchiveArticle], out: Path, seed: int = 2024, max_chars: int = 60_000
) -> list[CorpusPage]:
    """Write ``pages/<part>/multi|single/page-NNNN.txt`` and ``truth.json`` under ``out``.

    Multi-article pages: every printed page with 2+ articles (up to ``max_chars``);
    single-article pages: the first article of every printed page, alone.
    """
    pages = group_pages(articles)
    written: list[CorpusPage] = []
    counters: dict[str, int] = defaultdict(int)
    for (day, page_no), arts in pages.items():
        part = part_of(day)
        key = f"{day:%Y%m%d}-{page_no:02d}"
        rng = random.Random(f"{seed}-{key}")
        layouts: list[tuple[str, list[ArchiveArticle], Sequence[tuple[str, float]]]] = [
            ("single", arts[:1], SINGLE_MIX)
        ]
        if len(arts) > 1 and sum(len("".join(a.paragraphs)) for a in arts) <= max_chars:
            layouts.append(("multi", arts, MULTI_MIX))
        for kind, chosen, mix in layouts:
            truths = [truth_article(a) for a in chosen]
            ph = _phenomena(mix, rng)
            text, truth = build_page(truths, rng, ph)
            counters[f"{part}/{kind}"] += 1
            name = f"{part}/{kind}/page-{counters[f'{part}/{kind}']:04d}.txt"
            path = out / "pages" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(
                CorpusPage(
                    file=name,
                    part=part,
                    publication_date=day.isoformat(),
                    phenomena=sorted(ph),
                    articles=[
                        {
                            "archive_name": a.name,
                            "body_hash": a.body_hash,
                            **_truth_dict(t),
                        }
                        for a, t in zip(chosen, truth.articles, strict=True)
                    ],
                )
            )
    (out / "truth.json").write_text(
        json.dumps([asdict(p) for p in written], ensure_ascii=False, indent=0), encoding="utf-8"
    )
    digest = hashlib.sha256((out / "truth.json").read_bytes()).hexdigest()[:16]
    (out / "README.txt").write_text(
        f"Built by python -m newsetl_tools.evaluation build (seed {seed}); truth.json sha256 {digest}.\n"
        "Real newspaper text: keep it out of the repository.\n",
        encoding="utf-8",
    )
    return written


def _truth_dict(t: TruthArticle) -> dict[str, object]:
    return {
        "title": t.title,
        "kicker": t.kicker,
        "subtitle": t.subtitle,
        "lead": t.lead,
        "top_lines": list(t.top_lines),
        "end_line": t.end_line,
        "paragraphs": [list(p) for p in t.paragraphs],
    }


def load_truth(corpus: Path) -> list[CorpusPage]:
    return [CorpusPage(**d) for d in json.loads((corpus / "truth.json").read_text(encoding="utf-8"))]


def as_truth_article(d: dict[str, object]) -> TruthArticle:
    paras = d["paragraphs"]
    assert isinstance(paras, list)
    return TruthArticle(
        title=d["title"],  # type: ignore[arg-type]
        paragraphs=tuple((k, t) for k, t in paras),
        kicker=d.get("kicker"),  # type: ignore[arg-type]
        subtitle=d.get("subtitle"),  # type: ignore[arg-type]
        lead=d.get("lead"),  # type: ignore[arg-type]
        top_lines=tuple(d.get("top_lines") or ()),  # type: ignore[arg-type]
        end_line=d.get("end_line"),  # type: ignore[arg-type]
    )
