"""The ``etl`` Prefect flow: ingest -> process -> load -> dbt build -> gate -> publish.

Thin orchestration only: each task calls one stage function of
:mod:`newsetl.pipeline.stages` (plain functions, testable without Prefect) over a
batch of documents. Tasks pass paths, counts and the text executor, never
connections, so any stage can be retried on its own.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from newsetl.config import configure_environment

configure_environment()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.schemas.objects import State  # noqa: E402

from newsetl.config import Paths, make_paths, served_paths  # noqa: E402
from newsetl.pipeline import progress, stages  # noqa: E402
from newsetl.pipeline.process import LocalPool, TextExecutor  # noqa: E402
from newsetl.pipeline.publication import prepare_publication, publish_run  # noqa: E402
from newsetl.pipeline.quality.gate import GateOutcome  # noqa: E402
from newsetl.pipeline.run_record import RunRecord, new_run_id  # noqa: E402
from newsetl.warehouse.backend import Backend  # noqa: E402
from newsetl.warehouse.backend import resolve as resolve_backend  # noqa: E402
from newsetl.warehouse.lock import RunInProgress, run_lock  # noqa: E402
from newsetl.warehouse.publish import publish_release  # noqa: E402

T = TypeVar("T")


@task(name="ingest", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def ingest_task(paths: Paths, run_id: str, pool: LocalPool | None = None) -> dict[str, Any]:
    return stages.ingest_files(paths, run_id, pool, get_run_logger())


@task(name="plan-processing", cache_policy=NO_CACHE)
def plan_task(paths: Paths, full_refresh: bool) -> list[str]:
    return stages.plan_processing(paths, full_refresh)


@task(name="process-and-load", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def process_load_task(
    paths: Paths, run_id: str, doc_ids: list[str], executor: TextExecutor | None
) -> dict[str, int]:
    return stages.process_and_load(paths, run_id, doc_ids, executor, get_run_logger())


@task(name="dbt-build", cache_policy=NO_CACHE)
def dbt_task(paths: Paths, full_refresh: bool) -> dict[str, Any]:
    return stages.build_marts(paths, full_refresh, get_run_logger())


@task(name="quality-gate", cache_policy=NO_CACHE)
def gate_task(paths: Paths, run_id: str) -> GateOutcome:
    return stages.check_quality(paths, run_id, get_run_logger())


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
    check_unchanged: bool = True,
) -> dict[str, Any]:
    """Run the whole pipeline once; publish only if every gate passes.

    ``check_unchanged``: first ask whether anything changed since the last publish (a scheduled
    tick with nothing new records an ``unchanged`` run); ``newsetl run`` has asked already.

    ``backend``/``catalog``: where to publish (newsetl/warehouse/backend.py); default: what the
    warehouse folder remembers, else ``NEWSETL_BACKEND``/``NEWSETL_CATALOG``, else one DuckDB file.
    """
    logger = get_run_logger()
    paths = make_paths(input_dir, warehouse_dir)
    target = resolve_backend(paths.warehouse_dir, backend, catalog)
    run_id = new_run_id()
    # the local text workers; they start during ingest when it brings enough new text
    local = LocalPool(workers)

    with run_lock(paths.lock_file):
        if check_unchanged and not (full_refresh or target.is_lake):
            result = stages.unchanged_run(paths, run_id)
            if result is not None:
                logger.info("nothing changed since the last publish: nothing to do")
                return result
        record = stages.begin_run(paths, target, run_id, full_refresh, logger)

        def timed(stage: str, fn: Callable[..., T], *args: Any, label: str | None = None) -> T:
            record.stage = label or stage
            progress.stage_started(stage)
            t0 = time.perf_counter()
            out = fn(*args)
            record.stage_done(stage, time.perf_counter() - t0)
            progress.stage_finished(stage, record.timings[stage], progress.describe(stage, out))
            return out

        try:
            record.ingest = timed("ingest", ingest_task, paths, run_id, None if dask_address else local)
            doc_ids = timed("plan", plan_task, paths, full_refresh)
            # deferred: prefect-dask and Dask load only for --dask (the text work on a Dask cluster)
            from newsetl.pipeline.dask_processing import dask_processing

            with dask_processing(dask_address, workers) as cluster:
                record.process = timed(
                    "process_load",
                    process_load_task,
                    paths,
                    run_id,
                    doc_ids,
                    cluster or local,
                    label="process",
                )
            local.shutdown()  # the text workers' memory is not needed by dbt, the gate or publish
            timed("dbt", dbt_task, paths, full_refresh)
            outcome = timed("gate", gate_task, paths, run_id)
            record.gate = outcome.summary()
            record.data_docs = outcome.data_docs
            if not outcome.success:
                record.status = "gate_failed"
                raise GateBlocked(outcome.summary())
            published = target.catalog if target.is_lake else str(paths.published_db)
            stages.record_published(paths, record, published)
            if target.is_lake:
                record.lake = timed("publish", publish_lake_task, paths, run_id, target)
            else:
                timed("publish", publish_task, paths, run_id)
                stages.remember_publish(paths, record, logger)
            record.status = "published"
            record.published = published
        except BaseException as exc:
            stages.record_failed(paths, record, exc, logger)
            raise
    result = record.result()
    logger.info("run summary: %s", json.dumps(result, ensure_ascii=False, default=str))
    return result


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


if __name__ == "__main__":
    print(json.dumps(etl(), ensure_ascii=False, indent=2, default=str))


__all__ = ["etl", "scheduled_etl", "GateBlocked", "Path", "RunRecord"]
