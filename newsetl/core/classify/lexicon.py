"""Lexicons: the CSV files in ``dbt/seeds`` loaded once, plus the automata built on them.

The same CSV files are loaded by dbt as seeds, so there is exactly one source of
truth for Python and SQL. Everything here is built lazily on first use and cached
for the life of the process (``functools.cache``); nothing is rebuilt per call.
"""

from __future__ import annotations

import csv
import functools
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

import ahocorasick_rs

from newsetl.config import LEXICON_DIR

# A DFA: the fastest scan; a few MB for the largest lexicon (the place gazetteer, ~4,000 keys).
_DFA = ahocorasick_rs.Implementation.DFA


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of one seed CSV as dicts (UTF-8, header row, values stripped)."""
    # LEXICON_DIR from config, not this file's location: the compiled module lives under build/
    with (LEXICON_DIR / name).open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


@dataclass(frozen=True)
class Topic:
    code: str
    name_zh: str
    name_en: str
    order: int


@dataclass(frozen=True)
class Ministry:
    code: str
    name_zh: str
    name_en: str
    abbreviation: str


@dataclass(frozen=True)
class MinistryAlias:
    alias: str
    code: str
    kind: str  # name | abbreviation | informal | former_name | office | department | mechanism


@dataclass(frozen=True)
class LocalTerm:
    term: str
    default_level: str | None
    counterpart: str | None


class Automaton:
    """Leftmost-longest matching of a lexicon's keys (a Rust Aho-Corasick DFA).

    ``ahocorasick_rs`` scans the text in Rust and reports character offsets, so
    nothing per match is done in Python but building the result tuples (about
    2x faster than pyahocorasick over UTF-8 bytes with offsets mapped back in Python).
    """

    def __init__(self, entries: dict[str, object]) -> None:
        self.payloads = {key: payload for key, payload in entries.items() if key}
        self.keys = list(self.payloads)
        self._values = list(self.payloads.values())
        self.size = len(self.keys)
        self.has_nul = any("\0" in k for k in self.keys)  # see keys_each
        self._bytes: ahocorasick_rs.BytesAhoCorasick | None = None
        self._ac = (
            ahocorasick_rs.AhoCorasick(
                self.keys, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST, implementation=_DFA
            )
            if self.size
            else None
        )

    def __len__(self) -> int:
        return self.size

    def bytes_automaton(self) -> ahocorasick_rs.BytesAhoCorasick:
        """The same keys over UTF-8 bytes (same leftmost-longest matches, byte offsets); built on first use."""
        if self._bytes is None:
            self._bytes = ahocorasick_rs.BytesAhoCorasick(
                [k.encode("utf-8") for k in self.keys],
                matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST,
                implementation=_DFA,
            )
        return self._bytes

    def iter_longest(self, text: str) -> Iterator[tuple[int, int, str, object]]:
        """Leftmost-longest, non-overlapping matches: ``(start, end, key, payload)``."""
        if self._ac is None or not text:
            return iter(())
        keys, values = self.keys, self._values
        return ((s, e, keys[i], values[i]) for i, s, e in self._ac.find_matches_as_indexes(text))


def count_keys(automaton: Automaton, text: str) -> Counter[str]:
    """key -> occurrences over :meth:`Automaton.iter_longest`'s matches, in order of first match.

    For callers that need no positions (topic scores): the scan runs over the UTF-8
    bytes (no byte -> character offset mapping, ~20 % less than the ``str`` scan) and
    the counting is done in C.
    """
    if automaton._ac is None or not text:
        return Counter()
    hits = automaton.bytes_automaton().find_matches_as_indexes(text.encode("utf-8"))
    return Counter(map(automaton.keys.__getitem__, map(itemgetter(0), hits)))


def keys_each(automaton: Automaton, texts: Sequence[str]) -> list[Iterator[str]]:
    """Per text, the keys of its :meth:`Automaton.iter_longest` matches in order, from one
    scan of the texts joined by a NUL byte.

    No key holds a NUL (checked, else one scan per text), so no leftmost-longest match
    crosses a separator: the scan of the joined text finds exactly each text's matches,
    in order, with the byte offsets of its part (split by bisection). One scan instead of
    one per text: the per-call cost is a good part of scanning a title or a lead.
    """
    if automaton._ac is None or automaton.has_nul:
        return [(hit[2] for hit in automaton.iter_longest(t)) for t in texts]
    data = [t.encode("utf-8") for t in texts]
    hits = automaton.bytes_automaton().find_matches_as_indexes(b"\0".join(data))
    key = automaton.keys.__getitem__
    out: list[Iterator[str]] = []
    lo = cut = 0
    for d in data[:-1]:
        cut += len(d) + 1  # where the next text starts
        hi = bisect_left(hits, cut, lo, key=_start) if hits else 0
        out.append(map(key, map(itemgetter(0), hits[lo:hi])))
        lo = hi
    out.append(map(key, map(itemgetter(0), hits[lo:])))
    return out


_start = itemgetter(1)


class LexiconSet:
    """Several lexicons over the same text in one automaton pass instead of one pass each.

    The scan (Rust) is the bulk of a lexicon lookup's cost, so lexicons searched in
    the same text share one automaton that reports every (overlapping) match; they
    are reduced to each lexicon's leftmost-longest ones in Python: sorted by start,
    the longest first, then taken greedily per lexicon (exactly what each lexicon's
    own :meth:`Automaton.iter_longest` gives, ``tests/classify/test_lexicon_set.py``).

    The lexicons named in ``every`` get all their matches instead, overlapping ones
    too (a phrase inside a longer one), ordered by start, the longest first.
    """

    def __init__(self, lexicons: dict[str, dict[str, object]], every: frozenset[str] = frozenset()) -> None:
        self.names = tuple(lexicons)
        self._entries = lexicons
        self._every = every
        merged: dict[str, list[tuple[str, object]]] = {}
        for name, entries in lexicons.items():
            for key, payload in entries.items():
                if key:
                    merged.setdefault(key, []).append((name, payload))
        self._keys = list(merged)
        self._tagged = [tuple(merged[k]) for k in self._keys]
        self._ac = (
            ahocorasick_rs.AhoCorasick(
                self._keys, matchkind=ahocorasick_rs.MATCHKIND_STANDARD, implementation=_DFA
            )
            if merged
            else None
        )

    def find(self, text: str) -> dict[str, list[tuple[int, int, str, object]]]:
        """Lexicon name -> leftmost-longest, non-overlapping ``(start, end, key, payload)``."""
        out: dict[str, list[tuple[int, int, str, object]]] = {n: [] for n in self.names}
        if self._ac is None or not text:
            return out
        hits = self._ac.find_matches_as_indexes(text, overlapping=True)
        # leftmost first, the longest first at one start (the scan yields them by end)
        hits.sort(key=_start_then_longest)
        last = dict.fromkeys(self.names, 0)
        every, keys, tagged = self._every, self._keys, self._tagged
        for i, start, end in hits:
            for name, payload in tagged[i]:
                if name not in every:
                    if start < last[name]:
                        continue
                    last[name] = end  # greedy per lexicon: leftmost-longest
                out[name].append((start, end, keys[i], payload))
        return out


def _start_then_longest(hit: tuple[int, int, int]) -> tuple[int, int]:
    return hit[1], -hit[2]


def build_automaton(entries: dict[str, object]) -> Automaton:
    """A leftmost-longest automaton whose matches carry ``(key, payload)``."""
    return Automaton(entries)


def iter_longest(automaton: Automaton, text: str):
    """Leftmost-longest, non-overlapping matches: ``(start, end, key, payload)``."""
    return automaton.iter_longest(text)


@functools.cache
def topics() -> tuple[Topic, ...]:
    return tuple(
        Topic(r["topic_code"], r["name_zh"], r["name_en"], i) for i, r in enumerate(read_csv("topics.csv"))
    )


@functools.cache
def topic_terms() -> dict[str, tuple[tuple[str, float], ...]]:
    """term -> ((topic_code, weight), ...); one term may serve several topics.

    The phrases of ``topic_neutral_phrases.csv`` are keys with no payload: matched
    leftmost-longest with the terms, they swallow the term they contain (决胜全面建成小康社会
    is a slogan, not evidence of 小康社会) and count for no topic.
    """
    codes = {t.code for t in topics()}
    out: dict[str, list[tuple[str, float]]] = {}
    for r in read_csv("topic_terms.csv"):
        if r["topic_code"] not in codes:
            raise ValueError(f"topic_terms.csv: unknown topic {r['topic_code']!r}")
        out.setdefault(r["term"], []).append((r["topic_code"], float(r["weight"])))
    for r in read_csv("topic_neutral_phrases.csv"):
        if r["topic_code"] not in codes:
            raise ValueError(f"topic_neutral_phrases.csv: unknown topic {r['topic_code']!r}")
        if r["phrase"] in out:
            raise ValueError(f"topic_neutral_phrases.csv: {r['phrase']!r} is also a topic term")
        out[r["phrase"]] = []
    return {k: tuple(v) for k, v in out.items()}


@functools.cache
def topic_automaton() -> Automaton:
    return build_automaton(dict(topic_terms()))


@functools.cache
def ministries() -> dict[str, Ministry]:
    return {
        r["ministry_code"]: Ministry(r["ministry_code"], r["name_zh"], r["name_en"], r["abbreviation"])
        for r in read_csv("ministries.csv")
    }


@functools.cache
def ministry_aliases() -> dict[str, MinistryAlias]:
    known = ministries()
    out: dict[str, MinistryAlias] = {}
    for m in known.values():  # every official name is an alias of itself
        out[m.name_zh] = MinistryAlias(m.name_zh, m.code, "name")
    for r in read_csv("ministry_aliases.csv"):
        if r["ministry_code"] not in known:
            raise ValueError(f"ministry_aliases.csv: unknown ministry {r['ministry_code']!r}")
        out[r["alias"]] = MinistryAlias(r["alias"], r["ministry_code"], r.get("alias_kind") or "informal")
    return out


@functools.cache
def local_terms() -> dict[str, LocalTerm]:
    return {
        r["term"]: LocalTerm(r["term"], r["default_level"] or None, r["counterpart_code"] or None)
        for r in read_csv("local_gov_terms.csv")
    }


def government_entries() -> dict[str, object]:
    """Ministry aliases and local-government terms as one lexicon.

    Matching both in one leftmost-longest lexicon is what keeps
    ``山东工业和信息化部主管部门`` (a local body) from being read as
    ``工业和信息化部`` (the ministry).
    """
    entries: dict[str, object] = {}
    for term, lt in local_terms().items():
        entries[term] = ("local", lt)
    for alias, ma in ministry_aliases().items():
        entries[alias] = ("ministry", ma)
    return entries


@functools.cache
def publications() -> dict[str, str]:
    return {r["title"]: r["kind"] for r in read_csv("publications.csv")}


@functools.cache
def person_roles() -> dict[str, str]:
    return {r["role"]: r["category"] for r in read_csv("person_roles.csv")}


@functools.cache
def surnames() -> frozenset[str]:
    return frozenset(r["surname"] for r in read_csv("person_surnames.csv"))


@functools.cache
def org_suffixes() -> tuple[tuple[str, str], ...]:
    """(suffix, kind), longest suffix first."""
    rows = [(r["suffix"], r["kind"]) for r in read_csv("org_suffixes.csv")]
    return tuple(sorted(rows, key=lambda x: -len(x[0])))


@functools.cache
def known_organisations() -> dict[str, tuple[str, str]]:
    """surface -> (kind, canonical_name)."""
    return {r["name"]: (r["kind"], r["canonical_name"] or r["name"]) for r in read_csv("organisations.csv")}


@functools.cache
def policy_doc_types() -> tuple[tuple[str, str], ...]:
    """(suffix, doc_type), longest suffix first."""
    rows = [(r["suffix"], r["doc_type"]) for r in read_csv("policy_doc_types.csv")]
    return tuple(sorted(rows, key=lambda x: -len(x[0])))


@functools.cache
def date_anchors() -> tuple[tuple[str, int, str], ...]:
    return tuple((r["phrase"], int(r["year"]), r["kind"]) for r in read_csv("date_anchors.csv"))


@functools.cache
def place_stoplist() -> frozenset[str]:
    return frozenset(r["surface"] for r in read_csv("place_stoplist.csv"))
