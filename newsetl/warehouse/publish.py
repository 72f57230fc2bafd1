"""Atomic publication of the analyst-facing DuckDB file.

The work database is checkpointed and closed, copied next to the target and
renamed over it with ``os.replace``: readers holding the old file keep reading
the old inode, new readers see the complete new file, and a crash at any point
leaves either the old or the new file, never a partial one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            shutil.copyfileobj(fin, fout, length=16 * 1024 * 1024)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def publish_database(work_db: Path, published_db: Path) -> None:
    wal = work_db.with_name(work_db.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise RuntimeError(f"work database has an un-checkpointed WAL ({wal}); refusing to publish")
    atomic_copy(work_db, published_db)


def atomic_replace_dir(staging: Path, target: Path) -> None:
    """Swap a freshly written directory (exports, report) into place."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
