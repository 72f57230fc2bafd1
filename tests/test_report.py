"""The run report: self-contained offline HTML with charts, and a headless-Chromium screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from newsetl.report import hbar_chart, stacked_bar_chart

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


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "headless_shell"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.slow
def test_headless_screenshot_of_the_report(seeded_run, tmp_path):
    """Chromium renders the report offline and the charts are visible (non-blank pixels in chart colours)."""
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not installed (apt-get install -y chromium); see docs/data-model.md")
    shot = tmp_path / "report.png"
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1800",
        f"--screenshot={shot}", report_path(seeded_run).resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    colours = png_colours(shot.read_bytes())
    # the bar charts are drawn: the topic/ministry blue and the topic-count green cover many pixels
    assert colours.get((0x42, 0x69, 0xD0), 0) > 2000
    assert colours.get((0x3C, 0xA9, 0x51), 0) > 2000


def png_colours(data: bytes) -> dict[tuple[int, int, int], int]:
    """Pixel counts per RGB colour of an 8-bit RGB/RGBA PNG (enough for Chromium screenshots, no Pillow)."""
    import struct
    import zlib
    from collections import Counter

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
    counts: Counter = Counter()
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
        counts.update(zip(line[0::channels], line[1::channels], line[2::channels], strict=True))
        prev = line
    return dict(counts)
