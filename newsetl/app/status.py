"""``newsetl status``: recent runs, their gate results, and published-file freshness."""

from __future__ import annotations

import datetime as dt
import json

import duckdb

from newsetl.config import Paths, setting
from newsetl.pipeline.quality.gate import quality_dirs
from newsetl.warehouse.backend import remembered
from newsetl.warehouse.lake import attach_statements, connect_reader, snapshots
from newsetl.warehouse.lock import lock_holder
from newsetl.warehouse.opsdb import describe_failure
from newsetl.warehouse.publish import current_release


def _open_ops(paths: Paths) -> tuple[duckdb.DuckDBPyConnection | None, str]:
    """Prefer the work database (it has failed runs too); fall back to the published file (or the
    lake's latest snapshot) while a run holds it."""
    for path, label in ((paths.work_db, "work"), (paths.published_db, "published")):
        if not path.exists():
            continue
        try:
            return duckdb.connect(str(path), read_only=True), label
        except duckdb.IOException:
            continue
    lake = _lake(paths)
    if lake is not None:
        try:
            return connect_reader(lake), "lake"
        except duckdb.Error:
            pass
    return None, "none"


def _lake(paths: Paths):
    backend = remembered(paths.warehouse_dir)
    return backend if backend is not None and backend.is_lake else None


def _lake_status(paths: Paths, limit: int) -> dict | None:
    """The DuckLake's snapshots, newest first (each publish is one), or None for a single-file warehouse."""
    backend = _lake(paths)
    if backend is None:
        return None

    # what an analyst's DuckDB (CLI, Python, SQLAlchemy) runs to read the lake: README "DuckLake"
    info = {
        "catalog": backend.catalog,
        "data_path": backend.data_path,
        "attach_sql": attach_statements(backend),
        "snapshot_days": setting("lake_snapshot_days"),
    }
    try:
        info["snapshots"] = snapshots(backend, limit)
    except duckdb.Error as exc:
        info.update(error=" ".join(str(exc).split())[:300], snapshots=[])
    return info


def _release(paths: Paths) -> dict:
    """Which run is live: the release pointer (database, exports and report switch together)
    and, as a cross-check, the latest published run the database itself records."""
    release = current_release(paths.warehouse_dir) or {}
    db_run = None
    try:
        con = duckdb.connect(str(paths.published_db), read_only=True)
        try:
            row = con.execute(
                "SELECT run_id FROM ops.runs WHERE status = 'published' ORDER BY started_at DESC LIMIT 1"
            ).fetchone()
            db_run = row[0] if row else None
        finally:
            con.close()
    except duckdb.Error:
        pass
    return {"run_id": release.get("run_id"), "database_run_id": db_run}


def collect_status(paths: Paths, limit: int = 10) -> dict:
    info: dict = {"warehouse": str(paths.warehouse_dir), "running_pid": lock_holder(paths.lock_file)}
    lake = _lake_status(paths, limit)
    info["backend"] = "ducklake" if lake is not None else "duckdb"
    if lake is not None:
        info["lake"] = lake
        published = [s for s in lake["snapshots"] if s.get("run_id")]
        if published:
            info["published"] = {
                "path": lake["catalog"],
                "snapshot_id": published[0]["snapshot_id"],
                "published_at": published[0]["time"],
                "run_id": published[0]["run_id"],
            }
    if paths.published_db.exists():
        mtime = dt.datetime.fromtimestamp(paths.published_db.stat().st_mtime, dt.UTC)
        info["published"] = {
            "path": str(paths.published_db),
            "published_at": mtime.isoformat(timespec="seconds"),
            "age_minutes": round((dt.datetime.now(dt.UTC) - mtime).total_seconds() / 60, 1),
            **_release(paths),
        }
    con, source = _open_ops(paths)
    info["source"] = source
    if con is None:
        info["runs"] = []
        return info
    try:
        cols = [
            "run_id",
            "started_at",
            "finished_at",
            "status",
            "files_seen",
            "documents_new",
            "quarantined",
            "documents_processed",
            "articles_written",
            "articles_total",
            "gate_outcome",
            "message",
        ]
        rows = con.execute(
            f"SELECT {', '.join(cols)} FROM ops.runs ORDER BY started_at DESC LIMIT ?",  # noqa: S608
            [limit],
        ).fetchall()
        info["runs"] = [
            dict(zip(cols, (str(v) if isinstance(v, dt.datetime) else v for v in r), strict=True))
            for r in rows
        ]
        failed = con.execute(
            """SELECT run_id, suite, expectation, column_name, observed FROM ops.gate_results
               WHERE NOT success AND severity = 'batch' AND run_id IN (SELECT run_id FROM ops.runs ORDER BY started_at DESC LIMIT ?)
               ORDER BY run_id, suite""",
            [limit],
        ).fetchall()
        info["gate_failures"] = [
            {"run_id": r[0], "suite": r[1], "expectation": r[2], "column": r[3], "observed": r[4]}
            for r in failed
        ]
        info["quarantine"] = _quarantine(con, source)
        info["decisions"] = _decisions(con)
    finally:
        con.close()
    return info


