"""The gate protects without holding the warehouse hostage, end to end (real Prefect, dbt, GX).

One warehouse, in sequence (a copy of the session's seeded warehouse, so the seeds are done):

1. 40 synthetic pages (320 articles, one of them reporting an event in 1956) and two 5 MB
   files (one with paragraphs, one on a single line) -> published; the 1956 article is in
   the marts with its date nulled and listed in marts.fct_quarantine, `newsetl status`
   names it; the 5 MB files are held back whole; the process tree stays under 1.5 GB;
2. a page deleted, a file and an article set aside, and 10 pages with 30 % of their articles
   failing -> blocked, published file byte-identical; `newsetl accept` publishes it with the
   operator's reason: the deleted page, the file and the article set aside are gone, the 10
   pages published with their 1956 dates nulled;
   the accepted pages count as processed, so the next run does not redo them and block again.

A broken batch followed by a normal run: tests/reliability/test_faults.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from newsetl_tools.synth import large_page
from tests.conftest import NEWSETL, ROOT, RunResult, run_cli
from tests.reliability.pages import dated_page

BAD = ("dated-000.txt", 3)  # the one article in hundreds that reports 1956


def _run_measured(inp: Path, wh: Path, env: dict | None = None) -> tuple[RunResult, float]:
    """A pipeline run with the peak RSS of its whole process tree (MB)."""
    import os

    from newsetl_tools.bench import TreeRss

    proc = subprocess.Popen(
        [*NEWSETL, "run", "--input", str(inp), "--warehouse", str(wh)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    with TreeRss(proc.pid, interval=0.1) as sampler:
        out, err = proc.communicate(timeout=900)
    return RunResult(inp, wh, proc.returncode, out, err), sampler.peak_sum / 2**20


def _run(inp: Path, wh: Path, env: dict | None = None) -> RunResult:
    proc = run_cli("run", "--input", str(inp), "--warehouse", str(wh), env=env)
    return RunResult(inp, wh, proc.returncode, proc.stdout, proc.stderr)


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def chain(seeded_run: RunResult, tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("forward")
    inp = base / "input"
    shutil.copytree(seeded_run.input_dir, inp)
    wh = base / "warehouse"
    shutil.copytree(seeded_run.warehouse_dir, wh, symlinks=True)
    published = wh / "newsetl.duckdb"
    out: dict = {"input": inp, "warehouse": wh}

    for p in range(40):
        bad = {BAD[1]} if p == 0 else set()
        (inp / f"dated-{p:03d}.txt").write_text(dated_page(p, 8, bad), encoding="utf-8")
    (inp / "big-paragraphs.txt").write_bytes(large_page(5 * 1024 * 1024))
    (inp / "big-one-line.txt").write_bytes(large_page(5 * 1024 * 1024, one_line=True))
    out["first"], out["first_peak_mb"] = _run_measured(inp, wh)
    out["first_status"] = run_cli("status", "--warehouse", str(wh))
    out["first_dated"] = _query(
        published, "SELECT count(*) FROM marts.fct_articles WHERE source_file LIKE 'dated-%'"
    )[0][0]
    out["first_flagged"] = _query(
        published,
        """SELECT rule, value, action, reason FROM marts.fct_quarantine
           WHERE level = 'article' AND file LIKE 'dated-%'""",
    )
    out["first_bad"] = _query(
        published,
        """SELECT event_year, event_date, quality_flags FROM marts.fct_articles
           WHERE source_file = ? AND position_in_file = ?""",
        list(BAD),
    )
    out["first_bad_position"] = _query(
        published,
        "SELECT file, position_in_file FROM marts.fct_quarantine WHERE rule = 'event_year_plausible'",
    )
    out["first_held"] = dict(
        _query(
            published,
            "SELECT file, reason FROM marts.fct_quarantine WHERE level = 'file' AND file LIKE 'big-%'",
        )
    )

    (inp / "dated-039.txt").unlink()
    article = _query(
        published, "SELECT article_id FROM marts.fct_articles WHERE source_file = 'dated-038.txt' LIMIT 1"
    )[0][0]
    out["aside_article"] = article
    out["aside"] = [
        run_cli(
            "set-aside", "--warehouse", str(wh), "--article", article, "--reason", "duplicate of a wire story"
        ),
        run_cli("set-aside", "--warehouse", str(wh), "--file", "dated-037.txt", "--reason", "wrong edition"),
    ]
    for p in range(100, 110):
        (inp / f"dated-{p:03d}.txt").write_text(dated_page(p, 10, bad={0, 1, 2}), encoding="utf-8")
    before = published.read_bytes()
    out["blocked"] = _run(inp, wh)
    out["blocked_unchanged"] = published.read_bytes() == before
    out["blocked_status"] = json.loads(run_cli("status", "--warehouse", str(wh), "--json").stdout)
    run_id = out["blocked_status"]["runs"][0]["run_id"]
    out["accept"] = run_cli(
        "accept", run_id, "--warehouse", str(wh), "--reason", "history pages: 1956 is right"
    )
    out["accepted_run"] = run_id
    out["accepted_files"] = dict(
        _query(published, "SELECT source_file, count(*) FROM marts.fct_articles GROUP BY 1")
    )
    out["aside_rows"] = _query(
        published, "SELECT level, rule, reason FROM marts.fct_quarantine WHERE rule = 'set_aside' ORDER BY 1"
    )
    # the accepted pages count as processed: the next run does not redo them (they would block again)
    out["unprocessed"] = _query(
        wh / ".work" / "newsetl.duckdb",
        """SELECT count(*) FROM raw.file_versions WHERE superseded_run IS NULL AND path LIKE 'dated-1%'
             AND doc_id NOT IN (SELECT doc_id FROM raw.processed_documents)""",
    )[0][0]
    return out


def test_one_failing_article_in_hundreds_is_published_quarantined(chain: dict) -> None:
    first = chain["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    assert chain["first_dated"] == 320  # every good page published
    assert chain["first_flagged"] == [
        ("event_year_plausible", "1956", "null_date", "event year 1956 before 2000: date nulled")
    ]
    assert chain["first_bad_position"] == [BAD]
    assert chain["first_bad"] == [(None, None, ["event_year_plausible"])]  # published, nulled and flagged
    status = chain["first_status"].stdout
    assert "event_year_plausible (null_date) 1" in status
    assert "dated-000.txt#3" in status and "value 1956" in status


def test_5mb_pages_are_held_back_and_the_run_publishes_within_memory(chain: dict) -> None:
    assert chain["first"].returncode == 0
    assert chain["first_peak_mb"] < 1500, chain["first_peak_mb"]
    held = chain["first_held"]
    assert set(held) == {"big-paragraphs.txt", "big-one-line.txt"}
    assert all(r.startswith("not a page:") for r in held.values())


def test_thirty_percent_failing_blocks_and_accept_publishes(chain: dict) -> None:
    blocked = chain["blocked"]
    assert blocked.returncode == 1
    assert chain["blocked_unchanged"]
    assert "article_rules" in blocked.stderr and "event_year_plausible" in blocked.stderr
    info = chain["blocked_status"]
    assert info["runs"][0]["status"] == "gate_failed"
    assert any(q["rule"] == "event_year_plausible" for q in info["quarantine"]["rows"])
    accept = chain["accept"]
    assert accept.returncode == 0, accept.stderr[-3000:]
    assert "accepted" in accept.stdout


def test_accepted_run_is_published_with_its_decision(chain: dict) -> None:
    db = chain["warehouse"] / "newsetl.duckdb"
    run = _query(db, "SELECT status, message FROM ops.runs WHERE run_id = ?", [chain["accepted_run"]])
    assert run[0][0] == "published" and "history pages: 1956 is right" in run[0][1]
    decisions = _query(db, "SELECT kind, target, reason FROM ops.decisions WHERE kind = 'run'")
    assert decisions == [("run", chain["accepted_run"], "history pages: 1956 is right")]
    assert (chain["warehouse"] / "raw_log" / "decisions").is_dir()


def test_deleted_and_set_aside_pages_leave_the_marts_accepted_pages_stay(chain: dict) -> None:
    assert all(r.returncode == 0 for r in chain["aside"]), [r.stderr for r in chain["aside"]]
    files = chain["accepted_files"]
    assert files.get("dated-100.txt") == 10  # the accepted pages, their 1956 dates nulled
    assert "dated-039.txt" not in files  # deleted: no longer current
    assert "dated-037.txt" not in files  # set aside
    assert files.get("dated-038.txt") == 7  # one article set aside
    assert chain["aside_rows"] == [
        ("article", "set_aside", "duplicate of a wire story"),
        ("file", "set_aside", "wrong edition"),
    ]
    assert chain["unprocessed"] == 0


def test_set_aside_refuses_unknown_targets(chain: dict) -> None:
    res = run_cli("set-aside", "--warehouse", str(chain["warehouse"]), "--file", "nope.txt", "--reason", "x")
    assert res.returncode == 2 and "no file 'nope.txt'" in res.stderr


def test_only_a_blocked_latest_run_can_be_accepted(chain: dict) -> None:
    wh = str(chain["warehouse"])
    res = run_cli("accept", chain["accepted_run"], "--warehouse", wh, "--reason", "again")
    assert res.returncode == 2 and "only a run blocked by the quality gate" in res.stderr  # published now
    res = run_cli("accept", "20200101T000000Z-000000", "--warehouse", wh, "--reason", "old")
    assert res.returncode == 2 and "only the latest run" in res.stderr
