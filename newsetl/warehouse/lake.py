"""The DuckLake backend: the published warehouse as a catalog database plus Parquet files.

The run still builds in its work DuckDB file (ingest, processing, dbt, gate: unchanged).
Publishing copies the work database's tables into the lake in **one catalog transaction**:
readers attached to the lake see the previous snapshot until the commit and the whole new
one after it; a run that fails or is killed before the commit leaves the catalog as it was
(the Parquet files it had written are unreferenced, removed by ``ducklake_cleanup_old_files``).
Every commit is a snapshot carrying the run id, so analysts can read an earlier publication
with ``AT (VERSION => n)``.

Extensions come from their pip packages (``duckdb-extension-ducklake``,
``duckdb-extension-sqlite-scanner``, ``duckdb-extension-postgres-scanner``) at the project's
DuckDB version: nothing is downloaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import sqlite3
import time
from pathlib import Path

import duckdb

from newsetl.config import PUBLISHED_NAME, duckdb_config
from newsetl.faults import fault_point
from newsetl.warehouse.backend import Backend
from newsetl.warehouse.lake_increments import (
    KEYED,
    SPLIT,
    Increments,
    Laps,
    Recompare,
    all_columns,
    copy_whole,
    qualified,
)

ALIAS = "lake"  # the name readers and the README use: lake.marts.fct_articles
WORK = PUBLISHED_NAME.removesuffix(".duckdb")  # the work database's catalog (views name it)
AUTHOR = "newsetl"

_EXTENSIONS = {  # extension -> pip package module that ships it
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "httpfs": "duckdb_extension_httpfs",
}


def extension_path(name: str) -> Path:
    """The extension binary shipped by its pip package for this DuckDB version."""
    module = importlib.import_module(_EXTENSIONS[name])
    base = Path(module.__file__).resolve().parent / "extensions"
    path = base / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.exists():
        raise RuntimeError(
            f"{name} extension for duckdb {duckdb.__version__} not found under {base}: "
            f"pip install {_EXTENSIONS[name].replace('_', '-')}=={duckdb.__version__}"
        )
    return path


def _catalog_kind(catalog: str) -> str:
    return catalog.removeprefix("ducklake:").split(":", 1)[0]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def attach_statements(backend: Backend, alias: str = ALIAS, read_only: bool = True) -> list[str]:
    """The SQL that attaches the lake in any DuckDB 1.5.5 (CLI, Python, SQLAlchemy): LOAD of the
    extensions from their pip packages by path (nothing downloaded), then ATTACH.
    ATTACH binds no parameters: paths and the catalog are quoted literals."""
    assert backend.catalog, "a DuckLake backend has a catalog"
    names = ["ducklake"]
    kind = _catalog_kind(backend.catalog)
    if kind == "sqlite":
        names.append("sqlite_scanner")
    elif kind in ("postgres", "postgresql"):
        names.append("postgres_scanner")
    if backend.data_path and backend.data_path.startswith("s3://"):
        # credentials: a DuckDB S3 secret (CREATE PERSISTENT SECRET ... SCOPE 's3://bucket'), which
        # every DuckDB of that user finds by itself: never in these statements, which status prints
        names.append("httpfs")
    options = []
    if backend.data_path and not read_only:
        options.append(f"DATA_PATH {_quote(backend.data_path)}")
    if read_only:
        options.append("READ_ONLY")
    opts = f" ({', '.join(options)})" if options else ""
    return [f"LOAD {_quote(str(extension_path(n)))}" for n in names] + [
        f"ATTACH {_quote(backend.catalog)} AS {alias}{opts}"
    ]


def _sqlite_wal(catalog: str) -> None:
    """Put a SQLite catalog in WAL mode (kept in the file): in SQLite's default rollback-journal
    mode a reader's open connection makes the writer's COMMIT fail with ``database is locked``;
    in WAL mode readers and the one writer do not block each other."""
    path = Path(catalog.removeprefix("ducklake:").removeprefix("sqlite:"))
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    try:
        if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


def attach(
    con: duckdb.DuckDBPyConnection, backend: Backend, alias: str = ALIAS, read_only: bool = False
) -> None:
    if backend.data_path and not read_only and "://" not in backend.data_path:
        Path(backend.data_path).mkdir(parents=True, exist_ok=True)  # a local folder (s3:// needs none)
    if not read_only and backend.catalog and _catalog_kind(backend.catalog) == "sqlite":
        _sqlite_wal(backend.catalog)
    for statement in attach_statements(backend, alias, read_only):
        con.execute(statement)
    if not read_only:
        _bounded_row_groups(con, alias)


# Parquet row groups of the lake's files by size, not rows: a row group of the default 122,880
# rows of article bodies is buffered whole before it is written (116 MiB for fct_articles at
# 10,000 pages, past the pipeline's 300 MB DuckDB memory limit)
ROW_GROUP_BYTES = "16MB"


def writer_config(spill: Path | None = None) -> dict[str, str]:
    """The settings of a connection that writes the lake: row groups bounded by bytes need insertion
    order off (DuckDB refuses them otherwise; row order is not part of a table), and ``spill`` is
    where a large write spills rather than fail at the memory limit."""
    extra = {"preserve_insertion_order": "false"}
    if spill is not None:
        extra["temp_directory"] = str(spill)
    return {**duckdb_config(), **extra}


def _bounded_row_groups(con: duckdb.DuckDBPyConnection, alias: str) -> None:
    """Set the lake's row-group size option once (it is kept in the catalog)."""
    options = dict(con.execute(f"SELECT option_name, value FROM {alias}.options()").fetchall())  # noqa: S608 - our alias
    if options.get("parquet_row_group_size_bytes") is None:
        size = _quote(ROW_GROUP_BYTES)
        con.execute(f"CALL {alias}.set_option('parquet_row_group_size_bytes', {size})")  # noqa: S608 - our alias, a constant


