"""Ingest A/B: the scan read in the flow process (before) against read on the text workers
(after), each into a fresh work database exactly as the ingest stage writes it, alternated.

    python docs/benchmarks/2026-12-07-ingest/ab_ingest.py <corpus> <scratch dir> [rounds]
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from newsetl.config import make_paths
from newsetl.pipeline.ingest import iter_scan
from newsetl.pipeline.process import LocalPool
from newsetl.warehouse import load as wl
from newsetl.warehouse.opsdb import open_work_db


def ingest(corpus: Path, scratch: Path, pool: bool) -> tuple[float, int]:
    shutil.rmtree(scratch, ignore_errors=True)
    paths = make_paths(corpus, scratch)
    con = open_work_db(paths)
    t0 = time.perf_counter()
    docs = 0
    workers = LocalPool(2)
    executor_for = (lambda nbytes: workers.pool()) if pool else None
    for part in iter_scan(corpus, wl.known_sightings(con), executor_for=executor_for):
        docs += wl.record_ingest(con, "ab", part, {})["documents_new"]
    con.execute("CHECKPOINT")
    wall = time.perf_counter() - t0
    con.close()
    workers.shutdown()
    return wall, docs


def main() -> None:
    corpus, scratch = Path(sys.argv[1]), Path(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    for pool in [False, True, True, False] * ((rounds + 1) // 2):
        load = os.getloadavg()[0]
        wall, docs = ingest(corpus, scratch, pool)
        print(
            f"{'workers' if pool else 'one process'}: {wall:.2f} s, {docs} documents, load {load:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
