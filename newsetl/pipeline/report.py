"""Run report: one self-contained HTML file per published run, readable offline.

``write_report`` reads the (work or published) warehouse read-only and writes
``<warehouse>/reports/run-<run_id>.html`` plus ``reports/latest.html``. The charts are drawn
with matplotlib (Agg, rendered to inline SVG with the text kept as text): articles over time,
topics over time (each article counted once, by its primary topic: top topics, "other", "no
topic"), ministries over time, a topic x ministry heat map, ministry mentions, topics overall,
the quality gate of the run. Below them: the latest articles of each top topic and the undated
articles, each linked to its text further down the page; the run history; what is held back now
(``marts.fct_quarantine``: articles, pages, set-asides) and the quarantined inputs.
``newsetl report`` prints (or opens) the latest one.

Dates are the honest period columns of ``marts.fct_articles``: an article is on the month axis
only when dated to the day or month, on the year axis when dated at all (month, quarter or year);
undated articles are counted and listed separately, never put on a 1 January.

The page names common Simplified-Chinese fonts in its CSS and in the charts (Noto Sans CJK SC,
Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei) and embeds none, so it stays
small. For screenshots on machines without a CJK font, ``screenshot`` runs headless Chromium with a
generated fontconfig file that adds the Noto Sans CJK collection shipped by the PyPI package
``noto-cjk-sans-otc`` (in ``requirements.lock``): ``python -m newsetl.pipeline.report screenshot``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import importlib.metadata
import importlib.util
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from newsetl.config import Paths

# One colour per topic of the lexicon, assigned in topic-code order (topic_colours): a topic has
# the same colour in every chart of a report, and in every report made with the same lexicon.
# No greys: grey means "other" and "no topic".
TOPIC_PALETTE = (
    "#4269d0",
    "#efb118",
    "#ff725c",
    "#6cc5b0",
    "#3ca951",
    "#ff8ab7",
    "#a463f2",
    "#97bbf5",
    "#9c6b4e",
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#843c39",
    "#637939",
)
OTHER_COLOUR = "#9498a0"
NO_TOPIC_COLOUR = "#d3d6db"
MINISTRY_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
GATE_COLOURS = {"passed": "#3ca951", "failed": "#d62728"}

OTHER = "other"  # series key: primary topics outside the top ones
NO_TOPIC = "no_topic"  # series key: articles without a primary topic
TOP_TOPICS = 8
TOP_MINISTRIES = 8
ARTICLES_PER_TOPIC = 5  # latest articles listed under each top topic
UNDATED_LISTED = 20
BODY_CHARS = 4000  # an article text longer than this is cut in the report (the warehouse has it whole)
MONTH_PRECISIONS = ("day", "month")  # an article is on the month axis only when dated this precisely

# Simplified-Chinese fonts found on Linux (Noto / Source Han, WenQuanYi), macOS (PingFang, Hiragino)
# and Windows (Microsoft YaHei); nothing is embedded or downloaded.
FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
)
FONT = ",".join(f"'{f}'" for f in FONTS) + ",sans-serif"


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def table(headers: list[str], rows: list[tuple], empty: str = "none") -> str:
    if not rows:
        return f'<p class="empty">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def topic_colours(topic_codes: Iterable[str]) -> dict[str, str]:
    """The fixed colour of every topic code (sorted order), plus ``other`` and ``no_topic`` in greys."""
    colours = {code: TOPIC_PALETTE[i % len(TOPIC_PALETTE)] for i, code in enumerate(sorted(set(topic_codes)))}
    colours[OTHER] = OTHER_COLOUR
    colours[NO_TOPIC] = NO_TOPIC_COLOUR
    return colours


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every first-of-month from ``first``'s month to ``last``'s, none skipped."""
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


# ------------------------------------------------------------------ data
@dataclass
class Timeline:
    """Counts per month and per year for a set of series, every month and year of the span present.

    ``by_month`` counts only articles dated to the day or month; ``by_year`` every dated article
    (day, month, quarter or year). Undated articles are in neither (``Charts.dating['none']``).
    """

    months: list[dt.date] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    by_month: dict[str, list[int]] = field(default_factory=dict)
    by_year: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[str, dt.date | None, int | None, int]], keys: list[str]
    ) -> Timeline:
        """``rows``: (series key, month or None, year or None, count); keys not in ``keys`` are dropped."""
        rows = [r for r in rows if r[0] in keys]
        months_seen = [r[1] for r in rows if r[1] is not None]
        years_seen = [r[2] for r in rows if r[2] is not None]
        months = month_range(min(months_seen), max(months_seen)) if months_seen else []
        years = list(range(min(years_seen), max(years_seen) + 1)) if years_seen else []
        by_month = {k: [0] * len(months) for k in keys}
        by_year = {k: [0] * len(years) for k in keys}
        m_index = {m: i for i, m in enumerate(months)}
        for key, month, year, n in rows:
            if month is not None:
                by_month[key][m_index[month]] += n
            if year is not None:
                by_year[key][year - years[0]] += n
        return cls(months, years, by_month, by_year)


@dataclass
class Charts:
    """What the charts and the article lists show, read from the marts in a few aggregate queries."""

    topic_names: dict[str, tuple[str, str]]  # code -> (name_zh, name_en), every topic of the lexicon
    ministry_names: dict[str, str]  # code -> name_zh
    colours: dict[str, str]  # topic code (and other / no_topic) -> colour
    dating: dict[str, int]  # articles by date precision: day, month, quarter, year, none
    articles: Timeline  # series: month_or_day, quarter, year (the precision the article is dated to)
    topics: Timeline  # series: top topics, other, no_topic (primary topic: every article once)
    top_topics: list[str]
    ministries: Timeline  # series: top ministries (articles mentioning each; an article may mention several)
    top_ministries: list[str]
    heat: list[list[int]]  # [topic series][ministry]: articles of that primary topic mentioning the ministry
    heat_rows: list[str] = field(default_factory=list)

    def topic_label(self, key: str) -> str:
        if key == OTHER:
            return "其他 other topics"
        if key == NO_TOPIC:
            return "无主题 no topic"
        zh, en = self.topic_names.get(key, (key, ""))
        return f"{zh} {en}".strip()

    def ministry_label(self, code: str) -> str:
        return f"{self.ministry_names.get(code, code)} {code}"


