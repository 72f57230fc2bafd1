"""Score a segmentation against truth: boundary F1 and exact-article accuracy.

Texts are compared on their content key (no punctuation, no spaces), so a
page switched to ASCII punctuation or flattened to one line is judged on the
words, not on their decoration.

* exact-article accuracy: share of truth articles for which some predicted
  article has exactly the same body (all its text and nothing else);
* title accuracy: share of truth articles found exactly whose title is
  also right (compared like bodies; a title-less truth article wants None);
* boundary F1: article starts and ends as sets of anchors (first/last 16
  content characters of the body), precision/recall over predicted vs truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsetl.core.models import Article
from newsetl.core.text.normalize import clean_line, content_key
from newsetl_tools.degrade import TruthArticle

ANCHOR = 16


@dataclass(frozen=True)
class Score:
    exact: int
    truth: int
    predicted: int
    boundary_tp: int
    boundary_pred: int
    boundary_truth: int
    title_ok: int = 0  # exact articles whose title is also right (None for none)

    @property
    def exact_accuracy(self) -> float:
        return self.exact / self.truth if self.truth else 1.0

    @property
    def title_accuracy(self) -> float:
        """Share of truth articles found exactly *and* with the right title."""
        return self.title_ok / self.truth if self.truth else 1.0

    @property
    def boundary_f1(self) -> float:
        p = self.boundary_tp / self.boundary_pred if self.boundary_pred else 0.0
        r = self.boundary_tp / self.boundary_truth if self.boundary_truth else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(*(a + b for a, b in zip(self._tuple(), other._tuple(), strict=True)))

    def _tuple(self) -> tuple[int, ...]:
        return (
            self.exact,
            self.truth,
            self.predicted,
            self.boundary_tp,
            self.boundary_pred,
            self.boundary_truth,
            self.title_ok,
        )


ZERO = Score(0, 0, 0, 0, 0, 0, 0)


def _key(texts: Sequence[str]) -> str:
    return content_key("".join(clean_line(t) for t in texts))


def _anchors(keys: Sequence[str]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for k in keys:
        if k:
            out.add(("s", k[:ANCHOR]))
            out.add(("e", k[-ANCHOR:]))
    return out


def score_page(predicted: Sequence[Article], truth: Sequence[TruthArticle]) -> Score:
    """Compare one page's predicted articles with its truth articles."""
    pk = [_key([p.text for p in a.paragraphs]) for a in predicted]
    tk = [_key(a.body_texts()) for a in truth]
    titles = {k: _title(a.title) for k, a in zip(pk, predicted, strict=True)}
    exact = sum(1 for k in tk if k in titles)
    title_ok = sum(1 for k, a in zip(tk, truth, strict=True) if k in titles and titles[k] == _title(a.title))
    pa, ta = _anchors(pk), _anchors(tk)
    return Score(exact, len(tk), len(pk), len(pa & ta), len(pa), len(ta), title_ok)


def _title(t: str | None) -> str | None:
    return content_key(clean_line(t)) if t else None
