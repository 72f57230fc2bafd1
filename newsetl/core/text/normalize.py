"""Deliberate, documented normalisation of OCR'd page text.

Decisions (each chosen so that the same article printed on an ASCII-punctuated
page and on a Chinese-punctuated page yields the *same* clean text, which is
what de-duplication, repair and the warehouse compare on):

* Full-width letters and digits (``Ａ``, ``５``) become ASCII: numbers and
  acronyms (5G, APP, TCL) must match regardless of the OCR engine's choice.
* Punctuation is unified to the Chinese style (``，：；（）？！“”``) because
  that is the style of the newspaper itself. ASCII characters are kept where
  they are not sentence punctuation: ``1,200``, ``10:30``, ``https://``,
  decimal points and parentheses around pure ASCII (``(AR)``).
* White space: U+3000 / NBSP indents and leading/trailing blanks are removed;
  internal runs collapse to one space. A space between two CJK characters is
  kept (it separates the halves of a title: ``加强组织领导 凝聚强大合力``),
  a space next to Chinese punctuation is dropped (``脱贫攻坚： 打出``).
* Markdown ``#``/``##`` prefixes are stripped and returned as a heading hint
  (level 1 = article title, level 2+ = subhead).

The original line text is always kept next to the clean one by the callers.
"""

from __future__ import annotations

import functools
import re

import numpy as np

# Full-width ASCII block (U+FF01..U+FF5E) maps to ASCII by a fixed offset; we
# only fold letters and digits here, punctuation is handled by the style rules.
_FW_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
}
_SPACES = {0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x200B: None, 0xFEFF: None, 0x09: 0x20}
_TRANSLATE = {**_FW_ALNUM, **_SPACES}

CJK = r"\u3400-\u9fff"
CN_PUNCT = "，。、；：？！“”‘’（）《》【】…—"
_PUNCT_CLASS = re.escape(CN_PUNCT)

_MD_HEADING = re.compile(r"^\s*(#{1,6})\s*")
_WS = re.compile(r"[ ]{2,}")
# space adjacent to Chinese punctuation carries no meaning
# (both alternatives start with the space, the lookbehind checks the character before it)
_SPACE_NEAR_PUNCT = re.compile(rf"  *(?=[{_PUNCT_CLASS}])| (?<=[{_PUNCT_CLASS}] ) *")
# Literal-first patterns only: a regex that starts with a lookbehind or an
# alternation is tried at every position and costs ~10x on a 17 KB page.
# a separator before a digit (rewritten back to ASCII after one: see _num_sep)
_COMMA_NUM = re.compile("，(?=\\d)")
_COLON_NUM = re.compile("：(?=\\d)")
_SIMPLE = ((",", "，"), (":", "："), (";", "；"), ("?", "？"), ("!", "！"))
# parentheses whose content is not pure ASCII become Chinese ones
_PARENS = re.compile(r"\(([^()\n]{1,80})\)")
_DQUOTES = re.compile(r'"([^"\n]*)"')
_ELLIPSIS = re.compile(r"\.\.\.+")
_ASCII_PUNCT_CHAR = re.compile(r"[,:;?!()\"]")  # or "...": see unify_punctuation
_NEEDS_FOLD = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000\u00a0\u2002\u2003\u200b\ufeff\t]")


# one scan for "anything to fold or restyle?": most pages need neither (see normalize_page)
_FOLD_OR_PUNCT = re.compile(
    '[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000\u00a0\u2002\u2003\u200b\ufeff\t,:;?!()"]'
)


