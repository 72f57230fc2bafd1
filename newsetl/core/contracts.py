"""The types the stages hand each other, and the raw tables they are stored in.

Found files, documents, processed rows, quarantined items; :data:`RAW_TABLES` declares the
columns and types of every ``raw.*`` table once: the DDL (:mod:`newsetl.warehouse.schema`) is
generated from it and ``tests/test_contracts.py`` checks that each ``stg_raw__*`` dbt model
reads exactly these columns.

They sit below every layer, so storage (:mod:`newsetl.warehouse`) and processing
(:mod:`newsetl.pipeline`) share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsetl.core.script import to_simplified

# The per-article tables (keyed by article_id) the text core fills beside raw.articles:
# the one list the loader, the record checks and the dbt plan read.
ARTICLE_CHILD_TABLES = (
    "article_topics",
    "article_ministries",
    "article_organisations",
    "article_people",
    "article_places",
    "article_policy_documents",
    "article_search",
)
# the search tokens: kept apart from raw, in a work-only file (newsetl/warehouse/search_store.py)
SEARCH_TABLE = "article_search"
# article_quarantine: articles that failed an article rule (filled by the record checks)
TABLES = ("articles", "page_furniture", *ARTICLE_CHILD_TABLES, "article_quarantine")
# the same without the search tokens: what the loader writes to raw and dbt reads
RAW_CHILD_TABLES = tuple(t for t in ARTICLE_CHILD_TABLES if t != SEARCH_TABLE)
RAW_BATCH_TABLES = tuple(t for t in TABLES if t != SEARCH_TABLE)
# the full-text index publishing builds: the indexed text, and the fts extension's schema over it
INDEX_TABLE = "search.article_text"
FTS_SCHEMA = "fts_search_article_text"


@dataclass(frozen=True)
class Seen:
    """The last sighting of a path, as recorded in ``raw.file_versions``."""

    size: int
    mtime_ns: int
    doc_id: str


@dataclass(frozen=True)
class Decoded:
    doc_id: str
    path: str
    size: int
    mtime_ns: int
    encoding: str
    text: str
    note: str | None = None
    script: str = "hans"  # hans (Simplified), hant (Traditional), latin, other: see detect_script


@dataclass(frozen=True)
class Rejected:
    """One quarantined item (a file, a page or an article), whichever stage held it back."""

    path: str
    reason: str
    size: int
    sha256: str | None  # a processed page's or article's: its document's doc_id
    content: bytes  # the rejected bytes (a failed page: the traceback), for whoever repairs it
    stage: str = "ingest"  # raw.quarantine.stage: ingest, records or process


@dataclass
class ScanResult:
    decoded: list[Decoded] = field(default_factory=list)  # read this run (new or changed paths)
    unchanged: list[str] = field(default_factory=list)  # paths skipped by the stat check
    rejected: list[Rejected] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # still being written: next run
    bytes_read: int = 0
    unreadable_dirs: list[str] = field(default_factory=list)  # folders that could not be listed


@dataclass(frozen=True)
class DocInput:
    doc_id: str
    file_name: str
    text: str
    publication_date: str | None = None


@dataclass(frozen=True)
class StoredDoc:
    """A document as the processing stage fetches it: its text still UTF-8, as stored.

    Decoding 150 MB of Chinese text into ``str`` in the flow process, only to encode it
    again when pickling it for a text worker, cost the flow ≈ 0.7 s of CPU per 10,000
    pages while the workers wanted both cores; the bytes travel as they are and each
    worker decodes its own batch (:func:`as_input`).
    """

    doc_id: str
    file_name: str  # the path below the input folder (its folders may carry the publication date)
    data: bytes
    script: str = "hans"  # "hant": processed in Simplified (the lexicons are); raw keeps the original
    publication_date: str | None = None


def as_input(doc: DocInput | StoredDoc) -> DocInput:
    """The text core's input: decoded, and Traditional pages converted to Simplified."""
    if isinstance(doc, DocInput):
        return doc
    text = doc.data.decode("utf-8")
    if doc.script == "hant":
        text = to_simplified(text)
    return DocInput(doc.doc_id, doc.file_name, text, doc.publication_date)


