"""Reliability building blocks without Prefect or dbt: fast.

Lock, fault hooks, atomic publish, record-level checks, raw log + work DB
recovery, read-only access and SQL hygiene. The pipeline-level proofs are in
test_faults.py, test_bad_input_run.py and test_broken_batch.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from newsetl.config import make_paths
from newsetl.pipeline.ingest import scan
from newsetl.pipeline.process import DocInput
from newsetl.pipeline.quality.records import RecordRules, article_problem, screen_rows
from newsetl.warehouse import load as wl
from newsetl.warehouse.lock import RunInProgress, run_lock
from newsetl.warehouse.opsdb import open_work_db
from newsetl.warehouse.publish import PUBLISHED_MODE, atomic_copy
from newsetl.warehouse.recovery import append_raw_log, ensure_work_db, verify_work_db

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def _py(code: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )


# --- two runs at once ----------------------------------------------------------------------------------


def test_second_run_refuses_while_the_lock_is_held(tmp_path: Path) -> None:
    lock = tmp_path / ".newsetl.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from newsetl.warehouse.lock import run_lock
            with run_lock(Path({str(lock)!r})):
                print("held", flush=True)
                time.sleep(60)
        """),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunInProgress, match="already running|in progress|pid"), run_lock(lock):
            pass
    finally:
        holder.kill()
        holder.wait()
    with run_lock(lock):  # the kernel released the flock when the holder died (even by SIGKILL)
        pass


# --- fault hooks -----------------------------------------------------------------------------------------


def test_fault_point_is_inert_without_env(monkeypatch) -> None:
    from newsetl.faults import fault_point

    monkeypatch.delenv("NEWSETL_FAULT", raising=False)
    fault_point("ingest")  # returns


def test_fault_point_sigkills_at_its_stage() -> None:
    proc = _py(
        "from newsetl.faults import fault_point\nfault_point('gate')\nfault_point('publish')\nprint('survived')",
        env={"NEWSETL_FAULT": "publish"},
    )
    assert proc.returncode == -signal.SIGKILL and "survived" not in proc.stdout


# --- publish ----------------------------------------------------------------------------------------------


def test_publish_killed_mid_copy_leaves_old_file_and_next_publish_cleans_up(tmp_path: Path) -> None:
    src = tmp_path / "work.duckdb"
    src.write_bytes(os.urandom(9 * 1024 * 1024))  # more than one copy chunk
    dest = tmp_path / "pub" / "newsetl.duckdb"
    dest.parent.mkdir()
    dest.write_bytes(b"previous published warehouse")
    proc = _py(
        f"""
        from pathlib import Path
        from newsetl.warehouse.publish import atomic_copy
        atomic_copy(Path({str(src)!r}), Path({str(dest)!r}))
    """,
        env={"NEWSETL_FAULT": "publish"},
    )
    assert proc.returncode == -signal.SIGKILL
    assert dest.read_bytes() == b"previous published warehouse"  # never partially written
    leftovers = list(dest.parent.glob(".newsetl.duckdb.tmp-*"))
    assert leftovers and 0 < leftovers[0].stat().st_size < src.stat().st_size
    atomic_copy(src, dest)
    assert dest.read_bytes() == src.read_bytes()
    assert not list(dest.parent.glob(".newsetl.duckdb.tmp-*"))
    assert dest.stat().st_mode & 0o777 == PUBLISHED_MODE


# --- record-level checks ---------------------------------------------------------------------------------


def _rows(bodies: list[str]) -> dict:
    n = len(bodies)
    return {
        "articles": {
            "article_id": [f"a{i}" for i in range(n)],
            "doc_id": ["d1"] * n,
            "position_in_file": list(range(n)),
            "body": bodies,
            "original_text": bodies,
        },
        "article_topics": {"article_id": [f"a{i}" for i in range(n)], "topic_code": ["x"] * n},
        "quarantine": {},
    }


