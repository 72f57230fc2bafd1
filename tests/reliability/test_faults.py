"""Faults, end to end: SIGKILL at every stage, a corrupted work database, a broken batch.

One warehouse, in sequence (pipeline runs cost ~20-30 s each, so they are shared):

1. start from a copy of the session's clean seeded warehouse (published + work DB + raw_log)
   and add a junk file, so ingest has something to write;
2. for each stage, a ``--full-refresh`` run with ``NEWSETL_FAULT=<stage>`` SIGKILLs itself there
   (every stage has real work); after each kill the published file is byte-identical;
3. a normal run completes: published marts == the clean run's marts;
4. the work DB is corrupted: the next run detects it, rebuilds from raw_log/ and publishes the same marts;
5. a run with ``NEWSETL_BREAK=empty_bodies`` fails the gate: published file byte-identical,
   one-line failure message, ``newsetl status`` names the failed expectations;
6. the next normal run publishes every page of the broken run again (marts == the clean run's).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS, RunResult, pipeline_run, run_cli

# its own pipeline runs (several minutes): make test-long, not make test
pytestmark = pytest.mark.long

STAGES = ["ingest", "process", "load", "dbt", "gate", "publish"]
FAULT_SPEC = {"dbt": "dbt:2"}  # dbt is killed 2 s into the build, not before it starts


def marts_snapshot(db: Path) -> dict[str, list]:
    """Every marts table's rows, order-independent (what analysts see; file bytes are not stable).

    Run bookkeeping columns (``*_run``, ``*_at``) name the run that wrote a row and differ by design;
    ``fct_quarantine`` lists this chain's junk file, which the clean run never saw.
    """
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                "AND table_name <> 'fct_quarantine' ORDER BY 1"
            ).fetchall()
        ]
        content = "COLUMNS(c -> NOT regexp_matches(c, '(_run|_run_id|_at)$'))"
        return {
            t: con.execute(f'SELECT {content} FROM marts."{t}" ORDER BY ALL').fetchall()  # noqa: S608 - catalog names
            for t in tables
        }
    finally:
        con.close()


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def reference(seeded_run: RunResult) -> dict[str, list]:
    return marts_snapshot(seeded_run.published)


@pytest.fixture(scope="module")
def chain(seeded_run: RunResult, tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("faults")
    inp = base / "input"
    inp.mkdir()
    for page in sorted(SEEDS.glob("*.txt")):
        shutil.copy2(page, inp / page.name)
    (inp / "junk.bin").write_bytes(bytes(range(256)) * 8)  # quarantined at ingest: marts unaffected
    wh = base / "warehouse"
    shutil.copytree(seeded_run.warehouse_dir, wh, symlinks=True)
    published = wh / "newsetl.duckdb"
    out: dict = {"input": inp, "warehouse": wh, "kills": {}}
    for stage in STAGES:
        before = digest(published)
        res = pipeline_run(inp, wh, "--full-refresh", env={"NEWSETL_FAULT": FAULT_SPEC.get(stage, stage)})
        out["kills"][stage] = {
            "result": res,
            "published_unchanged": digest(published) == before,
            "partial_files": sorted(p.name for p in wh.glob(".published/.*.tmp-*/.newsetl.duckdb.tmp-*")),
        }
    out["after"] = pipeline_run(inp, wh)
    return out


@pytest.mark.parametrize("stage", STAGES)
def test_sigkill_during_stage_keeps_published_file(chain: dict, stage: str) -> None:
    kill = chain["kills"][stage]
    res = kill["result"]
    assert res.returncode == -signal.SIGKILL, f"{stage}: rc {res.returncode}\n{res.stderr[-3000:]}"
    assert "SIGKILL now" in res.stderr
    assert kill["published_unchanged"], f"published file changed by a run killed at {stage}"
    if stage == "publish":
        assert kill["partial_files"], (
            "the publish kill should leave a partial release folder, not a partial warehouse"
        )


def processor_versions(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT DISTINCT processor_version FROM raw.articles").fetchall()}
    finally:
        con.close()


def assert_same_marts(db: Path, seeded: RunResult, reference: dict) -> None:
    if processor_versions(db) != processor_versions(seeded.published):
        pytest.skip("the text core or lexicons changed while the session ran: no like-for-like reference")
    assert marts_snapshot(db) == reference


def test_next_run_after_kills_completes_and_equals_a_clean_run(
    chain: dict, reference: dict, seeded_run: RunResult
) -> None:
    after = chain["after"]
    assert after.returncode == 0, after.stderr[-5000:]
    wh = chain["warehouse"]
    assert not list(wh.glob(".published/.*.tmp-*"))  # the killed publish's leftovers are gone
    con = duckdb.connect(str(wh / "newsetl.duckdb"), read_only=True)
    try:
        statuses = [r[0] for r in con.execute("SELECT status FROM ops.runs ORDER BY started_at").fetchall()]
        quarantined = con.execute("SELECT path, reason FROM raw.quarantine WHERE stage = 'ingest'").fetchall()
    finally:
        con.close()
    assert statuses[-7:] == ["abandoned"] * 6 + ["published"]  # killed runs are recorded as such
    assert quarantined == [("junk.bin", "binary file (NUL bytes)")]
    assert_same_marts(wh / "newsetl.duckdb", seeded_run, reference)


@pytest.fixture(scope="module")
def corrupted(chain: dict) -> dict:
    wh = chain["warehouse"]
    work = wh / ".work" / "newsetl.duckdb"
    con = duckdb.connect(str(work), read_only=True)
    raw_before = con.execute("SELECT doc_id, text FROM raw.documents ORDER BY 1").fetchall()
    con.close()
    with work.open("r+b") as fh:
        fh.write(b"\x00garbage" * 2048)  # header destroyed
    res = pipeline_run(chain["input"], wh)
    return {"result": res, "raw_before": raw_before, "warehouse": wh}


def test_corrupted_work_db_is_rebuilt_from_raw_log_and_run_publishes(
    corrupted: dict, reference: dict, seeded_run: RunResult
) -> None:
    res = corrupted["result"]
    assert res.returncode == 0, res.stderr[-5000:]
    assert "work database rebuilt from" in res.stdout + res.stderr
    wh = corrupted["warehouse"]
    assert list((wh / ".work").glob("corrupt-*/newsetl.duckdb"))
    con = duckdb.connect(str(wh / ".work" / "newsetl.duckdb"), read_only=True)
    try:
        assert (
            con.execute("SELECT doc_id, text FROM raw.documents ORDER BY 1").fetchall()
            == corrupted["raw_before"]
        )
        assert (
            con.execute("SELECT count(*) FROM ops.runs").fetchone()[0] > 1
        )  # history restored from published
    finally:
        con.close()
    assert_same_marts(wh / "newsetl.duckdb", seeded_run, reference)


@pytest.fixture(scope="module")
def broken(corrupted: dict) -> dict:
    """A broken batch (every body empty), then the next normal run."""
    wh = corrupted["warehouse"]
    published = wh / "newsetl.duckdb"
    before = published.read_bytes()
    res = pipeline_run(
        corrupted["warehouse"].parent / "input", wh, "--full-refresh", env={"NEWSETL_BREAK": "empty_bodies"}
    )
    out = {"result": res, "unchanged": published.read_bytes() == before, "warehouse": wh}
    out["status"] = json.loads(run_cli("status", "--warehouse", str(wh), "--json").stdout)
    con = duckdb.connect(str(wh / ".work" / "newsetl.duckdb"), read_only=True)
    try:
        out["reasons"] = con.execute(
            "SELECT DISTINCT reason FROM raw.quarantine WHERE stage = 'records'"
        ).fetchall()
        out["processed"] = con.execute("SELECT count(*) FROM raw.processed_documents").fetchone()[0]
    finally:
        con.close()
    out["next"] = pipeline_run(corrupted["warehouse"].parent / "input", wh)
    return out


def test_broken_batch_fails_gate_and_leaves_published_byte_identical(broken: dict) -> None:
    res = broken["result"]
    assert res.returncode == 1
    assert broken["unchanged"]
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("newsetl: run FAILED")]
    assert len(lines) == 1, res.stderr[-3000:]
    assert "at quality gate" in lines[0] and "newsetl status" in lines[0] and "Data Docs" in lines[0]
    info = broken["status"]
    assert info["runs"][0]["status"] == "gate_failed"
    failed = {(f["suite"], f["column"]) for f in info["gate_failures"]}
    assert ("article_rules", "body_present") in failed  # every article failed a rule allowing 10 %
    assert ("batch", "articles") in failed or ("batch", "volume_ratio") in failed
    results = info["gate_results"]["results"]
    assert len(results) >= 25 and any(not r["success"] for r in results)  # every result of the run is shown
    assert ("empty article body",) in broken["reasons"]  # record level caught every article...
    assert broken["processed"] == 0  # ...and the failed run's processing is redone by the next run


def test_next_normal_run_after_a_broken_batch_publishes_its_pages(
    broken: dict, reference: dict, seeded_run: RunResult
) -> None:
    nxt = broken["next"]
    assert nxt.returncode == 0, nxt.stderr[-3000:]
    assert_same_marts(broken["warehouse"] / "newsetl.duckdb", seeded_run, reference)
