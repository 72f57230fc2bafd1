"""Rules added for real newspaper text, on sentences written for these tests.

The measured effect is in docs/topic-evaluation.md (``python -m newsetl_tools.evaluation.labelset
score``); no archive text is copied here.
"""

from __future__ import annotations

import pytest

from newsetl.core.classify import classify_article
from newsetl.core.classify.lexicon import topic_terms
from newsetl.core.classify.topics import classify_topics
from newsetl.core.models import PageContext

CTX = PageContext(file_name="rules.txt")


def _ministries(text: str) -> list[str]:
    return [m.code for m in classify_article(None, text, CTX).ministries]


# ---------------------------------------------------------------- ministries that are someone else's
@pytest.mark.parametrize(
    "text",
    [
        "美财政部上周宣布新一轮发债计划。",
        "据美国财政部消息，赤字继续扩大。",
        "世界各国央行纷纷下调利率。",
        "欧洲央行维持利率不变。",
        "印度尼西亚卫生部长当天出席活动。",
        "越南公共工程与交通运输部官员出席。",
        "市科技馆青少年教育部负责人介绍了活动安排。",
        "他曾任联合国办事处主任。",
        "乐于助人行善积德，是村里的风气。",
        "这只是个人行为，与单位无关。",
        "行人请走人行道。",
    ],
)
def test_bodies_that_are_not_the_ministry(text: str) -> None:
    assert _ministries(text) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("据央行发布的数据，贷款增长较快。", "PBOC"),
        ("日前央行下调了存款准备金率。", "PBOC"),
        ("中国央行宣布定向降准。", "PBOC"),
        ("人行广州分行出台措施。", "PBOC"),
        ("今日商务部举行例行发布会。", "MOFCOM"),
        ("国办近日印发通知。", "STATE_COUNCIL"),
        ("财政部与税务总局联合发文。", "MOF"),
    ],
)
def test_the_ministry_is_still_found(text: str, code: str) -> None:
    assert code in _ministries(text)


# ---------------------------------------------------------------- topics: subject, slogans
def test_neutral_phrases_are_lexicon_keys_without_payload() -> None:
    terms = topic_terms()
    assert terms["全面建成小康社会"] == ()
    assert terms["疫情防控和经济社会发展"] == ()
    assert any(code == "poverty_alleviation" for code, _w in terms["小康社会"])


def test_a_slogan_is_no_evidence() -> None:
    body = (
        "会议强调，要统筹推进疫情防控和经济社会发展，确保完成决战决胜脱贫攻坚目标任务，"
        "全面建成小康社会。与会代表围绕城市更新、文物保护和体育设施建设提出建议。"
    )
    hits, primary = classify_topics("代表热议城市更新", body)
    assert primary is None
    assert hits == []


def test_a_topic_named_in_the_headline_is_the_subject() -> None:
    body = "记者从市里获悉，全市新增易地扶贫搬迁安置点三处，贫困户陆续入住，驻村第一书记帮助他们找工作。"
    hits, primary = classify_topics("搬出大山 脱贫有望", body)
    assert primary == "poverty_alleviation"
    assert hits[0].code == "poverty_alleviation" and hits[0].score > 0


def test_a_topic_touched_on_in_a_long_article_is_not_its_subject() -> None:
    filler = "会议还研究了文化遗产保护、城市绿化、体育赛事筹办和交通秩序整治等事项。" * 30
    body = filler + "会议指出，要继续做好脱贫工作。" + filler
    hits, primary = classify_topics("市政府召开常务会议", body)
    assert primary is None
    assert hits == []


def test_a_bicycle_company_is_no_car_maker() -> None:
    hits, _primary = classify_topics("共享单车企业要精细运营", "一些共享单车企业投放过度，停放混乱。")
    assert "automotive" not in {h.code for h in hits}


def test_kicker_and_subtitle_count_as_lead() -> None:
    """The pipeline hands the classifier the kicker and subtitle before the body."""
    import datetime as dt

    from newsetl_tools.evaluation.archive import ArchiveArticle
    from newsetl_tools.evaluation.labelset import classify_text

    a = ArchiveArticle(
        "20200101-01-01.txt", dt.date(2020, 1, 1), 1, 1, "引题", "主标题", "副题", ("第一段。", "第二段。")
    )
    assert classify_text(a) == "引题\n副题\n第一段。\n第二段。"
