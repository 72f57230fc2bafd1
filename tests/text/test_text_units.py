"""Pure-function tests on realistic text for normalize, furniture, bylines,
headlines, dedup and repair."""

from __future__ import annotations

from newsetl.core.text import bylines, furniture, headlines, repair
from newsetl.core.text.dedup import find_duplicates
from newsetl.core.text.normalize import clean_line, content_key, strip_heading_marker


# normalize ---------------------------------------------------------------
def test_full_width_and_punctuation_are_unified_but_numbers_and_urls_kept():
    assert clean_line("　　ＴＣＬ华星推出５Ｇ产品") == "TCL华星推出5G产品"
    assert (
        clean_line("会议指出,当前1,200家企业:10:30开会(上接第1版)")
        == "会议指出，当前1,200家企业：10:30开会（上接第1版）"
    )
    assert clean_line('罗俊杰:开展"双品购物节"活动?') == "罗俊杰：开展“双品购物节”活动？"
    assert (
        clean_line("原文链接://shuzhiren.com/post/36859.html") == "原文链接://shuzhiren.com/post/36859.html"
    )
    assert clean_line("APP (AR) 应用") == "APP (AR) 应用"


def test_spaces_kept_between_title_halves_dropped_next_to_punctuation():
    assert clean_line("加强组织领导  凝聚强大合力") == "加强组织领导 凝聚强大合力"
    assert clean_line("脱贫攻坚： 打出“组合拳”圆满收官") == "脱贫攻坚：打出“组合拳”圆满收官"


def test_markdown_heading_level_is_a_hint():
    assert strip_heading_marker("# 工业经济： 新动能") == ("工业经济： 新动能", 1)
    assert strip_heading_marker("## 工业经济持续回升") == ("工业经济持续回升", 2)
    assert strip_heading_marker("工业经济持续回升") == ("工业经济持续回升", 0)


def test_content_key_equal_across_punctuation_styles():
    a = "会议强调,要坚持“两手抓”“两手硬”,稳步有序做好复工复产工作。"
    b = '会议强调，要坚持"两手抓""两手硬"，稳步有序做好复工复产工作。'
    assert content_key(clean_line(a)) == content_key(clean_line(b))


# furniture ---------------------------------------------------------------
def test_furniture_kinds():
    assert furniture.furniture_kind("决战决胜脱贫攻坚") == "banner"
    assert furniture.furniture_kind("综合新闻") == "section_label"
    assert furniture.furniture_kind("图为融水县异地扶贫搬迁点苗家小镇粤桂扶贫车间") == "caption"
    assert furniture.furniture_kind("2020年工信部定点扶贫县帮扶情况（单位：万元）") == "chart_title"
    assert furniture.furniture_kind("2019年11月—2020年11月规模以上工业增加值同比增长速度") == "chart_title"
    assert furniture.furniture_kind("（上接第1版）") == "continuation"
    assert furniture.furniture_kind("（下转第3版）") == "continuation"
    # a reprinted wire story's closing label and a roundup's reporters, never a title
    assert furniture.furniture_kind("（据新华社日内瓦电 记者刘曲、王其）") == "source_trailer"
    assert furniture.furniture_kind("（综合王明、李华、张强报道）") == "credit"
    # headlines and subheads are not furniture
    for line in (
        "三大模式推动精准扶贫",
        "补齐脱贫攻坚短板",
        "工业经济持续回升",
        "工信部加快5G商用步伐 推动信息通信业高质量发展",
    ):
        assert furniture.furniture_kind(line) is None


def test_source_trailer_split_from_last_sentence():
    body, trailer = furniture.split_trailer(
        "让人民群众享受美好数字生活。转自：中国电子报 原文链接://shuzhiren.com/post/1.html"
    )
    assert body == "让人民群众享受美好数字生活。"
    assert trailer is not None and furniture.trailer_source(trailer) == "中国电子报"