GOOD = "工业和信息化部召开会议，研究部署中小企业复工复产工作，要求各地加大政策支持力度。" * 3


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "empty article body"),
        ("   \n", "empty article body"),
        ("短消息", "too short"),
        ("工" * 70000, "too long"),
        ("abc def ghi jkl mno pqr stu vwx yz 0123456789 " * 3, "CJK share"),
        ("工业\ufffd\ufffd\ufffd和信息化部" * 5, "replacement characters"),
    ],
)
def test_article_record_checks(body: str, reason: str) -> None:
    assert reason in (article_problem(body, RecordRules()) or "")
    assert article_problem(GOOD, RecordRules()) is None


def test_bad_articles_are_quarantined_and_good_ones_kept() -> None:
    docs = [DocInput("d1", "page.txt", GOOD)]
    rows, rejected = screen_rows(_rows([GOOD, "", "短"]), docs, RecordRules())
    assert rows["articles"]["article_id"] == ["a0"]
    assert rows["article_topics"]["article_id"] == ["a0"]  # child rows follow their article
    assert sorted(r.path for r in rejected) == ["page.txt#1", "page.txt#2"]
    assert all(r.sha256 == "d1" for r in rejected)


def test_document_producing_nothing_is_quarantined() -> None:
    docs = [DocInput("d1", "page.txt", GOOD)]
    rows, rejected = screen_rows(_rows(["", ""]), docs, RecordRules())
    assert rows["articles"]["article_id"] == []
    assert "document produced no articles (all failed the record checks)" in [r.reason for r in rejected]


def test_record_quarantine_is_idempotent() -> None:
    con = duckdb.connect()
    from newsetl.warehouse.schema import ensure_schema

    ensure_schema(con)
    _, rejected = screen_rows(_rows(["", GOOD]), [DocInput("d1", "page.txt", GOOD)], RecordRules())
    assert wl.record_quarantine(con, "r1", "records", rejected) == 1
    assert wl.record_quarantine(con, "r2", "records", rejected) == 0


# --- raw log and recovery -----------------------------------------------------------------------------------


