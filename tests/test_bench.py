"""The benchmark measures the code it says it measures, and never passes a run that broke."""

from __future__ import annotations

from pathlib import Path

from newsetl_tools.bench import PROJECT_ROOT, evaluate_targets, failed_runs, snapshot_source


def test_the_frozen_copy_holds_every_module_and_no_output(tmp_path: Path) -> None:
    # an ignore pattern "warehouse" once dropped the newsetl/warehouse package too, and the
    # copy imported it from the working tree (a half-frozen benchmark)
    src = snapshot_source(tmp_path)
    modules = {p.relative_to(PROJECT_ROOT) for p in (PROJECT_ROOT / "newsetl").rglob("*.py")}
    assert modules and modules <= {p.relative_to(src) for p in (src / "newsetl").rglob("*.py")}
    assert (src / "newsetl" / "warehouse" / "load.py").is_file()
    assert not (src / "warehouse").exists() and not (src / ".venv").exists()


def _run(wall: float, status: str | None = "published") -> dict:
    return {"wall_s": wall, "status": status, "peak_rss_tree_mb": 500.0, "stages_s": {}}


def test_a_run_that_did_not_publish_meets_no_target() -> None:
    fast_but_broken = {
        "sizes": {
            "10000": {
                "cold": _run(4.4, None),
                "rerun": _run(4.1, "failed"),
                "add10": _run(7.0),
                "processing_vs_rjieba": 0.5,
            }
        }
    }
    targets = {name: (got, ok) for name, _goal, got, ok in evaluate_targets(fast_but_broken)}
    assert targets["10,000 pages cold, end to end"] == ("4.4 s (not published: None)", False)
    assert targets["re-run, no new files (temporary Prefect server)"][1] is False
    assert targets["+10 pages to the archive (temporary Prefect server)"] == ("7.0 s", True)
    assert targets["peak RSS (process tree), all sizes"][1] is False
    assert failed_runs(fast_but_broken) == ["10000/cold: None", "10000/rerun: failed"]


def test_a_rerun_that_found_nothing_changed_counts() -> None:
    result = {"sizes": {"10000": {"cold": _run(30.0), "rerun": _run(1.5, "unchanged"), "add10": _run(7.0)}}}
    targets = {name: (got, ok) for name, _goal, got, ok in evaluate_targets(result)}
    assert targets["re-run, no new files (temporary Prefect server)"] == ("1.5 s", True)
    assert failed_runs(result) == []
