"""End-to-end behaviour of the pipeline on the real stack.

One shared seeded run answers the read-only questions; one private warehouse
walks through the incremental life of an archive: first load, a no-change
re-run, a new page (with a duplicate file and concurrent readers), a changed
file, and finally a run that fails its gate and must publish nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from newsetl.config import make_paths
from newsetl.warehouse.lock import lock_holder
from newsetl.warehouse.unchanged import STAMP_NAME, unchanged_since
from tests.conftest import ROOT, SEEDS, RunResult, pipeline_run, run_cli, strict_gate_env

pytestmark = pytest.mark.e2e

FCT_COLUMNS = {
    "article_id",
    "source_file",
    "position_in_file",
    "kicker",
    "title",
    "subtitle",
    "bylines",
    "source_label",
    "body",
    "is_fragment",
    "event_date",
    "date_precision",
    "event_year",
    "primary_topic",
    "primary_topic_score",
    "primary_topic_is_weak",
    "topic_codes",
    "ministry_codes",
    "char_count",
}


def test_seeded_run_prints_summary(seeded_run: RunResult) -> None:
    out = seeded_run.stdout
    assert ": published" in out
    assert "warehouse: 5 documents" in out
    assert "quality gate: passed" in out
    assert str(seeded_run.published) in out
    assert "topics:" in out
    # the temporary Prefect server outlives Prefect's exit hooks: the last logs reach it
    both = seeded_run.stdout + seeded_run.stderr
    assert "Error logging to API" not in both and "Traceback" not in both, seeded_run.stderr[-3000:]


def test_run_shows_progress_and_a_readable_summary(seeded_run: RunResult) -> None:
    """Stage lines and dbt's node count on stderr; the summary on stdout, no JSON, no Prefect INFO lines."""
    err = seeded_run.stderr
    for label in ("ingest", "text core + load", "dbt build", "quality gate", "publish"):
        assert re.search(rf"^{re.escape(label)} +\d+\.\d s\b", err, re.M), label
    counts = re.findall(r"dbt build: (\d+)/(\d+) nodes", err)
    assert counts and counts[-1][0] == counts[-1][1] and int(counts[-1][1]) > 30
    assert "Finished in state" not in err  # Prefect's INFO lines need --verbose
    out = seeded_run.stdout
    assert out.startswith("run ") and "{" not in out
    assert "stage seconds: ingest" in out


def test_summary_counts_the_topics_it_does_not_name() -> None:
    from newsetl.app.cli import TOPICS_SHOWN, format_summary

    topics = {f"topic_{i:02d}": 20 - i for i in range(TOPICS_SHOWN + 3)}
    text = format_summary({"run_id": "r", "status": "published", "topics": topics, "timings": {"dbt": 1.25}})
    line = next(ln for ln in text.splitlines() if "primary topics:" in ln)
    assert "topic_07 13" in line and "topic_08" not in line
    assert "and 3 more (33 articles" in line  # 12 + 11 + 10
    few = format_summary({"run_id": "r", "status": "published", "topics": {"a": 2, "b": 1}})
    assert "more" not in few


def test_exact_schemas_and_marts(published_con: duckdb.DuckDBPyConnection) -> None:
    schemas = {
        r[0]
        for r in published_con.execute(
            "SELECT DISTINCT schema_name FROM duckdb_tables() UNION SELECT DISTINCT schema_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    assert {"raw", "staging", "intermediate", "marts", "ops"} <= schemas
    assert not [s for s in schemas if s.startswith("main_")]
    marts = {
        r[0]
        for r in published_con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
        ).fetchall()
    }
    assert {
        "fct_articles",
        "dim_topics",
        "dim_ministries",
        "mart_articles_by_topic",
        "mart_articles_by_ministry",
        "mart_articles_by_date",
    } <= marts


def test_fct_articles_columns_and_types(published_con: duckdb.DuckDBPyConnection) -> None:
    cols = dict(
        published_con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = 'fct_articles'"
        ).fetchall()
    )
    assert set(cols) >= FCT_COLUMNS
    assert cols["topic_codes"] == "VARCHAR[]"
    assert cols["primary_topic_is_weak"] == "BOOLEAN"
    weak = published_con.execute(
        """SELECT count(*) FILTER (WHERE primary_topic IS NOT NULL AND primary_topic_is_weak IS NULL),
                  count(*) FILTER (WHERE primary_topic IS NULL AND primary_topic_is_weak IS NOT NULL)
           FROM marts.fct_articles"""
    ).fetchone()
    assert weak == (0, 0)
    assert cols["ministry_codes"] == "VARCHAR[]"
    n, docs = published_con.execute(
        "SELECT count(*), count(DISTINCT source_file) FROM marts.fct_articles"
    ).fetchone()
    assert docs == 5
    assert n >= 15  # five pages of several articles each


