"""What the segmenter's trainers share: a logistic fit and the score they choose thresholds by."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from newsetl.core.text import segment as seg
from newsetl.core.text.linear import LinearModel
from newsetl_tools.evaluation.realpages import load_truth
from newsetl_tools.evaluation.realscore import score_pages


def fit(
    xs: list[dict[str, float]],
    ys: list[int],
    weights: Sequence[float] | None = None,
    l2: float = 1.0,
    steps: int = 30,
) -> LinearModel:
    """Weighted, L2-regularised logistic regression by Newton steps (a few dozen features: exact and fast)."""
    names = sorted({k for x in xs for k in x})
    X = np.array([[x.get(n, 0.0) for n in names] + [1.0] for x in xs], dtype=float)
    y = np.array(ys, dtype=float)
    sw = np.ones(len(ys)) if weights is None else np.asarray(weights, dtype=float)
    reg = np.full(len(names) + 1, l2)
    reg[-1] = 0.0  # the bias is not shrunk
    w = np.zeros(len(names) + 1)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (sw * (p - y)) + reg * w
        hess = (X * (sw * p * (1 - p))[:, None]).T @ X + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return LinearModel(
        bias=float(w[-1]), threshold=0.5, weights=dict(zip(names, map(float, w[:-1]), strict=True))
    )


def tune_exact(corpus: Path) -> Callable[[], float]:
    """A measure of the segmenter as it stands: the share of exact articles on the tuning multi pages.

    Trainers choose thresholds by it: missing a title or a join cuts an article, an extra one
    merges two, and sample accuracy does not weigh the two by their cost.
    """
    pages = [p for p in load_truth(corpus) if p.part == "tune" and "/multi/" in p.file]
    texts = {p.file: (corpus / "pages" / p.file).read_text(encoding="utf-8") for p in pages}

    def exact() -> float:
        total, _per = score_pages(
            pages, texts, lambda t, d: seg.segment_page(t, d).articles, with_dates=False
        )
        return total.exact / max(1, total.truth)

    return exact
