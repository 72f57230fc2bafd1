"""The whole pipeline with the DuckLake backend: the same marts as the single file, a failed gate
commits nothing. Pipeline runs of their own (make test-long)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from newsetl.warehouse import lake
from newsetl.warehouse.backend import remembered
from newsetl_tools.synth import write_corpus
from tests.conftest import ROOT, RunResult, copy_seeds, pipeline_run, run_cli, strict_gate_env

pytestmark = pytest.mark.long


def mart_checksums(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, tuple]:
    """Per mart table: its row count and an order-independent hash sum of every column.

    Columns naming a run (``first_seen_run``, ``run_id``) differ between two runs by design.
    """
    out: dict[str, tuple] = {}
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'marts' ORDER BY 1",
        [catalog],
    ).fetchall()
    for (table,) in tables:
        cols = [
            c
            for (c,) in con.execute(
                """SELECT column_name FROM duckdb_columns()
                   WHERE database_name = ? AND schema_name = 'marts' AND table_name = ? ORDER BY column_index""",
                [catalog, table],
            ).fetchall()
            if not (c == "run_id" or c.endswith("_run"))
        ]
        sums = ", ".join(f'sum(hash("{c}"))::HUGEINT' for c in cols)
        row = con.execute(f'SELECT count(*), {sums} FROM {catalog}.marts."{table}"').fetchone()  # noqa: S608 - names from the catalog
        out[table] = (row[0], dict(zip(cols, row[1:], strict=True)))
    return out


def lake_equals_work(reader: duckdb.DuckDBPyConnection, work_db: Path) -> list[str]:
    """The work tables whose rows the lake does not hold exactly (count and hash of every column)."""
    reader.execute(f"ATTACH '{work_db}' AS work (READ_ONLY)")
    try:
        tables = reader.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'work' ORDER BY 1, 2"
        ).fetchall()
        differ = []
        for schema, table in tables:
            query = f'SELECT count(*), sum(hash(t))::HUGEINT FROM {{}}."{schema}"."{table}" AS t'  # noqa: S608 - names from the catalog
            if (
                reader.execute(query.format("lake")).fetchone()
                != reader.execute(query.format("work")).fetchone()
            ):
                differ.append(f"{schema}.{table}")
        return differ
    finally:
        reader.execute("DETACH work")


@pytest.fixture(scope="module")
def incremental_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """The seeds and 100 synthetic pages, then +10 and +10 pages, run in each backend: after each run the marts'
    checksums, and in the lake the publish's increments and any table that differs from the run's."""
    base = tmp_path_factory.mktemp("increments")
    write_corpus(base / "synth", 120)
    extra = sorted((base / "synth").glob("*.txt"))
    out: dict[str, list[dict]] = {}
    for kind in ("duckdb", "ducklake"):
        input_dir, warehouse = copy_seeds(base / kind / "input"), base / kind / "warehouse"
        out[kind] = []
        for step in range(3):
            for page in extra[: 100 + step * 10]:
                shutil.copy2(page, input_dir / page.name)
            result = pipeline_run(input_dir, warehouse, "--backend", kind)
            assert result.returncode == 0, result.stderr[-5000:]
            if kind == "duckdb":
                con = duckdb.connect(str(result.published), read_only=True)
                out[kind].append({"marts": mart_checksums(con, "newsetl")})
                con.close()
                continue
            reader = lake.connect_reader(remembered(warehouse))
            try:
                (info,) = reader.execute(
                    "SELECT commit_extra_info FROM lake.snapshots() WHERE author = 'newsetl' "
                    "ORDER BY snapshot_id DESC LIMIT 1"
                ).fetchone()
                out[kind].append(
                    {
                        "marts": mart_checksums(reader, "lake"),
                        "publish": json.loads(info),
                        "differ": lake_equals_work(reader, warehouse / ".work" / "newsetl.duckdb"),
                    }
                )
            finally:
                reader.close()
    return out


def test_keyed_increments_publish_the_same_warehouse(incremental_runs: dict[str, list[dict]]) -> None:
    single, lake_runs = incremental_runs["duckdb"], incremental_runs["ducklake"]
    for step in range(3):
        assert lake_runs[step]["marts"] == single[step]["marts"], f"run {step}"
        assert lake_runs[step]["differ"] == [], f"run {step}"  # every table as the run left it
    cold = lake_runs[0]["publish"]["rows_written"]
    for step in (1, 2):
        publish = lake_runs[step]["publish"]
        assert publish["increments"]["replaced_whole"] == [] and publish["increments"]["repaired"] == []
        assert publish["increments"]["changed_keys"]["processed"] == 10  # the new pages' documents
        # found above the marks the publish before recorded, without reading the archive
        assert {"processed", "built", "search_docs"} <= set(publish["increments"]["above_marks"])
        assert publish["recompared"] is None
        # the cold publish wrote every row of 105 pages; +10 pages write about the rows of 10
        assert publish["rows_written"] < cold / 5, (publish["rows_written"], cold)


@pytest.fixture(scope="module")
def killed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A lake with the seeds published, then two whole runs adding 10 pages, SIGKILLed in their
    publish (half a second into the lake transaction's writes; just before its COMMIT), then a
    normal run. The lake's snapshots and marts after each step."""
    base = tmp_path_factory.mktemp("killed")
    write_corpus(base / "synth", 10)
    input_dir, warehouse = copy_seeds(base / "input"), base / "warehouse"
    cold = pipeline_run(input_dir, warehouse, "--backend", "ducklake")
    assert cold.returncode == 0, cold.stderr[-5000:]
    backend = remembered(warehouse)

    def state() -> dict:
        reader = lake.connect_reader(backend)
        try:
            return {"snapshots": lake.snapshots(backend), "marts": mart_checksums(reader, "lake")}
        finally:
            reader.close()

    out = {"before": state(), "kills": {}}
    for page in sorted((base / "synth").glob("*.txt")):
        shutil.copy2(page, input_dir / page.name)
    for spec in ("lake_write:0.5", "lake_commit"):
        result = pipeline_run(input_dir, warehouse, env={"NEWSETL_FAULT": spec})
        out["kills"][spec] = {"result": result, **state()}
    out["after"] = pipeline_run(input_dir, warehouse)
    reader = lake.connect_reader(backend)
    try:
        out["after_state"] = {
            **state(),
            "differ": lake_equals_work(reader, warehouse / ".work" / "newsetl.duckdb"),
        }
    finally:
        reader.close()
    return out


