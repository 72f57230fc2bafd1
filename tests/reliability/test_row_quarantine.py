"""Row-level failures quarantine rows, not runs: the article rules, their thresholds, the windows.

Unit level (no Prefect): the record checks, the gate's article_rules suite run through real
great-expectations checkpoints, windowed segmentation and the text workers' memory cap.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pandas as pd
import pytest

from newsetl.core.windows import segment_bounded, split_windows
from newsetl.pipeline.process import DocInput, process_and_screen, process_batch
from newsetl.pipeline.quality import gate
from newsetl.pipeline.quality.records import RecordRules, date_problem, screen_rows
from tests.conftest import ROOT
from tests.reliability.pages import dated_page

TODAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("event_date", "year", "failing"),
    [
        ("1956-03-12", 1956, True),  # a historical reference read as the event
        ("1949-01-01", 1949, True),
        ("2027-03-01", 2027, False),  # a planned conference announced in late 2026 is news
        ("2063-02-10", 2063, True),  # a target year read as a date
        (None, 2031, True),
        ("2021-05-04", 2021, False),
        (None, None, False),
    ],
)
def test_event_date_plausibility(event_date, year, failing) -> None:
    assert (date_problem(event_date, year, RecordRules(), TODAY) is not None) is failing


def test_implausible_year_is_nulled_and_the_article_kept_with_its_reason() -> None:
    docs = [DocInput("d1", "page-7.txt", dated_page(7, 5, bad={1}))]
    rows, _ = process_batch(docs, "run-1")
    rows, rejected = screen_rows(rows, docs, RecordRules(), today=TODAY)
    arts = rows["articles"]
    assert len(arts["article_id"]) == 5  # nothing excluded
    assert not rejected
    assert (
        arts["event_year"][1] is None and arts["event_date"][1] is None and arts["date_precision"][1] is None
    )
    assert all(y == 2021 for i, y in enumerate(arts["event_year"]) if i != 1)
    q = rows["article_quarantine"]
    assert q["rule"] == ["event_year_plausible"]
    assert q["value"] == ["1956"]
    assert q["action"] == ["null_date"]
    assert q["source_file"] == ["page-7.txt"] and q["position_in_file"] == [1]
    assert q["article_id"] == [arts["article_id"][1]] and q["processed_run"] == ["run-1"]
    assert "1956" in q["reason"][0] and "nulled" in q["reason"][0]


def test_excluded_articles_are_listed_with_rule_and_value() -> None:
    docs = [DocInput("d1", "page.txt", dated_page(1, 3))]
    rows, _ = process_batch(docs, "run-1")
    rows["articles"]["body"][2] = ""
    rows, rejected = screen_rows(rows, docs, RecordRules(), today=TODAY)
    assert len(rows["articles"]["article_id"]) == 2
    assert [r.path for r in rejected] == ["page.txt#2"]
    q = rows["article_quarantine"]
    assert (q["rule"], q["action"], q["position_in_file"]) == (["body_present"], ["exclude"], [2])


def test_a_dump_of_hundreds_of_articles_is_held_back_whole() -> None:
    rules = RecordRules(max_articles_per_page=10)
    docs = [DocInput("d1", "dump.txt", dated_page(1, 12)), DocInput("d2", "page.txt", dated_page(2, 4))]
    rows, rejected = process_and_screen(docs, "run-1", rules)
    assert set(rows["articles"]["doc_id"]) == {"d2"}
    assert [r.path for r in rejected] == ["dump.txt"]
    assert "not a page: 12 articles > 10" in rejected[0].reason


# --- the gate: how many may fail before the run blocks ------------------------------------------


def _frame(n: int, failing: int, rule: str = "event_year_plausible") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": [f"a{i}" for i in range(n)],
            "failed_rules": [[rule] if i < failing else [] for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def gate_config() -> dict:
    config = gate.load_config()
    return {"suites": {"article_rules": config["suites"]["article_rules"]}}


def test_one_failing_article_in_hundreds_passes_thirty_percent_blocks(gate_config: dict) -> None:
    one = gate.run_gate({"article_rules": _frame(300, 1)}, "unit-one", gate_config)
    assert one.success, one.summary()
    many = gate.run_gate({"article_rules": _frame(300, 90)}, "unit-many", gate_config)
    assert not many.success
    assert [(f.suite, f.column) for f in many.failures] == [("article_rules", "event_year_plausible")]
    empty = gate.run_gate({"article_rules": _frame(0, 0)}, "unit-empty", gate_config)
    assert empty.success  # a run that processed nothing new has nothing to block on


def test_every_article_rule_has_a_threshold() -> None:
    from newsetl.pipeline.quality.records import ARTICLE_RULES

    config = gate.load_config()
    assert set(config["article_rules"]) == set(ARTICLE_RULES)
    for name, spec in config["article_rules"].items():
        assert ("mostly" in spec) != ("max_count" in spec), name
        assert spec["action"] == ARTICLE_RULES[name] and spec["why"]


def test_batch_thresholds_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    def batch_value(config: dict, column: str, key: str):
        for exp in config["suites"]["batch"]["expectations"]:
            if exp["kwargs"]["column"] == column:
                return exp["kwargs"][key]
        raise KeyError(column)

    config = gate.load_config()
    assert batch_value(config, "no_topic_share", "max_value") == {"$PARAMETER": "max_no_topic_share"}
    assert config["parameters"]["max_no_topic_share"] == 0.75  # documented default
    monkeypatch.setenv("NEWSETL_MAX_NO_TOPIC_SHARE", "0.5")
    monkeypatch.setenv("NEWSETL_MIN_VOLUME_RATIO", "0.2")
    config = gate.load_config()
    assert config["parameters"]["max_no_topic_share"] == 0.5
    assert config["parameters"]["min_volume_ratio"] == 0.2


def test_a_threshold_override_applies_to_its_run_and_rewrites_no_suite_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An override used to be written into the committed suites under expectations/ (and back)."""
    batch = pd.DataFrame(
        {
            "articles": [100],
            "fragment_share": [0.1],
            "no_topic_share": [0.6],
            "no_topic_share_change": [0.0],
            "undated_share": [0.1],
            "volume_ratio": [1.0],
            "document_quarantine_share": [0.0],
            "duplicate_article_ids": [0],
        }
    )

    def run(name: str):
        config = gate.load_config()
        return gate.run_gate(
            {"batch": batch}, name, {**config, "suites": {"batch": config["suites"]["batch"]}}
        )

    assert run("unit-default").success  # 0.6 untopical passes the default 0.75
    suites = gate.gx_root() / "gx" / "expectations"
    before = {p.name: p.read_bytes() for p in suites.glob("*.json")}
    monkeypatch.setenv("NEWSETL_MAX_NO_TOPIC_SHARE", "0.5")
    blocked = run("unit-override")
    assert [(f.suite, f.column) for f in blocked.failures] == [("batch", "no_topic_share")]
    monkeypatch.delenv("NEWSETL_MAX_NO_TOPIC_SHARE")
    assert run("unit-default-again").success
    assert {p.name: p.read_bytes() for p in suites.glob("*.json")} == before  # no file rewritten


