"""The search tokens' own work-only file, beside the work database.

The text workers store each article's full-text search tokens so that publishing indexes
them without segmenting the text again. Analysts never read them: they live in their own
DuckDB file (``search_tokens.duckdb`` in the work folder), attached to the work connection
as :data:`CATALOG`, so the published file can be a byte copy of the work database and still
hold only what analysts read.

DuckDB writes one attached file per transaction: the tokens are written in a transaction of
their own, after the processed rows. That is safe because they are a cache checked by content:
the index uses a token row only while the article has the very text (hash) and dictionary
(version) it was made from, and segments the text itself otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from newsetl.config import environment
from newsetl.core.contracts import SEARCH_TABLE, SEARCH_TOKENS, create_table_sql

TOKENS_FILE = "search_tokens.duckdb"
CATALOG = "work_search"
TABLE = f"{CATALOG}.main.article_search"
COLUMNS = SEARCH_TOKENS.names
# where a warehouse written before this file kept them (inside the work database)
LEGACY_TABLE = ("raw", "article_search")

DDL = create_table_sql(f"{CATALOG}.main", SEARCH_TABLE, SEARCH_TOKENS)


def tokens_path(work_db: Path) -> Path:
    return work_db.with_name(TOKENS_FILE)


def attach_tokens(con: duckdb.DuckDBPyConnection, work_db: Path) -> None:
    """Attach the tokens file to ``con`` as :data:`CATALOG` (created if missing).

    A file DuckDB cannot open (damaged, or left half-written) is removed and started again:
    it holds nothing the index cannot make from the articles' text.
    """
    if con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [CATALOG]).fetchone()[
        0
    ]:
        return
    path = tokens_path(work_db)
    literal = str(path).replace("'", "''")  # ATTACH binds nothing: a quoted literal
    attach = f"ATTACH '{literal}' AS {CATALOG} (STORAGE_VERSION '{environment().work_storage}')"
    try:
        con.execute(attach)
    except duckdb.IOException:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        con.execute(attach)
    con.execute(DDL)


def store_tokens(con: duckdb.DuckDBPyConnection, rows: dict[str, list], gone: Sequence[str] = ()) -> int:
    """Replace the tokens of the articles in ``rows`` and forget those of ``gone`` (articles that
    are no more), in one transaction of the tokens file; return the rows written."""
    n = len(rows.get("article_id", ()))
    gone = sorted(set(gone).difference(rows.get("article_id", ())))  # replaced, not deleted
    if not n and not gone:
        return 0
    con.execute("BEGIN TRANSACTION")
    try:
        if gone:
            con.register("_gone", pa.table({"article_id": list(gone)}))
            con.execute(f"DELETE FROM {TABLE} WHERE article_id IN (SELECT article_id FROM _gone)")  # noqa: S608 - constant
            con.unregister("_gone")
        if n:
            con.register("_tokens", pa.table({c: rows[c] for c in COLUMNS}))
            con.execute(f"INSERT OR REPLACE INTO {TABLE} SELECT {', '.join(COLUMNS)} FROM _tokens")  # noqa: S608 - constants
            con.unregister("_tokens")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return n


def move_legacy_tokens(con: duckdb.DuckDBPyConnection) -> int:
    """Move tokens a warehouse kept in the work database (``raw.article_search``) into the tokens
    file, and drop that table and the views reading it; return the rows moved (0: nothing to do).

    The blocks freed in the work database go at the next publish (``compact_if_bloated``).
    """
    catalog = con.execute("SELECT current_database()").fetchone()[0]
    schema, table = LEGACY_TABLE
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
        [catalog, schema, table],
    ).fetchone()[0]
    if not exists:
        return 0
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"INSERT OR REPLACE INTO {TABLE} SELECT {', '.join(COLUMNS)} FROM {schema}.{table}")  # noqa: S608 - constants
        moved = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]  # noqa: S608 - constants
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("BEGIN TRANSACTION")
    try:
        for view_schema, view in views_reading(con, catalog, frozenset({f"{schema}.{table}"})):
            con.execute(f'DROP VIEW "{view_schema}"."{view}"')  # noqa: S608 - names from the catalog
        con.execute(f"DROP TABLE {schema}.{table}")  # noqa: S608 - constants
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return moved


def views_reading(
    con: duckdb.DuckDBPyConnection, catalog: str, tables: frozenset[str]
) -> list[tuple[str, str]]:
    """Views of ``catalog`` whose SQL names one of ``tables`` (``schema.table``, quoted or not):
    they would fail once those tables are gone."""
    patterns = [
        re.compile(rf'(?<![\w"])"?{re.escape(s)}"?\s*\.\s*"?{re.escape(t)}"?(?![\w"])', re.IGNORECASE)
        for s, t in (name.split(".") for name in tables)
    ]
    views = con.execute(
        "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE database_name = ? AND NOT internal",
        [catalog],
    ).fetchall()
    return [(schema, view) for schema, view, sql in views if any(p.search(sql or "") for p in patterns)]
