"""Benchmark the real pipeline on synthetic archives (``make bench``).

``python -m newsetl_tools.bench [--sizes 100,1000,10000] [--workdir DIR] [--out docs/benchmarks]``

For each size N it writes a synthetic corpus (``newsetl synth``), measures two
baselines on the same files (DuckDB ``read_text`` over all files; one
``rjieba.cut`` pass over all the text, single-threaded) and runs the real CLI,
``newsetl run``, cold (empty warehouse) in a subprocess, sampling the RSS of
its whole process tree. On the largest size it then measures a re-run with no
new files and a run adding 10 pages to the archive. Per stage and end to end:
wall seconds, pages/s, MB/s (input bytes); peak RSS (sum over the process
tree, and the largest single process). The processing stage is reported as a
ratio to the rjieba pass.

Results go to ``<out>/latest.json`` and ``<out>/latest.md``, and the table in
``docs/performance.md`` between the ``bench:start`` / ``bench:end`` markers is
replaced. Not part of ``make test``: the 10,000-page size takes minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from newsetl.app.schedule import ensure_server
from newsetl.config import PROJECT_ROOT
from newsetl_tools.synth import DEFAULT_SEED, write_corpus

DEFAULT_SIZES = (100, 1000, 10000)
DEFAULT_OUT = PROJECT_ROOT / "docs" / "benchmarks"
PERF_DOC = PROJECT_ROOT / "docs" / "performance.md"
STAGES = ("ingest", "plan", "process_load", "dbt", "gate", "publish")
# What the benchmark must show: 10,000 pages cold in 40 s on two cores, small runs in seconds.
TARGETS = {
    "cold_10000_s": 40.0,
    "cold_vs_rjieba": 7.0,  # cold wall / one rjieba pass over the same text, at most
    "processing_vs_rjieba": 0.5,  # one rjieba pass / processing stage, at least
    "rerun_s": 5.0,
    "add10_s": 8.0,
    "peak_rss_mb": 1024.0,
    "rss_growth": 1.10,  # "flat": peak RSS at the largest size over the 1,000-page one, at most
    "published_vs_input": 3.0,
}
QUICK_SIZES = (1000,)


# --------------------------------------------------------------------------- measurement


class TreeRss:
    """Sample the RSS of a process and all its descendants every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.1):
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_sum = 0
        self.peak_single = 0
        self.peak_by_kind: dict[str, int] = {}
        self._kinds: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _kind(self, p: Any) -> str:
        """A short label per process: pipeline, prefect-server, text-worker, dask-worker, other."""
        if p.pid not in self._kinds:
            cmd = " ".join(p.cmdline())
            if p.pid == self.root.pid:
                kind = "pipeline"
            elif "uvicorn" in cmd or "prefect.server" in cmd:
                kind = "prefect-server"
            elif "forkserver" in cmd or "multiprocessing" in cmd:
                kind = "text-worker"
            elif "distributed" in cmd or "dask" in cmd:
                kind = "dask"
            else:
                kind = "other:" + (p.name() or "?")
            self._kinds[p.pid] = kind
        return self._kinds[p.pid]

    def _pre_exec(self, p: Any) -> bool:
        """True for a child caught between ``fork`` and ``exec`` (e.g. a server being started).

        Until it execs, such a child reports its parent's command line and RSS (pages it
        shares with the parent): counted, it adds the parent's memory a second time, and
        its kind would be cached wrongly. Forkserver workers never look like this (their
        command line is the fork server's, not their parent's); a child that keeps its
        parent's command line for more than two seconds is a real fork and is counted.
        """
        if p.pid == self.root.pid or p.pid in self._kinds or time.time() - p.create_time() > 2.0:
            return False
        parent = p.parent()
        return parent is not None and p.cmdline() == parent.cmdline()

    def _run(self) -> None:
        ps = self._psutil
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except ps.Error:
                break
            total = 0
            for p in procs:
                try:
                    if self._pre_exec(p):
                        continue
                    rss = p.memory_info().rss
                    kind = self._kind(p)
                except ps.Error:
                    continue
                total += rss
                self.peak_single = max(self.peak_single, rss)
                self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), rss)
            self.peak_sum = max(self.peak_sum, total)
            self._stop.wait(self.interval)


