"""The run's stages as plain functions: what the ``etl`` flow's tasks call, testable without Prefect.

Each stage opens its own work-database connection and returns plain values (counts, ids),
so any stage can be retried on its own. Logging goes to the logger passed in (the flow
passes Prefect's run logger).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import duckdb

from newsetl import faults, native
from newsetl.config import Paths, setting
from newsetl.core.classify import read_manifest
from newsetl.core.contracts import Rejected, Rows, ScanResult, StoredDoc
from newsetl.faults import fault_point
from newsetl.pipeline import dbt_plan, progress
from newsetl.pipeline import ingest as ingest_mod
from newsetl.pipeline.dbt_runner import run_dbt
from newsetl.pipeline.process import (
    LocalPool,
    TextExecutor,
    even_chunks,
    processor_version,
    relax_gc,
    submit_documents,
)
from newsetl.pipeline.quality.gate import GATE_CACHE, GateOutcome, load_config, run_gate_reusing
from newsetl.pipeline.quality.records import load_rules
from newsetl.pipeline.run_record import RunRecord
from newsetl.warehouse import load as wl
from newsetl.warehouse import unchanged
from newsetl.warehouse.backend import Backend
from newsetl.warehouse.backend import remember as remember_backend
from newsetl.warehouse.opsdb import (
    describe_failure,
    finish_run,
    open_work_db,
    record_failure,
    record_gate,
    start_run,
)
from newsetl.warehouse.recovery import append_raw_log, ensure_work_db, is_corruption, mark_corrupt

Log = logging.Logger | logging.LoggerAdapter
LOG = logging.getLogger(__name__)

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


def begin_run(paths: Paths, target: Backend, run_id: str, full_refresh: bool, log: Log = LOG) -> RunRecord:
    """Remember the backend, rebuild a damaged or missing work database, record the run's start."""
    record = RunRecord(run_id=run_id, input=str(paths.input_dir))
    # whatever this run does, the next one must not skip work by its predecessor's stamp
    unchanged.forget(paths)
    # listed before ingest: a file changed during the run differs from this listing next time
    record.inputs = unchanged.input_listing(paths.input_dir)
    remember_backend(paths.warehouse_dir, target)  # status and sql find the lake without options
    record.backend = target.kind
    record.recovered = ensure_work_db(paths)  # damaged or missing work DB: rebuilt from raw_log/
    if record.recovered:
        log.warning(record.recovered)
    record.text_core = native.STATUS
    log.info("text core: %s", native.STATUS)
    if faults.active():
        log.warning("fault injection active (%s): this run is a test", faults.active())
    with work_connection(paths) as con:
        start_run(con, run_id, paths, full_refresh)
    return record


