"""The marts of the shared seeded run: documented, keyed, bilingual, consistent."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

MARTS = {
    "fct_articles",
    "dim_topics",
    "dim_ministries",
    "dim_organisations",
    "dim_places",
    "dim_dates",
    "bridge_article_topics",
    "bridge_article_ministries",
    "bridge_article_organisations",
    "bridge_article_people",
    "bridge_article_places",
    "bridge_article_policy_documents",
    "mart_articles_by_topic",
    "mart_articles_by_ministry",
    "mart_articles_by_date",
    "mart_topic_ministry",
    "mart_policy_documents",
}


def test_every_mart_exists(published_con):
    tables = {
        r[0]
        for r in published_con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
        ).fetchall()
    }
    assert tables >= MARTS


def test_every_model_and_column_has_a_comment(published_con):
    """Descriptions from the dbt YAML are persisted as DuckDB comments (persist_docs)."""
    missing_tables = published_con.execute(
        """SELECT schema_name || '.' || table_name FROM duckdb_tables()
           WHERE schema_name IN ('intermediate', 'marts') AND (comment IS NULL OR comment = '')
           UNION ALL
           SELECT schema_name || '.' || view_name FROM duckdb_views()
           WHERE schema_name = 'staging' AND (comment IS NULL OR comment = '')"""
    ).fetchall()
    assert missing_tables == []
    missing_columns = published_con.execute(
        """SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns()
           WHERE schema_name IN ('staging', 'intermediate', 'marts') AND (comment IS NULL OR comment = '')"""
    ).fetchall()
    assert missing_columns == []


@pytest.mark.parametrize("table", ["dim_topics", "dim_ministries", "dim_organisations", "dim_places"])
def test_dimensions_are_bilingual(published_con, table):
    cols = {
        r[0]
        for r in published_con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ?", [table]
        ).fetchall()
    }
    assert {"name_zh"} <= cols and ({"name_en"} <= cols or {"label_en"} <= cols)
    english = "label_en" if "label_en" in cols else "name_en"
    n, missing_zh, missing_en = published_con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE name_zh IS NULL), count(*) FILTER (WHERE {english} IS NULL) "  # noqa: S608
        f"FROM marts.{table}"
    ).fetchone()
    assert n > 0 and missing_zh == 0 and missing_en == 0


def test_dim_dates_calendar(published_con):
    row = published_con.execute(
        """SELECT iso_week, week_start, month_start, quarter_start, quarter_label_zh, quarter_label_en,
                  month_label_en, day_name_zh
           FROM marts.dim_dates WHERE date_day = DATE '2020-02-21'"""
    ).fetchone()
    assert row[0] == 8
    assert str(row[1]) == "2020-02-17" and str(row[2]) == "2020-02-01" and str(row[3]) == "2020-01-01"
    assert row[4:] == ("2020年第一季度", "2020 Q1", "Feb 2020", "星期五")
    gaps = published_con.execute(
        "SELECT count(*) - (max(date_day) - min(date_day) + 1) FROM marts.dim_dates"
    ).fetchone()[0]
    assert gaps == 0


def test_bridges_match_fact_lists(published_con):
    """bridge_article_topics/ministries hold exactly the codes listed on fct_articles."""
    for bridge, col, lst in (
        ("bridge_article_topics", "topic_code", "topic_codes"),
        ("bridge_article_ministries", "ministry_code", "ministry_codes"),
    ):
        diff = published_con.execute(
            f"""SELECT count(*) FROM (
                  SELECT article_id, unnest({lst}) AS code FROM marts.fct_articles
                  EXCEPT SELECT article_id, {col} FROM marts.{bridge}
                  UNION ALL
                  SELECT article_id, {col} FROM marts.{bridge}
                  EXCEPT SELECT article_id, unnest({lst}) FROM marts.fct_articles)"""  # noqa: S608
        ).fetchone()[0]
        assert diff == 0, bridge


def test_year_only_articles_are_not_in_january(published_con):
    misplaced = published_con.execute(
        """SELECT count(*) FROM marts.fct_articles
           WHERE date_precision IN ('year', 'quarter') AND event_month IS NOT NULL"""
    ).fetchone()[0]
    assert misplaced == 0
    month_total = published_con.execute(
        "SELECT coalesce(sum(articles), 0) FROM marts.mart_articles_by_date WHERE grain = 'month'"
    ).fetchone()[0]
    month_dated = published_con.execute(
        "SELECT count(*) FROM marts.fct_articles WHERE event_month IS NOT NULL"
    ).fetchone()[0]
    assert month_total == month_dated


def test_event_date_is_a_day_only_when_the_day_is_known(published_con):
    rows = published_con.execute(
        """SELECT date_precision, count(*), count(event_date), count(event_period_start),
                  count(*) FILTER (WHERE event_period_start <> CASE date_precision
                        WHEN 'day' THEN event_period_start
                        WHEN 'month' THEN date_trunc('month', event_period_start)
                        WHEN 'quarter' THEN date_trunc('quarter', event_period_start)
                        WHEN 'year' THEN make_date(event_year, 1, 1) END),
                  count(*) FILTER (WHERE date_precision = 'day' AND event_date <> event_period_start)
           FROM marts.fct_articles GROUP BY ALL"""
    ).fetchall()
    by_precision = {r[0]: r[1:] for r in rows}
    # the seed pages have articles dated to the day and articles dated only to the year
    assert {"day", "year"} <= set(by_precision)
    for precision, (n, with_day, with_period, period_not_its_start, day_moved) in by_precision.items():
        assert with_day == (n if precision == "day" else 0), precision
        assert with_period == (n if precision else 0), precision
        assert period_not_its_start == 0 and day_moved == 0, precision


def test_marts_place_coarse_articles_by_their_period_start(published_con):
    """Month/quarter/year rows of the period marts equal the articles grouped by event_period_start."""
    expected = published_con.execute(
        """SELECT 'year', make_date(event_year, 1, 1), count(*) FROM marts.fct_articles
           WHERE date_precision IS NOT NULL GROUP BY ALL
           UNION ALL
           SELECT 'month', date_trunc('month', event_period_start)::DATE, count(*) FROM marts.fct_articles
           WHERE date_precision IN ('day', 'month') GROUP BY ALL
           ORDER BY 1, 2"""
    ).fetchall()
    got = published_con.execute(
        """SELECT grain, period_start, articles FROM marts.mart_articles_by_date
           WHERE grain IN ('year', 'month') ORDER BY 1, 2"""
    ).fetchall()
    assert got == expected
    # a year-only article has no day anywhere: the dimensions' first/last days come from days only
    days = published_con.execute(
        "SELECT min(event_date), max(event_date) FROM marts.fct_articles WHERE date_precision = 'day'"
    ).fetchone()
    assert (
        published_con.execute(
            "SELECT min(first_event_date), max(last_event_date) FROM marts.dim_topics"
        ).fetchone()
        == days
    )
    invented = published_con.execute(
        """SELECT count(*) FROM marts.mart_policy_documents AS d
           WHERE d.first_seen_date IS NOT NULL AND d.first_seen_date NOT IN (
               SELECT event_date FROM marts.fct_articles WHERE date_precision = 'day')"""
    ).fetchone()[0]
    assert invented == 0
    assert (
        published_con.execute(
            "SELECT count(*) FROM marts.mart_policy_documents WHERE first_seen_period_start IS NULL"
        ).fetchone()[0]
        == 0
    )


def test_topic_mart_is_dense_and_shares_add_up(published_con):
    per_period = published_con.execute(
        """SELECT grain, count(DISTINCT topic_code), count(*) FROM marts.mart_articles_by_topic GROUP BY grain"""
    ).fetchall()
    topics = published_con.execute("SELECT count(*) FROM marts.dim_topics").fetchone()[0]
    for grain, n_topics, n_rows in per_period:
        assert n_topics == topics and n_rows % topics == 0, grain
    # previous_articles is the previous calendar period's value
    bad = published_con.execute(
        """SELECT count(*) FROM marts.mart_articles_by_topic AS cur
           JOIN marts.mart_articles_by_topic AS prev
             ON prev.grain = cur.grain AND prev.topic_code = cur.topic_code
            AND prev.period_start = CAST(cur.period_start - CASE cur.grain WHEN 'month' THEN INTERVAL 1 MONTH
                 WHEN 'quarter' THEN INTERVAL 3 MONTH ELSE INTERVAL 1 YEAR END AS DATE)
           WHERE cur.previous_articles IS DISTINCT FROM prev.articles"""
    ).fetchone()[0]
    assert bad == 0


def test_ministry_mart_matches_bridge(published_con):
    year_rows = dict(
        published_con.execute(
            """SELECT ministry_code, sum(articles) FROM marts.mart_articles_by_ministry
           WHERE grain = 'year' GROUP BY 1"""
        ).fetchall()
    )
    expected = dict(
        published_con.execute(
            """SELECT b.ministry_code, count(*) FROM marts.bridge_article_ministries b
           JOIN marts.fct_articles a USING (article_id) WHERE a.event_year IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )
    assert year_rows == expected
    assert year_rows.get("MIIT", 0) >= 5
    lead = published_con.execute(
        """SELECT leading_topics, leading_topics_en FROM marts.mart_articles_by_ministry
           WHERE grain = 'year' AND ministry_code = 'MIIT' ORDER BY period_start LIMIT 1"""
    ).fetchone()
    assert 1 <= len(lead[0]) <= 3 and len(lead[1]) == len(lead[0])


