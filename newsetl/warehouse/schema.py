"""DDL for the tables Python writes (dbt sources; declared in newsetl/core/contracts.py) and the ops tables.

``raw.documents``, ``raw.file_versions`` and ``raw.quarantine`` are the record
of what was ingested and are only ever appended to (plus last-seen updates).
The ``raw.article*`` tables are the text core's output: derivable from
``raw.documents`` at any time (``--full-refresh``).
"""

from __future__ import annotations

import duckdb

from newsetl.core.contracts import RAW_TABLES, create_table_sql

RAW_DDL = "\n\n".join(create_table_sql("raw", name, table) for name, table in RAW_TABLES.items())

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS ops;

CREATE TABLE IF NOT EXISTS ops.runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    input_dir VARCHAR,
    full_refresh BOOLEAN,
    files_seen INTEGER,
    files_read INTEGER,
    documents_new INTEGER,
    quarantined INTEGER,
    documents_processed INTEGER,
    articles_written INTEGER,
    articles_total INTEGER,
    gate_outcome VARCHAR,
    gate_failures VARCHAR,
    published_path VARCHAR,
    message VARCHAR,
    stage_seconds VARCHAR
);

-- What operators decided (newsetl accept / set-aside): kept forever, shown by newsetl status.
-- kind: run (a blocked run accepted and published), article or file (set aside: out of the
-- marts and of the gate's counts until revoked).
CREATE TABLE IF NOT EXISTS ops.decisions (
    decision_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    decided_by VARCHAR,
    decided_at TIMESTAMP NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT false,
    revoked_at TIMESTAMP
);

-- Documents a failed run had processed, marked unprocessed again (load.forget_processing) so the
-- next run redoes them; `newsetl accept` of that run restores them instead.
CREATE TABLE IF NOT EXISTS ops.forgotten_processing (
    run_id VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    processor_version VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS ops.gate_results (
    run_id VARCHAR NOT NULL,
    suite VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,
    column_name VARCHAR,
    severity VARCHAR NOT NULL,
    success BOOLEAN NOT NULL,
    observed VARCHAR,
    explanation VARCHAR,
    checked_at TIMESTAMP NOT NULL
);
"""

# Columns added after a table was first created: applied to existing work databases too.
MIGRATIONS = """
ALTER TABLE raw.documents ADD COLUMN IF NOT EXISTS script VARCHAR;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS no_topic_share DOUBLE;
ALTER TABLE ops.runs ADD COLUMN IF NOT EXISTS articles_quarantined INTEGER;
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS ops;")
    con.execute(RAW_DDL)
    con.execute(DDL)
    con.execute(MIGRATIONS)