def gather_charts(con: duckdb.DuckDBPyConnection) -> Charts | None:
    """The chart data of the published marts, or None when there are no articles."""
    if not all(_exists(con, "marts", t) for t in ("fct_articles", "dim_topics", "dim_ministries")):
        return None
    topic_names = {
        code: (zh, en)
        for code, zh, en in con.execute(
            "SELECT topic_code, name_zh, name_en FROM marts.dim_topics"
        ).fetchall()
    }
    ministry_names = dict(con.execute("SELECT ministry_code, name_zh FROM marts.dim_ministries").fetchall())
    # one row per (precision, month, year, primary topic): everything the date and topic charts need
    rows = con.execute(
        """SELECT a.date_precision,
                  -- on the month axis only when dated to the day or month: never an invented month
                  CASE WHEN a.date_precision IN ('day', 'month')
                      THEN CAST(date_trunc('month', a.event_period_start) AS DATE) END AS month,
                  CASE WHEN a.date_precision IS NOT NULL THEN year(a.event_period_start) END AS year,
                  a.primary_topic, count(*)
           FROM marts.fct_articles AS a
           GROUP BY ALL"""
    ).fetchall()
    if not rows:
        return None
    dating = {"day": 0, "month": 0, "quarter": 0, "year": 0, "none": 0}
    primary: dict[str, int] = {}
    for precision, _, year, topic, n in rows:
        dating[precision if precision in dating and year is not None else "none"] += n
        if topic is not None:
            primary[topic] = primary.get(topic, 0) + n
    ranked = sorted(primary, key=lambda c: (-primary[c], c))
    # "other" only when it gathers at least two topics; else the topic is shown by name
    top_topics = ranked if len(ranked) <= TOP_TOPICS + 1 else ranked[:TOP_TOPICS]

    def topic_key(code: str | None) -> str:
        return NO_TOPIC if code is None else code if code in top_topics else OTHER

    topic_keys = [*top_topics, OTHER, NO_TOPIC]
    articles = Timeline.from_rows(
        (
            ("month_or_day" if p in MONTH_PRECISIONS else p, month, year, n)
            for p, month, year, _, n in rows
            if year is not None
        ),
        ["month_or_day", "quarter", "year"],
    )
    topics = Timeline.from_rows(((topic_key(t), month, year, n) for _, month, year, t, n in rows), topic_keys)
    # the month and year axes of every time chart are those of all articles, so the charts line up
    topics = _on_axes(topics, articles)

    ministry_rows = con.execute(
        """SELECT m.ministry_code,
                  CASE WHEN a.date_precision IN ('day', 'month')
                      THEN CAST(date_trunc('month', a.event_period_start) AS DATE) END AS month,
                  CASE WHEN a.date_precision IS NOT NULL THEN year(a.event_period_start) END AS year,
                  a.primary_topic, count(DISTINCT a.article_id)
           FROM marts.bridge_article_ministries AS m
           INNER JOIN marts.fct_articles AS a ON m.article_id = a.article_id
           GROUP BY ALL"""
    ).fetchall()
    per_ministry = dict(
        con.execute(
            """SELECT m.ministry_code, count(DISTINCT m.article_id)
               FROM marts.bridge_article_ministries AS m
               INNER JOIN marts.fct_articles AS a ON m.article_id = a.article_id
               GROUP BY ALL"""
        ).fetchall()
    )
    top_ministries = sorted(per_ministry, key=lambda c: (-per_ministry[c], c))[:TOP_MINISTRIES]
    ministries = _on_axes(
        Timeline.from_rows(((c, month, year, n) for c, month, year, _, n in ministry_rows), top_ministries),
        articles,
    )
    heat = [[0] * len(top_ministries) for _ in topic_keys]
    col = {c: j for j, c in enumerate(top_ministries)}
    for code, _, _, topic, n in ministry_rows:
        if code in col:
            heat[topic_keys.index(topic_key(topic))][col[code]] += n
    # keep the rows that have articles (other / no topic may be empty)
    keep = [i for i, k in enumerate(topic_keys) if k in top_topics or sum(heat[i]) > 0]
    return Charts(
        topic_names=topic_names,
        ministry_names=ministry_names,
        colours=topic_colours(topic_names),
        dating=dating,
        articles=articles,
        topics=topics,
        top_topics=top_topics,
        ministries=ministries,
        top_ministries=top_ministries,
        heat=[heat[i] for i in keep],
        heat_rows=[topic_keys[i] for i in keep],
    )


def _on_axes(timeline: Timeline, axes: Timeline) -> Timeline:
    """``timeline``'s counts spread over ``axes``' months and years (a subset of them), zeros elsewhere."""
    m_index = {m: i for i, m in enumerate(axes.months)}
    y_index = {y: i for i, y in enumerate(axes.years)}
    by_month = {k: [0] * len(axes.months) for k in timeline.by_month}
    by_year = {k: [0] * len(axes.years) for k in timeline.by_year}
    for k, counts in timeline.by_month.items():
        for m, n in zip(timeline.months, counts, strict=True):
            by_month[k][m_index[m]] += n
    for k, counts in timeline.by_year.items():
        for y, n in zip(timeline.years, counts, strict=True):
            by_year[k][y_index[y]] += n
    return Timeline(list(axes.months), list(axes.years), by_month, by_year)


def gather_articles(con: duckdb.DuckDBPyConnection, top_topics: list[str]) -> dict:
    """The latest articles of each top topic, the undated articles, and the texts of all of them."""
    latest = con.execute(
        """SELECT a.article_id, a.title, a.date_precision, a.event_period_start, a.primary_topic,
                  a.ministry_codes, a.source_file, a.position_in_file
           FROM marts.fct_articles AS a
           WHERE list_contains(?, a.primary_topic)
           QUALIFY row_number() OVER (
               PARTITION BY a.primary_topic
               ORDER BY a.event_period_start DESC NULLS LAST, a.source_file, a.position_in_file
           ) <= ?
           ORDER BY a.primary_topic, a.event_period_start DESC NULLS LAST, a.source_file, a.position_in_file""",
        [top_topics, ARTICLES_PER_TOPIC],
    ).fetchall()
    undated = con.execute(
        """SELECT a.article_id, a.title, a.date_precision, a.event_period_start, a.primary_topic,
                  a.ministry_codes, a.source_file, a.position_in_file
           FROM marts.fct_articles AS a
           WHERE a.date_precision IS NULL OR a.event_period_start IS NULL
           ORDER BY a.source_file, a.position_in_file LIMIT ?""",
        [UNDATED_LISTED],
    ).fetchall()
    by_topic: dict[str, list[tuple]] = {}
    for row in latest:
        by_topic.setdefault(row[4], []).append(row)
    ids = list(dict.fromkeys(r[0] for r in [*latest, *undated]))
    texts = con.execute(
        """SELECT a.article_id, a.title, a.date_precision, a.event_period_start, a.primary_topic,
                  a.ministry_codes, a.source_file, a.position_in_file, left(a.body, ?), length(a.body),
                  a.topic_codes
           FROM marts.fct_articles AS a WHERE list_contains(?, a.article_id)""",
        [BODY_CHARS, ids],
    ).fetchall()
    order = {a: i for i, a in enumerate(ids)}
    return {
        "by_topic": by_topic,
        "undated": undated,
        "texts": sorted(texts, key=lambda r: order[r[0]]),
    }


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, name]
        ).fetchone()[0]
    )


