"""The column-break join model: its features, its labels and its training fit."""

from __future__ import annotations

from newsetl.core.text import segment as seg
from newsetl_tools.degrade import TruthArticle
from newsetl_tools.evaluation.logistic import fit
from newsetl_tools.evaluation.train_joins import label, truth_runs

ARTICLE = TruthArticle(
    title="工信部部署中小企业复工复产",
    paragraphs=(
        ("text", "工业和信息化部近日印发通知，要求各地加快推动中小企业复工复产。"),
        ("subhead", "强化服务保障"),
        ("text", "通知指出，要帮助企业解决用工、资金和原材料等方面的困难。"),
    ),
)
OTHER = TruthArticle(title="软件名城加快复工", paragraphs=(("text", "南京市发布措施，促进软件企业复工。"),))

# a page whose first article is cut mid-word (新型冠|状病毒) and its tail moved under the next article
PAGE = """工信部发布疫情防控通知

2月21日，国务院应对新型冠

软件名城加快复工

南京市工业和信息化局发布措施，促进软件和信息服务企业复工复产，保障重点企业用工。

状病毒感染肺炎疫情联防联控机制印发《企事业单位复工复产疫情防控措施指南》。
"""


def test_a_cut_inside_a_run_of_body_text_is_a_join():
    runs = truth_runs([ARTICLE, OTHER])
    assert label("工业和信息化部近日印发通知，要求各地加快推", "动中小企业复工复产。", runs) == 1
    # across a subhead, or into another article's text: no join
    assert label("要求各地加快推动中小企业复工复产。强化服务", "保障通知指出", runs) == 0
    assert label("工业和信息化部近日印发通知，要求各地加快推", "南京市发布措施，促进", runs) == 0


def test_a_moved_tail_is_joined_to_its_head_across_the_next_article():
    res = seg.segment_page(PAGE, "p")
    first = res.articles[0]
    assert "国务院应对新型冠状病毒感染肺炎疫情联防联控机制" in first.body
    assert len(first.joins) == 1
    assert all("状病毒" not in a.body for a in res.articles[1:])


def test_every_scored_pair_is_traced_with_its_cut():
    seg.JOIN_TRACE = []
    try:
        seg.segment_page(PAGE, "p")
        traced = list(seg.JOIN_TRACE)
    finally:
        seg.JOIN_TRACE = None
    cut = [f for f, head, tail in traced if head.endswith("新型冠") and tail.startswith("状病毒")]
    assert cut, traced
    assert cut[0]["cross#4"] == 1.0  # 新型冠状 across the cut
    assert seg._JOIN_MODEL.margin(cut[0]) >= seg._JOIN_MODEL.margin_threshold()


def test_fit_learns_the_sign_of_a_separating_feature():
    xs = [{"cut": 1.0}] * 40 + [{"cut": 0.0}] * 40 + [{"cut": 1.0}] * 5 + [{"cut": 0.0}] * 5
    ys = [1] * 40 + [0] * 40 + [0] * 5 + [1] * 5
    model = fit(xs, ys)
    assert model.weights["cut"] > 1.0
    assert model.probability({"cut": 1.0}) > 0.8 > 0.2 > model.probability({"cut": 0.0})
    # a pair weighted up counts as many
    heavy = fit([{"cut": 1.0}, {"cut": 1.0}], [1, 0], weights=[9.0, 1.0], l2=0.01)
    assert heavy.probability({"cut": 1.0}) > 0.85
