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
