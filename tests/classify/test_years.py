"""The year model and dates written in file paths."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from newsetl.core.classify.dates import date_from_path, infer_date, infer_year, year_cues
from newsetl.core.classify.years import (
    load_year_ranker,
    mentions,
    narrates_past,
    page_years,
    publication_year,
    rank_years,
    year_candidates,
    year_posterior,
)
from newsetl.core.models import PageContext


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("in/20200105-01.txt", dt.date(2020, 1, 5)),
        ("2020-01-05/page.txt", dt.date(2020, 1, 5)),
        ("2020/01/05/p1.txt", dt.date(2020, 1, 5)),
        ("page-0001.txt", None),
        ("x_2019_02_30.txt", None),  # no such day
        ("000_ccf4753ca244f86c.txt", None),
    ],
)
def test_date_from_path(path: str, expected: dt.date | None) -> None:
    assert date_from_path(path) == expected


def test_a_date_in_the_file_name_is_the_publication_date() -> None:
    d = infer_date(
        "标题",
        "本报讯 4月25日，国务院联防联控机制举办新闻发布会。",
        PageContext("20200426-01.txt"),
        "4月25日",
    )
    assert (d.event_date, d.precision) == ("2020-04-25", "day")
    assert "file's path" in (d.evidence or "")


def test_looking_ahead_is_not_the_publication_year() -> None:
    text = "到2025年，全国将建成一批示范工厂。力争到2030年全面建成。"
    assert year_posterior(text) == {}  # only targets: no past or present year to read


def test_full_year_results_point_after_the_year() -> None:
    text = "2018年全年，全国规模以上工业增加值同比增长6.2%。2018年全年利润同比增长10.3%。"
    post = year_posterior(text)
    assert max(post, key=post.get) == 2019
    found = mentions(text)
    assert [y for y, _f in found] == [2018, 2018] and "S:全年" in found[0][1]


def test_no_year_mention_no_year() -> None:
    assert publication_year("春节前夕，工人们在车间里加紧生产。") == (None, 0.0, {})


def test_a_page_reporting_a_later_year_is_not_dated_by_earlier_mentions() -> None:
    body = (
        "2015年，该县开始建设光伏电站。2015年底，首批电站并网。2015年的投资超过10亿元。"
        "2019年1月，全县光伏发电量同比增长20%。"
    )
    d = infer_date("光伏小县的新春", body, PageContext("page-0001.txt", page_text=body))
    assert d.year != 2015  # the page reports January 2019: 2015 cannot be its year
    assert d.year in (None, 2019)


# A February page reviewing the year just ended: every mention is 2018 and reads as finished.
_REVIEW_PAGE = (
    "2018年全年，全省规模以上工业增加值同比增长6.2%，比上年提高0.5个百分点。\n"
    "2018年，全省新增城镇就业人数48万人，全年完成目标任务。\n"
    "回顾2018年，全省外贸进出口总额同比增长9.7%。\n"
    "2月12日，省统计局发布2018年国民经济和社会发展统计数据。\n"
)


def test_the_ranker_rates_every_candidate() -> None:
    cues = year_cues(None, _REVIEW_PAGE, _REVIEW_PAGE)
    page = page_years(_REVIEW_PAGE)
    probs = rank_years(page, cues.scores, cues.article, cues.year, cues.lower)
    assert set(probs) == set(year_candidates(page, cues.scores, cues.year))
    assert {2018, 2019} <= set(probs)  # the latest year reported on, and the year after it
    assert all(0.0 < p < 1.0 for p in probs.values())
    assert page.month == 2


def test_a_review_of_the_year_just_ended_gets_no_year_rather_than_that_year() -> None:
    assert year_cues(None, _REVIEW_PAGE, _REVIEW_PAGE).year == 2018  # what the cues alone would say
    year, _note = infer_year(None, _REVIEW_PAGE, _REVIEW_PAGE)
    assert year != 2018


def test_a_page_naming_its_year_once_keeps_the_cues_year() -> None:
    body = "本报讯 10月15日，2021工业互联网大会在沈阳开幕。"
    year, note = infer_year("2021工业互联网大会开幕", body, body)
    assert year == 2021 and note and "ranked" not in note


_ARTICLE = "本报讯 记者从省工业和信息化厅获悉，全省通信企业全力抢修受损基站，目前已基本恢复。"


def test_a_year_only_another_article_names_once_is_dropped_when_the_model_doubts_it() -> None:
    page = "全省经济运行稳中向好\n本报讯 2018年全省新增城镇就业目标为48万人。\n" + _ARTICLE
    assert year_cues("通信保障有力", _ARTICLE, page).year == 2018  # what the page's cue says
    assert infer_year("通信保障有力", _ARTICLE, page) == (None, None)


def test_a_plain_year_the_model_reads_as_past_is_no_cue() -> None:
    told = "本报讯 2014年7月，全省大数据平台正式上线运行。"
    assert year_cues(None, told).year is None  # told of as the past: the page is printed later
    planned = "本报讯 今年，全省计划在2018年新增城镇就业48万人。"
    assert year_cues(None, planned).year == 2018


def test_a_year_another_article_reports_on_as_current_still_dates_the_page() -> None:
    page = "上半年新建5G基站19万个\n本报讯 2021年上半年，我国新建5G基站19万个。\n" + _ARTICLE
    assert infer_year("通信保障有力", _ARTICLE, page)[0] == 2021


def test_a_lone_year_opening_a_story_of_the_past_gives_no_year() -> None:
    told = "老厂新生\n1996年，刚满20岁的王师傅进厂当学徒，一干就是几十年。如今他带的徒弟遍布全厂。"
    assert year_cues("老厂新生", told, told).year == 1996  # what the plain mention alone would say
    assert infer_year("老厂新生", told, told) == (None, None)
    dated = "老街换新颜\n2003年5月，在镇里的支持下，几户居民办起了第一家民宿。"
    assert infer_year("老街换新颜", dated, dated) == (None, None)


def test_a_lone_year_after_a_speaker_or_looking_ahead_stays() -> None:
    assert not narrates_past("厅长李明说，2022年，全省将实施制造业数字化转型行动。", 2022)
    assert not narrates_past("本报讯 2021年上半年，我国新建5G基站19万个。", 2021)
    assert narrates_past("1996年，刚满20岁的王师傅进厂当学徒。", 1996)
    assert narrates_past("这家合作社成立于2012年，如今社员已有三百多户。", 2012)
    named = "评估结果公布\n本报讯 工业和信息化部日前公布2022年智慧城市评估结果。"
    assert infer_year("评估结果公布", named, named)[0] == 2022


def test_a_lone_year_after_an_earlier_year_of_the_story_gives_no_year() -> None:
    story = "小家电的变迁\n2009年最受欢迎的家用电器是电热水壶，到了2017年，人们更爱扫地机器人。"
    assert year_cues(None, story, story).year == 2017  # the latest year the story names
    assert infer_year(None, story, story) == (None, None)
    target = "能耗下降\n本报讯 方案提出单位能耗较2020年下降13.5%。2022年将推进落实。"
    assert infer_year(None, target, target)[0] == 2022  # a baseline year tells no story


# the same wording on a page of May and on a page of February: three 2020 mentions of this year's work
_WORK_PAGE = (
    "2020年，全省新增城镇就业人数12万人。\n"
    "2020年全省计划新建5G基站2万个，{}，省通信管理局召开推进会。\n"
    "全省2020年春季植树活动已经展开。\n"
)


def test_a_page_of_january_or_february_needs_a_surer_ranker() -> None:
    strict = dataclasses.replace(load_year_ranker(), least_cue=0.0, veto_other=1.01, least_early=1.0)
    lax = dataclasses.replace(strict, least_early=0.0)
    feb, may = _WORK_PAGE.format("2月10日"), _WORK_PAGE.format("5月10日")
    assert page_years(feb).month == 2 and page_years(may).month == 5
    assert infer_year(None, feb, feb, ranker=lax)[0] == 2020
    assert infer_year(None, feb, feb, ranker=strict) == (None, None)  # the year just ended, maybe
    assert infer_year(None, may, may, ranker=strict)[0] == 2020  # only January and February
