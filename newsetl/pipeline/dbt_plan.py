"""Decide how much dbt work a run needs, so cost follows what changed.

Every ``dbt build`` of the whole project costs seconds of fixed overhead per
node (hundreds of nodes: models, data tests, unit tests, seeds), whatever the
size of the change. A run therefore builds only what its change requires:

=====================================  =============================================
what changed since the last build      dbt invocation
=====================================  =============================================
dbt code (models, macros, tests,       ``build --full-refresh`` (everything, incl.
project files) or nothing built yet    unit tests; incremental models rebuilt)
lexicon seeds                          ``build --full-refresh --exclude
                                       resource_type:unit_test`` (lexicons feed rows
                                       built long ago)
raw data only (new/changed pages)      ``DATA_BUILD``: the tables computed from raw
                                       data (incremental where keyed by article) and
                                       every generic data test in one query
nothing                                no dbt at all: the tables are up to date
=====================================  =============================================

Unit tests check SQL logic, which only changes with the code; seeds only need
reloading when their CSVs change. Every generic data test runs whenever data
changed: as individual nodes in full builds, compiled into one query
(``dbt/tests/assert_all_data_checks.sql``) in new-data builds, where ~150 test
nodes cost more than all the models. ``--full-refresh`` on the CLI forces the
first row. The state of the last successful build is kept in ``ops.dbt_state``
of the work database, so a rebuilt work database starts from a full build.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from newsetl.config import DBT_DIR
from newsetl.core.contracts import RAW_CHILD_TABLES

STATE_TABLE = "ops.dbt_state"

# New raw data only: the tables computed from raw data (views read it live, the static code
# lists and seeds cannot have changed), then every generic data test compiled into one query
# (tests/assert_all_data_checks.sql) instead of one node per test.
DATA_BUILD = [
    "build",
    "--select",
    "source:*+,config.materialized:table",
    "source:*+,config.materialized:incremental",
    "tag:data_checks",
    "--exclude",
    "resource_type:unit_test",
    "test_type:generic",
]


@dataclass(frozen=True)
class DbtPlan:
    mode: str  # full | seeds | data | skip
    args: list[str]
    state: dict[str, str]

    @property
    def skip(self) -> bool:
        return self.mode == "skip"


def _digest(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def code_fingerprint(dbt_dir: Path = DBT_DIR) -> str:
    files = [dbt_dir / "dbt_project.yml", dbt_dir / "profiles.yml", dbt_dir / "packages.yml"]
    for sub in ("models", "macros", "macros_overrides", "tests", "snapshots", "analyses"):
        files += [
            p for p in (dbt_dir / sub).rglob("*") if p.suffix in (".sql", ".yml", ".yaml", ".md", ".csv")
        ]
    files += sorted((dbt_dir / "seeds").glob("*.yml"))  # seed descriptions: code, not lexicon data
    return _digest(files, dbt_dir)


def seeds_fingerprint(dbt_dir: Path = DBT_DIR) -> str:
    return _digest(list((dbt_dir / "seeds").rglob("*.csv")), dbt_dir)


def data_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever a dbt source table gains, loses or replaces rows (cheap aggregates only)."""
    parts = []
    for sql in (
        "SELECT count(*), max(processed_run), min(processed_run) FROM raw.processed_documents",
        "SELECT count(*), count(superseded_run), max(first_seen_run), max(superseded_run) FROM raw.file_versions",
        "SELECT count(*), max(processed_run) FROM raw.articles",
        "SELECT count(*) FROM raw.documents",
        "SELECT count(*), max(run_id) FROM raw.quarantine",
        # a deleted file's quarantine row leaves the marts, with no other raw row changed
        "SELECT count(*), max(run_id), string_agg(path, '/' ORDER BY path) FROM raw.paths_gone",
        # set-asides change what is current and published, with no raw row changed
        "SELECT count(*), count(revoked_at), max(decided_at) FROM ops.decisions WHERE kind <> 'run'",
    ):
        try:
            parts.append(con.execute(sql).fetchone())
        except duckdb.Error as exc:  # a table this version does not have: part of the state anyway
            parts.append(type(exc).__name__)
    for table in ("page_furniture", *RAW_CHILD_TABLES, "article_quarantine"):
        try:
            parts.append(con.execute(f"SELECT count(*) FROM raw.{table}").fetchone())  # noqa: S608 - fixed names
        except duckdb.Error as exc:
            parts.append(type(exc).__name__)
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    con.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")


def last_state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    _ensure_table(con)
    return dict(con.execute(f"SELECT key, value FROM {STATE_TABLE}").fetchall())  # noqa: S608


def _models_exist(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'fct_articles'"
    ).fetchone()
    return bool(row and row[0])


def plan(con: duckdb.DuckDBPyConnection, full_refresh: bool = False) -> DbtPlan:
    state = {
        "code": code_fingerprint(),
        "seeds": seeds_fingerprint(),
        "data": data_fingerprint(con),
    }
    prev = last_state(con)
    if full_refresh or prev.get("code") != state["code"] or not _models_exist(con):
        return DbtPlan("full", ["build", "--full-refresh"], state)
    if prev.get("seeds") != state["seeds"]:
        # Lexicons feed canonical names and labels of rows built long ago: rebuild the incremental
        # models too (lexicon changes are rare).
        return DbtPlan("seeds", ["build", "--full-refresh", "--exclude", "resource_type:unit_test"], state)
    if prev.get("data") != state["data"]:
        return DbtPlan("data", DATA_BUILD, state)
    return DbtPlan("skip", [], state)


def record(con: duckdb.DuckDBPyConnection, built: DbtPlan) -> None:
    """Remember what the last successful build saw (the data fingerprint is re-read after it)."""
    _ensure_table(con)
    state = dict(built.state, data=data_fingerprint(con))
    con.execute("BEGIN TRANSACTION")
    con.execute(f"DELETE FROM {STATE_TABLE}")  # noqa: S608
    con.executemany(f"INSERT INTO {STATE_TABLE} VALUES (?, ?)", sorted(state.items()))  # noqa: S608
    con.execute("COMMIT")
