"""Held-out golden set: articles never used for tuning, labelled before the classifier ran.

The seed golden set (``test_golden.py``) is what weights and rules were tuned on; these
thresholds are the honest bar for unseen pages. They sit a little below the measured
values so that a real regression fails and a one-article wobble does not.
``.venv/bin/python tests/classify/golden_eval.py --heldout -v`` lists every error.
"""

from __future__ import annotations

import pytest
from golden_eval import Accuracy, Score, evaluate, golden

from newsetl.core.classify.lexicon import ministries, topics


@pytest.fixture(scope="module")
def metrics() -> dict[str, object]:
    return evaluate("heldout")


def test_heldout_set_is_broad_and_separate() -> None:
    arts = golden("heldout")
    assert len(arts) >= 30
    assert len({a["id"] for a in arts}) == len(arts)
    assert not {a["id"] for a in arts} & {a["id"] for a in golden("seed")}
    labelled = {t for a in arts for t in a["expected"]["topics"]}
    assert labelled == {t.code for t in topics()}, "every topic code is labelled somewhere"
    codes = {m for a in arts for m in a["expected"]["ministries"]}
    assert len(codes) >= 25 and codes <= set(ministries())


@pytest.mark.parametrize(
    ("name", "precision", "recall"),
    [
        ("topics", 0.80, 0.85),
        ("ministries", 0.95, 0.95),
        ("organisations", 0.90, 0.90),
        ("people", 0.90, 0.90),
        ("places", 0.90, 0.90),
        ("policy_documents", 0.90, 0.90),
    ],
)
def test_heldout_precision_recall(metrics: dict, name: str, precision: float, recall: float) -> None:
    m = metrics[name]
    assert isinstance(m, Score)
    msg = f"P={m.precision:.3f} R={m.recall:.3f} misses={m.misses} false={m.false_alarms}"
    assert m.precision >= precision, msg
    assert m.recall >= recall, msg


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("primary_topic", 0.90),
        ("dateline_date", 1.0),
        ("year", 0.90),
        ("date", 0.90),
        ("organisation_kind", 0.95),
        ("organisation_level", 0.95),
        ("person_role", 0.90),
        ("policy_doc_type", 0.95),
    ],
)
def test_heldout_accuracy(metrics: dict, name: str, minimum: float) -> None:
    m = metrics[name]
    assert isinstance(m, Accuracy)
    assert m.value >= minimum, m.wrong
