"""Operator decisions as records: ``ops.decisions`` and its copy in ``raw_log/decisions/``.

What a decision does (accept a run, set an article or a file aside) is
:mod:`newsetl.pipeline.decisions`; here is only how it is stored, logged and restored
after a work-database rebuild.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newsetl.config import Paths


def private_dir(folder: Path) -> None:
    """The raw log holds every input's full text, including files only their owner may read:
    owner-only (0700 folders, 0600 files), whatever the umask."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)


KINDS = ("run", "article", "file")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def record_decision(con: duckdb.DuckDBPyConnection, paths: Paths, kind: str, target: str, reason: str) -> str:
    """Insert one decision into ops.decisions and the raw log; return its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown decision kind {kind!r}")
    if not reason.strip():
        raise ValueError("a decision needs a reason")
    now = _now()
    decision_id = hashlib.sha256(f"{kind}\x00{target}\x00{now.isoformat()}".encode()).hexdigest()[:16]
    row = {
        "decision_id": [decision_id],
        "kind": [kind],
        "target": [target],
        "reason": [reason.strip()],
        "decided_by": [user()],
        "decided_at": [now],
        "revoked": [False],
        "revoked_at": pa.array([None], type=pa.timestamp("us")),
    }
    table = pa.table(row)
    con.register("_decision", table)
    try:
        con.execute("INSERT INTO ops.decisions BY NAME SELECT * FROM _decision")
    finally:
        con.unregister("_decision")
    _log(paths, decision_id, table)
    return decision_id


def revoke(con: duckdb.DuckDBPyConnection, paths: Paths, kind: str, target: str) -> int:
    """Take back the active decisions of ``kind`` on ``target``; return how many."""
    ids = [
        r[0]
        for r in con.execute(
            "SELECT decision_id FROM ops.decisions WHERE kind = ? AND target = ? AND NOT revoked",
            [kind, target],
        ).fetchall()
    ]
    now = _now()
    for decision_id in ids:
        con.execute(
            "UPDATE ops.decisions SET revoked = true, revoked_at = ? WHERE decision_id = ?",
            [now, decision_id],
        )
        table = pa.table(
            {"decision_id": [decision_id], "revoked_at": pa.array([now], type=pa.timestamp("us"))}
        )
        _log(paths, f"{decision_id}-revoked", table)
    return len(ids)


def _log(paths: Paths, name: str, table: pa.Table) -> None:
    folder = paths.raw_backup_dir / "decisions"
    private_dir(paths.raw_backup_dir)
    private_dir(folder)
    tmp = folder / f".{name}.parquet.tmp"
    pq.write_table(table, tmp)
    os.chmod(tmp, 0o600)
    os.replace(tmp, folder / f"{name}.parquet")


def restore_decisions(con: duckdb.DuckDBPyConnection, paths: Paths) -> int:
    """Rebuild ops.decisions from raw_log/decisions/ (after a work-database rebuild)."""
    folder = paths.raw_backup_dir / "decisions"
    if not folder.is_dir():
        return 0
    n = 0
    for file in sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime_ns):
        table = pq.read_table(file)
        con.register("_decision", table)
        try:
            if "kind" in table.column_names:
                con.execute(
                    """INSERT INTO ops.decisions BY NAME SELECT * FROM _decision
                       WHERE decision_id NOT IN (SELECT decision_id FROM ops.decisions)"""
                )
                n += table.num_rows
            else:
                con.execute(
                    """UPDATE ops.decisions AS d SET revoked = true, revoked_at = r.revoked_at
                       FROM _decision AS r WHERE d.decision_id = r.decision_id"""
                )
        finally:
            con.unregister("_decision")
    return n
