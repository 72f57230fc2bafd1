"""The run report: self-contained offline HTML with charts, and a headless-Chromium screenshot."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from newsetl.pipeline.report import cjk_font_dir, find_chromium, screenshot

pytestmark = pytest.mark.e2e


MONTHS = [dt.date(2020 + (m // 12), m % 12 + 1, 1) for m in range(30)]  # 2020-01 .. 2022-06
EMPTY_MONTH = dt.date(2020, 5, 1)  # no article: must still be on the axis, with zero bars
TOPICS = [f"t{i:02d}" for i in range(12)]  # more than the top 8: the rest is "other"


@pytest.fixture()
def mini_marts(tmp_path):
    """The marts the charts read, with articles made to test them: several topics per article,
    30 months with one empty, articles dated to the month, the quarter or only the year (2023, after
    the last month), and undated ones. No pipeline run."""
    import duckdb

    db = tmp_path / "mini.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_topics (topic_code VARCHAR, name_zh VARCHAR, name_en VARCHAR)")
    con.executemany(
        "INSERT INTO marts.dim_topics VALUES (?, ?, ?)", [(t, f"主题{t}", f"Topic {t}") for t in TOPICS]
    )
    con.execute("CREATE TABLE marts.dim_ministries (ministry_code VARCHAR, name_zh VARCHAR)")
    con.executemany(
        "INSERT INTO marts.dim_ministries VALUES (?, ?)", [("MIIT", "工业和信息化部"), ("NDRC", "国家发改委")]
    )
    con.execute(
        """CREATE TABLE marts.fct_articles (article_id VARCHAR, title VARCHAR, date_precision VARCHAR,
           event_period_start DATE, primary_topic VARCHAR, topic_codes VARCHAR[], ministry_codes VARCHAR[],
           source_file VARCHAR, position_in_file INTEGER, body VARCHAR)"""
    )
    con.execute("CREATE TABLE marts.bridge_article_ministries (article_id VARCHAR, ministry_code VARCHAR)")
    rows, bridge = [], []
    n = 0
    for k, month in enumerate(MONTHS):
        if month == EMPTY_MONTH:
            continue
        for a in range(1 + (k * 7) % 5):
            topic = None if (k + a) % 6 == 0 else TOPICS[(k * 3 + a) % len(TOPICS)]
            labels = [
                t for t in {topic, TOPICS[(k + a + 1) % len(TOPICS)], TOPICS[(k + 5) % len(TOPICS)]} if t
            ]
            precision = "day" if a % 2 else "month"
            start = month.replace(day=1 + a) if precision == "day" else month
            ministries = ["MIIT", "NDRC"] if a % 3 == 0 else ["MIIT"]
            rows.append(
                (f"a{n}", f"标题{n}", precision, start, topic, sorted(labels), ministries, "p.txt", n, "正文")
            )
            bridge += [(f"a{n}", code) for code in ministries]
            n += 1
    for i, (precision, start) in enumerate(
        [("quarter", dt.date(2021, 4, 1)), ("year", dt.date(2023, 1, 1))] * 2
    ):
        rows.append((f"y{i}", f"年{i}", precision, start, TOPICS[i], [TOPICS[i]], [], "y.txt", i, "正文"))
    for i in range(3):
        rows.append((f"u{i}", f"无日期{i}", None, None, TOPICS[0], [TOPICS[0]], ["MIIT"], "u.txt", i, "正文"))
        bridge.append((f"u{i}", "MIIT"))
    con.executemany("INSERT INTO marts.fct_articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO marts.bridge_article_ministries VALUES (?, ?)", bridge)
    con.close()
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def test_topic_stacks_equal_the_article_counts_and_every_month_is_on_the_axis(mini_marts):
    """Each article is counted once (by its primary topic, "other" or "no topic"), although articles
    carry up to three topics: a month's stack is its number of articles dated to the day or month,
    a year's stack its number of dated articles; every month from the first to the last is there."""
    from newsetl.pipeline.report import NO_TOPIC, OTHER, gather_charts

    charts = gather_charts(mini_marts)
    tl = charts.topics
    assert tl.months == MONTHS and EMPTY_MONTH in tl.months
    assert tl.years == [2020, 2021, 2022, 2023]
    by_month = dict(
        mini_marts.execute(
            """SELECT date_trunc('month', event_period_start)::DATE, count(*) FROM marts.fct_articles
               WHERE date_precision IN ('day', 'month') GROUP BY 1"""
        ).fetchall()
    )
    by_year = dict(
        mini_marts.execute(
            "SELECT year(event_period_start), count(*) FROM marts.fct_articles WHERE date_precision IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    for i, month in enumerate(tl.months):
        assert sum(series[i] for series in tl.by_month.values()) == by_month.get(month, 0), month
    for i, year in enumerate(tl.years):
        assert sum(series[i] for series in tl.by_year.values()) == by_year[year], year
    assert len(charts.top_topics) == 8 and sum(tl.by_year[OTHER]) > 0 and sum(tl.by_year[NO_TOPIC]) > 0
    # undated articles are counted apart and on no axis
    assert charts.dating == {
        "day": by_month_total(mini_marts, "day"),
        "month": by_month_total(mini_marts, "month"),
        "quarter": 2,
        "year": 2,
        "none": 3,
    }
    assert (
        sum(sum(s) for s in tl.by_year.values())
        == mini_marts.execute("SELECT count(*) FROM marts.fct_articles").fetchone()[0] - 3
    )


def test_charts_are_drawn_again_only_when_what_they_show_changed(mini_marts, tmp_path, monkeypatch):
    """The charts of the last report are kept with a digest of their inputs: a run that changed
    none of them reuses them (no matplotlib), any change draws them again."""
    from newsetl.pipeline import report

    data = {"charts": report.gather_charts(mini_marts), "ministries": [], "topics": [], "gate_by_suite": []}
    cache = tmp_path / "report-charts.json"
    drawn = report.cached_charts(data, cache)
    assert "chart-topics-time" in drawn and cache.exists()

    def must_not_draw(_data: dict) -> dict[str, str]:
        raise AssertionError("charts drawn again although their inputs did not change")

    monkeypatch.setattr(report, "render_charts", must_not_draw)
    assert report.cached_charts(data, cache) == drawn
    calls: list[dict] = []
    monkeypatch.setattr(report, "render_charts", lambda d: calls.append(d) or {"chart-gate": "<svg/>"})
    changed = {**data, "gate_by_suite": [("batch", 5, 1)]}
    assert report.cached_charts(changed, cache) == {"chart-gate": "<svg/>"} and len(calls) == 1
    assert report.cached_charts(changed, cache) == {"chart-gate": "<svg/>"} and len(calls) == 1
    cache.write_text("{not json", encoding="utf-8")  # a damaged cache is drawn over, not an error
    assert report.cached_charts(changed, cache) == {"chart-gate": "<svg/>"} and len(calls) == 2


def by_month_total(con, precision: str) -> int:
    return con.execute(
        "SELECT count(*) FROM marts.fct_articles WHERE date_precision = ?", [precision]
    ).fetchone()[0]


def svg_bars(svg: str, prefix: str) -> dict[str, tuple[str, float, float]]:
    """Bars drawn with an id starting ``prefix``: id -> (fill colour, top y, bottom y) in SVG units."""
    bars = {}
    for gid, d, fill in re.findall(
        r'<g id="('
        + re.escape(prefix)
        + r'[^"]*)">\s*(?:<a [^>]*>\s*)?<path d="([^"]*)"[^>]*?style="fill: (#[0-9a-f]{6})',
        svg,
    ):
        ys = [float(y) for y in re.findall(r"[ML] [-\d.]+ ([-\d.]+)", d)]
        bars[gid] = (fill, min(ys), max(ys))
    return bars


def test_topic_chart_draws_a_stack_per_month_as_high_as_its_articles(mini_marts):
    """In the SVG itself: a bar for every topic series and every month (the empty month too), and the
    height of each month's stack proportional to its number of articles."""
    from newsetl.pipeline.report import _matplotlib, chart_topics_over_time, gather_charts

    charts = gather_charts(mini_marts)
    m = _matplotlib()
    import matplotlib

    with matplotlib.rc_context(m["rc"]):
        svg = chart_topics_over_time(m, charts)
    bars = svg_bars(svg, "topics-month-")
    keys = [k for k in charts.topics.by_month if any(charts.topics.by_year[k])]
    scale = []
    for i, month in enumerate(charts.topics.months):
        stack = [bars[f"topics-month-{k}-{month:%Y-%m}"] for k in keys]  # KeyError: a month missing
        total = sum(charts.topics.by_month[k][i] for k in keys)
        height = max(b[2] for b in stack) - min(b[1] for b in stack)
        if total:
            scale.append(height / total)
        else:
            assert height == 0, month
    # the same height per article in every month (coordinates are written to 0.01 pt)
    assert max(scale) - min(scale) < 0.01 * max(scale), f"stack heights not proportional to counts: {scale}"


def test_a_topic_has_one_colour_in_every_chart(mini_marts):
    from newsetl.pipeline.report import gather_charts, render_charts

    charts = gather_charts(mini_marts)
    data = {
        "charts": charts,
        "ministries": [("MIIT", 10, 8)],
        "topics": [(t, 5, 3) for t in TOPICS],
        "gate_by_suite": [],
    }
    svgs = render_charts(data)
    seen: dict[str, set[str]] = {}
    for chart_id, prefix in (
        ("chart-topics-time", "topics-month-"),
        ("chart-topics-time", "topics-year-"),
        ("chart-topic-ministry", "heat-"),
        ("chart-topics", "topics-"),
    ):
        found = svg_bars(svgs[chart_id], prefix)
        assert found, (chart_id, prefix)
        for gid, (fill, _, _) in found.items():
            key = gid[len(prefix) :]
            key = re.sub(r"-(\d{4}(-\d{2})?|0)$", "", key)  # the period, or the pale "all labels" bar
            seen.setdefault(key, set()).add(fill)
    shown = set(charts.top_topics)
    assert shown <= set(seen)
    for key, fills in seen.items():
        assert len(fills) == 1, f"{key} drawn in {fills}"
    colours = [next(iter(seen[k])) for k in charts.top_topics]
    assert len(set(colours)) == len(colours), "two top topics share a colour"


def report_path(seeded_run):
    latest = seeded_run.warehouse_dir / "reports" / "latest.html"
    assert latest.exists()
    return latest


CHART_IDS = (
    "chart-articles-time",
    "chart-topics-time",
    "chart-ministries-time",
    "chart-topic-ministry",
    "chart-ministries",
    "chart-topics",
    "chart-gate",
)


def test_report_written_with_the_run(seeded_run):
    html = report_path(seeded_run).read_text(encoding="utf-8")
    runs = list((seeded_run.warehouse_dir / "reports").glob("run-*.html"))
    assert len(runs) == 1
    for anchor in (*CHART_IDS, "articles", "undated", "texts", "quarantine"):
        assert f'id="{anchor}"' in html
    for chart_id in CHART_IDS:
        assert html.split(f'id="{chart_id}">', 1)[1].startswith("<svg"), chart_id
    assert "工业和信息化部" in html and "Quality gate" in html
    # every article listed links to its text on the page
    links = set(re.findall(r'href="#(article-[0-9a-f]+)"', html))
    assert len(links) >= 10
    assert all(f'id="{anchor}"' in html for anchor in links)
    # offline: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html


def test_undated_articles_are_reported_separately(seeded_run, tmp_path):
    """Articles without a date are counted and listed apart, on no time axis (never on a 1 January)."""
    import shutil

    import duckdb

    from newsetl.pipeline.report import write_report

    db = tmp_path / "newsetl.duckdb"
    shutil.copyfile(seeded_run.published, db)
    con = duckdb.connect(str(db))
    try:
        undated = con.execute(
            """UPDATE marts.fct_articles SET date_precision = NULL, event_period_start = NULL, event_date = NULL
               WHERE article_id IN (SELECT article_id FROM marts.fct_articles ORDER BY article_id LIMIT 2)
               RETURNING article_id, title"""
        ).fetchall()
        dated = con.execute(
            "SELECT count(*) FROM marts.fct_articles WHERE date_precision IS NOT NULL"
        ).fetchone()[0]
    finally:
        con.close()
    html = write_report(db, tmp_path / "reports").read_text(encoding="utf-8")
    assert '<a href="#undated">2</a>' in html  # the card
    section = html.split('id="undated"', 1)[1].split("</table>", 1)[0]
    for article_id, _ in undated:
        assert f'href="#article-{article_id}"' in section and f'id="article-{article_id}"' in html
    assert "undated, on no axis: 2" in html
    from newsetl.pipeline.report import gather_charts

    con = duckdb.connect(str(db), read_only=True)
    try:
        charts = gather_charts(con)
    finally:
        con.close()
    # on no axis: the year stacks hold the dated articles only
    assert charts.dating["none"] == 2
    assert sum(sum(s) for s in charts.articles.by_year.values()) == dated


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
    """Chromium renders the report offline: the screenshot is not blank and the charts are on screen
    (their topic colours, the articles' blue, the ministry lines' colours cover many pixels).

    ``newsetl.pipeline.report.screenshot`` adds the packaged Noto Sans CJK font through a generated fontconfig
    file, so the Chinese labels are glyphs (proved by ``test_packaged_cjk_font_renders_chinese_glyphs``).
    """
    if find_chromium() is None:
        pytest.skip("chromium not installed (apt-get install -y chromium); see docs/data-model.md")
    import duckdb

    from newsetl.pipeline.report import gather_charts

    con = duckdb.connect(str(seeded_run.published), read_only=True)
    try:
        charts = gather_charts(con)
    finally:
        con.close()
    shot = tmp_path / "report.png"
    proc = screenshot(report_path(seeded_run), shot, width=1400, height=1800)
    assert shot.exists() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    colours = png_colours(shot.read_bytes())
    total = sum(colours.values())
    white = colours.get((255, 255, 255), 0)
    assert total - white > total // 10, "the screenshot is (nearly) blank"
    assert len(colours) > 200

    def rgb(hex_colour: str) -> tuple[int, int, int]:
        return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))

    # the articles-over-time bars, and the top topic's colour (in the stacks, the heat map, the bars)
    assert colours.get(rgb("#4269d0"), 0) > 2000
    top = charts.top_topics[0]
    assert colours.get(rgb(charts.colours[top]), 0) > 1000, top


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

    from newsetl.pipeline.report import write_report

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
