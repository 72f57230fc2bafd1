"""Classification and extraction for one article: topics, ministries, organisations,
people, places, policy documents and the event date.

Pure and deterministic: lexicons come from ``dbt/seeds/*.csv`` (loaded once), the
place gazetteer from the dictionary jionlp ships (loaded once); no Prefect, no
DuckDB, no model downloads, no per-call dictionary loading.
"""

from __future__ import annotations

from newsetl.core.classify.dates import ArticleAnchors, infer_date, read_manifest
from newsetl.core.classify.entities import EntityScan, entity_matches
from newsetl.core.classify.ministries import find_government_mentions, ministry_hits
from newsetl.core.classify.organisations import find_org_mentions, organisation_hits
from newsetl.core.classify.people import extract_people
from newsetl.core.classify.places import extract_places
from newsetl.core.classify.policy_docs import extract_policy_docs
from newsetl.core.classify.topics import classify_topics, topic_mask
from newsetl.core.models import Classification, PageContext

__all__ = ["classify_article", "read_manifest", "warm_up"]


def classify_article(
    title: str | None, body: str, ctx: PageContext, dateline: str | None = None
) -> Classification:
    """Classify one article. ``dateline`` is the ``2月21日`` the segmenter found after 本报讯."""
    title = title or None
    text = f"{title}\n{body}" if title else body
    scan = entity_matches(text)  # one scan of the article, read by every extractor below
    gov = find_government_mentions(text, scan)
    orgs = find_org_mentions(text, gov, scan)
    topics, primary = classify_topics(title, body, topic_mask(orgs))
    people = extract_people(
        text, [(o.start, o.end, o.name) for o in orgs] + [(g.start, g.end, g.name) for g in gov], scan
    )
    # a place inside a company name (山东海燕) or a person's name (许海东) is no place mention
    exclude = [(o.start, o.end) for o in orgs] + name_spans(text, [p.name for p in people])
    return Classification(
        topics=topics,
        primary_topic=primary,
        ministries=ministry_hits(gov),
        organisations=organisation_hits(text, gov, orgs),
        people=people,
        places=extract_places(text, exclude=exclude, scan=scan),
        policy_documents=extract_policy_docs(text),
        date=infer_date(title, body, ctx, dateline, _anchors(scan, title)),
    )


def _anchors(scan: EntityScan, title: str | None) -> ArticleAnchors:
    """The ``date_anchors`` phrases in the title and in the body, read off the entity scan of
    the article's text (``f"{title}\n{body}"``; no phrase spans the line break)."""
    split = len(title) if title else -1
    hits = scan["date_anchor"]
    return ArticleAnchors(
        frozenset(key for _s, e, key, _p in hits if e <= split),
        frozenset(key for s, _e, key, _p in hits if s > split),
    )


def name_spans(text: str, names: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of each name in ``text``."""
    spans = []
    for n in names:
        i = text.find(n)
        while i >= 0:
            spans.append((i, i + len(n)))
            i = text.find(n, i + len(n))
    return spans


def warm_up() -> None:
    """Build every lexicon and automaton now (e.g. once per worker) rather than on first use."""
    classify_article(
        "工信部", "本报讯 2月21日，工业和信息化部在北京召开会议。", PageContext(file_name="warm-up")
    )