def doc_chars(doc: DocInput | StoredDoc) -> int:
    """Characters of a document, for sizing batches (a stored one: its UTF-8 bytes / 3, CJK text)."""
    return len(doc.text) if isinstance(doc, DocInput) else len(doc.data) // 3


Rows = dict[str, dict[str, list]]  # table -> column -> values, one Arrow insert each
# A processed batch: its rows, and the pages the text core failed on (stage ``process``)
Processed = tuple[Rows, list[Rejected]]


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type
    required: bool = False  # NOT NULL
    key: bool = False  # the table's primary key (implies NOT NULL)
    staged: bool = True  # read by its dbt staging model (False: for the pipeline only)


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # a primary key of several columns

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


RAW_TABLES: dict[str, Table] = {
    "documents": Table(
        (
            Column("doc_id", "VARCHAR", key=True),
            Column("source_path", "VARCHAR", required=True),
            Column("file_name", "VARCHAR", required=True),
            Column("size_bytes", "BIGINT", required=True),
            Column("encoding", "VARCHAR", required=True),
            Column("decode_note", "VARCHAR"),
            Column("text", "VARCHAR", required=True),
            Column("char_count", "BIGINT", required=True),
            Column("first_seen_run", "VARCHAR", required=True),
            Column("last_seen_run", "VARCHAR", required=True),
            Column("ingested_at", "TIMESTAMP", required=True),
            Column("script", "VARCHAR", staged=False),  # hans, hant, latin, other: which text the workers get
        ),
    ),
    "file_versions": Table(
        (
            Column("path", "VARCHAR", required=True),
            Column("version", "INTEGER", required=True),
            Column("doc_id", "VARCHAR", required=True),
            Column("size_bytes", "BIGINT", required=True),
            Column("mtime_ns", "BIGINT", required=True, staged=False),  # the stat check of the next scan
            Column("first_seen_run", "VARCHAR", required=True),
            Column("last_seen_run", "VARCHAR", required=True),
            Column("superseded_run", "VARCHAR"),
        ),
        key=("path", "version"),
    ),
    "quarantine": Table(
        (
            Column("quarantine_id", "VARCHAR", key=True),
            Column("run_id", "VARCHAR", required=True),
            Column("stage", "VARCHAR", required=True),
            Column("path", "VARCHAR", required=True),
            Column("reason", "VARCHAR", required=True),
            Column("size_bytes", "BIGINT"),
            Column("sha256", "VARCHAR"),
            Column("content", "BLOB", staged=False),  # the rejected bytes, for whoever repairs the file
            Column("mtime_ns", "BIGINT", staged=False),  # the stat check of the next scan
            Column("detected_at", "TIMESTAMP", required=True),
        ),
    ),
    # Quarantined input paths that the latest complete scan no longer found (files deleted since):
    # replaced by every run, so marts.fct_quarantine lists only what is still in the input folder.
    "paths_gone": Table(
        (
            Column("path", "VARCHAR", required=True),
            Column("run_id", "VARCHAR", required=True),
        ),
    ),
    "articles": Table(
        (
            Column("article_id", "VARCHAR", key=True),
            Column("doc_id", "VARCHAR", required=True),
            Column("position_in_file", "INTEGER", required=True),
            Column("kicker", "VARCHAR"),
            Column("title", "VARCHAR"),
            Column("subtitle", "VARCHAR"),
            Column("bylines", "VARCHAR[]"),
            Column("source_label", "VARCHAR"),
            Column("dateline", "VARCHAR"),
            Column("body", "VARCHAR", required=True),
            Column("original_text", "VARCHAR", required=True),
            Column("subheads", "VARCHAR[]"),
            Column("paragraph_count", "INTEGER", required=True),
            Column("is_fragment", "BOOLEAN", required=True),
            Column("missing_part", "VARCHAR"),
            Column("joins_repaired", "INTEGER", required=True),
            Column("duplicates_removed", "INTEGER", required=True),
            Column("char_count", "INTEGER", required=True),
            Column("event_date", "DATE"),
            Column("date_precision", "VARCHAR"),
            Column("event_year", "INTEGER"),
            Column("date_evidence", "VARCHAR"),
            Column("primary_topic", "VARCHAR"),
            Column("processor_version", "VARCHAR", required=True),
            Column("processed_run", "VARCHAR", required=True),
        ),
    ),
    # Articles that failed an article rule (expectations/gate.yml article_rules), replaced with
    # their document's other processed rows: excluded ones are not in raw.articles, nulled ones are.
    "article_quarantine": Table(
        (
            Column("article_id", "VARCHAR", required=True),
            Column("doc_id", "VARCHAR", required=True),
            Column("source_file", "VARCHAR", required=True),
            Column("position_in_file", "INTEGER", required=True),
            Column("rule", "VARCHAR", required=True),
            Column("value", "VARCHAR"),
            Column("action", "VARCHAR", required=True),
            Column("reason", "VARCHAR", required=True),
            Column("processed_run", "VARCHAR"),
        ),
    ),
    "processed_documents": Table(
        (
            Column("doc_id", "VARCHAR", key=True),
            Column("processor_version", "VARCHAR", required=True),
            Column("processed_run", "VARCHAR", required=True),
        ),
    ),
    "page_furniture": Table(
        (
            Column("doc_id", "VARCHAR", required=True),
            Column("line_no", "INTEGER", required=True),
            Column("kind", "VARCHAR", required=True),
            Column("text", "VARCHAR", required=True),
        ),
    ),
    "article_topics": Table(
        (
            Column("article_id", "VARCHAR", required=True),
            Column("topic_code", "VARCHAR", required=True),
            Column("score", "DOUBLE", required=True),
            Column("is_primary", "BOOLEAN", required=True),
            Column("evidence", "VARCHAR[]"),
        ),
    ),
    "article_ministries": Table(
        (
            Column("article_id", "VARCHAR", required=True),
            Column("ministry_code", "VARCHAR", required=True),
            Column("alias", "VARCHAR", required=True),
            Column("mentions", "INTEGER", required=True),
        ),
    ),
    "article_organisations": Table(
        (
            Column("article_id", "VARCHAR", required=True),
            Column("name", "VARCHAR", required=True),
            Column("kind", "VARCHAR", required=True),
            Column("level", "VARCHAR"),
            Column("region", "VARCHAR"),
            Column("ministry_code", "VARCHAR"),
            Column("mentions", "INTEGER", required=True),
        ),
    ),
    "article_people": Table(
        (
            Column("article_id", "VARCHAR", required=True),
            Column("name", "VARCHAR", required=True),
            Column("role", "VARCHAR"),
            Column("organisation", "VARCHAR"),
        ),
    ),
    "article_places": Table(
        (
            Column("article_id", "VARCHAR", required=True),
            Column("name", "VARCHAR", required=True),
            Column("full_name", "VARCHAR", required=True),
            Column("adcode", "VARCHAR"),
            Column("level", "VARCHAR", required=True),
            Column("province", "VARCHAR"),
            Column("mentions", "INTEGER", required=True),
        ),
    ),
    "article_policy_documents": Table(
        (
            Column("article_id", "VARCHAR", required=True),
            Column("title", "VARCHAR", required=True),
            Column("doc_type", "VARCHAR", required=True),
            Column("mentions", "INTEGER", required=True),
        ),
    ),
}
# Full-text search tokens, made by the text workers: publishing indexes them as they are. Work-only:
# kept in their own file (newsetl/warehouse/search_store.py), never in raw nor published.
SEARCH_TOKENS = Table(
    (
        Column("article_id", "VARCHAR", key=True),
        Column("content_hash", "VARCHAR", required=True),
        Column("dictionary_version", "VARCHAR", required=True),
        Column("tokens", "VARCHAR", required=True),
    ),
)
# every table the text core fills, by name: the raw tables and the search tokens
PROCESSED_TABLES: dict[str, Table] = {**RAW_TABLES, SEARCH_TABLE: SEARCH_TOKENS}


def create_table_sql(schema: str, name: str, table: Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for ``table``."""
    lines = [
        f"    {c.name} {c.type}" + (" PRIMARY KEY" if c.key else " NOT NULL" if c.required else "")
        for c in table.columns
    ]
    if table.key:
        lines.append(f"    PRIMARY KEY ({', '.join(table.key)})")
    body = ",\n".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {schema}.{name} (\n{body}\n);"