# bylines ---------------------------------------------------------------
def test_bylines():
    assert bylines.top_byline("本报记者 诸玲珍") == ["诸玲珍"]
    assert bylines.top_byline("本报记者 张三 李四") == ["张三", "李四"]
    assert bylines.end_byline("（耀 文）") == "耀 文"
    assert bylines.end_byline("（新华社记者 张辛欣）") == "新华社记者 张辛欣"
    assert bylines.end_byline("（上接第1版）") is None
    assert bylines.end_byline("（龙川）") is None  # a parenthetical place name, not a signature
    assert bylines.org_and_names("西北工业大学扶贫办 任一娇 蒲传新") == (
        "西北工业大学扶贫办",
        ["任一娇", "蒲传新"],
    )
    assert bylines.is_org_line("赛迪智库规划研究所") and bylines.name_line("王海龙 张昕婧 朱杰") == [
        "王海龙",
        "张昕婧",
        "朱杰",
    ]
    assert bylines.split_glued_end_byline("解决社会关注的突出问题。（耀 文）") == (
        "解决社会关注的突出问题。",
        "耀 文",
    )


def test_lead_label_and_dateline_lifted():
    assert bylines.split_lead("本报讯 4月25日，国务院联防联控机制举办了发布会。") == (
        "国务院联防联控机制举办了发布会。",
        "本报讯",
        "4月25日",
        [],
    )
    assert bylines.split_lead("本报讯 日前，河北-湖北平台上线。")[:3] == (
        "日前，河北-湖北平台上线。",
        "本报讯",
        None,
    )
    rest, label, date, names = bylines.split_lead("新华社北京3月2日电（记者 张辛欣）工信部今天表示。")
    assert (rest, label, date, names) == ("工信部今天表示。", "新华社北京3月2日电", "3月2日", ["张辛欣"])
    # a wire story reprinted: 据新华社…电 opens an article as 新华社…电 does
    rest, label, date, names = bylines.split_lead("据新华社日内瓦5月9日电（记者 刘曲）世卫组织9日表示。")
    assert (rest, label, date, names) == ("世卫组织9日表示。", "据新华社日内瓦5月9日电", "5月9日", ["刘曲"])
    assert not bylines.starts_with_lead("据了解，新华社记者日前走访了多家企业。")


# headlines -------------------------------------------------------------
def test_heading_like_and_heading_block():
    assert headlines.is_heading_like("河北-湖北产业链")
    assert headlines.is_heading_like("谈工业运行：基本回归正轨 向好势头巩固")
    assert not headlines.is_heading_like("记者：工业经济恢复情况怎样，下半年回升势头能否延续？")
    assert not headlines.is_heading_like("定相应的支持政策，激活市场活力。")
    assert not headlines.is_heading_like("工业园区里很早就有智能产线的")  # a column cut after 的
    # a short line far shorter than the next is a kicker; halves of like length are one title
    assert headlines.split_heading_block(["生态环境部", "渤海综合治理严防“一刀切”"]) == (
        "生态环境部",
        "渤海综合治理严防“一刀切”",
        None,
    )
    assert headlines.split_heading_block(["一桌年夜饭", "满满都是情"]) == (None, "一桌年夜饭满满都是情", None)
    assert headlines.split_heading_block(
        ["稳“链”纾困强实体", "筑牢工业经济基本盘", "——访工信部副部长辛国斌"]
    ) == (None, "稳“链”纾困强实体 筑牢工业经济基本盘", "——访工信部副部长辛国斌")
    assert headlines.split_heading_block(
        ["国务院联防联控机制举行新闻发布会", "工信部介绍工业电子商务发展等情况"]
    ) == ("国务院联防联控机制举行新闻发布会", "工信部介绍工业电子商务发展等情况", None)


# dedup -------------------------------------------------------------------
def test_exact_and_truncated_copies():
    para = content_key("“疫情之初，高技术制造业降幅大于规模以上工业，但复工复产后，高技术制造业快速恢复。”")
    keys = [para, "另一段完全不同的内容，讲的是软件名城。", para, para[:20], para[-18:], "短句"]
    dropped = find_duplicates(keys)
    assert dropped == {2: 0, 3: 0, 4: 0}


