"""The year model and dates written in file paths."""

from __future__ import annotations

import datetime as dt

import pytest

from newsetl.classify.dates import date_from_path, infer_date
from newsetl.classify.years import mentions, publication_year, year_posterior
from newsetl.models import PageContext


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
