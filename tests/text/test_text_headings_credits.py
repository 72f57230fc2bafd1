"""Head lines split by evidence, credit lines kept out of titles and bodies."""

from __future__ import annotations

import pytest

from newsetl.core.text.furniture import furniture_kind
from newsetl.core.text.headlines import split_heading_block


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
        # the head model: who did what, or the figures, under a title; a slogan above one
        (
            ["全国工业和信息化工作会议在京召开", "肖亚庆出席并讲话"],
            (None, "全国工业和信息化工作会议在京召开", "肖亚庆出席并讲话"),
        ),
        (
            ["今年前两月工业生产平稳开局", "规模以上工业增加值同比增长7.5%"],
            (None, "今年前两月工业生产平稳开局", "规模以上工业增加值同比增长7.5%"),
        ),
        (
            ["坚持创新驱动 推进制造强国建设", "工信部部署今年重点工作"],
            ("坚持创新驱动 推进制造强国建设", "工信部部署今年重点工作", None),
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
        ("本版制图：王小明", "credit"),
        ("版式：李华", "credit"),
        ("（作者单位：某某大学经济学院）", "credit"),
        ("（作者为某研究院研究员（特聘））", "credit"),
        ("（张三采访整理）", "credit"),
        ("（本报布鲁塞尔、柏林3月4日电）", "source_trailer"),
        ("（新华社北京3月4日电 记者王五）", "source_trailer"),
        ("（李四参与采写）", "source_trailer"),
        ("（本系列评论到此结束）", "source_trailer"),
        ("王 闽摄（影像中国）", "credit"),
        ("新华社发", "credit"),
        ("——编 者", "credit"),
        ("——访某某公司董事长", None),
        ("（本报记者赵六、钱七、孙八）", "credit"),
        ("（本报记者赵六）", None),  # one reporter: a byline, not a credit
        ("加强组织领导 凝聚强大合力", None),
        ("工信部介绍工业电子商务发展等情况", None),
    ],
)
def test_credit_lines(line: str, kind: str | None) -> None:
    assert furniture_kind(line) == kind
