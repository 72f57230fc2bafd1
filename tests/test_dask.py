"""``newsetl run --dask``: the text work on a local Dask cluster publishes the same marts.

Shares work with the rest of the suite: the default path is the session's
``seeded_run`` (the seed pages); this test adds one run of the same pages
with ``--dask`` (a LocalCluster of three worker processes) and compares every
marts table, run-specific columns aside.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import RunResult, copy_seeds, pipeline_run

# its own pipeline runs (several minutes): make test-long, not make test
pytestmark = pytest.mark.long

RUN_SPECIFIC = ("_run", "_at", "run_id")


def _marts(db) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for t in tables:
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ? ORDER BY column_index",
                    [t],
                ).fetchall()
                if not r[0].endswith(RUN_SPECIFIC)
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            out[t] = sorted(map(repr, con.execute(f'SELECT {select} FROM marts."{t}"').fetchall()))  # noqa: S608
        return out
    finally:
        con.close()


@pytest.mark.e2e
@pytest.mark.slow
def test_dask_path_publishes_the_same_marts(seeded_run: RunResult, tmp_path) -> None:
    inp = copy_seeds(tmp_path / "input")
    # the seed pages carry no manifest in seeded_run's input either: identical inputs
    result = pipeline_run(inp, tmp_path / "warehouse", "--dask", "--workers", "3")
    assert result.returncode == 0, f"STDOUT:\n{result.stdout}\nSTDERR:\n{result.stderr[-4000:]}"
    con = duckdb.connect(str(result.published), read_only=True)
    try:
        n_dask_tasks = con.execute("SELECT documents_processed FROM ops.runs").fetchone()[0]
    finally:
        con.close()
    assert n_dask_tasks == 5
    default, dask = _marts(seeded_run.published), _marts(result.published)
    assert default.keys() == dask.keys()
    assert "fct_articles" in dask and dask["fct_articles"]
    for table in default:
        assert dask[table] == default[table], table
