"""Record-level quality checks: a bad record is quarantined, the run goes on.

Rules and thresholds are the ``records:`` section of ``expectations/gate.yml``
(each with its why). They run in the flow between processing and load:

* :func:`screen_documents` before the text core: a decoded page that is not a
  Chinese page (CJK share too low) is not processed;
* :func:`screen_rows` after it: articles with an empty, tiny, huge or garbage
  body are removed from the rows to load (with their child rows), and a
  document left with no article is quarantined as such.

Both return :class:`newsetl.ingest.Rejected` items recorded in
``raw.quarantine`` with ``stage = 'records'``; ``path`` is the file name (plus
``#<position>`` for an article) and ``sha256`` the document id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from newsetl.ingest import Rejected, cjk_share
from newsetl.process import ARTICLE_CHILD_TABLES


@dataclass(frozen=True)
class RecordRules:
    max_file_bytes: int = 8 * 1024 * 1024
    min_document_cjk_share: float = 0.2
    min_body_chars: int = 20
    max_body_chars: int = 60000
    min_body_cjk_share: float = 0.3
    max_body_replacement_share: float = 0.01
    quarantine_empty_documents: bool = True


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
    from newsetl.quality.gate import gate_config_path

    path = gate_config_path()
    if not path.exists():
        return RecordRules()
    return _load(str(path))


def _reject(path: str, doc_id: str, reason: str, content: str) -> Rejected:
    data = content.encode("utf-8", errors="replace")
    return Rejected(path, reason, len(data), doc_id, data[:65536])


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


def article_problem(body: str | None, rules: RecordRules) -> str | None:
    """Why an article body must not be loaded, or None."""
    if body is None or not body.strip():
        return "empty article body"
    n = len(body)
    if n < rules.min_body_chars:
        return f"article body too short: {n} < {rules.min_body_chars} characters"
    if n > rules.max_body_chars:
        return f"article body too long: {n} > {rules.max_body_chars} characters"
    bad = body.count("\ufffd") / n
    if bad > rules.max_body_replacement_share:
        return f"garbage article body: {bad:.1%} replacement characters"
    share = cjk_share(body)
    if share < rules.min_body_cjk_share:
        return f"garbage article body: CJK share {share:.2f} < {rules.min_body_cjk_share}"
    return None


def screen_rows(
    rows: dict[str, dict[str, list]],
    docs: Sequence[Any],
    rules: RecordRules | None = None,
    already_rejected: set[str] | None = None,
) -> tuple[dict[str, dict[str, list]], list[Rejected]]:
    """Drop bad articles (and their child rows) from ``rows``; return (rows, quarantined)."""
    rules = rules or load_rules()
    names = {d.doc_id: d.file_name for d in docs}
    arts = rows.get("articles") or {}
    rejected: list[Rejected] = []
    drop: set[str] = set()
    kept_docs: set[str] = set()
    for i, aid in enumerate(arts.get("article_id", [])):
        body = arts["body"][i]
        problem = article_problem(body, rules)
        doc_id = arts["doc_id"][i]
        if problem:
            drop.add(aid)
            path = f"{names.get(doc_id, doc_id)}#{arts['position_in_file'][i]}"
            rejected.append(
                _reject(path, doc_id, problem, (arts.get("original_text") or arts["body"])[i] or "")
            )
        else:
            kept_docs.add(doc_id)
    if drop:
        rows["articles"] = _filter(arts, "article_id", drop)
        for table in ARTICLE_CHILD_TABLES:
            if rows.get(table):
                rows[table] = _filter(rows[table], "article_id", drop)
    if rules.quarantine_empty_documents:
        skip = already_rejected or set()
        for doc in docs:
            if doc.doc_id not in kept_docs and doc.doc_id not in skip:
                reason = "document produced no articles"
                if any(r.sha256 == doc.doc_id for r in rejected):
                    reason += " (all failed the record checks)"
                rejected.append(_reject(doc.file_name, doc.doc_id, reason, doc.text[:2000]))
    return rows, rejected


def _filter(table: dict[str, list], key: str, drop: set[str]) -> dict[str, list]:
    keep = [i for i, v in enumerate(table[key]) if v not in drop]
    return {col: [vals[i] for i in keep] for col, vals in table.items()}
