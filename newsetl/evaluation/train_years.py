"""Learn the year model (``newsetl/classify/data/year_model.json``) from real articles.

``python -m newsetl.evaluation.train_years --archive DIR_OR_7Z ... --corpus DIR``

Every year mention in the tuning days' articles (odd days of the month) is a
sample: its context features (``classify.years.mention_features``) and the
offset publication year − mentioned year. The model stores, per feature seen
at least ``--min-count`` times, the smoothed log ratio log P(offset | feature)
− log P(offset). The abstention threshold is the lowest posterior that keeps
wrong years at or under ``--max-wrong`` on the tuning part's corpus pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from newsetl.classify.years import OFFSETS, YearModel, mentions, year_posterior
from newsetl.config import CLASSIFY_MODEL_DIR
from newsetl.evaluation.archive import iter_archive
from newsetl.evaluation.realpages import load_truth, part_of

FAR = 99  # the class of years further away than OFFSETS


def fit(samples: list[tuple[list[str], int]], min_count: int, alpha: float = 1.0) -> tuple[list[float], dict]:
    classes = [*OFFSETS, FAR]
    k = len(classes)
    prior_c = Counter(d for _f, d in samples)
    n = sum(prior_c.values())
    prior = [math.log((prior_c[d] + alpha) / (n + alpha * k)) for d in classes]
    by_feat: dict[str, Counter[int]] = defaultdict(Counter)
    for feats, d in samples:
        for f in set(feats):
            by_feat[f][d] += 1
    table = {}
    for f, c in by_feat.items():
        tot = sum(c.values())
        if tot < min_count or f == "bias":
            continue
        row = [
            math.log((c[d] + alpha * math.exp(prior[i])) / (tot + alpha)) - prior[i]
            for i, d in enumerate(classes)
        ]
        table[f] = [round(v, 3) for v in row]
    return [round(v, 3) for v in prior], table


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--archive", action="append", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--max-wrong", type=float, default=0.015)
    ap.add_argument("--max-mentions", type=int, default=80)
    args = ap.parse_args(argv)
    samples: list[tuple[list[str], int]] = []
    for a in iter_archive(args.archive):
        if part_of(a.date) != "tune":
            continue
        text = "\n".join([a.title, *a.paragraphs])
        for y, feats in mentions(text):
            d = a.date.year - y
            samples.append((feats, d if d in OFFSETS else FAR))
    prior, table = fit(samples, args.min_count)
    model = YearModel(tuple(prior), {k: tuple(v) for k, v in table.items()}, 0.0, args.max_mentions)
    # threshold: per tuning page, the posterior of the chosen year and whether it is right
    scored: list[tuple[float, bool]] = []
    for page in load_truth(args.corpus):
        if page.part != "tune":
            continue
        text = (args.corpus / "pages" / page.file).read_text(encoding="utf-8")
        post = year_posterior(text, model)
        if post:
            y = max(post, key=lambda c: (post[c], c))
            scored.append((post[y], y == dt.date.fromisoformat(page.publication_date).year))
    scored.sort(reverse=True)
    n_pages = sum(1 for p in load_truth(args.corpus) if p.part == "tune")
    threshold, wrong, kept, right = 1.0, 0, 0, 0
    for i, (p, ok) in enumerate(scored):
        wrong += not ok
        if wrong / n_pages > args.max_wrong:
            break
        threshold, kept = p, i + 1
        right += ok
    print(
        f"{len(samples)} mentions, {len(table)} features; threshold {threshold:.3f}: a year for {kept} of "
        f"{n_pages} tuning pages, {right} right"
    )
    out = CLASSIFY_MODEL_DIR / "year_model.json"
    out.write_text(
        json.dumps(
            {
                "trained_by": "python -m newsetl.evaluation.train_years",
                "offsets": list(OFFSETS),
                "threshold": round(threshold, 4),
                "max_mentions": args.max_mentions,
                "prior": prior,
                "table": dict(sorted(table.items())),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
