"""Run the text core and the classifier over batches of documents.

Pure with respect to storage: documents in, column-oriented rows out (one
dict of lists per target table), ready for a single Arrow insert each. A
document the core cannot handle becomes a quarantine item; the batch goes on.
Batches are spread over processes with a plain ``ProcessPoolExecutor`` (no
Prefect inside the workers, so no extra Prefect servers are started).
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from functools import lru_cache
from typing import Any, TypeVar

from newsetl.config import environment, setting
from newsetl.core.classify import classify_article
from newsetl.core.contracts import (
    ARTICLE_CHILD_TABLES,
    PROCESSED_TABLES,
    TABLES,
    DocInput,
    Processed,
    Rejected,
    Rows,
    StoredDoc,
    as_input,
    doc_chars,
)
from newsetl.core.models import Article, Classification, PageContext, PageResult
from newsetl.core.search_tokens import cached_segmenter, content_hash, search_text, seed_terms
from newsetl.faults import sabotage_rows
from newsetl.fingerprint import processing_fingerprint
from newsetl.pipeline.quality.records import screen_documents, screen_rows

T = TypeVar("T")

D = TypeVar("D", bound=DocInput | StoredDoc)


@lru_cache(maxsize=1)
def processor_version() -> str:
    """The fingerprint of the processing code and lexicons (:mod:`newsetl.fingerprint`), once a process.

    Stored with every article: when it changes, documents are reprocessed on
    the next run without a manual full refresh.
    """
    return processing_fingerprint()


def empty_rows() -> Rows:
    return {name: {} for name in TABLES}


def _append(table: dict[str, list], **values: object) -> None:
    if not table:
        for key in values:
            table[key] = []
    for key, value in values.items():
        table[key].append(value)


def process_batch(docs: Sequence[DocInput], run_id: str) -> Processed:
    """Segment, classify and flatten one batch of documents: (rows, pages that failed).

    Two passes over the batch: every page is segmented, then every article classified.
    The halves work on different large tables (rjieba's dictionary and the segmenter's
    buffers; the lexicon automata), and interleaved page by page they evict each other
    from the CPU caches: in one process the same work cost ≈ 14 % more CPU per page that
    way (through the pool the difference is within the VM's noise). A page that fails
    either pass is quarantined, in document order, and the batch goes on; so is a page that
    needs more memory than a text worker may take (``MemoryError``, see :func:`limit_memory`).
    A page longer than the ``window_chars`` setting is segmented in windows
    (:mod:`newsetl.core.windows`): the cost per page stays linear in its size.
    """
    # deferred: the segmenter and rjieba's dictionary (~1 s) load in the text workers, not the flow process
    from newsetl.core.windows import segment_bounded

    version = processor_version()
    rows = empty_rows()
    failed: list[Rejected] = []
    window = int(setting("window_chars"))  # longer pages are segmented in windows (bounded cost)
    segmented: list[PageResult | tuple[str, str]] = []  # a page, or (reason, traceback) of its failure
    for doc in docs:
        try:
            segmented.append(segment_bounded(doc.text, doc.doc_id, window))
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop the batch
            segmented.append(_failure(exc))
    # the article tables' records, turned into columns once at the end (not per article)
    records: dict[str, list[tuple]] = {table: [] for table in _ARTICLE_COLUMNS}
    for doc, page in zip(docs, segmented, strict=True):
        if isinstance(page, PageResult):
            try:
                ctx = PageContext(
                    file_name=doc.file_name, publication_date=doc.publication_date, page_text=doc.text
                )
                classified = [
                    (art, classify_article(art.title, _classify_text(art), ctx, art.dateline))
                    for art in page.articles
                ]
            except Exception as exc:  # noqa: BLE001
                page = _failure(exc)
        if not isinstance(page, PageResult):
            reason, detail = page
            # its text stays in raw.documents: the item keeps the traceback, not the page
            failed.append(Rejected(doc.file_name, reason, 0, doc.doc_id, detail.encode(), stage="process"))
            continue
        for furn in page.furniture:
            _append(
                rows["page_furniture"],
                doc_id=doc.doc_id,
                line_no=furn.line_no,
                kind=furn.kind,
                text=furn.text,
            )
        for art, cls in classified:
            _add_article(records, doc, art, cls, version, run_id)
    records["article_search"] = _search_records(records["articles"])
    for table, recs in records.items():
        _extend(rows, table, recs)
    return rows, failed


def _search_records(articles: list[tuple]) -> list[tuple]:
    """The full-text search tokens of the batch's articles (records of ``raw.article_search``).

    Segmented here, in the text worker, while the text is at hand: publishing then builds the
    index from these stored tokens instead of reading and segmenting every article again.
    Each record carries the hash of the text it was made from and the dictionary version, so
    the index uses it only for that very text and dictionary.
    """
    if not articles:
        return []

    seg = cached_segmenter(seed_terms())
    aid, kicker, title, subtitle, body = _SEARCH_FIELDS
    return [
        (
            rec[aid],
            content_hash(rec[kicker], rec[title], rec[subtitle], rec[body]),
            seg.version,
            seg.segment(search_text(rec[kicker], rec[title], rec[subtitle], rec[body])),
        )
        for rec in articles
    ]


def _failure(exc: Exception) -> tuple[str, str]:
    """The quarantine reason and detail of a page the text core failed on (call in ``except``)."""
    return f"processing failed: {type(exc).__name__}: {exc}", traceback.format_exc(limit=3)


def _classify_text(art: Article) -> str:
    """Body plus kicker, subtitle and bylines: people and organisations are often named only
    there, and the kicker and subtitle often say what the article is about (a topic found
    there counts as found in the lead)."""
    extra = [t for t in (art.kicker, art.subtitle, *art.bylines) if t]
    return "\n".join([*extra, art.body]) if extra else art.body


# Column order of the article tables' records: their declaration (newsetl/core/contracts.py)
_ARTICLE_COLUMNS: dict[str, tuple[str, ...]] = {
    table: PROCESSED_TABLES[table].names for table in ("articles", *ARTICLE_CHILD_TABLES)
}
# where the indexed fields are in an articles record
_SEARCH_FIELDS = tuple(
    _ARTICLE_COLUMNS["articles"].index(c) for c in ("article_id", "kicker", "title", "subtitle", "body")
)


def _extend(rows: Rows, table: str, records: list[tuple]) -> None:
    """Append ``records`` (tuples in ``_ARTICLE_COLUMNS`` order) to an article table, column by column.

    The columns are created on first use, so a table without rows stays ``{}`` as with ``_append``;
    about a dozen rows per article, so no keyword dict per row.
    """
    if not records:
        return
    columns = rows[table]
    names = _ARTICLE_COLUMNS[table]
    if not columns:
        for name in names:
            columns[name] = []
    for name, values in zip(names, zip(*records, strict=True), strict=True):
        columns[name].extend(values)


def _add_article(
    records: dict[str, list[tuple]],
    doc: DocInput,
    art: Article,
    cls: Classification,
    version: str,
    run_id: str,
) -> None:
    """Append the article's records (tuples in ``_ARTICLE_COLUMNS`` order) to ``records``, per table."""
    aid = art.article_id
    date = cls.date
    primary = cls.primary_topic
    records["articles"].append((
        aid, doc.doc_id, art.position, art.kicker, art.title, art.subtitle, list(art.bylines), art.source_label,
        art.dateline, art.body, art.original_text, [p.text for p in art.paragraphs if p.kind == "subhead"],
        len(art.paragraphs) or art.body.count("\n") + 1, art.is_fragment, art.missing, len(art.joins),
        art.duplicates_removed, len(art.body), date.event_date, date.precision, date.year, date.evidence,
        primary, version, run_id,
    ))  # fmt: skip
    if cls.topics:
        records["article_topics"] += [
            (aid, h.code, float(h.score), h.code == primary, list(h.evidence)) for h in cls.topics
        ]
    if cls.ministries:
        records["article_ministries"] += [(aid, m.code, m.alias, m.mentions) for m in cls.ministries]
    if cls.organisations:
        records["article_organisations"] += [
            (aid, o.name, o.kind, o.level, o.region, o.ministry_code, o.mentions) for o in cls.organisations
        ]
    if cls.people:
        records["article_people"] += [(aid, p.name, p.role, p.organisation) for p in cls.people]
    if cls.places:
        records["article_places"] += [
            (aid, pl.name, pl.full_name, pl.adcode, pl.level, pl.province, pl.mentions) for pl in cls.places
        ]
    if cls.policy_documents:
        records["article_policy_documents"] += [
            (aid, d.title, d.doc_type, d.mentions) for d in cls.policy_documents
        ]


def merge(parts: Iterable[Processed]) -> Processed:
    """The batches' rows and failures as one, in batch order."""
    rows: list[Rows] = []
    failed: list[Rejected] = []
    for part_rows, part_failed in parts:
        rows.append(part_rows)
        failed.extend(part_failed)
    return merge_rows(rows), failed


def merge_rows(parts: Iterable[Rows]) -> Rows:
    out = empty_rows()
    for part in parts:
        for name, cols in part.items():
            if not cols:
                continue
            target = out[name]
            if not target:
                out[name] = {k: list(v) for k, v in cols.items()}
            else:
                for k, v in cols.items():
                    target[k].extend(v)
    return out


def make_batches(docs: Sequence[D], target_chars: int = 2_000_000) -> list[list[D]]:
    """Group documents into batches of roughly ``target_chars`` characters."""
    batches: list[list[D]] = []
    current: list[D] = []
    size = 0
    for doc in docs:
        current.append(doc)
        size += doc_chars(doc)
        if size >= target_chars:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    return batches


def even_chunks(items: Sequence[T], most: int) -> list[Sequence[T]]:
    """``items`` in the fewest chunks of at most ``most``, their sizes within one of each other.

    The processing stage's last chunk is the one nothing overlaps (the workers idle while
    it is loaded and checkpointed), so it should not be a remainder of a few documents
    either: 401 documents go as 201 + 200, not 400 + 1.
    """
    if not items:
        return []
    count = -(-len(items) // most)
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def default_workers() -> int:
    env = environment().workers
    if env:
        return max(1, int(env))
    return max(1, os.cpu_count() or 1)


# Below this many characters the work stays in the calling process: starting
# workers and building their lexicon automata (~0.3 s each) costs more than it saves.
PARALLEL_MIN_CHARS = 600_000
# Batches per worker and chunk: enough to even out uneven pages, few enough that
# per-batch pickling stays negligible (a batch is ~0.5-2 MB of text).
BATCHES_PER_WORKER = 3

PR_SET_PDEATHSIG = 1


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def die_with_parent(run_pid: int) -> None:
    """Make this text worker end when the run ends, however it ends.

    Workers are children of the pool's fork server, which exits when the run process dies
    (even by SIGKILL: its end of a pipe closes); ``PR_SET_PDEATHSIG`` makes the kernel
    SIGKILL the worker then, even in the middle of a page (before, a SIGKILLed run left the
    fork server's workers busy for 90 s or more). A watchdog thread covers the other
    platforms and the moment before ``prctl``: once the run is gone, the worker exits.
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):
            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if not _alive(run_pid) or os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while _alive(run_pid) and os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="newsetl-run-watchdog", daemon=True).start()


def _warm(run_pid: int | None = None) -> None:
    """Worker initializer: tie the worker to the run, then build the lexicon automata once
    per process, not per batch."""
    if run_pid is not None:
        die_with_parent(run_pid)
    # One worker per core already: numpy's OpenBLAS threads (started when numpy is first
    # imported, here) would only spin beside the workers, about 1 % of a worker's CPU.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with suppress(Exception):  # warming is an optimisation only
        process_batch(
            [
                DocInput(
                    "warm-up",
                    "warm-up.txt",
                    "工业和信息化部召开会议。\n\n本报讯 会议指出，要推动工业经济平稳运行。\n",
                )
            ],
            "warm-up",
        )
    limit_memory()
    relax_gc()


def limit_memory(extra_mb: float | None = None) -> int | None:
    """Cap this (text worker) process's address space at its warm size plus ``extra_mb``
    (setting ``NEWSETL_WORKER_MEMORY_MB``; 0: no cap); return the cap in bytes.

    A page that needs more fails with ``MemoryError`` and is quarantined with that reason,
    instead of growing the worker until the kernel's OOM killer ends it (and the pool with
    it) or the host swaps. Linux only (RLIMIT_AS); elsewhere nothing is capped.
    """
    import resource

    extra = setting("worker_memory_mb") if extra_mb is None else extra_mb
    if extra <= 0:
        return None
    try:
        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return None
    cap = size + int(extra * 1024 * 1024)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return cap


# Cyclic-GC thresholds for the bulk stages (CPython's default is 700, 10, 10).
GC_THRESHOLDS = (20_000, 20, 20)


def relax_gc() -> tuple[int, int, int]:
    """Collect cycles less often; return the previous thresholds.

    The text core and the loads allocate millions of short-lived tuples and lists
    that are freed by reference counting, yet every 700 allocations start a
    collection (about 2 % of a worker's CPU). What exists now (modules, lexicons,
    automata) is moved out of the collector's reach with ``gc.freeze``.
    """
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return previous


def plan_batches(docs: Sequence[D], workers: int, min_chars: int = 200_000) -> list[list[D]]:
    """Coarse batches: about BATCHES_PER_WORKER per worker, ``min_chars`` - 4 M characters each."""
    total_chars = sum(map(doc_chars, docs))
    target = max(min_chars, min(4_000_000, total_chars // (workers * BATCHES_PER_WORKER) + 1))
    return make_batches(docs, target)


RemoteExecutor = Callable[[list[list[DocInput]], str], list[Processed]]


def _ready() -> None:
    """A no-op task: submitting one per worker makes the pool start (and warm) every worker."""


class LocalPool:
    """The local text workers: one forkserver process pool of ``workers``, started on demand and
    reused by every chunk of a run (workers keep their warm caches) until :meth:`shutdown`.

    A plain class, not a dataclass: Prefect rebuilds dataclass task parameters, which would
    give each task a copy without the running pool.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def uses_pool(self, total_chars: int) -> bool:
        """Whether ``total_chars`` of text go to the worker processes: not with one worker, nor
        for less than ``PARALLEL_MIN_CHARS`` (starting and warming workers would cost more)."""
        return self.workers > 1 and total_chars >= PARALLEL_MIN_CHARS

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver, not fork: the caller runs Prefect's threads and a DuckDB connection, and
            # forking a threaded process can copy a held lock; workers also stay small (no parent heap).
            ctx = multiprocessing.get_context("forkserver")
            # Only this module is preloaded: the workers import the text core themselves while they
            # warm up (during ingest, see prestart). Preloading it in the fork server too kept
            # ~60 MB more resident for the whole stage (peak RSS of the process tree) for no gain.
            ctx.set_forkserver_preload(["newsetl.pipeline.process"])
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=ctx, initializer=_warm, initargs=(os.getpid(),)
            )
            atexit.register(self.shutdown)
        return self._pool

    def prestart(self, total_chars: int | None = None) -> bool:
        """Start the text workers ahead of the processing stage; True if they were started.

        Each worker imports the text core and builds its lexicon automata (~0.8 s of CPU)
        before it can take a batch. Started while ingest is still reading files, that
        happens beside ingest instead of at the head of the processing stage, with both
        cores otherwise idle. ``total_chars``: the new text so far (the pool is started
        only when :meth:`uses_pool` would use it); ``None``: start it unless it could never
        be used (one worker).
        """
        if not self.uses_pool(PARALLEL_MIN_CHARS if total_chars is None else total_chars):
            return False
        pool = self.pool()
        for _ in range(self.workers):  # the executor spawns a worker per pending task, up to max_workers
            pool.submit(_ready)
        return True

    def shutdown(self) -> None:
        """End the workers (their memory is not needed after the processing stage)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None

    def map(self, fn: Callable[..., T], *iterables: Iterable[Any]) -> list[T]:
        try:
            return list(self.pool().map(fn, *iterables))
        except BrokenProcessPool:
            self.shutdown()  # a worker died (e.g. killed for memory): the next call starts a fresh pool
            raise


class RemoteBatches:
    """Batches sent to ``run_batches`` (e.g. a Dask cluster of ``slots`` workers) instead of a local pool."""

    def __init__(self, run_batches: RemoteExecutor, slots: int) -> None:
        self.run_batches = run_batches
        self.slots = slots

    def uses_pool(self, total_chars: int) -> bool:
        return False

    def prestart(self, total_chars: int | None = None) -> bool:
        return False

    def shutdown(self) -> None:
        """Nothing to end here: the cluster belongs to whoever made it."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Prefect ships the running task's parameters (this executor among them) with every task it
        # submits to Dask; the cluster's client cannot be pickled, and a worker never needs it.
        return (RemoteBatches, (_not_on_a_worker, self.slots))


