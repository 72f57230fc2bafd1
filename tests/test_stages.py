"""The stage functions run without Prefect: ingest, plan and process+load over the seed pages."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from newsetl.config import make_paths
from newsetl.pipeline import process, stages
from newsetl.pipeline.run_record import RunRecord
from newsetl.warehouse.backend import resolve as resolve_backend

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_ingest_plan_and_process_without_prefect(tmp_path: Path) -> None:
    paths = make_paths(str(SEEDS), str(tmp_path / "warehouse"))
    target = resolve_backend(paths.warehouse_dir, None, None)
    record = stages.begin_run(paths, target, "run-1", full_refresh=False)
    assert record.summary() == {
        "run_id": "run-1",
        "input": str(paths.input_dir),
        "status": "running",
        "backend": "duckdb",
        "recovered": None,
        "text_core": record.text_core,
    }

    ingested = stages.ingest_files(paths, "run-1")  # no pool: everything in this process
    pages = len(list(SEEDS.glob("*.txt")))
    assert ingested["documents_new"] == ingested["files_read"] == pages
    doc_ids = stages.plan_processing(paths, full_refresh=False)
    assert len(doc_ids) == pages

    processed = stages.process_and_load(paths, "run-1", doc_ids)
    assert processed["documents"] == pages and processed["articles"] > pages
    with duckdb.connect(str(paths.work_db), read_only=True) as con:
        stored = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM raw.articles").fetchone()
    assert stored == (processed["articles"], pages)

    # a retry of the stage in the same run does not process what it already loaded
    assert stages.process_and_load(paths, "run-1", doc_ids)["documents"] == 0
    # and nothing is left to plan until the files or the processing code change
    assert stages.plan_processing(paths, full_refresh=False) == []
    assert stages.ingest_files(paths, "run-2")["documents_new"] == 0


def test_run_record_summary_names_only_what_the_run_reached() -> None:
    record = RunRecord(run_id="r", input="in")
    record.stage = "ingest"
    record.ingest = {"documents_new": 1}
    record.stage_done("ingest", 1.23456)
    assert list(record.summary()) == [
        "run_id", "input", "status", "backend", "recovered", "text_core", "stage", "ingest",
    ]  # fmt: skip
    record.gate, record.data_docs = "2 suites passed", None
    record.counts = {"documents": 1, "articles": 3}
    record.published = "wh/newsetl.duckdb"
    out = record.result()
    assert list(out)[-7:] == [
        "gate",
        "data_docs",
        "documents",
        "articles",
        "published",
        "timings",
        "peak_rss_mb",
    ]
    assert out["timings"] == {"ingest": 1.235} and out["peak_rss_mb"]["ingest"] > 0


def test_a_page_the_core_fails_on_is_quarantined_and_the_rest_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = make_paths(str(SEEDS), str(tmp_path / "warehouse"))
    stages.begin_run(paths, resolve_backend(paths.warehouse_dir, None, None), "run-1", full_refresh=False)
    stages.ingest_files(paths, "run-1")
    doc_ids = stages.plan_processing(paths, full_refresh=False)
    bad = doc_ids[1]
    with duckdb.connect(str(paths.work_db), read_only=True) as con:
        bad_file = con.execute("SELECT source_path FROM raw.documents WHERE doc_id = ?", [bad]).fetchone()[0]
    classify = process.classify_article

    def failing_classify(title, body, ctx, dateline=None):
        if ctx.file_name == bad_file:
            raise KeyError("lexicon")
        return classify(title, body, ctx, dateline)

    monkeypatch.setattr(process, "classify_article", failing_classify)
    processed = stages.process_and_load(paths, "run-1", doc_ids)
    assert processed["documents"] == len(doc_ids) and processed["quarantined"] == 1
    with duckdb.connect(str(paths.work_db), read_only=True) as con:
        quarantined = con.execute("SELECT stage, sha256, reason FROM raw.quarantine").fetchall()
        loaded = {d for (d,) in con.execute("SELECT DISTINCT doc_id FROM raw.articles").fetchall()}
    assert quarantined == [("process", bad, "processing failed: KeyError: 'lexicon'")]
    assert loaded == set(doc_ids) - {bad}
