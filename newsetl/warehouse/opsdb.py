"""The work database connection and the ``ops`` bookkeeping tables."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
from typing import Any

import duckdb

from newsetl.config import PUBLISHED_NAME, Paths, duckdb_config
from newsetl.warehouse import load as wl
from newsetl.warehouse.backend import remembered
from newsetl.warehouse.lake import connect_reader
from newsetl.warehouse.schema import ensure_schema
from newsetl.warehouse.search_store import attach_tokens, move_legacy_tokens


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# The work DB's catalog name: its file name's stem, like a plain duckdb.connect(path) gives.
CATALOG = PUBLISHED_NAME.removesuffix(".duckdb")
# Rows per row group for what the processing stage writes (DuckDB's default: 122,880).
BULK_ROW_GROUP_SIZE = 16_384


def open_work_db(paths: Paths, *, bulk: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect to the work database (created with its schema if new).

    ``bulk``: for a stage that writes a lot and checkpoints when it is done (the
    processing stage). The file is attached with ``RECOVERY_MODE no_wal_writes``:
    commits are not written to the WAL a second time (about 360 MB at 10,000 pages)
    and become durable at the stage's closing checkpoint. A crash before it loses
    only that stage's rows: the documents are still unprocessed in the file, and the
    next run processes them again. A WAL left by an earlier crash is still replayed.

    New rows also go into smaller row groups (``BULK_ROW_GROUP_SIZE``): a checkpoint
    rewrites each changed table's last row group whole, so with DuckDB's default
    (122,880 rows) it rewrote whole tables of a 10,000-page archive to add ten pages,
    and more row groups let the closing checkpoint write on every core.
    """
    paths.work_dir.mkdir(parents=True, exist_ok=True)
    if not bulk:
        con = duckdb.connect(str(paths.work_db), config=duckdb_config())
    else:
        # the catalog keeps the file's name (views store catalog-qualified names)
        con = duckdb.connect(config={**duckdb_config(), "temp_directory": f"{paths.work_db}.tmp"})
        path = str(paths.work_db).replace("'", "''")  # ATTACH takes no bound parameter: quoted literal
        con.execute(
            f"ATTACH '{path}' AS {CATALOG} (RECOVERY_MODE no_wal_writes, ROW_GROUP_SIZE {BULK_ROW_GROUP_SIZE})"  # noqa: S608
        )
        con.execute(f"USE {CATALOG}")
    ensure_schema(con)
    attach_tokens(con, paths.work_db)  # the search tokens: work-only, in a file of their own
    move_legacy_tokens(con)
    return con


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, paths: Paths, full_refresh: bool) -> None:
    abandon_stale_runs(con, paths)  # the caller holds the run lock: any 'running' row is a dead run
    reconcile_last_publish(con, paths)
    reserve_space(paths)
    con.execute(
        "INSERT INTO ops.runs (run_id, started_at, status, input_dir, full_refresh) VALUES (?, ?, 'running', ?, ?)",
        [run_id, _now(), str(paths.input_dir), full_refresh],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    summary: dict[str, Any],
    timings: dict[str, float],
    published: str | None,
) -> None:
    ingest = summary.get("ingest", {})
    process = summary.get("process", {})
    con.execute(
        """
        UPDATE ops.runs SET finished_at = ?, status = ?, files_seen = ?, files_read = ?, documents_new = ?,
            quarantined = ?, documents_processed = ?, articles_written = ?, articles_total = ?,
            gate_outcome = ?, gate_failures = ?, published_path = ?, message = ?, stage_seconds = ?,
            no_topic_share = ?, articles_quarantined = ?
        WHERE run_id = ?
        """,
        [
            _now(),
            status,
            ingest.get("files_seen"),
            ingest.get("files_read"),
            ingest.get("documents_new"),
            (ingest.get("quarantined") or 0) + (process.get("quarantined") or 0),
            process.get("documents"),
            process.get("articles"),
            summary.get("articles"),
            summary.get("gate"),
            summary.get("error") if status == "gate_failed" else None,
            published,
            _message(summary),
            json.dumps(timings),
            summary.get("no_topic_share"),
            summary.get("articles_quarantined"),
            run_id,
        ],
    )


def _message(summary: dict[str, Any]) -> str | None:
    """``[stage] error`` for a failed run; notes such as a work-DB rebuild for any run."""
    parts = []
    if summary.get("error"):
        parts.append((f"[{summary['stage']}] " if summary.get("stage") else "") + summary["error"])
    if summary.get("recovered"):
        parts.append(summary["recovered"])
    return "; ".join(parts) or None


