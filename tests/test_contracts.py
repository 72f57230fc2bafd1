"""The raw tables are declared once (newsetl/core/contracts.py): the DDL and the dbt staging
models agree with that declaration."""

from __future__ import annotations

import re

import duckdb
import pytest

from newsetl.config import DBT_DIR
from newsetl.core.contracts import RAW_TABLES, Table, create_table_sql
from newsetl.warehouse.load import load_processed
from newsetl.warehouse.schema import ensure_schema

SOURCE = re.compile(r"\{\{\s*source\('raw',\s*'(\w+)'\)\s*\}\}")
STAGED = sorted(
    p.stem.removeprefix("stg_raw__") for p in (DBT_DIR / "models" / "staging").glob("stg_raw__*.sql")
)


def _model_sql(table: str) -> str:
    sql = (DBT_DIR / "models" / "staging" / f"stg_raw__{table}.sql").read_text(encoding="utf-8")
    assert SOURCE.findall(sql) == [table], "a stg_raw__ model reads its own raw table, once"
    return SOURCE.sub(r"raw.\1", sql)


def _binds(sql: str, table: str, declared: Table) -> bool:
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA raw")
        con.execute(create_table_sql("raw", table, declared))
        con.execute(f"SELECT * FROM ({sql}) LIMIT 0")  # noqa: S608 - a model of this repository
        return True
    except duckdb.BinderException:
        return False
    finally:
        con.close()


def test_every_raw_table_the_pipeline_writes_is_staged() -> None:
    assert set(STAGED) == set(RAW_TABLES) - {"paths_gone", "processed_documents"}


@pytest.mark.parametrize("table", STAGED)
def test_the_staging_model_reads_exactly_the_declared_columns(table: str) -> None:
    declared = RAW_TABLES[table]
    sql = _model_sql(table)
    assert _binds(sql, table, declared), "reads a column the declaration does not have"
    read = [  # the columns without which the model no longer binds
        column.name
        for column in declared.columns
        if not _binds(sql, table, Table(tuple(c for c in declared.columns if c is not column)))
    ]
    assert read == [c.name for c in declared.columns if c.staged]


def test_the_work_database_has_the_declared_columns_and_types() -> None:
    con = duckdb.connect()
    ensure_schema(con)
    for table, declared in RAW_TABLES.items():
        rows = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = ? "
            "ORDER BY column_index",
            [table],
        ).fetchall()
        assert rows == [(c.name, c.type) for c in declared.columns], table


def test_the_loader_refuses_rows_that_do_not_match_the_declaration() -> None:
    """A column the declaration lacks (or a required one missing) is named, and nothing is written."""
    con = duckdb.connect()
    ensure_schema(con)
    rows = {
        "page_furniture": {
            "doc_id": ["d1"],
            "line_no": [1],
            "kind": ["masthead"],
            "text": ["x"],
            "colour": ["red"],
        }
    }
    with pytest.raises(ValueError, match=r"raw\.page_furniture .*undeclared \['colour'\]"):
        load_processed(con, rows, ["d1"], "v1", "r1")
    assert con.execute("SELECT count(*) FROM raw.processed_documents").fetchone()[0] == 0  # rolled back
    del rows["page_furniture"]["colour"], rows["page_furniture"]["kind"]
    with pytest.raises(ValueError, match=r"missing \['kind'\]"):
        load_processed(con, rows, ["d1"], "v1", "r1")
