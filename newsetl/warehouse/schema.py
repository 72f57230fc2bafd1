"""DDL for the tables Python writes (dbt sources) and the ops tables.

``raw.documents``, ``raw.file_versions`` and ``raw.quarantine`` are the record
of what was ingested and are only ever appended to (plus last-seen updates).
The ``raw.article*`` tables are the text core's output: derivable from
``raw.documents`` at any time (``--full-refresh``).
"""

from __future__ import annotations

import duckdb

DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS ops;

CREATE TABLE IF NOT EXISTS raw.documents (
    doc_id VARCHAR PRIMARY KEY,
    source_path VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    encoding VARCHAR NOT NULL,
    decode_note VARCHAR,
    text VARCHAR NOT NULL,
    char_count BIGINT NOT NULL,
    first_seen_run VARCHAR NOT NULL,
    last_seen_run VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.file_versions (
    path VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    doc_id VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    first_seen_run VARCHAR NOT NULL,
    last_seen_run VARCHAR NOT NULL,
    superseded_run VARCHAR,
    PRIMARY KEY (path, version)
);

CREATE TABLE IF NOT EXISTS raw.quarantine (
    quarantine_id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    size_bytes BIGINT,
    sha256 VARCHAR,
    content BLOB,
    mtime_ns BIGINT,
    detected_at TIMESTAMP NOT NULL
);

-- Quarantined input paths that the latest complete scan no longer found (files deleted since):
-- replaced by every run, so marts.fct_quarantine lists only what is still in the input folder.
CREATE TABLE IF NOT EXISTS raw.paths_gone (
    path VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.articles (
    article_id VARCHAR PRIMARY KEY,
    doc_id VARCHAR NOT NULL,
    position_in_file INTEGER NOT NULL,
    kicker VARCHAR,
    title VARCHAR,
    subtitle VARCHAR,
    bylines VARCHAR[],
    source_label VARCHAR,
    dateline VARCHAR,
    body VARCHAR NOT NULL,
    original_text VARCHAR NOT NULL,
    subheads VARCHAR[],
    paragraph_count INTEGER NOT NULL,
    is_fragment BOOLEAN NOT NULL,
    missing_part VARCHAR,
    joins_repaired INTEGER NOT NULL,
    duplicates_removed INTEGER NOT NULL,
    char_count INTEGER NOT NULL,
    event_date DATE,
    date_precision VARCHAR,
    event_year INTEGER,
    date_evidence VARCHAR,
    primary_topic VARCHAR,
    processor_version VARCHAR NOT NULL,
    processed_run VARCHAR NOT NULL
);

-- Articles that failed an article rule (expectations/gate.yml article_rules), replaced with
-- their document's other processed rows: excluded ones are not in raw.articles, nulled ones are.
CREATE TABLE IF NOT EXISTS raw.article_quarantine (
    article_id VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    position_in_file INTEGER NOT NULL,
    rule VARCHAR NOT NULL,
    value VARCHAR,
    action VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    processed_run VARCHAR
);

CREATE TABLE IF NOT EXISTS raw.processed_documents (
    doc_id VARCHAR PRIMARY KEY,
    processor_version VARCHAR NOT NULL,
    processed_run VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.page_furniture (
    doc_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    text VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.article_topics (
    article_id VARCHAR NOT NULL,
    topic_code VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    is_primary BOOLEAN NOT NULL,
    evidence VARCHAR[]
);

CREATE TABLE IF NOT EXISTS raw.article_ministries (
    article_id VARCHAR NOT NULL,
    ministry_code VARCHAR NOT NULL,
    alias VARCHAR NOT NULL,
    mentions INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.article_organisations (
    article_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    level VARCHAR,
    region VARCHAR,
    ministry_code VARCHAR,
    mentions INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.article_people (
    article_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR,
    organisation VARCHAR
);

CREATE TABLE IF NOT EXISTS raw.article_places (
    article_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    full_name VARCHAR NOT NULL,
    adcode VARCHAR,
    level VARCHAR NOT NULL,
    province VARCHAR,
    mentions INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.article_policy_documents (
    article_id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    doc_type VARCHAR NOT NULL,
    mentions INTEGER NOT NULL
);

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
    con.execute(DDL)
    con.execute(MIGRATIONS)
