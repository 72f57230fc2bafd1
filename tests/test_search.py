"""Chinese full-text search: segmentation, the fts index in the published warehouse, SQL macros."""

from __future__ import annotations

import duckdb
import pytest

from newsetl.config import PROJECT_ROOT
from newsetl.pipeline.search import Segmenter, fts_extension_path, load_fts

SEED_TEXT = sorted((PROJECT_ROOT / "seeds").glob("*.txt"))[0]


def test_fts_extension_comes_from_the_pip_package():
    path = fts_extension_path()
    assert path.exists() and f"v{duckdb.__version__}" in str(path)
    con = duckdb.connect()
    load_fts(con)  # no download: offline machines load the packaged binary
    assert con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'").fetchone()[0]


def test_user_dictionary_keeps_lexicon_terms_whole():
    seg = Segmenter(["工业和信息化部", "复工复产", "工业互联网", "工业互联网平台"])
    tokens = seg.tokens("工业和信息化部推动复工复产，建设工业互联网平台")
    assert "工业和信息化部" in tokens and "复工复产" in tokens
    assert "工业互联网平台" in tokens and "工业互联网" in tokens  # the lexicon term inside a longer one
    assert "复工" in tokens  # search mode: the parts are indexed too
    assert "，" not in tokens
    assert seg.segment("5G基站") == "5g 基站"


def test_dictionary_version_changes_with_terms():
    assert Segmenter(["复工复产"]).version != Segmenter(["复工复产", "专精特新"]).version


@pytest.mark.e2e
def test_published_index_without_the_extension(seeded_run):
    """BI tools and the duckdb CLI can search without loading fts: the macros are plain SQL."""
    con = duckdb.connect(
        str(seeded_run.published),
        read_only=True,
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )
    try:
        n_articles = con.execute("SELECT count(*) FROM marts.fct_articles").fetchone()[0]
        assert con.execute("SELECT count(*) FROM search.article_text").fetchone()[0] == n_articles
        terms = [
            r[0] for r in con.execute("SELECT term FROM search.query_terms('复工复产 中小企业')").fetchall()
        ]
        assert terms == ["中小企业", "复工复产"]
        # an unspaced query is split into the longest indexed terms it contains
        terms = [
            r[0] for r in con.execute("SELECT term FROM search.query_terms('中小企业复工复产')").fetchall()
        ]
        assert set(terms) == {"中小企业", "复工复产"}
        assert con.execute("SELECT count(*) FROM search.articles('量子引力弦论')").fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.e2e
def test_chinese_search_ranks_seed_articles(published_con):
    rows = published_con.execute(
        "SELECT article_id, score, title, matched_terms FROM search.articles('复工复产')"
    ).fetchall()
    titles = [r[2] for r in rows]
    assert len(rows) >= 5
    # the article whose headline is about 复工复产 comes first
    assert titles[0] == "工信部召开全国工业企业复工复产经验交流电视电话会议"
    assert "河北-湖北产业链 协同复工复产云服务平台上线" in titles[:5]
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)
    rows = published_con.execute("SELECT title FROM search.articles('工业互联网')").fetchall()
    assert "工信部介绍工业电子商务发展等情况" in [r[0] for r in rows][:3]


@pytest.mark.e2e
def test_macro_scores_equal_the_extensions_bm25(seeded_run):
    con = duckdb.connect(str(seeded_run.published), read_only=True)
    try:
        load_fts(con)
        pairs = con.execute(
            """SELECT a.score, f.s FROM search.articles('复工复产') AS a
               JOIN (SELECT article_id, fts_search_article_text.match_bm25(article_id, '复工复产') AS s
                     FROM search.article_text) AS f USING (article_id)"""
        ).fetchall()
    finally:
        con.close()
    assert pairs and all(abs(a - b) < 1e-5 for a, b in pairs)


@pytest.mark.e2e
def test_newsetl_sql_can_search(seeded_run):
    from tests.conftest import run_cli

    proc = run_cli(
        "sql",
        "--warehouse",
        str(seeded_run.warehouse_dir),
        "-c",
        "SELECT title FROM search.articles('工业互联网') LIMIT 3",
    )
    assert proc.returncode == 0, proc.stderr
    assert "工业电子商务" in proc.stdout


