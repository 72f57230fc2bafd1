"""Plain data shared by the text core, the classifier and the loaders.

These dataclasses are the contract between the pure core (``newsetl.core.text``,
``newsetl.core.classify``) and the orchestration (``flows``): the core only ever
returns these, the loaders only ever turn them into Arrow tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article body after repair.

    ``kind`` is ``"text"`` for ordinary prose and ``"subhead"`` for a heading
    inside an article (it stays in the article, marked, never starts a new one).
    """

    text: str
    kind: str = "text"


@dataclass(frozen=True)
class Furniture:
    """Page furniture kept apart from article bodies.

    kind: banner | section_label | caption | chart_title | credit | continuation |
    source_trailer | other
    """

    kind: str
    text: str
    line_no: int


@dataclass(frozen=True)
class Join:
    """A column-break repair: ``head`` (end of the cut line) joined to ``tail``."""

    head: str
    tail: str
    distance: int  # lines between the two pieces in the page (1 = adjacent)


@dataclass
class Article:
    """One reassembled article, in reading order within its page."""

    position: int
    title: str | None
    body: str  # clean body: paragraphs joined with "\n"
    original_text: str  # the page lines this article was built from, as found
    kicker: str | None = None
    subtitle: str | None = None
    bylines: list[str] = field(default_factory=list)
    source_label: str | None = None  # 本报讯 / 新华社 / 转自 …
    dateline: str | None = None  # e.g. "2月21日" as written after 本报讯
    paragraphs: list[Paragraph] = field(default_factory=list)
    is_fragment: bool = False
    missing: str | None = None  # None | "start" | "end" | "both"
    joins: list[Join] = field(default_factory=list)
    duplicates_removed: int = 0
    article_id: str = ""  # stable: derived from document id and content


@dataclass
class PageResult:
    """What the text core makes of one page."""

    articles: list[Article]
    furniture: list[Furniture]


@dataclass(frozen=True)
class TopicHit:
    code: str
    score: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class MinistryHit:
    code: str
    alias: str  # first surface form found
    mentions: int


@dataclass(frozen=True)
class OrganisationHit:
    name: str
    kind: str  # ministry | government | company | association | university | think_tank | media | other
    level: str | None  # national | provincial | municipal | county | None
    region: str | None  # province/city the body belongs to, where known
    mentions: int
    ministry_code: str | None = None
    # for a local body (河北省工业和信息化厅): the ministry it mirrors; it is never ``ministry_code``
    counterpart_code: str | None = None


@dataclass(frozen=True)
class PersonHit:
    name: str
    role: str | None
    organisation: str | None = None


@dataclass(frozen=True)
class PlaceHit:
    name: str  # surface form
    full_name: str
    adcode: str | None
    level: str  # province | city | county
    province: str | None
    mentions: int


@dataclass(frozen=True)
class PolicyDocHit:
    title: str
    doc_type: str  # law | regulation | plan | notice | opinion | guideline | measures | other
    mentions: int


@dataclass(frozen=True)
class DateInfo:
    event_date: str | None  # ISO yyyy-mm-dd (first day of the period for coarser precision)
    precision: str | None  # day | month | quarter | year | None
    year: int | None
    evidence: str | None


@dataclass
class Classification:
    topics: list[TopicHit]
    primary_topic: str | None
    ministries: list[MinistryHit]
    organisations: list[OrganisationHit]
    people: list[PersonHit]
    places: list[PlaceHit]
    policy_documents: list[PolicyDocHit]
    date: DateInfo


@dataclass(frozen=True)
class PageContext:
    """What is known about the page an article came from.

    ``publication_date`` comes from an optional manifest and overrides
    inference; ``page_years`` are explicit years found anywhere on the page.
    """

    file_name: str
    publication_date: str | None = None
    page_text: str = ""
