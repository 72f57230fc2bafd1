"""Run report: one self-contained HTML file per published run, readable offline.

``write_report`` reads the (work or published) warehouse read-only and writes
``<warehouse>/reports/run-<run_id>.html`` plus ``reports/latest.html``. Charts
are inline SVG drawn here (no JavaScript, no CDN, no fonts to download):
articles per topic over time, ministry mentions, topics overall, the quality
gate of the run and the run history, what is held back now (``marts.fct_quarantine``:
articles, pages, set-asides) and the quarantined inputs.
``newsetl report`` prints (or opens) the latest one.

The page names common Simplified-Chinese fonts in its CSS (Noto Sans CJK SC, Source Han Sans SC,
PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei) and embeds none, so it stays small. For
screenshots on machines without a CJK font, ``screenshot`` runs headless Chromium with a generated
fontconfig file that adds the Noto Sans CJK collection shipped by the PyPI package
``noto-cjk-sans-otc`` (in ``requirements.lock``): ``python -m newsetl.report screenshot``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import duckdb

from newsetl.config import Paths

PALETTE = [
    "#4269d0",
    "#efb118",
    "#ff725c",
    "#6cc5b0",
    "#3ca951",
    "#ff8ab7",
    "#a463f2",
    "#97bbf5",
    "#9c6b4e",
    "#9498a0",
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
]
# Simplified-Chinese fonts found on Linux (Noto / Source Han, WenQuanYi), macOS (PingFang, Hiragino)
# and Windows (Microsoft YaHei); nothing is embedded or downloaded.
FONT = (
    "'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB',"
    "'Microsoft YaHei','WenQuanYi Micro Hei',sans-serif"
)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def text_width(text: str, size: float) -> float:
    """Rough rendered width in px: CJK characters are one em wide, others about 0.6 em."""
    return sum(size if ord(c) >= 0x2E80 else 0.6 * size for c in text)


def fit_text(text: str, size: float, max_width: float) -> str:
    """``text``, shortened with an ellipsis when wider than ``max_width`` (the full text goes in a tooltip)."""
    if text_width(text, size) <= max_width:
        return text
    while text and text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


# ------------------------------------------------------------------ SVG charts
def hbar_chart(items: list[tuple[str, float]], title: str, width: int = 640, color: str = "#4269d0") -> str:
    """Horizontal bars, one per (label, value)."""
    if not items:
        return f'<p class="empty">{esc(title)}: no data.</p>'
    bar_h, gap, top = 20, 6, 28
    # wide enough for the longest label (up to 55% of the chart), so labels are never cut at the left edge
    label_w = int(min(max(120.0, max(text_width(label, 12) for label, _ in items) + 12), width * 0.55))
    height = top + len(items) * (bar_h + gap) + 10
    vmax = max(v for _, v in items) or 1
    plot_w = width - label_w - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(title)}" font-family="{FONT}" font-size="12">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = max(1.0, plot_w * value / vmax)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{esc(fit_text(label, 12, label_w - 8))}'
            f"<title>{esc(label)}</title></text>"
        )
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
            f"<title>{esc(label)}: {value:g}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{value:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(
    periods: list[str], series: dict[str, list[float]], title: str, width: int = 640, height: int = 260
) -> str:
    """Vertical stacked bars: one bar per period, one colour per series, with a legend."""
    if not periods or not series:
        return f'<p class="empty">{esc(title)}: no data.</p>'
    left, right, top, bottom = 40, 10, 28, 40
    # legend: three columns, fewer when the names are too long to sit side by side
    cols = next(
        (c for c in (3, 2) if max(text_width(n, 11) for n in series) + 20 <= (width - left - right) / c), 1
    )
    legend_h = 18 * ((len(series) + cols - 1) // cols)
    total_h = height + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(vals[i] for vals in series.values()) for i in range(len(periods))]
    vmax = max(totals) or 1
    slot = plot_w / len(periods)
    bar_w = min(60.0, slot * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_h}" role="img" '
        f'aria-label="{esc(title)}" font-family="{FONT}" font-size="11">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{esc(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#888"/>',
    ]
    for frac in (0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{vmax * frac:g}</text>')
    for i, period in enumerate(periods):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        for j, (name, vals) in enumerate(series.items()):
            v = vals[i]
            if not v:
                continue
            h = plot_h * v / vmax
            y -= h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{esc(period)} {esc(name)}: {v:g}</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle">{esc(period)}</text>'
        )
        if totals[i]:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{totals[i]:g}</text>'
            )
    for j, name in enumerate(series):
        lx = left + (j % cols) * (plot_w / cols)
        ly = height + 18 * (j // cols)
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 10}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{lx + 14:.1f}" y="{ly}">{esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def table(headers: list[str], rows: list[tuple], empty: str = "none") -> str:
    if not rows:
        return f'<p class="empty">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ------------------------------------------------------------------ data
def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, name]
        ).fetchone()[0]
    )


def _topic_timeline(con: duckdb.DuckDBPyConnection, grain: str, top: int = 8) -> tuple[list[str], dict]:
    if not _exists(con, "marts", "mart_articles_by_topic"):
        return [], {}
    rows = con.execute(
        """SELECT strftime(period_start, CASE ? WHEN 'year' THEN '%Y' WHEN 'quarter' THEN '%Y-%m' ELSE '%Y-%m' END),
                  topic_code, topic_name_zh, articles
           FROM marts.mart_articles_by_topic WHERE grain = ? ORDER BY period_start, topic_code""",
        [grain, grain],
    ).fetchall()
    periods = list(dict.fromkeys(r[0] for r in rows))
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for _, code, name_zh, n in rows:
        totals[code] = totals.get(code, 0) + n
        names[code] = f"{name_zh} ({code})"
    keep = [c for c, t in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])) if t > 0][:top]
    series = {names[c]: [0.0] * len(periods) for c in keep}
    index = {p: i for i, p in enumerate(periods)}
    for period, code, _, n in rows:
        if code in keep:
            series[names[code]][index[period]] = float(n)
    return periods, series


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
            """SELECT count(*), count(*) FILTER (WHERE is_fragment), count(DISTINCT doc_id),
                      count(*) FILTER (WHERE event_month IS NOT NULL), count(*) FILTER (WHERE event_year IS NOT NULL)
               FROM marts.fct_articles"""
        ).fetchone()
    else:
        data["totals"] = (0, 0, 0, 0, 0)
    data["ministries"] = (
        con.execute(
            """SELECT name_zh || ' ' || ministry_code, mention_count, article_count
               FROM marts.dim_ministries WHERE mention_count > 0
               ORDER BY mention_count DESC, ministry_code LIMIT 15"""
        ).fetchall()
        if _exists(con, "marts", "dim_ministries")
        else []
    )
    data["topics"] = (
        con.execute(
            """SELECT name_zh || ' ' || name_en, article_count, primary_article_count
               FROM marts.dim_topics WHERE article_count > 0 ORDER BY article_count DESC, topic_code"""
        ).fetchall()
        if _exists(con, "marts", "dim_topics")
        else []
    )
    data["timeline_month"] = _topic_timeline(con, "month")
    data["timeline_year"] = _topic_timeline(con, "year")
    return data


# ------------------------------------------------------------------ page
CSS = f"""
body {{ font-family: {FONT}; margin: 24px auto; max-width: 1360px; color: #222; padding: 0 16px; }}
h1 {{ font-size: 22px; margin-bottom: 4px; }} h2 {{ font-size: 17px; border-bottom: 1px solid #ddd;
padding-bottom: 4px; margin-top: 28px; }}
.meta {{ color: #666; font-size: 13px; }}
.cards {{ display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 110px; }}
.card b {{ display: block; font-size: 20px; }}
.ok {{ color: #1a7f37; }} .bad {{ color: #c62828; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(640px, 1fr)); gap: 16px; }}
table {{ border-collapse: collapse; font-size: 12px; margin: 8px 0; }}
th, td {{ border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f5f5f5; }} .empty {{ color: #888; font-style: italic; }}
"""


def render(data: dict, generated_at: str) -> str:
    run = data["run"]
    status = run[3] if run else "unknown"
    gate_failed = [g for g in data["gate"] if not g[4]]
    articles, fragments, documents, month_dated, year_dated = data["totals"]
    status_cls = "ok" if status == "published" and not any(g[3] == "batch" for g in gate_failed) else "bad"
    cards = [
        ("run status", f'<span class="{status_cls}">{esc(status)}</span>'),
        ("documents", esc(documents)),
        ("articles", esc(articles)),
        ("fragments", esc(fragments)),
        ("dated to month / year", f"{esc(month_dated)} / {esc(year_dated)}"),
        (
            "gate expectations failed",
            f'<span class="{"bad" if gate_failed else "ok"}">{len(gate_failed)}</span>',
        ),
        ("quarantined (all time)", esc(data["quarantine_total"])),
    ]
    gate_chart = (
        stacked_bar_chart(
            [s for s, _, _ in data["gate_by_suite"]],
            {
                "passed": [float(p) for _, p, _ in data["gate_by_suite"]],
                "failed": [float(f) for _, _, f in data["gate_by_suite"]],
            },
            "Quality gate: expectations per suite (passed / failed)",
            width=560,
            height=220,
        )
        if data["gate_by_suite"]
        else '<p class="empty">No gate results recorded for this run.</p>'
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
        "<h2>Articles per topic over time · 各主题文章数</h2>",
        '<p class="meta">Articles labelled with each topic (an article may carry several). Monthly bars count '
        "only articles dated to the day or month; yearly bars count every dated article.</p>",
        '<div class="grid">',
        f'<div id="chart-topics-month">{stacked_bar_chart(*data["timeline_month"], "By month · 按月")}</div>',
        f'<div id="chart-topics-year">{stacked_bar_chart(*data["timeline_year"], "By year · 按年")}</div>',
        "</div>",
        '<div class="grid">',
        '<div id="chart-ministries">'
        + hbar_chart([(n, float(m)) for n, m, _ in data["ministries"]], "Ministry mentions · 部委被提及次数")
        + "</div>",
        '<div id="chart-topics">'
        + hbar_chart(
            [(n, float(a)) for n, a, _ in data["topics"]],
            "Articles per topic · 各主题文章数",
            color="#3ca951",
        )
        + "</div>",
        "</div>",
        "<h2>Quality gate · 质量关卡</h2>",
        f'<div id="chart-gate">{gate_chart}</div>',
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
        "</body></html>",
    ]
    return "\n".join(sections)


def write_report(db_path: Path, reports_dir: Path, run_id: str | None = None) -> Path:
    """Render the report for ``run_id`` (default: latest published run) from ``db_path``; return its path."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        data = gather(con, run_id)
    finally:
        con.close()
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    page = render(data, generated)
    reports_dir.mkdir(parents=True, exist_ok=True)
    name = f"run-{data['run_id'] or 'none'}.html"
    target = reports_dir / name
    for path in (target, reports_dir / "latest.html"):
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, path)
    return target


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
        write_report(paths.published_db, paths.reports_dir)
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
    """``python -m newsetl.report screenshot [--html PAGE] [--out PNG]``: screenshot a run report."""
    parser = argparse.ArgumentParser(prog="python -m newsetl.report")
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