def gather(con: duckdb.DuckDBPyConnection, run_id: str | None) -> dict:
    data: dict = {}
    runs = con.execute(
        """SELECT run_id, started_at, finished_at, status, documents_new, quarantined, articles_written,
                  articles_total, gate_outcome, gate_failures
           FROM ops.runs ORDER BY started_at DESC LIMIT 15"""
    ).fetchall()
    data["runs"] = runs
    if run_id is None:
        published = [r for r in runs if r[3] == "published"]
        run_id = (published or runs or [(None,)])[0][0]
    data["run_id"] = run_id
    data["run"] = next((r for r in runs if r[0] == run_id), None)
    data["gate"] = con.execute(
        """SELECT suite, expectation, column_name, severity, success, observed
           FROM ops.gate_results WHERE run_id = ? ORDER BY success, suite, expectation""",
        [run_id],
    ).fetchall()
    data["gate_by_suite"] = con.execute(
        """SELECT suite, count(*) FILTER (WHERE success), count(*) FILTER (WHERE NOT success)
           FROM ops.gate_results WHERE run_id = ? GROUP BY suite ORDER BY suite""",
        [run_id],
    ).fetchall()
    data["quarantine"] = con.execute(
        """SELECT path, stage, reason, size_bytes, run_id, strftime(detected_at, '%Y-%m-%d %H:%M')
           FROM raw.quarantine ORDER BY detected_at DESC, path LIMIT 200"""
    ).fetchall()
    data["quarantine_total"] = con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0]
    # what analysts see held back or corrected now: articles by rule, pages, set-asides
    if _exists(con, "marts", "fct_quarantine"):
        data["held"] = con.execute(
            """SELECT level, file, position_in_file, rule, value, action, reason, run_id
               FROM marts.fct_quarantine ORDER BY run_id DESC, file, position_in_file LIMIT 200"""
        ).fetchall()
        data["held_counts"] = con.execute(
            "SELECT level, rule, action, count(*) FROM marts.fct_quarantine GROUP BY ALL ORDER BY 4 DESC, 2"
        ).fetchall()
    else:
        data["held"], data["held_counts"] = [], []
    if _exists(con, "marts", "fct_articles"):
        data["totals"] = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_fragment), count(DISTINCT doc_id) FROM marts.fct_articles"
        ).fetchone()
    else:
        data["totals"] = (0, 0, 0)
    data["ministries"] = (
        con.execute(
            """SELECT ministry_code, mention_count, article_count
               FROM marts.dim_ministries WHERE mention_count > 0
               ORDER BY mention_count DESC, ministry_code LIMIT 15"""
        ).fetchall()
        if _exists(con, "marts", "dim_ministries")
        else []
    )
    data["topics"] = (
        con.execute(
            """SELECT topic_code, article_count, primary_article_count
               FROM marts.dim_topics WHERE article_count > 0 ORDER BY article_count DESC, topic_code"""
        ).fetchall()
        if _exists(con, "marts", "dim_topics")
        else []
    )
    data["charts"] = gather_charts(con)
    data["articles"] = (
        gather_articles(con, data["charts"].top_topics)
        if data["charts"]
        else {"by_topic": {}, "undated": [], "texts": []}
    )
    return data


# ------------------------------------------------------------------ charts (matplotlib)
CHART_RC: dict[str, Any] = {
    # text stays <text>: the browser draws it with the page's CJK fonts, and the SVG stays small
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#e6e6e6",
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    # titles at the top of their axes: the automatic placement measures every tick label first
    "axes.titley": 1.0,
}
WIDE = 12.0  # inches: full-width charts; the page scales the SVG to its column
HALF = 7.0  # inches: the charts two to a row
_fonts_registered = False


def _matplotlib() -> dict[str, Any]:
    """matplotlib's modules, imported on first use so runs that build no report never pay for them."""
    global _fonts_registered
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI; the charts are written as SVG text
    from matplotlib import dates, font_manager, ticker
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    if not _fonts_registered:
        # the packaged Noto Sans CJK, when installed, gives matplotlib the real width of Chinese
        # labels for its layout (the page's own fonts still draw them)
        folder = cjk_font_dir()
        for font in sorted(folder.glob("*.tt[cf]")) if folder else []:
            font_manager.fontManager.addfont(str(font))
        _fonts_registered = True
    # named families that exist here, not the generic "sans-serif", so matplotlib falls back glyph by
    # glyph: Latin measured with DejaVu Sans (its own font: fast), Chinese with a CJK font (the layout
    # needs real widths); the SVG then names the page's whole font list (_svg)
    available = {f.name for f in font_manager.fontManager.ttflist}
    families = ["DejaVu Sans", *(f for f in FONTS if f in available)]
    return {
        "mpl": matplotlib,
        "dates": dates,
        "ticker": ticker,
        "Figure": Figure,
        "Rectangle": Rectangle,
        "rc": {**CHART_RC, "font.family": families},
    }


