"""Chinese full-text search over the articles, callable from plain SQL.

How it works
------------
* Every article's text (kicker, title - counted twice, so headline matches rank higher -
  subtitle, body) is segmented with rjieba in *search mode* plus a user dictionary of the
  lexicon terms (topic terms, ministry names and aliases, organisations), so 工业和信息化部,
  复工复产 or 工业互联网 stay whole tokens while their parts (工业, 复工 ...) are indexed too
  (``newsetl.core.search_tokens``). The text workers do it in the same pass as the rest of the
  text core and store the tokens (``article_search`` in the work-only tokens file,
  ``newsetl/warehouse/search_store.py``) with the hash of the text and the dictionary version
  they were made with.
* At publish time :func:`build_search_index` adds those stored tokens to the index; only an
  article without tokens for its current text and dictionary (a warehouse from before the
  stored tokens, a lexicon that differs from the seed CSVs) is segmented here, on all cores.
  Only new, changed or removed articles are touched; ``search.article_text`` records what is
  indexed (content hash, dictionary version).
* The index is DuckDB's fts extension layout (from the pip package
  ``duckdb-extension-fts``, never downloaded) in schema ``fts_search_article_text``:
  ``PRAGMA create_fts_index`` creates it once (``stemmer='none', stopwords='none'``,
  whitespace as the only separator) and it is then maintained incrementally.
* Two SQL table macros stored in the warehouse make the index usable from any
  DuckDB client, **without loading the extension** (BI tools, the duckdb CLI,
  SQLAlchemy, ``newsetl sql``):

  - ``search.query_terms(q)``: the indexed terms a query stands for. Words may
    be separated by spaces; an unspaced Chinese query is matched against the
    index vocabulary and the longest terms it contains are kept
    (``'复工复产 中小企业'`` -> 复工复产, 中小企业).
  - ``search.articles(q)``: current articles matching any query term, ranked by
    BM25 (same formula and scores as the extension's ``match_bm25``), with
    title, date, topic and a snippet.

  With the extension loaded (``newsetl sql`` does it) the extension's own
  ``fts_search_article_text.match_bm25(article_id, '复工复产')`` works as well;
  its query string must then be segmented the same way (space separated).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from newsetl.core.contracts import FTS_SCHEMA, INDEX_TABLE
from newsetl.core.search_tokens import DICTIONARY_SOURCES, Segmenter, dictionary_version, segment_texts
from newsetl.pipeline.process import PARALLEL_MIN_CHARS, default_workers
from newsetl.warehouse import search_store

SLICE_ARTICLES = 1000  # articles segmented and indexed per step: their token rows bound the memory of a step

# Lexicon columns whose values become user-dictionary words (table, column): the seed tables in raw.
_DICTIONARY_SOURCES = tuple((f"raw.{table}", column) for table, column in DICTIONARY_SOURCES)
# Tokens the text workers made (newsetl.pipeline.process), indexed as they are when text and dictionary match.
STORED_TOKENS = search_store.TABLE  # in the work-only tokens file, attached beside the work DB


def fts_extension_path() -> Path:
    """The fts extension binary shipped by the pip package duckdb-extension-fts (matching duckdb)."""
    import duckdb_extension_fts

    base = Path(duckdb_extension_fts.__file__).resolve().parent / "extensions"
    path = base / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if not path.exists():
        found = sorted(base.glob("v*/fts.duckdb_extension"))
        raise RuntimeError(
            f"fts extension for duckdb {duckdb.__version__} not found under {base} (have: {[str(p) for p in found]})"
        )
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """LOAD the fts extension from the pip package (no download)."""
    con.load_extension(str(fts_extension_path()))  # the path is passed as a value, never spliced into SQL


def dictionary_terms(con: duckdb.DuckDBPyConnection) -> list[str]:
    """User-dictionary words from the lexicons (seed tables in schema raw)."""
    existing = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name = 'raw'"
        ).fetchall()
    }
    parts = [
        f"SELECT CAST({col} AS VARCHAR) AS term FROM {table}"  # noqa: S608 - fixed identifiers
        for table, col in _DICTIONARY_SOURCES
        if table in existing
    ]
    if not parts:
        return []
    rows = con.execute(
        "SELECT DISTINCT trim(term) AS term FROM (" + " UNION ALL ".join(parts) + ") "  # noqa: S608 - constant identifiers, values bound as parameters
        "WHERE term IS NOT NULL AND length(trim(term)) >= 2 ORDER BY term"
    ).fetchall()
    return [r[0] for r in rows]


def _content_hash_sql(alias: str) -> str:
    return (
        f"md5(concat_ws(chr(10), coalesce({alias}.kicker, ''), coalesce({alias}.title, ''), "
        f"coalesce({alias}.subtitle, ''), {alias}.body))"
    )


def _segment_parallel(terms: list[str], texts: list[str], pool: tuple | None = None) -> list[str]:
    """Segment on all cores (``pool``: executor, workers) when there is enough text, else here."""
    if pool is None or sum(map(len, texts)) < PARALLEL_MIN_CHARS:
        return segment_texts(terms, texts)
    pool, workers = pool
    step = -(-len(texts) // (workers * 2))
    parts = [texts[i : i + step] for i in range(0, len(texts), step)]
    out: list[str] = []
    for part in pool.map(segment_texts, [terms] * len(parts), parts):
        out.extend(part)
    return out


@contextmanager
def _segmentation_pool(n_articles: int) -> Iterator[tuple | None]:
    """A process pool for a large (re)indexing, closed right after it (workers hold rjieba's dictionary)."""
    workers = default_workers()
    if workers <= 1 or n_articles < 200:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
    try:
        yield pool, workers
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def build_search_index(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Bring the search index in line with ``marts.fct_articles``: only new, changed or removed articles.

    Runs on the work database after dbt. Cost: one rjieba pass (on all cores) over the
    articles not yet indexed, plus index maintenance proportional to them, in slices of
    ``SLICE_ARTICLES`` so memory is bounded by the slice. ``search.article_text`` keeps one
    row per indexed article (content hash, dictionary version), not the tokens: they live in
    the fts tables only.
    """

    load_fts(con)
    terms = dictionary_terms(con)
    version = dictionary_version(terms)
    _ensure_index_tables(con)
    removed_ids = [
        r[0]
        for r in con.execute(
            f"""SELECT t.article_id FROM {INDEX_TABLE} AS t
            WHERE t.dictionary_version <> ?
               OR NOT EXISTS (
                    SELECT 1 FROM marts.fct_articles AS a
                    WHERE a.article_id = t.article_id AND {_content_hash_sql("a")} = t.content_hash)""",  # noqa: S608 - constant identifiers, values bound as parameters
            [version],
        ).fetchall()
    ]
    if removed_ids:
        _remove_documents(con, removed_ids)
    stored, stored_params = _stored_tokens_join(con, version)
    # rowids, not ids: a slice is then fetched by a rowid range, which DuckDB answers by
    # reading only the row groups of that range instead of scanning every article body
    todo = con.execute(
        f"""SELECT a.rowid, s.tokens IS NULL FROM marts.fct_articles AS a
            ANTI JOIN {INDEX_TABLE} AS t ON a.article_id = t.article_id
            {stored}
            ORDER BY a.rowid""",  # noqa: S608 - constant identifiers, values bound as parameters
        stored_params,
    ).fetchall()
    todo_rows = [r[0] for r in todo]
    segmented = 0
    # the text workers made the tokens of almost every article: a pool only for what they did not
    with _segmentation_pool(sum(1 for r in todo if r[1])) as pool:
        for i in range(0, len(todo_rows), SLICE_ARTICLES):
            rows = todo_rows[i : i + SLICE_ARTICLES]
            segmented += _index_slice(con, terms, version, rows[0], rows[-1], pool, (stored, stored_params))
    if removed_ids or todo_rows:
        _refresh_stats(con)
    create_search_macros(con)
    indexed = con.execute(f"SELECT count(*) FROM {INDEX_TABLE}").fetchone()[0]  # noqa: S608 - constant identifiers
    return {
        "indexed_new": len(todo_rows),
        "segmented": segmented,
        "removed": len(removed_ids),
        "indexed": indexed,
        "dictionary_terms": len(terms),
    }


def _stored_tokens_join(con: duckdb.DuckDBPyConnection, version: str) -> tuple[str, list[str]]:
    """SQL (and its parameters) joining ``marts.fct_articles AS a`` to the tokens the text workers
    stored for its very text and dictionary ``version``; ``s.tokens`` is NULL where there are none.
    A connection without the tokens file attached has none: every ``s.tokens`` is NULL."""
    catalog, schema, table = STORED_TOKENS.split(".")
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
        [catalog, schema, table],
    ).fetchone()[0]
    if not exists:
        return "CROSS JOIN (SELECT NULL::VARCHAR AS tokens) AS s", []
    return (
        f"LEFT JOIN {STORED_TOKENS} AS s ON s.article_id = a.article_id "
        f"AND s.content_hash = {_content_hash_sql('a')} AND s.dictionary_version = ?",
        [version],
    )


def _index_slice(
    con: duckdb.DuckDBPyConnection,
    terms: list[str],
    version: str,
    first_row: int,
    last_row: int,
    pool,
    stored: tuple[str, list[str]],
) -> int:
    """Add the not yet indexed articles whose rowid is in ``first_row``..``last_row``; return how
    many had to be segmented here (no stored tokens for their text and dictionary)."""
    import pyarrow as pa

    todo = con.execute(
        f"""SELECT a.article_id, {_content_hash_sql("a")} AS content_hash, s.tokens,
               CASE WHEN s.tokens IS NULL THEN concat_ws(chr(10), a.kicker, a.title, a.title, a.subtitle, a.body)
               END AS text
            FROM marts.fct_articles AS a
            ANTI JOIN {INDEX_TABLE} AS t ON a.article_id = t.article_id
            {stored[0]}
            WHERE a.rowid BETWEEN ? AND ?""",  # noqa: S608 - constant identifiers, values bound as parameters
        [*stored[1], first_row, last_row],
    ).to_arrow_table()
    tokens = todo.column("tokens")
    missing = tokens.null_count
    if missing:
        texts = todo.column("text").to_pylist()
        values = tokens.to_pylist()
        todo_idx = [i for i, t in enumerate(values) if t is None]
        for i, toks in zip(
            todo_idx, _segment_parallel(terms, [texts[i] for i in todo_idx], pool), strict=True
        ):
            values[i] = toks
        tokens = pa.array(values, pa.string())
    batch = pa.table(
        {
            "article_id": todo.column("article_id"),
            "content_hash": todo.column("content_hash"),
            "tokens": tokens,
        }
    )
    del todo
    _add_documents(con, batch, version)
    return missing


def _fts_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'stats'",
            [FTS_SCHEMA],
        ).fetchone()[0]
    )


def _ensure_index_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``search.article_text`` and the extension's index tables (empty) on first use.

    The extension's ``PRAGMA create_fts_index`` is run once, over an empty table: it creates
    the index tables (docs, terms, dict, stats, fields) and its macros (``match_bm25``,
    ``tokenize``); every article is then added by :func:`_add_documents`. An index from an
    older layout (tokens stored in ``search.article_text``) is dropped and rebuilt once.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS search")
    columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'search' AND table_name = 'article_text'"
        ).fetchall()
    }
    if "tokens" in columns and _fts_exists(con):
        con.execute(f"DROP SCHEMA {FTS_SCHEMA} CASCADE")
        con.execute(f"DROP TABLE {INDEX_TABLE}")
    if not _fts_exists(con):
        con.execute(f"DROP TABLE IF EXISTS {INDEX_TABLE}")
        con.execute(f"CREATE TABLE {INDEX_TABLE} (article_id VARCHAR PRIMARY KEY, tokens VARCHAR)")
        con.execute(
            f"PRAGMA create_fts_index('{INDEX_TABLE}', 'article_id', 'tokens', stemmer='none', stopwords='none', "
            r"ignore='\s+', strip_accents=0, lower=1, overwrite=1)"
        )
        con.execute(f"DROP TABLE {INDEX_TABLE}")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {INDEX_TABLE} (
            article_id VARCHAR PRIMARY KEY,
            content_hash VARCHAR NOT NULL,
            dictionary_version VARCHAR NOT NULL
        )"""
    )


def _remove_documents(con: duckdb.DuckDBPyConnection, article_ids: list[str]) -> None:
    """Take articles out of the index: their term rows, document frequencies and doc rows."""
    s = FTS_SCHEMA
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_removed_ids", pa_table({"article_id": article_ids}))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_gone AS
                SELECT docid FROM {s}.docs WHERE name IN (SELECT article_id FROM _removed_ids)"""  # noqa: S608 - constant identifiers
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_df AS
                SELECT termid, count(DISTINCT docid) AS n FROM {s}.terms
                WHERE docid IN (SELECT docid FROM _fts_gone) GROUP BY termid"""  # noqa: S608
        )
        con.execute(
            f"UPDATE {s}.dict SET df = {s}.dict.df - _fts_df.n FROM _fts_df WHERE {s}.dict.termid = _fts_df.termid"  # noqa: S608
        )
        con.execute(f"DELETE FROM {s}.dict WHERE df <= 0")  # noqa: S608
        con.execute(f"DELETE FROM {s}.terms WHERE docid IN (SELECT docid FROM _fts_gone)")  # noqa: S608
        con.execute(f"DELETE FROM {s}.docs WHERE docid IN (SELECT docid FROM _fts_gone)")  # noqa: S608
        con.execute(f"DELETE FROM {INDEX_TABLE} WHERE article_id IN (SELECT article_id FROM _removed_ids)")  # noqa: S608
        con.execute("DROP TABLE _fts_gone")
        con.execute("DROP TABLE _fts_df")
        con.unregister("_removed_ids")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _add_documents(con: duckdb.DuckDBPyConnection, batch, version: str) -> None:
    """Add one slice of segmented articles (``article_id, content_hash, tokens``) in one transaction.

    The fts tables keep the extension's layout and meaning (one ``terms`` row per token
    occurrence, ``docs.len`` = tokens of a document, ``dict.df`` = documents of a term), so
    ``match_bm25`` and ``search.articles`` score exactly as after a full
    ``PRAGMA create_fts_index``; only the internal docid/termid numbering differs. Document
    frequencies are updated by delta, so the cost follows the slice, not the archive.
    """
    s = FTS_SCHEMA
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_search_batch", batch)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_new AS
                SELECT (SELECT coalesce(max(docid), -1) FROM {s}.docs) + row_number() OVER (ORDER BY article_id) AS docid,
                       article_id AS name, tokens
                FROM _search_batch"""  # noqa: S608
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _fts_tok AS
                SELECT docid, term FROM (SELECT docid, unnest(string_split(tokens, ' ')) AS term FROM _fts_new)
                WHERE term <> ''"""  # noqa: S608 - tokens: lower-cased, space-separated (search_tokens)
        )
        con.execute(
            f"""INSERT INTO {s}.docs
                SELECT n.docid, n.name, coalesce(c.len, 0)
                FROM _fts_new AS n LEFT JOIN (SELECT docid, count(*) AS len FROM _fts_tok GROUP BY docid) AS c
                  ON n.docid = c.docid"""  # noqa: S608
        )
        con.execute(
            f"""INSERT INTO {s}.dict
                SELECT (SELECT coalesce(max(termid), -1) FROM {s}.dict) + row_number() OVER (ORDER BY term), term, 0
                FROM (SELECT DISTINCT term FROM _fts_tok) AS t
                WHERE NOT EXISTS (SELECT 1 FROM {s}.dict AS d WHERE d.term = t.term)"""  # noqa: S608
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_ids AS
                SELECT t.docid, d.termid FROM _fts_tok AS t JOIN {s}.dict AS d ON t.term = d.term"""  # noqa: S608
        )
        con.execute(f"INSERT INTO {s}.terms SELECT docid, 0, termid FROM _fts_ids")  # noqa: S608
        con.execute(
            f"""UPDATE {s}.dict SET df = {s}.dict.df + n.n
                FROM (SELECT termid, count(DISTINCT docid) AS n FROM _fts_ids GROUP BY termid) AS n
                WHERE {s}.dict.termid = n.termid"""  # noqa: S608
        )
        con.execute(
            f"INSERT INTO {INDEX_TABLE} SELECT article_id, content_hash, ? FROM _search_batch",  # noqa: S608
            [version],
        )
        for tmp in ("_fts_new", "_fts_tok", "_fts_ids"):
            con.execute(f"DROP TABLE {tmp}")  # noqa: S608 - names from the fixed tuple above
        con.unregister("_search_batch")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _refresh_stats(con: duckdb.DuckDBPyConnection) -> None:
    s = FTS_SCHEMA
    con.execute("BEGIN TRANSACTION")
    con.execute(f"DELETE FROM {s}.stats")  # noqa: S608
    con.execute(f"INSERT INTO {s}.stats SELECT count(*), avg(len) FROM {s}.docs")  # noqa: S608
    con.execute("COMMIT")


def pa_table(columns: dict[str, list]):
    import pyarrow as pa

    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


def _in_catalog(table: str) -> str:
    """A table of the warehouse the macro is called on, whatever that catalog is named.

    DuckDB binds a macro's body in the caller's catalog, not the macro's: with a plain
    ``fts_search_article_text.dict`` the macros broke in a renamed copy of the file and under
    ``ATTACH ... AS wh``. ``query_table`` takes the name as a string built at call time: the
    macro's ``db`` argument (the ATTACH alias) or else the caller's current database (the file
    itself when it is opened directly, or after ``USE wh``).
    """
    schema, name = table.split(".")
    return (
        "query_table('\"' || replace(coalesce(db, current_database()), '\"', '\"\"') || "
        f'\'"."{schema}"."{name}"\')'
    )


_QUERY_TERMS_BODY = f"""
WITH chunks AS (
    SELECT DISTINCT lower(chunk) AS chunk
    FROM (SELECT unnest(string_split_regex(trim(q), '\\s+')) AS chunk)
    WHERE chunk <> ''
),
hits AS (
    SELECT DISTINCT dict.term
    FROM {_in_catalog(FTS_SCHEMA + ".dict")} AS dict, chunks
    WHERE dict.term = chunks.chunk
       OR (length(dict.term) >= 2 AND contains(chunks.chunk, dict.term))
)
SELECT hits.term
FROM hits
WHERE NOT EXISTS (
    SELECT 1 FROM hits AS longer
    WHERE length(longer.term) > length(hits.term) AND contains(longer.term, hits.term)
)
"""  # noqa: S608 - constant identifiers

MACROS_SQL = f"""
CREATE OR REPLACE MACRO search.query_terms(q, db := NULL) AS TABLE
{_QUERY_TERMS_BODY}
ORDER BY length(hits.term) DESC, hits.term;

CREATE OR REPLACE MACRO search.articles(q, k := 1.2, b := 0.75, db := NULL) AS TABLE
WITH query_terms AS ({_QUERY_TERMS_BODY}),
qterms AS (
    SELECT dict.termid, dict.term, dict.df
    FROM {_in_catalog(FTS_SCHEMA + ".dict")} AS dict
    WHERE dict.term IN (SELECT term FROM query_terms)
),
tf AS (
    SELECT terms.docid, terms.termid, count(*) AS tf
    FROM {_in_catalog(FTS_SCHEMA + ".terms")} AS terms
    WHERE terms.termid IN (SELECT termid FROM qterms)
    GROUP BY terms.docid, terms.termid
),
scores AS (
    SELECT
        tf.docid,
        sum(
            log(((stats.num_docs - qterms.df) + 0.5) / (qterms.df + 0.5) + 1)
            * ((tf.tf * (k + 1)) / (tf.tf + k * ((1 - b) + b * (docs.len / stats.avgdl))))
        ) AS score,
        list(qterms.term ORDER BY length(qterms.term) DESC, qterms.term) AS matched_terms
    FROM tf
    JOIN qterms ON tf.termid = qterms.termid
    JOIN {_in_catalog(FTS_SCHEMA + ".docs")} AS docs ON tf.docid = docs.docid
    CROSS JOIN {_in_catalog(FTS_SCHEMA + ".stats")} AS stats
    GROUP BY tf.docid
)
SELECT
    docs.name AS article_id,
    round(scores.score, 6) AS score,
    scores.matched_terms,
    a.title,
    a.event_date,
    a.event_period_start,
    a.date_precision,
    a.primary_topic,
    a.source_file,
    CASE WHEN instr(lower(a.body), scores.matched_terms[1]) > 0 THEN
        substr(a.body, greatest(1, instr(lower(a.body), scores.matched_terms[1]) - 30), 90)
    ELSE left(a.body, 90) END AS snippet
FROM scores
JOIN {_in_catalog(FTS_SCHEMA + ".docs")} AS docs ON scores.docid = docs.docid
JOIN {_in_catalog("marts.fct_articles")} AS a ON a.article_id = docs.name
ORDER BY scores.score DESC, docs.name;
"""  # noqa: S608 - constant identifiers, values bound as parameters


def create_search_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS_SQL)


def search(con: duckdb.DuckDBPyConnection, query: str, limit: int = 20) -> list[tuple]:
    """Ranked (article_id, score, matched_terms, title, ...) rows for a Chinese query."""
    return con.execute("SELECT * FROM search.articles(?) LIMIT ?", [query, limit]).fetchall()


def has_index(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'dict'", [FTS_SCHEMA]
        ).fetchone()[0]
    )


__all__ = [
    "Segmenter",
    "dictionary_version",
    "build_search_index",
    "create_search_macros",
    "dictionary_terms",
    "fts_extension_path",
    "has_index",
    "load_fts",
    "search",
]
