"""Repeated paragraphs: exact copies and truncated copies appear once.

OCR of multi-column pages repeats blocks (a column scanned twice, a copy cut
off at the column end). Texts are compared on their punctuation-free content
key (``normalize.content_key``), so an ASCII-punctuated copy of a Chinese
paragraph is still a copy. A *truncated* copy is a prefix (cut at the end) or
a suffix (cut at the start) of a longer paragraph; it must be long enough
(``MIN_COPY``) that a shared stock phrase is not mistaken for a copy.
Indexing by the first/last ``MIN_COPY`` characters keeps this O(n) per page.
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_COPY = 14  # characters of content a truncated copy must have


def find_duplicates(keys: Sequence[str], min_copy: int = MIN_COPY) -> dict[int, int]:
    """Map index of each redundant text -> index of the text it copies.

    Exact copies: the later one is redundant. Truncated copies (prefix or
    suffix of a longer text): the shorter one is redundant, wherever it is.
    Texts shorter than ``min_copy`` are only matched exactly and only when
    they contain at least 8 characters (short lines repeat legitimately).
    """
    dropped: dict[int, int] = {}
    first_seen: dict[str, int] = {}
    for i, k in enumerate(keys):
        if len(k) < 8:
            continue
        if k in first_seen:
            dropped[i] = first_seen[k]
            continue
        first_seen[k] = i
    if _may_truncate(first_seen, min_copy):
        _truncated_copies(keys, first_seen, dropped, min_copy)
    # a copy of a dropped text points at the surviving original
    for i, j in list(dropped.items()):
        seen = {i}
        while j in dropped and j not in seen:
            seen.add(j)
            j = dropped[j]
        dropped[i] = j
    return dropped


def _may_truncate(first_seen: dict[str, int], min_copy: int) -> bool:
    """False when no text can be a truncated copy of another: a cheap test that settles most pages.

    A prefix (suffix) copy shares its first (last) ``min_copy`` characters with the
    longer text, so without two long texts sharing a head or a tail there is none.
    """
    if len(first_seen) < 2:
        return False  # one text (an article of one paragraph) copies nothing
    long = [k for k in first_seen if len(k) >= min_copy]
    return len({k[:min_copy] for k in long}) < len(long) or len({k[-min_copy:] for k in long}) < len(long)


def _truncated_copies(
    keys: Sequence[str], first_seen: dict[str, int], dropped: dict[int, int], min_copy: int
) -> None:
    """Add prefix/suffix copies (the shorter text is dropped) to ``dropped``."""
    by_head: dict[str, list[int]] = {}
    by_tail: dict[str, list[int]] = {}
    for k, i in first_seen.items():
        if len(k) >= min_copy:
            by_head.setdefault(k[:min_copy], []).append(i)
            by_tail.setdefault(k[-min_copy:], []).append(i)
    # only a text sharing its head or its tail with another can be a copy of (or copied by) it
    shared = {i for g in by_head.values() if len(g) > 1 for i in g}
    shared.update(i for g in by_tail.values() if len(g) > 1 for i in g)
    for k, i in first_seen.items():
        if i not in shared or i in dropped:  # (shorter texts are in no group)
            continue
        for j in by_head.get(k[:min_copy], ()):
            if j != i and j not in dropped and len(keys[j]) > len(k) and keys[j].startswith(k):
                dropped[i] = j
                break
        else:
            for j in by_tail.get(k[-min_copy:], ()):
                if j != i and j not in dropped and len(keys[j]) > len(k) and keys[j].endswith(k):
                    dropped[i] = j
                    break
