"""The published file works wherever it is opened: renamed, copied, or ATTACHed under any alias.

DuckDB names a catalog after the file (or the ATTACH alias); a view or macro that spelled out
the catalog "newsetl" failed everywhere else with `Catalog "newsetl" does not exist`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

SCHEMAS = ("raw", "staging", "intermediate", "marts", "ops", "search")
QUERY = "复工复产"


def _relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str, str]]:
    return con.execute(
        """SELECT schema_name, table_name, 'table' FROM duckdb_tables() WHERE database_name = $db
           UNION ALL
           SELECT schema_name, view_name, 'view' FROM duckdb_views()
           WHERE database_name = $db AND NOT internal
           ORDER BY 1, 2""",
        {"db": catalog},
    ).fetchall()


@pytest.fixture(scope="module")
def renamed_copy(seeded_run, tmp_path_factory) -> Path:
    # a name with a space and a hyphen: the catalog becomes "my copy-2", which needs quoting
    dest = tmp_path_factory.mktemp("portable") / "my copy-2.duckdb"
    shutil.copy2(seeded_run.published, dest)
    return dest


@pytest.fixture(scope="module")
def reference(seeded_run) -> dict:
    con = duckdb.connect(str(seeded_run.published), read_only=True)
    try:
        relations = _relations(con, "newsetl")
        counts = {
            (s, t): con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0]  # noqa: S608
            for s, t, _ in relations
        }
        hits = con.execute("SELECT article_id, score FROM search.articles(?)", [QUERY]).fetchall()
    finally:
        con.close()
    return {"relations": relations, "counts": counts, "hits": hits}


def test_no_view_names_the_catalog(reference, seeded_run) -> None:
    views = [r for r in reference["relations"] if r[2] == "view"]
    assert any(s == "staging" for s, _, _ in views) and any(s == "intermediate" for s, _, _ in views)
    con = duckdb.connect(str(seeded_run.published), read_only=True)
    try:
        named = con.execute(
            """SELECT schema_name || '.' || view_name FROM duckdb_views()
               WHERE NOT internal AND (sql ILIKE '%newsetl.%' OR sql ILIKE '%"newsetl".%')"""
        ).fetchall()
    finally:
        con.close()
    assert named == []


def test_a_renamed_copy_opens_with_every_view_and_search(renamed_copy, reference) -> None:
    con = duckdb.connect(str(renamed_copy), read_only=True)
    try:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        assert catalog == "my copy-2"
        assert _relations(con, catalog) == reference["relations"]
        for (schema, name), n in reference["counts"].items():
            got = con.execute(f'SELECT count(*) FROM "{schema}"."{name}"').fetchone()[0]  # noqa: S608
            assert got == n, f"{schema}.{name}"
        hits = con.execute("SELECT article_id, score FROM search.articles(?)", [QUERY]).fetchall()
        assert hits and hits == reference["hits"]
        assert con.execute("SELECT count(*) FROM search.query_terms('中小企业复工复产')").fetchone()[0] == 2
    finally:
        con.close()


def test_attached_under_an_alias(renamed_copy, reference) -> None:
    con = duckdb.connect()  # in memory: the file is only attached
    try:
        con.execute(f"ATTACH '{renamed_copy}' AS wh (READ_ONLY)")
        assert _relations(con, "wh") == reference["relations"]
        for (schema, name), n in reference["counts"].items():
            got = con.execute(f'SELECT count(*) FROM wh."{schema}"."{name}"').fetchone()[0]  # noqa: S608
            assert got == n, f"wh.{schema}.{name}"
        # macros are bound where they are called: name the alias, or USE it
        hits = con.execute(
            "SELECT article_id, score FROM wh.search.articles(?, db := 'wh')", [QUERY]
        ).fetchall()
        assert hits == reference["hits"]
        con.execute("USE wh")
        hits = con.execute("SELECT article_id, score FROM search.articles(?)", [QUERY]).fetchall()
        assert hits == reference["hits"]
        joined = con.execute(
            """SELECT count(*) FROM search.articles(?) AS s
               JOIN marts.fct_articles AS a USING (article_id)""",
            [QUERY],
        ).fetchone()[0]
        assert joined == len(reference["hits"])
    finally:
        con.close()