def normalize_page(page: str) -> str:
    """``unify_punctuation(fold_width(page))``, with a single scan when the page needs neither.

    The scan is a table lookup per code point in numpy: a regex character class of
    non-ASCII characters costs a function call per character of the page. It also
    tells whether there is anything to fold (so ``fold_width`` need not scan again).
    """
    codes = np.frombuffer(page.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    flags = _fold_or_punct_table().take(codes, mode="clip")  # clip: larger code points look up U+FFFF
    if not flags.any() and "..." not in page:
        return page
    return unify_punctuation(page.translate(_TRANSLATE) if (flags & 1).any() else page)


@functools.cache
def _fold_or_punct_table() -> np.ndarray:
    """BMP code point -> 1 if in ``_NEEDS_FOLD``, 2 if an ASCII character of ``_FOLD_OR_PUNCT``, else 0.

    U+FFFF, where larger code points are looked up, is in neither.
    """
    return np.array(
        [
            1 if _NEEDS_FOLD.fullmatch(chr(cp)) else 2 if _FOLD_OR_PUNCT.fullmatch(chr(cp)) else 0
            for cp in range(0x10000)
        ],
        dtype=np.uint8,
    )


def fold_width(text: str) -> str:
    """Fold full-width letters/digits to ASCII and exotic spaces to plain ones."""
    # str.translate with a dict is slow per character; most lines need nothing
    return text.translate(_TRANSLATE) if _NEEDS_FOLD.search(text) else text


def _paren(m: re.Match[str]) -> str:
    inner = m.group(1)
    return m.group(0) if inner.isascii() else f"（{inner}）"


def _dquote(m: re.Match[str]) -> str:
    """``"…"`` -> ``“…”`` (a function: a template is expanded in Python on every match)."""
    return f"“{m.group(1)}”"


def _num_sep(m: re.Match[str]) -> str:
    i = m.start()
    return {"，": ",", "：": ":"}[m.group(0)] if i and m.string[i - 1].isdigit() else m.group(0)


def unify_punctuation(text: str) -> str:
    """Rewrite ASCII sentence punctuation in the Chinese style, URLs and numbers untouched."""
    if not _ASCII_PUNCT_CHAR.search(text) and "..." not in text:
        return text
    for a, b in _SIMPLE:  # str.replace runs in C; translate() with a dict does not
        if a in text:
            text = text.replace(a, b)
    # 1,200 and 10:30 stay ASCII: one pass per separator, each pattern starting with its
    # literal (found by a fast scan; the class [，：] is tested at every character). The
    # passes are independent: neither separator is a digit, before or after the rewrite.
    if "，" in text:
        text = _COMMA_NUM.sub(_num_sep, text)
    if "：" in text:
        text = _COLON_NUM.sub(_num_sep, text)
    if "：//" in text:
        text = text.replace("：//", "://")
    text = _PARENS.sub(_paren, text)
    text = _DQUOTES.sub(_dquote, text)
    return _ELLIPSIS.sub("……", text)


def collapse_spaces(text: str) -> str:
    """Trim, collapse runs of spaces, drop spaces that touch Chinese punctuation."""
    text = text.strip()
    if " " not in text:
        return text
    return _SPACE_NEAR_PUNCT.sub("", _WS.sub(" ", text) if "  " in text else text)


def strip_heading_marker(line: str) -> tuple[str, int]:
    """Remove a markdown ``#`` prefix; return (text, level) with level 0 if none."""
    m = _MD_HEADING.match(line) if "#" in line else None
    if not m:
        return line, 0
    return line[m.end() :], len(m.group(1))


def clean_line(line: str) -> str:
    """Full clean form of one line: width folding, punctuation style, spaces."""
    return collapse_spaces(unify_punctuation(fold_width(line)))


_NON_CONTENT = re.compile(rf"[\s{_PUNCT_CLASS},.:;?!()\"'·\-]+")


def content_key(text: str) -> str:
    """Punctuation- and space-free form used to compare texts across styles."""
    return _NON_CONTENT.sub("", text)


def content_keys(texts: list[str]) -> list[str]:
    """:func:`content_key` of each text, all in one vectorised pass.

    Removing the characters of ``_NON_CONTENT`` one by one is the same as removing
    its runs; done over code points in numpy (a table lookup per character) it is
    ~5x cheaper than the regex on a page. NUL, which the key keeps, separates texts.
    """
    joined = "\x00".join(texts)
    if not texts or joined.count("\x00") != len(texts) - 1:
        return [content_key(t) for t in texts]
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = _content_table().take(
        codes, mode="clip"
    )  # take(): ~3x faster than [] with uint32; clip: > U+FFFF looks up U+FFFF
    kept = codes[keep].tobytes().decode("utf-32-le", "surrogatepass")
    return kept.split("\x00")


@functools.cache
def _content_table() -> np.ndarray:
    """BMP code point -> kept by :func:`content_key`.

    No character above the BMP is removed, and U+FFFF, where they are looked up, is kept.
    """
    return np.array([_NON_CONTENT.fullmatch(chr(cp)) is None for cp in range(0x10000)], dtype=bool)
