"""Chinese full-text search over the articles, callable from plain SQL.

How it works
------------
* At publish time :func:`build_search_index` segments every current article
  (kicker, title - counted twice, so headline matches rank higher - subtitle, body) with rjieba in *search mode* plus a user
  dictionary of the lexicon terms (topic terms, ministry names and aliases,
  organisations), so 工业和信息化部, 复工复产 or 工业互联网 stay whole tokens while
  their parts (工业, 复工 ...) are indexed too. The space-separated tokens go to
  ``search.article_text``; only new or changed articles are segmented again.
* DuckDB's fts extension (from the pip package ``duckdb-extension-fts``, never
  downloaded) indexes that column: ``PRAGMA create_fts_index`` with
  ``stemmer='none', stopwords='none'`` and whitespace as the only separator,
  into schema ``fts_search_article_text``.
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

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

INDEX_TABLE = "search.article_text"
FTS_SCHEMA = "fts_search_article_text"
SLICE_ARTICLES = 3000  # articles segmented and indexed per step
_WORDLIKE = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")

# Lexicon columns whose values become user-dictionary words (table, column) - all from dbt seeds in raw.
_DICTIONARY_SOURCES = (
    ("raw.topic_terms", "term"),
    ("raw.topics", "name_zh"),
    ("raw.ministries", "name_zh"),
    ("raw.ministries", "abbreviation"),
    ("raw.ministry_aliases", "alias"),
    ("raw.organisations", "name"),
    ("raw.organisations", "canonical_name"),
)


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


class Segmenter:
    """rjieba in search mode with the lexicon terms added as user words."""

    def __init__(self, terms: Iterable[str]):
        import rjieba

        self.terms = sorted(set(terms))
        self._term_set = frozenset(self.terms)
        self._jieba = rjieba.Jieba()
        for term in self.terms:
            if " " not in term:
                self._jieba.add_word(term, None, None)
        self.version = hashlib.sha256("\n".join(self.terms).encode()).hexdigest()[:16]

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for tok in self._jieba.cut_for_search(text, False):
            if not _WORDLIKE.search(tok):
                continue
            out.append(tok.lower())
            # search mode only adds the 2- and 3-character parts of a long word: also add the
            # lexicon terms inside it, so 工业互联网平台 is found by 工业互联网.
            if len(tok) >= 5:
                out.extend(
                    sub.lower()
                    for n in range(4, len(tok))
                    for i in range(len(tok) - n + 1)
                    if (sub := tok[i : i + n]) in self._term_set
                )
        return out

    def segment(self, text: str) -> str:
        return " ".join(self.tokens(text))


def _content_hash_sql(alias: str) -> str:
    return (
        f"md5(concat_ws(chr(10), coalesce({alias}.kicker, ''), coalesce({alias}.title, ''), "
        f"coalesce({alias}.subtitle, ''), {alias}.body))"
    )


def build_search_index(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Segment new/changed current articles, rebuild the fts index and (re)create the SQL macros.

    Runs on the work database after dbt; cost is one rjieba pass over the
    articles not yet segmented plus the extension's index build.
    """
    import pyarrow as pa

    load_fts(con)
    seg = Segmenter(dictionary_terms(con))
    con.execute("CREATE SCHEMA IF NOT EXISTS search")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {INDEX_TABLE} (
            article_id VARCHAR PRIMARY KEY,
            content_hash VARCHAR NOT NULL,
            dictionary_version VARCHAR NOT NULL,
            tokens VARCHAR NOT NULL
        )"""
    )
    removed_ids = [
        r[0]
        for r in con.execute(
            f"""DELETE FROM {INDEX_TABLE} AS t
            WHERE t.dictionary_version <> ?
               OR NOT EXISTS (
                    SELECT 1 FROM marts.fct_articles AS a
                    WHERE a.article_id = t.article_id AND {_content_hash_sql('a')} = t.content_hash)
            RETURNING t.article_id""",  # noqa: S608 - constant identifiers, values bound as parameters
            [seg.version],
        ).fetchall()
    ]
    removed = len(removed_ids)
    if not _fts_exists(con):
        # First build: the extension creates the index tables and its macros (match_bm25,
        # tokenize) over what the table holds now; everything else is added incrementally.
        con.execute(
            f"PRAGMA create_fts_index('{INDEX_TABLE}', 'article_id', 'tokens', stemmer='none', stopwords='none', "
            r"ignore='\s+', strip_accents=0, lower=1, overwrite=1)"
        )
    todo_ids = [
        r[0]
        for r in con.execute(
            f"""SELECT a.article_id FROM marts.fct_articles AS a
                ANTI JOIN {INDEX_TABLE} AS t ON a.article_id = t.article_id ORDER BY a.article_id"""  # noqa: S608 - constant identifiers
        ).fetchall()
    ]
    # Segment and index in slices: memory stays bounded by the slice, not the archive
    # (a cold 10,000-page build in one piece peaked at 3.5 GB RSS).
    for i in range(0, len(todo_ids), SLICE_ARTICLES):
        con.register("_search_ids", pa.table({"article_id": todo_ids[i : i + SLICE_ARTICLES]}))
        try:
            todo = con.execute(
                f"""SELECT a.article_id, {_content_hash_sql('a')} AS content_hash,
                       concat_ws(chr(10), a.kicker, a.title, a.title, a.subtitle, a.body) AS text
                    FROM marts.fct_articles AS a
                    WHERE a.article_id IN (SELECT article_id FROM _search_ids)"""  # noqa: S608 - constant identifiers
            ).fetchall()
        finally:
            con.unregister("_search_ids")
        batch = pa.table(
            {
                "article_id": [r[0] for r in todo],
                "content_hash": [r[1] for r in todo],
                "dictionary_version": [seg.version] * len(todo),
                "tokens": [seg.segment(r[2]) for r in todo],
            }
        )
        del todo
        con.register("_search_batch", batch)
        try:
            con.execute(f"INSERT INTO {INDEX_TABLE} SELECT * FROM _search_batch")  # noqa: S608 - constant identifiers, values bound as parameters
        finally:
            con.unregister("_search_batch")
        del batch
        _update_fts(con, removed_ids if i == 0 else [])
    if removed and not todo_ids:
        _update_fts(con, removed_ids)
    create_search_macros(con)
    indexed = con.execute(f"SELECT count(*) FROM {INDEX_TABLE}").fetchone()[0]  # noqa: S608 - constant identifiers, values bound as parameters
    return {"segmented": len(todo_ids), "removed": removed, "indexed": indexed, "dictionary_terms": len(seg.terms)}


def _fts_exists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'stats'", [FTS_SCHEMA]
        ).fetchone()[0]
    )


def _update_fts(con: duckdb.DuckDBPyConnection, removed_ids: list[str]) -> None:
    """Bring the fts tables (docs, terms, dict, stats) in line with the index table, incrementally.

    ``PRAGMA create_fts_index`` can only rebuild the whole index: O(archive) on every run
    with a new page (~3 s per 1,000 pages; at 10,000 pages minutes and >2 GB RSS). This
    applies only the difference: rows of removed or changed articles out, rows of new ones
    in, document frequencies recomputed for the touched terms, stats refreshed. The tables
    keep the extension's layout and meaning (len = tokens of a document, df = documents
    of a term), so ``match_bm25`` and ``search.articles`` score exactly as after a rebuild;
    only the internal docid/termid numbering differs.
    """
    s = FTS_SCHEMA
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_removed_ids", pa_table({"article_id": removed_ids}))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_gone AS
                SELECT docid FROM {s}.docs
                WHERE name IN (SELECT article_id FROM _removed_ids)
                   OR name NOT IN (SELECT article_id FROM {INDEX_TABLE})"""  # noqa: S608 - constant identifiers
        )
        con.unregister("_removed_ids")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_touched AS
                SELECT DISTINCT termid FROM {s}.terms WHERE docid IN (SELECT docid FROM _fts_gone)"""  # noqa: S608
        )
        con.execute(f"DELETE FROM {s}.terms WHERE docid IN (SELECT docid FROM _fts_gone)")  # noqa: S608
        con.execute(f"DELETE FROM {s}.docs WHERE docid IN (SELECT docid FROM _fts_gone)")  # noqa: S608
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_new AS
                SELECT (SELECT coalesce(max(docid), -1) FROM {s}.docs) + row_number() OVER (ORDER BY article_id) AS docid,
                       article_id AS name, tokens
                FROM {INDEX_TABLE} WHERE article_id NOT IN (SELECT name FROM {s}.docs)"""  # noqa: S608
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_tok AS
                SELECT docid, term FROM (SELECT docid, unnest({s}.tokenize(tokens)) AS term FROM _fts_new)
                WHERE term IS NOT NULL AND term <> ''"""  # noqa: S608
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
                FROM (SELECT DISTINCT term FROM _fts_tok WHERE term NOT IN (SELECT term FROM {s}.dict))"""  # noqa: S608
        )
        con.execute(
            f"""INSERT INTO {s}.terms
                SELECT t.docid, 0, d.termid FROM _fts_tok AS t JOIN {s}.dict AS d ON t.term = d.term"""  # noqa: S608
        )
        con.execute(
            f"""INSERT INTO _fts_touched
                SELECT DISTINCT d.termid FROM (SELECT DISTINCT term FROM _fts_tok) AS t
                JOIN {s}.dict AS d ON t.term = d.term"""  # noqa: S608
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fts_df AS
                SELECT termid, count(DISTINCT docid) AS df FROM {s}.terms
                WHERE termid IN (SELECT termid FROM _fts_touched) GROUP BY termid"""  # noqa: S608
        )
        con.execute(
            f"""UPDATE {s}.dict SET df = _fts_df.df FROM _fts_df WHERE {s}.dict.termid = _fts_df.termid"""  # noqa: S608
        )
        con.execute(
            f"""DELETE FROM {s}.dict WHERE termid IN (SELECT termid FROM _fts_touched)
                AND termid NOT IN (SELECT termid FROM _fts_df)"""  # noqa: S608
        )
        con.execute(f"DELETE FROM {s}.stats")  # noqa: S608
        con.execute(f"INSERT INTO {s}.stats SELECT count(*), avg(len) FROM {s}.docs")  # noqa: S608
        for tmp in ("_fts_gone", "_fts_touched", "_fts_new", "_fts_tok", "_fts_df"):
            con.execute(f"DROP TABLE IF EXISTS {tmp}")  # noqa: S608 - names from the fixed tuple above
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def pa_table(columns: dict[str, list]):
    import pyarrow as pa

    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


MACROS_SQL = f"""
CREATE OR REPLACE MACRO search.query_terms(q) AS TABLE
WITH chunks AS (
    SELECT DISTINCT lower(chunk) AS chunk
    FROM (SELECT unnest(string_split_regex(trim(q), '\\s+')) AS chunk)
    WHERE chunk <> ''
),
hits AS (
    SELECT DISTINCT dict.term
    FROM {FTS_SCHEMA}.dict AS dict, chunks
    WHERE dict.term = chunks.chunk
       OR (length(dict.term) >= 2 AND contains(chunks.chunk, dict.term))
)
SELECT hits.term
FROM hits
WHERE NOT EXISTS (
    SELECT 1 FROM hits AS longer
    WHERE length(longer.term) > length(hits.term) AND contains(longer.term, hits.term)
)
ORDER BY length(hits.term) DESC, hits.term;

CREATE OR REPLACE MACRO search.articles(q, k := 1.2, b := 0.75) AS TABLE
WITH qterms AS (
    SELECT dict.termid, dict.term, dict.df
    FROM {FTS_SCHEMA}.dict AS dict
    WHERE dict.term IN (SELECT term FROM search.query_terms(q))
),
tf AS (
    SELECT terms.docid, terms.termid, count(*) AS tf
    FROM {FTS_SCHEMA}.terms AS terms
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
    JOIN {FTS_SCHEMA}.docs AS docs ON tf.docid = docs.docid
    CROSS JOIN {FTS_SCHEMA}.stats AS stats
    GROUP BY tf.docid
)
SELECT
    docs.name AS article_id,
    round(scores.score, 6) AS score,
    scores.matched_terms,
    a.title,
    a.event_date,
    a.date_precision,
    a.primary_topic,
    a.source_file,
    CASE WHEN instr(lower(a.body), scores.matched_terms[1]) > 0 THEN
        substr(a.body, greatest(1, instr(lower(a.body), scores.matched_terms[1]) - 30), 90)
    ELSE left(a.body, 90) END AS snippet
FROM scores
JOIN {FTS_SCHEMA}.docs AS docs ON scores.docid = docs.docid
JOIN marts.fct_articles AS a ON a.article_id = docs.name
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
    "build_search_index",
    "create_search_macros",
    "dictionary_terms",
    "fts_extension_path",
    "has_index",
    "load_fts",
    "search",
]
