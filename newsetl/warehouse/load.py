"""Set-based writes to the work database: one Arrow insert per table and batch.

No file names or user input are ever interpolated into SQL: values travel as
Arrow tables or bound parameters; only table names from fixed tuples are
formatted in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence

import duckdb
import pyarrow as pa

from newsetl.core.contracts import (
    RAW_BATCH_TABLES,
    RAW_CHILD_TABLES,
    RAW_TABLES,
    SEARCH_TABLE,
    Decoded,
    DocInput,
    Rejected,
    Rows,
    ScanResult,
    Seen,
    StoredDoc,
    as_input,
)
from newsetl.faults import fault_point
from newsetl.warehouse.search_store import store_tokens


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Mapping[str, list]) -> int:
    if not columns or not next(iter(columns.values())):
        return 0
    _check_declared(table, columns)
    arrow = pa.table(dict(columns))
    con.register("_newsetl_batch", arrow)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _newsetl_batch")  # noqa: S608 - fixed table names
    finally:
        con.unregister("_newsetl_batch")
    return arrow.num_rows


def _check_declared(table: str, columns: Mapping[str, list]) -> None:
    """Refuse rows for a raw table that do not match its declaration (``RAW_TABLES``): a column it
    does not declare, or a required one left out, is a programming error to name, not a binder error."""
    schema, _, name = table.partition(".")
    if schema != "raw":
        return
    declared = RAW_TABLES[name]
    unknown = sorted(set(columns) - set(declared.names))
    missing = [c.name for c in declared.columns if (c.required or c.key) and c.name not in columns]
    if unknown or missing:
        raise ValueError(
            f"rows for {table} do not match its declaration: undeclared {unknown}, missing {missing}"
        )


def known_sightings(con: duckdb.DuckDBPyConnection) -> dict[str, Seen]:
    """Latest stat per path: current file versions plus quarantined files (not the unreadable ones)."""
    rows = con.execute(
        """
        SELECT path, size_bytes, mtime_ns, doc_id FROM raw.file_versions WHERE superseded_run IS NULL
        UNION ALL
        SELECT path, size_bytes, mtime_ns, '' FROM (
            SELECT path, size_bytes, mtime_ns, reason,
                   row_number() OVER (PARTITION BY path ORDER BY detected_at DESC) AS rn
            FROM raw.quarantine WHERE stage = 'ingest' AND mtime_ns IS NOT NULL
        ) WHERE rn = 1
          -- a file that could not be read is tried again on every run (its permissions may be
          -- fixed without changing its size or mtime)
          AND NOT (starts_with(reason, 'cannot read') OR starts_with(reason, 'cannot stat'))
        """
    ).fetchall()
    return {path: Seen(size, mtime, doc) for path, size, mtime, doc in rows}


def _quarantine_id(path: str, sha: str | None, reason: str) -> str:
    return hashlib.sha256(f"{path}\x00{sha}\x00{reason}".encode()).hexdigest()[:24]


def record_quarantine(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    stage: str,
    items: Sequence[Rejected],
    mtimes: Mapping[str, int] | None = None,
) -> int:
    """Insert quarantine rows (idempotent: the same file and reason is recorded once)."""
    if not items:
        return 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cols = {
        "quarantine_id": [_quarantine_id(r.path, r.sha256, r.reason) for r in items],
        "run_id": [run_id] * len(items),
        "stage": [stage] * len(items),
        "path": [r.path for r in items],
        "reason": [r.reason for r in items],
        "size_bytes": [r.size for r in items],
        "sha256": [r.sha256 for r in items],
        "content": pa.array([r.content for r in items], type=pa.binary()),
        "mtime_ns": [(mtimes or {}).get(r.path) for r in items],
        "detected_at": [now] * len(items),
    }
    arrow = pa.table(cols)
    con.register("_newsetl_q", arrow)
    try:
        before = con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0]
        con.execute(
            "INSERT INTO raw.quarantine BY NAME SELECT * FROM _newsetl_q "
            "WHERE quarantine_id NOT IN (SELECT quarantine_id FROM raw.quarantine)"
        )
        after = con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0]
    finally:
        con.unregister("_newsetl_q")
    return after - before


def record_ingest(
    con: duckdb.DuckDBPyConnection, run_id: str, scan: ScanResult, mtimes: Mapping[str, int]
) -> dict:
    """Write new documents and file versions; bump last-seen for unchanged paths (one transaction).

    The flow calls it once per part of a scan (``ingest.iter_scan``): DuckDB keeps an
    open transaction's appended rows in memory (a few thousand page-sized rows never fill a
    row group it could write ahead), so one transaction over a cold 10,000-page archive held
    all of it. Each part is complete in itself (documents, file versions, quarantine rows);
    a crash between parts leaves the earlier parts ingested and the next run reads only the
    rest (the stat check).
    """
    con.execute("BEGIN TRANSACTION")
    try:
        stats = _record_ingest(con, run_id, scan, mtimes)
        fault_point("ingest")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return stats


def _record_ingest(
    con: duckdb.DuckDBPyConnection, run_id: str, scan: ScanResult, mtimes: Mapping[str, int]
) -> dict:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    new_docs: dict[str, Decoded] = {}
    for item in scan.decoded:
        new_docs.setdefault(item.doc_id, item)
    existing = set()
    if new_docs:
        con.register("_ids", pa.table({"doc_id": list(new_docs)}))
        existing = {
            r[0]
            for r in con.execute(
                "SELECT doc_id FROM raw.documents WHERE doc_id IN (SELECT doc_id FROM _ids)"
            ).fetchall()
        }
        con.unregister("_ids")
    fresh = [d for k, d in new_docs.items() if k not in existing]
    _insert(
        con,
        "raw.documents",
        {
            "doc_id": [d.doc_id for d in fresh],
            "source_path": [d.path for d in fresh],
            "file_name": [d.path.rsplit("/", 1)[-1] for d in fresh],
            "size_bytes": [d.size for d in fresh],
            "encoding": [d.encoding for d in fresh],
            "decode_note": [d.note for d in fresh],
            "script": [d.script for d in fresh],
            "text": [d.text for d in fresh],
            "char_count": [len(d.text) for d in fresh],
            "first_seen_run": [run_id] * len(fresh),
            "last_seen_run": [run_id] * len(fresh),
            "ingested_at": [now] * len(fresh),
        },
    )
    # Re-sighted content (e.g. a renamed file or a copy) only refreshes last_seen_run.
    seen_again = [k for k in new_docs if k in existing]
    if seen_again:
        con.register("_ids", pa.table({"doc_id": seen_again}))
        con.execute(
            "UPDATE raw.documents SET last_seen_run = ? WHERE doc_id IN (SELECT doc_id FROM _ids)", [run_id]
        )
        con.unregister("_ids")

    # File versions: a read path gets a new version unless its content is unchanged (a touch).
    versions = {
        "path": [],
        "version": [],
        "doc_id": [],
        "size_bytes": [],
        "mtime_ns": [],
        "first_seen_run": [],
        "last_seen_run": [],
    }
    if scan.decoded:
        current = dict(
            con.execute(
                "SELECT path, struct_pack(version := version, doc_id := doc_id) FROM raw.file_versions WHERE superseded_run IS NULL"
            ).fetchall()
        )
        # a path that comes back after it was deleted or emptied continues its numbering
        con.register("_paths", pa.table({"path": [d.path for d in scan.decoded]}))
        last_version = dict(
            con.execute(
                """SELECT path, max(version) FROM raw.file_versions
                   WHERE superseded_run IS NOT NULL AND path IN (SELECT path FROM _paths) GROUP BY path"""
            ).fetchall()
        )
        con.unregister("_paths")
        superseded: list[str] = []
        touched: list[tuple[str, int, int]] = []
        for item in scan.decoded:
            prev = current.get(item.path)
            if prev is not None and prev["doc_id"] == item.doc_id:
                touched.append((item.path, item.size, item.mtime_ns))
                continue
            if prev is not None:
                superseded.append(item.path)
            versions["path"].append(item.path)
            versions["version"].append((prev["version"] + 1) if prev else last_version.get(item.path, 0) + 1)
            versions["doc_id"].append(item.doc_id)
            versions["size_bytes"].append(item.size)
            versions["mtime_ns"].append(item.mtime_ns)
            versions["first_seen_run"].append(run_id)
            versions["last_seen_run"].append(run_id)
        if superseded:
            con.register("_paths", pa.table({"path": superseded}))
            con.execute(
                "UPDATE raw.file_versions SET superseded_run = ? WHERE superseded_run IS NULL AND path IN (SELECT path FROM _paths)",
                [run_id],
            )
            con.unregister("_paths")
        if touched:
            con.register(
                "_touched",
                pa.table(
                    dict(zip(("path", "size_bytes", "mtime_ns"), zip(*touched, strict=False), strict=True))
                ),
            )
            con.execute(
                """UPDATE raw.file_versions AS v SET size_bytes = t.size_bytes, mtime_ns = t.mtime_ns, last_seen_run = ?
                   FROM _touched AS t WHERE v.path = t.path AND v.superseded_run IS NULL""",
                [run_id],
            )
            con.unregister("_touched")
    _insert(con, "raw.file_versions", versions)
    if scan.unchanged:
        con.register("_paths", pa.table({"path": scan.unchanged}))
        con.execute(
            "UPDATE raw.file_versions SET last_seen_run = ? WHERE superseded_run IS NULL AND path IN (SELECT path FROM _paths)",
            [run_id],
        )
        con.execute(
            """UPDATE raw.documents SET last_seen_run = ? WHERE doc_id IN (
                   SELECT doc_id FROM raw.file_versions WHERE superseded_run IS NULL AND path IN (SELECT path FROM _paths))""",
            [run_id],
        )
        con.unregister("_paths")
    quarantined = record_quarantine(con, run_id, "ingest", scan.rejected, mtimes)
    # A path whose file can no longer be used (emptied, now binary, oversized, unreadable) no
    # longer holds its last good version: that version stops being current.
    _supersede(con, [r.path for r in scan.rejected], run_id)
    return {
        "documents_new": len(fresh),
        "file_versions_new": len(versions["path"]),
        "quarantined": quarantined,
    }


def _supersede(con: duckdb.DuckDBPyConnection, paths: Sequence[str], run_id: str) -> int:
    if not paths:
        return 0
    con.register("_gone", pa.table({"path": list(paths)}))
    try:
        n = con.execute(
            "SELECT count(*) FROM raw.file_versions WHERE superseded_run IS NULL AND path IN (SELECT path FROM _gone)"
        ).fetchone()[0]
        if n:
            con.execute(
                "UPDATE raw.file_versions SET superseded_run = ? WHERE superseded_run IS NULL AND path IN (SELECT path FROM _gone)",
                [run_id],
            )
    finally:
        con.unregister("_gone")
    return n


def _record_paths_gone(
    con: duckdb.DuckDBPyConnection, run_id: str, present: set[str], prefixes: tuple[str, ...]
) -> None:
    """Replace raw.paths_gone: paths refused at ingest that this complete scan did not find."""
    refused = [
        r[0]
        for r in con.execute("SELECT DISTINCT path FROM raw.quarantine WHERE stage = 'ingest'").fetchall()
    ]
    gone = [p for p in refused if p not in present and not (prefixes and p.startswith(prefixes))]
    con.execute("DELETE FROM raw.paths_gone")
    if gone:
        _insert(con, "raw.paths_gone", {"path": gone, "run_id": [run_id] * len(gone)})


def retire_missing(
    con: duckdb.DuckDBPyConnection, run_id: str, present: set[str], unreadable_dirs: Sequence[str] = ()
) -> list[str]:
    """Paths with a current version that the complete scan did not find: deleted files.

    Their last version is superseded by this run, so their articles leave the marts (history
    stays in raw.file_versions); a file that comes back is read again as a new version. Paths
    under a folder that could not be listed are left alone: not seen is not deleted.
    """
    current = [
        r[0]
        for r in con.execute("SELECT path FROM raw.file_versions WHERE superseded_run IS NULL").fetchall()
    ]
    prefixes = tuple(d.rstrip("/") + "/" for d in unreadable_dirs)
    gone = [p for p in current if p not in present and not (prefixes and p.startswith(prefixes))]
    if "." in unreadable_dirs or "" in unreadable_dirs:
        return []  # the input folder itself could not be listed
    con.execute("BEGIN TRANSACTION")
    try:
        _supersede(con, gone, run_id)
        _record_paths_gone(con, run_id, present, prefixes)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return gone


def documents_to_process(con: duckdb.DuckDBPyConnection, version: str, full_refresh: bool) -> list[str]:
    """Ids of current documents not yet processed by this processor version (all on a full refresh).

    Files an operator set aside (``newsetl set-aside --file``) are not processed."""
    rows = con.execute(
        """
        SELECT d.doc_id FROM raw.documents AS d
        WHERE d.doc_id IN (
            SELECT doc_id FROM raw.file_versions WHERE superseded_run IS NULL
              AND path NOT IN (SELECT target FROM ops.decisions WHERE kind = 'file' AND NOT revoked)
        )
          AND (? OR d.doc_id NOT IN (SELECT doc_id FROM raw.processed_documents WHERE processor_version = ?))
        ORDER BY d.source_path
        """,
        [full_refresh, version],
    ).fetchall()
    return [r[0] for r in rows]


def fetch_documents(
    con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], publication_dates: Mapping[str, str] | None = None
) -> list[DocInput]:
    """Texts of ``doc_ids`` (decoded, Traditional pages in Simplified) with each one's
    publication date from the manifest, if any."""
    return [as_input(d) for d in fetch_stored_documents(con, doc_ids, publication_dates)]


def fetch_stored_documents(
    con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str], publication_dates: Mapping[str, str] | None = None
) -> list[StoredDoc]:
    """``doc_ids`` in the caller's order, their texts as stored (UTF-8): for the text workers,
    which decode them (:class:`newsetl.core.contracts.StoredDoc`)."""
    if not doc_ids:
        return []
    con.register("_ids", pa.table({"doc_id": list(doc_ids)}))
    try:
        # Two steps: the rowid range of the documents (reads the doc_id column only), then their
        # texts from that range. A plain semi-join would read every text of the archive per chunk.
        first, last = con.execute(
            "SELECT min(rowid), max(rowid) FROM raw.documents WHERE doc_id IN (SELECT doc_id FROM _ids)"
        ).fetchone()
        rows = con.execute(
            """SELECT doc_id, file_name, source_path, encode(text), script FROM raw.documents
               WHERE rowid BETWEEN ? AND ? AND doc_id IN (SELECT doc_id FROM _ids)""",
            [first, last],
        ).fetchall()
    finally:
        con.unregister("_ids")
    order = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    rows.sort(key=lambda r: order[r[0]])  # the caller's order (cheaper here than a SQL sort of the texts)
    dates = publication_dates or {}
    # the path below the input folder, not the bare name: a date in its folders dates the page
    return [
        StoredDoc(doc_id, path or name, data, script, dates.get(name) or dates.get(path))
        for doc_id, name, path, data, script in rows
    ]


def load_processed(
    con: duckdb.DuckDBPyConnection,
    rows: Rows,
    doc_ids: Sequence[str],
    version: str,
    run_id: str,
    rejected: Sequence[Rejected] = (),
) -> int:
    """Replace the processed rows of ``doc_ids`` with ``rows`` (one transaction).

    ``rejected`` are the records held back by the record-level checks: they are
    quarantined (stage ``records``) in the same transaction, so a crash never
    leaves a document marked processed without its quarantine rows. The search tokens
    follow in a transaction of the tokens file (``store_tokens``).
    """
    gone: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_docs", pa.table({"doc_id": list(doc_ids)}))
        # First processing of these documents (the cold path): nothing to replace, and the
        # deletes would scan every child table once per chunk.
        seen = con.execute(
            """SELECT EXISTS (SELECT 1 FROM raw.articles WHERE doc_id IN (SELECT doc_id FROM _docs))
                   OR EXISTS (SELECT 1 FROM raw.page_furniture WHERE doc_id IN (SELECT doc_id FROM _docs))"""
        ).fetchone()[0]
        if seen:
            gone = [
                r[0]
                for r in con.execute(
                    "SELECT article_id FROM raw.articles WHERE doc_id IN (SELECT doc_id FROM _docs)"
                ).fetchall()
            ]
            for table in RAW_CHILD_TABLES:
                con.execute(
                    f"DELETE FROM raw.{table} WHERE article_id IN "  # noqa: S608 - fixed table names
                    "(SELECT article_id FROM raw.articles WHERE doc_id IN (SELECT doc_id FROM _docs))"
                )
            con.execute("DELETE FROM raw.articles WHERE doc_id IN (SELECT doc_id FROM _docs)")
            con.execute("DELETE FROM raw.page_furniture WHERE doc_id IN (SELECT doc_id FROM _docs)")
        # excluded articles have no raw.articles row: this table goes by document, always
        con.execute("DELETE FROM raw.article_quarantine WHERE doc_id IN (SELECT doc_id FROM _docs)")
        con.execute("DELETE FROM raw.processed_documents WHERE doc_id IN (SELECT doc_id FROM _docs)")
        _insert(
            con,
            "raw.processed_documents",
            {
                "doc_id": list(doc_ids),
                "processor_version": [version] * len(doc_ids),
                "processed_run": [run_id] * len(doc_ids),
            },
        )
        con.unregister("_docs")
        written = 0
        for table in RAW_BATCH_TABLES:
            n = _insert(con, f"raw.{table}", rows.get(table, {}))
            if table == "articles":
                written = n
        record_quarantine(con, run_id, "records", rejected)
        fault_point("load")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    store_tokens(con, rows.get(SEARCH_TABLE, {}), gone)
    return written


def processed_in_run(con: duckdb.DuckDBPyConnection, run_id: str, version: str) -> set[str]:
    """Documents this run already processed and loaded (a retried stage skips them)."""
    rows = con.execute(
        "SELECT doc_id FROM raw.processed_documents WHERE processed_run = ? AND processor_version = ?",
        [run_id, version],
    ).fetchall()
    return {r[0] for r in rows}


def forget_processing(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """After a failed run, mark the documents it processed as unprocessed, so the next run redoes them.

    A run that fails its gate may have loaded bad rows (e.g. a broken processing
    step); without this the next run would see those documents as done.
    """
    n = con.execute(
        "SELECT count(*) FROM raw.processed_documents WHERE processed_run = ?", [run_id]
    ).fetchone()[0]
    if n:
        con.execute(
            """INSERT INTO ops.forgotten_processing
               SELECT processed_run, doc_id, processor_version FROM raw.processed_documents WHERE processed_run = ?""",
            [run_id],
        )
        con.execute("DELETE FROM raw.processed_documents WHERE processed_run = ?", [run_id])
    return n


def restore_processing(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Undo :func:`forget_processing` for ``run_id`` (the run was accepted): documents whose rows
    are still that run's count as processed again."""
    before = con.execute("SELECT count(*) FROM raw.processed_documents").fetchone()[0]
    con.execute(
        """INSERT INTO raw.processed_documents
           SELECT DISTINCT f.doc_id, f.processor_version, f.run_id FROM ops.forgotten_processing AS f
           WHERE f.run_id = ? AND f.doc_id NOT IN (SELECT doc_id FROM raw.processed_documents)""",
        [run_id],
    )
    con.execute("DELETE FROM ops.forgotten_processing WHERE run_id = ?", [run_id])
    return con.execute("SELECT count(*) FROM raw.processed_documents").fetchone()[0] - before