def _ingest(paths, run_id: str) -> None:
    con = open_work_db(paths)
    try:
        wl.record_ingest(con, run_id, scan(paths.input_dir, wl.known_sightings(con)), {})
        append_raw_log(con, paths, run_id)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _raw(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "documents": con.execute(
                "SELECT doc_id, source_path, text, encoding, first_seen_run FROM raw.documents ORDER BY 1"
            ).fetchall(),
            "file_versions": con.execute(
                "SELECT path, version, doc_id, superseded_run FROM raw.file_versions ORDER BY 1, 2"
            ).fetchall(),
            "quarantine": con.execute(
                "SELECT quarantine_id, path, reason, content FROM raw.quarantine ORDER BY 1"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture()
def logged_warehouse(tmp_path: Path):
    inp = tmp_path / "input"
    inp.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:3]:
        shutil.copy(seed, inp / seed.name)
    (inp / "empty.txt").write_bytes(b"")
    paths = make_paths(inp, tmp_path / "wh")
    _ingest(paths, "r1")
    page = inp / sorted(SEEDS.glob("*.txt"))[0].name
    page.chmod(0o644)
    page.write_bytes(page.read_bytes() + "\n补充一段。\n".encode())
    os.utime(page, ns=(page.stat().st_mtime_ns + 10**9, page.stat().st_mtime_ns + 10**9))
    _ingest(paths, "r2")  # a new version and a supersession
    _ingest(paths, "r3")  # nothing new: nothing appended
    return paths


def test_raw_log_is_append_only_parquet(logged_warehouse) -> None:
    paths = logged_warehouse
    files = sorted(
        p.relative_to(paths.raw_backup_dir).as_posix() for p in paths.raw_backup_dir.rglob("*.parquet")
    )
    assert files == [
        "documents/r1.parquet",
        "documents/r2.parquet",
        "file_versions/r1.parquet",
        "file_versions/r2.parquet",
        "quarantine/r1.parquet",
        "supersessions/r2.parquet",
    ]


@pytest.mark.parametrize("damage", ["header", "truncated", "middle", "deleted"])
def test_corrupted_work_db_is_detected_and_rebuilt_from_raw_log(logged_warehouse, damage: str) -> None:
    paths = logged_warehouse
    expected = _raw(paths.work_db)
    size = paths.work_db.stat().st_size
    if damage == "header":
        with paths.work_db.open("r+b") as fh:
            fh.write(os.urandom(8192))
    elif damage == "truncated":
        os.truncate(paths.work_db, size // 3)
    elif damage == "middle":
        with paths.work_db.open("r+b") as fh:
            fh.seek(size // 4)
            fh.write(os.urandom(size // 2))
    else:
        paths.work_db.unlink()
    if damage != "deleted":
        with pytest.raises(Exception):  # noqa: B017 - any damage must be noticed
            verify_work_db(paths.work_db)
    done = ensure_work_db(paths)
    assert done and "rebuilt" in done
    assert _raw(paths.work_db) == {**expected}
    verify_work_db(paths.work_db)
    if damage != "deleted":
        assert list(paths.work_dir.glob("corrupt-*/newsetl.duckdb"))  # the damaged file is kept aside
    assert ensure_work_db(paths) is None  # healthy now


def test_healthy_work_db_is_left_alone(logged_warehouse) -> None:
    before = logged_warehouse.work_db.stat().st_mtime_ns
    assert ensure_work_db(logged_warehouse) is None
    assert logged_warehouse.work_db.stat().st_mtime_ns == before


def test_lock_conflict_is_not_mistaken_for_corruption(logged_warehouse) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(logged_warehouse.work_db)!r}); print('x', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        holder.stdout.readline()
        with pytest.raises(duckdb.IOException, match="lock"):
            ensure_work_db(logged_warehouse)
    finally:
        holder.kill()
        holder.wait()
    assert not list(logged_warehouse.work_dir.glob("corrupt-*"))


# --- access -----------------------------------------------------------------------------------------------------


def test_published_file_read_only_connection_cannot_write(tmp_path: Path) -> None:
    db = tmp_path / "src.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.t AS SELECT 1 AS x")
    con.close()
    dest = tmp_path / "newsetl.duckdb"
    atomic_copy(db, dest)
    assert dest.stat().st_mode & 0o777 == 0o444
    from newsetl.app.sqlshell import connect_readonly

    ro = connect_readonly(make_paths(tmp_path, tmp_path))
    try:
        assert ro.execute("SELECT x FROM marts.t").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error, match="read-only|read only"):
            ro.execute("CREATE TABLE marts.evil AS SELECT 1")
        with pytest.raises(duckdb.Error):
            ro.execute("DELETE FROM marts.t")
    finally:
        ro.close()
    if os.geteuid() != 0:  # root ignores file modes
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(dest))


def test_sql_shell_cannot_touch_files(tmp_path: Path) -> None:
    """`newsetl sql` runs as whoever may read the warehouse: read_only guards the database only,
    so a COPY ... TO the published file replaced it (8 bytes) before file access was switched off."""
    db = tmp_path / "src.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.t AS SELECT 1 AS x")
    con.close()
    dest = tmp_path / "newsetl.duckdb"
    atomic_copy(db, dest)
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "articles.parquet").write_bytes(b"PAR1")
    before = dest.read_bytes()
    from newsetl.app.sqlshell import connect_readonly

    ro = connect_readonly(make_paths(tmp_path, tmp_path))
    try:
        for query in (
            f"COPY (SELECT 1) TO '{dest}' (FORMAT csv)",
            f"COPY (SELECT 1) TO '{exports / 'articles.parquet'}' (FORMAT parquet)",
            "SELECT * FROM read_csv('/etc/passwd')",
            f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        ):
            with pytest.raises(duckdb.Error, match="Permission|file system"):
                ro.execute(query)
        with pytest.raises(duckdb.Error, match="Cannot change configuration"):
            ro.execute("SET enable_external_access = true")
        assert ro.execute("SELECT x FROM marts.t").fetchall() == [(1,)]
    finally:
        ro.close()
    assert dest.read_bytes() == before
    assert (exports / "articles.parquet").read_bytes() == b"PAR1"


SQL_CALL = re.compile(r"\.(execute|executemany|sql|query)\(\s*f[\"']")


