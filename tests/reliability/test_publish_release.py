"""Database, Parquet exports and run report are published as one release.

On a copy of the session's seeded warehouse (real DuckDB files, real exports and report), a
new build is simulated in the work database (one more published run, fewer articles, a new dbt
state), then publish is SIGKILLed at each of its steps: after every kill the three published
artefacts still belong to the same, previous run; the publish that completes switches all three.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, RunResult

KILL_POINTS = ["publish_extras", "publish", "publish_switch"]


def published_state(wh: Path) -> dict:
    """What each published artefact says about which run it is, read the way readers read them."""
    from newsetl.warehouse.publish import current_release

    con = duckdb.connect(str(wh / "newsetl.duckdb"), read_only=True)
    try:
        db_run = con.execute(
            "SELECT run_id FROM ops.runs WHERE status = 'published' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()[0]
        db_articles = con.execute("SELECT count(*) FROM marts.fct_articles").fetchone()[0]
        export_articles = con.execute(
            "SELECT count(*) FROM read_parquet(?)", [str(wh / "exports" / "fct_articles.parquet")]
        ).fetchone()[0]
    finally:
        con.close()
    reports = sorted(p.name for p in (wh / "reports").glob("run-*.html"))
    latest = (wh / "reports" / "latest.html").read_text(encoding="utf-8")
    return {
        "release": (current_release(wh) or {}).get("run_id"),
        "database": db_run,
        "report": reports,
        "latest_report_names_run": db_run in latest,
        "articles": (db_articles, export_articles),
    }


def publish(wh: Path, run_id: str, fault: str | None) -> subprocess.CompletedProcess:
    code = textwrap.dedent(
        f"""
        from newsetl.config import make_paths
        from newsetl.pipeline.publication import prepare_publication
        from newsetl.warehouse.publish import publish_release
        paths = make_paths({str(wh.parent / "input")!r}, {str(wh)!r})
        publish_release(paths, {run_id!r}, lambda folder: prepare_publication(paths, {run_id!r}, folder))
        """
    )
    env = {**os.environ, "NEWSETL_SKIP_DBT_DOCS": "1"}
    env.pop("NEWSETL_FAULT", None)
    if fault:
        env["NEWSETL_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def warehouse(seeded_run: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wh = tmp_path_factory.mktemp("release") / "warehouse"
    shutil.copytree(seeded_run.warehouse_dir, wh, symlinks=True)
    return wh


def test_a_published_warehouse_is_one_release(warehouse: Path) -> None:
    wh = warehouse
    for name in ("newsetl.duckdb", "exports", "reports"):
        assert (wh / name).is_symlink() and os.readlink(wh / name) == f".published/current/{name}"
    state = published_state(wh)
    assert state["release"] == state["database"]
    assert state["report"] == [f"run-{state['database']}.html"] and state["latest_report_names_run"]
    assert state["articles"][0] == state["articles"][1] > 0


def test_publish_killed_at_any_step_leaves_database_exports_and_report_of_one_run(warehouse: Path) -> None:
    wh = warehouse
    before = published_state(wh)
    old_run = before["database"]
    work = wh / ".work" / "newsetl.duckdb"
    con = duckdb.connect(str(work))
    try:  # what a new run leaves in the work database: its row, other marts, a new dbt state
        con.execute(
            "INSERT INTO ops.runs (run_id, started_at, status, input_dir, full_refresh) "
            "VALUES ('r-next', now()::TIMESTAMP + INTERVAL 1 MINUTE, 'published', 'x', false)"
        )
        con.execute(
            "DELETE FROM marts.fct_articles WHERE article_id IN (SELECT article_id FROM marts.fct_articles LIMIT 3)"
        )
        con.execute("UPDATE ops.dbt_state SET value = value || '-next'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    for point in KILL_POINTS:
        res = publish(wh, "r-next", point)
        assert res.returncode == -signal.SIGKILL, f"{point}: {res.returncode}\n{res.stderr[-3000:]}"
        assert published_state(wh) == before, f"killed at {point}: the published artefacts changed"
        if point == "publish":  # killed mid-copy of the database: a partial folder, never live
            assert list((wh / ".published").glob(".r-next.tmp-*/.newsetl.duckdb.tmp-*"))
    # the kills left a partial folder and a complete release that never went live
    assert (wh / ".published" / "r-next" / "RELEASE.json").is_file()
    res = publish(wh, "r-next", None)
    assert res.returncode == 0, res.stderr[-3000:]
    after = published_state(wh)
    assert after["release"] == after["database"] == "r-next" != old_run
    assert after["report"] == ["run-r-next.html"] and after["latest_report_names_run"]
    assert after["articles"][0] == after["articles"][1] == before["articles"][0] - 3
    from newsetl.app.status import collect_status
    from newsetl.config import make_paths

    published = collect_status(make_paths(wh.parent / "input", wh))["published"]
    assert published["run_id"] == published["database_run_id"] == "r-next"  # `newsetl status` names it
    # the partial folders and the previous release are gone; only the live one is kept
    assert sorted(p.name for p in (wh / ".published").iterdir()) == ["current", "r-next"]


def test_a_warehouse_published_before_releases_is_moved_into_one(
    seeded_run: RunResult, tmp_path: Path
) -> None:
    """The earlier layout (plain file, exports -> .exports-<run>, reports folder) becomes a release."""
    from newsetl.warehouse.publish import current_release, ensure_release_layout

    wh = tmp_path / "warehouse"
    wh.mkdir()
    shutil.copy2(seeded_run.published, wh / "newsetl.duckdb")
    shutil.copytree((seeded_run.warehouse_dir / "exports").resolve(), wh / ".exports-old")
    (wh / "exports").symlink_to(".exports-old")
    shutil.copytree((seeded_run.warehouse_dir / "reports").resolve(), wh / "reports")
    digest = (wh / "newsetl.duckdb").read_bytes()
    ensure_release_layout(wh)
    state = published_state(wh)
    assert state["release"] == state["database"] and state["articles"][0] == state["articles"][1]
    assert (wh / "newsetl.duckdb").read_bytes() == digest
    assert not (wh / ".exports-old").exists()
    assert current_release(wh)["run_id"] == state["database"]