def test_policy_documents_seen_and_cited(published_con):
    rows = published_con.execute(
        """SELECT title, citing_articles, first_seen_date, last_seen_date, len(citing_article_ids)
           FROM marts.mart_policy_documents"""
    ).fetchall()
    assert len(rows) >= 10
    assert all(r[1] == r[4] and (r[2] is None or r[2] <= r[3]) for r in rows)
    cited_twice = {r[0] for r in rows if r[1] >= 2}
    assert "企事业单位复工复产疫情防控措施指南" in cited_twice


def test_places_and_organisations(published_con):
    hubei = published_con.execute(
        "SELECT name_en, level_en, article_count FROM marts.dim_places WHERE adcode = '420000'"
    ).fetchone()
    assert hubei[0] == "Hubei" and hubei[1] == "Province-level division" and hubei[2] >= 1
    miit = published_con.execute(
        """SELECT name_en, kind_en, ministry_code FROM marts.dim_organisations WHERE name_zh = '工业和信息化部'"""
    ).fetchone()
    assert miit == ("Ministry of Industry and Information Technology", "Central ministry or agency", "MIIT")
    # aliases fold to one organisation: 中国联通 -> its canonical name
    unicom = published_con.execute(
        "SELECT count(*) FROM marts.dim_organisations WHERE list_contains(aliases, '中国联通')"
    ).fetchone()[0]
    assert unicom <= 1
