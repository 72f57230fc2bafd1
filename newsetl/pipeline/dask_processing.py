"""The processing stage on a Dask cluster, through Prefect's ``DaskTaskRunner``.

``newsetl run --dask`` (a temporary ``LocalCluster`` of ``--workers``
processes) or ``newsetl run --dask tcp://scheduler:8786`` (a running
cluster; also ``NEWSETL_DASK_ADDRESS``). Only the CPU-bound text work is
distributed: the flow process reads each chunk's texts from the work
database, ships coarse batches (``process_batch``) to the workers as Prefect
tasks, and loads the returned rows itself. The workers never touch DuckDB, so
they need the code and the lexicons (``pip install`` of this project), not
the warehouse files.

Prefect in the workers: every Dask worker runs its Prefect tasks against
``PREFECT_API_URL``. With no server configured, each worker would start its
own temporary server (+~5 s each); for a local cluster we therefore point the
workers at the flow's own (ephemeral or real) API before they start. A remote
cluster needs a reachable Prefect server: set ``PREFECT_API_URL`` in the
workers' environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from newsetl.config import environment
from newsetl.pipeline.process import DocInput, Processed, RemoteBatches, default_workers, process_batch


def resolve_address(option: str | None) -> str | None:
    """``--dask`` value (``local`` for a temporary LocalCluster) or the environment's default."""
    return option or environment().dask_address


@task(name="process-batch", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def process_batch_task(docs: list[DocInput], run_id: str) -> Processed:
    """Segment and classify one coarse batch on a Dask worker."""
    return process_batch(docs, run_id)


def _share_api_url() -> None:
    """Let local Dask workers report to this process's Prefect API instead of starting their own."""
    if os.environ.get("PREFECT_API_URL"):
        return
    try:
        from prefect.settings import PREFECT_API_URL

        url = PREFECT_API_URL.value()
        if not url:
            from prefect.server.api.server import SubprocessASGIServer

            server = SubprocessASGIServer()
            url = server.api_url if server.running else None
    except Exception:  # noqa: BLE001 - an optimisation only: workers then start their own server
        url = None
    if url:
        os.environ["PREFECT_API_URL"] = url


def task_runner(address: str, workers: int):
    from prefect_dask import DaskTaskRunner

    if address == "local":
        _share_api_url()
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    return DaskTaskRunner(address=address)


@contextmanager
def dask_processing(address: str | None, workers: int | None) -> Iterator[RemoteBatches | None]:
    """A Dask cluster's executor for the text work while active (``None``: no cluster asked for).

    Everything around the text work (fetching, record screening, loading,
    quarantine) stays in the flow's own task, identical to the default path:
    only where ``process_batch`` runs changes.
    """
    address = resolve_address(address)
    if address is None:
        yield None
        return
    workers = workers or default_workers()
    with task_runner(address, workers) as runner:
        slots = _cluster_slots(runner) or workers

        def remote(batches: list[list[DocInput]], run_id: str) -> list[Processed]:
            futures = [
                runner.submit(process_batch_task, parameters={"docs": b, "run_id": run_id}) for b in batches
            ]
            return [f.result() for f in futures]

        yield RemoteBatches(remote, slots)


def _cluster_slots(runner: Any) -> int | None:
    """Worker threads in the cluster (batches are planned per slot)."""
    try:
        return sum(runner.client.nthreads().values()) or None
    except Exception:  # noqa: BLE001 - planning hint only
        return None
