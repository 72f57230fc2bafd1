"""Golden fixtures for the five seed pages (hand-checked against the pages).

Per article: title/kicker/subtitle, first and last sentence, fragment flag and
missing end, bylines and lead fields, subheads, the joins that must be
repaired and how many duplicates must be removed. Every boundary must be
right (same number of articles, same first/last sentences, in order).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsetl.core.text import segment_page
from newsetl.core.text.normalize import content_key

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = sorted((Path(__file__).parent / "golden").glob("*.json"))


def _load(path: Path) -> tuple[dict, object]:
    gold = json.loads(path.read_text(encoding="utf-8"))
    page = (ROOT / "seeds" / gold["page"]).read_text(encoding="utf-8")
    return gold, segment_page(page, gold["page"])


def test_all_seed_pages_have_a_golden_fixture():
    assert {p.stem for p in GOLDEN} == {p.stem for p in (ROOT / "seeds").glob("*.txt")}


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem[:3])
def test_boundaries_and_fields(path: Path):
    gold, res = _load(path)
    got = res.articles
    assert len(got) == len(gold["articles"])
    for g, a in zip(gold["articles"], got, strict=True):
        texts = [p.text for p in a.paragraphs if p.kind == "text"]
        assert a.title == g["title"]
        assert a.kicker == g["kicker"]
        assert a.subtitle == g["subtitle"]
        assert texts[0].startswith(g["first_sentence"])
        assert texts[-1].endswith(g["last_sentence"])
        assert a.is_fragment == g["is_fragment"]
        assert a.missing == g["missing"]
        assert a.bylines == g["bylines"]
        assert a.source_label == g["source_label"]
        assert a.dateline == g["dateline"]
        assert [p.text for p in a.paragraphs if p.kind == "subhead"] == g["subheads"]
        assert a.duplicates_removed == g["duplicates_removed"]


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem[:3])
def test_every_listed_join_is_repaired(path: Path):
    gold, res = _load(path)
    for g, a in zip(gold["articles"], res.articles, strict=True):
        for j in g["joins"]:
            assert j["head_end"] + j["tail_start"] in a.body, j
        assert len(a.joins) == len(g["joins"])


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem[:3])
def test_no_duplicated_paragraph_and_no_furniture_in_bodies(path: Path):
    gold, res = _load(path)
    keys = [content_key(p.text) for a in res.articles for p in a.paragraphs if p.kind == "text"]
    assert len(keys) == len(set(keys))
    bodies = "\n".join(a.body for a in res.articles)
    for f in gold["furniture"]:
        assert f["text"] not in bodies
    assert [(f.kind, f.text) for f in res.furniture] == [(f["kind"], f["text"]) for f in gold["furniture"]]
    # no cut piece left open inside a body: every paragraph but a fragment's last ends a sentence
    for a in res.articles:
        texts = [p.text for p in a.paragraphs if p.kind == "text"]
        for t in texts[:-1]:
            assert re.search(r"[。！？：；”）]$", t), t


def test_article_ids_are_stable_and_unique():
    page = (ROOT / "seeds" / "004_ea6552c71777745f.txt").read_text(encoding="utf-8")
    a = [x.article_id for x in segment_page(page, "doc-4").articles]
    b = [x.article_id for x in segment_page(page, "doc-4").articles]
    c = [x.article_id for x in segment_page(page, "doc-5").articles]
    assert a == b and len(set(a)) == len(a) and all(re.fullmatch(r"[0-9a-f]{16}", x) for x in a)
    assert set(a).isdisjoint(c)
