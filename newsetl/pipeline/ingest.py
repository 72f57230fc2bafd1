"""Find input pages, decode them, and say which ones are new.

A document is identified by the SHA-256 of its bytes. A file whose size and
modification time match the last sighting is not read again, so a re-run on an
unchanged folder costs one ``stat`` per file. Anything that cannot be turned
into text is returned as a :class:`Rejected` with its reason and its bytes;
nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from functools import lru_cache
from itertools import islice
from pathlib import Path

from newsetl.core.contracts import Decoded, Rejected, ScanResult, Seen
from newsetl.core.script import cjk_share, detect_script
from newsetl.pipeline.quality.records import load_rules

MANIFEST_NAME = "manifest.csv"
# Optionally, a file modified less than this many seconds ago is left for the next run.
# Off by default: a file whose size or mtime changes while it is read is deferred anyway.
SETTLE_SECONDS = 0.0
# Fallback only: the limit in force is ``records.max_file_bytes`` in expectations/gate.yml.
MAX_FILE_BYTES = 8 * 1024 * 1024
HEAD_BYTES = 64 * 1024  # what quarantine keeps of an oversized file (its SHA-256 covers all of it)


class DecodeError(ValueError):
    """Raised with a human-readable reason when bytes are not a text page."""


# Unicode category Cc except \t \n \f \r (Cc is exactly U+0000-001F and U+007F-009F)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _control_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = len(_CONTROL_RE.findall(sample))  # regex engine, not unicodedata.category per character
    return bad / len(sample)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# (BOM, codec, name): UTF-32 before UTF-16, whose little-endian BOM is a prefix of UTF-32's
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)
# Legacy Chinese encodings tried when a page is not UTF-8; each strict decode is scored by the
# share of its Chinese characters that are the encoding's common ones (see _common_share).
_LEGACY = ("gb18030", "big5")
# A decode whose Chinese characters are mostly uncommon ones is mojibake (Big5 bytes read as
# GB18030 give ~50 % of GB2312's frequent characters, kana and private-use code points;
# a real page gives > 95 %).
MIN_COMMON_SHARE = 0.8
MIN_SCORED_CJK = 20  # below this many Chinese characters the share says nothing


def decode_bytes(data: bytes) -> tuple[str, str, str | None]:
    """Return ``(text, encoding, note)`` or raise :class:`DecodeError`.

    Order: BOMs (UTF-32 before UTF-16); NUL bytes: UTF-32/UTF-16 without BOM, else UTF-8
    with a few stray NULs, else binary; strict UTF-8; UTF-8 with a handful of bad bytes
    (kept, with a note: a page is not thrown away for one corrupt character); GB18030 (a
    superset of GBK/GB2312) and Big5, each strict and kept only if its Chinese reads as
    Chinese (:func:`_common_share`), the better of the two; then charset-normalizer's guess.
    The text is cleaned by :func:`_checked` (control and bidi characters, markup).
    """
    if not data:
        raise DecodeError("empty file")
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data[len(bom) :].decode(codec), name, data)
            except UnicodeDecodeError as exc:
                if codec == "utf-8":
                    return _checked(data[3:].decode("utf-8", errors="replace"), name, data[3:])
                raise DecodeError(f"undecodable {name.upper()}: {exc.reason} at byte {exc.start}") from exc
    if b"\x00" in data[:8192]:
        wide = _decode_wide(data)
        if wide is not None:
            return _checked(wide[0], wide[1], data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("binary file (NUL bytes)") from None
        if text.count("\x00") > max(3, len(text) // 1000):
            raise DecodeError("binary file (NUL bytes)")
        return _checked(text, "utf-8", data)  # a few stray NULs in a text page: removed, noted
    try:
        return _checked(data.decode("utf-8"), "utf-8", data)
    except UnicodeDecodeError:
        pass
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    if bad <= max(3, len(lossy) // 1000) and cjk_share(lossy) > 0.2:
        text, enc, note = _checked(lossy, "utf-8", data)
        return text, enc, _join(f"{bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD", note)
    scored = []
    for codec in _LEGACY:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        scored.append((_common_share(text, codec), codec, text))
    if scored:
        share, codec, text = max(scored, key=lambda s: (s[0] if s[0] is not None else 2.0, s[1] == "gb18030"))
        if share is None or share >= MIN_COMMON_SHARE:
            return _checked(text, codec, data)
        tried = ", ".join(f"{c} {s:.0%}" for s, c, _ in scored if s is not None)
        raise DecodeError(
            f"undecodable: no Chinese encoding gives readable text (common characters: {tried}; "
            f"a page needs {MIN_COMMON_SHARE:.0%})"
        )
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise DecodeError("undecodable: no text encoding fits")
    return _checked(str(best), best.encoding, data)


def _join(*notes: str | None) -> str | None:
    return "; ".join(n for n in notes if n) or None


def _decode_wide(data: bytes) -> tuple[str, str] | None:
    """UTF-32 or UTF-16 without a BOM: the strict decode that reads as text, else None.

    Chinese in UTF-16 has NUL bytes only in its ASCII (line ends, digits), so the share of
    NULs says little; every candidate is decoded strictly and must give no NUL character,
    few control characters and more letters than symbols.
    """
    best: tuple[float, str, str] | None = None
    for codec in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if not text.strip() or "\x00" in text or _control_share(text) > 0.01:
            continue
        score = _readable_share(text)
        if score > 0.8 and (best is None or score > best[0]):
            best = (score, text, codec)
    return (best[1], best[2]) if best else None


def _readable_share(text: str) -> float:
    """Share of characters that are Chinese, ASCII, CJK punctuation or full-width forms."""
    sample = text[:20000]
    ok = sum(
        1
        for ch in sample
        if ch < "\x7f"
        or "\u3000" <= ch <= "\u303f"
        or "\u4e00" <= ch <= "\u9fff"
        or "\uff00" <= ch <= "\uffef"
    )
    return ok / len(sample) if sample else 0.0


@lru_cache(maxsize=2)
def _common_chars(codec: str) -> frozenset[str]:
    """The frequent characters of an encoding, from the encoding itself (no word list needed):
    GB2312 level 1 (rows 0xB0-0xD7: the 3,755 most used Simplified characters) and Big5's
    frequently used block (0xA440-0xC67E: 5,401 Traditional characters)."""
    chars: set[str] = set()
    if codec == "gb18030":
        rows, cells, enc = range(0xB0, 0xD8), range(0xA1, 0xFF), "gb2312"
    else:
        rows, cells, enc = range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)], "big5"
    for row in rows:
        for cell in cells:
            try:
                chars.add(bytes([row, cell]).decode(enc))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def _common_share(text: str, codec: str) -> float | None:
    """Share of the Chinese characters (and of the characters outside ASCII) of ``text`` that are
    the common ones of ``codec``; None when there are too few Chinese characters to tell."""
    sample = text[:20000]
    wide = [ch for ch in sample if ch >= "\x80" and not ch.isspace() and not ("\u3000" <= ch <= "\u303f")]
    hanzi = [ch for ch in wide if "\u4e00" <= ch <= "\u9fff"]
    if len(hanzi) < MIN_SCORED_CJK:
        return None
    common = _common_chars(codec)
    # the other encoding's common characters count as well: a GB18030 page may quote Traditional
    other = _common_chars("big5" if codec == "gb18030" else "gb18030")
    hits = sum(1 for ch in hanzi if ch in common or ch in other)
    punct = sum(1 for ch in wide if "\uff00" <= ch <= "\uffef" or ch in "“”‘’…—·")
    return hits / max(1, len(wide) - punct)


# Removed from every page: C0/C1 controls except tab and line feed (NUL included), and the
# Unicode bidi embedding/override/isolate controls (a right-to-left override reverses what a
# title shows) and the invisible direction marks.
_STRIP_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# HTML: comments, script/style blocks with their content, tags (an ASCII letter or / after <,
# so 《》 and "a < b" are untouched), entities; block tags become line ends.
_HTML_DROP = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_HTML_BLOCK = re.compile(r"<(?:br|/p|p|/div|div|/h[1-6]|h[1-6]|/li|li|tr|/tr)\b[^<>]{0,300}>", re.I)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,300})?/?>")
_HTML_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")
# Markdown a page should not show: images, links (the text is kept), emphasis, inline code,
# code fences, block quotes and rules. '#' headings stay: the text core reads them as headings.
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:https?://|/|\.|#|mailto:)[^)\n]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`([^`\n]+)`")
_MD_LINE = re.compile(r"^(?:```.*|~~~.*|[ \t]*(?:[-*_][ \t]*){3,})$|^[ \t]*>[ \t]?", re.M)


def clean_text(text: str) -> tuple[str, str | None]:
    """Remove control and bidi characters and markup from a decoded page; say what was removed."""
    notes = []
    stripped = _STRIP_RE.sub("", text)
    if len(stripped) != len(text):
        notes.append(f"{len(text) - len(stripped)} control or bidi character(s) removed")
    text, html = _strip_html(stripped)
    text, md = _strip_markdown(text)
    if html or md:
        notes.append(f"markup removed ({html} HTML, {md} Markdown)")
    return text, _join(*notes)


def _strip_html(text: str) -> tuple[str, int]:
    if "<" not in text and "&" not in text:
        return text, 0
    n = 0
    text, k = _HTML_DROP.subn("", text)
    n += k
    text, k = _HTML_BLOCK.subn("\n", text)
    n += k
    text, k = _HTML_TAG.subn("", text)
    n += k
    if n or _HTML_ENTITY.search(text):
        import html

        text, k = _HTML_ENTITY.subn(lambda m: html.unescape(m.group(0)), text)
        n += k
        text = _STRIP_RE.sub("", text)  # an entity may have named a control character
    return text, n


def _strip_markdown(text: str) -> tuple[str, int]:
    if not any(mark in text for mark in "*_~`[!>-"):
        return text, 0
    n = 0
    text, k = _MD_IMAGE.subn("", text)
    n += k
    text, k = _MD_LINK.subn(r"\1", text)
    n += k
    text, k = _MD_EMPHASIS.subn(r"\2", text)
    n += k
    text, k = _MD_CODE.subn(r"\1", text)
    n += k
    text, k = _MD_LINE.subn("", text)
    n += k
    return text, n


def _checked(text: str, encoding: str, data: bytes) -> tuple[str, str, str | None]:
    if _control_share(text.replace("\x00", "")) > 0.01:
        raise DecodeError(f"binary content (control characters after decoding as {encoding})")
    text, note = clean_text(normalise_newlines(text))
    if not text.strip():
        raise DecodeError("whitespace only")
    return text, encoding, note


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def printable_path(rel: str) -> str:
    """A path as it can be stored and shown: bytes that are not UTF-8 in a file name (kept by
    Python as surrogates) become ``\\xNN`` escapes instead of failing every later write."""
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


HIDDEN_FILE = "hidden file (its name starts with '.'): not read; rename it to ingest it"
HIDDEN_FOLDER = "hidden folder (its name starts with '.'): nothing in it is read; rename it to ingest it"


def discover(
    input_dir: Path, unreadable: list[str] | None = None
) -> tuple[list[tuple[str, Path]], list[Rejected]]:
    """List candidate files as ``(relative posix path, absolute path)``.

    The manifest is skipped; hidden files and folders (editors' swap files, ``.git``) are not
    read but recorded with their path (quarantined, once per path), like every other entry
    that is not read. A symlink whose target lies outside the input folder is refused
    (quarantined), never followed. A path too long for the system (ENAMETOOLONG) is
    recorded as a folder that cannot be listed or a file that cannot be inspected. No entry
    is fatal: a symlink loop, a dangling symlink, a file name that is not UTF-8,
    a FIFO or a socket is quarantined with its path and reason; a folder that
    cannot be listed is added to ``unreadable`` (its files are not taken as deleted).
    """
    root = input_dir.resolve()
    found: list[tuple[str, Path]] = []
    refused: list[Rejected] = []

    def walk_error(exc: OSError) -> None:
        where = Path(exc.filename or root)
        rel_dir = (
            printable_path(where.relative_to(root).as_posix()) if where.is_relative_to(root) else str(where)
        )
        if unreadable is not None:
            unreadable.append(rel_dir)
        refused.append(Rejected(rel_dir, f"cannot list folder: {exc.strerror}", 0, None, b""))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=walk_error):
        for name in sorted(d for d in dirnames if d.startswith(".")):
            rel = printable_path((Path(dirpath) / name).relative_to(root).as_posix())
            refused.append(Rejected(rel, HIDDEN_FOLDER, 0, None, b""))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name == MANIFEST_NAME:
                continue
            path = Path(dirpath) / name
            raw_rel = path.relative_to(root).as_posix()
            rel = printable_path(raw_rel)
            if name.startswith("."):
                refused.append(Rejected(rel, HIDDEN_FILE, 0, None, b""))
                continue
            if rel != raw_rel:
                refused.append(Rejected(rel, "file name is not valid UTF-8: rename the file", 0, None, b""))
                continue
            try:
                if path.is_symlink():
                    target = path.resolve(strict=True)
                    if not target.is_relative_to(root):
                        refused.append(
                            Rejected(
                                rel, f"symlink pointing outside the input folder ({target})", 0, None, b""
                            )
                        )
                        continue
                if path.is_file():
                    found.append((rel, path))
                elif path.exists():
                    refused.append(Rejected(rel, "not a regular file (FIFO, socket or device)", 0, None, b""))
            except RuntimeError:  # Path.resolve on a symlink loop (Python 3.11)
                refused.append(Rejected(rel, "symlink loop", 0, None, b""))
            except FileNotFoundError:
                refused.append(Rejected(rel, "dangling symlink (its target does not exist)", 0, None, b""))
            except OSError as exc:  # ELOOP, EACCES, ENAMETOOLONG ...
                refused.append(Rejected(rel, f"cannot inspect: {exc.strerror or exc}", 0, None, b""))
    return found, refused


def scan(
    input_dir: Path,
    known: Mapping[str, Seen],
    *,
    settle_seconds: float = SETTLE_SECONDS,
    now: float | None = None,
    max_file_bytes: int | None = None,
) -> ScanResult:
    """Read what is new or changed under ``input_dir``; skip the rest by stat (all in one result)."""
    result = ScanResult()
    for part in iter_scan(
        input_dir, known, settle_seconds=settle_seconds, now=now, max_file_bytes=max_file_bytes
    ):
        result.decoded.extend(part.decoded)
        result.unchanged.extend(part.unchanged)
        result.rejected.extend(part.rejected)
        result.deferred.extend(part.deferred)
        result.unreadable_dirs.extend(part.unreadable_dirs)
        result.bytes_read += part.bytes_read
    return result


def iter_scan(
    input_dir: Path,
    known: Mapping[str, Seen],
    *,
    settle_seconds: float = SETTLE_SECONDS,
    now: float | None = None,
    max_file_bytes: int | None = None,
    chunk_bytes: int = 32 * 1024 * 1024,
    executor_for: Callable[[int], Executor | None] | None = None,
) -> Iterator[ScanResult]:
    """:func:`scan` in parts of about ``chunk_bytes`` read, so a cold archive is never all in memory.

    ``executor_for(bytes to read)`` may return a process pool: the files are then read, hashed
    and decoded there (pure Python, one core otherwise) while the caller writes the parts.
    """
    if max_file_bytes is None:
        max_file_bytes = _configured_max_bytes()
    result = ScanResult()
    files, refused = discover(input_dir, result.unreadable_dirs)
    result.rejected.extend(refused)
    now = time.time() if now is None else now
    todo: list[tuple[str, Path, int, int]] = []
    for rel, path in files:
        try:
            st = path.stat()
        except OSError as exc:
            result.rejected.append(Rejected(rel, f"cannot stat: {exc.strerror}", 0, None, b""))
            continue
        prev = known.get(rel)
        if prev is not None and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns:
            result.unchanged.append(rel)
            continue
        if settle_seconds > 0 and now - st.st_mtime < settle_seconds:
            result.deferred.append(rel)  # still being written; picked up next run
            continue
        todo.append((rel, path, st.st_size, st.st_mtime_ns))
    executor = executor_for(sum(item[2] for item in todo)) if executor_for and todo else None
    for (rel, _path, size, _mtime), result_item in zip(
        todo, _read_all(todo, max_file_bytes, executor, chunk_bytes), strict=True
    ):
        if result_item is None:
            result.deferred.append(rel)
            continue
        if isinstance(result_item, Decoded):
            result.decoded.append(result_item)
        else:
            result.rejected.append(result_item)
        result.bytes_read += size
        if result.bytes_read >= chunk_bytes:
            yield result
            result = ScanResult()
    yield result


READ_BATCH_BYTES = 1024 * 1024  # files per pool task: pickling and task overhead stay small


def read_batch(
    items: list[tuple[str, Path, int, int]], max_file_bytes: int
) -> list[Decoded | Rejected | None]:
    """:func:`read_one` over ``(rel, path, size, mtime_ns)`` items: one task of a pool worker."""
    return [read_one(rel, path, size, mtime_ns, max_file_bytes) for rel, path, size, mtime_ns in items]


def _read_all(
    todo: list[tuple[str, Path, int, int]], max_file_bytes: int, executor: Executor | None, chunk_bytes: int
) -> Iterator[Decoded | Rejected | None]:
    """:func:`read_one` for each item, in order; on ``executor`` with about two parts in flight
    (memory stays bounded by the parts, not the archive)."""
    if executor is None:
        for rel, path, size, mtime_ns in todo:
            yield read_one(rel, path, size, mtime_ns, max_file_bytes)
        return
    batches: list[list[tuple[str, Path, int, int]]] = [[]]
    filled = 0
    for item in todo:
        if filled >= READ_BATCH_BYTES:
            batches.append([])
            filled = 0
        batches[-1].append(item)
        filled += item[2]
    in_flight = max(4, 2 * chunk_bytes // READ_BATCH_BYTES)
    queue = iter(batches)
    pending = deque(executor.submit(read_batch, b, max_file_bytes) for b in islice(queue, in_flight))
    while pending:
        done = pending.popleft().result()
        nxt = next(queue, None)
        if nxt is not None:
            pending.append(executor.submit(read_batch, nxt, max_file_bytes))
        yield from done


def _configured_max_bytes() -> int:
    try:
        return load_rules().max_file_bytes
    except Exception:  # noqa: BLE001 - a broken config must not stop ingestion; the gate reports it
        return MAX_FILE_BYTES


def read_one(
    rel: str, path: Path, size: int, mtime_ns: int, max_file_bytes: int = MAX_FILE_BYTES
) -> Decoded | Rejected | None:
    """Read and decode one file; ``None`` when it changed while being read.

    A file over ``max_file_bytes`` is not a page: it is quarantined as oversized
    after one streaming pass (SHA-256 of all of it, the first 64 KiB kept), in
    time linear in its size and memory bounded by the chunk size.
    """
    if size > max_file_bytes:
        digest = hashlib.sha256()
        head = b""
        with path.open("rb") as fh:
            while chunk := fh.read(4 * 1024 * 1024):
                if not head:
                    head = chunk[:HEAD_BYTES]
                digest.update(chunk)
        return Rejected(
            rel,
            f"oversized: {size} bytes > {max_file_bytes} (records.max_file_bytes); not processed, head and SHA-256 kept",
            size,
            digest.hexdigest(),
            head,
        )
    try:
        data, digest = _read_stable(path, size, mtime_ns)
    except OSError as exc:
        return Rejected(rel, f"cannot read: {exc.strerror}", size, None, b"")
    if data is None:
        return None  # changing while read: next run
    try:
        text, encoding, note = decode_bytes(data)
    except DecodeError as exc:
        return Rejected(rel, str(exc), len(data), digest, data)
    script = detect_script(text)
    if script == "hant":
        flag = "Traditional Chinese: raw text kept, converted to Simplified (opencc t2s) for processing"
        note = f"{note}; {flag}" if note else flag
    return Decoded(digest, rel, len(data), mtime_ns, encoding, text, note, script)


def _read_stable(path: Path, size: int, mtime_ns: int) -> tuple[bytes | None, str | None]:
    """The file's bytes and SHA-256, or ``(None, None)`` if it changed while being read.

    Size and mtime alone miss a file rewritten in place with the same size within one
    timestamp tick (or with its mtime put back): the change time and inode are compared
    too, and the file is read a second time, which must give the same bytes (a page is
    small and the second read comes from the page cache).
    """
    with path.open("rb") as fh:
        before = os.fstat(fh.fileno())
        data = fh.read()
        fh.seek(0)
        again = fh.read()
        after = os.fstat(fh.fileno())
    now = path.stat()
    stable = (
        len(data) == size
        and before.st_size == after.st_size == now.st_size == size
        and before.st_mtime_ns == after.st_mtime_ns == now.st_mtime_ns == mtime_ns
        and before.st_ctime_ns == after.st_ctime_ns == now.st_ctime_ns
        and after.st_ino == now.st_ino  # not replaced by another file meanwhile
    )
    if not stable:
        return None, None
    digest = sha256(data)
    if sha256(again) != digest:
        return None, None
    return data, digest


def unique_by_content(items: Iterable[Decoded]) -> dict[str, Decoded]:
    """First decoded file per content hash: the same bytes under two names are one document."""
    out: dict[str, Decoded] = {}
    for item in items:
        out.setdefault(item.doc_id, item)
    return out