def test_no_sql_is_built_from_strings_without_a_reason() -> None:
    """Every f-string SQL statement interpolates only module constants, or is justified with ``# noqa: S608``.

    Values - file names, paths, user input - travel as bound parameters or Arrow tables.
    """
    offenders = []
    for path in [*(ROOT / "newsetl").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if SQL_CALL.search(line):
                window = " ".join(lines[i : i + 3])
                fields = re.findall(r"\{([^}]*)\}", line)
                constants_only = all(re.fullmatch(r"[A-Z][A-Z0-9_]*", f) for f in fields)
                if "S608" not in window and not constants_only:
                    offenders.append(f"{path.relative_to(ROOT)}:{i + 1}: {line.strip()}")
    assert not offenders, "SQL built by string formatting:\n" + "\n".join(offenders)


def test_prefect_binds_loopback_only(monkeypatch) -> None:
    from newsetl.config import configure_environment

    monkeypatch.setenv("PREFECT_SERVER_API_HOST", "0.0.0.0")  # noqa: S104 - what must be overridden
    configure_environment()
    assert os.environ["PREFECT_SERVER_API_HOST"] == "127.0.0.1"
    src = (ROOT / "newsetl" / "app" / "schedule.py").read_text(encoding="utf-8")
    assert '"--host", "127.0.0.1"' in src and "0.0.0.0" not in src


def test_a_work_database_from_before_the_tokens_file_publishes_without_them_and_lands_whole(
    tmp_path: Path,
) -> None:
    """A work database in the old storage format holding the search tokens (``raw.article_search``,
    read by a dbt staging view): its tokens move to their own file, the views reading them go,
    the published byte copy is rewritten once in the compressed format, and a publish killed
    mid-copy leaves the old file."""
    from newsetl.warehouse.publish import publish_database
    from newsetl.warehouse.schema import ensure_schema
    from newsetl.warehouse.search_store import tokens_path

    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    paths.work_dir.mkdir(parents=True)
    con = duckdb.connect(str(paths.work_db), config={"storage_compatibility_version": "v0.10.2"})
    ensure_schema(con)
    con.execute(
        "CREATE TABLE raw.article_search (article_id VARCHAR PRIMARY KEY, content_hash VARCHAR NOT NULL, "
        "dictionary_version VARCHAR NOT NULL, tokens VARCHAR NOT NULL)"
    )
    con.execute("INSERT INTO raw.article_search VALUES ('a1', 'h', 'v', '工业 互联网')")
    con.execute("CREATE TABLE raw.kept AS SELECT range AS i, repeat('新闻', 200) AS t FROM range(20000)")
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute("CREATE VIEW marts.kept_view AS SELECT i FROM raw.kept WHERE i < 10")
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute(
        "CREATE VIEW staging.tokens AS SELECT tokens FROM raw.article_search"
    )  # as dbt's staging view
    con.execute('CREATE VIEW staging.tokens_quoted AS SELECT tokens FROM "raw"."article_search"')
    con.execute("CREATE VIEW staging.not_tokens AS SELECT 1 AS article_search_rows")
    con.execute("CHECKPOINT")
    con.close()
    old_size = paths.work_db.stat().st_size

    open_work_db(paths).close()  # any pipeline connection moves the tokens out
    con = duckdb.connect(str(tokens_path(paths.work_db)), read_only=True)
    assert con.execute("SELECT * FROM main.article_search").fetchall() == [("a1", "h", "v", "工业 互联网")]
    con.close()

    paths.published_db.parent.mkdir(parents=True, exist_ok=True)
    paths.published_db.write_bytes(b"previous published warehouse")
    proc = _py(
        f"""
        from pathlib import Path
        from newsetl.warehouse.publish import publish_database
        publish_database(Path({str(paths.work_db)!r}), Path({str(paths.published_db)!r}))
    """,
        env={"NEWSETL_FAULT": "publish"},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert paths.published_db.read_bytes() == b"previous published warehouse"
    publish_database(paths.work_db, paths.published_db)
    assert not list(paths.published_db.parent.glob(".newsetl.duckdb.tmp-*"))
    assert paths.published_db.stat().st_mode & 0o777 == PUBLISHED_MODE
    assert paths.published_db.read_bytes() == paths.work_db.read_bytes()  # a byte copy
    assert paths.published_db.stat().st_size < 0.5 * old_size  # rewritten compressed, without free blocks
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        (storage,) = con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
        assert storage.startswith("v1.2.0")
        tables = {
            r[0]
            for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
        }
        assert "raw.article_search" not in tables and {"raw.kept", "raw.documents", "ops.runs"} <= tables
        assert con.execute("SELECT count(*) FROM marts.kept_view").fetchone() == (10,)
        views = {
            r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        }
        assert "kept_view" in views and "not_tokens" in views
        assert not {"tokens", "tokens_quoted"} & views  # they read the tokens: dropped with the table
    finally:
        con.close()


def test_run_killed_while_publishing_is_not_left_marked_published(tmp_path: Path) -> None:
    from newsetl.warehouse.opsdb import finish_run, start_run
    from newsetl.warehouse.publish import publish_database

    (tmp_path / "in").mkdir()
    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    for run_id in ("r1", "r2"):
        con = open_work_db(paths)
        start_run(con, run_id, paths, False)
        finish_run(con, run_id, "published", {}, {}, str(paths.published_db))
        con.execute("CHECKPOINT")
        con.close()
        if run_id == "r1":
            publish_database(paths.work_db, paths.published_db)  # r2 dies before its copy lands
    con = open_work_db(paths)
    start_run(con, "r3", paths, False)
    rows = con.execute("SELECT run_id, status FROM ops.runs ORDER BY run_id").fetchall()
    con.close()
    assert rows == [("r1", "published"), ("r2", "abandoned"), ("r3", "running")]


def test_gx_validation_history_is_bounded(tmp_path: Path) -> None:
    """Old GX results (and their Data Docs pages) are pruned; the newest ones stay."""
    import os

    from newsetl.pipeline.quality.gate import prune_validation_results, quality_dirs

    dirs = quality_dirs(tmp_path)
    store = dirs.results / "newsetl_batch"
    site = dirs.site / "validations" / "newsetl_batch"
    for i in range(7):
        result = store / f"run-{i}" / "20260101T000000Z" / "batch.json"
        page = site / f"run-{i}" / "20260101T000000Z" / "batch.html"
        for f in (result, page):
            f.parent.mkdir(parents=True)
            f.write_text("{}")
        os.utime(result, ns=(i * 10**9, i * 10**9))
    assert prune_validation_results(dirs, keep=3) == 4
    assert sorted(p.parts[-3] for p in store.rglob("*.json")) == ["run-4", "run-5", "run-6"]
    assert sorted(p.parts[-3] for p in site.rglob("*.html")) == ["run-4", "run-5", "run-6"]
    assert not (store / "run-0").exists()  # emptied folders go too


# --- the processing stage's bulk connection ------------------------------------------------------------------


def _count_articles(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM raw.articles").fetchone()[0]
    finally:
        con.close()


def _bulk_insert_code(work: Path, n: int, then: str) -> str:
    return f"""
        from pathlib import Path
        from newsetl.config import make_paths
        from newsetl.warehouse.opsdb import open_work_db
        con = open_work_db(make_paths(warehouse_dir=Path({str(work)!r})), bulk=True)
        con.execute("SET checkpoint_threshold = '4GB'")
        con.execute('''INSERT INTO raw.articles (article_id, doc_id, position_in_file, body, original_text,
                           paragraph_count, is_fragment, joins_repaired, duplicates_removed, char_count,
                           processor_version, processed_run)
                       SELECT 'a' || i, 'd', 1, 'x', 'x', 1, false, 0, 0, 1, 'v', 'r' FROM range({n}) t(i)''')
        {then}
    """  # noqa: S608 - Python source for a subprocess (n is an int), not SQL from input


def test_bulk_connection_writes_no_wal_and_small_row_groups(tmp_path: Path) -> None:
    """Committed rows are durable once the connection checkpoints; no WAL copy; 16,384-row groups."""
    paths = make_paths(warehouse_dir=tmp_path)
    open_work_db(paths).close()
    wal = paths.work_db.with_name(paths.work_db.name + ".wal")
    res = _py(
        _bulk_insert_code(
            tmp_path,
            40_000,
            f"print('WAL after commit:', Path({str(wal)!r}).exists()); con.execute('CHECKPOINT'); con.close()",
        )
    )
    assert res.returncode == 0, res.stderr
    assert (
        "WAL after commit: False" in res.stdout
    )  # a plain connection writes the 40,000 rows to the WAL first
    assert _count_articles(paths.work_db) == 40_000
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        groups = con.execute(
            "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('raw.articles')"
        ).fetchone()[0]
    finally:
        con.close()
    assert groups == 3  # 16,384 + 16,384 + 7,232, not one group of 40,000


def test_bulk_connection_killed_before_its_checkpoint_keeps_the_earlier_file(tmp_path: Path) -> None:
    """SIGKILL after a commit but before the checkpoint: the file is as before the stage, and usable."""
    paths = make_paths(warehouse_dir=tmp_path)
    open_work_db(paths).close()
    res = _py(_bulk_insert_code(tmp_path, 1_000, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    assert res.returncode == -signal.SIGKILL
    assert _count_articles(paths.work_db) == 0  # nothing half-written; the documents stay unprocessed
    con = open_work_db(paths)  # a normal connection opens it and can write
    con.execute("CHECKPOINT")
    con.close()


@pytest.mark.parametrize("run_id", ["20261122T065733Z-6096ad", "20261122T065733Z-3f9a1c"])
def test_gx_never_reads_a_time_out_of_the_run_id(run_id: str) -> None:
    """GX parses a run name with dateutil when given no time: ``…Z-6096ad`` came out as a
    date with a UTC offset of 60:96 ("ad") and failed a CI run at the gate."""
    import datetime as dt

    from newsetl.pipeline.quality.gate import gx_run_id

    rid = gx_run_id(run_id)
    name, stamp = rid.to_tuple()
    assert name == run_id
    assert abs(rid.run_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert stamp.endswith("Z")


def test_a_failure_the_run_could_not_record_is_recorded_by_the_next_run(tmp_path: Path) -> None:
    """DuckDB refused to write (database invalidated, disk full): the run leaves a note, and the
    next run records the failure as what it was instead of 'abandoned (killed?)'."""
    from newsetl.warehouse.opsdb import leave_failure_note, start_run

    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    con = open_work_db(paths)
    start_run(con, "r1", paths, False)
    con.close()
    cause = duckdb.FatalException("Checkpoint failed: database has been invalidated")
    summary = {"stage": "process", "error": "FatalException: Checkpoint failed"}
    leave_failure_note(paths, "r1", "failed", summary, cause)
    con = open_work_db(paths)
    try:
        start_run(con, "r2", paths, False)
        status, message = con.execute("SELECT status, message FROM ops.runs WHERE run_id = 'r1'").fetchone()
    finally:
        con.close()
    assert status == "failed"
    assert message.startswith("[process] FatalException: Checkpoint failed") and "invalidated" in message
    assert not (paths.work_dir / "last_failure.json").exists()


def test_raw_log_is_owner_only(tmp_path: Path) -> None:
    """It holds the full text of every input, including files only their owner may read (0600)."""
    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    paths.input_dir.mkdir()
    secret = paths.input_dir / "private.txt"
    secret.write_text("工业和信息化部召开会议，研究部署中小企业复工复产工作。\n", encoding="utf-8")
    secret.chmod(0o600)
    old = os.umask(0o022)
    try:
        _ingest(paths, "r1")
    finally:
        os.umask(old)
    log = paths.raw_backup_dir
    assert log.stat().st_mode & 0o777 == 0o700
    files = [p for p in log.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    assert all(p.stat().st_mode & 0o777 == 0o700 for p in log.rglob("*") if p.is_dir())


@pytest.fixture()
def tiny_disk(tmp_path: Path):
    """A real 8 MiB file system (tmpfs) to fill up; root only (mount), skipped elsewhere."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {proc.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as fh:
        try:
            while True:
                fh.write(b"\xff" * 65536)
                fh.flush()
        except OSError:
            pass
    return filler


def test_a_run_that_fills_the_disk_is_recorded_as_disk_full(tiny_disk: Path) -> None:
    """A full disk was shown as 'abandoned (killed?)': the failed run could write neither its row
    nor its note. A reserve it gives back lets it say what happened."""
    from newsetl.warehouse.opsdb import describe_failure, record_failure, start_run

    paths = make_paths(tiny_disk / "in", tiny_disk / "wh")
    con = open_work_db(paths)
    start_run(con, "r1", paths, False)
    con.execute("CHECKPOINT")
    filler = _fill(tiny_disk)
    try:  # the run's own work hits the full disk (a real DuckDB error)
        con.execute("CREATE TABLE raw.big AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(300000)")
        con.execute("CHECKPOINT")
        pytest.fail("the disk did not fill up")
    except duckdb.Error as exc:
        failure = exc
    finally:
        con.close()
    summary = {"stage": "load", "error": describe_failure(failure, paths)}
    assert summary["error"].startswith("disk full")
    from newsetl.app.status import failure_line

    assert (
        "FAILED at start-up, nothing published (no warehouse has been published yet): disk full"
        in failure_line(failure, paths)
    )
    with contextlib.suppress(Exception):  # the database may refuse: then the note is written
        record_failure(paths, "r1", "failed", summary, {}, failure)
    filler.unlink()  # the operator frees space
    con = open_work_db(paths)
    try:
        start_run(con, "r2", paths, False)
        status, message = con.execute("SELECT status, message FROM ops.runs WHERE run_id = 'r1'").fetchone()
    finally:
        con.close()
    assert status == "failed", message
    assert message.startswith("[load] disk full"), message
    assert (paths.work_dir / ".space-reserve").stat().st_size > 0  # taken again for the next failure


def test_a_bloated_work_database_is_compacted_before_it_is_published(tmp_path: Path) -> None:
    """DuckDB never gives freed blocks back: after a recovery the published file was 362 MB
    against 140 MB clean. Past a quarter of free blocks the file is rewritten; same content."""
    from newsetl.warehouse.publish import compact_if_bloated, publish_database

    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    con = open_work_db(paths)
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute(
        "CREATE TABLE raw.big AS SELECT md5(range::VARCHAR) || md5((range + 7)::VARCHAR) AS h FROM range(600000)"
    )
    con.execute("CHECKPOINT")
    con.execute("CREATE TABLE raw.kept AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(50000)")
    con.execute("COMMENT ON TABLE raw.kept IS 'kept after compaction'")
    con.execute("CREATE VIEW staging.kept_view AS SELECT i FROM raw.kept WHERE i % 2 = 0")
    con.execute("CHECKPOINT")
    con.execute("DROP TABLE raw.big")  # what a rebuild leaves behind: freed blocks inside the file
    con.execute("CHECKPOINT")
    total, free = con.execute(
        "SELECT total_blocks, free_blocks FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchone()
    con.close()
    assert free > 0.25 * total, (total, free)
    bloated = paths.work_db.stat().st_size
    assert compact_if_bloated(paths.work_db, max_free_share=0.99) is None  # under the threshold: untouched
    assert paths.work_db.stat().st_size == bloated
    publish_database(paths.work_db, paths.published_db)
    assert paths.published_db.stat().st_size < 0.7 * bloated
    assert paths.work_db.stat().st_size < 0.7 * bloated  # the work file is compact too
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:
        assert con.execute("SELECT count(*), sum(i) FROM raw.kept").fetchone() == (50000, sum(range(50000)))
        assert con.execute("SELECT count(*) FROM staging.kept_view").fetchone()[0] == 25000
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'kept'").fetchone()[0] == (
            "kept after compaction"
        )
        assert con.execute("SELECT count(*) FROM ops.runs").fetchone()[0] == 0  # the schema came along
    finally:
        con.close()
    assert not list(paths.work_dir.glob(".compact-*"))
