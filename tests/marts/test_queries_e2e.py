"""Every example query in docs/queries runs on the seeded warehouse; the key ones answer their question."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

QUERIES = Path(__file__).resolve().parents[2] / "docs" / "queries"


def run(con, name: str) -> list[dict]:
    rel = con.sql((QUERIES / name).read_text(encoding="utf-8"))
    cols = rel.columns
    return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.sql")), ids=lambda p: p.stem)
def test_query_runs_and_returns_rows(published_con, path):
    assert path.read_text(encoding="utf-8").lstrip().startswith("--"), "start with the question as a comment"
    assert run(published_con, path.name), f"{path.name} returned no rows on seeds/"


def test_ministries_with_supply_chains_by_month(published_con):
    rows = run(published_con, "ministries_with_supply_chains_by_month.sql")
    by_month: dict[str, set[str]] = {}
    for r in rows:
        by_month.setdefault(r["month"], set()).add(r["ministry_code"])
    # 稳"链"纾困强实体 (2020, 辛国斌 interview) and the 2022 Q1 MIIT briefing
    assert {"MIIT", "NDRC"} <= by_month["2020 (month unknown)"]
    assert {"MIIT", "STATE_COUNCIL"} <= by_month["2022 (month unknown)"]
    assert all(r["name_en"] and r["name_zh"] for r in rows)
    miit_2022 = next(r for r in rows if r["month"].startswith("2022") and r["ministry_code"] == "MIIT")
    assert miit_2022["mentions"] >= 20


def test_sme_articles_feb_2020_mentioning_fugong(published_con):
    rows = run(published_con, "sme_articles_feb_2020_mentioning_fugong.sql")
    titles = [r["title"] for r in rows]
    assert titles[0] == "工信部召开全国工业企业复工复产经验交流电视电话会议"
    assert all(str(r["event_date"]).startswith("2020-02") for r in rows)
    assert all("复工" in (r["snippet"] or "") for r in rows)


def test_search_industrial_internet(published_con):
    rows = run(published_con, "search_industrial_internet.sql")
    titles = [r["title"] for r in rows]
    assert len(rows) >= 3
    assert "工信部介绍工业电子商务发展等情况" in titles[:3]
    assert "河北-湖北产业链 协同复工复产云服务平台上线" in titles
    assert all("工业互联网" in r["matched_terms"] for r in rows)


def test_topic_trend_by_year(published_con):
    rows = run(published_con, "topic_trend_by_year.sql")
    years = {r["year"] for r in rows}
    assert {2020, 2022} <= years
    assert all(0 <= (r["share_of_period"] or 0) <= 1 for r in rows)


def test_most_cited_policy_documents(published_con):
    rows = run(published_con, "most_cited_policy_documents.sql")
    assert rows[0]["citing_articles"] >= 2
    assert rows[0]["doc_type_en"] and rows[0]["doc_type_zh"]
    # every document has a first period; a first day only when a citing article is dated to the day
    assert all(r["first_seen_period_start"] and r["first_seen_precision"] for r in rows)
    assert all((r["first_seen_date"] is None) == (r["last_seen_date"] is None) for r in rows)


def test_places_by_province(published_con):
    rows = run(published_con, "places_by_province.sql")
    provinces = {r["province_en"] for r in rows}
    assert {"Hubei", "Guangdong", "Sichuan"} <= provinces
