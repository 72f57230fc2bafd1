"""Parquet exports of the marts for tools that cannot open DuckDB."""

from __future__ import annotations

import duckdb

from newsetl.config import Paths
from newsetl.warehouse.publish import atomic_replace_dir


def write_exports(paths: Paths) -> list[str]:
    """Write every marts table to ``<warehouse>/exports/<table>.parquet`` and swap the folder in atomically."""
    staging = paths.warehouse_dir / ".exports.tmp"
    if staging.exists():
        import shutil

        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    con = duckdb.connect(str(paths.work_db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' AND database_name = current_database() ORDER BY 1"
        ).fetchall()]
        for table in tables:
            target = staging / f"{table}.parquet"
            # table names come from the catalog, the target path is bound as a parameter
            con.execute(f'COPY marts."{table}" TO ? (FORMAT parquet, COMPRESSION zstd)', [str(target)])  # noqa: S608
    finally:
        con.close()
    atomic_replace_dir(staging, paths.exports_dir)
    return tables
