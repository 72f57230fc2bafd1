"""The raw log, and rebuilding a lost or corrupted work database from it.

``raw.documents``, ``raw.file_versions`` and ``raw.quarantine`` are the only
tables that cannot be derived from anything else. After every ingest the rows
not yet logged are appended as Parquet files under ``<warehouse>/raw_log/``::

    raw_log/documents/<run_id>.parquet      new documents (full text)
    raw_log/file_versions/<run_id>.parquet  new path versions
    raw_log/supersessions/<run_id>.parquet  (path, version, superseded_run) events
    raw_log/quarantine/<run_id>.parquet     new quarantine rows (original bytes)

The log is owner-only (folders 0700, files 0600): it holds the full text of every input.
Each file is written to a temporary name and renamed into place, and the
pipeline never modifies or deletes one: the log is append-only and lives
outside ``.work/``, so rebuilding the work database never touches it. Rows
are found by key (anti-join against what is already logged), so a run killed
between its ingest commit and the log write is caught up by the next run.

At the start of every run :func:`ensure_work_db` opens the work database and
reads every raw table in full (checksums are verified on read). If it cannot
be opened or read, or a previous run flagged it corrupt (``.work/CORRUPT``),
or it is missing while a log exists, the work file is moved aside to
``.work/corrupt-<time>/`` and a new one is rebuilt: raw tables from the log,
``ops`` history from the published file (if readable). Everything else
(articles, dbt models) is derived again by the same run, because no document
is marked processed in the new file.

By hand: ``python -m newsetl.warehouse.recovery --warehouse DIR [--verify|--rebuild]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from newsetl.config import Paths, duckdb_config, make_paths
from newsetl.warehouse.decision_log import private_dir, restore_decisions
from newsetl.warehouse.lock import run_lock
from newsetl.warehouse.schema import ensure_schema
from newsetl.warehouse.search_store import tokens_path

CORRUPT_MARKER = "CORRUPT"
# table -> (key columns, query giving the rows to log)
LOGGED = {
    "documents": (("doc_id",), "SELECT * FROM raw.documents"),
    "file_versions": (("path", "version"), "SELECT * EXCLUDE (superseded_run) FROM raw.file_versions"),
    "supersessions": (
        ("path", "version"),
        "SELECT path, version, superseded_run FROM raw.file_versions WHERE superseded_run IS NOT NULL",
    ),
    "quarantine": (("quarantine_id",), "SELECT * FROM raw.quarantine"),
}
RAW_TABLES = ("documents", "file_versions", "quarantine")


class WorkDbCorrupt(RuntimeError):
    pass


def _log_files(paths: Paths, table: str) -> list[str]:
    folder = paths.raw_backup_dir / table
    return sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []


def has_log(paths: Paths) -> bool:
    return any(_log_files(paths, t) for t in LOGGED)


def append_raw_log(con: duckdb.DuckDBPyConnection, paths: Paths, run_id: str) -> dict[str, int]:
    """Append the raw rows not yet in the log; return rows written per table."""
    written: dict[str, int] = {}
    for table, (keys, query) in LOGGED.items():
        files = _log_files(paths, table)
        key_list = ", ".join(keys)
        if files:
            logged = f"SELECT {key_list} FROM read_parquet(?, union_by_name = true)"  # noqa: S608 - fixed names
            new_rows = f"SELECT q.* FROM ({query}) AS q ANTI JOIN ({logged}) AS l USING ({key_list})"  # noqa: S608
            params: list = [files]
        else:
            new_rows, params = query, []
        con.execute(f"CREATE OR REPLACE TEMP TABLE _raw_log_rows AS {new_rows}", params)  # noqa: S608
        n = con.execute("SELECT count(*) FROM _raw_log_rows").fetchone()[0]
        if not n:
            con.execute("DROP TABLE _raw_log_rows")
            continue
        folder = paths.raw_backup_dir / table
        private_dir(paths.raw_backup_dir)
        private_dir(folder)
        target = folder / f"{run_id}.parquet"
        if target.exists():  # a second append in the same run (a retried ingest task)
            target = folder / f"{run_id}-{len(files)}.parquet"
        tmp = folder / f".{target.name}.tmp"
        con.execute("COPY _raw_log_rows TO ? (FORMAT parquet, COMPRESSION zstd)", [str(tmp)])
        con.execute("DROP TABLE _raw_log_rows")
        os.chmod(tmp, 0o600)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        written[table] = n
    return written


def verify_work_db(work_db: Path) -> None:
    """Open the work database and read every raw table in full; raise :class:`WorkDbCorrupt` if that fails."""
    try:
        con = duckdb.connect(str(work_db), config=duckdb_config())
    except duckdb.Error as exc:
        if _is_lock_conflict(exc):
            raise  # another process holds it: not corruption
        raise WorkDbCorrupt(f"cannot open: {exc}") from exc
    try:
        for table in RAW_TABLES:
            con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM raw.{table}").fetchall()  # noqa: S608
        con.execute("SELECT count(*), max(started_at) FROM ops.runs").fetchall()
    except duckdb.CatalogException:
        pass  # an older or brand-new file: ensure_schema creates what is missing
    except duckdb.Error as exc:
        raise WorkDbCorrupt(f"cannot read: {exc}") from exc
    finally:
        con.close()


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def is_corruption(exc: BaseException) -> bool:
    """Does this error mean the work database file is damaged?"""
    text = str(exc)
    return isinstance(exc, duckdb.Error) and any(
        s in text
        for s in (
            "Corrupt database file",
            "not a valid DuckDB database",
            "Could not read enough bytes",
            "checksum",
        )
    )


def mark_corrupt(paths: Paths, reason: str) -> None:
    """Flag the work database for a rebuild at the start of the next run."""
    if paths.work_dir.is_dir():
        (paths.work_dir / CORRUPT_MARKER).write_text(reason + "\n", encoding="utf-8")


def ensure_work_db(paths: Paths) -> str | None:
    """Make sure the work database is readable; rebuild it from the raw log if not. Returns what was done."""
    marker = paths.work_dir / CORRUPT_MARKER
    reason: str | None = None
    if marker.exists():
        reason = "flagged corrupt by a previous run: " + marker.read_text(encoding="utf-8").strip()
    elif paths.work_db.exists():
        try:
            verify_work_db(paths.work_db)
        except WorkDbCorrupt as exc:
            reason = str(exc)
    elif has_log(paths):
        reason = "work database missing"
    if reason is None:
        return None
    rebuild_work_db(paths)
    marker.unlink(missing_ok=True)
    return f"work database rebuilt from {paths.raw_backup_dir} ({reason})"


def rebuild_work_db(paths: Paths) -> dict[str, int]:
    """Move the work file aside and rebuild raw tables from the log and ops from the published file."""
    paths.work_dir.mkdir(parents=True, exist_ok=True)
    if paths.work_db.exists():
        aside = paths.work_dir / f"corrupt-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S%f')}"
        aside.mkdir()
        tokens = tokens_path(paths.work_db)  # a cache of the articles' text: made again by processing
        for f in (paths.work_db, paths.work_db.with_name(paths.work_db.name + ".wal"), tokens):
            if f.exists():
                shutil.move(str(f), aside / f.name)
        tokens.with_name(tokens.name + ".wal").unlink(missing_ok=True)
    con = duckdb.connect(str(paths.work_db), config=duckdb_config())
    counts: dict[str, int] = {}
    try:
        ensure_schema(con)
        con.execute("BEGIN TRANSACTION")
        for table in RAW_TABLES:
            files = _log_files(paths, table)
            if not files:
                continue
            keys = ", ".join(LOGGED[table][0])
            # the same key can be logged twice only if a log write raced a crash: keep one
            con.execute(
                f"INSERT INTO raw.{table} BY NAME SELECT * FROM read_parquet(?, union_by_name = true) "  # noqa: S608
                f"QUALIFY row_number() OVER (PARTITION BY {keys}) = 1",
                [files],
            )
            counts[table] = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]  # noqa: S608
        files = _log_files(paths, "supersessions")
        if files:
            con.execute(
                """UPDATE raw.file_versions AS v SET superseded_run = s.superseded_run
                   FROM (SELECT * FROM read_parquet(?, union_by_name = true)) AS s
                   WHERE v.path = s.path AND v.version = s.version""",
                [files],
            )
        con.execute("COMMIT")
        counts.update(_restore_ops(con, paths))

        counts["ops.decisions"] = restore_decisions(
            con, paths
        )  # operator decisions since the last publish too
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def _restore_ops(con: duckdb.DuckDBPyConnection, paths: Paths) -> dict[str, int]:
    """Copy the run history from the published file, which holds it as of the last publish."""
    if not paths.published_db.exists():
        return {}
    out: dict[str, int] = {}
    try:
        pub = duckdb.connect(str(paths.published_db), read_only=True)
    except duckdb.Error:
        return {}
    try:
        for table in ("runs", "gate_results"):
            try:
                arrow = pub.execute(f"SELECT * FROM ops.{table}").fetch_arrow_table()  # noqa: S608
            except duckdb.Error:
                continue
            con.register("_ops_rows", arrow)
            con.execute(f"INSERT INTO ops.{table} BY NAME SELECT * FROM _ops_rows")  # noqa: S608
            con.unregister("_ops_rows")
            out[f"ops.{table}"] = arrow.num_rows
    finally:
        pub.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsetl.warehouse.recovery", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--warehouse", default=None)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--verify", action="store_true", help="only check the work database")
    action.add_argument(
        "--rebuild", action="store_true", help="rebuild the work database from the raw log now"
    )
    args = parser.parse_args(argv)
    paths = make_paths(None, args.warehouse)
    with run_lock(paths.lock_file):
        if args.rebuild:
            print(rebuild_work_db(paths))
            return 0
        if args.verify:
            try:
                verify_work_db(paths.work_db)
            except WorkDbCorrupt as exc:
                print(f"work database damaged: {exc}")
                return 1
            print("work database readable")
            return 0
        print(ensure_work_db(paths) or "work database readable; nothing to do")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
