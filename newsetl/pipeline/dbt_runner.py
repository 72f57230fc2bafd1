"""Run dbt in-process against the work database."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsetl.config import DBT_DIR


class DbtFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class DbtOutcome:
    nodes: int
    failures: list[str]
    warnings: list[str]


def run_dbt(
    args: list[str],
    work_db: Path,
    target_dir: Path,
    on_node: Callable[[int, int, str], None] | None = None,
) -> DbtOutcome:
    """Invoke dbt with ``args`` (e.g. ``["build"]``) on ``work_db``; raise on failure.

    ``on_node(done, total, node_name)`` is called as each node finishes (dbt's own events,
    delivered even with ``--quiet``).
    """
    from dbt.cli.main import dbtRunner

    callbacks = []
    if on_node is not None:
        count = {"done": 0, "total": 0}

        def on_event(event) -> None:
            name = event.info.name
            if name == "LogStartLine":
                count["total"] = max(count["total"], int(event.data.total))
            elif name == "NodeFinished":
                count["done"] += 1
                on_node(count["done"], max(count["total"], count["done"]), event.data.node_info.node_name)

        callbacks.append(on_event)

    target_dir.mkdir(parents=True, exist_ok=True)
    cli = [
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(target_dir / "target"),
        "--log-path",
        str(target_dir / "logs"),
        "--quiet",
    ]
    saved = os.environ.get("NEWSETL_WORK_DB")
    os.environ["NEWSETL_WORK_DB"] = str(work_db)  # read by dbt/profiles.yml
    try:
        res = dbtRunner(callbacks=callbacks).invoke(cli)
    finally:  # no lasting side effect on the caller's environment
        if saved is None:
            os.environ.pop("NEWSETL_WORK_DB", None)
        else:
            os.environ["NEWSETL_WORK_DB"] = saved
    failures: list[str] = []
    warnings: list[str] = []
    nodes = 0
    results = getattr(res.result, "results", None) or []
    for r in results:
        # hooks (on-run-end) are results too, not nodes of the build
        nodes += str(getattr(getattr(r, "node", None), "resource_type", "")) != "operation"
        status = str(getattr(r, "status", ""))
        name = getattr(getattr(r, "node", None), "name", "?")
        if status in ("error", "fail", "runtime error"):
            failures.append(f"{name}: {status} {(getattr(r, 'message', '') or '').strip()[:300]}")
        elif status == "warn":
            warnings.append(name)
    if not res.success:
        if res.exception is not None and not failures:
            failures.append(f"dbt: {res.exception}")
        raise DbtFailed("dbt " + " ".join(args) + " failed: " + "; ".join(failures or ["unknown error"]))
    return DbtOutcome(nodes, failures, warnings)
