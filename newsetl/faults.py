"""Fault-injection hooks for reliability tests. Inert unless an env variable names them.

``NEWSETL_FAULT=<stage>[:<seconds>]``
    The run SIGKILLs itself when it reaches ``<stage>`` (no cleanup, no
    ``finally``, exactly like the OOM killer or a power cut). With
    ``:<seconds>`` a timer kills it that many seconds *into* the stage instead.
    Stages and where they fire:

    ==========  ==============================================================
    ingest      inside ``record_ingest``'s transaction, after raw.documents rows
                were inserted and before COMMIT
    process     start of the process-and-load stage (nothing parsed yet)
    load        inside ``load_processed``'s transaction, after the deletes and
                inserts, before COMMIT
    dbt         start of ``dbt build`` (``dbt:2`` kills 2 s into the build)
    gate        start of the quality gate
    publish_extras
                the new release folder holds its exports and report, the
                database is not copied yet
    publish     in the middle of the database copy into the new release folder
    publish_switch
                the whole release is written, the ``current`` pointer is not
                switched yet
    lake_write  the DuckLake publish's transaction has just begun
                (``lake_write:0.5``: killed half a second into its writes)
    lake_commit the DuckLake publish wrote every table, its transaction is not
                committed yet
    ==========  ==============================================================

``NEWSETL_BREAK=empty_bodies``
    A deliberately broken processing step: every article body comes out empty.
    Used to prove that the gate stops a broken batch (``tests/reliability``).

Never set these in production; a run with one set logs a warning.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

from newsetl.config import BREAK_ENV, FAULT_ENV, environment

STAGES = (
    "ingest",
    "process",
    "load",
    "dbt",
    "gate",
    "publish_extras",
    "publish",
    "publish_switch",
    "lake_write",
    "lake_commit",
)


def _spec() -> tuple[str, float] | None:
    raw = environment().fault
    if not raw:
        return None
    stage, _, delay = raw.partition(":")
    return stage, float(delay or 0)


def _die() -> None:
    """SIGKILL this process and everything it started (e.g. Prefect's temporary API server),
    as the OOM killer or a machine crash would: no handler, no ``finally`` runs."""
    sys.stderr.write(f"newsetl: {FAULT_ENV}={environment().fault}: SIGKILL now\n")
    sys.stderr.flush()
    try:
        import psutil

        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    except ImportError:
        pass
    os.kill(os.getpid(), signal.SIGKILL)


def fault_point(stage: str) -> None:
    """Kill this process here if ``NEWSETL_FAULT`` names ``stage``."""
    spec = _spec()
    if spec is None or spec[0] != stage:
        return
    if spec[1] <= 0:
        _die()
    timer = threading.Timer(spec[1], _die)
    timer.daemon = True
    timer.start()


def active() -> str | None:
    """A one-line description of the hooks set in the environment, if any."""
    env = environment()
    parts = [
        f"{name}={value}" for name, value in ((FAULT_ENV, env.fault), (BREAK_ENV, env.break_rows)) if value
    ]
    return ", ".join(parts) or None


def sabotage_rows(rows: dict) -> dict:
    """Apply ``NEWSETL_BREAK`` to processed rows (a test-only simulated regression)."""
    if environment().break_rows == "empty_bodies":
        arts = rows.get("articles") or {}
        if arts.get("body"):
            arts["body"] = ["" for _ in arts["body"]]
            arts["char_count"] = [0 for _ in arts["body"]]
    return rows