def _svg(fig: Any) -> str:
    """The figure as an SVG element to inline in the page."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    # matplotlib numbers its own element ids per figure (text_1, patch_2, ...): on a page of several
    # charts they would repeat; nothing refers to them. Ids given on purpose (gid) have a hyphen.
    svg = re.sub(r' id="[A-Za-z][A-Za-z0-9.]*_\d+"', "", svg)
    # two decimals of a point are finer than any screen: smaller SVG, the same picture
    svg = re.sub(r"(\d\.\d\d)\d+", r"\1", svg)
    # the viewer's browser draws the text: offer it the fonts of the page, not just those found here
    return re.sub(r"font-family: [^;\"]*", "font-family: 'DejaVu Sans'," + FONT.replace('"', ""), svg)


def _month_ticks(m: dict, ax: Any, n_months: int) -> None:
    """Ticks on first-of-months, thinned to at most 12 labels (every 1, 2, 3, 6, 12 months, or years)."""
    dates = m["dates"]
    step = next((k for k in (1, 2, 3, 6, 12) if -(-n_months // k) <= 12), None)
    if step is None:
        major = dates.YearLocator(base=-(-n_months // 144))
    else:
        major = dates.MonthLocator(bymonth=range(1, 13, step))
    ax.xaxis.set_major_locator(major)
    if step != 1:
        ax.xaxis.set_minor_locator(dates.MonthLocator())
    ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(major))


def _year_ticks(m: dict, ax: Any, years: list[int]) -> None:
    ticker = m["ticker"]
    if len(years) <= 12:
        ax.set_xticks(years, [str(y) for y in years])
    else:
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0f}"))


def _stacked_bars(
    ax: Any,
    xs: list,
    width: float,
    series: list[tuple[str, str, str, list[int]]],
    gid: str,
    period_ids: list[str],
    urls: dict[str, str] | None = None,
) -> list[int]:
    """Stacked bars, one stack per x; ``series``: (key, label, colour, counts). Returns the totals.

    Every bar carries the id ``<gid>-<key>-<period>`` (zero-height ones too), so tests can read
    what was drawn for each period.
    """
    bottom = [0] * len(xs)
    for key, label, colour, counts in series:
        bars = ax.bar(xs, counts, width, bottom=bottom, color=colour, label=label, linewidth=0)
        for rect, period in zip(bars, period_ids, strict=True):
            rect.set_gid(f"{gid}-{key}-{period}")
            if urls and key in urls:
                rect.set_url(urls[key])
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    if len(xs) <= 24:  # totals on top while they fit
        for x, total in zip(xs, bottom, strict=True):
            if total:
                ax.annotate(
                    str(total),
                    (x, total),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7.5,
                )
    return bottom


LEGEND_COLUMNS = 3
PLOT_HEIGHT = 2.6  # inches: the axes of a time chart, titles and tick labels included


def _time_figure(m: dict, title: str, timeline: Timeline, note: str, n_legend: int) -> tuple[Any, Any, Any]:
    """A wide figure: months (left, 4/5 of the width) and years (right), room for a legend below.

    Margins are fixed rather than computed by a layout engine: every label of these charts has a
    known size, and the layout pass would double the drawing time.
    """
    legend_h = 0.2 * -(-n_legend // LEGEND_COLUMNS) + 0.15
    height = PLOT_HEIGHT + 0.75 + legend_h
    fig = m["Figure"](figsize=(WIDE, height))
    fig.subplots_adjust(
        left=0.055, right=0.99, top=1 - 0.75 / height, bottom=(legend_h + 0.35) / height, wspace=0.14
    )
    ax_m, ax_y = fig.subplots(1, 2, width_ratios=[4, 1])
    _chart_title(fig, title)
    ax_m.set_title(f"by month · 按月 ({note})", fontsize=9, fontweight="normal")
    ax_y.set_title("by year · 按年 (every dated article)", fontsize=9, fontweight="normal", loc="right")
    ax_m.set_ylabel("articles · 文章")
    for ax in (ax_m, ax_y):
        ax.yaxis.set_major_locator(m["ticker"].MaxNLocator(integer=True))
    if timeline.months:
        _month_ticks(m, ax_m, len(timeline.months))
        x = m["dates"].date2num(timeline.months)
        ax_m.set_xlim(x[0] - 20, x[-1] + 20)
    else:
        ax_m.text(0.5, 0.5, "no article dated to the month or day", transform=ax_m.transAxes, ha="center")
        ax_m.set_xticks([])
        ax_m.set_yticks([])
    if timeline.years:
        _year_ticks(m, ax_y, timeline.years)
        ax_y.set_xlim(timeline.years[0] - 0.6, timeline.years[-1] + 0.6)
    return fig, ax_m, ax_y


def _legend_below(fig: Any, handles: list, labels: list[str]) -> None:
    fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.045, 0.0), ncols=LEGEND_COLUMNS)


def _month_ids(months: list[dt.date]) -> list[str]:
    return [f"{d:%Y-%m}" for d in months]


def chart_articles_over_time(m: dict, c: Charts) -> str:
    tl = c.articles
    series = [
        ("month_or_day", "dated to the day or month · 日/月", "#4269d0", tl.by_year["month_or_day"]),
        ("quarter", "dated to the quarter only · 季度", "#97bbf5", tl.by_year["quarter"]),
        ("year", "dated to the year only · 年", "#c6d4f5", tl.by_year["year"]),
    ]
    series = [s for s in series if any(s[3])]
    fig, ax_m, ax_y = _time_figure(
        m,
        f"Articles over time · 文章数随时间 (undated, on no axis: {c.dating['none']})",
        tl,
        "dated to the day or month",
        len(series),
    )
    month_x = list(m["dates"].date2num(tl.months))
    _stacked_bars(
        ax_m,
        month_x,
        24,
        [("articles", "_articles", "#4269d0", tl.by_month["month_or_day"])],  # "_": not in the legend
        "articles-month",
        _month_ids(tl.months),
    )
    _stacked_bars(ax_y, tl.years, 0.7, series, "articles-year", [str(y) for y in tl.years])
    _legend_below(fig, *ax_y.get_legend_handles_labels())
    return _svg(fig)


def chart_topics_over_time(m: dict, c: Charts) -> str:
    tl = c.topics
    series = [
        (k, c.topic_label(k), c.colours[k]) for k in [*c.top_topics, OTHER, NO_TOPIC] if any(tl.by_year[k])
    ]
    fig, ax_m, ax_y = _time_figure(
        m,
        "Topics over time · 主题随时间 (each article once, by its primary topic; bottom to top as listed)",
        tl,
        "dated to the day or month",
        len(series),
    )
    urls = {k: f"#topic-{k}" for k in c.top_topics}
    month_x = list(m["dates"].date2num(tl.months))
    _stacked_bars(
        ax_m,
        month_x,
        24,
        [(k, lab, col, tl.by_month[k]) for k, lab, col in series],
        "topics-month",
        _month_ids(tl.months),
        urls,
    )
    _stacked_bars(
        ax_y,
        tl.years,
        0.7,
        [(k, lab, col, tl.by_year[k]) for k, lab, col in series],
        "topics-year",
        [str(y) for y in tl.years],
        urls,
    )
    _legend_below(fig, *ax_y.get_legend_handles_labels())
    return _svg(fig)


def chart_ministries_over_time(m: dict, c: Charts) -> str:
    tl = c.ministries
    fig, ax_m, ax_y = _time_figure(
        m,
        "Top ministries over time · 部委随时间 (articles mentioning each; one article may mention several)",
        tl,
        "dated to the day or month",
        len(c.top_ministries),
    )
    month_x = list(m["dates"].date2num(tl.months))
    for i, code in enumerate(c.top_ministries):
        colour = MINISTRY_PALETTE[i % len(MINISTRY_PALETTE)]
        if tl.months:
            (line,) = ax_m.plot(month_x, tl.by_month[code], marker="o", ms=3, lw=1.4, color=colour)
            line.set_gid(f"ministries-month-{code}")
        (line,) = ax_y.plot(
            tl.years, tl.by_year[code], marker="o", ms=4, lw=1.4, color=colour, label=c.ministry_label(code)
        )
        line.set_gid(f"ministries-year-{code}")
    for ax in (ax_m, ax_y):
        ax.set_ylim(bottom=0)
    _legend_below(fig, *ax_y.get_legend_handles_labels())
    return _svg(fig)


def label_inches(labels: Iterable[str], size: float = 9) -> float:
    """Width of the widest label in inches, estimated: CJK one em, other characters 0.55 em.

    Enough to set a chart's margins without a layout pass (which would double its drawing time).
    """
    return (
        max((sum(size if ord(ch) >= 0x2E80 else 0.55 * size for ch in text) for text in labels), default=0)
        / 72
    )


def _chart_title(fig: Any, title: str) -> None:
    """The chart's title, bold at the top left, 0.08 inch below the figure's edge."""
    fig.suptitle(
        title,
        x=0.01,
        y=1 - 0.08 / fig.get_size_inches()[1],
        ha="left",
        va="top",
        fontsize=11,
        fontweight="bold",
    )


def _fixed_margins(fig: Any, left: float, right: float, top: float, bottom: float) -> None:
    """Margins in inches."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h)