def connect_reader(backend: Backend) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached read-only and selected (``FROM marts.x`` works)."""
    con = duckdb.connect(config=duckdb_config())
    attach(con, backend, ALIAS, read_only=True)
    con.execute(f"USE {ALIAS}")
    return con


def _work_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every base table of the work database (views, macros and indexes stay behind: see docs/scaling.md)."""
    return con.execute(
        """SELECT schema_name, table_name FROM duckdb_tables()
           WHERE database_name = ? AND NOT internal AND NOT temporary ORDER BY 1, 2""",
        [WORK],
    ).fetchall()


def _lake_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1, 2",
        [ALIAS],
    ).fetchall()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fingerprints(
    con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]], cols: dict[str, list[tuple[str, str]]]
) -> dict[str, str]:
    """Per work table: row count, an order-independent hash of its rows and of its column types.

    Only for the tables replaced whole (small: aggregates, dimensions, ops): a scan of the local
    work file is far cheaper than writing a table into the lake.
    """
    out = {}
    for schema, table in tables:
        name = f"{_ident(schema)}.{_ident(table)}"
        query = f"SELECT count(*), sum(hash(t))::VARCHAR FROM {WORK}.{name} AS t"  # noqa: S608 - quoted identifiers
        count, rows = con.execute(query).fetchone()
        columns = ", ".join(f"{c} {t}" for c, t in cols[f"{schema}.{table}"])
        out[f"{schema}.{table}"] = f"{count}:{rows}:{hashlib.sha256(columns.encode()).hexdigest()[:12]}"
    return out


def _published_info(con: duckdb.DuckDBPyConnection) -> dict:
    """What the latest newsetl snapshot recorded: fingerprints of the tables replaced whole, marks of
    the change sets (empty: a new lake, or none recorded)."""
    row = con.execute(
        f"""SELECT commit_extra_info FROM {ALIAS}.snapshots()
            WHERE author = ? ORDER BY snapshot_id DESC LIMIT 1""",  # noqa: S608 - fixed alias
        [AUTHOR],
    ).fetchone()
    try:
        info = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


