"""The DuckLake backend's publish (newsetl/warehouse/lake.py) on a small work database.

No pipeline run: a hand-made work database is published into a SQLite-catalog lake, as a
run's publish step does. The pipeline runs of both backends are in tests/test_lake_pipeline.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from newsetl.app.status import _lake_status, _print_lake
from newsetl.config import make_paths
from newsetl.warehouse import lake
from newsetl.warehouse.backend import (
    BACKEND_FILE,
    BackendMismatch,
    catalog_attach_string,
    default_lake,
    remember,
    resolve,
)

ROOT = Path(__file__).resolve().parents[1]


def _work_db(folder: Path, articles: int) -> Path:
    path = folder / ".work" / "newsetl.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE SCHEMA IF NOT EXISTS ops")
        con.execute(
            "CREATE OR REPLACE TABLE marts.fct_articles AS "
            "SELECT range AS article_id, '标题' || range AS title, [range, 1] AS ids FROM range(?)",
            [articles],
        )
        con.execute("CREATE OR REPLACE TABLE ops.runs AS SELECT 'r' AS run_id, 'published' AS status")
    finally:
        con.close()
    return path


def _count_in_reader_process(warehouse: Path, version: int | None = None) -> int:
    """Count fct_articles from another process attached read-only, as an analyst's tool would."""
    at = f" AT (VERSION => {version})" if version else ""
    return _count_in_reader_process_sql(warehouse, f"SELECT count(*) FROM marts.fct_articles{at}")  # noqa: S608 - an int


