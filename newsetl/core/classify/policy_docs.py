"""Policy documents cited in 《…》, told apart from publications.

- A title may be cut by a line or column break (``…扩大就业\\n\\n的意见》``): line
  breaks inside the brackets are removed, spaces that are part of the title kept.
- A title that is a publication (``publications.csv``: 《中国电子报》, 《学习时报》,
  《旗帜》) or looks like one (ends in 报/日报/时报/周刊/杂志, short) is not a document.
- The type comes from the title's ending (``policy_doc_types.csv``, longest suffix
  first) after a trailing parenthesis such as ``（2018—2020年）`` is set aside.
- A bare back-reference (《通知》, 《意见》, 《方案》) counts as one more mention of
  the latest full title of that type, never as a document of its own.
- A law's short title (《数据安全法》) is a mention of its full title
  (《中华人民共和国数据安全法》) when both are cited, before or after.
"""

from __future__ import annotations

import functools
import re

from newsetl.core.classify.lexicon import policy_doc_types, publications
from newsetl.core.models import PolicyDocHit

_TITLE = re.compile(r"《([^《》]{1,120}?)》", re.S)
_TRAILING_PAREN = re.compile(r"[（(][^（）()]*[）)]$")
_TITLE_BREAK = re.compile(r"[ \t\u3000]*\n[\s\u3000]*")
_SPACES = re.compile(r"\s+")
_PUBLICATION_ENDINGS = ("日报", "时报", "晚报", "周报", "周刊", "杂志", "月刊", "画报", "报")
_STATE_PREFIX = "中华人民共和国"
_SHORT_REFS = {"通知", "意见", "方案", "办法", "规划", "条例", "指南", "计划", "措施", "决定", "要点", "纲要"}


def normalise_title(raw: str) -> str:
    t = _TITLE_BREAK.sub("", raw) if "\n" in raw else raw  # a line/column break inside the title
    return _SPACES.sub(" ", t).strip()


def is_publication(title: str) -> bool:
    if title in publications():
        return True
    return len(title) <= 8 and title.endswith(_PUBLICATION_ENDINGS) and not title.startswith("关于")


def doc_type(title: str) -> str:
    tail = title[-2:]  # _TRAILING_PAREN ends in a parenthesis, maybe before a final line break
    core = _TRAILING_PAREN.sub("", title).strip() if ")" in tail or "）" in tail else title.strip()
    by_last = _doc_types_by_last_char()
    for suffix, kind in by_last.get(core[-1:], ()) if by_last is not None else policy_doc_types():
        if core.endswith(suffix):
            return kind
    return "other"


@functools.cache
def _doc_types_by_last_char() -> dict[str, tuple[tuple[str, str], ...]] | None:
    """``policy_doc_types()`` (longest suffix first) by the suffix's last character: a title
    can only end in the suffixes ending in its own last character (None: an empty suffix)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for suffix, kind in policy_doc_types():
        if not suffix:
            return None
        out.setdefault(suffix[-1], []).append((suffix, kind))
    return {c: tuple(v) for c, v in out.items()}


def find_titles(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), normalise_title(m.group(1))) for m in _TITLE.finditer(text)]


def extract_policy_docs(text: str) -> list[PolicyDocHit]:
    docs: dict[str, list] = {}
    last_of_type: dict[str, str] = {}
    for _s, _e, title in find_titles(text):
        if not title or is_publication(title):
            continue
        if title in _SHORT_REFS:
            kind = doc_type(title)
            ref = last_of_type.get(kind)
            if ref is not None:
                docs[ref][1] += 1
            continue
        kind = doc_type(title)
        if title not in docs:
            docs[title] = [kind, 0]
        docs[title][1] += 1
        last_of_type[kind] = title
    for short in [t for t in docs if not t.startswith(_STATE_PREFIX)]:
        full = _STATE_PREFIX + short
        if full in docs:  # 《数据安全法》 and 《中华人民共和国数据安全法》: one law
            docs[full][1] += docs.pop(short)[1]
    return [PolicyDocHit(t, k, n) for t, (k, n) in docs.items()]
