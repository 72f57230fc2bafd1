"""The lake publish step at archive sizes a pipeline run cannot reach in time (docs/scaling.md).

``python -m newsetl_tools.lake_scale WORK_DB OUT_DIR --times 10 [--grow 10] [--repeat 2]``

Copies a work database (``<warehouse>/.work/newsetl.duckdb`` of a real run) to
``OUT_DIR/.work/newsetl.duckdb`` and multiplies every table that grows with the archive (the
keyed and split tables of newsetl/warehouse/lake_increments.py) ``--times`` over: copy *i* of a
row gets ``~i`` appended to its document, article and quarantine ids and ``i * 10^7`` added to its
search-index docid; run stamps stay as they were. The small tables (aggregates, dimensions, the
index's dictionary) stay as they are. Then: a cold publish into ``OUT_DIR``'s lake, ``--repeat``
publishes with nothing changed, and ``--repeat`` publishes after adding ``--grow`` new documents
(copies of existing ones with new ids, a new run stamp and a new build time, as new pages would
arrive), each timed with its parts. Prints JSON. Not the pipeline: dbt, the gate and the search
index build are not run; only ``lake.publish`` is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import duckdb

from newsetl.config import duckdb_config
from newsetl.warehouse import lake
from newsetl.warehouse.backend import default_lake
from newsetl.warehouse.lake_increments import KEYED, SPLIT, ident, qualified

SUFFIXED = {"doc_id", "article_id", "quarantine_id"}  # ids that get "~i"
DOCID_STEP = 10_000_000
MARKERS = {"processed_run", "first_seen_run"}  # run stamps: a new run for grown documents


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".", 1)
    return [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [schema, name],
        ).fetchall()
    ]


def _copy_select(table: str, columns: list[str], tag: str, docid_offset: str, run: str | None) -> str:
    """The columns of ``table`` with the ids of one copy (``tag``), and a new run for grown rows."""
    out = []
    for c in columns:
        q = ident(c)
        if c in SUFFIXED or (c == "name" and table.endswith(".docs")):
            out.append(f"{q} || '{tag}' AS {q}")
        elif c == "docid":
            out.append(f"{q} + {docid_offset} AS {q}")
        elif run is not None and c in MARKERS:
            out.append(f"'{run}' AS {q}")
        elif run is not None and c == "built_at":
            out.append(f"now() AS {q}")
        else:
            out.append(q)
    return ", ".join(out)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    return [t for t in [*KEYED, *SPLIT] if t in present and not t.endswith(".dict")]


def scale(con: duckdb.DuckDBPyConnection, times: int) -> None:
    for table in _tables(con):
        cols = _columns(con, table)
        src = qualified("main", table).split(".", 1)[1]
        con.execute(f"CREATE TEMP TABLE _orig AS FROM {src}")  # noqa: S608 - quoted identifiers
        for i in range(1, times):
            select = _copy_select(table, cols, f"~{i}", str(i * DOCID_STEP), None)
            con.execute(f"INSERT INTO {src} SELECT {select} FROM _orig")  # noqa: S608 - quoted identifiers
        con.execute("DROP TABLE _orig")
    con.execute("CHECKPOINT")


def grow(con: duckdb.DuckDBPyConnection, documents: int, run: str) -> None:
    """``documents`` new documents: copies of the first ones with new ids, run and build time."""
    docs = [
        d
        for (d,) in con.execute(
            "SELECT DISTINCT doc_id FROM raw.articles WHERE doc_id NOT LIKE '%~%' ORDER BY doc_id LIMIT ?",
            [documents],
        ).fetchall()
    ]
    con.execute("CREATE OR REPLACE TEMP TABLE _docs AS SELECT unnest(?::VARCHAR[]) AS doc_id", [docs])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _arts AS SELECT article_id FROM raw.articles "
        "WHERE doc_id IN (SELECT doc_id FROM _docs)"
    )
    top = con.execute("SELECT coalesce(max(docid), 0) + 1 FROM fts_search_article_text.docs").fetchone()[0]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _docids AS SELECT docid FROM fts_search_article_text.docs "
        "WHERE name IN (SELECT article_id FROM _arts)"
    )
    tag = f"~{run}"
    for table in _tables(con):
        cols = _columns(con, table)
        src = qualified("main", table).split(".", 1)[1]
        if "doc_id" in cols:
            where = "doc_id IN (SELECT doc_id FROM _docs)"
        elif "article_id" in cols:
            where = "article_id IN (SELECT article_id FROM _arts)"
        elif "docid" in cols:
            where = "docid IN (SELECT docid FROM _docids)"
        else:
            continue
        select = _copy_select(table, cols, tag, str(top), run)
        con.execute(f"INSERT INTO {src} SELECT {select} FROM {src} WHERE {where}")  # noqa: S608 - quoted identifiers
    con.execute("CHECKPOINT")


def _publish(work: Path, folder: Path, run: str) -> dict[str, object]:
    out = lake.publish(work, default_lake(folder), run)
    keep = ("seconds", "parts", "rows_written", "rows_inserted", "rows_deleted", "above_marks", "recompared")
    return {k: out.get(k) for k in keep} | {"load": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m newsetl_tools.lake_scale", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("work_db", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--grow", type=int, default=10, help="new documents per growing publish")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="reuse OUT_DIR's scaled database and lake")
    args = ap.parse_args(argv)
    work = args.out_dir / ".work" / "newsetl.duckdb"
    result: dict[str, object] = {"times": args.times}
    if not args.keep:
        shutil.rmtree(args.out_dir, ignore_errors=True)
        work.parent.mkdir(parents=True)
        shutil.copyfile(args.work_db, work)
        t0 = time.perf_counter()
        con = duckdb.connect(str(work), config=duckdb_config())
        try:
            scale(con, args.times)
            result["rows"] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _tables(con)}  # noqa: S608
        finally:
            con.close()
        result["scale_s"] = round(time.perf_counter() - t0, 1)
        result["cold"] = _publish(work, args.out_dir, "scale-cold")
    result["unchanged"] = [_publish(work, args.out_dir, f"scale-same-{i}") for i in range(args.repeat)]
    grown = []
    for i in range(args.repeat):
        run = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + f"-grow{i}"
        con = duckdb.connect(str(work), config=duckdb_config())
        try:
            grow(con, args.grow, run)
        finally:
            con.close()
        grown.append(_publish(work, args.out_dir, run))
    result["grown"] = grown
    print(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