def chart_topic_ministry(m: dict, c: Charts) -> str:
    import numpy as np

    rows, cols = c.heat_rows, c.top_ministries
    row_labels = [c.topic_label(k) for k in rows]
    col_labels = [c.ministry_label(k) for k in cols]
    bottom = label_inches(col_labels) * 0.5 + 0.3  # labels turned 30 degrees
    fig = m["Figure"](figsize=(WIDE, 0.5 + 0.3 * len(rows) + bottom))
    _fixed_margins(fig, label_inches(row_labels) + 0.2, 0.1, 0.45, bottom)
    ax = fig.subplots()
    _chart_title(fig, "Primary topic × ministry mentioned · 主题 × 部委 (articles)")
    values = np.array(c.heat, dtype=float)
    ax.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=max(1.0, float(values.max())))
    top = values.max() or 1
    for i in range(len(rows)):
        for j in range(len(cols)):
            n = c.heat[i][j]
            if not n:
                continue
            ax.text(
                j, i, str(n), ha="center", va="center", fontsize=8, color="white" if n > top * 0.6 else "#222"
            )
        swatch = m["Rectangle"]((-0.95, i - 0.4), 0.35, 0.8, facecolor=c.colours[rows[i]], clip_on=False)
        swatch.set_gid(f"heat-{rows[i]}")
        if rows[i] in c.top_topics:
            swatch.set_url(f"#topic-{rows[i]}")
        ax.add_patch(swatch)
    ax.set_xlim(-1.0, len(cols) - 0.5)
    ax.set_yticks(range(len(rows)), row_labels)
    ax.set_xticks(range(len(cols)), col_labels, rotation=30, ha="right", rotation_mode="anchor")
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)
    return _svg(fig)