# --- bounded cost per page ------------------------------------------------------------------------


def test_windows_cut_at_blank_lines_then_sentences_and_respect_the_cap() -> None:
    text = dated_page(1, 40)
    windows = split_windows(text, 1000)
    assert len(windows) > 3 and all(len(w) <= 1000 for _, w in windows)
    assert "".join(w for _, w in windows) == text
    assert all(w.endswith("\n\n") for _, w in windows[:-1])  # between articles
    one_line = text.replace("\n", "")
    windows = split_windows(one_line, 1000)
    assert "".join(w for _, w in windows) == one_line
    assert all(w[-1] in "。！？；" for _, w in windows[:-1])  # at sentence ends
    lines = [first for first, _ in split_windows(text, 1000)]
    assert lines == sorted(lines) and lines[0] == 0
    assert split_windows("无标点" * 1000, 500)[0][1] == ("无标点" * 1000)[:500]  # no boundary: cut at the cap


def test_a_page_under_the_cap_is_segmented_whole_and_a_long_one_in_windows() -> None:
    from newsetl.core.text import segment_page

    small = dated_page(2, 6)
    assert segment_bounded(small, "d", 60_000) == segment_page(small, "d")
    big = "\n\n".join(dated_page(p, 30) for p in range(40))  # ~170,000 characters
    page = segment_bounded(big, "d", 20_000)
    assert len(page.articles) == 1200
    assert [a.position for a in page.articles] == list(range(1200))
    assert len({a.article_id for a in page.articles}) == 1200


MEMORY_PROBE = """
from newsetl.pipeline.process import DocInput, limit_memory, process_batch
from tests.conftest import ROOT
from tests.reliability.pages import dated_page
small = dated_page(1, 3)
big = "\\n".join(dated_page(p, 40) for p in range(400))  # ~2.3 M characters, segmented whole
process_batch([DocInput("w", "warm.txt", small)], "warm")  # as a worker's initializer does
limit_memory(40)  # 40 MB above the warm size
rows, failed = process_batch([DocInput("d1", "small.txt", small), DocInput("d2", "big.txt", big)], "r")
print(sorted(set(rows["articles"]["doc_id"])), [f.path for f in failed], [f.reason for f in failed])
"""


def test_a_page_that_needs_more_memory_than_a_worker_may_take_is_quarantined() -> None:
    env = {**os.environ, "NEWSETL_WINDOW_CHARS": "0"}
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "['d1'] ['big.txt']" in out.stdout and "MemoryError" in out.stdout, out.stdout


def test_a_rule_may_allow_a_count_instead_of_a_share(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "NEWSETL_GX_ROOT", str(tmp_path)
    )  # a context of its own: the committed one stays as is
    suite = gate.article_rules_suite({"body_present": {"action": "exclude", "max_count": 2, "why": "test"}})
    config = {"suites": {"article_rules": suite}}
    assert gate.run_gate({"article_rules": _frame(500, 2, "body_present")}, "unit-two", config).success
    three = gate.run_gate({"article_rules": _frame(500, 3, "body_present")}, "unit-three", config)
    assert [f.column for f in three.failures] == ["body_present"]