QUARANTINE_LISTED = 30  # rows of the quarantine named by `newsetl status` (all: marts.fct_quarantine)


def _quarantine(con: duckdb.DuckDBPyConnection, source: str) -> dict:
    """Counts per rule and the latest quarantined articles and files (marts.fct_quarantine)."""
    try:
        counts = con.execute(
            "SELECT level, rule, action, count(*) FROM marts.fct_quarantine GROUP BY ALL ORDER BY 4 DESC, 2"
        ).fetchall()
        rows = con.execute(
            """SELECT level, file, position_in_file, article_id, rule, value, action, reason, run_id
               FROM marts.fct_quarantine ORDER BY run_id DESC, file, position_in_file LIMIT ?""",
            [QUARANTINE_LISTED],
        ).fetchall()
    except duckdb.Error:
        return {"counts": [], "rows": [], "note": f"no quarantine table in the {source} database yet"}
    keys = ("level", "file", "position", "article_id", "rule", "value", "action", "reason", "run_id")
    return {
        "source": source,
        "counts": [{"level": a, "rule": b, "action": c, "count": n} for a, b, c, n in counts],
        "rows": [dict(zip(keys, r, strict=True)) for r in rows],
    }


def _decisions(con: duckdb.DuckDBPyConnection) -> list[dict]:
    try:
        rows = con.execute(
            """SELECT decision_id, kind, target, reason, decided_by, decided_at, revoked
               FROM ops.decisions ORDER BY decided_at DESC LIMIT 20"""
        ).fetchall()
    except duckdb.Error:
        return []
    keys = ("decision_id", "kind", "target", "reason", "decided_by", "decided_at", "revoked")
    return [
        dict(zip(keys, (str(v) if isinstance(v, dt.datetime) else v for v in r), strict=True)) for r in rows
    ]


def data_docs_path(paths: Paths) -> str:
    """The index of this warehouse's great-expectations Data Docs site."""
    return str(quality_dirs(paths.warehouse_dir).index)


def failure_line(exc: BaseException, paths: Paths, gate: bool = False) -> str:
    """One line for a failed run: what failed, at which stage, and where to look."""
    stage = "quality gate" if gate else (getattr(exc, "newsetl_stage", None) or "start-up")
    what = str(exc) if gate else describe_failure(exc, paths)  # a full disk is named as such
    what = " ".join(what.split())
    if len(what) > 400:
        what = what[:400] + "..."
    where = f"details: newsetl status --warehouse {paths.warehouse_dir}"
    if gate:
        where += f"; Data Docs: {data_docs_path(paths)}"
    lake = _lake(paths)
    if lake is not None:
        kept = f"the DuckLake {lake.catalog} keeps its last snapshot"
    elif paths.published_db.exists():
        kept = f"{paths.published_db} unchanged"
    else:
        kept = "no warehouse has been published yet"
    return f"newsetl: run FAILED at {stage}, nothing published ({kept}): {what}; {where}"