def ingest_files(paths: Paths, run_id: str, pool: LocalPool | None = None, log: Log = LOG) -> dict[str, Any]:
    """Read new and changed files into raw.documents (quarantining bad ones), part by part.

    With a ``pool``, the text workers are started as soon as the new text is enough for
    parallel processing, so they warm up while ingest goes on.
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
        if pool is None or nbytes < READ_POOL_MIN_BYTES or not pool.uses_pool(nbytes):
            return None
        started = pool.prestart()
        log.info("text workers (%d) read the new files and warm up", pool.workers)
        return pool.pool()

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
            if pool is not None and not started:
                new_chars += sum(len(d.text) for d in part.decoded)
                started = pool.prestart(new_chars)
                if started:
                    log.info("text workers (%d) started to warm up during ingest", pool.workers)
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

    def add(self, part: ScanResult) -> None:
        self.seen += len(part.decoded) + len(part.unchanged) + len(part.rejected) + len(part.deferred)
        self.read += len(part.decoded) + sum(1 for r in part.rejected if r.content)
        self.deferred += len(part.deferred)
        self.bytes_read += part.bytes_read


def plan_processing(paths: Paths, full_refresh: bool) -> list[str]:
    """The documents to (re)process: new ones, and all of them after a change of the processing code."""
    with work_connection(paths) as con:
        return wl.documents_to_process(con, processor_version(), full_refresh)


def process_and_load(
    paths: Paths, run_id: str, doc_ids: list[str], executor: TextExecutor | None = None, log: Log = LOG
) -> dict[str, int]:
    """Segment, classify and load ``doc_ids`` in chunks of ``CHUNK_DOCS`` documents, pipelined.

    While the text workers (``executor``; ``None``: this process) process chunk *k*, this
    process loads chunk *k-1* (one transaction per chunk: rows replaced per document), so
    neither side waits for the other; memory stays bounded by two chunks whatever the archive
    size. One connection serves the whole stage (a checkpoint per chunk cost ~2 s each at
    10,000 pages).

    Record-level checks (expectations/gate.yml ``records:``) run before load: a
    non-Chinese page is not processed, a bad article is held back, and both go
    to raw.quarantine (stage ``records``) with their reason; the run goes on. On a
    retry, documents this run already loaded are not processed again.
    """
    fault_point("process")
    rules = load_rules()
    dates = publication_dates(paths, log)
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
                wait = submit_documents(docs, run_id, rules, executor)
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
    docs: list[StoredDoc],
    wait: Callable[[], tuple[Rows, list[Rejected]]],
) -> None:
    """Wait for one chunk's (screened) rows and replace its rows in the work database."""
    rows, rejected = wait()
    held = [r for r in rejected if r.stage != "process"]  # quarantined with the rows, atomically
    failed = [r for r in rejected if r.stage == "process"]  # their text stays in raw.documents
    totals["articles"] += wl.load_processed(con, rows, ids, version, run_id, held)
    totals["documents"] += len(docs)
    totals["quarantined"] += len(held)
    if failed:
        totals["quarantined"] += wl.record_quarantine(con, run_id, "process", failed)


def publication_dates(paths: Paths, log: Log = LOG) -> dict[str, str]:
    """Publication dates from the input's manifest.csv, by file name (none if it cannot be read)."""
    try:
        manifest = read_manifest(paths.input_dir)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # a bad manifest must not stop the run
        log.warning("manifest.csv ignored (publication dates inferred from the pages): %s", exc)
        return {}
    return {
        name: entry["publication_date"] for name, entry in manifest.items() if entry.get("publication_date")
    }


def build_marts(paths: Paths, full_refresh: bool, log: Log = LOG) -> dict[str, Any]:
    """dbt build of only what changed (:mod:`newsetl.pipeline.dbt_plan`): full on a code change,
    incremental on new data, nothing when neither code, lexicons nor raw data changed."""
    fault_point("dbt")
    with work_connection(paths) as con:
        plan = dbt_plan.plan(con, full_refresh)
    log.info("dbt: %s %s", plan.mode, " ".join(plan.args))
    if plan.skip:
        return {"mode": plan.mode, "nodes": 0}
    nodes = run_dbt(plan.args, paths.work_db, paths.work_dir, on_node=progress.dbt_node).nodes
    with work_connection(paths) as con:
        dbt_plan.record(con, plan)
    return {"mode": plan.mode, "nodes": nodes}


def check_quality(paths: Paths, run_id: str, log: Log = LOG) -> GateOutcome:
    """The quality gate's suites (expectations/gate.yml) over the work database, recorded in ops."""
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
        log.info("quality gate: %d of %d suites had known data, their results reused", reused, len(frames))
    with work_connection(paths) as con:
        record_gate(con, run_id, outcome)
    return outcome


def _query_params(query: str, run_id: str) -> dict[str, Any] | None:
    params: dict[str, Any] = {"run_id": run_id} if "$run_id" in query else {}
    if "$min_held" in query:
        params["min_held"] = int(setting("min_documents_held_to_block"))
    return params or None


