"""One run at a time per warehouse, enforced by an OS file lock.

``flock`` is released by the kernel when the holder dies (even on SIGKILL), so
a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunInProgress(RuntimeError):
    """Another run holds the warehouse."""


_held: set[Path] = set()  # locks this process holds: run_lock is re-entrant within a process


@contextmanager
def run_lock(lock_file: Path) -> Iterator[None]:
    lock_file = lock_file.resolve()
    if lock_file in _held:
        yield
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise RunInProgress(
                f"another newsetl run is already running on {lock_file.parent} (pid {holder}); not starting"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _held.add(lock_file)
        try:
            yield
        finally:
            _held.discard(lock_file)
    finally:
        os.close(fd)


def lock_holder(lock_file: Path) -> str | None:
    """PID of the run holding the lock, or None when no run is active."""
    if not lock_file.exists():
        return None
    # read-only: `newsetl status` must work on a warehouse folder it may not write to
    # (flock does not need write access to the file)
    try:
        fd = os.open(lock_file, os.O_RDONLY)
    except PermissionError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
