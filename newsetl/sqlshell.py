"""``newsetl sql``: the published warehouse, read-only, for analysts."""

from __future__ import annotations

import sys

import duckdb

from newsetl.config import Paths


def connect_readonly(paths: Paths) -> duckdb.DuckDBPyConnection:
    if not paths.published_db.exists():
        raise SystemExit(f"newsetl: nothing published yet at {paths.published_db}; run `newsetl run` first")
    con = duckdb.connect(str(paths.published_db), read_only=True)
    try:  # fts from its pip package: fts_search_article_text.match_bm25(...) works too (search.* macros need nothing)
        from newsetl.search import load_fts

        load_fts(con)
    except Exception:  # noqa: BLE001 - the search.* macros work without the extension
        pass
    # read_only guards the database file, not the file system: without this, a query such as
    # COPY (SELECT 1) TO '<warehouse>/newsetl.duckdb' replaced the published file (or an export).
    # No file reads or writes, no ATTACH, no extension loads; locked so a query cannot undo it.
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_sql(paths: Paths, query: str | None) -> int:
    con = connect_readonly(paths)
    try:
        if query is not None:
            return _run_one(con, query)
        print(
            f"newsetl sql: {paths.published_db} (read-only). End statements with ';', quit with .quit or Ctrl-D."
        )
        buffer: list[str] = []
        while True:
            try:
                line = input("newsetl> " if not buffer else "   ...> ")
            except EOFError:
                print()
                return 0
            if not buffer and line.strip() in (".quit", ".exit", "\\q"):
                return 0
            buffer.append(line)
            if line.rstrip().endswith(";"):
                _run_one(con, "\n".join(buffer))
                buffer = []
    finally:
        con.close()


def _run_one(con: duckdb.DuckDBPyConnection, query: str) -> int:
    try:
        rel = con.sql(query)
    except duckdb.Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if rel is not None:
        rel.show(max_width=200, max_rows=100)
    return 0
