"""Publish cost of both warehouse backends on one work database (docs/scaling.md).

``python -m newsetl_tools.publish_bench WORK_DB [--repeat N]``: the single file's copy + fsync
(``publish_database``) and the DuckLake transaction (``lake.publish``: first publish, then
with nothing changed), each into a temporary folder, min and all of N repeats. Only the
publish step: to compare the backends on the same data without running the pipeline twice.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from newsetl.warehouse import lake
from newsetl.warehouse.backend import default_lake
from newsetl.warehouse.publish import publish_database


def measure(work_db: Path, repeat: int = 3) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="newsetl-publish-bench-"))
    try:
        copies = []
        for i in range(repeat):
            t0 = time.perf_counter()
            publish_database(work_db, folder / f"copy{i}" / "newsetl.duckdb")
            copies.append(round(time.perf_counter() - t0, 3))
        backend = default_lake(folder)
        first = lake.publish(work_db, backend, "bench-0")
        again = [float(lake.publish(work_db, backend, f"bench-{i + 1}")["seconds"]) for i in range(repeat)]
        data = sum(p.stat().st_size for p in (folder / "lake_data").rglob("*") if p.is_file())
        return {
            "work_db_mb": round(work_db.stat().st_size / 1e6, 1),
            "file_copy_s": {"min": min(copies), "all": copies},
            "lake_first_publish": first,
            "lake_unchanged_s": {"min": min(again), "all": again},
            "lake_data_mb": round(data / 1e6, 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsetl_tools.publish_bench", description=__doc__)
    parser.add_argument("work_db", type=Path, help="a work database (<warehouse>/.work/newsetl.duckdb)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import json

    print(json.dumps(measure(args.work_db, args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