@pytest.mark.parametrize("spec", ["lake_write:0.5", "lake_commit"])
def test_a_run_killed_in_its_lake_publish_leaves_the_last_snapshot(killed_runs: dict, spec: str) -> None:
    kill = killed_runs["kills"][spec]
    assert kill["result"].returncode == -signal.SIGKILL, kill["result"].stderr[-3000:]
    assert "SIGKILL now" in kill["result"].stderr
    # the catalog still ends at the cold run's snapshot, and every mart reads as it published them
    assert kill["snapshots"] == killed_runs["before"]["snapshots"]
    assert kill["marts"] == killed_runs["before"]["marts"]


def test_the_run_after_killed_publishes_completes(killed_runs: dict) -> None:
    after, before = killed_runs["after"], killed_runs["before"]
    assert after.returncode == 0, after.stderr[-5000:]
    state = killed_runs["after_state"]
    assert len(state["snapshots"]) == len(before["snapshots"]) + 1  # one publish more
    assert state["snapshots"][1] == before["snapshots"][0]
    assert state["differ"] == []  # every table as the completed run left it
    assert state["marts"]["fct_articles"][0] > before["marts"]["fct_articles"][0]  # the 10 pages are in


@pytest.fixture(scope="module")
def lake_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    base = tmp_path_factory.mktemp("lake")
    result = pipeline_run(copy_seeds(base / "input"), base / "warehouse", "--backend", "ducklake")
    assert result.returncode == 0, result.stderr[-5000:]
    return result