class _Writes:
    """The writes of one publish inside the open transaction: drop gone tables, replace the changed
    whole tables, apply the keyed increments."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        tables: list[tuple[str, str]],
        whole: list[tuple[str, str]],
        fingerprints: dict[str, str],
        work_columns: dict[str, list[tuple[str, str]]],
        parts: Laps,
    ) -> None:
        self.con, self.tables, self.whole, self.fingerprints = con, tables, whole, fingerprints
        self.work_columns, self.parts = work_columns, parts
        self.written: list[str] = []
        self.dropped: list[str] = []
        self.rows = 0

    def run(self, before: dict[str, str], marks: dict[str, str]) -> None:
        con, names = self.con, [f"{s}.{t}" for s, t in self.tables]
        self.increments = increments = Increments(con, WORK, ALIAS, self.work_columns, self.parts, marks)
        present = {f"{s}.{t}" for s, t in _lake_tables(con)}
        for schema in sorted({s for s, _ in self.tables}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{_ident(schema)}")  # noqa: S608 - quoted identifier
        self.dropped = sorted(present - increments.lake_names(names))
        for table in self.dropped:
            con.execute(f"DROP TABLE {qualified(ALIAS, table)}")  # noqa: S608 - quoted identifiers
        present -= set(self.dropped)
        for schema, table in self.whole:
            key = f"{schema}.{table}"
            if key in present and before.get(key) == self.fingerprints[key]:
                continue
            copy_whole(con, qualified(ALIAS, key), WORK, key)
            self.written.append(key)
        self.parts.lap("whole_tables")
        increments.apply(names, present)
        self.rows = (
            sum(int(self.fingerprints[k].split(":", 1)[0]) for k in self.written) + increments.inserted
        )
        self.written += increments.touched


def publish(work_db: Path, backend: Backend, run_id: str) -> dict[str, object]:
    """Bring the lake up to the tables of ``work_db`` in one transaction; return the new snapshot.

    The tables that grow with the archive (by document, article, search-index docid) take keyed
    increments: only the rows of the keys that changed since the lake's snapshot are deleted and
    inserted (newsetl/warehouse/lake_increments.py), so the rows written follow the run's new
    data, not the archive. Every other table (aggregate marts, dimensions, ops) is small: it is
    replaced whole when its fingerprint (rows, row hash, column types) changed and left alone
    otherwise. Tables gone from the work database are dropped. Nothing is visible to readers
    before ``COMMIT``.
    """
    t0 = time.perf_counter()
    parts = Laps()
    con = duckdb.connect(config=writer_config(work_db.parent / "lake-publish.tmp"))
    try:
        con.execute(f"ATTACH {_quote(str(work_db))} AS {WORK} (READ_ONLY)")  # noqa: S608 - quoted literal
        tables = _work_tables(con)
        whole = [(s, t) for s, t in tables if f"{s}.{t}" not in KEYED and f"{s}.{t}" not in SPLIT]
        work_columns = all_columns(con, WORK)
        parts.lap("work_catalog")
        fingerprints = _fingerprints(con, whole, work_columns)
        parts.lap("fingerprints")
        attach(con, backend)
        con.execute("BEGIN")
        fault_point("lake_write")  # NEWSETL_FAULT=lake_write:<s>: die <s> seconds into the writes
        published = _published_info(con)
        parts.lap("lake_catalog")
        job = _Writes(con, tables, whole, fingerprints, work_columns, parts)
        recompared = None
        try:
            job.run(published.get("fingerprints") or {}, published.get("marks") or {})
        except Recompare as exc:  # a key gone since the marks: this transaction again, comparing whole
            recompared = str(exc)
            con.execute("ROLLBACK")
            con.execute("BEGIN")
            parts.lap("recompare")
            job = _Writes(con, tables, whole, fingerprints, work_columns, parts)
            job.run(published.get("fingerprints") or {}, {})
        increments, written, dropped, rows = job.increments, job.written, job.dropped, job.rows
        info = {
            "run_id": run_id,
            "written": len(written),
            "rows_written": rows,
            "increments": increments.stats(),
            "recompared": recompared,
            "fingerprints": fingerprints,
            "marks": increments.marks,
        }
        con.execute(
            f"CALL {ALIAS}.set_commit_message(?, ?, extra_info => ?)",  # noqa: S608 - fixed alias
            [AUTHOR, f"publish run {run_id}", json.dumps(info)],
        )
        fault_point("lake_commit")  # NEWSETL_FAULT=lake_commit: die with the transaction open
        parts.lap("commit_message")
        con.execute("COMMIT")
        parts.lap("commit")
        snapshot = con.execute(f"FROM {ALIAS}.current_snapshot()").fetchone()[0]  # noqa: S608
    except BaseException:
        con.close()  # an open transaction is rolled back: the catalog keeps the previous snapshot
        raise
    con.close()
    return {
        "snapshot": snapshot,
        "tables": len(tables),
        "written": len(written),
        "dropped": len(dropped),
        "rows_written": rows,
        **increments.stats(),
        "recompared": recompared,
        "parts": dict(parts),
        "seconds": round(time.perf_counter() - t0, 3),
    }


# files below this size are merged after each publish (``ducklake_merge_adjacent_files``): every
# publish adds a small file or two per table it touched, and reading the catalog (each publish, each
# reader) grows with the files. Larger files are left alone, so a merge rewrites at most this much
# per table whatever the archive's size.
MERGE_BELOW_BYTES = 8 * 2**20


def maintain(backend: Backend, keep_days: float) -> dict[str, object]:
    """Merge small data files, expire snapshots older than ``keep_days`` and delete the data files
    nothing needs any more.

    Merging keeps every snapshot readable (a merged file records which snapshot added which of its
    rows); the files it replaced are deleted with the other unused ones. Files only expired
    snapshots used, and orphaned files (a publish killed before its commit leaves Parquet files no
    snapshot references), are deleted once they are ``keep_days`` old: a reader's query that started
    on an old snapshot never loses a file under it. The newest snapshot is never expired.
    ``keep_days <= 0`` keeps every snapshot and file.
    """
    con = duckdb.connect(config=writer_config())
    try:
        attach(con, backend)
        merged = con.execute(
            f"CALL ducklake_merge_adjacent_files({_quote(ALIAS)}, max_file_size => {MERGE_BELOW_BYTES})"  # noqa: S608 - our constants
        ).fetchall()
        out: dict[str, object] = {
            "keep_days": keep_days,
            "files_merged": sum(int(row[2]) for row in merged),
            "expired": 0,
            "files_deleted": 0,
        }
        if keep_days <= 0:
            return out
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=keep_days)
        older = f"older_than => TIMESTAMPTZ {_quote(cutoff.isoformat())}"  # a literal we formatted
        expired = con.execute(f"CALL ducklake_expire_snapshots({_quote(ALIAS)}, {older})").fetchall()  # noqa: S608 - our timestamp
        deleted = con.execute(f"CALL ducklake_cleanup_old_files({_quote(ALIAS)}, {older})").fetchall()  # noqa: S608 - our timestamp
        orphans = con.execute(f"CALL ducklake_delete_orphaned_files({_quote(ALIAS)}, {older})").fetchall()  # noqa: S608 - our timestamp
    finally:
        con.close()
    return {**out, "expired": len(expired), "files_deleted": len(deleted) + len(orphans)}


def snapshots(backend: Backend, limit: int = 10) -> list[dict[str, object]]:
    """The lake's latest published snapshots, newest first: id, time, and the run that committed it.
    (The maintenance's merges commit snapshots of their own, with the same data: not listed.)"""
    con = connect_reader(backend)
    try:
        rows = con.execute(
            f"""SELECT snapshot_id, CAST(snapshot_time AS VARCHAR), commit_message, commit_extra_info
                FROM {ALIAS}.snapshots() WHERE author = ? ORDER BY snapshot_id DESC LIMIT ?""",  # noqa: S608 - fixed alias
            [AUTHOR, limit],
        ).fetchall()
    finally:
        con.close()
    out = []
    for snapshot_id, at, message, extra in rows:
        try:
            run_id = json.loads(extra).get("run_id") if extra else None
        except ValueError:
            run_id = None
        out.append({"snapshot_id": snapshot_id, "time": at, "run_id": run_id, "message": message})
    return out
