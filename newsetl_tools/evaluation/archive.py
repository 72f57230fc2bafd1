"""Read the People's Daily archive (``caspiankexin/people-daily-crawler-date``).

Each file is one article, named ``YYYYMMDD-PP-NN.txt`` (publication day, page,
position on the page). Its head lines come first, in three slots (kicker,
title, subtitle; an empty line for a missing slot), then the paragraphs, each
indented with two U+3000. An archive is a monthly ``.7z`` (read with ``py7zr``,
installed on demand: it is not a project dependency) or a folder it was
extracted to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"(\d{8})-(\d{2})-(\d{2})\.txt$")


@dataclass(frozen=True)
class ArchiveArticle:
    name: str  # YYYYMMDD-PP-NN.txt
    date: dt.date
    page: int
    position: int
    kicker: str | None
    title: str
    subtitle: str | None
    paragraphs: tuple[str, ...]

    @property
    def body_hash(self) -> str:
        """SHA-256 (first 16 hex) of the paragraphs: labels are keyed by name and this hash."""
        return hashlib.sha256("\n".join(self.paragraphs).encode("utf-8")).hexdigest()[:16]


def parse_article(name: str, text: str) -> ArchiveArticle | None:
    """One archive file -> an article, or None when it has no title or no body."""
    m = _NAME.search(name)
    if not m:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    head: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].startswith("\u3000"):
        head.append(lines[i].strip())
        i += 1
    paras = tuple(p for p in (ln.strip(" \u3000\t\xa0") for ln in lines[i:]) if p)
    while head and not head[-1]:
        head.pop()
    # the crawler writes the three head slots as lines 0..2 (empty when missing)
    slots = (head + ["", "", ""])[:3] if len(head) <= 3 else head[:1] + [" ".join(head[1:-1])] + head[-1:]
    kicker, title, subtitle = (s or None for s in slots)
    if title is None and kicker is not None and subtitle is None:
        kicker, title = None, kicker
    if not title or not paras:
        return None
    date = dt.date(int(m.group(1)[:4]), int(m.group(1)[4:6]), int(m.group(1)[6:]))
    return ArchiveArticle(
        Path(name).name, date, int(m.group(2)), int(m.group(3)), kicker, title, subtitle, paras
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _iter_7z(path: Path) -> Iterator[tuple[str, str]]:
    try:
        import py7zr  # noqa: PLC0415  optional: only the corpus builder reads .7z files
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise SystemExit(f"reading {path} needs py7zr (pip install py7zr) or an extracted folder") from e
    with py7zr.SevenZipFile(path) as z:
        names = [n for n in z.getnames() if _NAME.search(n)]
        for name, bio in sorted(z.read(names).items()):
            yield name, _decode(bio.read())


def iter_archive(paths: Iterable[Path]) -> Iterator[ArchiveArticle]:
    """Every article of the given archives (``.7z`` files or extracted folders), in name order."""
    for path in paths:
        if path.is_dir():
            files = ((str(f), _decode(f.read_bytes())) for f in sorted(path.rglob("*.txt")))
        else:
            files = _iter_7z(path)
        for name, text in files:
            art = parse_article(name, text)
            if art is not None:
                yield art
