"""Golden tests on the hand-labelled seed articles: precision and recall per extractor.

``.venv/bin/python tests/classify/golden_eval.py -v`` prints the same numbers with
every miss and false alarm.
"""

from __future__ import annotations

import pytest
from golden_eval import Accuracy, Score, evaluate, golden


@pytest.fixture(scope="module")
def metrics() -> dict[str, object]:
    return evaluate()


def _pr(m: Score) -> str:
    return f"P={m.precision:.3f} R={m.recall:.3f} misses={m.misses} false={m.false_alarms}"


def test_golden_set_is_complete() -> None:
    arts = golden()
    assert len(arts) >= 15
    assert len({a["id"] for a in arts}) == len(arts)
    assert {a["file"] for a in arts} == {
        "000_ccf4753ca244f86c.txt",
        "001_3e3f40778ccbcd2d.txt",
        "002_668a7cd0f9e5d5aa.txt",
        "003_7e8a5c569a566c58.txt",
        "004_ea6552c71777745f.txt",
    }


@pytest.mark.parametrize(
    ("name", "precision", "recall"),
    [
        ("topics", 0.85, 0.85),
        ("ministries", 0.95, 0.95),
        ("organisations", 0.90, 0.90),
        ("people", 0.90, 0.85),
        ("places", 0.90, 0.90),
        ("policy_documents", 0.90, 0.90),
    ],
)
def test_precision_recall(metrics: dict, name: str, precision: float, recall: float) -> None:
    m = metrics[name]
    assert isinstance(m, Score)
    print(f"{name}: {_pr(m)}")
    assert m.precision >= precision, _pr(m)
    assert m.recall >= recall, _pr(m)


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("primary_topic", 1.0),  # primary topic right for every article
        ("dateline_date", 1.0),  # every dateline date right
        ("year", 1.0),  # every article year right
        ("date", 1.0),
        ("organisation_kind", 0.95),
        ("organisation_level", 0.95),
        ("person_role", 0.90),
        ("policy_doc_type", 0.95),
    ],
)
def test_accuracy(metrics: dict, name: str, minimum: float) -> None:
    m = metrics[name]
    assert isinstance(m, Accuracy)
    print(f"{name}: {m.value:.3f} ({m.right}/{m.total}) wrong={m.wrong}")
    assert m.value >= minimum, m.wrong


def test_every_dateline_article_is_dated_to_the_day() -> None:
    from golden_eval import results

    dated = [(a, c) for a, c in results() if a["dateline"]]
    assert dated
    for a, c in dated:
        assert c.date.precision == "day"
        assert c.date.event_date == a["expected"]["date"]["event_date"]
        assert "dateline" in (c.date.evidence or "")
