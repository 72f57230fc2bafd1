"""Checksums of every table of a warehouse schema, to show a refactoring publishes the same marts.

Each table gets its row count and an order-independent hash of its rows (the sum of one hash
per row, so duplicates count), over every column but the volatile ones::

    PYTHONPATH=. python tests/marts/mart_checksums.py warehouse/newsetl.duckdb > before.txt
    ... change the dbt project, run again ...
    PYTHONPATH=. python tests/marts/mart_checksums.py warehouse/newsetl.duckdb > after.txt
    diff before.txt after.txt

``--without-runs`` also leaves out the run ids (``*_run``, ``run_id``): two pipeline runs over
the same pages publish the same rows under different run ids.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

VOLATILE = {"built_at"}  # when the row was built: differs between any two builds by design
RUN_COLUMNS = {"run_id", "processed_run", "first_seen_run", "last_seen_run"}


def table_checksums(
    db: Path, schema: str = "marts", without_runs: bool = False
) -> dict[str, tuple[int, int]]:
    """{table: (rows, sum of row hashes)} for every table of ``schema`` in ``db``."""
    skip = VOLATILE | (RUN_COLUMNS if without_runs else set())
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = ? ORDER BY 1",
            [schema],
        ).fetchall()
        out = {}
        for (table,) in tables:
            cols = con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                [schema, table],
            ).fetchall()
            row = ", ".join(f'"{c}"' for (c,) in cols if c not in skip)
            sql = f'SELECT count(*), coalesce(sum(hash({row})), 0) FROM "{schema}"."{table}"'  # noqa: S608 - catalog names
            rows, digest = con.execute(sql).fetchone()
            out[table] = (int(rows), int(digest))
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--without-runs", action="store_true", help="leave the run-id columns out")
    args = parser.parse_args(argv)
    for table, (rows, digest) in table_checksums(args.db, args.schema, args.without_runs).items():
        print(f"{args.schema}.{table}\t{rows}\t{digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