def test_descriptions_are_duckdb_comments(published_con: duckdb.DuckDBPyConnection) -> None:
    table_comment = published_con.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'fct_articles'"
    ).fetchone()[0]
    assert table_comment and "article" in table_comment
    missing = published_con.execute(
        """SELECT column_name FROM duckdb_columns()
           WHERE schema_name = 'marts' AND table_name = 'fct_articles' AND comment IS NULL"""
    ).fetchall()
    assert missing == []


def test_raw_and_ops_columns_are_documented(published_con: duckdb.DuckDBPyConnection) -> None:
    """Python-written tables (dbt sources) and the lexicon seeds carry comments like the models."""
    missing = published_con.execute(
        """SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns()
           WHERE schema_name IN ('raw', 'ops') AND (comment IS NULL OR comment = '')"""
    ).fetchall()
    assert missing == []
    tables = published_con.execute(
        """SELECT schema_name || '.' || table_name FROM duckdb_tables()
           WHERE schema_name IN ('raw', 'ops') AND (comment IS NULL OR comment = '')"""
    ).fetchall()
    assert tables == []
    comment = published_con.execute(
        """SELECT comment FROM duckdb_columns()
           WHERE schema_name = 'raw' AND table_name = 'articles' AND column_name = 'event_date'"""
    ).fetchone()[0]
    assert "date_precision" in comment


def test_counts_are_bigint_in_the_marts_and_int64_in_parquet(seeded_run: RunResult, published_con) -> None:
    wide = published_con.execute(
        """SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns()
           WHERE schema_name IN ('staging', 'intermediate', 'marts') AND data_type IN ('HUGEINT', 'UHUGEINT')"""
    ).fetchall()
    assert wide == []
    import pyarrow as pa
    import pyarrow.parquet as pq

    exports = sorted((seeded_run.warehouse_dir / "exports").glob("*.parquet"))
    assert len(exports) >= 15
    summed = 0
    for path in exports:
        for field in pq.read_schema(path):
            if field.name in (
                "articles",
                "mentions",
                "mention_count",
                "cumulative_articles",
                "article_count",
            ):
                # whole numbers stay whole numbers (HUGEINT used to arrive as DOUBLE)
                assert pa.types.is_integer(field.type), f"{path.name}.{field.name}: {field.type}"
            if field.name in ("mention_count", "cumulative_articles") or (
                path.stem.startswith("mart_") and field.name == "mentions"
            ):
                assert field.type == pa.int64(), f"{path.name}.{field.name}: {field.type}"
                summed += 1
    assert summed >= 5


def test_json_summary(archive: dict) -> None:
    summary = json.loads(archive["fourth"].stdout)
    assert summary["status"] == "published"
    assert summary["ingest"]["documents_new"] == 1  # the changed page: a full run
    assert set(summary["timings"]) >= {"ingest", "dbt", "gate", "publish"}


def test_ops_runs_records_the_run(published_con: duckdb.DuckDBPyConnection) -> None:
    status, docs_new, articles, gate, stages = published_con.execute(
        "SELECT status, documents_new, articles_total, gate_outcome, stage_seconds FROM ops.runs"
    ).fetchone()
    assert status == "published"
    assert docs_new == 5
    assert articles > 0
    assert gate.startswith("passed")
    assert {"ingest", "dbt", "gate"} <= set(json.loads(stages))
    assert published_con.execute("SELECT count(*) FROM ops.gate_results WHERE success").fetchone()[0] > 10


def test_exports_written(seeded_run: RunResult) -> None:
    exported = {p.stem for p in (seeded_run.warehouse_dir / "exports").glob("*.parquet")}
    assert "fct_articles" in exported
    con = duckdb.connect()
    n = con.execute(
        "SELECT count(*) FROM read_parquet(?)",
        [str(seeded_run.warehouse_dir / "exports" / "fct_articles.parquet")],
    ).fetchone()[0]
    assert n > 0


