"""A passing gate's outcome is reused for the same frames and config, never for other ones."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from newsetl.quality.gate import (
    ExpectationOutcome,
    GateOutcome,
    cached_outcome,
    gate_fingerprint,
    store_outcome,
)


def _frames(n: int = 3) -> dict[str, pd.DataFrame]:
    return {
        "articles": pd.DataFrame({"article_id": [f"a{i}" for i in range(n)], "bylines": [["记者 王"]] * n}),
        "batch": pd.DataFrame({"documents": [n]}),
    }


def _outcome(success: bool) -> GateOutcome:
    severity = "batch"
    return GateOutcome(
        results=[ExpectationOutcome("batch", "expect_x", None, severity, success, "1", "why")],
        data_docs="/site/index.html",
    )


def test_same_frames_and_config_reuse_a_passing_outcome(tmp_path: Path) -> None:
    cache, config = tmp_path / "last-gate.json", {"suites": {"batch": {"query": "SELECT 1"}}}
    key = gate_fingerprint(_frames(), config)
    assert key == gate_fingerprint(_frames(), config)
    assert cached_outcome(cache, key) is None
    store_outcome(cache, key, _outcome(True))
    reused = cached_outcome(cache, key)
    assert reused is not None and reused.success and reused.results == _outcome(True).results
    assert reused.data_docs == "/site/index.html"
    assert cached_outcome(cache, gate_fingerprint(_frames(4), config)) is None  # other data
    other = {"suites": {"batch": {"query": "SELECT 2"}}}
    assert cached_outcome(cache, gate_fingerprint(_frames(), other)) is None  # other config


def test_a_failing_outcome_is_not_kept(tmp_path: Path) -> None:
    cache, config = tmp_path / "last-gate.json", {}
    key = gate_fingerprint(_frames(), config)
    store_outcome(cache, key, _outcome(True))
    store_outcome(cache, key, _outcome(False))
    assert cached_outcome(cache, key) is None
    cache.write_text("not json", encoding="utf-8")
    assert cached_outcome(cache, key) is None


def test_the_cli_imports_great_expectations_unless_the_input_is_unchanged(tmp_path: Path) -> None:
    import os

    from newsetl.cli import _gate_may_validate
    from newsetl.config import make_paths

    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    (tmp_path / "in").mkdir()
    page = tmp_path / "in" / "a.txt"
    page.write_text("一", encoding="utf-8")
    assert _gate_may_validate(paths)  # no stored outcome
    paths.work_dir.mkdir(parents=True)
    cache = paths.work_dir / "last-gate.json"
    cache.write_text("{}", encoding="utf-8")
    later = page.stat().st_mtime_ns + 10**9
    os.utime(cache, ns=(later, later))
    assert not _gate_may_validate(paths)
    (tmp_path / "in" / "b.txt").write_text("二", encoding="utf-8")  # a new page: the folder changed
    os.utime(tmp_path / "in" / "b.txt", ns=(later + 1, later + 1))
    assert _gate_may_validate(paths)