def test_both_backends_publish_the_same_marts(seeded_run: RunResult, lake_run: RunResult) -> None:
    single = duckdb.connect(str(seeded_run.published), read_only=True)
    reader = lake.connect_reader(remembered(lake_run.warehouse_dir))
    try:
        expected = mart_checksums(single, "newsetl")
        got = mart_checksums(reader, "lake")
    finally:
        single.close()
        reader.close()
    assert len(expected) >= 15
    assert got == expected


def test_status_lists_the_run_snapshot_and_sql_reads_the_lake(lake_run: RunResult) -> None:
    wh = str(lake_run.warehouse_dir)
    info = json.loads(run_cli("status", "--warehouse", wh, "--json").stdout)
    assert info["backend"] == "ducklake"
    assert info["lake"]["snapshot_days"] == 30  # the default retention
    run_id = info["runs"][0]["run_id"]
    assert info["lake"]["snapshots"][0]["run_id"] == run_id
    assert info["published"]["run_id"] == run_id
    out = run_cli(
        "sql", "--warehouse", wh, "-c", "SELECT count(*) AS n FROM marts.fct_articles", "--format", "csv"
    )
    assert out.returncode == 0 and int(out.stdout.split()[-1]) > 0


def test_failed_gate_leaves_the_lake_snapshot_unchanged_and_accept_publishes(
    lake_run: RunResult, tmp_path: Path
) -> None:
    backend = remembered(lake_run.warehouse_dir)
    before = lake.snapshots(backend)
    env = strict_gate_env(tmp_path)
    result = pipeline_run(lake_run.input_dir, lake_run.warehouse_dir, "--full-refresh", env=env)
    assert result.returncode == 1 and "quality gate" in result.stderr
    assert lake.snapshots(backend) == before  # nothing committed
    info = json.loads(run_cli("status", "--warehouse", str(lake_run.warehouse_dir), "--json").stdout)
    assert info["runs"][0]["status"] == "gate_failed"
    assert info["runs"][1]["status"] == "published"  # the lake's run is not taken for an abandoned one
    blocked = info["runs"][0]["run_id"]
    accepted = run_cli(
        "accept", blocked, "--reason", "checked by hand", "--warehouse", str(lake_run.warehouse_dir)
    )
    assert accepted.returncode == 0, accepted.stderr
    assert lake.snapshots(backend)[0]["run_id"] == blocked  # newsetl accept publishes into the lake


@pytest.fixture()
def postgres_url():
    """A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's binaries); stopped afterwards."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    if not shutil.which("initdb") or not shutil.which("pg_ctl"):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    # not under tmp_path: pytest's base folder is private to this user, and as root the
    # server runs as nobody (PostgreSQL refuses to run as root)
    folder = Path(tempfile.mkdtemp(prefix="newsetl-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
        as_user = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = folder / "data"
    run = {"cwd": folder, "check": True, "capture_output": True}
    subprocess.run(
        [*as_user, "initdb", "-D", str(data), "-U", "newsetl", "--auth=trust", "--no-locale", "-E", "UTF8"],
        **run,
    )
    opts = f"-h 127.0.0.1 -p {port} -k {folder}"
    subprocess.run(
        [*as_user, "pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "-o", opts, "start"], **run
    )
    try:
        subprocess.run(
            [
                *as_user,
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "newsetl",
                "-d",
                "postgres",
                "-c",
                "CREATE DATABASE lake",
            ],
            **run,
        )
        yield f"postgresql://newsetl@127.0.0.1:{port}/lake"
    finally:
        subprocess.run(
            [*as_user, "pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"], cwd=folder, capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


def test_postgresql_catalog_publishes_the_same_marts(
    seeded_run: RunResult, postgres_url: str, tmp_path: Path
) -> None:
    result = pipeline_run(copy_seeds(tmp_path / "input"), tmp_path / "warehouse", "--catalog", postgres_url)
    assert result.returncode == 0, result.stderr[-5000:]
    backend = remembered(tmp_path / "warehouse")
    assert backend.catalog == f"ducklake:postgres:{postgres_url}"
    info = json.loads(run_cli("status", "--warehouse", str(tmp_path / "warehouse"), "--json").stdout)
    assert info["lake"]["snapshots"][0]["run_id"] == info["runs"][0]["run_id"]
    single = duckdb.connect(str(seeded_run.published), read_only=True)
    reader = lake.connect_reader(backend)
    try:
        assert mart_checksums(reader, "lake") == mart_checksums(single, "newsetl")
    finally:
        single.close()
        reader.close()


# An analyst's process: attached read-only to the lake, one query after another until told to stop.
# Each query reads two tables that a publish changes together (the articles and their search
# index): in one snapshot their counts are equal, in a half-published state they are not.
READER = """
import json, sys, time
from pathlib import Path
from newsetl.warehouse import lake
from newsetl.warehouse.backend import remembered

