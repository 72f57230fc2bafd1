"""Synthetic corpus: realistic OCR'd pages built from the seed truth articles.

``newsetl synth --pages N --out DIR [--seed S]`` writes ``N`` page files plus
a ``manifest.csv`` (file name, publication date, source, page number).

Deterministic and *prefix-stable*: page ``i`` depends only on ``(seed, i)``,
so ``--pages 10010`` writes the same first 10,000 files as ``--pages 10000``
plus ten new ones (the benchmark uses this to add pages to an archive).

Page layout and damage come from :mod:`newsetl_tools.degrade` (the same
generator the segmentation harness scores against); on top of it this module
adds what an archive has and a test page does not:

* varied dates: each page gets a publication date in 2020-2022, and the
  articles' ``X月Y日`` / ``20XX年`` mentions are shifted to match it;
* varied content: paragraphs dropped, figures changed, article order mixed,
  so articles are not byte-identical across pages;
* mixed punctuation: whole pages in ASCII punctuation and pages where only
  some lines are (OCR engines switch mid-page);
* column breaks moved down the page (``cut_distant``), cuts, repeated
  paragraphs, captions between articles, titles lost;
* single-line pages (``page_one_line``) and one-line bodies;
* duplicates: a few pages are byte copies of an earlier page under another
  name, and a few are stored as GB18030 instead of UTF-8.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the text package is imported only when pages are made (keeps `newsetl --help` fast)
    from newsetl_tools.degrade import TruthArticle

DEFAULT_SEED = 20260
START = dt.date(2020, 1, 1)
END = dt.date(2022, 12, 31)
SOURCES = ("中国工业报", "人民邮电报", "中国电子报", "经济日报")

# Share of pages with each phenomenon (independent draws; a page usually has two or three).
PHENOMENON_RATES: dict[str, float] = {
    "cut_distant": 0.30,  # column break: the tail moved down the page
    "cut_adjacent": 0.20,
    "repeat_exact": 0.08,
    "repeat_truncated": 0.08,
    "ascii_punct": 0.15,
    "one_line": 0.10,
    "drop_title": 0.08,
    "furniture": 0.35,
}
SINGLE_LINE_RATE = 0.03  # the whole page on one line
MIXED_PUNCT_RATE = 0.15  # some lines in ASCII punctuation
DUPLICATE_RATE = 0.02  # byte copy of an earlier page under a new name
GB18030_RATE = 0.02

_ASCII = str.maketrans(
    {"，": ",", "：": ":", "（": "(", "）": ")", "？": "?", "！": "!", "；": ";", "“": '"', "”": '"'}
)
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")
_YEAR = re.compile(r"(20[0-2]\d)年")
_FIGURE = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)(?=%|亿|万|个|家|项|倍)")


@dataclass(frozen=True)
class SynthPage:
    index: int
    file_name: str
    data: bytes
    publication_date: dt.date
    source: str
    page_no: int
    phenomena: tuple[str, ...]
    duplicate_of: int | None = None


def default_articles_path() -> Path:
    from newsetl_tools.harness import DEFAULT_ARTICLES  # deferred: the CLI parser imports this module

    return DEFAULT_ARTICLES


def load_seed_articles(path: Path | None = None) -> list[TruthArticle]:
    from newsetl_tools.harness import load_articles  # deferred: the CLI parser imports this module

    return load_articles(path or default_articles_path())


def _page_rng(seed: int, index: int) -> random.Random:
    digest = hashlib.sha256(f"newsetl-synth:{seed}:{index}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _shift_dates(text: str, pub: dt.date, rng: random.Random) -> str:
    """Move ``X月Y日`` mentions to just before ``pub`` and ``20XX年`` to pub's era."""

    def month_day(m: re.Match) -> str:
        d = pub - dt.timedelta(days=rng.randint(0, 20))
        return f"{d.month}月{d.day}日"

    def year(m: re.Match) -> str:
        y = int(m.group(1))
        if y < 2015:
            return m.group(0)
        return f"{min(pub.year, y - 2020 + pub.year)}年"

    return _YEAR.sub(year, _MONTH_DAY.sub(month_day, text))


def _vary_figures(text: str, rng: random.Random) -> str:
    def fig(m: re.Match) -> str:
        value = float(m.group(1)) * rng.uniform(0.6, 1.4)
        return f"{value:.1f}" if "." in m.group(1) else str(max(1, round(value)))

    return _FIGURE.sub(fig, text)