def corpus_bytes(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.iterdir() if p.suffix == ".txt"]
    return len(files), sum(p.stat().st_size for p in files)


def baseline_read_text(folder: Path) -> dict[str, Any]:
    """DuckDB reading every file: ``read_text``; ``read_blob`` when some files are not UTF-8
    (the synthetic corpus stores ~2 % of pages as GB18030, which ``read_text`` refuses)."""
    import duckdb

    con = duckdb.connect()
    pattern = str(folder / "*.txt")
    t0 = time.perf_counter()
    try:
        n, size = con.execute("SELECT count(*), sum(length(content)) FROM read_text(?)", [pattern]).fetchone()
        how = "read_text"
    except duckdb.Error:
        t0 = time.perf_counter()
        n, size = con.execute(
            "SELECT count(*), sum(octet_length(content)) FROM read_blob(?)", [pattern]
        ).fetchone()
        how = "read_blob"
    sec = time.perf_counter() - t0
    con.close()
    return {"seconds": round(sec, 3), "files": n, "size": int(size or 0), "function": how}


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def baseline_rjieba(folder: Path, passes: int = 2) -> dict[str, Any]:
    """``rjieba.cut`` over every file's text (decoding not timed), one core; the median of ``passes``.

    One pass of the same code varies by up to a third between runs on a shared VM
    (5.6-7.6 s for 10,000 pages): the benchmark takes two passes before and two after
    the cold run (:func:`merge_passes`), so the ratio does not ride on one lucky or
    unlucky pass, and reports every pass.
    """
    import rjieba

    texts = [_decode(p.read_bytes()) for p in sorted(folder.glob("*.txt"))]
    rjieba.cut("预热")
    times, tokens = [], 0
    for _ in range(passes):
        t0 = time.perf_counter()
        tokens = 0
        for t in texts:
            tokens += len(rjieba.cut(t))
        times.append(time.perf_counter() - t0)
    return {
        "seconds": round(statistics.median(times), 3),
        "passes_s": [round(t, 3) for t in times],
        "tokens": tokens,
        "chars": sum(len(t) for t in texts),
    }


def merge_passes(*baselines: dict[str, Any]) -> dict[str, Any]:
    """One baseline from several measurements of the same files: the median of all their passes."""
    passes = [t for b in baselines for t in b["passes_s"]]
    return {**baselines[0], "seconds": round(statistics.median(passes), 3), "passes_s": passes}


SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".prefect",
    "target",
    "logs",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
    "uncommitted",
    "docs",
    "*.egg-info",
)
_SOURCE: dict[str, Path] = {"root": PROJECT_ROOT}


def snapshot_source(workdir: Path) -> Path:
    """Copy the project's code, dbt project and expectations to ``workdir/src``.

    The benchmark then runs that frozen copy: on a shared working tree, edits by
    others during the benchmark would otherwise change ``processor_version`` or
    the dbt code between the runs and turn a re-run into a full reprocess.
    """
    dest = workdir / "src"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(PROJECT_ROOT, dest, ignore=_snapshot_ignore)
    return dest


def _snapshot_ignore(directory: str, names: list[str]) -> set[str]:
    """:data:`SNAPSHOT_IGNORE`, plus the output ``warehouse/`` at the top only: a pattern would also
    drop the ``newsetl/warehouse`` package, which the copy then imported from the working tree."""
    ignored = set(SNAPSHOT_IGNORE(directory, names))
    if Path(directory) == PROJECT_ROOT and "warehouse" in names:
        ignored.add("warehouse")
    return ignored


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    if root != PROJECT_ROOT:
        env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("PREFECT_HOME", str(root / ".prefect"))
    return env