def _fake_marts(con: duckdb.DuckDBPyConnection, articles: dict[str, str]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TABLE marts.fct_articles (article_id VARCHAR, kicker VARCHAR, title VARCHAR, "
        "subtitle VARCHAR, body VARCHAR, event_date DATE, event_period_start DATE, date_precision VARCHAR, "
        "primary_topic VARCHAR, source_file VARCHAR)"
    )
    con.executemany(
        "INSERT INTO marts.fct_articles VALUES (?, NULL, ?, NULL, ?, NULL, NULL, NULL, NULL, 'page.txt')",
        [(aid, text.split("。")[0][:20], text) for aid, text in articles.items()],
    )


def _reference_scores(articles: dict[str, str], query: str) -> dict[str, float]:
    """BM25 from a from-scratch ``PRAGMA create_fts_index`` over the same tokens."""
    from newsetl.core.search_tokens import segment_texts

    ref = duckdb.connect()
    load_fts(ref)
    ids = sorted(articles)
    texts = [
        f"{articles[a].split('。')[0][:20]}\n{articles[a].split('。')[0][:20]}\n{articles[a]}" for a in ids
    ]
    ref.execute("CREATE TABLE docs_in (article_id VARCHAR, tokens VARCHAR)")
    ref.executemany(
        "INSERT INTO docs_in VALUES (?, ?)", list(zip(ids, segment_texts([], texts), strict=True))
    )
    ref.execute(
        "PRAGMA create_fts_index('docs_in', 'article_id', 'tokens', stemmer='none', stopwords='none', "
        r"ignore='\s+', strip_accents=0, lower=1)"
    )
    rows = ref.execute(
        "SELECT article_id, fts_main_docs_in.match_bm25(article_id, ?) AS s FROM docs_in WHERE s IS NOT NULL",
        [query],
    ).fetchall()
    return {a: round(s, 6) for a, s in rows}


@pytest.mark.parametrize("slice_articles", [1000, 5])
def test_incremental_index_scores_equal_a_full_rebuild(monkeypatch, slice_articles):
    """Adding, changing and removing articles keeps BM25 identical to an index built from scratch.

    With slices of 5 articles the build runs in several rowid ranges, some of them holding
    already indexed articles that must be skipped.
    """
    from newsetl.pipeline import search
    from newsetl.pipeline.search import build_search_index

    monkeypatch.setattr(search, "SLICE_ARTICLES", slice_articles)

    paragraphs = [
        p.strip() for p in (SEED_TEXT.read_text(encoding="utf-8")).split("\n") if len(p.strip()) > 30
    ]
    articles = {f"a{i:03d}": p for i, p in enumerate(paragraphs[:24])}
    con = duckdb.connect()
    _fake_marts(con, {k: articles[k] for k in list(articles)[:12]})
    first = build_search_index(con)
    assert first["segmented"] == 12 and first["indexed"] == 12
    # next run: 12 new articles, one changed, one removed
    current = dict(articles)
    current["a001"] = current["a001"] + "工业互联网平台建设加快推进。"
    del current["a002"]
    _fake_marts(con, current)
    second = build_search_index(con)
    assert second == {"indexed_new": 13, "segmented": 13, "removed": 2, "indexed": 23, "dictionary_terms": 0}
    assert build_search_index(con)["segmented"] == 0  # nothing changed: nothing segmented
    for query in ("工业", "企业", "工业互联网"):
        got = dict(con.execute("SELECT article_id, score FROM search.articles(?)", [query]).fetchall())
        terms = " ".join(
            r[0] for r in con.execute("SELECT term FROM search.query_terms(?)", [query]).fetchall()
        )
        assert got and got == _reference_scores(current, terms), query
    stats = con.execute("SELECT num_docs FROM fts_search_article_text.stats").fetchone()[0]
    assert stats == 23


def test_search_build_is_skipped_while_the_marts_are_unchanged(tmp_path):
    """A run in which dbt built nothing does not even re-read the bodies; a new dbt build is indexed."""
    from newsetl.config import make_paths
    from newsetl.pipeline.publication import build_search

    paths = make_paths(tmp_path / "in", tmp_path / "wh")
    paths.work_dir.mkdir(parents=True)
    paragraphs = [p.strip() for p in SEED_TEXT.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 30]
    con = duckdb.connect(str(paths.work_db))
    _fake_marts(con, {f"a{i}": p for i, p in enumerate(paragraphs[:6])})
    con.execute("CREATE SCHEMA ops; CREATE TABLE ops.dbt_state (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO ops.dbt_state VALUES ('data', 'd1'), ('code', 'c1')")
    con.close()
    assert build_search(paths)["segmented"] == 6
    assert build_search(paths) == {
        "indexed_new": 0,
        "segmented": 0,
        "removed": 0,
        "indexed": 6,
        "unchanged": 1,
    }
    con = duckdb.connect(str(paths.work_db))
    con.execute("UPDATE marts.fct_articles SET body = body || '工业互联网。' WHERE article_id = 'a1'")
    con.execute("UPDATE ops.dbt_state SET value = 'd2' WHERE key = 'data'")  # what a new dbt build records
    con.close()
    second = build_search(paths)
    assert (second["segmented"], second["removed"], second["indexed"]) == (1, 1, 6)


# --------------------------------------------------------------------------- tokens made by the text workers


def _pages_for_search(n_synthetic: int) -> list:
    """The seed pages and ``n_synthetic`` synthetic ones, as the text core's input."""
    from newsetl.pipeline.ingest import decode_bytes
    from newsetl.pipeline.process import DocInput
    from newsetl_tools.synth import iter_pages

    docs = [
        DocInput(p.stem, p.name, p.read_text(encoding="utf-8"))
        for p in sorted((PROJECT_ROOT / "seeds").glob("*.txt"))
    ]
    docs += [
        DocInput(f"synth-{p.index}", p.file_name, decode_bytes(p.data)[0]) for p in iter_pages(n_synthetic)
    ]
    return docs


@pytest.fixture(scope="module")
def processed_rows():
    """The text core's rows for the seed pages and 200 synthetic ones (one process, ~2 s)."""
    from newsetl.pipeline.process import process_batch

    return process_batch(_pages_for_search(200), "run-1")[0]


def _warehouse(rows, stored_tokens: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory work database as publishing sees it: the lexicon seed tables, the articles
    of ``rows`` as marts.fct_articles, and (``stored_tokens``) the stored tokens, attached as the
    pipeline attaches its tokens file (here in memory)."""
    import pyarrow as pa

    from newsetl.config import LEXICON_DIR
    from newsetl.core.search_tokens import DICTIONARY_SOURCES

    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts")
    for table in sorted({t for t, _ in DICTIONARY_SOURCES}):
        con.execute(
            f"CREATE TABLE raw.{table} AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",  # noqa: S608
            [str(LEXICON_DIR / f"{table}.csv")],
        )
    arts = rows["articles"]
    con.register(
        "_arts",
        pa.table(
            {
                k: arts[k]
                for k in (
                    "article_id",
                    "kicker",
                    "title",
                    "subtitle",
                    "body",
                    "event_date",
                    "date_precision",
                    "primary_topic",
                )
            }
        ),
    )
    con.execute(
        """CREATE TABLE marts.fct_articles AS
           SELECT article_id, kicker, title, subtitle, body, event_date, event_date AS event_period_start,
                  date_precision, primary_topic, 'page.txt' AS source_file FROM _arts"""
    )
    if stored_tokens:
        from newsetl.warehouse.search_store import CATALOG, DDL, store_tokens

        con.execute(f"ATTACH ':memory:' AS {CATALOG}")
        con.execute(DDL)  # the table as the pipeline declares it
        store_tokens(con, rows["article_search"])
    return con


def _index_contents(con: duckdb.DuckDBPyConnection) -> tuple:
    """The fts index as documents and terms (its internal docid/termid numbering left aside)."""
    s = "fts_search_article_text"
    docs = con.execute(f"SELECT name, len FROM {s}.docs ORDER BY name").fetchall()  # noqa: S608
    dict_ = con.execute(f"SELECT term, df FROM {s}.dict ORDER BY term").fetchall()  # noqa: S608
    terms = con.execute(
        f"""SELECT d.name, t.term, count(*) FROM {s}.terms AS x JOIN {s}.docs AS d USING (docid)
            JOIN {s}.dict AS t USING (termid) GROUP BY ALL ORDER BY ALL"""  # noqa: S608
    ).fetchall()
    stats = con.execute(f"SELECT num_docs, avgdl FROM {s}.stats").fetchall()  # noqa: S608
    return docs, dict_, terms, stats


def test_text_workers_make_the_tokens_publishing_would(processed_rows):
    """process_batch stores, per article, the tokens of exactly the text the index reads, made
    with the dictionary publishing reads back from the seed tables."""
    from newsetl.core.search_tokens import content_hash, dictionary_version, search_text, segment_texts
    from newsetl.pipeline.search import dictionary_terms

    arts, search = processed_rows["articles"], processed_rows["article_search"]
    assert len(arts["article_id"]) > 400
    assert search["article_id"] == arts["article_id"]
    fields = list(zip(arts["kicker"], arts["title"], arts["subtitle"], arts["body"], strict=True))
    con = _warehouse(processed_rows, stored_tokens=False)
    terms = dictionary_terms(con)
    assert len(terms) > 500
    assert set(search["dictionary_version"]) == {dictionary_version(terms)}
    assert search["tokens"] == segment_texts(terms, [search_text(*f) for f in fields])
    # the hash SQL computes at publish time from the same columns
    sql_hashes = dict(
        con.execute(
            """SELECT article_id, md5(concat_ws(chr(10), coalesce(kicker, ''), coalesce(title, ''),
               coalesce(subtitle, ''), body)) FROM marts.fct_articles"""
        ).fetchall()
    )
    assert search["content_hash"] == [sql_hashes[a] for a in arts["article_id"]]
    assert search["content_hash"] == [content_hash(*f) for f in fields]


def test_index_from_stored_tokens_equals_the_index_publishing_segmented(processed_rows):
    """Same index, same search results, whether publishing segments the articles (as before the
    text workers stored tokens) or takes the stored tokens; stale tokens are never used."""
    from newsetl.pipeline.search import build_search_index

    n = len(processed_rows["articles"]["article_id"])
    segmented = _warehouse(processed_rows, stored_tokens=False)
    stored = _warehouse(processed_rows, stored_tokens=True)
    before, after = build_search_index(segmented), build_search_index(stored)
    assert (before["segmented"], before["indexed"]) == (n, n)
    assert (after["segmented"], after["indexed_new"], after["indexed"]) == (0, n, n)
    assert _index_contents(stored) == _index_contents(segmented)
    for query in (
        "复工复产",
        "工业互联网",
        "中小企业 专精特新",
        "工业和信息化部",
        "疫情防控",
        "5G基站",
        "新能源汽车",
    ):
        sql = "SELECT * FROM search.articles(?)"
        want = segmented.execute(sql, [query]).fetchall()
        assert want, query
        assert stored.execute(sql, [query]).fetchall() == want, query
    # an article whose text changed after it was processed: its stored tokens are not used
    changed = processed_rows["articles"]["article_id"][3]
    for con in (segmented, stored):
        con.execute(
            "UPDATE marts.fct_articles SET body = body || '工业互联网平台。' WHERE article_id = ?", [changed]
        )
    assert build_search_index(stored)["segmented"] == 1
    build_search_index(segmented)
    assert _index_contents(stored) == _index_contents(segmented)


@pytest.mark.e2e
def test_the_pipeline_indexes_the_tokens_its_workers_stored(seeded_run):
    """In a real run every article's tokens come from the text workers (the seeds dbt loaded give
    the same dictionary as the CSVs the workers read), and the index holds what segmenting the
    published text gives. The tokens stay in their work-only file: the published file has the index only."""
    from newsetl.core.search_tokens import dictionary_version, seed_terms, segment_texts
    from newsetl.pipeline.search import dictionary_terms
    from newsetl.warehouse.search_store import CATALOG, tokens_path

    published = duckdb.connect(str(seeded_run.published), read_only=True)
    try:
        assert published.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'article_search'"
        ).fetchone() == (0,)
    finally:
        published.close()
    work_db = seeded_run.warehouse_dir / ".work" / "newsetl.duckdb"
    con = duckdb.connect(str(work_db), read_only=True)
    try:
        con.execute(f"ATTACH '{tokens_path(work_db)}' AS {CATALOG} (READ_ONLY)")
        terms = dictionary_terms(con)
        rows = con.execute(
            """SELECT a.article_id, s.dictionary_version, d.len,
                      concat_ws(chr(10), a.kicker, a.title, a.title, a.subtitle, a.body)
               FROM marts.fct_articles AS a
               LEFT JOIN work_search.main.article_search AS s
                 ON s.article_id = a.article_id
                AND s.content_hash = md5(concat_ws(chr(10), coalesce(a.kicker, ''), coalesce(a.title, ''),
                                                   coalesce(a.subtitle, ''), a.body))
               LEFT JOIN fts_search_article_text.docs AS d ON d.name = a.article_id
               ORDER BY a.article_id"""
        ).fetchall()
    finally:
        con.close()
    assert dictionary_version(seed_terms()) == dictionary_version(terms)
    assert len(rows) >= 10
    assert {r[1] for r in rows} == {dictionary_version(terms)}
    lengths = [len(t.split()) for t in segment_texts(terms, [r[3] for r in rows])]
    assert [r[2] for r in rows] == lengths
