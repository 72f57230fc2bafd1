"""The entity lexicons searched in one automaton pass per article, and that scan.

Government bodies, organisations, roles, places (the gazetteer's surface forms) and the
date-anchor phrases; ministries, organisations, people, places and dates all read the scan.
"""

from __future__ import annotations

import functools
from typing import Any

from newsetl.core.classify.gazetteer import place_entries
from newsetl.core.classify.lexicon import (
    LexiconSet,
    date_anchors,
    government_entries,
    known_organisations,
    org_suffixes,
    person_roles,
)

AFTER_ROLES = ("总书记", "教授", "院士", "研究员")  # roles written after the name


@functools.cache
def entity_lexicons() -> LexiconSet:
    """The lexicons every article is searched for: government bodies, organisations, roles,
    places, and the ``date_anchors`` phrases (every occurrence: the date evidence needs to
    know which phrases occur, and the scan is paid for anyway), and the roles written after
    a name (习近平总书记; every occurrence: where such a name may start, for ``people``)."""
    return LexiconSet(
        {
            "government": government_entries(),
            "known_org": dict(known_organisations()),
            "org_suffix": dict(org_suffixes()),
            "role": {r: r for r in person_roles()},
            "place": place_entries(),
            "date_anchor": {phrase: phrase for phrase, _y, _k in date_anchors()},
            "after_role": {r: r for r in AFTER_ROLES},
        },
        every=frozenset({"date_anchor", "after_role"}),
    )


# One article's entity scan: (start, end, key, payload) hits per lexicon name.
EntityScan = dict[str, tuple[tuple[int, int, str, Any], ...]]


def entity_matches(text: str) -> EntityScan:
    """:func:`entity_lexicons` matches in ``text``.

    Ministries, organisations, people, places and dates all read it: ``classify_article``
    scans each article once and passes the result on (``scan=``); the extractors scan
    ``text`` themselves only when called on their own."""
    return {name: tuple(hits) for name, hits in entity_lexicons().find(text).items()}
