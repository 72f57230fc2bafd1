"""Degradation harness: build pages from truth articles, segment, score, time.

``python -m newsetl_tools.harness [seed_articles.json] [--pages N] [--seed S]``
prints exact-article accuracy and boundary F1 per phenomenon and overall,
plus the mean segmentation time per page (one core, warm caches).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from newsetl.core.text import segment_page
from newsetl_tools.degrade import PHENOMENA, TruthArticle, build_page
from newsetl_tools.score import ZERO, Score, score_page

DEFAULT_ARTICLES = Path(__file__).resolve().parents[1] / "tests" / "text" / "data" / "seed_articles.json"
# the original mix (1-2 phenomena a page), kept as it was so numbers compare
# across versions; page_one_line (titles glued into text) is scored on its own
MIX = (
    "cut_adjacent",
    "cut_distant",
    "repeat_exact",
    "repeat_truncated",
    "ascii_punct",
    "one_line",
    "drop_title",
    "furniture",
)
# the hard mixes: every phenomenon, 2-4 a page; and flattened pages combined
# with 1-3 others (no_lead forces titles to be found without 本报讯/bylines)
HARD = tuple(p for p in PHENOMENA if p not in ("page_one_line", "markdown"))
FLAT_WITH = tuple(p for p in PHENOMENA if p not in ("page_one_line", "one_line", "markdown"))


def load_articles(path: Path = DEFAULT_ARTICLES) -> list[TruthArticle]:
    """Truth articles from a JSON list (see tests/text/data/seed_articles.json)."""
    out = []
    for d in json.loads(Path(path).read_text(encoding="utf-8")):
        out.append(
            TruthArticle(
                title=d["title"],
                paragraphs=tuple((k, t) for k, t in d["paragraphs"]),
                kicker=d.get("kicker"),
                subtitle=d.get("subtitle"),
                lead=d.get("lead"),
                top_lines=tuple(d.get("top_lines") or ()),
                end_line=d.get("end_line"),
            )
        )
    return out


def generate(
    articles: Sequence[TruthArticle],
    n_pages: int,
    seed: int,
    mix: Sequence[str] = MIX,
    per_page: int = 2,
    min_per_page: int = 1,
    always: Sequence[str] = (),
) -> Iterable[tuple[str, list[TruthArticle], list[str]]]:
    """Deterministic stream of (page text, truth articles, phenomena)."""
    rng = random.Random(seed)
    for _ in range(n_pages):
        k = rng.randint(2, min(5, len(articles)))
        arts = rng.sample(list(articles), k)
        ph = [*always, *rng.sample(list(mix), rng.randint(min_per_page, min(per_page, len(mix))))]
        text, truth = build_page(arts, rng, ph)
        yield text, truth.articles, ph


def evaluate(
    articles: Sequence[TruthArticle],
    n_pages: int = 200,
    seed: int = 7,
    mix: Sequence[str] = MIX,
    per_page: int = 2,
    min_per_page: int = 1,
    always: Sequence[str] = (),
) -> tuple[Score, dict[str, Score], float]:
    """Overall score, score per phenomenon, mean ms per page."""
    total = ZERO
    per: dict[str, Score] = {}
    elapsed = 0.0
    for i, (text, truth, ph) in enumerate(
        generate(articles, n_pages, seed, mix, per_page, min_per_page, always)
    ):
        t0 = time.perf_counter()
        res = segment_page(text, f"synthetic-{i}")
        elapsed += time.perf_counter() - t0
        s = score_page(res.articles, truth)
        total = total + s
        for p in ph:
            per[p] = per.get(p, ZERO) + s
    return total, per, 1000 * elapsed / max(1, n_pages)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("articles", nargs="?", default=str(DEFAULT_ARTICLES))
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    arts = load_articles(Path(args.articles))
    runs = (
        ("main mix", {"mix": MIX}),
        ("page_one_line", {"mix": ("page_one_line",)}),
        ("hard mix (2-4 a page)", {"mix": HARD, "per_page": 4, "min_per_page": 2}),
        ("flat + 1-3 others", {"mix": FLAT_WITH, "per_page": 3, "always": ("page_one_line",)}),
    )
    for name, kw in runs:
        total, per, ms = evaluate(arts, args.pages, args.seed, **kw)  # type: ignore[arg-type]
        print(
            f"{name}: exact-article accuracy {total.exact_accuracy:.3f}  boundary F1 {total.boundary_f1:.3f}  "
            f"title {total.title_accuracy:.3f}  ({total.truth} articles, {args.pages} pages, {ms:.2f} ms/page)"
        )
        if len(per) > 1:
            for p, s in sorted(per.items()):
                print(
                    f"  {p:18s} exact {s.exact_accuracy:.3f}  boundary F1 {s.boundary_f1:.3f}  "
                    f"title {s.title_accuracy:.3f}  (n={s.truth})"
                )


if __name__ == "__main__":
    main()