backend, stop, out = remembered(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])
con = lake.connect_reader(backend)
seen, errors, queries = {}, [], 0
while not stop.exists():
    try:
        snapshot, articles, indexed = con.execute(
            "SELECT (SELECT id FROM lake.current_snapshot()), "
            "(SELECT count(*) FROM marts.fct_articles), (SELECT count(*) FROM search.article_text)"
        ).fetchone()
        seen.setdefault(str(snapshot), set()).add((articles, indexed))
    except Exception as exc:
        errors.append(repr(exc))
    queries += 1
    time.sleep(0.05)
out.write_text(json.dumps({"queries": queries, "errors": errors, "seen": {k: sorted(v) for k, v in seen.items()}}))
"""


def test_a_reader_on_the_postgresql_catalog_through_five_runs(postgres_url: str, tmp_path: Path) -> None:

    write_corpus(tmp_path / "synth", 25)
    pages = sorted((tmp_path / "synth").glob("*.txt"))
    input_dir, warehouse = copy_seeds(tmp_path / "input"), tmp_path / "warehouse"
    first = pipeline_run(input_dir, warehouse, "--catalog", postgres_url)
    assert first.returncode == 0, first.stderr[-5000:]
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(stop), str(out)], cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        for run in range(5):
            for page in pages[run * 5 : run * 5 + 5]:
                shutil.copy2(page, input_dir / page.name)
            result = pipeline_run(input_dir, warehouse)
            assert result.returncode == 0, result.stderr[-5000:]
    finally:
        stop.touch()
        _, stderr = reader.communicate(timeout=120)
    assert reader.returncode == 0, stderr.decode()[-3000:]
    seen = json.loads(out.read_text())
    assert seen["errors"] == []
    assert seen["queries"] >= 100
    for snapshot, pairs in seen["seen"].items():
        assert len(pairs) == 1, (snapshot, pairs)  # a snapshot never changes under a reader
        ((articles, indexed),) = pairs
        assert articles == indexed > 0, snapshot  # never one table of a publish without the other
    published = [s["snapshot_id"] for s in lake.snapshots(remembered(warehouse)) if s["run_id"]]
    con = lake.connect_reader(remembered(warehouse))
    try:  # the maintenance's file merges commit snapshots of their own, without an author
        merges = {
            i
            for i, author in con.execute("SELECT snapshot_id, author FROM lake.snapshots()").fetchall()
            if author is None
        }
    finally:
        con.close()
    assert len(seen["seen"]) >= 5 and {int(s) for s in seen["seen"]} <= set(published) | merges
    for snapshot, pairs in seen["seen"].items():  # a merge's snapshot reads as the publish before it
        before = str(max((p for p in published if p < int(snapshot)), default=-1))
        if int(snapshot) in merges and before in seen["seen"]:
            assert pairs == seen["seen"][before], snapshot
