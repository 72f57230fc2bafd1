"""Whether anything a run reads changed since the last publish, checked without Prefect, dbt or GX.

A run that publishes to one DuckDB file with nothing left over (no file deferred or to be read
again, no document to process) leaves a stamp beside the work database: a digest of the input folder's
listing taken before its ingest, a digest of the code and data that shape a run, the
operator settings, and the identity of the file it published. The next ``newsetl run``
compares them before it starts anything heavy: when all are equal, the published warehouse
still is that run's, and its work database's latest run is that publish, the run is
recorded as ``unchanged`` and nothing else happens. Any run that starts, and any decision
(set-aside, accept), removes the stamp first, so a failed, blocked or interrupted run, or a
decision to apply, always leads to a full run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from newsetl import faults
from newsetl.config import PROJECT_ROOT, Paths, environment, settings
from newsetl.warehouse.publish import current_release
from newsetl.warehouse.recovery import CORRUPT_MARKER

STAMP_NAME = "last_publish.json"

# What shapes a run besides its input: the code and its data (all of newsetl/, the flow, the
# dbt project, the quality gate's configuration) and the compiled text core in use.
CODE_TREES = ("newsetl", "flows", "dbt", "expectations")
CODE_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".json", ".txt", ".tsv", ".md")
SKIPPED_DIRS = frozenset({"__pycache__", "target", "logs", "dbt_packages", "uncommitted", "data_docs_assets"})
NATIVE_MANIFEST = Path("build") / "native" / "manifest.json"
# the installed packages whose upgrade can change what a run publishes (read from their metadata,
# not imported)
RUN_PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "prefect", "rjieba")


@dataclass(frozen=True)
class Stamp:
    run_id: str
    input_dir: str
    inputs: str  # digest of the input folder's listing, taken before the run's ingest
    code: str
    run_settings: str
    published: list[int]  # size, mtime_ns and inode of the published file
    files_seen: int
    counts: dict[str, Any]  # the warehouse the run published (documents, articles, topics...)


def input_listing(input_dir: Path) -> str | None:
    """A digest of every entry under ``input_dir`` (hidden ones too: ingest records them) with its
    type, size and modification time; None if a folder cannot be listed (nothing to compare)."""
    entries: list[str] = []
    folders = [("", str(input_dir))]
    try:
        while folders:
            rel_dir, folder = folders.pop()
            with os.scandir(folder) as it:
                for entry in it:
                    st = entry.stat(follow_symlinks=False)
                    rel = rel_dir + entry.name
                    target = os.readlink(entry.path) if stat.S_ISLNK(st.st_mode) else ""
                    entries.append(f"{rel}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{target}")
                    if stat.S_ISDIR(st.st_mode):
                        folders.append((rel + "/", entry.path))
    except OSError:
        return None
    entries.sort()
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(entry.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()


def code_digest(root: Path = PROJECT_ROOT) -> str:
    """A digest of the path and content of every file of :data:`CODE_TREES`, the compiled core's manifest
    and the versions of :data:`RUN_PACKAGES`."""
    files: list[Path] = []
    for tree in CODE_TREES:
        for dirpath, dirnames, filenames in os.walk(root / tree):
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith(".")]
            files.extend(Path(dirpath) / n for n in filenames if n.endswith(CODE_SUFFIXES))
    if (root / NATIVE_MANIFEST).is_file():
        files.append(root / NATIVE_MANIFEST)
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    for package in RUN_PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}=={version}\0".encode())
    return digest.hexdigest()


def run_settings() -> str:
    """The environment switches and operator settings that can change what a run publishes."""
    env = asdict(environment())
    for irrelevant in ("workers", "dask_address", "prefect_server", "fast_exit", "cron", "sql_history"):
        env.pop(irrelevant)
    return json.dumps({"env": env, "settings": settings()}, sort_keys=True)


def _published_identity(paths: Paths) -> list[int] | None:
    try:
        st = os.stat(paths.published_db)  # through the release link: the live file
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def forget(paths: Paths) -> None:
    """Remove the stamp: the next run takes the full path."""
    with contextlib.suppress(FileNotFoundError):
        (paths.work_dir / STAMP_NAME).unlink()


def remember(paths: Paths, run_id: str, inputs: str, files_seen: int, counts: dict[str, Any]) -> bool:
    """After a publish that left nothing for a later run: write the stamp. Returns whether it did."""
    published = _published_identity(paths)
    if published is None:
        return False
    stamp = Stamp(
        run_id, str(paths.input_dir), inputs, code_digest(), run_settings(), published, files_seen, counts
    )
    tmp = paths.work_dir / f".{STAMP_NAME}.{os.getpid()}"
    tmp.write_text(json.dumps(asdict(stamp), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, paths.work_dir / STAMP_NAME)
    return True


def _read(paths: Paths) -> Stamp | None:
    try:
        return Stamp(**json.loads((paths.work_dir / STAMP_NAME).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _latest_run(db: Path) -> tuple[str, str] | None:
    """The latest run ``db`` records besides ``unchanged`` ones (run id, status); None if unreadable."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(
            "SELECT run_id, status FROM ops.runs WHERE status <> 'unchanged' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()


def unchanged_since(paths: Paths) -> Stamp | None:
    """The stamp of the last publish if nothing a run reads changed since and its warehouse is
    intact; None when a full run is needed. The caller holds the run lock."""
    stamp = _read(paths)
    if stamp is None or stamp.input_dir != str(paths.input_dir) or faults.active():
        return None
    release = current_release(paths.warehouse_dir) or {}
    if release.get("run_id") != stamp.run_id:
        return None
    if _published_identity(paths) != stamp.published or not paths.work_db.is_file():
        return None
    if (paths.work_dir / CORRUPT_MARKER).exists():  # the next run rebuilds the work database
        return None
    if stamp.run_settings != run_settings() or stamp.code != code_digest():
        return None
    if input_listing(paths.input_dir) != stamp.inputs:
        return None
    # both databases open and agree that this run is the last publish (the work database: that no
    # run started since, whatever became of it)
    if _latest_run(paths.published_db) != (stamp.run_id, "published"):
        return None
    if _latest_run(paths.work_db) != (stamp.run_id, "published"):
        return None
    return stamp
