"""Publish A/B on one work database, alternated: main's fresh copy without the work-only tables
(``write_published_copy`` of commit 099cea2, imported from a checkout of it) against this
branch's ``publish_database`` (compaction check, then a byte copy of the v1.2.0 work database).

    python docs/benchmarks/2026-12-07-publish-bytecopy/ab_publish.py <main checkout> <work.duckdb> <out dir> [rounds]
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

from newsetl.warehouse.publish import publish_database


def _main_fresh_copy(checkout: Path):
    spec = importlib.util.spec_from_file_location("main_publish", checkout / "newsetl/warehouse/publish.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_published_copy


def main() -> None:
    checkout, work, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    out.mkdir(parents=True, exist_ok=True)
    variants = {"main-fresh": _main_fresh_copy(checkout), "branch-bytecopy": publish_database}
    order = ["main-fresh", "branch-bytecopy", "branch-bytecopy", "main-fresh"] * ((rounds + 1) // 2)
    for name in order:
        dest = out / f"{name}.duckdb"
        if dest.exists():
            os.chmod(dest, 0o644)
            dest.unlink()
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        variants[name](work, dest)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        size = dest.stat().st_size / 1e6
        print(f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {size:.1f} MB, load {load:.2f}", flush=True)


if __name__ == "__main__":
    main()
