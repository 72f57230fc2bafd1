"""The run report: self-contained offline HTML with charts, and a headless-Chromium screenshot."""

from __future__ import annotations

import re

import pytest

from newsetl.report import cjk_font_dir, find_chromium, hbar_chart, screenshot, stacked_bar_chart

pytestmark = pytest.mark.e2e


def test_svg_helpers_escape_and_scale():
    svg = hbar_chart([("工业和信息化部 <MIIT>", 10), ("国务院", 5)], "部委")
    assert "&lt;MIIT&gt;" in svg and svg.count('class="bar"') == 2
    svg = stacked_bar_chart(["2020", "2021"], {"a": [1, 0], "b": [2, 3]}, "t")
    assert svg.count('class="bar"') == 3  # zero values draw nothing
    assert "no data" in stacked_bar_chart([], {}, "empty")


def report_path(seeded_run):
    latest = seeded_run.warehouse_dir / "reports" / "latest.html"
    assert latest.exists()
    return latest


def test_report_written_with_the_run(seeded_run):
    html = report_path(seeded_run).read_text(encoding="utf-8")
    runs = list((seeded_run.warehouse_dir / "reports").glob("run-*.html"))
    assert len(runs) == 1
    for anchor in ("chart-topics-month", "chart-topics-year", "chart-ministries", "chart-gate", "quarantine"):
        assert f'id="{anchor}"' in html
    assert html.count("<svg") >= 5 and html.count('class="bar"') >= 10
    assert "工业和信息化部" in html and "Quality gate" in html
    # offline: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html


def test_newsetl_report_prints_the_path(seeded_run):
    from tests.conftest import run_cli

    proc = run_cli("report", "--warehouse", str(seeded_run.warehouse_dir))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(report_path(seeded_run))


def test_dbt_docs_published_with_the_run(seeded_run):
    docs = seeded_run.warehouse_dir / "docs" / "index.html"
    assert docs.exists() and docs.stat().st_size > 100_000
    text = docs.read_text(encoding="utf-8", errors="replace")
    assert "mart_topic_ministry" in text and "dim_organisations" in text


@pytest.mark.slow
def test_headless_screenshot_of_the_report(seeded_run, tmp_path):
    """Chromium renders the report offline and the charts are visible (non-blank pixels in chart colours).

    ``newsetl.report.screenshot`` adds the packaged Noto Sans CJK font through a generated fontconfig
    file, so the Chinese labels are glyphs (proved by ``test_packaged_cjk_font_renders_chinese_glyphs``).
    """
    if find_chromium() is None:
        pytest.skip("chromium not installed (apt-get install -y chromium); see docs/data-model.md")
    shot = tmp_path / "report.png"
    proc = screenshot(report_path(seeded_run), shot, width=1400, height=1800)
    assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    colours = png_colours(shot.read_bytes())
    # the bar charts are drawn: the topic/ministry blue and the topic-count green cover many pixels
    assert colours.get((0x42, 0x69, 0xD0), 0) > 2000
    assert colours.get((0x3C, 0xA9, 0x51), 0) > 2000


PROBE = "工信部报告"  # five different characters, one per 100 x 100 cell
PROBE_HTML = (
    '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>'
    "body{margin:0;background:#fff}"
    "span{display:inline-block;width:100px;height:100px;font-family:'Noto Sans CJK SC',sans-serif;"
    "font-size:72px;line-height:100px;text-align:center;color:#000;vertical-align:top}"
    "</style></head><body>" + "".join(f"<span>{c}</span>" for c in PROBE) + "</body></html>"
)


def probe_cells(png: bytes, cell: int = 100) -> list[frozenset]:
    """The dark pixels of each probe cell, in cell coordinates."""
    width, height, rows = png_rgb_rows(png)
    assert width >= cell * len(PROBE) and height >= cell
    return [
        frozenset(
            (x, y)
            for y in range(cell)
            for x in range(cell)
            if sum(rows[y][3 * (k * cell + x) : 3 * (k * cell + x) + 3]) < 3 * 128
        )
        for k in range(len(PROBE))
    ]


