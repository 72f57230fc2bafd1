"""Publish-time artefacts, built from the work database just before it is copied.

* ``search``: the Chinese full-text index (newsetl.pipeline.search) inside the work
  database, so the published copy carries it;
* ``docs``: ``dbt docs generate --static`` -> ``<warehouse>/docs/index.html``;
* ``report``: the offline HTML run report -> ``reports/`` of the release;
* ``exports``: every marts table as Parquet -> ``exports/`` of the release, for tools
  that cannot open DuckDB. The release (database, exports, report) is switched in as
  one (newsetl.warehouse.publish.publish_release).

Everything here is incremental-friendly: only new or changed articles are
segmented again; the other steps are proportional to the (small) marts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import duckdb

from newsetl.config import DBT_DIR, Paths, duckdb_config, environment, setting
from newsetl.core.search_tokens import TOKENIZER_VERSION
from newsetl.pipeline.dbt_runner import run_dbt
from newsetl.pipeline.report import chart_cache_path, write_report
from newsetl.pipeline.search import build_search_index
from newsetl.warehouse import lake
from newsetl.warehouse.backend import Backend
from newsetl.warehouse.publish import atomic_copy
from newsetl.warehouse.search_store import attach_tokens


def write_exports(paths: Paths, folder: Path) -> list[str]:
    """Write every marts table to ``<folder>/exports/<table>.parquet``.

    ``folder`` is the release being published (newsetl.warehouse.publish): ``exports`` in the
    warehouse is a fixed link into the live release, so BI tools reading the Parquet files
    during a run never see a missing or partial folder, and the files always belong to the
    same run as the database beside them. When the marts are those of the live release
    (same dbt build), its files are hard-linked instead of written again.
    """
    target_dir = folder / "exports"
    if target_dir.exists():
        shutil.rmtree(target_dir)
    target_dir.mkdir(parents=True)
    # Row order is not part of an export; without it DuckDB's Parquet writer needs ~40 % less memory.
    con = duckdb.connect(
        str(paths.work_db), read_only=True, config={**duckdb_config(), "preserve_insertion_order": "false"}
    )
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' AND database_name = current_database() ORDER BY 1"
            ).fetchall()
        ]
        fingerprint = _marts_fingerprint(con, tables)
        live = paths.exports_dir
        stamp = live / EXPORTS_STAMP
        names = [f"{t}.parquet" for t in tables] + [EXPORTS_STAMP]
        if (
            fingerprint
            and stamp.is_file()
            and stamp.read_text() == fingerprint
            and _link_files(live, target_dir, names)
        ):
            return tables  # the marts are those of the live release: the same files
        for table in tables:
            target = target_dir / f"{table}.parquet"
            # table names come from the catalog, the target path is bound as a parameter
            con.execute(
                f'COPY marts."{table}" TO ? (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 8192)',
                [str(target)],
            )  # noqa: S608
        if fingerprint:
            (target_dir / EXPORTS_STAMP).write_text(fingerprint)  # published with the files it describes
    finally:
        con.close()
    return tables


def _link_files(source: Path, target: Path, names: list[str]) -> bool:
    """Hard-link (else copy) ``names`` from ``source`` into ``target``; False if one is missing."""
    for name in names:
        src = source / name
        if not src.is_file():
            for done in target.iterdir():
                done.unlink()
            return False
        try:
            os.link(src.resolve(), target / name)
        except OSError:
            shutil.copy2(src, target / name)
    return True


EXPORTS_STAMP = ".dbt-state"


def _marts_fingerprint(con: duckdb.DuckDBPyConnection, tables: list[str]) -> str | None:
    """What the marts were built from: dbt's last successful build state (code, lexicons, data).

    Only dbt writes the marts, and ``ops.dbt_state`` is rewritten by every successful build
    (emptied by a failed one, which gives ``None``: always export).
    """
    try:
        state = con.execute("SELECT key, value FROM ops.dbt_state ORDER BY key").fetchall()
    except duckdb.Error:
        return None
    if not state:
        return None
    return hashlib.sha256(repr((state, tables)).encode()).hexdigest()


def build_search(paths: Paths) -> dict[str, int]:
    """Bring the search index up to date, or do nothing when the marts are as it last saw them.

    ``search.index_state`` keeps the marts fingerprint of the last complete index update; a run
    in which dbt built nothing skips even the per-article content check (a full read of the
    article bodies). A tokenizer change is part of the fingerprint.
    """
    con = duckdb.connect(str(paths.work_db), config=duckdb_config())
    try:
        attach_tokens(con, paths.work_db)  # what the text workers segmented
        fingerprint = _marts_fingerprint(con, ["search", TOKENIZER_VERSION])
        if fingerprint and _search_state(con) == fingerprint:
            indexed = con.execute("SELECT count(*) FROM search.article_text").fetchone()[0]
            return {"indexed_new": 0, "segmented": 0, "removed": 0, "indexed": indexed, "unchanged": 1}
        stats = build_search_index(con)
        if fingerprint:
            con.execute(
                "CREATE OR REPLACE TABLE search.index_state AS SELECT ?::VARCHAR AS marts_fingerprint",
                [fingerprint],
            )
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return stats


def _search_state(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT marts_fingerprint FROM search.index_state").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def docs_dir(paths: Paths) -> Path:
    return paths.warehouse_dir / "docs"


def _docs_fingerprint(paths: Paths) -> str:
    """What the docs site depends on: the dbt project files and the warehouse catalog (types, comments)."""
    digest = hashlib.sha256()
    for path in sorted(
        p for sub in ("models", "macros", "seeds", "tests") for p in (DBT_DIR / sub).rglob("*") if p.is_file()
    ):
        digest.update(str(path.relative_to(DBT_DIR)).encode())
        digest.update(path.read_bytes())
    digest.update((DBT_DIR / "dbt_project.yml").read_bytes())
    con = duckdb.connect(str(paths.work_db), read_only=True, config=duckdb_config())
    try:
        catalog = con.execute(
            """SELECT string_agg(concat_ws('|', schema_name, table_name, column_name, data_type, comment), chr(10)
                                 ORDER BY schema_name, table_name, column_index)
               FROM duckdb_columns() WHERE schema_name IN ('raw', 'staging', 'intermediate', 'marts', 'ops')"""
        ).fetchone()[0]
    finally:
        con.close()
    digest.update((catalog or "").encode())
    return digest.hexdigest()


def generate_dbt_docs(paths: Paths) -> Path:
    """``dbt docs generate --static`` on the work database; publish the single HTML file.

    Skipped (a few seconds saved) when neither the dbt project nor the catalog changed.
    """
    target = docs_dir(paths) / "index.html"
    stamp = docs_dir(paths) / ".fingerprint"
    fingerprint = _docs_fingerprint(paths)
    if target.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return target
    run_dbt(["docs", "generate", "--static"], paths.work_db, paths.work_dir)
    static = paths.work_dir / "target" / "static_index.html"
    atomic_copy(static, target)
    stamp.write_text(fingerprint)
    return target


def prepare_publication(paths: Paths, run_id: str, folder: Path) -> dict[str, object]:
    """Search index and dbt docs (in the work database and ``docs/``), then the run report and
    the Parquet exports into ``folder``, the release being published (publish_release)."""
    timings: dict[str, float] = {}
    out: dict[str, object] = {}

    def step(name: str, fn, *args):
        t0 = time.perf_counter()
        out[name] = fn(*args)
        timings[name] = round(time.perf_counter() - t0, 3)

    step("search", build_search, paths)
    if not environment().skip_dbt_docs:
        step("docs", generate_dbt_docs, paths)
    step("report", write_report, paths.work_db, folder / "reports", run_id, chart_cache_path(paths))
    step("exports", write_exports, paths, folder)
    out["timings"] = timings
    return out


def publish_run(paths: Paths, backend: Backend, run_id: str) -> dict[str, object]:
    """A run's publish in DuckLake mode (the flow, ``newsetl accept``): the search index into the
    work database, then every changed table into the lake in one transaction. The lake's
    tables are Parquet already: no exports; the run report stays with the single file for now.
    Then snapshots past the retention expire (``lake.maintain``)."""
    t0 = time.perf_counter()
    search = build_search(paths)
    search_seconds = round(time.perf_counter() - t0, 3)
    out = {**lake.publish(paths.work_db, backend, run_id), "search": search, "search_seconds": search_seconds}
    t0 = time.perf_counter()
    out["maintenance"] = {
        **lake.maintain(backend, setting("lake_snapshot_days")),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    return out
