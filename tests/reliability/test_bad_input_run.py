"""One private pipeline run over the seeds plus every bad input: each gets its defined outcome
and the seed pages come out exactly as in the clean seeded run (the rest of the run is unaffected).

The per-input outcomes are unit-tested in tests/test_ingest_bad_input.py; this proves them
through Prefect, load, dbt, the gate and publish.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS, RunResult, pipeline_run

SEED_FILES = sorted(SEEDS.glob("*.txt"))
PAGE = SEED_FILES[0].read_text(encoding="utf-8")
ODD_NAME = 'it\'s a "page" 新闻; DROP TABLE raw.documents; --.txt'


def build_bad_input(folder: Path, outside: Path) -> dict[str, str]:
    """Write the bad inputs; return {file name: expected outcome}."""
    from opencc import OpenCC

    folder.mkdir(parents=True)
    for page in SEED_FILES:
        shutil.copy2(page, folder / page.name)
    p1 = SEED_FILES[1].read_text(encoding="utf-8")
    p2 = SEED_FILES[2].read_text(encoding="utf-8")
    files = {
        "empty.txt": (b"", "quarantine:empty file"),
        "blank.txt": (b"  \n\r\n\t  \n", "quarantine:whitespace only"),
        "binary.txt": (bytes(range(256)) * 64, "quarantine:binary"),
        "gbk.txt": (p1.replace("\ufffd", "").encode("gbk", errors="ignore"), "document:gb18030"),
        "gb18030.txt": ((p2 + "\n𠮷€\n").encode("gb18030"), "document:gb18030"),
        "bom.txt": (b"\xef\xbb\xbf" + PAGE.encode() + "\n附：BOM版。\n".encode(), "document:utf-8-sig"),
        "utf16.txt": ((PAGE + "\n附：UTF-16版。\n").encode("utf-16"), "document:utf-16"),
        "bad_utf8.txt": (_mid_garbage(PAGE + "\n附：坏字节版。\n"), "document:utf-8"),
        "crlf.txt": ((PAGE + "\n附：CRLF版。\n").encode().replace(b"\n", b"\r\n"), "document:utf-8"),
        "cr.txt": ((PAGE + "\n附：CR版。\n").encode().replace(b"\n", b"\r"), "document:utf-8"),
        "english.txt": (
            ("The ministry said industrial output grew again this quarter. " * 40).encode(),
            "records:not a Chinese page",
        ),
        "traditional.txt": (OpenCC("s2t").convert(p1 + "\n附：繁体版。\n").encode(), "document:utf-8"),
        "copy_of_000.txt": (SEED_FILES[0].read_bytes(), "same-content"),
        ODD_NAME: ((p2 + "\n附：怪名字。\n").encode(), "document:utf-8"),
        "big5.txt": (
            OpenCC("s2t").convert(p2 + "\n附：五大码版。\n").encode("big5", errors="ignore"),
            "document:big5",
        ),
        "utf16le.txt": ((PAGE + "\n附：无BOM版。\n").encode("utf-16-le"), "document:utf-16-le"),
        "utf32.txt": ((PAGE + "\n附：UTF-32版。\n").encode("utf-32"), "document:utf-32"),
        "markup.txt": (
            ("<h1>" + p1.replace("\n\n", "</p>\n\n<p>", 3) + "</h1>\n附：**标记**版。\n").encode(),
            "document:utf-8",
        ),
        "controls.txt": (
            ("\u202e" + p2.replace("。", "。\x00", 5) + "\n附：控制符版。\u2066\n").encode(),
            "document:utf-8",
        ),
        "mojibake.txt": (bytes(range(0x81, 0xFF)) * 40, "quarantine:no Chinese encoding"),
        ".hidden.txt": (PAGE.encode(), "quarantine:hidden file"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    with (folder / "huge.txt").open("wb") as fh:  # 50 MB page
        chunk = PAGE.encode()
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    outside.mkdir(parents=True)
    (outside / "secret.txt").write_bytes(PAGE.encode())
    (folder / "link_outside.txt").symlink_to(outside / "secret.txt")
    expected = {name: outcome for name, (_, outcome) in files.items()}
    expected["huge.txt"] = "quarantine:oversized"
    expected["link_outside.txt"] = "quarantine:symlink pointing outside"
    return expected


def _mid_garbage(text: str) -> bytes:
    raw = text.encode()
    cut = raw.index("，".encode(), len(raw) // 2)
    return raw[:cut] + b"\xff\xfe" + raw[cut:]


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, dict[str, str]]:
    base = tmp_path_factory.mktemp("bad_input")
    expected = build_bad_input(base / "input", base / "outside")
    return pipeline_run(base / "input", base / "warehouse"), expected


def test_run_with_every_bad_input_publishes(bad_run) -> None:
    res, _ = bad_run
    assert res.returncode == 0, f"{res.stdout[-3000:]}\n{res.stderr[-5000:]}"
    assert res.published.exists()


def test_each_bad_input_has_its_defined_outcome(bad_run) -> None:
    res, expected = bad_run
    con = duckdb.connect(str(res.published), read_only=True)
    try:
        quarantine = {}
        for path, stage, reason in con.execute("SELECT path, stage, reason FROM raw.quarantine").fetchall():
            quarantine.setdefault(path, []).append((stage, reason))
        docs = {
            path: (enc, script)
            for path, enc, script in con.execute(
                """SELECT v.path, d.encoding, d.script FROM raw.file_versions AS v
                   JOIN raw.documents AS d USING (doc_id) WHERE v.superseded_run IS NULL"""
            ).fetchall()
        }
        doc_ids = dict(con.execute("SELECT path, doc_id FROM raw.file_versions").fetchall())
        articles_by_file = dict(
            con.execute("SELECT source_file, count(*) FROM marts.fct_articles GROUP BY 1").fetchall()
        )
        trad_titles = con.execute(
            "SELECT string_agg(coalesce(title, '') || body, '') FROM marts.fct_articles WHERE source_file = 'traditional.txt'"
        ).fetchone()[0]
    finally:
        con.close()
    for name, outcome in expected.items():
        kind, _, detail = outcome.partition(":")
        if kind == "quarantine":
            assert name in quarantine, f"{name} not quarantined"
            assert any(s == "ingest" and detail in r for s, r in quarantine[name]), (name, quarantine[name])
            assert name not in docs
        elif kind == "document":
            assert docs.get(name, (None,))[0] == detail, (name, docs.get(name))
            assert name not in quarantine, (name, quarantine.get(name))
            assert articles_by_file.get(name, 0) > 0, f"{name} produced no articles"
        elif kind == "records":
            assert name in docs  # recorded in raw.documents...
            assert any(s == "records" and detail in r for s, r in quarantine.get(name, [])), quarantine.get(
                name
            )
            assert articles_by_file.get(name, 0) == 0  # ...but not processed
        elif kind == "same-content":
            assert doc_ids[name] == doc_ids[SEED_FILES[0].name]  # one document, two names
    assert docs["traditional.txt"][1] == "hant"
    assert "国务院" in trad_titles or "工业" in trad_titles  # processed in Simplified
    con = duckdb.connect(str(res.published), read_only=True)
    try:
        cleaned = con.execute(
            """SELECT string_agg(coalesce(title, '') || body, '') FROM marts.fct_articles
               WHERE source_file IN ('markup.txt', 'controls.txt', 'big5.txt')"""
        ).fetchone()[0]
    finally:
        con.close()
    for mark in ("<h1>", "</p>", "<p>", "**", "\x00", "\u202e", "\u2066"):
        assert mark not in cleaned, mark  # markup and control characters never reach the marts
    huge = [r for s, r in quarantine["huge.txt"]][0]
    assert str(50 * 1024 * 1024) in huge or "oversized" in huge


def test_seed_pages_are_unaffected_by_bad_neighbours(bad_run, seeded_run: RunResult) -> None:
    res, _ = bad_run
    seed_ids = [hashlib.sha256(p.read_bytes()).hexdigest() for p in SEED_FILES]
    cols = "article_id, doc_id, position_in_file, title, body, is_fragment, event_date, primary_topic, topic_codes, ministry_codes"

    def seed_articles(db: Path) -> list:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute(
                f"SELECT {cols} FROM marts.fct_articles WHERE doc_id IN (SELECT unnest(?)) ORDER BY ALL",  # noqa: S608
                [seed_ids],
            ).fetchall()
        finally:
            con.close()

    ours, clean = seed_articles(res.published), seed_articles(seeded_run.published)
    assert clean and ours == clean


def test_input_folder_is_left_untouched(bad_run) -> None:
    res, _ = bad_run
    assert (res.input_dir / "huge.txt").stat().st_size >= 50 * 1024 * 1024  # oversized files stay in place
    assert os.path.islink(res.input_dir / "link_outside.txt")