def distinct_glyphs(cells: list[frozenset]) -> bool:
    """Every cell is inked and no two cells look alike: real glyphs, not blanks or identical tofu boxes."""
    inked = all(len(c) > 150 for c in cells)
    return inked and all(len(a ^ b) > 100 for i, a in enumerate(cells) for b in cells[i + 1 :])


@pytest.mark.slow
def test_packaged_cjk_font_renders_chinese_glyphs(tmp_path):
    """The PyPI font (noto-cjk-sans-otc) gives Chromium real Chinese glyphs; without it there are none.

    Both renderings see *only* the fonts we give them (the machine's fontconfig is left out), so the
    glyphs can only come from the package. The control rendering with no font must fail the same
    check, so the check cannot pass on blanks or tofu boxes.
    """
    if find_chromium() is None:
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    font_dir = cjk_font_dir()
    if font_dir is None:
        pytest.skip("CJK font package noto-cjk-sans-otc not installed (pip install -r requirements.lock)")
    page = tmp_path / "probe.html"
    page.write_text(PROBE_HTML, encoding="utf-8")
    shots = {}
    for name, dirs in (("font", [font_dir]), ("none", [])):
        shot = tmp_path / f"probe-{name}.png"
        proc = screenshot(page, shot, width=600, height=200, font_dirs=dirs, include_system_fonts=False)
        assert shot.exists(), proc.stderr[-2000:]
        shots[name] = shot.read_bytes()
    with_font, without = probe_cells(shots["font"]), probe_cells(shots["none"])
    assert distinct_glyphs(with_font), (
        f"no distinct Chinese glyphs: ink per cell {[len(c) for c in with_font]}"
    )
    assert not distinct_glyphs(without), "the no-font control rendered glyphs: the check proves nothing"
    assert with_font != without


def png_colours(data: bytes) -> dict[tuple[int, int, int], int]:
    """Pixel counts per RGB colour of an 8-bit RGB/RGBA PNG (enough for Chromium screenshots, no Pillow)."""
    from collections import Counter

    counts: Counter = Counter()
    for line in png_rgb_rows(data)[2]:
        counts.update(zip(line[0::3], line[1::3], line[2::3], strict=True))
    return dict(counts)


def png_rgb_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB/RGBA non-interlaced PNG."""
    import struct
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 3
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6)
            channels = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 0xFF
            elif f == 2:
                line[i] = (line[i] + b) & 0xFF
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        prev = line
        rgb = bytearray(line)
        if channels == 4:
            del rgb[3::4]
        rows.append(bytes(rgb))
    return width, height, rows


def test_report_lists_the_article_quarantine(seeded_run, tmp_path):
    """The report listed raw.quarantine (refused files) only; articles held back by an article
    rule, or published with a field nulled, are what analysts need to see (marts.fct_quarantine)."""
    import shutil

    import duckdb

    from newsetl.report import write_report

    db = tmp_path / "newsetl.duckdb"
    shutil.copyfile(seeded_run.published, db)
    con = duckdb.connect(str(db))
    try:
        con.execute(
            """INSERT INTO marts.fct_quarantine BY NAME SELECT 'article' AS level, 'a1' AS article_id,
                   'page-0023.txt' AS file, 4 AS position_in_file, 'event_year_plausible' AS rule,
                   '1972' AS value, 'null_date' AS action, 'event year 1972 before 2000: date nulled' AS reason,
                   'r-test' AS run_id"""
        )
    finally:
        con.close()
    html = write_report(db, tmp_path / "reports").read_text(encoding="utf-8")
    section = html.split('id="article-quarantine"', 1)[1].split("</div>", 1)[0]
    assert "page-0023.txt" in section and "event_year_plausible" in section and "1972" in section
    assert "article event_year_plausible (null_date) 1" in html