def _not_on_a_worker(batches: list[list[DocInput]], run_id: str) -> list[Processed]:
    raise RuntimeError("a RemoteBatches executor is used where it was made, not in a worker")


TextExecutor = LocalPool | RemoteBatches


def process_documents(
    docs: Sequence[DocInput], run_id: str, executor: TextExecutor | None = None
) -> Processed:
    """Process all documents: on ``executor`` when there is enough work, else in this process.

    A :class:`LocalPool` outlives the call, so a run that processes many chunks starts
    its workers (and builds their lexicon automata) once.
    """
    if isinstance(executor, RemoteBatches):
        return (
            merge(executor.run_batches(plan_batches(docs, executor.slots, min_chars=20_000), run_id))
            if docs
            else process_batch(docs, run_id)
        )
    if executor is None or not executor.uses_pool(sum(len(d.text) for d in docs)):
        return process_batch(docs, run_id)
    batches = plan_batches(docs, executor.workers)
    if len(batches) == 1:
        return process_batch(docs, run_id)
    return merge(executor.map(process_batch, batches, [run_id] * len(batches)))


def process_and_screen(
    docs: Sequence[DocInput | StoredDoc],
    run_id: str,
    rules: Any,
    process: Callable[[Sequence[DocInput], str], Processed] = process_batch,
) -> tuple[Rows, list[Rejected]]:
    """``process`` (:func:`process_batch`) between the record-level checks, in the same (worker) process.

    A page that is not Chinese is not processed; then every article body is checked
    (length, CJK share, replacement characters). Done here, the checks run on all cores
    instead of serially in the flow process. Returns the kept rows and the quarantined
    items (``newsetl.core.contracts.Rejected``): pages held back by the checks first, then
    articles, then pages the text core failed on (stage ``process``).
    """
    kept, screened = screen_documents([as_input(d) for d in docs], rules)
    rows, failed = process(kept, run_id)
    rows = sabotage_rows(rows)  # sabotage: NEWSETL_BREAK, tests only
    rows, rejected = screen_rows(rows, kept, rules, already_rejected={f.sha256 for f in failed})
    return rows, screened + rejected + failed