def gate_results(paths: Paths, run_id: str | None = None) -> tuple[str | None, list[dict]]:
    """Every expectation outcome of ``run_id`` (default: the latest run that reached the gate)."""
    con, _ = _open_ops(paths)
    if con is None:
        return None, []
    try:
        if run_id is None:
            row = con.execute(
                "SELECT run_id FROM ops.gate_results GROUP BY run_id ORDER BY max(checked_at) DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return None, []
            run_id = row[0]
        rows = con.execute(
            """SELECT suite, expectation, column_name, severity, success, observed, explanation
               FROM ops.gate_results WHERE run_id = ? ORDER BY suite, success, expectation, column_name""",
            [run_id],
        ).fetchall()
    finally:
        con.close()
    keys = ("suite", "expectation", "column", "severity", "success", "observed", "why")
    return run_id, [dict(zip(keys, r, strict=True)) for r in rows]


def print_status(paths: Paths, limit: int = 10, as_json: bool = False, run_id: str | None = None) -> int:
    info = collect_status(paths, limit)
    gate_run, results = gate_results(paths, run_id)
    info["gate_results"] = {"run_id": gate_run, "results": results}
    if as_json:
        print(json.dumps(info, ensure_ascii=False, indent=2, default=str))
        return 0
    pub = info.get("published")
    lake = info.get("lake")
    if lake is not None:
        _print_lake(lake, pub)
    elif pub:
        print(
            f"published: {pub['path']} (run {pub.get('run_id') or 'unknown'}, database, exports and report; "
            f"updated {pub['published_at']}, {pub['age_minutes']} min ago)"
        )
        if pub.get("run_id") and pub.get("database_run_id") not in (None, pub["run_id"]):
            print(f"  WARNING: the published database records run {pub['database_run_id']} as its latest")
    else:
        print("published: nothing published yet")
    if info["running_pid"]:
        print(f"a run is in progress (pid {info['running_pid']})")
    if not info["runs"]:
        print("no runs recorded")
        return 0
    print(f"{'run':32} {'status':12} {'new docs':>8} {'quar.':>5} {'articles':>8}  gate / message")
    for r in info["runs"]:
        text = (
            r["message"]
            if r["status"] not in ("published", "unchanged")
            else "; ".join(x for x in (r["gate_outcome"], r["message"]) if x)
        )
        detail = " ".join(str(text or "").split())
        print(
            f"{r['run_id']:32} {r['status']:12} {r['documents_new'] or 0:>8} {r['quarantined'] or 0:>5} "
            f"{r['articles_total'] or r['articles_written'] or 0:>8}  {(detail or '')[:160]}"
        )
    for f in info.get("gate_failures", []):
        print(
            f"  gate failure in {f['run_id']}: {f['suite']}.{f['expectation']}({f['column'] or ''}) observed {f['observed']}"
        )
    _print_quarantine(info.get("quarantine") or {})
    for d in info.get("decisions") or []:
        state = " (revoked)" if d["revoked"] else ""
        print(
            f"  decision {d['decided_at'][:19]} {d['kind']} {d['target']}{state} by {d['decided_by']}: {d['reason']}"
        )
    if results:
        print(f"gate results of run {gate_run} (all {len(results)}; Data Docs: {data_docs_path(paths)}):")
        for r in results:
            mark = "ok  " if r["success"] else ("FAIL" if r["severity"] == "batch" else "warn")
            print(
                f"  {mark} {r['severity']:5} {r['suite']}.{r['expectation']}({r['column'] or ''}) observed {(r['observed'] or '')[:80]}"
            )
    return 0


def _print_lake(lake: dict, pub: dict | None) -> None:
    if pub:
        print(
            f"published: DuckLake {lake['catalog']} (snapshot {pub['snapshot_id']}, run {pub['run_id']}, "
            f"at {pub['published_at']})"
        )
    else:
        print(f"published: nothing published yet to DuckLake {lake['catalog']}")
    if lake.get("error"):
        print(f"  the lake could not be read: {lake['error']}")
    print(f"  attach read-only from any DuckDB {duckdb.__version__}: {'; '.join(lake['attach_sql'])};")
    days = lake["snapshot_days"]
    print(
        f"  snapshots kept {days:g} days, then expired and their files deleted (NEWSETL_LAKE_SNAPSHOT_DAYS)"
        if days > 0
        else "  every snapshot is kept (NEWSETL_LAKE_SNAPSHOT_DAYS=0)"
    )
    if lake["snapshots"]:
        print(f"{'snapshot':>8}  {'time (UTC)':26} run (time travel: FROM lake.marts.x AT (VERSION => n))")
        for s in lake["snapshots"]:
            print(f"{s['snapshot_id']:>8}  {str(s['time'])[:26]:26} {s['run_id'] or s['message'] or ''}")


def _print_quarantine(q: dict) -> None:
    if not q.get("counts"):
        if q.get("note"):
            print(f"quarantine: {q['note']}")
        return
    total = sum(c["count"] for c in q["counts"])
    per_rule = ", ".join(f"{c['rule']} ({c['action']}) {c['count']}" for c in q["counts"])
    print(f"quarantine: {total} held back or corrected (marts.fct_quarantine): {per_rule}")
    for r in q["rows"]:
        where = r["file"] + (f"#{r['position']}" if r["position"] is not None else "")
        value = f" value {r['value']}" if r["value"] not in (None, "") else ""
        print(
            f"  {r['run_id'] or '':26} {where:32} {r['rule']}{value}: {' '.join(str(r['reason']).split())[:100]}"
        )
    if total > len(q["rows"]):
        print(f'  ... {total - len(q["rows"])} more: newsetl sql -c "FROM marts.fct_quarantine"')
