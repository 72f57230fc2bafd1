"""Incremental dbt builds give the same tables as a full rebuild of the same data.

A warehouse is walked through three runs (first load; a new page; a new page plus a changed
page, whose old version's articles must disappear); the last two take the incremental path
(``dbt: data``). A copy of the work database is then rebuilt with ``dbt build --full-refresh``
and every table of ``intermediate`` and ``marts`` must hold exactly the same rows (as multisets;
``built_at``, the build timestamp, excepted).

``compare_schemas`` is also usable on a large archive, e.g. the 10,000-page benchmark::

    PYTHONPATH=. python tests/marts/test_incremental_equals_full.py <warehouse dir>
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SEEDS, pipeline_run

pytestmark = pytest.mark.e2e

SCHEMAS = ("intermediate", "marts")
VOLATILE = {"built_at"}  # when the row was built: differs between any two builds by design


def full_refresh_copy(work_db: Path, dest_dir: Path) -> Path:
    """Copy ``work_db`` into ``dest_dir`` and rebuild every model there from scratch."""
    from newsetl.pipeline.dbt_runner import run_dbt

    dest_dir.mkdir(parents=True, exist_ok=True)
    copy = dest_dir / "full.duckdb"
    shutil.copy2(work_db, copy)
    run_dbt(["build", "--full-refresh", "--exclude", "resource_type:unit_test"], copy, dest_dir)
    return copy


def compare_schemas(incremental_db: Path, full_db: Path) -> dict[str, tuple[int, int, int]]:
    """{table: (rows, rows only in incremental, rows only in full)} for every table of SCHEMAS."""
    con = duckdb.connect(str(incremental_db), read_only=True)
    try:
        con.execute(f"ATTACH '{full_db}' AS full_build (READ_ONLY)")
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND list_contains(?, schema_name) ORDER BY 1, 2",
            [list(SCHEMAS)],
        ).fetchall()
        out = {}
        for schema, table in tables:
            cols = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                    "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                    [schema, table],
                ).fetchall()
            ]
            select = ", ".join(f'"{c}"' for c in cols if c not in VOLATILE)
            inc = f'SELECT {select} FROM "{schema}"."{table}"'  # noqa: S608 - names from the catalog
            full = f'SELECT {select} FROM full_build."{schema}"."{table}"'  # noqa: S608
            rows = con.execute(f"SELECT count(*) FROM ({inc})").fetchone()[0]  # noqa: S608 - catalog names
            only_inc = con.execute(f"SELECT count(*) FROM ({inc} EXCEPT ALL {full})").fetchone()[0]  # noqa: S608
            only_full = con.execute(f"SELECT count(*) FROM ({full} EXCEPT ALL {inc})").fetchone()[0]  # noqa: S608
            out[f"{schema}.{table}"] = (rows, only_inc, only_full)
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("incremental")
    inp, wh = base / "input", base / "warehouse"
    inp.mkdir()
    pages = sorted(SEEDS.glob("*.txt"))
    for page in pages[:3]:
        shutil.copy2(page, inp / page.name)
    logs = []
    for step in range(3):
        if step == 1:
            shutil.copy2(pages[3], inp / pages[3].name)
        if step == 2:
            shutil.copy2(pages[4], inp / pages[4].name)
            changed = inp / pages[0].name
            changed.write_text(
                changed.read_text(encoding="utf-8")
                + "\n\n本报讯 国家发展改革委日前印发通知，部署稳就业工作。\n",
                encoding="utf-8",
            )
        result = pipeline_run(inp, wh)
        assert result.returncode == 0, result.stderr[-3000:]
        logs.append(result.stdout + result.stderr)
    full = full_refresh_copy(wh / ".work" / "newsetl.duckdb", base / "full")
    return {"logs": logs, "diff": compare_schemas(wh / ".work" / "newsetl.duckdb", full)}


def test_later_runs_take_the_incremental_path(walked: dict) -> None:
    # the run's progress line names the dbt plan (newsetl/pipeline/dbt_plan.py)
    assert re.search(r"^dbt build .* full build \(\d+ nodes\)", walked["logs"][0], re.M)
    assert all(
        re.search(r"^dbt build .* new data: incremental build \(\d+ nodes\)", log, re.M)
        for log in walked["logs"][1:]
    )


def test_incremental_build_equals_full_refresh(walked: dict) -> None:
    diff = walked["diff"]
    assert {"marts.fct_articles", "marts.bridge_article_topics", "intermediate.int_articles_enriched"} <= set(
        diff
    )
    assert diff["marts.fct_articles"][0] > 0
    assert {name: d for name, d in diff.items() if d[1] or d[2]} == {}


if __name__ == "__main__":
    warehouse = Path(sys.argv[1])
    scratch = Path(sys.argv[2]) if len(sys.argv) > 2 else warehouse.parent / (warehouse.name + "-full")
    work = warehouse / ".work" / "newsetl.duckdb"
    result = compare_schemas(work, full_refresh_copy(work, scratch))
    for name, (rows, only_inc, only_full) in result.items():
        print(f"{name:55s} rows {rows:8d}  only-incremental {only_inc:6d}  only-full {only_full:6d}")
    bad = [n for n, d in result.items() if d[1] or d[2]]
    print("EQUAL" if not bad else f"DIFFERENT: {bad}")
    sys.exit(1 if bad else 0)
