"""The combined data checks (dbt/tests/assert_all_data_checks.sql) that new-data builds run
instead of ~150 generic test nodes catch what those tests catch, and name the failing test."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import RunResult

pytestmark = pytest.mark.e2e


def test_combined_checks_name_each_broken_guarantee(seeded_run: RunResult, tmp_path: Path) -> None:
    from newsetl.pipeline.dbt_runner import DbtFailed, run_dbt

    work = tmp_path / "newsetl.duckdb"  # same file name: dbt's relations are qualified by it
    shutil.copy2(seeded_run.warehouse_dir / ".work" / "newsetl.duckdb", work)
    con = duckdb.connect(str(work))
    try:
        con.execute("INSERT INTO marts.dim_topics SELECT * FROM marts.dim_topics LIMIT 1")  # duplicate key
        con.execute(
            "UPDATE marts.fct_articles SET date_precision = 'week' "  # code not accepted
            "WHERE article_id = (SELECT min(article_id) FROM marts.fct_articles)"
        )
        con.execute(
            "INSERT INTO marts.bridge_article_places "  # orphan bridge row
            "SELECT 'no-such-article', place_id, matched_names, mentions FROM marts.bridge_article_places LIMIT 1"
        )
        con.execute(
            "UPDATE marts.bridge_article_topics SET topic_code = NULL "  # null key
            "WHERE article_id = (SELECT min(article_id) FROM marts.bridge_article_topics)"
        )
    finally:
        con.close()
    with pytest.raises(DbtFailed, match="assert_all_data_checks: fail Got 4 results"):
        run_dbt(["test", "--select", "assert_all_data_checks", "--store-failures"], work, tmp_path)
    con = duckdb.connect(str(work), read_only=True)
    try:
        failed = dict(
            con.execute("SELECT test_name, failures FROM dbt_test__audit.assert_all_data_checks").fetchall()
        )
    finally:
        con.close()
    assert set(failed) == {
        "unique_dim_topics_topic_code",
        "accepted_values_fct_articles_date_precision__day__month__quarter__year",
        "relationships_bridge_article_places_article_id__article_id__ref_fct_articles_",
        "not_null_bridge_article_topics_topic_code",
    }, failed
