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


_CACHED: tuple[str, Segmenter] | None = None


def segment_texts(terms: Sequence[str], texts: Sequence[str]) -> list[str]:
    """Worker entry point: segment a batch with a segmenter built once per process and dictionary."""
    global _CACHED
    version = dictionary_version(terms)
    if _CACHED is None or _CACHED[0] != version:
        _CACHED = (version, Segmenter(terms))
    seg = _CACHED[1]
    return [seg.segment(t) for t in texts]


__all__ = ["Segmenter", "dictionary_version", "segment_texts"]
