"""The synthetic corpus generator: deterministic, prefix-stable, realistic mix."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from newsetl.app.cli import main as cli_main
from newsetl.pipeline.ingest import decode_bytes
from newsetl_tools.synth import iter_pages, write_corpus


def test_same_seed_same_bytes_and_prefix_stable() -> None:
    a = [(p.file_name, p.data) for p in iter_pages(30, seed=3)]
    b = [(p.file_name, p.data) for p in iter_pages(40, seed=3)]
    assert a == b[:30]
    c = [(p.file_name, p.data) for p in iter_pages(30, seed=4)]
    assert a != c


def test_mix_of_phenomena_dates_and_duplicates() -> None:
    pages = list(iter_pages(400, seed=11))
    seen: dict[str, int] = {}
    for p in pages:
        for ph in p.phenomena:
            seen[ph] = seen.get(ph, 0) + 1
    for ph in (
        "cut_distant",
        "ascii_punct",
        "mixed_punct",
        "page_one_line",
        "repeat_exact",
        "duplicate",
        "gb18030",
    ):
        assert seen.get(ph, 0) > 0, ph
    dups = [p for p in pages if p.duplicate_of is not None]
    assert all(p.data == pages[p.duplicate_of].data for p in dups)
    years = {p.publication_date.year for p in pages}
    assert years == {2020, 2021, 2022}
    single = [p for p in pages if "page_one_line" in p.phenomena]
    assert single and all(decode_bytes(p.data)[0].strip().count("\n") == 0 for p in single)
    # every page decodes the way ingestion decodes it, and is Chinese text
    for p in pages[:50]:
        text, _enc, _note = decode_bytes(p.data)
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 100


def test_cli_writes_corpus_and_manifest(tmp_path: Path, capsys) -> None:
    out = tmp_path / "corpus"
    assert cli_main(["synth", "--pages", "12", "--out", str(out), "--seed", "5"]) == 0
    assert "12 pages" in capsys.readouterr().out
    files = sorted(p.name for p in out.glob("*.txt"))
    assert len(files) == 12
    with (out / "manifest.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["file_name"] for r in rows] == files
    assert all(
        dt.date(2020, 1, 1) <= dt.date.fromisoformat(r["publication_date"]) <= dt.date(2022, 12, 31)
        for r in rows
    )
    # a second call with more pages leaves the existing files untouched (same mtime: skipped by ingestion)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.txt")}
    stats = write_corpus(out, 14, seed=5)
    assert stats["written"] == 2
    assert all(mtimes[n] == (out / n).stat().st_mtime_ns for n in mtimes)
