"""The search tokens' work-only file: written beside the work database, never inside it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from newsetl.config import make_paths
from newsetl.warehouse.opsdb import open_work_db
from newsetl.warehouse.search_store import TABLE, attach_tokens, store_tokens, tokens_path


def _rows(*items: tuple[str, str]) -> dict[str, list]:
    return {
        "article_id": [a for a, _ in items],
        "content_hash": [f"h-{a}" for a, _ in items],
        "dictionary_version": ["v"] * len(items),
        "tokens": [t for _, t in items],
    }


def test_tokens_are_replaced_per_article_and_forgotten_with_it(tmp_path: Path) -> None:
    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    con = open_work_db(paths)
    try:
        assert store_tokens(con, _rows(("a1", "工业 互联网"), ("a2", "复工 复产"))) == 2
        # a1 reprocessed with a new text, a2 gone from its page
        assert store_tokens(con, _rows(("a1", "新 文本")), gone=["a1", "a2"]) == 1
        assert con.execute(f"SELECT article_id, tokens FROM {TABLE}").fetchall() == [("a1", "新 文本")]  # noqa: S608
        work_tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
        assert ("article_search",) not in work_tables  # never in the (published) work database
    finally:
        con.close()
    assert tokens_path(paths.work_db).exists()


def test_a_damaged_tokens_file_is_started_again(tmp_path: Path) -> None:
    work_db = tmp_path / "newsetl.duckdb"
    tokens_path(work_db).write_bytes(b"not a database" * 1000)
    con = duckdb.connect()
    try:
        attach_tokens(con, work_db)
        assert con.execute(f"SELECT count(*) FROM {TABLE}").fetchone() == (0,)  # noqa: S608
    finally:
        con.close()