def _vary_article(a: TruthArticle, pub: dt.date, rng: random.Random) -> TruthArticle:
    paras = list(a.paragraphs)
    if len(paras) > 3:  # drop up to a quarter of the paragraphs after the first
        drop = set(rng.sample(range(1, len(paras)), rng.randint(0, (len(paras) - 1) // 4)))
        paras = [p for j, p in enumerate(paras) if j not in drop]
    paras = [(k, _vary_figures(_shift_dates(t, pub, rng), rng) if k == "text" else t) for k, t in paras]
    lead = _shift_dates(a.lead, pub, rng) if a.lead else a.lead
    return replace(a, paragraphs=tuple(paras), lead=lead)


def _mix_punctuation(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    share = rng.uniform(0.2, 0.6)
    return "\n".join(ln.translate(_ASCII) if ln and rng.random() < share else ln for ln in lines)


def make_page(articles: Sequence[TruthArticle], seed: int, index: int) -> SynthPage:
    """Page ``index`` of the corpus for ``seed`` (independent of how many pages are made)."""
    from newsetl_tools.degrade import build_page  # deferred: the CLI parser imports this module

    rng = _page_rng(seed, index)
    pub = START + dt.timedelta(days=rng.randint(0, (END - START).days))
    source = rng.choice(SOURCES)
    page_no = rng.randint(1, 8)
    k = rng.choices((1, 2, 3, 4, 5), weights=(8, 30, 32, 20, 10))[0]
    chosen = [_vary_article(a, pub, rng) for a in rng.sample(list(articles), min(k, len(articles)))]
    if rng.random() < SINGLE_LINE_RATE:
        phenomena = ["page_one_line"]
    else:
        phenomena = [p for p, rate in PHENOMENON_RATES.items() if rng.random() < rate]
        if "one_line" in phenomena and "ascii_punct" in phenomena:
            phenomena.remove("ascii_punct")
    text, _truth = build_page(chosen, rng, phenomena)
    if "ascii_punct" not in phenomena and rng.random() < MIXED_PUNCT_RATE:
        text = _mix_punctuation(text, rng)
        phenomena.append("mixed_punct")
    with_header = rng.random() < 0.3 and "page_one_line" not in phenomena  # a single-line page stays one line
    header = f"{source}  {pub.year}年{pub.month}月{pub.day}日  第{page_no}版\n\n" if with_header else ""
    text = header + text
    encoding = "gb18030" if rng.random() < GB18030_RATE else "utf-8"
    if encoding != "utf-8":
        phenomena.append("gb18030")
    data = text.encode(encoding)
    name = f"{index:06d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
    return SynthPage(index, name, data, pub, source, page_no, tuple(phenomena))


def iter_pages(
    n_pages: int, seed: int = DEFAULT_SEED, articles: Sequence[TruthArticle] | None = None
) -> Iterator[SynthPage]:
    """Pages ``0 .. n_pages-1``; a few are byte copies of an earlier page under a new name."""
    arts = list(articles) if articles is not None else load_seed_articles()
    for i in range(n_pages):
        rng = _page_rng(seed, -1 - i)
        if i >= 10 and rng.random() < DUPLICATE_RATE:
            j = rng.randrange(0, i)
            orig = make_page(arts, seed, j)
            name = f"{i:06d}_dup_of_{j:06d}.txt"
            yield replace(orig, index=i, file_name=name, phenomena=("duplicate",), duplicate_of=j)
        else:
            yield make_page(arts, seed, i)


def large_page(target_bytes: int, *, one_line: bool = False, seed: int = DEFAULT_SEED) -> bytes:
    """A page of about ``target_bytes`` UTF-8 bytes: synthetic pages back to back (a dump or a
    concatenation, not a page a paper prints). ``one_line``: every line break removed, so the
    whole file is one line. For the bounded-cost tests (newsetl/core/windows.py)."""
    parts: list[str] = []
    size = 0
    i = 0
    arts = load_seed_articles()
    while size < target_bytes:
        page = make_page(arts, seed, 1_000_000 + i)
        text = (
            page.data.decode("utf-8", errors="replace")
            if page.data[:3] != b"\xef\xbb\xbf"
            else page.data[3:].decode()
        )
        parts.append(text)
        size += len(text.encode("utf-8"))
        i += 1
    text = "\n\n".join(parts)
    if one_line:
        text = "".join(text.split("\n"))
    return text.encode("utf-8")[:target_bytes].decode("utf-8", errors="ignore").encode("utf-8")


def write_corpus(
    out: Path, n_pages: int, seed: int = DEFAULT_SEED, articles_path: Path | None = None, prune: bool = False
) -> dict:
    """Write the corpus under ``out`` (existing identical files are left untouched); return stats.

    ``prune`` deletes other ``*.txt`` files in ``out`` (e.g. pages of a larger corpus made earlier).
    """
    out.mkdir(parents=True, exist_ok=True)
    arts = load_seed_articles(articles_path)
    stats = {"pages": 0, "bytes": 0, "written": 0, "duplicates": 0, "pruned": 0, "phenomena": {}}
    manifest = []
    pages = list(iter_pages(n_pages, seed, arts))
    if prune:
        keep = {p.file_name for p in pages}
        for stale in out.glob("*.txt"):
            if stale.name not in keep:
                stale.unlink()
                stats["pruned"] += 1
    for page in pages:
        path = out / page.file_name
        # Leave an unchanged file alone: its mtime stays, so a re-run skips it by stat.
        if not (path.is_file() and path.stat().st_size == len(page.data) and path.read_bytes() == page.data):
            path.write_bytes(page.data)
            stats["written"] += 1
        stats["pages"] += 1
        stats["bytes"] += len(page.data)
        stats["duplicates"] += page.duplicate_of is not None
        for p in page.phenomena:
            stats["phenomena"][p] = stats["phenomena"].get(p, 0) + 1
        manifest.append((page.file_name, page.publication_date.isoformat(), page.source, page.page_no))
    rows = "file_name,publication_date,source,page\n" + "".join(
        f"{n},{d},{s},{p}\n" for n, d, s, p in manifest
    )
    mpath = out / "manifest.csv"
    if not mpath.is_file() or mpath.read_text(encoding="utf-8") != rows:
        mpath.write_text(rows, encoding="utf-8")
    return stats


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pages", type=int, required=True, help="number of pages to write")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"corpus seed (default {DEFAULT_SEED})")
    p.add_argument("--articles", default=None, help="truth articles JSON (default: the seed articles)")


def run(args: argparse.Namespace) -> int:
    stats = write_corpus(
        Path(args.out), args.pages, args.seed, Path(args.articles) if args.articles else None
    )
    mix = ", ".join(f"{k} {v}" for k, v in sorted(stats["phenomena"].items()))
    print(
        f"synth: {stats['pages']} pages ({stats['bytes'] / 1e6:.1f} MB, {stats['written']} written, "
        f"{stats['duplicates']} duplicates) in {args.out}\n  phenomena: {mix}"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="newsetl synth", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
