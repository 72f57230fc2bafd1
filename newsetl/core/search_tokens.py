"""Segmentation of article text for the full-text index (no DuckDB here: runs in text workers).

rjieba in *search mode* plus a user dictionary of the lexicon terms, so
工业和信息化部, 复工复产 or 工业互联网 stay whole tokens while their parts (工业,
复工 ...) are indexed too. The output is one lower-cased, space-separated string
per text; punctuation and symbols are never part of a token.

The per-token work is done by C code wherever possible (rjieba, ``str.join``, one
regex over the joined string): a Python loop per token cost more than rjieba itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from newsetl.core.classify.lexicon import read_csv

# Bump when the tokenisation rules change: every article is then indexed again.
TOKENIZER_VERSION = "2"
# Punctuation and symbols separate words and are never indexed: they become spaces before
# segmentation (one C-level pass, instead of filtering tokens one by one in Python).
_NON_WORD_CHARS = re.compile(r"[^0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+")
_LONG_TOKEN = re.compile(r"\S{5,}")


def dictionary_version(terms: Iterable[str]) -> str:
    """Identifies a user dictionary: the index is rebuilt for articles segmented with another."""
    text = TOKENIZER_VERSION + "\n" + "\n".join(sorted(set(terms)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Segmenter:
    """rjieba in search mode with the lexicon terms added as user words."""

    def __init__(self, terms: Iterable[str]):
        import rjieba

        self.terms = sorted(set(terms))
        self._term_set = frozenset(self.terms)
        self._jieba = rjieba.Jieba()
        for term in self.terms:
            if " " not in term:
                self._jieba.add_word(term, None, None)
        self.version = dictionary_version(self.terms)

    def segment(self, text: str) -> str:
        """Index tokens of ``text``, separated by one or more spaces (``str.split()`` them)."""
        toks = self._jieba.cut_for_search(_NON_WORD_CHARS.sub(" ", text), False)
        joined = " ".join(toks)  # separators come out as " " tokens: runs of spaces, split away later
        # search mode only adds the 2- and 3-character parts of a long word: also add the
        # lexicon terms inside it, so 工业互联网平台 is found by 工业互联网.
        terms = self._term_set
        extra = [
            sub
            for tok in _LONG_TOKEN.findall(joined)
            for n in range(4, len(tok))
            for i in range(len(tok) - n + 1)
            if (sub := tok[i : i + n]) in terms
        ]
        if extra:
            joined = joined + " " + " ".join(extra)
        return joined.lower()

    def tokens(self, text: str) -> list[str]:
        return self.segment(text).split()


# The lexicon columns whose values become user-dictionary words, as (seed CSV, column): the
# seeds dbt loads into schema raw (newsetl.pipeline.search reads the same columns from those tables).
DICTIONARY_SOURCES = (
    ("topic_terms", "term"),
    ("topics", "name_zh"),
    ("ministries", "name_zh"),
    ("ministries", "abbreviation"),
    ("ministry_aliases", "alias"),
    ("organisations", "name"),
    ("organisations", "canonical_name"),
)


def normalise_terms(values: Iterable[str | None]) -> list[str]:
    """Distinct, sorted dictionary words: trimmed of spaces, at least two characters."""
    return sorted({v.strip(" ") for v in values if v is not None and len(v.strip(" ")) >= 2})


@lru_cache(maxsize=1)
def seed_terms() -> tuple[str, ...]:
    """The user-dictionary words read from the seed CSVs, for the text workers.

    The workers cannot read the warehouse (one writer), and on a cold run the seeds are not
    loaded yet when the text is processed; the CSVs are what dbt loads, so the words (and the
    dictionary version) are the ones the publish step reads back from the seed tables. Should
    they ever differ, the stored tokens carry the other version and publishing segments again.
    """
    return tuple(
        normalise_terms(
            row.get(column) for table, column in DICTIONARY_SOURCES for row in read_csv(f"{table}.csv")
        )
    )


def search_text(kicker: str | None, title: str | None, subtitle: str | None, body: str) -> str:
    """The text an article is indexed by: the title twice, so headline matches rank higher.

    The same as SQL ``concat_ws(chr(10), kicker, title, title, subtitle, body)`` (NULLs skipped).
    """
    return "\n".join(t for t in (kicker, title, title, subtitle, body) if t is not None)


def content_hash(kicker: str | None, title: str | None, subtitle: str | None, body: str) -> str:
    """What the index records an article's text by; SQL: ``md5(concat_ws(chr(10), coalesce(kicker, ''),
    coalesce(title, ''), coalesce(subtitle, ''), body))``."""
    text = "\n".join((kicker or "", title or "", subtitle or "", body))
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


_CACHED: tuple[str, Segmenter] | None = None


def segment_texts(terms: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Worker entry point: segment a batch with a segmenter built once per process and dictionary."""
    seg = cached_segmenter(terms)
    return [seg.segment(t) for t in texts]


def cached_segmenter(terms: Sequence[str]) -> Segmenter:
    """A segmenter for ``terms``, built once per process and dictionary (rjieba's set-up costs ~0.5 s)."""
    global _CACHED
    version = dictionary_version(terms)
    if _CACHED is None or _CACHED[0] != version:
        _CACHED = (version, Segmenter(terms))
    return _CACHED[1]


__all__ = [
    "DICTIONARY_SOURCES",
    "Segmenter",
    "cached_segmenter",
    "content_hash",
    "dictionary_version",
    "normalise_terms",
    "search_text",
    "seed_terms",
    "segment_texts",
]
