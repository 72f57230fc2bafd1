"""Publish A/B on one work database: byte copy (before) against the fresh copy without the
work-only tables (after), alternated, with the size of what each writes.

    python docs/benchmarks/2026-12-07-publish/ab_publish.py <work.duckdb> <out dir> [rounds]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from newsetl.warehouse.publish import atomic_copy, write_published_copy


def main() -> None:
    work, out = Path(sys.argv[1]), Path(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    out.mkdir(parents=True, exist_ok=True)
    variants = {"copy": atomic_copy, "fresh": write_published_copy}
    order = ["copy", "fresh", "fresh", "copy"] * ((rounds + 1) // 2)
    for name in order:
        dest = out / f"{name}.duckdb"
        if dest.exists():
            os.chmod(dest, 0o644)
            dest.unlink()
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        variants[name](work, dest)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {dest.stat().st_size / 2**20:.0f} MB, load {load:.2f}", flush=True)


if __name__ == "__main__":
    main()
