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

import hashlib
import importlib
import json
import time
from pathlib import Path

import duckdb

from newsetl.config import PUBLISHED_NAME, duckdb_config
from newsetl.faults import fault_point
from newsetl.warehouse.backend import Backend

ALIAS = "lake"  # the name readers and the README use: lake.marts.fct_articles
WORK = PUBLISHED_NAME.removesuffix(".duckdb")  # the work database's catalog (views name it)
AUTHOR = "newsetl"

_EXTENSIONS = {  # extension -> pip package module that ships it
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
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
    options = []
    if backend.data_path and not read_only:
        options.append(f"DATA_PATH {_quote(backend.data_path)}")
    if read_only:
        options.append("READ_ONLY")
    opts = f" ({', '.join(options)})" if options else ""
    return [f"LOAD {_quote(str(extension_path(n)))}" for n in names] + [
        f"ATTACH {_quote(backend.catalog)} AS {alias}{opts}"
    ]


def attach(
    con: duckdb.DuckDBPyConnection, backend: Backend, alias: str = ALIAS, read_only: bool = False
) -> None:
    if backend.data_path and not read_only and "://" not in backend.data_path:
        Path(backend.data_path).mkdir(parents=True, exist_ok=True)  # a local folder (s3:// needs none)
    for statement in attach_statements(backend, alias, read_only):
        con.execute(statement)


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


def _fingerprints(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> dict[str, str]:
    """Per work table: row count, an order-independent hash of its rows and of its column types.

    A scan of the local work file (milliseconds per 100,000 rows): far cheaper than writing a
    table into the lake, where each table costs catalog rows and Parquet files at the commit.
    """
    out = {}
    for schema, table in tables:
        name = f"{_ident(schema)}.{_ident(table)}"
        query = f"SELECT count(*), sum(hash(t))::VARCHAR FROM {WORK}.{name} AS t"  # noqa: S608 - quoted identifiers
        count, rows = con.execute(query).fetchone()
        (columns,) = con.execute(
            """SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
               FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ?""",
            [WORK, schema, table],
        ).fetchone()
        out[f"{schema}.{table}"] = f"{count}:{rows}:{hashlib.sha256(columns.encode()).hexdigest()[:12]}"
    return out


def _published_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The fingerprints the latest newsetl snapshot recorded (empty: a new lake, or none recorded)."""
    row = con.execute(
        f"""SELECT commit_extra_info FROM {ALIAS}.snapshots()
            WHERE author = ? ORDER BY snapshot_id DESC LIMIT 1""",  # noqa: S608 - fixed alias
        [AUTHOR],
    ).fetchone()
    try:
        return dict(json.loads(row[0]).get("fingerprints") or {}) if row and row[0] else {}
    except (ValueError, AttributeError):
        return {}


def publish(work_db: Path, backend: Backend, run_id: str) -> dict[str, object]:
    """Write the tables of ``work_db`` that changed since the last publish into the lake, in one
    transaction; return the new snapshot.

    A changed table is replaced whole (new Parquet files); an unchanged one (same rows, same
    columns, by fingerprint) is left as it is; tables gone from the work database are dropped.
    Appending only the new rows of a table that just grew (``EXCEPT ALL`` both ways, no key)
    was measured slower than replacing it: 13.3 s against 9.0 s for +20 pages on 1,000
    (docs/scaling.md); the search index's 3 M term rows dominate either way.
    Nothing is visible to readers before ``COMMIT``.
    """
    t0 = time.perf_counter()
    con = duckdb.connect(config=duckdb_config())
    try:
        con.execute(f"ATTACH {_quote(str(work_db))} AS {WORK} (READ_ONLY)")  # noqa: S608 - quoted literal
        attach(con, backend)
        tables = _work_tables(con)
        wanted = set(tables)
        fingerprints = _fingerprints(con, tables)
        con.execute("BEGIN")
        before = _published_fingerprints(con)
        present = set(_lake_tables(con))
        for schema in sorted({s for s, _ in tables}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ALIAS}.{_ident(schema)}")  # noqa: S608 - quoted identifier
        dropped = [t for t in present if t not in wanted]
        for schema, table in dropped:
            con.execute(f"DROP TABLE {ALIAS}.{_ident(schema)}.{_ident(table)}")  # noqa: S608 - quoted identifiers
        written = []
        for schema, table in tables:
            key = f"{schema}.{table}"
            if (schema, table) in present and before.get(key) == fingerprints[key]:
                continue
            name = f"{_ident(schema)}.{_ident(table)}"
            con.execute(f"CREATE OR REPLACE TABLE {ALIAS}.{name} AS FROM {WORK}.{name}")  # noqa: S608 - quoted identifiers
            written.append(key)
        rows = sum(int(fingerprints[k].split(":", 1)[0]) for k in written)
        info = {"run_id": run_id, "written": len(written), "rows_written": rows, "fingerprints": fingerprints}
        con.execute(
            f"CALL {ALIAS}.set_commit_message(?, ?, extra_info => ?)",  # noqa: S608 - fixed alias
            [AUTHOR, f"publish run {run_id}", json.dumps(info)],
        )
        fault_point("lake_commit")  # NEWSETL_FAULT=lake_commit: die with the transaction open
        con.execute("COMMIT")
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
        "seconds": round(time.perf_counter() - t0, 3),
    }


def snapshots(backend: Backend, limit: int = 10) -> list[dict[str, object]]:
    """The lake's latest snapshots, newest first: id, time, and the run that committed it."""
    con = connect_reader(backend)
    try:
        rows = con.execute(
            f"""SELECT snapshot_id, CAST(snapshot_time AS VARCHAR), commit_message, commit_extra_info
                FROM {ALIAS}.snapshots() ORDER BY snapshot_id DESC LIMIT ?""",  # noqa: S608 - fixed alias
            [limit],
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
