"""Operator decisions: accept a blocked run, set an article or a file aside (``ops.decisions``).

``newsetl accept RUN_ID --reason TEXT``
    Publishes the latest run when the quality gate blocked it, as it stands in the work
    database (what the gate saw), and records who accepted it and why. The documents it
    processed count as processed again, so the next run does not redo them and block on
    the same thing. Only the latest run can be accepted, and only if it failed at the gate
    (a run that failed otherwise left nothing consistent to publish).

``newsetl set-aside --article ID | --file PATH --reason TEXT [--undo]``
    Keeps an article or an input file out of the marts and out of the gate's counts from
    the next run on (a file is not processed either), until ``--undo``.

Every decision is a row of ``ops.decisions`` (published with the warehouse, shown by
``newsetl status`` and ``marts.fct_quarantine``) and is also appended to
``raw_log/decisions/`` so a rebuilt work database keeps it.
"""

from __future__ import annotations

import sys

from newsetl.config import Paths
from newsetl.pipeline.publication import prepare_publication, publish_run
from newsetl.warehouse import load as wl
from newsetl.warehouse.backend import remembered
from newsetl.warehouse.decision_log import record_decision, revoke, user
from newsetl.warehouse.lock import RunInProgress, run_lock
from newsetl.warehouse.opsdb import open_work_db
from newsetl.warehouse.publish import publish_release
from newsetl.warehouse.unchanged import forget as forget_unchanged


class DecisionRefused(RuntimeError):
    """The decision cannot be taken (wrong run, unknown article or file)."""


def set_aside(paths: Paths, kind: str, target: str, reason: str, undo: bool = False) -> str:
    """Set an article or file aside (or take it back); effective from the next run."""
    with run_lock(paths.lock_file):
        forget_unchanged(paths)  # a decision takes effect at the next run: a full one
        con = open_work_db(paths)
        try:
            if undo:
                n = revoke(con, paths, kind, target)
                if not n:
                    raise DecisionRefused(f"no active set-aside of {kind} {target}")
                return f"{kind} {target}: set-aside taken back; the next run brings it back"
            if kind == "article":
                known = con.execute(
                    """SELECT count(*) FROM (SELECT article_id FROM raw.articles
                       UNION ALL SELECT article_id FROM raw.article_quarantine) WHERE article_id = ?""",
                    [target],
                ).fetchone()[0]
            else:
                known = con.execute(
                    "SELECT count(*) FROM raw.file_versions WHERE path = ?", [target]
                ).fetchone()[0]
            if not known:
                raise DecisionRefused(f"no {kind} {target!r} in the warehouse")
            decision_id = record_decision(con, paths, kind, target, reason)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return f"{kind} {target} set aside (decision {decision_id}); the next run publishes without it"


def accept_run(paths: Paths, run_id: str, reason: str) -> str:
    """Publish the latest run although its gate blocked it; see the module docstring."""
    backend = remembered(paths.warehouse_dir)
    published = backend.catalog if backend is not None and backend.is_lake else str(paths.published_db)
    with run_lock(paths.lock_file):
        forget_unchanged(paths)
        con = open_work_db(paths)
        try:
            latest = con.execute(
                "SELECT run_id, status FROM ops.runs ORDER BY started_at DESC LIMIT 1"
            ).fetchone()
            if latest is None or latest[0] != run_id:
                raise DecisionRefused(
                    f"only the latest run can be accepted (latest: {latest[0] if latest else 'none'}); "
                    "run the pipeline again and accept that run if it blocks"
                )
            if latest[1] != "gate_failed":
                raise DecisionRefused(
                    f"run {run_id} is {latest[1]}: only a run blocked by the quality gate can be accepted"
                )
            decision_id = record_decision(con, paths, "run", run_id, reason)
            wl.restore_processing(con, run_id)
            articles = con.execute("SELECT count(*) FROM marts.fct_articles").fetchone()[0]
            no_topic = con.execute(
                "SELECT avg(CASE WHEN primary_topic IS NULL THEN 1 ELSE 0 END) FROM marts.fct_articles"
            ).fetchone()[0]
            con.execute(
                """UPDATE ops.runs SET status = 'published', published_path = ?, articles_total = ?,
                       no_topic_share = ?,
                       message = concat_ws('; ', message, ?) WHERE run_id = ?""",
                [
                    published,
                    articles,
                    no_topic,
                    f"accepted by {user()} ({decision_id}): {reason.strip()}",
                    run_id,
                ],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if backend is not None and backend.is_lake:
            publish_run(paths, backend, run_id)
        else:
            publish_release(paths, run_id, lambda folder: prepare_publication(paths, run_id, folder))
    return f"run {run_id} accepted (decision {decision_id}) and published: {published}"


def main_accept(paths: Paths, run_id: str, reason: str) -> int:
    try:
        print(accept_run(paths, run_id, reason))
    except (DecisionRefused, ValueError, RunInProgress) as exc:
        print(f"newsetl: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, RunInProgress) else 2
    return 0


def main_set_aside(paths: Paths, kind: str, target: str, reason: str, undo: bool) -> int:
    try:
        print(set_aside(paths, kind, target, reason, undo))
    except (DecisionRefused, ValueError, RunInProgress) as exc:
        print(f"newsetl: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, RunInProgress) else 2
    return 0
