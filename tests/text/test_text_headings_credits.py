"""Head lines split by evidence, credit lines kept out of titles and bodies."""

from __future__ import annotations

import pytest

from newsetl.text.furniture import furniture_kind
from newsetl.text.headlines import split_heading_block


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["中办国办印发", "关于推进基层整合审批服务执法力量的实施意见"],
            ("中办国办印发", "关于推进基层整合审批服务执法力量的实施意见", None),
        ),
        (
            ["广东惠东创建禁毒新模式", "社区戒毒康复人员就业率达百分之九十七"],
            ("广东惠东创建禁毒新模式", "社区戒毒康复人员就业率达百分之九十七", None),
        ),
        (
            ["“五一”假期，广大劳动者立足本职——", "始终保持艰苦奋斗的前进姿态"],
            ("“五一”假期，广大劳动者立足本职——", "始终保持艰苦奋斗的前进姿态", None),
        ),
        (
            ["做好复学复课这道“必答题”（人民时评）", "学校要守住安全底线"],
            (None, "做好复学复课这道“必答题”（人民时评）", "学校要守住安全底线"),
        ),
        (
            ["人大常委会会议在京闭幕", "栗战书主持并讲话"],
            (None, "人大常委会会议在京闭幕", "栗战书主持并讲话"),
        ),
        (
            ["稳“链”纾困强实体", "筑牢工业经济基本盘"],
            (None, "稳“链”纾困强实体 筑牢工业经济基本盘", None),
        ),  # one title over two lines
        (
            ["一桌年夜饭", "满满都是情", "——海外侨胞的团圆故事"],
            (None, "一桌年夜饭满满都是情", "——海外侨胞的团圆故事"),
        ),
    ],
)
def test_split_heading_block(lines: list[str], expected: tuple[str | None, str | None, str | None]) -> None:
    assert split_heading_block(lines) == expected


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("制图：蔡华伟", "credit"),
        ("版式设计：沈亦伶", "credit"),
        ("耿玉和摄（影像中国）", "credit"),
        ("刘教清 李茂香摄影报道", "credit"),
        ("（作者为中国驻巴布亚新几内亚大使）", "credit"),
        ("（本报乌兰巴托电）", "source_trailer"),
        ("加强组织领导 凝聚强大合力", None),
        ("工信部介绍工业电子商务发展等情况", None),
    ],
)
def test_credit_lines(line: str, kind: str | None) -> None:
    assert furniture_kind(line) == kind