def chart_hbars(
    m: dict,
    title: str,
    items: list[tuple[str, str, list[tuple[str, int, str]]]],
    gid: str,
    legend: list[tuple[str, str]] | None = None,
) -> str:
    """Horizontal bars: ``items`` = (key, label, [(series name, value, colour), ...]), drawn overlapping
    (the first, widest value behind), biggest at the top; ``legend``: (name, colour) entries."""
    bottom = 0.35 + (0.3 if legend else 0)
    fig = m["Figure"](figsize=(HALF, 0.45 + 0.26 * len(items) + bottom))
    _fixed_margins(fig, label_inches(label for _, label, _ in items) + 0.15, 0.45, 0.45, bottom)
    ax = fig.subplots()
    _chart_title(fig, title)
    ys = list(range(len(items)))[::-1]
    # one barh call per series, not per bar: each call is a container and an autoscale pass
    for k in range(max((len(bars) for _, _, bars in items), default=0)):
        rows = [(y, key, bars) for y, (key, _, bars) in zip(ys, items, strict=True) if k < len(bars)]
        rects = ax.barh(
            [y for y, _, _ in rows],
            [bars[k][1] for _, _, bars in rows],
            height=0.75 - 0.3 * k,
            color=[bars[k][2] for _, _, bars in rows],
        )
        for rect, (_, key, bars) in zip(rects, rows, strict=True):
            rect.set_gid(f"{gid}-{key}" + ("" if k == len(bars) - 1 else f"-{k}"))
    for y, (_, _, bars) in zip(ys, items, strict=True):
        ax.annotate(
            str(bars[0][1]),
            (bars[0][1], y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks(ys, [label for _, label, _ in items])
    ax.xaxis.set_major_locator(m["ticker"].MaxNLocator(nbins=4, integer=True))
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")
    ax.tick_params(axis="y", length=0)
    if legend:
        handles = [m["Rectangle"]((0, 0), 1, 1, facecolor=colour) for _, colour in legend]
        fig.legend(handles, [name for name, _ in legend], loc="lower center", ncols=len(legend))
    return _svg(fig)


def render_charts(data: dict) -> dict[str, str]:
    """Every chart of the report as inline SVG, by the id of its place on the page."""
    m = _matplotlib()
    c: Charts | None = data["charts"]
    out: dict[str, str] = {}
    with m["mpl"].rc_context(m["rc"]), warnings.catch_warnings():
        # without the packaged CJK font matplotlib warns for every Chinese glyph it cannot measure;
        # the browser still draws them with the page's fonts
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        font_log = logging.getLogger("matplotlib.font_manager")
        level = font_log.level
        font_log.setLevel(logging.ERROR)  # "font family not found" for the fonts of other platforms
        try:
            if c is not None:
                out["chart-articles-time"] = chart_articles_over_time(m, c)
                out["chart-topics-time"] = chart_topics_over_time(m, c)
                out["chart-ministries-time"] = chart_ministries_over_time(m, c)
                if c.top_ministries and c.heat_rows:
                    out["chart-topic-ministry"] = chart_topic_ministry(m, c)
            colours = c.colours if c else topic_colours([])
            if data["ministries"]:
                ministry_colour = {
                    code: MINISTRY_PALETTE[i % len(MINISTRY_PALETTE)]
                    for i, code in enumerate(c.top_ministries if c else [])
                }
                out["chart-ministries"] = chart_hbars(
                    m,
                    "Ministry mentions · 部委被提及次数",
                    [
                        (
                            code,
                            c.ministry_label(code) if c else code,
                            [("mentions", n, ministry_colour.get(code, OTHER_COLOUR))],
                        )
                        for code, n, _ in data["ministries"]
                    ],
                    "ministries",
                )
            if data["topics"]:
                out["chart-topics"] = chart_hbars(
                    m,
                    "Articles per topic · 各主题文章数",
                    [
                        (
                            code,
                            c.topic_label(code) if c else code,
                            [
                                (
                                    "labelled with the topic · 含该主题",
                                    n,
                                    colours.get(code, OTHER_COLOUR) + "59",
                                ),
                                ("primary topic · 主要主题", primary, colours.get(code, OTHER_COLOUR)),
                            ],
                        )
                        for code, n, primary in data["topics"]
                    ],
                    "topics",
                    legend=[
                        ("labelled with the topic · 含该主题", "#9498a059"),
                        ("primary topic · 主要主题", "#9498a0"),
                    ],
                )
            if data["gate_by_suite"]:
                out["chart-gate"] = chart_hbars(
                    m,
                    "Quality gate: expectations per suite · 质量关卡",
                    [
                        (
                            suite,
                            suite,
                            [
                                ("failed", failed + passed, GATE_COLOURS["failed"]),
                                ("passed", passed, GATE_COLOURS["passed"]),
                            ],
                        )
                        for suite, passed, failed in data["gate_by_suite"]
                    ],
                    "gate",
                    legend=[("passed", GATE_COLOURS["passed"]), ("failed", GATE_COLOURS["failed"])],
                )
        finally:
            font_log.setLevel(level)
    return out


CHART_INPUTS = ("charts", "ministries", "topics", "gate_by_suite")  # what render_charts reads of ``data``


def charts_digest(data: dict) -> str:
    """Fingerprint of everything the charts depend on: the mart rows they draw, the code that draws
    them, the matplotlib version and the CJK font used to measure labels."""
    digest = hashlib.sha256()
    # the inputs are lists, dicts, dataclasses, dates and numbers: their repr is stable
    digest.update(repr([data[k] for k in CHART_INPUTS]).encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(importlib.metadata.version("matplotlib").encode())
    digest.update(str(cjk_font_dir()).encode())
    return digest.hexdigest()


def cached_charts(data: dict, cache: Path | None) -> dict[str, str]:
    """``render_charts(data)``, or the charts stored in ``cache`` when their inputs are unchanged.

    matplotlib's import and drawing are almost all of the report's time (about 2 s); a run that
    changed nothing the charts show (most scheduled runs) needs neither.
    """
    if cache is None:
        return render_charts(data)
    digest = charts_digest(data)
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("digest") == digest:
            return dict(stored["charts"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no cache yet, or unreadable: draw them
    charts = render_charts(data)
    try:
        tmp = cache.with_name(f".{cache.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps({"digest": digest, "charts": charts}), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only warehouse: the next report draws them again
    return charts


# ------------------------------------------------------------------ page
CSS = f"""
body {{ font-family: {FONT}; margin: 24px auto; max-width: 1360px; color: #222; padding: 0 16px; }}
h1 {{ font-size: 22px; margin-bottom: 4px; }} h2 {{ font-size: 17px; border-bottom: 1px solid #ddd;
padding-bottom: 4px; margin-top: 28px; }} h3 {{ font-size: 14px; margin: 14px 0 4px; }}
.meta {{ color: #666; font-size: 13px; }}
.cards {{ display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 110px; }}
.card b {{ display: block; font-size: 20px; }}
.ok {{ color: #1a7f37; }} .bad {{ color: #c62828; }}
.chart svg {{ width: 100%; max-width: 1180px; height: auto; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }}
.grid .chart svg {{ max-width: 680px; }}
table {{ border-collapse: collapse; font-size: 12px; margin: 8px 0; }}
th, td {{ border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f5f5f5; }} .empty {{ color: #888; font-style: italic; }}
.swatch {{ display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; }}
.article {{ border-top: 1px solid #eee; padding: 6px 0; }}
.article .body {{ font-size: 13px; line-height: 1.6; max-height: 16em; overflow-y: auto; white-space: pre-line; }}
:target {{ background: #fff8d6; }}
"""


def date_label(precision: str | None, start: dt.date | None) -> str:
    """The article's date as precise as it is known: 2020-02-21, 2020-02, 2020-Q1, 2020 or undated."""
    if precision is None or start is None:
        return "undated · 无日期"
    if precision == "day":
        return f"{start:%Y-%m-%d}"
    if precision == "month":
        return f"{start:%Y-%m}"
    if precision == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def _article_rows(rows: list[tuple], c: Charts | None) -> str:
    """A table of articles, each title linked to its text further down the page."""
    if not rows:
        return '<p class="empty">none</p>'
    body = []
    for article_id, title, precision, start, topic, ministries, source_file, position in rows:
        name = title or "(untitled · 无标题)"
        body.append(
            "<tr>"
            f"<td>{esc(date_label(precision, start))}</td>"
            f'<td><a href="#article-{esc(article_id)}">{esc(name)}</a></td>'
            f"<td>{esc(c.topic_label(topic) if c and topic else topic or '')}</td>"
            f"<td>{esc(', '.join(ministries or []))}</td>"
            f"<td>{esc(source_file)} #{esc(position)}</td>"
            "</tr>"
        )
    head = "".join(
        f"<th>{h}</th>" for h in ("date", "title", "primary topic", "ministries", "source file #article")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _article_lists(data: dict) -> list[str]:
    c: Charts | None = data["charts"]
    arts = data["articles"]
    parts = [
        '<h2 id="articles">Articles · 文章</h2>',
        f'<p class="meta">The latest {ARTICLES_PER_TOPIC} articles of each top topic (by primary topic), '
        "and the articles without a date. Titles link to the text below; every article is in "
        "<code>marts.fct_articles</code> and <code>exports/fct_articles.parquet</code> "
        "(<code>newsetl sql -c \"FROM marts.fct_articles WHERE article_id = '…'\"</code>).</p>",
    ]
    for code in c.top_topics if c else []:
        parts.append(
            f'<h3 id="topic-{esc(code)}"><span class="swatch" style="background:{c.colours[code]}"></span>'
            f"{esc(c.topic_label(code))} <small>({code})</small></h3>"
        )
        parts.append(_article_rows(arts["by_topic"].get(code, []), c))
    undated = c.dating["none"] if c else 0
    shown = len(arts["undated"])
    parts.append(
        f'<h3 id="undated">Undated articles · 无日期文章 ({undated}'
        + (f", first {shown} listed" if shown < undated else "")
        + ")</h3>"
    )
    parts.append(
        '<p class="meta">No date could be read from these: they are on no time axis '
        "(never on an invented 1 January).</p>"
    )
    parts.append(_article_rows(arts["undated"], c))
    return parts


def _article_texts(data: dict) -> list[str]:
    c: Charts | None = data["charts"]
    parts = ['<h2 id="texts">Article texts · 文章正文</h2>']
    for row in data["articles"]["texts"]:
        (
            article_id,
            title,
            precision,
            start,
            topic,
            ministries,
            source_file,
            position,
            body,
            length,
            topics,
        ) = row
        more = (
            f" … ({length - BODY_CHARS} more characters in marts.fct_articles)" if length > BODY_CHARS else ""
        )
        parts.append(
            f'<section class="article" id="article-{esc(article_id)}">'
            f"<h3>{esc(title or '(untitled · 无标题)')}</h3>"
            f'<p class="meta">{esc(date_label(precision, start))} · '
            f"{esc(c.topic_label(topic) if c and topic else 'no topic')} · topics {esc(', '.join(topics or []))} · "
            f"ministries {esc(', '.join(ministries or []) or 'none')} · {esc(source_file)} #{esc(position)} · "
            f'article_id {esc(article_id)} · <a href="#articles">↑ lists</a></p>'
            f'<div class="body">{esc(body)}{esc(more)}</div></section>'
        )
    if len(parts) == 1:
        parts.append('<p class="empty">No articles.</p>')
    return parts


def render(data: dict, generated_at: str, charts: dict[str, str] | None = None) -> str:
    charts = render_charts(data) if charts is None else charts
    c: Charts | None = data["charts"]
    run = data["run"]
    status = run[3] if run else "unknown"
    gate_failed = [g for g in data["gate"] if not g[4]]
    articles, fragments, documents = data["totals"]
    dating = c.dating if c else {"day": 0, "month": 0, "quarter": 0, "year": 0, "none": 0}
    status_cls = "ok" if status == "published" and not any(g[3] == "batch" for g in gate_failed) else "bad"
    cards = [
        ("run status", f'<span class="{status_cls}">{esc(status)}</span>'),
        ("documents", esc(documents)),
        ("articles", esc(articles)),
        ("fragments", esc(fragments)),
        (
            "dated to day / month / quarter / year",
            " / ".join(esc(dating[p]) for p in ("day", "month", "quarter", "year")),
        ),
        ("undated", f'<a href="#undated">{esc(dating["none"])}</a>'),
        (
            "gate expectations failed",
            f'<span class="{"bad" if gate_failed else "ok"}">{len(gate_failed)}</span>',
        ),
        ("quarantined (all time)", esc(data["quarantine_total"])),
    ]

    def chart(chart_id: str, empty: str) -> str:
        svg = charts.get(chart_id)
        return (
            f'<div class="chart" id="{chart_id}">{svg if svg else f"<p class=empty>{esc(empty)}</p>"}</div>'
        )

    sections = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hans"><head><meta charset="utf-8">',
        f"<title>newsetl run report {esc(data['run_id'])}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>newsetl run report · 运行报告</h1>",
        f'<p class="meta">run <b>{esc(data["run_id"])}</b> · started {esc(run[1] if run else "")} · '
        f"finished {esc(run[2] if run else '')} · report generated {esc(generated_at)} UTC</p>",
        '<div class="cards">'
        + "".join(f'<div class="card">{k}<b>{v}</b></div>' for k, v in cards)
        + "</div>",
        "<h2>Over time · 随时间</h2>",
        '<p class="meta">Months count the articles dated to the day or month; years every dated article '
        "(dated to the month, quarter or only the year). Articles without a date are on no axis: "
        f'<a href="#undated">{esc(dating["none"])} undated</a>. Topics: each article once, by its '
        f"primary topic (the top {TOP_TOPICS}, then other topics, then no topic), so a stack is the "
        "month's article count; a topic has one colour in every chart. Click a topic's bar for its "
        "latest articles.</p>",
        chart("chart-articles-time", "No articles."),
        chart("chart-topics-time", "No articles."),
        chart("chart-ministries-time", "No articles."),
        chart("chart-topic-ministry", "No ministry mentioned."),
        '<div class="grid">',
        chart("chart-ministries", "No ministry mentioned."),
        chart("chart-topics", "No topics."),
        "</div>",
        *_article_lists(data),
        "<h2>Quality gate · 质量关卡</h2>",
        chart("chart-gate", "No gate results recorded for this run."),
        table(
            ["suite", "expectation", "column", "severity", "success", "observed"],
            [(g[0], g[1], g[2], g[3], "yes" if g[4] else "NO", g[5]) for g in data["gate"]],
            "No gate results recorded for this run.",
        ),
        "<h2>Recent runs · 最近运行</h2>",
        table(
            [
                "run",
                "started",
                "finished",
                "status",
                "new docs",
                "quarantined",
                "articles written",
                "articles total",
                "gate",
                "gate failures",
            ],
            data["runs"],
        ),
        f"<h2>Held back or corrected now · 当前隔离 ({sum(c[3] for c in data['held_counts'])})</h2>",
        '<p class="meta">marts.fct_quarantine: articles that failed an article rule (excluded, or '
        "published with the field nulled), pages held back whole, set-asides. By rule: "
        + esc(
            ", ".join(f"{lvl} {rule} ({action}) {n}" for lvl, rule, action, n in data["held_counts"])
            or "none"
        )
        + "</p>",
        '<div id="article-quarantine">',
        table(
            ["level", "file", "position", "rule", "value", "action", "reason", "run"],
            data["held"],
            "Nothing held back.",
        ),
        "</div>",
        f"<h2>Quarantined inputs · 隔离文件 ({esc(data['quarantine_total'])})</h2>",
        '<div id="quarantine">',
        table(
            ["path", "stage", "reason", "bytes", "run", "detected (UTC)"],
            data["quarantine"],
            "Nothing quarantined.",
        ),
        "</div>",
        *_article_texts(data),
        "</body></html>",
    ]
    return "\n".join(sections)


def write_report(
    db_path: Path, reports_dir: Path, run_id: str | None = None, chart_cache: Path | None = None
) -> Path:
    """Render the report for ``run_id`` (default: latest published run) from ``db_path``; return its path.

    ``chart_cache``: a file keeping the last charts drawn, reused while their inputs are unchanged.
    """
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        data = gather(con, run_id)
    finally:
        con.close()
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    page = render(data, generated, cached_charts(data, chart_cache))
    reports_dir.mkdir(parents=True, exist_ok=True)
    name = f"run-{data['run_id'] or 'none'}.html"
    target = reports_dir / name
    for path in (target, reports_dir / "latest.html"):
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    return target


def chart_cache_path(paths: Paths) -> Path:
    """The last charts drawn for this warehouse (in its work folder: never published)."""
    return paths.work_dir / "report-charts.json"


def latest_report(paths: Paths) -> Path | None:
    latest = paths.reports_dir / "latest.html"
    return latest if latest.exists() else None


def print_report(paths: Paths, open_browser: bool = False, rebuild: bool = False) -> int:
    """``newsetl report``: print the path of the latest run report (optionally rebuild it or open it)."""
    import sys

    if rebuild:
        if not paths.published_db.exists():
            print(f"newsetl: nothing published yet at {paths.published_db}", file=sys.stderr)
            return 1
        write_report(paths.published_db, paths.reports_dir, chart_cache=chart_cache_path(paths))
    report = latest_report(paths)
    if report is None:
        print(f"newsetl: no run report under {paths.reports_dir}; run `newsetl run` first", file=sys.stderr)
        return 1
    print(report)
    if open_browser:
        import webbrowser

        webbrowser.open(report.resolve().as_uri())
    return 0


# ------------------------------------------------------------------ screenshots
CJK_FONT_MODULE = "noto_cjk_sans_otc"  # PyPI ``noto-cjk-sans-otc``: NotoSansCJK-Regular.ttc (SC, TC, JP, KR)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "headless_shell")


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def cjk_font_dir() -> Path | None:
    """Directory holding the Noto Sans CJK collection of the ``noto-cjk-sans-otc`` package, if installed.

    Found without importing the package (its module only names the file).
    """
    spec = importlib.util.find_spec(CJK_FONT_MODULE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location)
        if any(folder.glob("*.tt[cf]")) or any(folder.glob("*.otf")):
            return folder
    return None


def write_fontconfig(dest_dir: Path, font_dirs: Iterable[Path], include_system: bool = True) -> Path:
    """Write ``dest_dir/fonts.conf`` (for ``FONTCONFIG_FILE``) listing ``font_dirs``.

    With ``include_system`` the machine's own configuration (``/etc/fonts/fonts.conf``, if present) is
    included first, so the usual Latin fonts and rendering settings stay; without it only
    ``font_dirs`` exist (used by the tests to prove where glyphs come from). The font cache goes to
    ``dest_dir/cache``, never to the user's cache.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
    ]
    if include_system:
        lines.append('  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>')
    lines += [f"  <dir>{html.escape(str(Path(d).resolve()))}</dir>" for d in font_dirs]
    lines += [
        f"  <cachedir>{html.escape(str((dest_dir / 'cache').resolve()))}</cachedir>",
        "</fontconfig>",
        "",
    ]
    conf = dest_dir / "fonts.conf"
    conf.write_text("\n".join(lines), encoding="utf-8")
    return conf


def screenshot(
    page: Path,
    png: Path,
    *,
    width: int = 1400,
    height: int = 1800,
    browser: str | None = None,
    font_dirs: Iterable[Path] | None = None,
    include_system_fonts: bool = True,
    timeout: float = 120,
) -> subprocess.CompletedProcess:
    """Screenshot ``page`` (an HTML file) to ``png`` with headless Chromium, offline.

    ``font_dirs`` defaults to the ``noto-cjk-sans-otc`` directory (when installed), so Chinese renders
    as glyphs rather than boxes on a machine without CJK fonts. Raises ``FileNotFoundError`` when no
    Chromium is installed.
    """
    browser = browser or find_chromium()
    if browser is None:
        raise FileNotFoundError("no chromium on PATH (Debian: apt-get install -y chromium)")
    if font_dirs is None:
        font_dirs = [d for d in [cjk_font_dir()] if d is not None]
    Path(png).unlink(missing_ok=True)  # never mistake an old file for this run's output
    with tempfile.TemporaryDirectory(prefix="newsetl-shot-") as tmp:
        conf = write_fontconfig(Path(tmp) / "fontconfig", font_dirs, include_system=include_system_fonts)
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--window-size={width},{height}",
            f"--screenshot={Path(png).resolve()}",
            Path(page).resolve().as_uri(),
        ]
        env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env)


def main(argv: list[str] | None = None) -> int:
    """``python -m newsetl.pipeline.report screenshot [--html PAGE] [--out PNG]``: screenshot a run report."""
    parser = argparse.ArgumentParser(prog="python -m newsetl.pipeline.report")
    sub = parser.add_subparsers(dest="command", required=True)
    shot = sub.add_parser("screenshot", help="headless-Chromium PNG of a report, with the packaged CJK font")
    shot.add_argument("--html", type=Path, default=Path("warehouse/reports/latest.html"))
    shot.add_argument("--out", type=Path, default=Path("report.png"))
    shot.add_argument("--width", type=int, default=1400)
    shot.add_argument("--height", type=int, default=1800)
    args = parser.parse_args(argv)
    import sys

    if not args.html.exists():
        print(f"newsetl: no report at {args.html}; run `newsetl run` first", file=sys.stderr)
        return 1
    if cjk_font_dir() is None:
        print("newsetl: noto-cjk-sans-otc is not installed; Chinese will show as boxes", file=sys.stderr)
    try:
        proc = screenshot(args.html, args.out, width=args.width, height=args.height)
    except FileNotFoundError as exc:
        print(f"newsetl: {exc}", file=sys.stderr)
        return 1
    if proc.returncode != 0 or not args.out.exists():
        print(proc.stderr[-2000:], file=sys.stderr)
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
