"""Both warehouse backends on large synthetic archives (``make bench-lake-100k``; docs/scaling.md).

``python -m newsetl_tools.lake_bench [--sizes 10000,100000] [--backends ducklake,duckdb]
[--workdir DIR] [--follow-ups-only]``

Per size N: one synthetic corpus (``newsetl synth``), shared by the backends; per backend a
warehouse ``DIR/<backend>-<N>`` built by a cold ``newsetl run``, then a re-run with no new files
and a run adding 10 pages (the same corpus plus 10 pages: every backend sees the same input).
Every run goes to one running local Prefect server (what ``newsetl serve`` runs), so the times
are the pipeline's, not a temporary server's start. Recorded per run: wall seconds, the stages,
the lake publish's parts (search index, transaction, maintenance, rows written) and the load
average before and after.

``--follow-ups-only`` keeps the cold warehouses and measures the re-run and +10 pages again
(with the code as it is now: a change to the publish step is measured without another cold
run of hours). Results: ``DIR/lake_bench.json`` (appended, one entry per invocation) and a
markdown table on stdout. A long benchmark, not a test: 100,000 pages cold takes 20+ minutes
per backend on two cores.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from newsetl_tools import bench
from newsetl_tools.synth import DEFAULT_SEED, write_corpus

DEFAULT_SIZES = (10000, 100000)
BACKENDS = {"ducklake": ["--backend", "ducklake"], "duckdb": ["--backend", "duckdb"]}
LAKE_LINE = "published to the lake:"


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def lake_parts(log: str) -> dict[str, Any] | None:
    """The flow's ``published to the lake: {...}`` line: the publish's parts."""
    for line in Path(log).read_text(errors="replace").splitlines():
        if LAKE_LINE in line:
            text = line.split(LAKE_LINE, 1)[1].strip()
            try:
                out = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                return {"raw": text[:2000]}
            return {
                k: out.get(k)
                for k in (
                    "seconds",
                    "search_seconds",
                    "rows_written",
                    "rows_inserted",
                    "rows_deleted",
                    "written",
                    "parts",
                    "maintenance",
                    "repaired",
                )
                if k in out
            }
    return None


def measure_run(corpus: Path, warehouse: Path, backend: str, server: str | None) -> dict[str, Any]:
    before = _load()
    run = bench.run_pipeline(corpus, warehouse, BACKENDS[backend], api_url=server)
    run["load_before"], run["load_after"] = before, _load()
    if backend == "ducklake":
        run["lake"] = lake_parts(run["log"])
    run.pop("error_tail", None) if run.get("status") == "published" else None
    print(
        f"  {backend} {warehouse.name}: {run['wall_s']:.1f} s ({run.get('status')}), "
        f"stages {run.get('stages_s')}, load {before} -> {run['load_after']}, lake {run.get('lake')}",
        flush=True,
    )
    return run


def measure_size(
    n: int, workdir: Path, backends: list[str], server: str | None, follow_ups_only: bool, seed: int
) -> dict[str, Any]:
    corpus = workdir / f"corpus-{n}"
    res: dict[str, Any] = {}
    if not follow_ups_only:
        write_corpus(corpus, n, seed, prune=True)
        for backend in backends:
            warehouse = workdir / f"{backend}-{n}"
            shutil.rmtree(warehouse, ignore_errors=True)
            res.setdefault(backend, {})["cold"] = measure_run(corpus, warehouse, backend, server)
    pages, nbytes = bench.corpus_bytes(corpus)
    res["pages_before_follow_ups"], res["input_mb"] = pages, round(nbytes / 1e6, 1)
    for backend in backends:
        res.setdefault(backend, {})["rerun"] = measure_run(
            corpus, workdir / f"{backend}-{n}", backend, server
        )
    write_corpus(corpus, pages + 10, seed)  # prefix-stable: the same pages plus 10 new ones
    for backend in backends:
        res[backend]["add10"] = measure_run(corpus, workdir / f"{backend}-{n}", backend, server)
    for backend in backends:
        wh = workdir / f"{backend}-{n}"
        res[backend]["sizes_mb"] = {
            name: round(sum(p.stat().st_size for p in (wh / name).rglob("*") if p.is_file()) / 2**20, 1)
            for name in (".work", "lake_data")
            if (wh / name).exists()
        }
    return res


def _cell(run: dict[str, Any] | None, what: str) -> str:
    if not run:
        return "–"
    if run.get("status") != "published":
        return f"not published ({run.get('status')})"
    if what == "wall":
        return f"{run['wall_s']:.1f}"
    if what == "publish":
        return f"{(run.get('stages_s') or {}).get('publish', float('nan')):.2f}"
    if what == "load":
        return f"{run['load_before'][0]:.1f}"
    return "–"


def render(entry: dict[str, Any]) -> str:
    lines = [
        f"Measured {entry['when']} ({entry['machine']}); seed {entry['seed']}.",
        "",
        "| pages | backend | run | wall s | publish stage s | load (1 min) before | lake: transaction s / "
        "search s / maintenance s / rows written |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    for n, res in entry["sizes"].items():
        for backend in entry["backends"]:
            for key, label in (("cold", "cold"), ("rerun", "no new files"), ("add10", "+10 pages")):
                run = res.get(backend, {}).get(key)
                if run is None:
                    continue
                lake = run.get("lake") or {}
                parts = (
                    f"{lake.get('seconds')} / {lake.get('search_seconds')} / "
                    f"{(lake.get('maintenance') or {}).get('seconds')} / {lake.get('rows_written')}"
                    if lake
                    else ""
                )
                lines.append(
                    f"| {int(n):,} | {backend} | {label} | {_cell(run, 'wall')} | {_cell(run, 'publish')} | "
                    f"{_cell(run, 'load')} | {parts} |"
                )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m newsetl_tools.lake_bench", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--workdir", default="/tmp/newsetl-lake-bench")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--follow-ups-only", action="store_true", help="re-run and +10 pages on the kept warehouses"
    )
    ap.add_argument("--live", action="store_true", help="run the working tree itself, not a frozen copy")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    backends = [b for b in args.backends.split(",") if b.strip()]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    # measured at 10,000 pages: corpus 155 MB, work file 178 MB (its published copy as much), lake 41 MB
    need = 500 + 0.1 * sum(sizes) * len(backends)
    free = shutil.disk_usage(workdir).free / 2**20
    if free < need:
        print(f"lake_bench: {free:,.0f} MB free in {workdir}, about {need:,.0f} MB needed", file=sys.stderr)
        return 2
    if not args.live:
        bench._SOURCE["root"] = bench.snapshot_source(workdir)
    os.environ.setdefault("NEWSETL_SKIP_DBT_DOCS", "1")  # both backends alike: the lake has no docs site
    holder: list[subprocess.Popen] = []
    server = bench._start_server(workdir, holder)
    entry: dict[str, Any] = {
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{os.uname().nodename}, {os.cpu_count()} cores",
        "text_core": bench.text_core_status(),
        "seed": args.seed,
        "backends": backends,
        "follow_ups_only": args.follow_ups_only,
        "load_start": _load(),
        "sizes": {},
    }
    try:
        for n in sizes:
            print(f"lake_bench: {n} pages ({', '.join(backends)}) ...", flush=True)
            entry["sizes"][str(n)] = measure_size(
                n, workdir, backends, server, args.follow_ups_only, args.seed
            )
    finally:
        if holder:
            holder[0].terminate()
            holder[0].wait(timeout=30)
        entry["load_end"] = _load()
        out = workdir / "lake_bench.json"
        history = json.loads(out.read_text()) if out.exists() else []
        out.write_text(json.dumps([*history, entry], indent=2, default=str))
    print(render(entry))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