def text_core_status() -> str:
    """What the measured runs execute: the compiled text core or its sources (newsetl.native)."""
    root = _SOURCE["root"]
    out = subprocess.run(
        [sys.executable, "-c", "from newsetl import native; print(native.STATUS)"],
        env=_env(root), cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def run_pipeline(
    input_dir: Path, warehouse: Path, extra: list[str] | None = None, api_url: str | None = None
) -> dict[str, Any]:
    """``newsetl run`` in a subprocess; wall time, exit code, stage timings, peak RSS."""
    root = _SOURCE["root"]
    env = _env(root)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    # Prefect's INFO lines (dbt plan, publish extras) are parsed below; `newsetl run` hides them
    # from the terminal unless told otherwise
    env["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO"
    cmd = [
        sys.executable,
        "-m",
        "newsetl.app.cli",
        "run",
        "--input",
        str(input_dir),
        "--warehouse",
        str(warehouse),
    ]
    cmd += extra or []
    log = warehouse.parent / f"{warehouse.name}-run-{time.time_ns()}.log"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=root, stdout=fh, stderr=subprocess.STDOUT, env=env)
        with TreeRss(proc.pid) as rss:
            code = proc.wait()
    wall = time.perf_counter() - t0
    out: dict[str, Any] = {
        "returncode": code,
        "wall_s": round(wall, 3),
        "peak_rss_tree_mb": round(rss.peak_sum / 2**20, 1),
        "peak_rss_process_mb": round(rss.peak_single / 2**20, 1),
        "peak_rss_by_process_mb": {k: round(v / 2**20, 1) for k, v in sorted(rss.peak_by_kind.items())},
        "log": str(log),
    }
    out.update(_last_run(warehouse))
    text = log.read_text(errors="replace")
    for line in text.splitlines():  # the CLI's summary has every stage, publish included
        if "stage seconds:" in line:
            out["stages_s"] = _stage_seconds(line.split("stage seconds:", 1)[1])
        if "publish extras:" in line:
            out["publish_extras"] = line.split("publish extras:", 1)[1].strip()
        if "dbt: " in line and "Task run" in line:
            out["dbt_plan"] = line.split("dbt: ", 1)[1].strip()
    if code != 0:
        out["error_tail"] = log.read_text(errors="replace")[-2000:]
    return out


def _stage_seconds(text: str) -> dict[str, float] | None:
    """The summary's stage seconds: ``ingest 0.26, dbt 19.8`` (or JSON, from older versions)."""
    with contextlib.suppress(ValueError):
        return json.loads(text)
    try:
        return {k: float(v) for k, v in (part.split() for part in text.strip().split(","))}
    except ValueError:
        return None


def _last_run(warehouse: Path) -> dict[str, Any]:
    import duckdb

    db = warehouse / ".work" / "newsetl.duckdb"
    if not db.exists():
        return {}
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return {}
    try:
        row = con.execute(
            """SELECT status, stage_seconds, files_seen, documents_new, documents_processed,
                      articles_written, articles_total
               FROM ops.runs ORDER BY started_at DESC LIMIT 1"""
        ).fetchone()
    finally:
        con.close()
    if not row:
        return {}
    status, stages, seen, new, processed, written, total = row
    size = {p.name: p.stat().st_size for p in (warehouse / ".work").glob("newsetl.duckdb")}
    published = warehouse / "newsetl.duckdb"
    return {
        "status": status,
        "stages_s": json.loads(stages) if stages else {},
        "files_seen": seen,
        "documents_new": new,
        "documents_processed": processed,
        "articles_written": written,
        "articles_total": total,
        "work_db_mb": round(size.get("newsetl.duckdb", 0) / 2**20, 1),
        "published_mb": round(published.stat().st_size / 2**20, 1) if published.exists() else None,
    }


# Columns that differ between any two runs over the same input: run ids and build times.
_RUN_COLUMNS = ("run_id", "built_at", "first_seen_run", "last_seen_run", "processed_run")


def mart_checksums(db: Path) -> dict[str, str]:
    """``marts.<table>``: row count and an order-free hash of its rows (run ids and build times left
    out), to show two versions of the code publish the same marts from the same input."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()
        out = {}
        for (table,) in tables:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
                    "AND table_name = ? ORDER BY column_index",
                    [table],
                ).fetchall()
                if c not in _RUN_COLUMNS
            ]
            quoted = ", ".join(f'"{c}"' for c in cols)
            n, h = con.execute(
                f'SELECT count(*), sum(hash({quoted})::HUGEINT) % 1000000007 FROM marts."{table}"'  # noqa: S608 - names from the catalog
            ).fetchone()
            out[table] = f"{n}:{int(h or 0):09d}"
        return out
    finally:
        con.close()


def _start_server(workdir: Path, holder: list) -> str | None:
    """A local Prefect server on a free port (state under the bench's PREFECT_HOME), for the follow-ups."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    saved = dict(os.environ)
    os.environ.update(_env(_SOURCE["root"]))
    os.environ.pop("PREFECT_API_URL", None)
    try:
        url, proc = ensure_server(port)
    except Exception as exc:  # noqa: BLE001 - the server scenario is optional
        print(f"bench: no Prefect server ({exc}); server follow-ups skipped", flush=True)
        return None
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if proc is not None:
        holder.append(proc)
    return url


def _rates(seconds: float | None, pages: int, nbytes: int) -> dict[str, float | None]:
    if not seconds:
        return {"pages_per_s": None, "mb_per_s": None}
    return {"pages_per_s": round(pages / seconds, 1), "mb_per_s": round(nbytes / 1e6 / seconds, 2)}


def measure_size(
    n: int, workdir: Path, seed: int, follow_ups: bool, server_url: str | None = None
) -> dict[str, Any]:

    corpus = workdir / f"corpus-{n}"
    t0 = time.perf_counter()
    synth = write_corpus(corpus, n, seed, prune=True)
    synth_s = time.perf_counter() - t0
    pages, nbytes = corpus_bytes(corpus)
    res: dict[str, Any] = {
        "pages": pages,
        "input_mb": round(nbytes / 1e6, 2),
        "synth_s": round(synth_s, 2),
        "duplicates": synth["duplicates"],
        "load_avg_before": [round(x, 2) for x in os.getloadavg()],
    }
    res["baseline_read_text"] = base_rt = baseline_read_text(corpus)
    base_rt.update(_rates(base_rt["seconds"], pages, nbytes))
    before = baseline_rjieba(corpus, passes=2)

    warehouse = workdir / f"warehouse-{n}"
    shutil.rmtree(warehouse, ignore_errors=True)
    cold = run_pipeline(corpus, warehouse)
    # rjieba passes on both sides of the cold run: the VM's speed drifts over minutes
    res["baseline_rjieba"] = base_rj = merge_passes(before, baseline_rjieba(corpus, passes=2))
    base_rj.update(_rates(base_rj["seconds"], pages, nbytes))
    cold["stage_rates"] = {
        s: _rates(cold.get("stages_s", {}).get(s), pages, nbytes)
        for s in STAGES
        if s in cold.get("stages_s", {})
    }
    cold.update(_rates(cold["wall_s"], pages, nbytes))
    stage_sum = sum(cold.get("stages_s", {}).values())
    cold["overhead_s"] = round(
        cold["wall_s"] - stage_sum, 3
    )  # interpreter, Prefect server start/stop, imports
    res["cold"] = cold
    proc_s = cold.get("stages_s", {}).get("process_load")
    if proc_s and base_rj["seconds"]:
        res["processing_vs_rjieba"] = round(base_rj["seconds"] / proc_s, 3)
    if base_rj["seconds"]:
        res["cold_vs_rjieba"] = round(cold["wall_s"] / base_rj["seconds"], 2)
    if cold.get("published_mb"):
        res["published_vs_input"] = round(cold["published_mb"] * 2**20 / nbytes, 2)
        res["mart_checksums"] = mart_checksums(warehouse / "newsetl.duckdb")
    if follow_ups:
        res["rerun"] = run_pipeline(corpus, warehouse)
        write_corpus(corpus, n + 10, seed)  # prefix-stable: the same n pages plus 10 new ones
        res["add10"] = run_pipeline(corpus, warehouse)
        if server_url:
            # The same two runs against a running local Prefect server (what `newsetl serve` runs,
            # or PREFECT_API_URL set by the operator): no temporary server to start and stop.
            res["rerun_server"] = run_pipeline(corpus, warehouse, api_url=server_url)
            write_corpus(corpus, n + 20, seed)
            res["add10_server"] = run_pipeline(corpus, warehouse, api_url=server_url)
    return res


# --------------------------------------------------------------------------- reporting


def _fmt(v: Any, nd: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def render_markdown(result: dict[str, Any]) -> str:
    sizes = result["sizes"]
    lines = [
        f"Measured {result['when']} on {result['machine']} "
        f"(load average before the runs: {result['load_avg_start']}).",
        f"Text core: {result.get('text_core', 'not recorded')}.",
        "",
        "**End to end, cold (empty warehouse, `newsetl run` in a subprocess)**",
        "",
        "| pages | input MB | wall s | wall / rjieba | pages/s | MB/s | overhead s | peak RSS tree MB "
        "| largest process MB | work DB MB | published MB | published / input | status |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in sizes.values():
        c = r["cold"]
        lines.append(
            f"| {_fmt(r['pages'])} | {_fmt(r['input_mb'])} | {_fmt(c['wall_s'])} | {_fmt(r.get('cold_vs_rjieba'), 2)} | "
            f"{_fmt(c.get('pages_per_s'))} | {_fmt(c.get('mb_per_s'), 2)} | {_fmt(c.get('overhead_s'))} | "
            f"{_fmt(c['peak_rss_tree_mb'], 0)} | {_fmt(c['peak_rss_process_mb'], 0)} | {_fmt(c.get('work_db_mb'), 0)} | "
            f"{_fmt(c.get('published_mb'), 0)} | {_fmt(r.get('published_vs_input'), 2)} | {c.get('status')} |"
        )
    lines += [
        "",
        "**Per stage, cold (seconds, and MB/s of input)**",
        "",
        "| pages | " + " | ".join(STAGES) + " |",
        "|---:|" + "---:|" * len(STAGES),
    ]
    for r in sizes.values():
        st, rates = r["cold"].get("stages_s", {}), r["cold"].get("stage_rates", {})
        cells = [
            f"{_fmt(st.get(s), 2)} ({_fmt((rates.get(s) or {}).get('mb_per_s'), 1)})" if s in st else "–"
            for s in STAGES
        ]
        lines.append(f"| {_fmt(r['pages'])} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "**Baselines on the same files, and the processing stage against them**",
        "",
        "| pages | DuckDB read_text/read_blob s (MB/s) | rjieba.cut s (MB/s) | process_load s (MB/s) | processing / rjieba |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in sizes.values():
        rt, rj = r["baseline_read_text"], r["baseline_rjieba"]
        pl = r["cold"].get("stages_s", {}).get("process_load")
        plr = (r["cold"].get("stage_rates", {}).get("process_load") or {}).get("mb_per_s")
        lines.append(
            f"| {_fmt(r['pages'])} | {_fmt(rt['seconds'], 2)} ({_fmt(rt['mb_per_s'], 0)}) | "
            f"{_fmt(rj['seconds'], 2)} ({_fmt(rj['mb_per_s'], 1)}) | {_fmt(pl, 2)} ({_fmt(plr, 2)}) | "
            f"{_fmt(r.get('processing_vs_rjieba'), 2)} |"
        )
    passes = {_fmt(r["pages"]): r["baseline_rjieba"].get("passes_s") for r in sizes.values()}
    if any(passes.values()):
        lines += [
            "",
            "rjieba: the median of four passes, two before and two after the cold run (s): "
            + "; ".join(f"{n} pages {' / '.join(_fmt(t, 2) for t in ts)}" for n, ts in passes.items() if ts)
            + ".",
        ]
    follow = [(n, r) for n, r in sizes.items() if "rerun" in r]
    if follow:
        lines += [
            "",
            "**Incremental runs on the largest archive**",
            "",
            "| run | wall s | overhead s | " + " | ".join(STAGES) + " | peak RSS tree MB | status |",
            "|---|---:|---:|" + "---:|" * len(STAGES) + "---:|---|",
        ]
        for n, r in follow:
            for key, label in (
                ("rerun", f"re-run, no new files ({int(n):,} pages)"),
                ("add10", f"+10 pages to {int(n):,}"),
                ("rerun_server", "re-run, no new files, running Prefect server"),
                ("add10_server", "+10 more pages, running Prefect server"),
            ):
                if key not in r:
                    continue
                x = r[key]
                st = x.get("stages_s", {})
                over = round(x["wall_s"] - sum(st.values()), 1)
                cells = " | ".join(_fmt(st.get(s), 2) for s in STAGES)
                lines.append(
                    f"| {label} | {_fmt(x['wall_s'])} | {_fmt(over)} | {cells} | "
                    f"{_fmt(x['peak_rss_tree_mb'], 0)} | {x.get('status')} |"
                )
    sums = {_fmt(r["pages"]): r["mart_checksums"] for r in sizes.values() if r.get("mart_checksums")}
    if sums:
        names = sorted({t for v in sums.values() for t in v})
        lines += [
            "",
            "**Published marts, cold** (rows:hash of the rows without run ids and build times; equal "
            "hashes from two versions of the code on the same input = the same marts)",
            "",
            "| mart | " + " | ".join(f"{n} pages" for n in sums) + " |",
            "|---|" + "---:|" * len(sums),
        ]
        lines += [f"| {t} | " + " | ".join(v.get(t, "–") for v in sums.values()) + " |" for t in names]
    lines += ["", "**Targets**", "", "| target | goal | measured | met |", "|---|---:|---:|---|"]
    for name, goal, got, ok in result.get("targets", []):
        lines.append(f"| {name} | {goal} | {got} | {'yes' if ok else 'NO'} |")
    return "\n".join(lines) + "\n"


# A run that did its job: published, or found nothing changed since the last publish
# (newsetl/warehouse/unchanged.py) and recorded that.
SUCCEEDED = ("published", "unchanged")


def failed_runs(result: dict[str, Any]) -> list[str]:
    """The measured runs that did not succeed (``size/run: status``): their times say nothing."""
    return [
        f"{n}/{key}: {run.get('status')}"
        for n, r in result["sizes"].items()
        for key, run in r.items()
        if isinstance(run, dict) and "wall_s" in run and run.get("status") not in SUCCEEDED
    ]


def evaluate_targets(result: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """Each target with its measured value; one measured on a run that did not publish is not met."""
    sizes = result["sizes"]
    out: list[tuple[str, str, str, bool]] = []
    largest = sizes[max(sizes, key=int)]

    def seconds(run: dict[str, Any]) -> str:
        ok = run.get("status") in SUCCEEDED
        return f"{run['wall_s']:.1f} s" + ("" if ok else f" (not published: {run.get('status')})")

    def met(run: dict[str, Any], limit: float) -> bool:
        return run.get("status") in SUCCEEDED and run["wall_s"] <= limit

    if "10000" in sizes or 10000 in sizes:
        r = sizes.get("10000") or sizes.get(10000)
        out.append(
            (
                "10,000 pages cold, end to end",
                f"<= {TARGETS['cold_10000_s']:.0f} s",
                seconds(r["cold"]),
                met(r["cold"], TARGETS["cold_10000_s"]),
            )
        )
        ratio = r.get("cold_vs_rjieba")
        if ratio is not None:
            out.append(
                (
                    "10,000 pages cold / one rjieba pass",
                    f"<= {TARGETS['cold_vs_rjieba']:.0f}",
                    f"{ratio:.2f}",
                    r["cold"].get("status") == "published" and ratio <= TARGETS["cold_vs_rjieba"],
                )
            )
    ratio = largest.get("processing_vs_rjieba")
    if ratio is not None:
        out.append(
            (
                "processing throughput / one rjieba pass",
                f">= {TARGETS['processing_vs_rjieba']:.2f}",
                f"{ratio:.2f}",
                ratio >= TARGETS["processing_vs_rjieba"],
            )
        )
    for suffix, how in (("", "temporary Prefect server"), ("_server", "running Prefect server")):
        if "rerun" + suffix in largest:
            run = largest["rerun" + suffix]
            out.append(
                (
                    f"re-run, no new files ({how})",
                    f"<= {TARGETS['rerun_s']:.0f} s",
                    seconds(run),
                    met(run, TARGETS["rerun_s"]),
                )
            )
            run = largest["add10" + suffix]
            out.append(
                (
                    f"+10 pages to the archive ({how})",
                    f"<= {TARGETS['add10_s']:.0f} s",
                    seconds(run),
                    met(run, TARGETS["add10_s"]),
                )
            )
    colds = [r["cold"] for r in sizes.values()]
    peaks = [c["peak_rss_tree_mb"] for c in colds]
    out.append(
        (
            "peak RSS (process tree), all sizes",
            f"<= {TARGETS['peak_rss_mb']:.0f} MB",
            " / ".join(f"{p:.0f}" for p in peaks) + " MB",
            max(peaks) <= TARGETS["peak_rss_mb"] and all(c.get("status") == "published" for c in colds),
        )
    )
    small = sizes.get("1000") or sizes.get(1000)
    if small is not None and small is not largest:
        growth = largest["cold"]["peak_rss_tree_mb"] / small["cold"]["peak_rss_tree_mb"]
        out.append(
            (
                "peak RSS flat: largest size / 1,000 pages",
                f"<= {TARGETS['rss_growth']:.2f}",
                f"{growth:.2f}",
                growth <= TARGETS["rss_growth"],
            )
        )
    ratios = {n: r.get("published_vs_input") for n, r in sizes.items()}
    if any(v is not None for v in ratios.values()):
        out.append(
            (
                "published file / input, all sizes",
                f"<= {TARGETS['published_vs_input']:.0f}",
                " / ".join(_fmt(v, 2) for v in ratios.values()),
                all(v is not None and v <= TARGETS["published_vs_input"] for v in ratios.values()),
            )
        )
    return out


def disk_needed_mb(pages: int, follow_ups: bool) -> float:
    """Disk the largest size needs: corpus, work DB, published copy, exports and raw log.

    About 0.25 MB per page at 10,000 pages (a corpus of 155 MB, a work DB and its
    published copy of 0.8 GB each); the follow-ups add a second corpus and a temporary
    publish copy. A full disk made two follow-ups fail with ENOSPC in an earlier session.
    """
    per_page = 0.25 * (1.5 if follow_ups else 1.0)
    return 500 + per_page * pages


def update_perf_doc(markdown: str, doc: Path = PERF_DOC) -> None:
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if not doc.exists():
        return
    text = doc.read_text(encoding="utf-8")
    if start not in text or end not in text:
        return
    head, rest = text.split(start, 1)
    _old, tail = rest.split(end, 1)
    doc.write_text(f"{head}{start}\n{markdown}{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m newsetl_tools.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=None, help="comma-separated page counts (default: 100,1000,10000)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="1,000 pages with the follow-ups (a few minutes): writes quick.json/quick.md, not the docs",
    )
    ap.add_argument(
        "--workdir", default="/tmp/newsetl-bench", help="corpora and warehouses (kept for inspection)"
    )
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="folder for latest.json / latest.md")
    ap.add_argument("--seed", type=int, default=None, help="corpus seed (default: newsetl_tools.synth's)")
    ap.add_argument("--no-follow-ups", action="store_true", help="skip the re-run and +10-page runs")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite the table in docs/performance.md")
    ap.add_argument(
        "--no-server", action="store_true", help="skip the follow-ups against a running Prefect server"
    )
    ap.add_argument(
        "--live", action="store_true", help="run the working tree itself, not a frozen copy of it"
    )
    args = ap.parse_args(argv)

    default = QUICK_SIZES if args.quick else DEFAULT_SIZES
    sizes = [int(s) for s in (args.sizes or ",".join(map(str, default))).split(",") if s.strip()]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    need, free = disk_needed_mb(max(sizes), not args.no_follow_ups), shutil.disk_usage(workdir).free / 2**20
    if free < need:
        print(
            f"bench: {free:,.0f} MB free in {workdir}, about {need:,.0f} MB needed; "
            "free some space or pass --workdir elsewhere",
            file=sys.stderr,
        )
        return 2
    if not args.live:
        _SOURCE["root"] = snapshot_source(workdir)
    # Warm-up (not measured): Prefect's database set-up on first use, imports, page cache.

    write_corpus(workdir / "corpus-warmup", 5, prune=True)
    shutil.rmtree(workdir / "warehouse-warmup", ignore_errors=True)
    warm = run_pipeline(workdir / "corpus-warmup", workdir / "warehouse-warmup")
    print(f"bench: warm-up run {warm['wall_s']:.1f} s ({warm.get('status')})", flush=True)
    seed = DEFAULT_SEED if args.seed is None else args.seed
    result: dict[str, Any] = {
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()})",
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
        "text_core": text_core_status(),
        "seed": seed,
        "sizes": {},
    }
    server: list[subprocess.Popen] = []
    for n in sizes:
        print(f"bench: {n} pages ...", flush=True)
        last = n == max(sizes) and not args.no_follow_ups
        server_url = _start_server(workdir, server) if last and not args.no_server else None
        r = measure_size(n, workdir, seed, follow_ups=last, server_url=server_url)
        result["sizes"][str(n)] = r
        c = r["cold"]
        print(
            f"  cold {c['wall_s']:.1f} s ({c.get('status')}), stages {c.get('stages_s')}, "
            f"peak RSS {c['peak_rss_tree_mb']:.0f} MB, processing/rjieba {r.get('processing_vs_rjieba')}",
            flush=True,
        )
        for key in ("rerun", "add10", "rerun_server", "add10_server"):
            if key in r:
                print(
                    f"  {key} {r[key]['wall_s']:.1f} s ({r[key].get('status')}), stages {r[key].get('stages_s')}",
                    flush=True,
                )
    if server:
        server[0].terminate()
        server[0].wait(timeout=30)
    result["ru_maxrss_children_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    result["targets"] = evaluate_targets(result)
    md = render_markdown(result)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "quick" if args.quick else "latest"
    (out / f"{stem}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    (out / f"{stem}.md").write_text(md, encoding="utf-8")
    print(md)
    failed = failed_runs(result)
    if failed:  # the table would show the times of runs that broke: the docs keep the last good one
        print(f"bench: runs that did not publish: {', '.join(failed)}; docs/performance.md not updated")
        return 1
    if not (args.no_doc or args.quick):
        update_perf_doc(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
