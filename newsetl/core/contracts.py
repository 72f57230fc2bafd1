"""The types the stages hand each other: found files, documents, processed rows, quarantined items.

They sit below every layer, so storage (:mod:`newsetl.warehouse`) and processing
(:mod:`newsetl.pipeline`) share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsetl.core.script import to_simplified

# The per-article tables (keyed by article_id) the text core fills beside raw.articles:
# the one list the loader, the record checks and the dbt plan read.
ARTICLE_CHILD_TABLES = (
    "article_topics",
    "article_ministries",
    "article_organisations",
    "article_people",
    "article_places",
    "article_policy_documents",
    "article_search",
)
# article_quarantine: articles that failed an article rule (filled by the record checks)
TABLES = ("articles", "page_furniture", *ARTICLE_CHILD_TABLES, "article_quarantine", "quarantine")


@dataclass(frozen=True)
class Seen:
    """The last sighting of a path, as recorded in ``raw.file_versions``."""

    size: int
    mtime_ns: int
    doc_id: str


@dataclass(frozen=True)
class Decoded:
    doc_id: str
    path: str
    size: int
    mtime_ns: int
    encoding: str
    text: str
    note: str | None = None
    script: str = "hans"  # hans (Simplified), hant (Traditional), latin, other: see detect_script


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str
    size: int
    sha256: str | None
    content: bytes


@dataclass
class ScanResult:
    decoded: list[Decoded] = field(default_factory=list)  # read this run (new or changed paths)
    unchanged: list[str] = field(default_factory=list)  # paths skipped by the stat check
    rejected: list[Rejected] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # still being written: next run
    bytes_read: int = 0
    unreadable_dirs: list[str] = field(default_factory=list)  # folders that could not be listed


@dataclass(frozen=True)
class DocInput:
    doc_id: str
    file_name: str
    text: str
    publication_date: str | None = None


@dataclass(frozen=True)
class StoredDoc:
    """A document as the processing stage fetches it: its text still UTF-8, as stored.

    Decoding 150 MB of Chinese text into ``str`` in the flow process, only to encode it
    again when pickling it for a text worker, cost the flow ≈ 0.7 s of CPU per 10,000
    pages while the workers wanted both cores; the bytes travel as they are and each
    worker decodes its own batch (:func:`as_input`).
    """

    doc_id: str
    file_name: str  # the path below the input folder (its folders may carry the publication date)
    data: bytes
    script: str = "hans"  # "hant": processed in Simplified (the lexicons are); raw keeps the original
    publication_date: str | None = None


def as_input(doc: DocInput | StoredDoc) -> DocInput:
    """The text core's input: decoded, and Traditional pages converted to Simplified."""
    if isinstance(doc, DocInput):
        return doc
    text = doc.data.decode("utf-8")
    if doc.script == "hant":
        text = to_simplified(text)
    return DocInput(doc.doc_id, doc.file_name, text, doc.publication_date)


def doc_chars(doc: DocInput | StoredDoc) -> int:
    """Characters of a document, for sizing batches (a stored one: its UTF-8 bytes / 3, CJK text)."""
    return len(doc.text) if isinstance(doc, DocInput) else len(doc.data) // 3


Rows = dict[str, dict[str, list]]  # table -> column -> values, one Arrow insert each
