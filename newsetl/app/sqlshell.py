"""``newsetl sql``: the published warehouse, read-only, for analysts.

Interactive: line editing and a history kept across sessions (GNU readline from the standard
library), dot commands (``.tables``, ``.help``, ``.quit``), Ctrl-C abandons the line being typed
or cancels the running query, never the shell. One query (``-c``): ``--format box`` (a table for
people, at most ``BOX_ROWS`` rows), ``csv`` or ``json`` (every row, streamed, for programs).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import json
import sys
import uuid
from pathlib import Path
from typing import Any, TextIO

import duckdb

from newsetl.config import Paths, environment
from newsetl.pipeline.search import load_fts
from newsetl.warehouse.backend import remembered
from newsetl.warehouse.lake import connect_reader

FORMATS = ("box", "csv", "json")
BOX_ROWS = 100  # rows a box shows; csv and json print every row
FETCH_ROWS = 10_000  # rows fetched at a time for csv and json: memory stays flat on big results
HISTORY_LINES = 2000

HELP = """\
.tables [TEXT]      tables and views (schema.name, kind, description), or those whose name contains TEXT
.help               this help
.quit  .exit  \\q    leave (or Ctrl-D)
End SQL statements with ';'. Ctrl-C abandons the current line or cancels a running query."""


def _connect(paths: Paths) -> duckdb.DuckDBPyConnection:
    """The published file, or the warehouse's DuckLake attached read-only (its latest snapshot)."""
    backend = remembered(paths.warehouse_dir)
    if backend is not None and backend.is_lake:
        return connect_reader(backend)
    if not paths.published_db.exists():
        raise SystemExit(f"newsetl: nothing published yet at {paths.published_db}; run `newsetl run` first")
    return duckdb.connect(str(paths.published_db), read_only=True)


def connect_readonly(paths: Paths) -> duckdb.DuckDBPyConnection:
    con = _connect(paths)
    # fts from its pip package: fts_search_article_text.match_bm25(...) works too; the search.* macros
    # work without the extension
    with contextlib.suppress(Exception):
        load_fts(con)
    # read_only guards the database file, not the file system: without this, a query such as
    # COPY (SELECT 1) TO '<warehouse>/newsetl.duckdb' replaced the published file (or an export).
    # No file reads or writes, no ATTACH, no extension loads; locked so a query cannot undo it.
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def run_sql(paths: Paths, query: str | None, fmt: str = "box") -> int:
    con = connect_readonly(paths)
    try:
        if query is not None:
            return run_one(con, query, fmt)
        return _interactive(con, paths)
    finally:
        con.close()


def history_file() -> Path:
    return Path(environment().sql_history or Path.home() / ".newsetl_sql_history")


def _setup_readline() -> Any:
    try:
        import readline
    except ImportError:  # e.g. a Python built without it: input() still works, without editing
        return None
    path = history_file()
    with contextlib.suppress(OSError):  # no history yet
        readline.read_history_file(path)
    readline.set_history_length(HISTORY_LINES)
    return readline


def _save_history(readline: Any) -> None:
    if readline is None:
        return
    with contextlib.suppress(OSError):  # a read-only home: the session still worked
        readline.write_history_file(history_file())


def _interactive(con: duckdb.DuckDBPyConnection, paths: Paths) -> int:
    readline = _setup_readline() if sys.stdin.isatty() else None
    print(f"newsetl sql: {paths.published_db} (read-only). End statements with ';'; .help for commands.")
    buffer: list[str] = []
    try:
        while True:
            try:
                line = input("newsetl> " if not buffer else "   ...> ")
            except EOFError:
                print()
                return 0
            except KeyboardInterrupt:  # abandon the line (and a statement in progress), keep the shell
                print("^C")
                buffer = []
                continue
            stripped = line.strip()
            if not buffer and stripped.startswith((".", "\\")):
                if stripped in (".quit", ".exit", "\\q"):
                    return 0
                _dot_command(con, stripped)
                continue
            if not buffer and not stripped:
                continue
            buffer.append(line)
            if stripped.endswith(";"):
                statement = "\n".join(buffer)
                buffer = []
                try:
                    run_one(con, statement, "box")
                except KeyboardInterrupt:
                    con.interrupt()
                    print("query cancelled", file=sys.stderr)
    finally:
        _save_history(readline)


def _dot_command(con: duckdb.DuckDBPyConnection, command: str) -> None:
    name, _, arg = command.partition(" ")
    if name == ".tables":
        list_tables(con, arg.strip() or None)
    elif name == ".help":
        print(HELP)
    else:
        print(f"unknown command {name}; .help lists them", file=sys.stderr)


def list_tables(con: duckdb.DuckDBPyConnection, pattern: str | None = None, out: TextIO | None = None) -> int:
    """Every table and view of the warehouse (not DuckDB's own), with its description."""
    out = out or sys.stdout
    rows = con.execute(
        """SELECT schema_name || '.' || table_name AS name, 'table' AS kind, coalesce(comment, '') AS comment
           FROM duckdb_tables() WHERE database_name = current_database() AND NOT internal
           UNION ALL
           SELECT schema_name || '.' || view_name, 'view', coalesce(comment, '')
           FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
           ORDER BY 1""",
    ).fetchall()
    if pattern:
        rows = [r for r in rows if pattern.lower() in r[0].lower()]
    width = max((len(r[0]) for r in rows), default=10)
    for name, kind, comment in rows:
        first = " ".join(comment.split())
        print(f"{name:<{width}}  {kind:<5}  {first[:100]}", file=out)
    return len(rows)


def run_one(con: duckdb.DuckDBPyConnection, query: str, fmt: str = "box", out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        rel = con.sql(query)
        if rel is None:  # a statement without a result (SET, PRAGMA ...)
            return 0
        if fmt == "box":
            rel.show(max_width=200, max_rows=BOX_ROWS)
            return 0
        cursor = rel.execute() if hasattr(rel, "execute") else rel
        columns = list(rel.columns)
        if fmt == "csv":
            _write_csv(cursor, columns, out)
        elif fmt == "json":
            _write_json(cursor, columns, out)
        else:
            raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    except duckdb.Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _batches(rel: Any):
    while True:
        rows = rel.fetchmany(FETCH_ROWS)
        if not rows:
            return
        yield rows


def _write_csv(rel: Any, columns: list[str], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for rows in _batches(rel):
        writer.writerows([_csv_value(v) for v in row] for row in rows)


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(_json_value(value), ensure_ascii=False)
    return value


def _write_json(rel: Any, columns: list[str], out: TextIO) -> None:
    """One JSON array of objects, written row by row."""
    out.write("[")
    first = True
    for rows in _batches(rel):
        for row in rows:
            out.write("\n" if first else ",\n")
            first = False
            record = {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
            out.write(json.dumps(record, ensure_ascii=False))
    out.write("\n]\n" if not first else "]\n")


def _json_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value
