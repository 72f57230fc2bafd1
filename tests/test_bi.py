"""BI access: the documented read-only SQLAlchemy URI and the Parquet exports keep working during a run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from tests.conftest import ROOT, copy_seeds

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def sqlalchemy_uri(db_path) -> str:
    """The URI documented in docs/data-model.md for Superset and other SQLAlchemy tools."""
    return f"duckdb:///{db_path.resolve()}?access_mode=read_only"


def read_everything(engine, exports_dir) -> dict[str, int]:
    import sqlalchemy as sa

    counts: dict[str, int] = {}
    with engine.connect() as conn:
        marts = sa.inspect(conn).get_table_names(schema="marts")
        for table in marts:
            counts[table] = conn.execute(sa.text(f'SELECT count(*) FROM marts."{table}"')).scalar_one()  # noqa: S608
        hits = conn.execute(sa.text("SELECT count(*) FROM search.articles('复工复产')")).scalar_one()
        counts["search"] = hits
    con = duckdb.connect()
    try:
        for table in marts:
            n = con.execute(
                "SELECT count(*) FROM read_parquet(?)", [str(exports_dir / f"{table}.parquet")]
            ).fetchone()[0]
            assert n == counts[table], table
    finally:
        con.close()
    return counts


def test_uri_is_read_only(seeded_run):
    import sqlalchemy as sa

    engine = sa.create_engine(sqlalchemy_uri(seeded_run.published))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT current_setting('access_mode')")).scalar_one() == "read_only"
        with pytest.raises(sa.exc.DBAPIError):
            conn.execute(sa.text("CREATE TABLE marts.nope (x INTEGER)"))
    engine.dispose()


def test_exports_cover_every_mart(seeded_run):
    exports = seeded_run.warehouse_dir / "exports"
    con = duckdb.connect(str(seeded_run.published), read_only=True)
    try:
        marts = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
            ).fetchall()
        }
        assert {p.stem for p in exports.glob("*.parquet")} == marts
        n = con.execute("SELECT count(*) FROM marts.fct_articles").fetchone()[0]
        assert (
            con.execute(
                "SELECT count(*) FROM read_parquet(?)", [str(exports / "fct_articles.parquet")]
            ).fetchone()[0]
            == n
        )
    finally:
        con.close()


@pytest.mark.long  # a pipeline run of its own with a reader held open: make test-long
def test_sqlalchemy_and_exports_while_a_run_is_in_progress(seeded_run, tmp_path):
    """The one extra pipeline run: a full rebuild next to a published warehouse that BI keeps reading."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    shutil.copy2(seeded_run.published, warehouse / "newsetl.duckdb")
    # the layout before releases (exports -> .exports-<run>): the run moves it into a release
    shutil.copytree((seeded_run.warehouse_dir / "exports").resolve(), warehouse / ".exports-seeded")
    (warehouse / "exports").symlink_to(".exports-seeded")
    inputs = copy_seeds(tmp_path / "input")
    # NullPool: every checkout opens the file anew, so BI sees each newly published copy
    engine = sa.create_engine(sqlalchemy_uri(warehouse / "newsetl.duckdb"), poolclass=NullPool)
    baseline = read_everything(engine, warehouse / "exports")
    assert baseline["fct_articles"] > 0 and baseline["search"] > 0

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsetl.app.cli",
            "run",
            "--input",
            str(inputs),
            "--warehouse",
            str(warehouse),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reads_during_run = 0
    try:
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            if (warehouse / ".work").exists():  # the run is writing its work database
                counts = read_everything(engine, warehouse / "exports")
                assert counts["fct_articles"] == baseline["fct_articles"]
                reads_during_run += 1
            time.sleep(0.2)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, f"run failed:\n{out}\n{err[-3000:]}"
    assert reads_during_run >= 3, "no reads happened while the run was in progress"
    after = read_everything(engine, warehouse / "exports")
    assert after["fct_articles"] == baseline["fct_articles"]
    engine.dispose()


def test_exports_are_rewritten_only_when_dbt_built_new_marts(tmp_path):
    """A run whose marts are those of the live release (same dbt build state) writes no Parquet:
    its release links the same files."""
    import duckdb

    from newsetl.config import make_paths
    from newsetl.pipeline.publication import write_exports
    from newsetl.warehouse.publish import publish_release

    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    paths.work_dir.mkdir(parents=True)
    con = duckdb.connect(str(paths.work_db))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.fct_x AS SELECT 1 AS a")
    con.execute("CREATE SCHEMA ops; CREATE TABLE ops.dbt_state (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO ops.dbt_state VALUES ('data', 'd1'), ('code', 'c1')")
    con.close()

    def release(run_id):
        publish_release(paths, run_id, lambda folder: write_exports(paths, folder))
        return (paths.exports_dir / "fct_x.parquet").resolve()

    first = release("run1")
    inode = first.stat().st_ino
    second = release("run2")
    assert second.parent.parent.name == "run2" and second.stat().st_ino == inode  # linked, not rewritten
    con = duckdb.connect(str(paths.work_db))
    con.execute("CREATE OR REPLACE TABLE marts.fct_x AS SELECT 2 AS a")
    con.execute("UPDATE ops.dbt_state SET value = 'd2' WHERE key = 'data'")  # what a new dbt build records
    con.close()
    third = release("run3")
    assert third.parent.parent.name == "run3" and third.stat().st_ino != inode
    out = duckdb.connect().execute(
        "SELECT a FROM read_parquet(?)", [str(paths.exports_dir / "fct_x.parquet")]
    )
    assert out.fetchone()[0] == 2
    assert (
        not first.parent.exists() and not second.parent.exists()
    )  # earlier releases removed after the switch