def record_gate(con: duckdb.DuckDBPyConnection, run_id: str, outcome: Any) -> None:
    now = _now()
    rows = [
        (run_id, r.suite, r.expectation, r.column, r.severity, r.success, r.observed, r.why, now)
        for r in outcome.results
    ]
    if rows:
        con.executemany("INSERT INTO ops.gate_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


FAILURE_NOTE = "last_failure.json"
# A little disk space kept free for the record of a failure: a run that fails because the disk
# is full frees it, so its row (or its note) can still be written, and says "disk full".
SPACE_RESERVE = ".space-reserve"
SPACE_RESERVE_BYTES = 1024 * 1024


def reserve_space(paths: Paths) -> None:
    path = paths.work_dir / SPACE_RESERVE
    if path.exists():
        return
    # no room even for this: the run will fail on its own
    with contextlib.suppress(OSError), path.open("wb") as fh:
        fh.write(b"\0" * SPACE_RESERVE_BYTES)  # real blocks, not a sparse file
        fh.flush()
        os.fsync(fh.fileno())


def release_space(paths: Paths) -> bool:
    try:
        (paths.work_dir / SPACE_RESERVE).unlink()
    except OSError:
        return False
    return True


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a full disk or quota; DuckDB reports one as text."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(exc).lower()
        if "no space left on device" in text or "disk quota exceeded" in text or "disk full" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def describe_failure(exc: BaseException, paths: Paths) -> str:
    """The error as ``ops.runs.message`` shows it: a full disk is named as such."""
    what = f"{type(exc).__name__}: {exc}"
    if is_disk_full(exc):
        return f"disk full (no space left on the device of {paths.warehouse_dir}): {what}"
    return what


def record_failure(
    paths: Paths,
    run_id: str,
    status: str,
    summary: dict[str, Any],
    timings: dict[str, float],
    exc: BaseException,
) -> None:
    """Record a failed run in ``ops.runs`` (and forget its processing); if the database refuses,
    leave a note the next run records. A full disk first gives back the reserved space."""
    if is_disk_full(exc):
        release_space(paths)
    try:
        con = open_work_db(paths)
        try:
            finish_run(con, run_id, status, summary, timings, published=None)
            wl.forget_processing(con, run_id)  # a failed run's processing is redone next run
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except Exception as inner:  # noqa: BLE001 - report the original failure
        # e.g. DuckDB invalidated the database, or no space: the next run records what happened
        leave_failure_note(paths, run_id, status, summary, inner)
        raise


def leave_failure_note(
    paths: Paths, run_id: str, status: str, summary: dict[str, Any], cause: BaseException
) -> None:
    """A failed run that could not write its own row (the database refused: invalidated, disk
    full) leaves its status and error next to the work database; the next run records it
    instead of calling the run abandoned."""
    note = {
        "run_id": run_id,
        "status": status,
        "message": f"{_message(summary)}; could not be recorded by the run itself: {type(cause).__name__}: {cause}",
    }
    text = json.dumps(note, ensure_ascii=False)
    try:
        (paths.work_dir / FAILURE_NOTE).write_text(text, encoding="utf-8")
    except OSError as exc:
        if not (is_disk_full(exc) and release_space(paths)):
            return  # nowhere to write it: the next run says 'abandoned'
        with contextlib.suppress(OSError):
            (paths.work_dir / FAILURE_NOTE).write_text(text, encoding="utf-8")


def apply_failure_note(con: duckdb.DuckDBPyConnection, paths: Paths) -> str | None:
    path = paths.work_dir / FAILURE_NOTE
    try:
        note = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    con.execute(
        "UPDATE ops.runs SET status = ?, finished_at = coalesce(finished_at, ?), message = ? "
        "WHERE run_id = ? AND status = 'running'",
        [note["status"], _now(), note["message"], note["run_id"]],
    )
    path.unlink(missing_ok=True)
    return note["run_id"]


def abandon_stale_runs(con: duckdb.DuckDBPyConnection, paths: Paths | None = None) -> int:
    """Runs still 'running' when a new run holds the lock died without cleanup (SIGKILL, power loss),
    unless they left a note of how they failed (:func:`leave_failure_note`)."""
    if paths is not None:
        apply_failure_note(con, paths)
    n = con.execute("SELECT count(*) FROM ops.runs WHERE status = 'running'").fetchone()[0]
    if n:
        con.execute(
            "UPDATE ops.runs SET status = 'abandoned', finished_at = coalesce(finished_at, ?), "
            "message = 'the run process died before finishing (killed?); nothing was published by it' "
            "WHERE status = 'running'",
            [_now()],
        )
    return n


def _lake_has_run(paths: Paths, run_id: str) -> bool | None:
    """Whether the DuckLake this warehouse publishes to records ``run_id`` as published
    (None: the lake cannot be read)."""
    backend = remembered(paths.warehouse_dir)
    assert backend is not None

    try:
        con = connect_reader(backend)
    except duckdb.Error:
        return None
    try:
        return (
            con.execute(
                "SELECT count(*) FROM ops.runs WHERE run_id = ? AND status = 'published'", [run_id]
            ).fetchone()[0]
            > 0
        )
    except duckdb.CatalogException:
        return False  # attached, nothing published yet
    except duckdb.Error:
        return None
    finally:
        con.close()


def reconcile_last_publish(con: duckdb.DuckDBPyConnection, paths: Paths) -> str | None:
    """A run is marked 'published' just before its file is copied (so the published file holds its own
    record). If the process died during the copy, the published file does not know that run: mark it
    'abandoned' so history and the volume check use the run that really was published."""
    row = con.execute(
        "SELECT run_id FROM ops.runs WHERE status = 'published' ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    run_id = row[0]
    published = False

    backend = remembered(paths.warehouse_dir)
    if backend is not None and backend.is_lake:
        in_lake = _lake_has_run(paths, run_id)
        if in_lake is None:
            return None  # unreadable: do not guess
        published = in_lake
    elif paths.published_db.exists():
        try:
            pub = duckdb.connect(str(paths.published_db), read_only=True)
        except duckdb.Error:
            return None  # unreadable: do not guess
        try:
            published = (
                pub.execute(
                    "SELECT count(*) FROM ops.runs WHERE run_id = ? AND status = 'published'", [run_id]
                ).fetchone()[0]
                > 0
            )
        except duckdb.Error:
            return None
        finally:
            pub.close()
    if published:
        return None
    con.execute(
        "UPDATE ops.runs SET status = 'abandoned', published_path = NULL, "
        "message = 'the run process died while publishing; the published file was not replaced' WHERE run_id = ?",
        [run_id],
    )
    return run_id