def test_publish_is_one_snapshot_per_run_with_its_run_id(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    work = _work_db(tmp_path, 10)
    first = lake.publish(work, backend, "run-1")
    _work_db(tmp_path, 12)
    second = lake.publish(work, backend, "run-2")
    assert second["snapshot"] == first["snapshot"] + 1  # one commit
    assert (first["written"], second["written"]) == (2, 1)  # ops.runs did not change: not written again
    snaps = lake.snapshots(backend)
    assert [s["run_id"] for s in snaps[:2]] == ["run-2", "run-1"]
    assert _count_in_reader_process(tmp_path) == 12
    assert _count_in_reader_process(tmp_path, version=first["snapshot"]) == 10  # time travel
    assert (tmp_path / "lake.sqlite").exists()  # small tables are inlined there, no Parquet file


def test_tables_gone_from_the_work_database_are_dropped(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    work = _work_db(tmp_path, 3)
    con = duckdb.connect(str(work))
    con.execute("CREATE TABLE marts.old_mart AS SELECT 1 AS x")
    con.close()
    lake.publish(work, backend, "run-1")
    con = duckdb.connect(str(work))
    con.execute("DROP TABLE marts.old_mart")
    con.close()
    assert lake.publish(work, backend, "run-2")["dropped"] == 1
    reader = lake.connect_reader(backend)
    try:
        names = {
            r[0]
            for r in reader.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'"
            ).fetchall()
        }
    finally:
        reader.close()
    assert names == {"fct_articles", "runs"}


def test_reader_attached_during_a_write_sees_the_previous_snapshot(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    work = _work_db(tmp_path, 5)
    lake.publish(work, backend, "run-1")
    writer = duckdb.connect(config=lake.writer_config())  # the lake's row groups need it: a plain one fails
    lake.attach(writer, backend)
    writer.execute("BEGIN")
    writer.execute(
        "CREATE OR REPLACE TABLE lake.marts.fct_articles AS SELECT range AS article_id FROM range(50)"
    )
    try:
        assert _count_in_reader_process(tmp_path) == 5  # written, not committed: the old snapshot
        writer.execute("COMMIT")
        assert _count_in_reader_process(tmp_path) == 50
    finally:
        writer.close()


@pytest.mark.long  # 5-18 s (a killed process, three publishes): outside make test's budget
def test_a_publish_killed_before_its_commit_leaves_the_last_snapshot(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    work = _work_db(tmp_path, 7)
    kept = lake.publish(work, backend, "run-1")["snapshot"]
    _work_db(tmp_path, 70)
    code = (
        "import sys; from pathlib import Path; from newsetl.warehouse import lake; "
        "from newsetl.warehouse.backend import default_lake; "
        "lake.publish(Path(sys.argv[1]), default_lake(Path(sys.argv[2])), 'run-killed')"
    )
    env = {**os.environ, "NEWSETL_FAULT": "lake_commit"}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(work), str(tmp_path)], cwd=ROOT, env=env, capture_output=True
    )
    assert proc.returncode == -signal.SIGKILL
    assert lake.snapshots(backend)[0]["snapshot_id"] == kept
    assert _count_in_reader_process(tmp_path) == 7
    assert lake.publish(work, backend, "run-2")["snapshot"] == kept + 1  # the next publish completes
    assert _count_in_reader_process(tmp_path) == 70


def test_backend_is_remembered_and_options_cannot_switch_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NEWSETL_BACKEND", raising=False)
    monkeypatch.delenv("NEWSETL_CATALOG", raising=False)
    assert resolve(tmp_path).kind == "duckdb"  # the default
    chosen = resolve(tmp_path, "ducklake")
    assert chosen == default_lake(tmp_path)
    remember(tmp_path, chosen)
    assert json.loads((tmp_path / BACKEND_FILE).read_text())["kind"] == "ducklake"
    assert resolve(tmp_path) == chosen  # status, sql: no options needed
    with pytest.raises(BackendMismatch):
        resolve(tmp_path, "duckdb")
    monkeypatch.setenv("NEWSETL_CATALOG", "postgresql://u@127.0.0.1:5/db")
    with pytest.raises(BackendMismatch):
        resolve(tmp_path)
    monkeypatch.setenv("NEWSETL_BACKEND", "ducklake")
    assert resolve(tmp_path / "other").catalog == "ducklake:postgres:postgresql://u@127.0.0.1:5/db"


def test_a_warehouse_published_before_backend_json_stays_a_single_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("NEWSETL_BACKEND", raising=False)
    monkeypatch.delenv("NEWSETL_CATALOG", raising=False)
    (tmp_path / "newsetl.duckdb").write_bytes(b"")
    assert resolve(tmp_path).kind == "duckdb"
    with pytest.raises(BackendMismatch):
        resolve(tmp_path, "ducklake")


def test_catalog_spellings() -> None:
    assert catalog_attach_string("postgresql://u@h/db") == "ducklake:postgres:postgresql://u@h/db"
    assert catalog_attach_string("sqlite:/x/c.sqlite") == "ducklake:sqlite:/x/c.sqlite"
    assert catalog_attach_string("ducklake:sqlite:/x/c.sqlite") == "ducklake:sqlite:/x/c.sqlite"
    assert catalog_attach_string("/x/c.sqlite") == "ducklake:sqlite:/x/c.sqlite"


def test_sqlalchemy_reads_the_lake_and_an_earlier_snapshot(tmp_path: Path) -> None:
    """README: duckdb-engine with the attach statements `newsetl status` prints."""
    import sqlalchemy

    backend = default_lake(tmp_path)
    work = _work_db(tmp_path, 4)
    first = lake.publish(work, backend, "run-1")["snapshot"]
    _work_db(tmp_path, 9)
    lake.publish(work, backend, "run-2")
    statements = lake.attach_statements(backend)
    engine = sqlalchemy.create_engine("duckdb:///:memory:")
    sqlalchemy.event.listen(engine, "connect", lambda dbapi, _: [dbapi.execute(s) for s in statements])
    with engine.connect() as con:
        now = con.execute(sqlalchemy.text("SELECT count(*) FROM lake.marts.fct_articles")).scalar()
        then = con.execute(
            sqlalchemy.text(f"SELECT count(*) FROM lake.marts.fct_articles AT (VERSION => {first})")  # noqa: S608 - an int
        ).scalar()
    assert (now, then) == (9, 4)
    with engine.connect() as con, pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"):
        con.execute(sqlalchemy.text("DELETE FROM lake.marts.fct_articles"))


def _documents_db(folder: Path, docs: dict[str, tuple[str, list[str]]], seen_run: str) -> Path:
    """A work database with the tables keyed by document: ``docs`` maps doc_id to
    (processed_run, article titles); every document is sighted by ``seen_run``."""
    path = folder / ".work" / "newsetl.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute("CREATE SCHEMA IF NOT EXISTS ops")
        rows = [
            (d, run, f"{d}-{i}", title) for d, (run, titles) in docs.items() for i, title in enumerate(titles)
        ]
        con.execute(
            "CREATE OR REPLACE TABLE raw.processed_documents "
            "(doc_id VARCHAR, processor_version VARCHAR, processed_run VARCHAR)"
        )
        con.executemany(
            "INSERT INTO raw.processed_documents VALUES (?, 'v1', ?)",
            [(d, run) for d, (run, _) in docs.items()],
        )
        con.execute(
            "CREATE OR REPLACE TABLE raw.articles (article_id VARCHAR, doc_id VARCHAR, title VARCHAR, processed_run VARCHAR)"
        )
        con.executemany("INSERT INTO raw.articles VALUES (?, ?, ?, ?)", [(a, d, t, r) for d, r, a, t in rows])
        con.execute(
            "CREATE OR REPLACE TABLE raw.article_topics AS "
            "SELECT article_id, 'economy' AS topic_code, length(title) AS score FROM raw.articles"
        )
        con.execute(
            "CREATE OR REPLACE TABLE raw.documents AS SELECT doc_id, 'text of ' || doc_id AS text, "
            "processed_run AS first_seen_run, ? AS last_seen_run, length(doc_id) AS char_count "
            "FROM raw.processed_documents",
            [seen_run],
        )
        con.execute("CREATE OR REPLACE TABLE ops.runs AS SELECT ? AS run_id", [seen_run])
    finally:
        con.close()
    return path


def _same_tables(backend, work: Path, tables: list[str]) -> None:
    reader = lake.connect_reader(backend)
    reader.execute(f"ATTACH '{work}' AS w (READ_ONLY)")
    try:
        for table in tables:
            query = f"SELECT count(*), sum(hash(x))::HUGEINT FROM (FROM {{}}.{table}) AS x"  # noqa: S608 - fixed names
            assert (
                reader.execute(query.format("lake")).fetchone()
                == reader.execute(query.format("w")).fetchone()
            ), table
        columns = (
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = 'documents'"
        )
        assert reader.execute(columns, ["lake"]).fetchall() == reader.execute(columns, ["w"]).fetchall()
    finally:
        reader.close()


def test_publish_writes_only_the_rows_of_changed_documents(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    docs = {f"d{i}": ("r1", [f"t{i}a", f"t{i}b"]) for i in range(50)}
    work = _documents_db(tmp_path, docs, "r1")
    first = lake.publish(work, backend, "r1")
    assert first["rows_inserted"] >= 50 * 2 * 2  # cold: every table whole
    docs["d3"] = ("r2", ["t3 rewritten"])  # reprocessed: one article instead of two
    del docs["d7"]  # gone
    docs["d99"] = ("r2", ["new a", "new b", "new c"])  # new
    work = _documents_db(tmp_path, docs, "r2")
    second = lake.publish(work, backend, "r2")
    tables = ["raw.processed_documents", "raw.articles", "raw.article_topics", "raw.documents", "ops.runs"]
    _same_tables(backend, work, tables)
    # d7 gone: the keys above r1's marks do not explain the counts, so both sides were compared whole
    assert second["recompared"] and second["above_marks"] == []
    assert second["changed_keys"]["processed"] == 3
    assert second["changed_keys"]["raw.documents"] == 3
    # articles, topics, processed_documents, documents: the rows of d3 and d7 out, of d3 and d99 in
    assert (second["rows_deleted"], second["rows_inserted"]) == (4 + 4 + 2 + 2, 4 + 4 + 2 + 2)
    assert second["rows_written"] == 12 + 1  # and ops.runs, replaced whole
    assert second["rows_sighted"] == 50  # one narrow (doc_id, last_seen_run) row per document
    assert second["replaced_whole"] == [] and second["repaired"] == []
    assert (
        _count_in_reader_process_sql(
            tmp_path, "SELECT count(*) FROM raw.documents WHERE last_seen_run = 'r2'"
        )
        == 50
    )


def test_publish_after_a_marked_one_reads_only_the_keys_above_the_marks(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    docs = {f"d{i}": ("r1", [f"t{i}a", f"t{i}b"]) for i in range(50)}
    first = lake.publish(_documents_db(tmp_path, docs, "r1"), backend, "r1")
    assert first["above_marks"] == []  # a new lake: nothing to compare against
    docs["d3"] = ("r2", ["t3 rewritten"])  # reprocessed: its old rows are in the lake
    docs["d99"] = ("r2", ["new a", "new b", "new c"])  # new
    work = _documents_db(tmp_path, docs, "r2")
    second = lake.publish(work, backend, "r2")
    _same_tables(
        backend, work, ["raw.processed_documents", "raw.articles", "raw.article_topics", "raw.documents"]
    )
    assert second["recompared"] is None
    assert set(second["above_marks"]) == {"processed", "raw.documents"}
    assert second["changed_keys"]["processed"] == 2
    # out: d3's 2 articles, 2 topics, 1 processed row, 1 document; in: d3's 1+1+1+1 and d99's 3+3+1+1
    assert (second["rows_deleted"], second["rows_inserted"]) == (6, 12)
    third = lake.publish(work, backend, "r3")  # nothing new: no key above the marks, nothing written
    assert third["recompared"] is None and third["rows_inserted"] == third["rows_deleted"] == 0


def test_a_change_the_change_set_does_not_see_replaces_the_table_whole(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    work = _documents_db(tmp_path, {f"d{i}": ("r1", ["a", "b"]) for i in range(5)}, "r1")
    lake.publish(work, backend, "r1")
    con = duckdb.connect(str(work))
    con.execute(
        "INSERT INTO raw.article_topics VALUES ('orphan', 'economy', 1)"
    )  # no document was reprocessed
    con.close()
    out = lake.publish(work, backend, "r2")
    assert out["repaired"] == ["raw.article_topics"]
    _same_tables(backend, work, ["raw.article_topics"])


def _count_in_reader_process_sql(warehouse: Path, sql: str) -> int:
    code = (
        "import sys; from pathlib import Path; from newsetl.warehouse import lake; "
        "from newsetl.warehouse.backend import default_lake; "
        "con = lake.connect_reader(default_lake(Path(sys.argv[1]))); "
        "print(con.execute(sys.argv[2]).fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(warehouse), sql],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def test_a_reader_held_open_does_not_block_publish_and_sees_the_next_snapshot(tmp_path: Path) -> None:
    """An analyst's session stays attached between queries: the SQLite catalog is in WAL mode, so
    the writer's commit is not refused (``database is locked``) and the reader's next query sees it."""
    backend = default_lake(tmp_path)
    work = _work_db(tmp_path, 3)
    lake.publish(work, backend, "run-1")
    code = (
        "import sys; from pathlib import Path; from newsetl.warehouse import lake; "
        "from newsetl.warehouse.backend import default_lake; "
        "con = lake.connect_reader(default_lake(Path(sys.argv[1]))); "
        "q = 'SELECT count(*) FROM marts.fct_articles'; "
        "print(con.execute(q).fetchone()[0], flush=True); sys.stdin.readline(); "
        "print(con.execute(q).fetchone()[0], flush=True)"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "3"
        _work_db(tmp_path, 8)
        lake.publish(work, backend, "run-2")
        out, _ = reader.communicate("\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert out.strip() == "8"


def test_maintenance_expires_old_snapshots_and_deletes_unused_and_orphaned_files(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    backend = default_lake(tmp_path)
    work = _work_db(tmp_path, 5000)
    first = lake.publish(work, backend, "run-1")["snapshot"]
    _work_db(tmp_path, 6000)
    lake.publish(work, backend, "run-2")  # fct_articles replaced: run-1's file is only in snapshot 1
    orphan = tmp_path / "lake_data" / "marts" / "ducklake-killed-publish.parquet"
    orphan.write_bytes(b"PAR1 a killed publish's file")
    files = sorted(p.name for p in (tmp_path / "lake_data").rglob("*.parquet"))
    time.sleep(2)
    _work_db(tmp_path, 7000)
    last = lake.publish(work, backend, "run-3")["snapshot"]
    assert lake.maintain(backend, keep_days=0)["expired"] == 0  # 0 keeps everything
    out = lake.maintain(backend, keep_days=1.5 / 86400)  # older than 1.5 s: run-1, run-2
    assert out["expired"] >= 2 and out["files_deleted"] >= 3
    left = sorted(p.name for p in (tmp_path / "lake_data").rglob("*.parquet"))
    assert not set(files) & set(left)  # the expired snapshots' files and the orphan are gone
    assert [s["run_id"] for s in lake.snapshots(backend)] == ["run-3"]
    assert _count_in_reader_process(tmp_path) == 7000
    with pytest.raises(subprocess.CalledProcessError):
        _count_in_reader_process(tmp_path, version=first)  # no time travel to an expired snapshot
    assert last > first
    remember(tmp_path, backend)
    monkeypatch.setenv("NEWSETL_LAKE_SNAPSHOT_DAYS", "7")
    info = _lake_status(make_paths(None, tmp_path), 5)
    assert info["snapshot_days"] == 7
    _print_lake(info, None)
    assert "snapshots kept 7 days" in capsys.readouterr().out


def _data_files(backend, schema: str, table: str) -> int:
    con = lake.connect_reader(backend)
    try:
        sql = f"SELECT count(*) FROM ducklake_list_files('lake', '{table}', schema => '{schema}')"  # noqa: S608 - fixed names
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_maintenance_merges_the_small_files_each_publish_adds(tmp_path: Path) -> None:
    backend = default_lake(tmp_path)
    docs = {f"d{i}": ("r1", ["a", "b"]) for i in range(50)}
    lake.publish(_documents_db(tmp_path, docs, "r1"), backend, "r1")
    for run in ("r2", "r3", "r4"):
        docs |= {f"{run}-{i}": (run, ["x", "y"]) for i in range(50)}  # new documents: files of their own
        work = _documents_db(tmp_path, docs, run)
        snapshot = lake.publish(work, backend, run)["snapshot"]
    before = _data_files(backend, "raw", "articles")
    assert before >= 4
    out = lake.maintain(backend, keep_days=0)  # merging keeps every snapshot (0: nothing expired)
    assert out["files_merged"] >= before and out["expired"] == 0
    assert _data_files(backend, "raw", "articles") < before
    _same_tables(backend, work, ["raw.articles", "raw.article_topics", "raw.documents"])
    # time travel reads the merged files' older parts
    at_r3 = f"SELECT count(*) FROM raw.articles AT (VERSION => {snapshot - 1})"  # noqa: S608 - an int
    assert _count_in_reader_process_sql(tmp_path, at_r3) == 2 * (50 + 50 + 50)
