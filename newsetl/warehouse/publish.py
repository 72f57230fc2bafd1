"""Atomic publication of the analyst-facing DuckDB file, its exports and its report.

The work database is checkpointed and closed, then copied into a new release folder
beside the Parquet exports and the run report of the same run; one symlink rename
makes that release live (see ``publish_release``): readers holding the old files keep
reading the old inodes, new readers see the complete new release, and a crash at any
point leaves either the old or the new release, never a partial or mixed one. The
published file is made read-only (0444): analysts' tools open it ``read_only=True``,
and even a read-write open is refused by the file system. Temporary folders left by a
killed publish are removed by the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from newsetl.config import PUBLISHED_NAME, duckdb_config, environment
from newsetl.faults import fault_point

CATALOG = PUBLISHED_NAME.removesuffix(".duckdb")  # the work database's catalog (opsdb.CATALOG)

PUBLISHED_MODE = 0o444


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_rest(fin, fout) -> None:
    """Copy from the current offsets to the end: in the kernel (``copy_file_range``) where it can.

    At 10,000 pages the work database is over 1 GB; an in-kernel copy takes about half the
    time of a read/write loop through Python buffers.
    """
    try:
        while os.copy_file_range(fin.fileno(), fout.fileno(), 1 << 30):
            pass
    except OSError:  # another file system or an old kernel: the portable loop
        fout.flush()
        fin.seek(fout.seek(0, os.SEEK_END))  # resume after whatever was copied
        while chunk := fin.read(4 * 1024 * 1024):
            fout.write(chunk)
        fout.flush()


def atomic_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.tmp-*"):
        stale.unlink(missing_ok=True)  # left by a publish that was killed
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    try:
        with src.open("rb", buffering=0) as fin, tmp.open("wb") as fout:  # unbuffered: offsets stay exact
            fout.write(fin.read(4 * 1024 * 1024))
            fout.flush()
            fault_point("publish")  # NEWSETL_FAULT=publish: die with a partial temporary file
            _copy_rest(fin, fout)
            os.fsync(fout.fileno())
        os.chmod(tmp, PUBLISHED_MODE)
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def publish_database(work_db: Path, published_db: Path) -> None:
    """Copy the work database, byte for byte, to ``published_db`` (atomically, read-only).

    The work database holds what analysts read and no more: it is written in storage
    :data:`~newsetl.config.WORK_STORAGE` (strings compressed) and the work-only search tokens
    live in a file of their own (``newsetl/warehouse/search_store.py``). A file with too many
    free blocks, or in an older storage format, is first rewritten (``compact_if_bloated``).
    """
    wal = work_db.with_name(work_db.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise RuntimeError(f"work database has an un-checkpointed WAL ({wal}); refusing to publish")
    compact_if_bloated(work_db)
    atomic_copy(work_db, published_db)


# DuckDB reuses freed blocks but never gives them back to the file system: after a recovery
# (every document reprocessed, every model rebuilt) or a disk-full run the file kept them (362 MB
# published against 140 MB clean). Past this share of free blocks, or when the file is in an
# older storage format than the configured one (config.WORK_STORAGE: a warehouse created
# before it has its strings uncompressed), the work database is rewritten into a fresh file (COPY FROM DATABASE: tables, views, macros,
# comments, constraints) before it is published.
MAX_FREE_SHARE = 0.25
MIN_BLOCKS_TO_COMPACT = 64  # ~16 MB: below, rewriting costs more than it saves


def compact_if_bloated(work_db: Path, max_free_share: float = MAX_FREE_SHARE) -> dict[str, object] | None:
    """Rewrite ``work_db`` without its free blocks when they are more than ``max_free_share``
    of it, or in the configured storage format when it has an older one; return the sizes before
    and after, or None when nothing was done."""
    import duckdb

    con = duckdb.connect(str(work_db), read_only=True, config=duckdb_config())
    try:
        _, _, _, total, _, free, *_ = con.execute("PRAGMA database_size").fetchone()
        (storage,) = con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
    finally:
        con.close()
    wanted = environment().work_storage
    if _version(storage) >= _version(wanted) and (
        total < MIN_BLOCKS_TO_COMPACT or free <= max_free_share * total
    ):
        return None
    before = work_db.stat().st_size
    for stale in work_db.parent.glob(".compact-*"):
        stale.unlink(missing_ok=True)  # left by a compaction that was killed
    fresh = work_db.with_name(f".compact-{os.getpid()}.duckdb")
    con = duckdb.connect(config=duckdb_config())
    try:
        # the catalog keeps its name (views store catalog-qualified names); literals: ATTACH binds nothing
        src, dst = (str(p).replace("'", "''") for p in (work_db, fresh))
        con.execute(f"ATTACH '{src}' AS {CATALOG} (READ_ONLY)")  # noqa: S608 - quoted path literal
        con.execute(f"ATTACH '{dst}' AS compacted (STORAGE_VERSION '{wanted}')")  # noqa: S608 - quoted path literal
        con.execute(f"COPY FROM DATABASE {CATALOG} TO compacted")  # noqa: S608 - module constant
        con.execute("DETACH compacted")
        con.execute(f"DETACH {CATALOG}")  # noqa: S608 - module constant
    except BaseException:
        fresh.unlink(missing_ok=True)
        fresh.with_name(fresh.name + ".wal").unlink(missing_ok=True)
        raise
    finally:
        con.close()
    with fresh.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(fresh, work_db)
    _fsync_dir(work_db.parent)
    return {"bytes_before": before, "bytes_after": work_db.stat().st_size, "storage_before": storage}


def _version(tag: str | None) -> tuple[int, ...]:
    """``'v1.2.0+'`` -> (1, 2, 0); an unknown tag counts as the oldest format."""
    try:
        return tuple(int(x) for x in (tag or "").strip("v+").split("."))
    except ValueError:
        return (0,)


# ------------------------------------------------------------------ releases
# Database, Parquet exports and run report are published together: each publication is a
# folder ``.published/<run id>/`` holding all three and ``RELEASE.json``; the symlink
# ``.published/current`` names the live one and is switched with one ``rename`` (the commit
# point). The paths analysts and tools use never change, they are fixed relative symlinks
# through that pointer:
#
#     newsetl.duckdb -> .published/current/newsetl.duckdb
#     exports        -> .published/current/exports
#     reports        -> .published/current/reports
#
# A kill or a full disk at any moment before the switch leaves the previous release whole;
# after it, the new one. Readers holding files of a previous release keep their inodes.
RELEASES = ".published"
CURRENT = "current"
RELEASE_FILE = "RELEASE.json"
LINKED = (PUBLISHED_NAME, "exports", "reports")


def releases_dir(warehouse_dir: Path) -> Path:
    return warehouse_dir / RELEASES


def current_release(warehouse_dir: Path) -> dict | None:
    """``RELEASE.json`` of the live release (run id, time, what it holds), or None."""
    try:
        return json.loads((releases_dir(warehouse_dir) / CURRENT / RELEASE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _symlink_replace(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` in one atomic rename (a reader never finds it missing)."""
    tmp = link.with_name(f".{link.name}.link-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        elif path.is_dir():
            _fsync_dir(path)
    _fsync_dir(folder)


def _legacy_run_id(db: Path) -> str:
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return "legacy"
    try:
        row = con.execute(
            "SELECT run_id FROM ops.runs WHERE status = 'published' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        row = None
    finally:
        con.close()
    return row[0] if row else "legacy"


def ensure_release_layout(warehouse_dir: Path) -> None:
    """Make ``newsetl.duckdb``, ``exports`` and ``reports`` the fixed links through ``current``.

    A warehouse published before releases existed (a plain file, an ``exports`` link to
    ``.exports-<run>``, a ``reports`` folder) becomes a first release holding copies of
    those, and each path is swapped for its link: at every instant each path shows the
    same (old) publication, so nothing is mixed even if this is interrupted.
    """
    root = releases_dir(warehouse_dir)
    root.mkdir(parents=True, exist_ok=True)
    legacy = [
        name for name in LINKED if (warehouse_dir / name).exists() and not _is_fixed_link(warehouse_dir, name)
    ]
    if legacy and not (root / CURRENT).exists():
        db = warehouse_dir / PUBLISHED_NAME
        run_id = _legacy_run_id(db) if db.exists() else "legacy"
        staging = root / f".{run_id}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        if db.exists():
            os.link(db.resolve(), staging / PUBLISHED_NAME)  # same inode: no copy, same bytes
        for name in ("exports", "reports"):
            if (warehouse_dir / name).is_dir():
                shutil.copytree((warehouse_dir / name).resolve(), staging / name)
            else:
                (staging / name).mkdir()  # the link never dangles
        (staging / RELEASE_FILE).write_text(
            json.dumps({"run_id": run_id, "published_at": None, "note": "moved from the earlier layout"}),
            encoding="utf-8",
        )
        _fsync_tree(staging)
        final = root / run_id
        shutil.rmtree(final, ignore_errors=True)
        os.rename(staging, final)
        _symlink_replace(root / CURRENT, run_id)
        _fsync_dir(root)
    for name in LINKED:
        link = warehouse_dir / name
        if _is_fixed_link(warehouse_dir, name):
            continue
        old = link.resolve() if link.is_symlink() else None
        if link.is_dir() and not link.is_symlink():  # a plain folder: a link cannot replace it in one step
            old = link.with_name(f".{name}.old-{os.getpid()}")
            os.replace(link, old)
        _symlink_replace(link, f"{RELEASES}/{CURRENT}/{name}")
        if old is not None and old.is_dir() and not old.is_relative_to(root):
            shutil.rmtree(old, ignore_errors=True)  # e.g. .exports-<run>, now inside the release
    _fsync_dir(warehouse_dir)


def _is_fixed_link(warehouse_dir: Path, name: str) -> bool:
    link = warehouse_dir / name
    return link.is_symlink() and os.readlink(link) == f"{RELEASES}/{CURRENT}/{name}"


def publish_release(
    paths, run_id: str, write_extras: Callable[[Path], dict] | None = None
) -> dict[str, object]:
    """Publish the work database with its exports and report as one release (see above).

    ``write_extras(folder)`` writes the exports and the report into the new release's folder
    (``newsetl.pipeline.publication.prepare_publication``); it runs before the database copy.
    """
    ensure_release_layout(paths.warehouse_dir)
    root = releases_dir(paths.warehouse_dir)
    for stale in root.glob(".*.tmp-*"):  # left by a publish that was killed or ran out of space
        shutil.rmtree(stale, ignore_errors=True)
    staging = root / f".{run_id}.tmp-{os.getpid()}"
    staging.mkdir()
    try:
        extras = write_extras(staging) if write_extras else {}
        fault_point("publish_extras")  # exports and report written, database not copied
        publish_database(paths.work_db, staging / PUBLISHED_NAME)
        (staging / RELEASE_FILE).write_text(
            json.dumps(
                {"run_id": run_id, "published_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            ),
            encoding="utf-8",
        )
        _fsync_tree(staging)
        name = run_id
        if (root / name).exists():  # written by a publish killed before its switch, or live already
            if (root / CURRENT).resolve() == (root / name).resolve():
                name = f"{run_id}.{time.time_ns()}"
            else:
                shutil.rmtree(root / name)
        os.rename(staging, root / name)
        _fsync_dir(root)
        fault_point("publish_switch")  # the whole release written, the pointer not switched
        _symlink_replace(root / CURRENT, name)  # the commit point: all three switch together
        _fsync_dir(root)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    for old in root.iterdir():  # earlier releases: open files stay readable (inodes), names go
        if old.name not in (CURRENT, name) and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return extras
