"""Hong Kong and Macao districts in dim_places: a key of their own and their official English names.

The gazetteer gives every district its region's code (810000, 820000); keyed by that code alone,
all of them and the region itself were one row of dim_places.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import copy_seeds, pipeline_run

pytestmark = [pytest.mark.e2e, pytest.mark.long]

PAGE = """

粤港澳大湾区产业合作稳步推进

香港元朗区、沙田区企业与澳门望德堂区、路氹城项目对接

本报讯 6月18日，粤港澳大湾区产业合作对接会在深圳举行。来自香港元朗区、沙田区的制造企业和澳门望德堂区、路氹城的文化创意项目负责人参加了对接活动，就智能制造、跨境电子商务和工业互联网应用开展洽谈。

与会企业表示，元朗区的物流企业正加快数字化改造，沙田区的科研机构在新材料和集成电路设计方面具有优势。澳门望德堂区的创意企业希望与内地制造企业合作，路氹城的会展项目也将为大湾区企业提供展示平台。

工业和信息化部有关负责人表示，将继续支持粤港澳大湾区产业协同发展，推动制造业数字化转型。
"""


def test_districts_are_places_of_their_own_with_english_labels(tmp_path: Path) -> None:
    inp = copy_seeds(tmp_path / "input")
    (inp / "hong_kong_macao.txt").write_text(PAGE, encoding="utf-8")
    result = pipeline_run(inp, tmp_path / "warehouse")
    assert result.returncode == 0, result.stderr[-3000:]
    con = duckdb.connect(str(result.published), read_only=True)
    try:
        rows = {
            name_zh: rest
            for name_zh, *rest in con.execute(
                """SELECT name_zh, place_id, name_en, label_en FROM marts.dim_places
                   WHERE adcode IN ('810000', '820000')"""
            ).fetchall()
        }
    finally:
        con.close()
    assert rows["元朗区"] == ["810000:元朗区", "Yuen Long District", "Yuen Long District (Hong Kong)"]
    assert rows["沙田区"] == ["810000:沙田区", "Sha Tin District", "Sha Tin District (Hong Kong)"]
    assert rows["望德堂区"] == ["820000:望德堂区", "St. Lazarus Parish", "St. Lazarus Parish (Macao)"]
    assert rows["路氹城"] == ["820000:路氹城", "Cotai", "Cotai (Macao)"]
    assert rows["香港特别行政区"][:2] == ["810000", "Hong Kong"]
