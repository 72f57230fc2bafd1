"""A passing gate's results are reused per suite for the same frame and config, never for others."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from newsetl.pipeline.quality import gate
from newsetl.pipeline.quality.gate import (
    ExpectationOutcome,
    GateOutcome,
    cached_results,
    run_gate_reusing,
    store_results,
    suite_fingerprints,
)

CONFIG = {"suites": {"articles": {"query": "SELECT 1"}, "batch": {"query": "SELECT 2"}}}


def _frames(n: int = 3, docs: int = 3) -> dict[str, pd.DataFrame]:
    return {
        "articles": pd.DataFrame({"article_id": [f"a{i}" for i in range(n)], "bylines": [["记者 王"]] * n}),
        "batch": pd.DataFrame({"documents": [docs]}),
    }


def _result(suite: str, success: bool = True) -> ExpectationOutcome:
    return ExpectationOutcome(suite, "expect_x", None, "batch", success, "1", "why")


def _fake_gate(calls: list):
    def run(frames, run_name, config, warehouse_dir=None):
        calls.append(sorted(frames))
        return GateOutcome([_result(name) for name in frames], data_docs=f"/site/{run_name}.html")

    return run


def test_suites_with_known_frames_are_not_validated_again(tmp_path: Path, monkeypatch) -> None:
    calls: list = []
    monkeypatch.setattr(gate, "run_gate", _fake_gate(calls))
    cache = tmp_path / "last-gate.json"
    first, reused = run_gate_reusing(_frames(3), "r1", CONFIG, cache)
    assert reused == 0 and calls == [["articles", "batch"]]
    again, reused = run_gate_reusing(_frames(3), "r2", CONFIG, cache)
    assert reused == 2 and calls == [["articles", "batch"]]  # no validation at all
    assert again.results == first.results and again.data_docs == "/site/r1.html"
    _, reused = run_gate_reusing(_frames(0), "r3", CONFIG, cache)  # a re-run: no articles of its own
    assert reused == 1 and calls[-1] == ["articles"]
    _, reused = run_gate_reusing(_frames(5, docs=4), "r4", CONFIG, cache)  # new pages
    assert reused == 0
    _, reused = run_gate_reusing(_frames(0, docs=4), "r5", CONFIG, cache)  # first re-run after them
    assert reused == 2 and calls[-1] == ["articles", "batch"]
    other = {"suites": {**CONFIG["suites"], "batch": {"query": "SELECT 3"}}}
    _, reused = run_gate_reusing(_frames(0, docs=4), "r6", other, cache)  # another config
    assert reused == 0


def test_a_failing_gate_keeps_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "last-gate.json"
    prints = suite_fingerprints(_frames(), CONFIG)
    store_results(cache, prints, GateOutcome([_result("articles"), _result("batch")]))
    assert set(cached_results(cache, prints)[0]) == {"articles", "batch"}
    store_results(cache, prints, GateOutcome([_result("articles"), _result("batch", success=False)]))
    assert cached_results(cache, prints)[0] == {}
    cache.write_text("not json", encoding="utf-8")
    assert cached_results(cache, prints)[0] == {}


def test_the_cli_imports_great_expectations_unless_the_input_is_unchanged(tmp_path: Path) -> None:
    from newsetl.app.cli import _gate_may_validate
    from newsetl.config import make_paths

    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    (tmp_path / "in").mkdir()
    page = tmp_path / "in" / "a.txt"
    page.write_text("一", encoding="utf-8")
    assert _gate_may_validate(paths)  # no stored results
    paths.work_dir.mkdir(parents=True)
    cache = paths.work_dir / "last-gate.json"
    cache.write_text("{}", encoding="utf-8")
    later = page.stat().st_mtime_ns + 10**9
    os.utime(cache, ns=(later, later))
    assert not _gate_may_validate(paths)
    (tmp_path / "in" / "b.txt").write_text("二", encoding="utf-8")  # a new page
    os.utime(tmp_path / "in" / "b.txt", ns=(later + 1, later + 1))
    assert _gate_may_validate(paths)
