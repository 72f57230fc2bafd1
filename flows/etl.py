"""The ``etl`` Prefect flow: ingest -> process -> load -> dbt build -> gate -> publish.

Thin orchestration only: every stage is a coarse task over a batch of
documents that calls the pure core or a warehouse helper. Tasks pass paths
and counts, never connections, so any stage can be retried on its own.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import resource
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from newsetl.config import configure_environment

configure_environment()

import duckdb  # noqa: E402
from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.schemas.objects import State  # noqa: E402

from newsetl import faults, native  # noqa: E402
from newsetl.config import (  # noqa: E402
    Paths,
    make_paths,
    served_paths,
    setting,
)
from newsetl.core.classify import read_manifest  # noqa: E402
from newsetl.faults import fault_point  # noqa: E402
from newsetl.pipeline import dbt_plan, progress  # noqa: E402
from newsetl.pipeline import ingest as ingest_mod  # noqa: E402
from newsetl.pipeline.dbt_runner import run_dbt  # noqa: E402
from newsetl.pipeline.process import (  # noqa: E402
    default_workers,
    even_chunks,
    prestart_pool,
    processor_version,
    relax_gc,
    shutdown_pool,
    submit_documents,
    uses_local_pool,
    worker_pool,
)
from newsetl.pipeline.publication import prepare_publication, publish_run  # noqa: E402
from newsetl.pipeline.quality.gate import GATE_CACHE, load_config, run_gate_reusing  # noqa: E402
from newsetl.pipeline.quality.records import load_rules  # noqa: E402
from newsetl.warehouse import load as wl  # noqa: E402
from newsetl.warehouse.backend import Backend  # noqa: E402
from newsetl.warehouse.backend import remember as remember_backend  # noqa: E402
from newsetl.warehouse.backend import resolve as resolve_backend  # noqa: E402
from newsetl.warehouse.lock import (  # noqa: E402
    RunInProgress,
    run_lock,
)
from newsetl.warehouse.opsdb import (  # noqa: E402
    describe_failure,
    finish_run,
    open_work_db,
    record_failure,
    record_gate,
    start_run,
)
from newsetl.warehouse.publish import publish_release  # noqa: E402
from newsetl.warehouse.recovery import (  # noqa: E402
    append_raw_log,
    ensure_work_db,
    is_corruption,
    mark_corrupt,
)

CHUNK_DOCS = 400  # documents per process+load round: bounds memory whatever the archive size
# Below this much to read, ingest reads in this process: the workers build their lexicon automata
# before their first task, which cost more than reading 15 MB saved (A/B, docs/performance.md).
READ_POOL_MIN_BYTES = 64 * 1024 * 1024


@contextmanager
def work_connection(paths: Paths, *, bulk: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_work_db(paths, bulk=bulk)
    try:
        yield con
    finally:
        con.execute("CHECKPOINT")
        con.close()


@task(name="ingest", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def ingest_task(paths: Paths, run_id: str, prestart_workers: int | None = None) -> dict[str, Any]:
    """Read new and changed files into raw.documents (quarantining bad ones), part by part.

    With ``prestart_workers``, the text workers are started as soon as the new text
    is enough for parallel processing, so they warm up while ingest goes on.
    """
    totals = ScanTotals()
    new_chars = 0
    started = False

    present: set[str] = set()  # every path the scan found, to tell deleted files
    unreadable: list[str] = []

    def read_pool(nbytes: int):
        """The text workers read and decode the files when there is enough to read: ingest is
        pure Python on one core otherwise, while they would wait for the processing stage."""
        nonlocal started
        if (
            not prestart_workers
            or nbytes < READ_POOL_MIN_BYTES
            or not uses_local_pool(nbytes, prestart_workers)
        ):
            return None
        started = prestart_pool(prestart_workers)
        get_run_logger().info("text workers (%d) read the new files and warm up", prestart_workers)
        return worker_pool(prestart_workers)

    def parts():
        nonlocal new_chars, started
        for part in ingest_mod.iter_scan(paths.input_dir, known, executor_for=read_pool):
            present.update(d.path for d in part.decoded)
            present.update(part.unchanged)
            present.update(part.deferred)
            present.update(r.path for r in part.rejected)
            unreadable.extend(part.unreadable_dirs)
            mtimes = {}
            for r in part.rejected:
                with suppress(OSError):
                    mtimes[r.path] = (paths.input_dir / r.path).stat().st_mtime_ns
            totals.add(part)
            if prestart_workers and not started:
                new_chars += sum(len(d.text) for d in part.decoded)
                started = prestart_pool(prestart_workers, new_chars)
                if started:
                    get_run_logger().info(
                        "text workers (%d) started to warm up during ingest", prestart_workers
                    )
            yield part, mtimes  # written, then dropped: memory bounded by one part

    stats = {"documents_new": 0, "file_versions_new": 0, "quarantined": 0, "raw_logged": 0}
    with work_connection(paths) as con:
        known = wl.known_sightings(con)
        for part, mtimes in parts():  # one transaction per part: memory bounded by a part
            for key, value in wl.record_ingest(con, run_id, part, mtimes).items():
                stats[key] += value
            # warehouse/raw_log/ (append-only), in step with what was just committed
            stats["raw_logged"] += sum(append_raw_log(con, paths, run_id).values())
        # deleted files stop being current (after the whole scan; never on a partial listing)
        stats["files_removed"] = len(wl.retire_missing(con, run_id, present, unreadable))
        append_raw_log(con, paths, run_id)  # the supersessions, like any other
    stats.update(
        files_seen=totals.seen,
        files_read=totals.read,
        files_deferred=totals.deferred,
        bytes_read=totals.bytes_read,
    )
    return stats


class ScanTotals:
    """Counts over the parts of one scan (the parts themselves are not kept)."""

    def __init__(self) -> None:
        self.seen = self.read = self.deferred = self.bytes_read = 0

    def add(self, part: ingest_mod.ScanResult) -> None:
        self.seen += len(part.decoded) + len(part.unchanged) + len(part.rejected) + len(part.deferred)
        self.read += len(part.decoded) + sum(1 for r in part.rejected if r.content)
        self.deferred += len(part.deferred)
        self.bytes_read += part.bytes_read


@task(name="plan-processing", cache_policy=NO_CACHE)
def plan_task(paths: Paths, full_refresh: bool) -> list[str]:
    with work_connection(paths) as con:
        return wl.documents_to_process(con, processor_version(), full_refresh)


@task(name="process-and-load", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def process_load_task(paths: Paths, run_id: str, doc_ids: list[str], workers: int | None) -> dict[str, int]:
    """Segment, classify and load ``doc_ids`` in chunks of ``CHUNK_DOCS`` documents, pipelined.

    While the text workers process chunk *k*, this process loads chunk *k-1* (one
    transaction per chunk: rows replaced per document), so neither side waits for the
    other; memory stays bounded by two chunks whatever the archive size. One connection
    serves the whole stage (a checkpoint per chunk cost ~2 s each at 10,000 pages).

    Record-level checks (expectations/gate.yml ``records:``) run before load: a
    non-Chinese page is not processed, a bad article is held back, and both go
    to raw.quarantine (stage ``records``) with their reason; the run goes on. On a
    retry, documents this run already loaded are not processed again.
    """
    fault_point("process")
    rules = load_rules()
    dates = _publication_dates(paths)
    version = processor_version()
    totals = {"documents": 0, "articles": 0, "quarantined": 0}
    with work_connection(paths, bulk=True) as con:
        # One checkpoint at the end of the stage instead of one per chunk (each rewrites the
        # tables' last row group: ~2 s at 10,000 pages); no WAL meanwhile (see open_work_db).
        con.execute("SET checkpoint_threshold = '4GB'")
        # The loads run while the text workers use every core: one DuckDB thread costs a
        # quarter less CPU for these small inserts than two (no parallel set-up per statement).
        con.execute("SET threads = 1")
        done = wl.processed_in_run(con, run_id, version)
        todo = [d for d in doc_ids if d not in done]
        pending = None
        thresholds = relax_gc()
        try:
            for ids in even_chunks(todo, CHUNK_DOCS):
                docs = wl.fetch_stored_documents(con, ids, dates)  # decoded by the workers
                wait = submit_documents(docs, run_id, rules, workers)
                if pending is not None:
                    _load_chunk(con, run_id, version, totals, *pending)
                pending = (ids, docs, wait)
            if pending is not None:
                _load_chunk(con, run_id, version, totals, *pending)
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
        con.execute("RESET threads")  # the closing checkpoint runs alone: all cores
    return totals


def _load_chunk(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    version: str,
    totals: dict[str, int],
    ids: list[str],
    docs: list,
    wait: Callable[[], tuple[dict, list]],
) -> None:
    """Wait for one chunk's (screened) rows and replace its rows in the work database."""
    rows, rejected = wait()
    totals["articles"] += wl.load_processed(con, rows, ids, version, run_id, rejected)
    totals["documents"] += len(docs)
    totals["quarantined"] += len(rejected)
    if rows["quarantine"]:
        totals["quarantined"] += wl.record_processing_failures(con, run_id, rows["quarantine"])


