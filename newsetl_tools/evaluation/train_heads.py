"""Learn the head model (``newsetl/core/text/data/head_model.json``) from real two-line heads.

``python -m newsetl_tools.evaluation.train_heads --corpus DIR``

Every article of the corpus's tuning part printed with exactly two head lines
is a sample: kicker over title (positive) or title over a subtitle that is not a
dash line (negative). Features are ``headlines.head_pair_features``; an
L2-regularised logistic regression keeps those seen at least ``--min-count``
times. The test part's accuracy is printed beside the accuracy of the rule the
model replaced (kicker whenever the first line is long enough).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from newsetl.config import TEXT_MODEL_DIR
from newsetl.core.text.headlines import head_pair_features, is_subtitle
from newsetl.core.text.linear import LinearModel, save_model
from newsetl.core.text.normalize import clean_line
from newsetl_tools.evaluation.logistic import fit as logistic_fit
from newsetl_tools.evaluation.realpages import load_truth

Sample = tuple[int, str, str]  # (1: kicker over title, 0: title over subtitle), first line, second line


def head_pairs(corpus: Path, part: str) -> list[Sample]:
    out: list[Sample] = []
    for page in load_truth(corpus):
        if page.part != part:
            continue
        for a in page.articles:
            kicker, title, subtitle = a.get("kicker"), a.get("title"), a.get("subtitle")
            if not title:
                continue
            if kicker and not subtitle:
                out.append((1, clean_line(kicker), clean_line(title)))
            elif subtitle and not kicker and not is_subtitle(clean_line(subtitle)):
                out.append((0, clean_line(title), clean_line(subtitle)))
    return out


def fit(samples: list[Sample], min_count: int, l2: float) -> LinearModel:
    """The logistic model over the features seen at least ``min_count`` times."""
    feats = [head_pair_features(a, b) for _y, a, b in samples]
    seen = Counter(name for f in feats for name in f)
    kept = {n for n, c in seen.items() if c >= min_count}
    xs = [{n: v for n, v in f.items() if n in kept} for f in feats]
    return logistic_fit(xs, [y for y, _a, _b in samples], l2=l2)


def accuracy(model: LinearModel, samples: list[Sample]) -> float:
    return sum(model.decide(head_pair_features(a, b)) == bool(y) for y, a, b in samples) / max(
        1, len(samples)
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--l2", type=float, default=1.0)
    args = ap.parse_args(argv)
    tune, test = head_pairs(args.corpus, "tune"), head_pairs(args.corpus, "test")
    model = fit(tune, args.min_count, args.l2)
    print(f"{len(tune)} tuning heads, {len(model.weights)} features")
    print(f"accuracy: tuning {accuracy(model, tune):.3f}, test {accuracy(model, test):.3f}")
    path = save_model(
        model,
        "head_model",
        TEXT_MODEL_DIR,
        {"trained_by": "python -m newsetl_tools.evaluation.train_heads --corpus DIR", "l2": args.l2},
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
