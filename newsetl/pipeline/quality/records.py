"""Record-level quality checks: a bad record is quarantined, the run goes on.

Rules and thresholds are the ``records:`` section of ``expectations/gate.yml``
(each with its why). They run in the flow between processing and load:

* :func:`screen_documents` before the text core: a decoded page that is not a
  Chinese page (CJK share too low) is not processed;
* :func:`screen_rows` after it: articles with an empty, tiny, huge or garbage
  body are removed from the rows to load (with their child rows), and a
  document left with no article is quarantined as such.

Both return :class:`newsetl.core.contracts.Rejected` items recorded in
``raw.quarantine`` with ``stage = 'records'``; ``path`` is the file name (plus
``#<position>`` for an article) and ``sha256`` the document id.

Every article that fails a rule is also a row of ``rows["article_quarantine"]``
(loaded into ``raw.article_quarantine``, replaced with the document's other rows):
article, file, rule, value, action, reason, run. The rules' actions:

* ``exclude`` (body rules): the article is not loaded, so it is in no mart;
* ``null_date`` (``event_year_plausible``): the article is loaded with its event
  date, year and precision nulled; the value found is kept in the quarantine row.

How many articles may fail each rule before the run blocks is ``article_rules:``
in gate.yml (the ``article_rules`` suite of the gate, :mod:`newsetl.pipeline.quality.gate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from newsetl.core.contracts import ARTICLE_CHILD_TABLES, Rejected
from newsetl.core.script import cjk_share
from newsetl.pipeline.quality.gate import gate_config_path


@dataclass(frozen=True)
class RecordRules:
    max_file_bytes: int = 8 * 1024 * 1024
    min_document_cjk_share: float = 0.2
    min_body_chars: int = 20
    max_body_chars: int = 60000
    min_body_cjk_share: float = 0.3
    max_body_replacement_share: float = 0.01
    quarantine_empty_documents: bool = True
    min_event_year: int = 2000
    max_days_ahead: int = 400
    max_articles_per_page: int = 200


def rules_from_config(config: dict[str, Any]) -> RecordRules:
    section = config.get("records") or {}
    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in section.items()}
    known = {k: values[k] for k in RecordRules.__dataclass_fields__ if k in values}
    return RecordRules(**known)


@lru_cache(maxsize=4)
def _load(path: str) -> RecordRules:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return rules_from_config(yaml.safe_load(fh) or {})


def load_rules() -> RecordRules:
    """The ``records:`` rules of the active gate config (``NEWSETL_GATE_CONFIG`` or gate.yml)."""
    path = gate_config_path()
    if not path.exists():
        return RecordRules()
    return _load(str(path))


def _reject(path: str, doc_id: str, reason: str, content: str) -> Rejected:
    data = content.encode("utf-8", errors="replace")
    return Rejected(path, reason, len(data), doc_id, data[:65536], stage="records")


def screen_documents(
    docs: Sequence[Any], rules: RecordRules | None = None
) -> tuple[list[Any], list[Rejected]]:
    """Split documents (anything with doc_id, file_name, text) into (to process, quarantined)."""
    rules = rules or load_rules()
    keep: list[Any] = []
    rejected: list[Rejected] = []
    for doc in docs:
        share = cjk_share(doc.text)
        if share < rules.min_document_cjk_share:
            rejected.append(
                _reject(
                    doc.file_name,
                    doc.doc_id,
                    f"not a Chinese page: CJK share {share:.2f} < {rules.min_document_cjk_share}",
                    doc.text[:2000],
                )
            )
        else:
            keep.append(doc)
    return keep, rejected


# The article rules and what a failing article becomes (gate.yml ``article_rules:`` sets how
# many may fail each before the run blocks).
ARTICLE_RULES = {
    "body_present": "exclude",
    "body_length": "exclude",
    "body_is_text": "exclude",
    "event_year_plausible": "null_date",
}
DATE_COLUMNS = ("event_date", "date_precision", "event_year")


def body_problem(body: str | None, rules: RecordRules) -> tuple[str, str, str] | None:
    """``(rule, value, reason)`` when an article body must not be loaded, else None."""
    if body is None or not body.strip():
        return "body_present", "", "empty article body"
    n = len(body)
    if n < rules.min_body_chars:
        return "body_length", str(n), f"article body too short: {n} < {rules.min_body_chars} characters"
    if n > rules.max_body_chars:
        return "body_length", str(n), f"article body too long: {n} > {rules.max_body_chars} characters"
    bad = body.count("\ufffd") / n
    if bad > rules.max_body_replacement_share:
        return "body_is_text", f"{bad:.3f}", f"garbage article body: {bad:.1%} replacement characters"
    share = cjk_share(body)
    if share < rules.min_body_cjk_share:
        return (
            "body_is_text",
            f"{share:.2f}",
            f"garbage article body: CJK share {share:.2f} < {rules.min_body_cjk_share}",
        )
    return None


def article_problem(body: str | None, rules: RecordRules) -> str | None:
    """Why an article body must not be loaded, or None."""
    found = body_problem(body, rules)
    return found[2] if found else None


def date_problem(
    event_date: Any, event_year: int | None, rules: RecordRules, today: dt.date | None = None
) -> tuple[str, str, str] | None:
    """``(rule, value, reason)`` when an article's event date is implausible, else None.

    Before ``min_event_year`` it is a historical reference read as the event (1949, 1956);
    more than ``max_days_ahead`` days after today it is a target year read as a date.
    A planned event a few months ahead (a 2027 conference announced in 2026) is news.
    """
    today = today or dt.date.today()
    latest = today + dt.timedelta(days=rules.max_days_ahead)
    if event_year is not None and event_year < rules.min_event_year:
        return (
            "event_year_plausible",
            str(event_year),
            f"event year {event_year} before {rules.min_event_year}: date nulled",
        )
    day = _as_date(event_date)
    if (day is not None and day > latest) or (
        day is None and event_year is not None and event_year > latest.year
    ):
        value = str(event_date or event_year)
        return "event_year_plausible", value, f"event date {value} after {latest.isoformat()}: date nulled"
    return None


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def screen_rows(
    rows: dict[str, dict[str, list]],
    docs: Sequence[Any],
    rules: RecordRules | None = None,
    already_rejected: set[str] | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, dict[str, list]], list[Rejected]]:
    """Drop bad articles (and their child rows) from ``rows``, null implausible dates;
    return (rows, quarantined). Every article that failed a rule is also a row of
    ``rows["article_quarantine"]``."""
    rules = rules or load_rules()
    names = {d.doc_id: d.file_name for d in docs}
    arts = rows.get("articles") or {}
    rejected: list[Rejected] = []
    flagged: list[tuple] = []
    drop: set[str] = set()
    kept_docs: set[str] = set()
    for i, aid in enumerate(arts.get("article_id", [])):
        body = arts["body"][i]
        problem = body_problem(body, rules)
        doc_id = arts["doc_id"][i]
        file_name = names.get(doc_id, doc_id)
        position = arts["position_in_file"][i]
        if problem:
            drop.add(aid)
            path = f"{file_name}#{position}"
            rejected.append(
                _reject(path, doc_id, problem[2], (arts.get("original_text") or arts["body"])[i] or "")
            )
        else:
            kept_docs.add(doc_id)
            if "event_year" in arts:
                problem = date_problem(arts["event_date"][i], arts["event_year"][i], rules, today)
                if problem:
                    for column in DATE_COLUMNS:
                        arts[column][i] = None
        if problem:
            rule, value, reason = problem
            run = (arts.get("processed_run") or [None] * (i + 1))[i]
            flagged.append((aid, doc_id, file_name, position, rule, value, ARTICLE_RULES[rule], reason, run))
    # A "page" of hundreds of articles is a concatenation or a dump (segmented in windows at a
    # bounded cost): held back whole, like an oversized file, not published as a page.
    per_doc: dict[str, list[str]] = {}
    for i, aid in enumerate(arts.get("article_id", [])):
        per_doc.setdefault(arts["doc_id"][i], []).append(aid)
    dumps = {d for d, ids in per_doc.items() if len(ids) > rules.max_articles_per_page}
    for doc in docs:
        if doc.doc_id in dumps:
            n = len(per_doc[doc.doc_id])
            drop.update(per_doc[doc.doc_id])
            kept_docs.discard(doc.doc_id)
            flagged = [f for f in flagged if f[1] != doc.doc_id]
            rejected.append(
                _reject(
                    doc.file_name,
                    doc.doc_id,
                    f"not a page: {n} articles > {rules.max_articles_per_page} (records.max_articles_per_page); "
                    "a concatenation or dump, held back whole",
                    doc.text[:2000],
                )
            )
    if drop:
        rows["articles"] = _filter(arts, "article_id", drop)
        for table in ARTICLE_CHILD_TABLES:
            if rows.get(table):
                rows[table] = _filter(rows[table], "article_id", drop)
    rows["article_quarantine"] = (
        dict(zip(ARTICLE_QUARANTINE_COLUMNS, (list(c) for c in zip(*flagged, strict=True)), strict=True))
        if flagged
        else {}
    )
    if rules.quarantine_empty_documents:
        skip = (already_rejected or set()) | dumps
        for doc in docs:
            if doc.doc_id not in kept_docs and doc.doc_id not in skip:
                reason = "document produced no articles"
                if any(r.sha256 == doc.doc_id for r in rejected):
                    reason += " (all failed the record checks)"
                rejected.append(_reject(doc.file_name, doc.doc_id, reason, doc.text[:2000]))
    return rows, rejected


ARTICLE_QUARANTINE_COLUMNS = (
    "article_id",
    "doc_id",
    "source_file",
    "position_in_file",
    "rule",
    "value",
    "action",
    "reason",
    "processed_run",
)


def _filter(table: dict[str, list], key: str, drop: set[str]) -> dict[str, list]:
    keep = [i for i, v in enumerate(table[key]) if v not in drop]
    return {col: [vals[i] for i in keep] for col, vals in table.items()}