def _publication_dates(paths: Paths) -> dict[str, str]:
    try:
        manifest = read_manifest(paths.input_dir)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # a bad manifest must not stop the run
        get_run_logger().warning("manifest.csv ignored (publication dates inferred from the pages): %s", exc)
        return {}
    return {
        name: entry["publication_date"] for name, entry in manifest.items() if entry.get("publication_date")
    }


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_task(paths: Paths, full_refresh: bool) -> dict[str, Any]:
    fault_point("dbt")
    # Build only what changed (newsetl/pipeline/dbt_plan.py): full on a code change, incremental on new
    # data, nothing when neither code, lexicons nor raw data changed since the last build.
    with work_connection(paths) as con:
        plan = dbt_plan.plan(con, full_refresh)
    get_run_logger().info("dbt: %s %s", plan.mode, " ".join(plan.args))
    if plan.skip:
        return {"mode": plan.mode, "nodes": 0}
    nodes = run_dbt(plan.args, paths.work_db, paths.work_dir, on_node=progress.dbt_node).nodes
    with work_connection(paths) as con:
        dbt_plan.record(con, plan)
    return {"mode": plan.mode, "nodes": nodes}


@task(name="quality-gate", cache_policy=NO_CACHE)
def gate_task(paths: Paths, run_id: str):
    fault_point("gate")
    config = load_config()
    with work_connection(paths) as con:
        # A query may name $run_id to validate only what this run changed (gate.yml), and
        # $<setting> for an operator setting (newsetl/config.py SETTINGS).
        frames = {
            name: con.execute(spec["query"], _query_params(spec["query"], run_id)).df()
            for name, spec in config["suites"].items()
        }
    outcome, reused = run_gate_reusing(
        frames, run_id, config, paths.work_dir / GATE_CACHE, paths.warehouse_dir
    )
    if reused:
        get_run_logger().info(
            "quality gate: %d of %d suites had known data, their results reused", reused, len(frames)
        )
    with work_connection(paths) as con:
        record_gate(con, run_id, outcome)
    return outcome