def record_published(paths: Paths, record: RunRecord, published: str) -> None:
    """Count what the warehouse holds and record the run as published (before the switch-over)."""
    with work_connection(paths) as con:
        record.counts = warehouse_counts(con)
        finish_run(con, record.run_id, "published", record.summary(), record.timings, published=published)
        record.settled = _settled(con, paths, record)


def _settled(con: duckdb.DuckDBPyConnection, paths: Paths, record: RunRecord) -> bool:
    """Whether a run now would find nothing to do: every input file read as it is now (none
    deferred, none to retry), every current document processed by this code."""
    if record.inputs is None or (record.ingest or {}).get("files_deferred"):
        return False
    if wl.documents_to_process(con, processor_version(), False):
        return False
    known = wl.known_sightings(con)  # what the next ingest compares each file with
    files, _refused = ingest_mod.discover(paths.input_dir)
    for rel, path in files:
        seen = known.get(rel)
        try:
            st = path.stat()
        except OSError:
            return False
        if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
            return False
    return True


def remember_publish(paths: Paths, record: RunRecord, log: Log = LOG) -> None:
    """After a publish to one DuckDB file that left nothing for a later run: the stamp the next
    ``newsetl run`` compares before it starts anything heavy (:mod:`newsetl.warehouse.unchanged`)."""
    if not record.settled or record.inputs is None:
        log.info("no-change stamp not written: this run left files or documents for the next one")
        return
    try:
        unchanged.remember(
            paths,
            record.run_id,
            record.inputs,
            (record.ingest or {}).get("files_seen", 0),
            record.counts or {},
        )
    except Exception as exc:  # noqa: BLE001 - published already; the next run takes the full path
        log.warning("could not write the no-change stamp: %s", exc)


def unchanged_run(paths: Paths, run_id: str) -> dict[str, Any] | None:
    """When nothing changed since the last publish (:mod:`newsetl.warehouse.unchanged`; the caller
    holds the run lock): record the run in ops.runs, like every run, and return its summary; it
    publishes nothing. None: a full run is needed."""
    t0 = time.perf_counter()
    stamp = unchanged.unchanged_since(paths)
    if stamp is None:
        return None
    record = RunRecord(run_id=run_id, input=str(paths.input_dir), status="unchanged")
    record.backend = "duckdb"
    record.ingest = {"files_seen": stamp.files_seen, "files_read": 0, "documents_new": 0, "quarantined": 0}
    record.process = {"documents": 0, "articles": 0, "quarantined": 0}
    record.counts = stamp.counts
    record.gate = f"not run: nothing changed since run {stamp.run_id}, whose gate passed"
    record.published = str(paths.published_db)
    with work_connection(paths) as con:
        start_run(con, record.run_id, paths, False)
        record.stage_done("check", time.perf_counter() - t0)
        finish_run(
            con, record.run_id, "unchanged", record.summary(), record.timings, published=record.published
        )
    return record.result()


def record_failed(paths: Paths, record: RunRecord, exc: BaseException, log: Log = LOG) -> None:
    """Record a failed run in ops.runs (or a note for the next run); a corrupt work DB is marked
    so the next run rebuilds it from raw_log/."""
    record.status = "gate_failed" if record.status == "gate_failed" else "failed"
    record.error = describe_failure(exc, paths)  # a full disk is named as such
    with suppress(Exception):
        exc.newsetl_stage = record.stage  # type: ignore[attr-defined]  # for the CLI's one-line message
    if is_corruption(exc):
        mark_corrupt(paths, record.error)
    try:
        record_failure(paths, record.run_id, record.status, record.summary(), record.timings, exc)
    except Exception as inner:  # noqa: BLE001 - report the original failure
        log.error("could not record the failed run (left a note for the next run): %s", inner)


def warehouse_counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Documents, articles, quarantine and topics in the built warehouse (the run summary's counts)."""
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
