"""Parallel processing gives exactly the serial result; batches are coarse; remote routing."""

from __future__ import annotations

import pickle
import threading

import duckdb
import pytest

from newsetl.pipeline import process
from newsetl.pipeline.process import (
    DocInput,
    LocalPool,
    RemoteBatches,
    StoredDoc,
    as_input,
    doc_chars,
    plan_batches,
    process_and_screen,
    process_batch,
    process_documents,
)
from newsetl.warehouse.load import fetch_stored_documents
from newsetl.warehouse.schema import ensure_schema
from newsetl_tools.synth import iter_pages


@pytest.fixture(scope="module")
def docs() -> list[DocInput]:
    out = []
    for p in iter_pages(24, seed=7):
        text = p.data.decode("gb18030") if "gb18030" in p.phenomena else p.data.decode("utf-8")
        out.append(DocInput(f"doc{p.index:03d}", p.file_name, text, p.publication_date.isoformat()))
    return out


def test_pool_equals_serial(docs: list[DocInput], monkeypatch: pytest.MonkeyPatch) -> None:
    serial = process_batch(docs, "run-x")
    monkeypatch.setattr(process, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(process, "plan_batches", lambda d, w, min_chars=0: process.make_batches(d, 20_000))
    pool = LocalPool(2)
    try:
        parallel = process_documents(docs, "run-x", pool)
        started = pool.pool()
        again = process_documents(docs, "run-x", pool)  # the pool is reused, not restarted
        assert pool.pool() is started
    finally:
        pool.shutdown()
    assert not pool.started
    assert parallel == serial
    assert again == serial
    assert len(serial[0]["articles"]["article_id"]) >= len(docs) and serial[1] == []


def test_batches_are_coarse_and_cover_everything(docs: list[DocInput]) -> None:
    big = docs * 200  # ~ 4,800 pages
    batches = plan_batches(big, workers=2)
    assert sum(len(b) for b in batches) == len(big)
    assert 2 <= len(batches) <= 2 * process.BATCHES_PER_WORKER + 1
    assert all(sum(len(d.text) for d in b) >= 200_000 for b in batches[:-1])


def test_remote_executor_routes_batches(docs: list[DocInput]) -> None:
    calls: list[int] = []

    def fake_remote(batches: list[list[DocInput]], run_id: str):
        calls.append(len(batches))
        return [process_batch(b, run_id) for b in batches]

    rows = process_documents(docs, "run-y", RemoteBatches(fake_remote, slots=3))
    assert calls and calls[0] >= 2  # small corpus still spread over the cluster's slots
    assert rows == process_batch(docs, "run-y")


def test_prestarted_pool_is_warm_and_reused(docs: list[DocInput], monkeypatch: pytest.MonkeyPatch) -> None:
    """prestart starts every worker (warm) ahead of the work; the processing then reuses them."""
    assert LocalPool(1).prestart() is False  # one worker: work stays in the calling process
    pool = LocalPool(2)
    assert pool.prestart(total_chars=process.PARALLEL_MIN_CHARS - 1) is False  # too little new text yet
    assert RemoteBatches(lambda batches, run_id: [], slots=2).prestart() is False  # Dask: no local pool
    assert not pool.started
    monkeypatch.setattr(process, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(process, "plan_batches", lambda d, w, min_chars=0: process.make_batches(d, 20_000))
    try:
        assert pool.prestart() is True
        executor = pool.pool()
        started = {p.pid for p in executor._processes.values()}
        assert len(started) == 2
        rows = process_documents(docs, "run-z", pool)
        assert pool.pool() is executor and {p.pid for p in executor._processes.values()} == started
    finally:
        pool.shutdown()
    assert rows == process_batch(docs, "run-z")


@pytest.mark.parametrize(
    ("n", "most", "sizes"),
    [
        (0, 400, []),
        (1, 400, [1]),
        (400, 400, [400]),
        (401, 400, [201, 200]),
        (9744, 400, [390] * 19 + [389] * 6),
        (1000, 400, [334, 333, 333]),
    ],
)
def test_even_chunks_keep_order_and_avoid_a_small_remainder(n: int, most: int, sizes: list[int]) -> None:
    items = list(range(n))
    chunks = process.even_chunks(items, most)
    assert [len(c) for c in chunks] == sizes
    assert [x for c in chunks for x in c] == items


def test_stored_documents_give_the_rows_of_decoded_ones(docs: list[DocInput]) -> None:
    """The processing stage ships texts as stored (UTF-8) and the workers decode them: same rows,
    same quarantine, and a Traditional page is processed in Simplified."""
    from newsetl.pipeline.quality.records import RecordRules

    stored = [
        StoredDoc(d.doc_id, d.file_name, d.text.encode("utf-8"), "hans", d.publication_date) for d in docs
    ]
    assert process_and_screen(stored, "run-x", RecordRules()) == process_and_screen(
        docs, "run-x", RecordRules()
    )
    assert [doc_chars(s) for s in stored[:3]] == [len(d.text.encode("utf-8")) // 3 for d in docs[:3]]
    hant = as_input(
        StoredDoc("t", "t.txt", "工業和信息化部發佈《關於推動工業經濟發展的意見》。".encode(), "hant")
    )
    assert hant.text == "工业和信息化部发布《关于推动工业经济发展的意见》。"
    assert as_input(docs[0]) is docs[0]


def test_a_page_failing_either_pass_is_quarantined_in_order(
    docs: list[DocInput], monkeypatch: pytest.MonkeyPatch
) -> None:
    """process_batch segments the whole batch, then classifies it: a failure in either pass
    quarantines that page with its reason, in document order, and the other pages load."""
    import newsetl.core.windows

    batch = docs[:4]
    segment, classify = newsetl.core.windows.segment_page, process.classify_article
    bad_segment, bad_classify = batch[1].doc_id, batch[2].doc_id

    def failing_segment(text: str, doc_id: str):
        if doc_id == bad_segment:
            raise ValueError("no lines")
        return segment(text, doc_id)

    def failing_classify(title, body, ctx, dateline=None):
        if ctx.page_text == batch[2].text:
            raise KeyError("lexicon")
        return classify(title, body, ctx, dateline)

    # patched where they are looked up
    monkeypatch.setattr(newsetl.core.windows, "segment_page", failing_segment)
    monkeypatch.setattr(process, "classify_article", failing_classify)
    rows, failed = process_batch(batch, "run-x")
    assert [f.sha256 for f in failed] == [bad_segment, bad_classify]
    assert [f.path for f in failed] == [batch[1].file_name, batch[2].file_name]
    assert [f.reason for f in failed] == [
        "processing failed: ValueError: no lines",
        "processing failed: KeyError: 'lexicon'",
    ]
    assert all(f.stage == "process" and b"Traceback" in f.content for f in failed)
    assert "quarantine" not in rows  # only the tables the loader writes
    loaded = set(rows["articles"]["doc_id"])
    assert loaded == {batch[0].doc_id, batch[3].doc_id}
    good, none_failed = process_batch([batch[0], batch[3]], "run-x")
    assert none_failed == []
    assert rows["articles"] == good["articles"] and rows["page_furniture"] == good["page_furniture"]


def test_a_date_in_the_folders_of_a_stored_page_dates_its_articles(tmp_path) -> None:
    """The text workers get the path below the input folder, so ``2020/05/12/p1.txt`` is dated."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    page = "工信部召开会议部署工作\n本报讯 会议要求，各地要抓好落实，推动工业经济平稳运行。\n"
    con.execute(
        """INSERT INTO raw.documents (doc_id, source_path, file_name, size_bytes, encoding, text, char_count,
               first_seen_run, last_seen_run, ingested_at)
           VALUES ('d1', '2020/05/12/p1.txt', 'p1.txt', 1, 'utf-8', ?, 1, 'r1', 'r1', now())""",
        [page],
    )
    (stored,) = fetch_stored_documents(con, ["d1"])
    con.close()
    assert stored.file_name == "2020/05/12/p1.txt"
    rows, _ = process_batch([as_input(stored)], "r1")
    arts = rows["articles"]
    assert arts["event_year"] == [2020]
    assert arts["event_date"] == ["2020-05-12"]


def test_text_workers_die_with_a_sigkilled_run(tmp_path) -> None:
    """A run SIGKILLed while its text workers are busy leaves none of them behind.

    Before, the pool's fork server and its workers (~105 MB each) went on for 90 s or more:
    a worker in the middle of a page only notices that the run is gone when it finishes it.
    """
    import contextlib
    import os
    import signal
    import subprocess
    import sys
    import textwrap
    import time

    import psutil

    code = textwrap.dedent(
        """
        import time
        from newsetl.pipeline.process import LocalPool
        pool = LocalPool(2).pool()
        busy = [pool.submit(time.sleep, 120) for _ in range(2)]  # a page that takes minutes
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while time.monotonic() < deadline:  # the fork server and two workers, warmed up
            tree = psutil.Process(proc.pid).children(recursive=True)
            workers = [p for p in tree if p.ppid() != proc.pid]
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert len(workers) >= 2, tree
        server = [p for p in tree if p.ppid() == proc.pid]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        gone, alive = psutil.wait_procs(workers + server, timeout=10)
        assert not alive, f"left running after the run was killed: {[p.pid for p in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in workers:  # never leave them behind, even when the test fails
            with contextlib.suppress(psutil.Error):
                p.kill()


def test_a_remote_executor_pickles_without_its_cluster() -> None:
    """Prefect ships a task's parameters with each Dask task: the executor must pickle, client left out."""
    client = threading.Lock()  # stands for the cluster's client, which cannot be pickled

    def on_the_cluster(batches: list[list[DocInput]], run_id: str) -> list:
        return [client.locked()]

    remote = RemoteBatches(on_the_cluster, slots=3)
    copy = pickle.loads(pickle.dumps(remote))
    assert copy.slots == 3
    with pytest.raises(RuntimeError, match="not in a worker"):
        copy.run_batches([], "r")