def _query_params(query: str, run_id: str) -> dict[str, Any] | None:
    params: dict[str, Any] = {"run_id": run_id} if "$run_id" in query else {}
    if "$min_held" in query:
        params["min_held"] = int(setting("min_documents_held_to_block"))
    return params or None


@task(name="publish-lake", cache_policy=NO_CACHE)
def publish_lake_task(paths: Paths, run_id: str, backend: Backend) -> dict[str, Any]:
    """DuckLake: one catalog transaction (newsetl/pipeline/publication.py ``publish_run``)."""
    out = publish_run(paths, backend, run_id)
    get_run_logger().info("published to the lake: %s", out)
    return out


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def publish_task(paths: Paths, run_id: str) -> str:
    # Search index (inside the work DB, so it is published), dbt docs, then one release:
    # database, Parquet exports and run report switched in together.
    extras = publish_release(paths, run_id, lambda folder: prepare_publication(paths, run_id, folder))
    get_run_logger().info("publish extras: %s", extras.get("timings"))
    return str(paths.published_db)


@flow(name="etl", log_prints=True)
def etl(
    input_dir: str | None = None,
    warehouse_dir: str | None = None,
    full_refresh: bool = False,
    workers: int | None = None,
    dask_address: str | None = None,
    backend: str | None = None,
    catalog: str | None = None,
) -> dict[str, Any]:
    """Run the whole pipeline once; publish only if every gate passes.

    ``backend``/``catalog``: where to publish (newsetl/warehouse/backend.py); default: what the
    warehouse folder remembers, else ``NEWSETL_BACKEND``/``NEWSETL_CATALOG``, else one DuckDB file.
    """
    logger = get_run_logger()
    paths = make_paths(input_dir, warehouse_dir)
    target = resolve_backend(paths.warehouse_dir, backend, catalog)
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    summary: dict[str, Any] = {"run_id": run_id, "input": str(paths.input_dir), "status": "running"}
    timings: dict[str, float] = {}
    rss: dict[str, int] = {}  # the flow process's peak RSS (MB) after each stage: which stage needs memory

    def timed(stage: str, fn, *args):
        summary["stage"] = stage
        progress.stage_started(stage)
        t0 = time.perf_counter()
        out = fn(*args)
        timings[stage] = round(time.perf_counter() - t0, 3)
        rss[stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        progress.stage_finished(stage, timings[stage], progress.describe(stage, out))
        return out

    with run_lock(paths.lock_file):
        remember_backend(paths.warehouse_dir, target)  # status and sql find the lake without options
        summary["backend"] = target.kind

        summary["recovered"] = ensure_work_db(paths)  # damaged or missing work DB: rebuilt from raw_log/
        if summary["recovered"]:
            logger.warning(summary["recovered"])

        summary["text_core"] = native.STATUS  # compiled (build/native) or the sources, and why
        logger.info("text core: %s", native.STATUS)
        if faults.active():
            logger.warning("fault injection active (%s): this run is a test", faults.active())
        with work_connection(paths) as con:
            start_run(con, run_id, paths, full_refresh)
        try:
            # the local text workers start during ingest when it brings enough new text
            prestart = None if dask_address else (workers or default_workers())
            summary["ingest"] = timed("ingest", ingest_task, paths, run_id, prestart)
            doc_ids = timed("plan", plan_task, paths, full_refresh)
            summary["stage"] = "process"
            progress.stage_started("process_load")
            t0 = time.perf_counter()
            # deferred: prefect-dask and Dask load only for --dask (the text work on a Dask cluster)
            from newsetl.pipeline.dask_processing import dask_processing

            with dask_processing(dask_address, workers):
                processed = process_load_task(paths, run_id, doc_ids, workers)

            shutdown_pool()  # the text workers' memory is not needed by dbt, the gate or publish
            timings["process_load"] = round(time.perf_counter() - t0, 3)
            rss["process_load"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            progress.stage_finished(
                "process_load", timings["process_load"], progress.describe("process_load", processed)
            )
            summary["process"] = processed
            timed("dbt", dbt_task, paths, full_refresh)
            outcome = timed("gate", gate_task, paths, run_id)
            summary["gate"] = outcome.summary()
            summary["data_docs"] = outcome.data_docs
            if not outcome.success:
                summary["status"] = "gate_failed"
                raise GateBlocked(outcome.summary())
            published = target.catalog if target.is_lake else str(paths.published_db)
            with work_connection(paths) as con:
                counts = _counts(con)
                summary.update(counts)
                finish_run(con, run_id, "published", summary, timings, published=published)
            if target.is_lake:
                summary["lake"] = timed("publish", publish_lake_task, paths, run_id, target)
            else:
                timed("publish", publish_task, paths, run_id)
            summary["status"] = "published"
            summary["published"] = published
        except BaseException as exc:
            status = summary["status"] if summary["status"] == "gate_failed" else "failed"
            summary["status"] = status

            summary["error"] = describe_failure(exc, paths)  # a full disk is named as such
            with suppress(Exception):
                exc.newsetl_stage = summary.get("stage")  # for the CLI's one-line failure message
            if is_corruption(exc):
                mark_corrupt(paths, summary["error"])  # the next run rebuilds the work DB from raw_log/
            try:
                record_failure(paths, run_id, status, summary, timings, exc)
            except Exception as inner:  # noqa: BLE001 - report the original failure
                logger.error("could not record the failed run (left a note for the next run): %s", inner)
            raise
    summary["timings"] = timings
    summary["peak_rss_mb"] = rss
    logger.info("run summary: %s", json.dumps(summary, ensure_ascii=False, default=str))
    return summary


@flow(name="etl", log_prints=True)
def scheduled_etl() -> dict[str, Any] | State:
    """What ``newsetl serve`` deploys: :func:`etl` on the folders serve was started with.

    No parameters: the Prefect API has no authentication, and anyone on the machine who can
    reach it could otherwise start a run with their own ``input_dir``/``warehouse_dir`` (and
    have a file only they may read ingested into a warehouse others read).

    A scheduled run that finds another run (``newsetl run`` by hand) holding the warehouse
    ends Cancelled, not Failed: the next tick picks up whatever it would have read, and a
    collision is no failure to alert on. Two runs of the deployment itself never overlap
    (``newsetl serve`` gives it a concurrency limit of one that cancels the newcomer).
    """
    from prefect.states import Cancelled

    paths = served_paths()
    try:
        return etl.fn(str(paths.input_dir), str(paths.warehouse_dir))
    except RunInProgress as exc:
        get_run_logger().warning("skipped: %s", exc)
        return Cancelled(message=f"skipped: {exc}")


class GateBlocked(RuntimeError):
    """The quality gate failed: nothing was published."""


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    articles, fragments = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_fragment) FROM marts.fct_articles"
    ).fetchone()
    documents = con.execute("SELECT count(*) FROM intermediate.int_current_documents").fetchone()[0]
    quarantined = con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0]
    topics = con.execute(
        "SELECT primary_topic, count(*) FROM marts.fct_articles GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    no_topic = sum(v for k, v in topics if k is None) / articles if articles else None
    held = con.execute("SELECT count(*) FROM marts.fct_quarantine WHERE level = 'article'").fetchone()[0]
    return {
        "documents": documents,
        "articles": articles,
        "fragments": fragments,
        "quarantined_total": quarantined,
        "articles_quarantined": held,
        "no_topic_share": no_topic,
        "topics": {str(k): v for k, v in topics},
    }


if __name__ == "__main__":
    print(json.dumps(etl(), ensure_ascii=False, indent=2, default=str))


__all__ = ["etl", "scheduled_etl", "GateBlocked", "Path"]