def _content_hash(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT article_id, title, body, topic_codes, ministry_codes FROM marts.fct_articles ORDER BY article_id"
        ).fetchall()
    finally:
        con.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _articles_per_file(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT source_file, count(*) FROM marts.fct_articles GROUP BY 1").fetchall())
    finally:
        con.close()


READER = """
import sys, time, duckdb
db, stop = sys.argv[1], sys.argv[2]
import os
ok = errors = 0
while not os.path.exists(stop):
    try:
        con = duckdb.connect(db, read_only=True)
        con.execute("SELECT count(*) FROM marts.fct_articles").fetchone()
        con.close()
        ok += 1
    except Exception as exc:
        errors += 1
        print(repr(exc), file=sys.stderr)
    time.sleep(0.05)
print(ok, errors)
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, seeded_run: RunResult) -> dict:
    """Walk one warehouse through first load, re-run, new page, changed file."""
    base = tmp_path_factory.mktemp("archive")
    inp, wh = base / "input", base / "warehouse"
    inp.mkdir()
    pages = sorted(SEEDS.glob("*.txt"))
    for page in pages[:4]:
        shutil.copy2(page, inp / page.name)
    state: dict = {"base": base, "input": inp, "warehouse": wh, "new_page": pages[4].name}

    first = pipeline_run(inp, wh)
    assert first.returncode == 0, first.stderr[-3000:]
    state["first_hash"] = _content_hash(first.published)
    state["first_counts"] = _articles_per_file(first.published)
    state["first_published"] = _identity(first.published)

    # nothing changed: recorded without Prefect, dbt or the gate (newsetl/warehouse/unchanged.py)
    second = pipeline_run(inp, wh, "--json")
    assert second.returncode == 0, second.stderr[-3000:]
    state["second"] = second
    state["second_hash"] = _content_hash(second.published)
    state["second_published"] = _identity(second.published)

    # Third run: a new page and the same content under another name, with readers and a rival run.
    shutil.copy2(pages[4], inp / pages[4].name)
    shutil.copy2(pages[1], inp / "copy of page 1.txt")
    stop = base / "stop-readers"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(wh / "newsetl.duckdb"), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runner = subprocess.Popen(
        [sys.executable, "-m", "newsetl.app.cli", "run", "--input", str(inp), "--warehouse", str(wh)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while lock_holder(wh / ".newsetl.lock") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    rival = run_cli("run", "--input", str(inp), "--warehouse", str(wh), timeout=60)
    out, err = runner.communicate(timeout=600)
    stop.touch()
    r_out, r_err = reader.communicate(timeout=30)
    assert runner.returncode == 0, err[-3000:]
    state.update(
        third_out=out,
        rival=rival,
        reader=(r_out, r_err),
        third_counts=_articles_per_file(wh / "newsetl.duckdb"),
    )

    # Fourth run: a page changes after ingestion.
    changed = inp / pages[0].name
    changed.write_text(
        changed.read_text(encoding="utf-8")
        + "\n\n本报讯 工信部日前召开会议，研究部署中小企业复工复产工作。\n",
        encoding="utf-8",
    )
    fourth = pipeline_run(inp, wh, "--json")  # the summary as JSON (test_json_summary)
    assert fourth.returncode == 0, fourth.stderr[-3000:]
    state["fourth"] = fourth
    state["changed_page"] = pages[0].name
    return state


def _identity(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def test_rerun_with_nothing_changed_is_recorded_and_publishes_nothing(archive: dict) -> None:
    summary = json.loads(archive["second"].stdout)
    assert summary["status"] == "unchanged"
    assert summary["ingest"]["documents_new"] == 0 and summary["process"]["documents"] == 0
    assert set(summary["timings"]) == {"check"}  # no ingest, dbt, gate or publish stage ran
    assert summary["articles"] == sum(archive["first_counts"].values())
    # the published file is the first run's, untouched
    assert archive["second_published"] == archive["first_published"]
    assert archive["second_hash"] == archive["first_hash"]
    # recorded like every run, in the work database (the published file holds its publish's history)
    con = duckdb.connect(str(archive["warehouse"] / ".work" / "newsetl.duckdb"), read_only=True)
    try:
        runs = con.execute(
            "SELECT run_id, status, documents_new, documents_processed, articles_written, articles_total, "
            "finished_at IS NOT NULL FROM ops.runs ORDER BY started_at"
        ).fetchall()
    finally:
        con.close()
    assert runs[1][:6] == (summary["run_id"], "unchanged", 0, 0, 0, summary["articles"])
    assert runs[1][6]
    assert [r[1] for r in runs[2:4]] == ["published", "published"]  # the new page, the changed page


def test_new_page_adds_exactly_its_articles(archive: dict, seeded_run: RunResult) -> None:
    expected = _articles_per_file(seeded_run.published)[archive["new_page"]]
    before, after = archive["first_counts"], archive["third_counts"]
    assert sum(after.values()) - sum(before.values()) == expected
    assert after[archive["new_page"]] == expected
    assert "copy of page 1.txt" not in after  # same content under two names is one document


def test_readers_never_blocked_during_a_run(archive: dict) -> None:
    out, err = archive["reader"]
    ok, errors = map(int, out.split())
    assert ok > 10
    assert errors == 0, err


def test_second_run_refuses_while_one_is_running(archive: dict) -> None:
    rival = archive["rival"]
    assert rival.returncode == 3
    assert "already running" in rival.stderr


def test_changed_file_supersedes_old_version(archive: dict) -> None:
    con = duckdb.connect(str(archive["warehouse"] / "newsetl.duckdb"), read_only=True)
    try:
        versions = con.execute(
            "SELECT version, superseded_run IS NULL FROM raw.file_versions WHERE path = ? ORDER BY version",
            [archive["changed_page"]],
        ).fetchall()
        docs = con.execute("SELECT count(*) FROM raw.documents").fetchone()[0]
        current_docs = con.execute(
            "SELECT count(DISTINCT doc_id) FROM marts.fct_articles WHERE source_file = ?",
            [archive["changed_page"]],
        ).fetchone()[0]
        tail = con.execute(
            "SELECT count(*) FROM marts.fct_articles WHERE source_file = ? AND body LIKE '%研究部署中小企业复工复产工作%'",
            [archive["changed_page"]],
        ).fetchone()[0]
    finally:
        con.close()
    assert versions == [(1, False), (2, True)]
    assert docs == 6  # five pages plus the old version of the changed one: history kept
    assert current_docs == 1
    assert tail == 1


def test_nothing_changed_check_sees_each_change(archive: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes ``newsetl run`` take the full path (checked directly: no extra pipeline run)."""
    paths = make_paths(archive["input"], archive["warehouse"])
    stamp = unchanged_since(paths)
    assert stamp is not None and stamp.run_id == json.loads(archive["fourth"].stdout)["run_id"]

    page = archive["input"] / archive["changed_page"]
    st = page.stat()
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # touched: ingest would read it
    assert unchanged_since(paths) is None
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert unchanged_since(paths) is not None

    hidden = archive["input"] / ".page.swp"  # not read, but quarantined by name: a change
    hidden.write_text("x", encoding="utf-8")
    assert unchanged_since(paths) is None
    hidden.unlink()
    assert unchanged_since(paths) is not None

    live = Path(os.path.realpath(paths.published_db))
    live.rename(live.with_name("moved"))  # the published file missing
    try:
        assert unchanged_since(paths) is None
    finally:
        live.with_name("moved").rename(live)
    shutil.copy2(live, live.with_name("copy"))  # replaced by another file (same bytes)
    live.with_name("copy").replace(live)
    assert unchanged_since(paths) is None  # (the next real run publishes again)
    stamp_file = paths.work_dir / STAMP_NAME
    saved = json.loads(stamp_file.read_text(encoding="utf-8"))
    saved["published"] = list(_identity(live))
    stamp_file.write_text(json.dumps(saved), encoding="utf-8")
    assert unchanged_since(paths) is not None

    with monkeypatch.context() as m:
        m.setenv("NEWSETL_MIN_VOLUME_RATIO", "0.5")  # an operator setting of the gate
        assert unchanged_since(paths) is None
    with monkeypatch.context() as m:
        m.setenv("NEWSETL_FAULT", "dbt")  # fault injection always runs the pipeline
        assert unchanged_since(paths) is None
    assert unchanged_since(paths) is not None


def test_the_flow_itself_records_a_run_with_nothing_changed(archive: dict) -> None:
    """What a scheduled run (``newsetl serve``) does: the flow checks too, under the run lock."""
    from flows.etl import etl  # deferred: Prefect, for this test only

    published = archive["warehouse"] / "newsetl.duckdb"
    before = _identity(published)
    summary = etl(str(archive["input"]), str(archive["warehouse"]))
    assert summary["status"] == "unchanged"
    assert summary["gate"].startswith("not run: nothing changed since run ")
    assert _identity(published) == before
    con = duckdb.connect(str(archive["warehouse"] / ".work" / "newsetl.duckdb"), read_only=True)
    try:
        latest = con.execute(
            "SELECT run_id, status FROM ops.runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert latest == (summary["run_id"], "unchanged")


def test_failed_gate_publishes_nothing_and_status_says_why(archive: dict, tmp_path: Path) -> None:
    published = archive["warehouse"] / "newsetl.duckdb"
    before = published.read_bytes()
    env = strict_gate_env(tmp_path)
    result = pipeline_run(archive["input"], archive["warehouse"], env=env)
    assert result.returncode == 1
    assert "quality gate" in result.stderr and "articles" in result.stderr
    assert "Traceback" not in result.stderr  # the reason in one line, not the flow engine's stack
    assert published.read_bytes() == before
    status = run_cli("status", "--warehouse", str(archive["warehouse"]), "--json")
    info = json.loads(status.stdout)
    assert info["runs"][0]["status"] == "gate_failed"
    assert any(f["column"] == "articles" for f in info["gate_failures"])
    # nothing changed since the last publish, but the last run was blocked: the next run is a full one
    assert unchanged_since(make_paths(archive["input"], archive["warehouse"])) is None