def test_truncated_copy_before_its_original_is_the_one_dropped():
    para = "新产业新业态新模式孕育壮大为工业经济回升提供了强劲的支撑"
    assert find_duplicates([para[:18], para]) == {0: 1}


# repair -------------------------------------------------------------------
def test_open_pieces_and_cross_words():
    assert repair.is_open("五是不断优化产业的发展生态，研究制")
    assert not repair.is_open("“一旦疫情在日韩继续恶化。”董敏表示。")
    assert not repair.is_open("为此，提出几点建议：")
    assert repair.cross_word("主管部门要主", "动作为，积极对接") == "主动"
    assert repair.cross_word("应对新型冠", "状病毒感染肺炎") == "冠状病毒"
    assert repair.cross_word("坚决贯彻党中央国", "务院的决策部署") == "国务院"
    assert repair.cross_word("消杀产品的日产", "动作为，积极") is None  # no word is formed across
    assert repair.cross_word("《通知》指", "状病毒感染") is None  # HMM guesses do not count


def test_start_shape():
    assert repair.start_shape("，面对疫情") > 0
    assert repair.start_shape("不足。”杨东日表示。") > 0
    assert repair.start_shape("的意见》，大力支持") > 0
    assert repair.start_shape("本报讯 2月22日，工信部") < 0
    assert repair.start_shape("记者：中小企业生存状况如何？") < 0
    assert repair.start_shape("今年，新冠肺炎疫情对我国") <= 0


def test_choose_joins_prefers_strong_evidence_over_adjacency():
    scores = {(1, 2): 2.5, (0, 2): 6.0, (1, 5): 5.0}
    assert repair.choose_joins([0, 1], [2, 5], lambda h, t: scores.get((h, t))) == {0: 2, 1: 5}


def test_choose_joins_is_a_global_matching_not_greedy():
    # greedy takes (0, 2) at 5.0 and leaves head 1 without a tail (total 5.0);
    # the best one-to-one assignment joins both heads (4.0 + 3.0)
    scores = {(0, 2): 5.0, (0, 3): 4.0, (1, 2): 3.0}
    assert repair.choose_joins([0, 1], [2, 3], lambda h, t: scores.get((h, t))) == {0: 3, 1: 2}
    assert repair.choose_joins([0], [2, 3], lambda h, t: None) == {}


def test_glued_headings_bylines_and_authors_on_flattened_lines():
    from newsetl.core.text.glued import glued_cuts, name_end, repeat_cuts

    prev = "会议要求各地加快推进复工复产工作。"
    for head, marker, rest in (
        ("工信部召开经验交流电视电话会议", "本报讯 2月21日，", "工业和信息化部召开会议。"),
        ("脱贫攻坚：打出“组合拳”圆满收官", "本报记者 诸玲珍", "今年，新冠肺炎疫情造成严重冲击。"),
        (
            "三大模式推动产业精准扶贫",
            "赛迪智库规划研究所王海龙 张昕婧 朱杰",
            "2020年是脱贫攻坚决战决胜之年。",
        ),
        ("工信部解读第一季度工业和信息化热点", "记者：", "前两个月工业生产的主要指标是好于预期的。"),
    ):
        body = prev + head + marker + rest
        cuts = glued_cuts(body)
        assert cuts.get(len(prev)) == "heading", (head, cuts)
        assert any(len(prev) < c <= len(prev) + len(head) + len(marker) for c in cuts), (head, cuts)
    # a byline name glued to the text: three characters unless the text says otherwise
    assert name_end("诸玲珍今年，", 0) == 3 and name_end("朱杰今年，", 0) == 2
    # ordinary prose is not cut
    prose = "工信部将定点扶贫作为重大政治责任和光荣历史使命，全面动员系统力量。会议指出，当前工业企业开工率总体上日益提高。"
    assert glued_cuts(prose) == {}
    s = "工信部召开会议部署复工复产工作。"
    assert len(repeat_cuts("开头一句话。" + s + "中间的一句话在这里。" + s)) == 4