def submit_documents(
    docs: Sequence[DocInput | StoredDoc], run_id: str, rules: Any, executor: TextExecutor | None = None
) -> Callable[[], tuple[Rows, list[Rejected]]]:
    """Start processing and screening ``docs``; return a function that waits for (rows, rejected).

    With a :class:`LocalPool` the batches run while the caller does something else
    (the stage loads the previous chunk meanwhile, so the workers never wait for the
    database). Small inputs, one worker, no executor and :class:`RemoteBatches` run at once.
    """
    if executor is None or not executor.uses_pool(sum(map(doc_chars, docs))):
        # remote (Dask): only the text work leaves this process, the checks stay here
        process = (
            process_batch
            if not isinstance(executor, RemoteBatches)
            else lambda kept, rid: process_documents(kept, rid, executor)
        )
        result = process_and_screen(docs, run_id, rules, process)
        return lambda: result
    assert isinstance(executor, LocalPool)
    batches = plan_batches(docs, executor.workers)
    pool = executor.pool()
    futures = [pool.submit(process_and_screen, batch, run_id, rules) for batch in batches]

    def wait() -> tuple[Rows, list[Rejected]]:
        try:
            parts = [f.result() for f in futures]
        except BrokenProcessPool:
            executor.shutdown()  # a worker died: the next call starts a fresh pool
            raise
        return merge_rows(p[0] for p in parts), [r for p in parts for r in p[1]]

    return wait
