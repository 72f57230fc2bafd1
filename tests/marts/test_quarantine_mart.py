"""marts.fct_quarantine lists what is held back in the input folder as it is now: a file that
was deleted since leaves it (it stayed there for good before)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import RunResult, copy_seeds

pytestmark = pytest.mark.e2e

PAGE = "工业和信息化部召开会议，研究部署中小企业复工复产工作。会议要求各地加强统筹。\n"


def test_deleted_files_leave_the_quarantine_mart(seeded_run: RunResult, tmp_path: Path) -> None:
    from newsetl.config import make_paths
    from newsetl.pipeline.dbt_runner import run_dbt
    from newsetl.pipeline.ingest import scan
    from newsetl.warehouse import load as wl

    paths = make_paths(tmp_path / "input", tmp_path / "wh")
    copy_seeds(paths.input_dir)  # the seeded run's pages, unchanged: still current
    paths.work_dir.mkdir(parents=True)
    # same file name: dbt's relations are qualified by it
    shutil.copy2(seeded_run.warehouse_dir / ".work" / "newsetl.duckdb", paths.work_db)
    (paths.input_dir / "empty.txt").write_bytes(b"")
    (paths.input_dir / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (paths.input_dir / ".draft.txt").write_text(PAGE, encoding="utf-8")
    con = duckdb.connect(str(paths.work_db))

    def ingest(run_id: str) -> None:
        res = scan(paths.input_dir, wl.known_sightings(con))
        present = {d.path for d in res.decoded} | set(res.unchanged) | {r.path for r in res.rejected}
        wl.record_ingest(con, run_id, res, {})
        wl.retire_missing(con, run_id, present, res.unreadable_dirs)

    def held() -> set[str]:
        con.execute("CHECKPOINT")
        con.close()
        run_dbt(["build", "--select", "fct_quarantine"], paths.work_db, tmp_path)
        with duckdb.connect(str(paths.work_db), read_only=True) as ro:
            return {
                r[0]
                for r in ro.execute("SELECT file FROM marts.fct_quarantine WHERE level = 'file'").fetchall()
            }

    (paths.input_dir / "held.txt").write_text(PAGE * 3, encoding="utf-8")
    try:
        ingest("r1")
        # a page held back whole by the record checks (e.g. "not a page"), then replaced by another version
        held_doc = con.execute(
            "SELECT doc_id FROM raw.file_versions WHERE path = 'held.txt' AND superseded_run IS NULL"
        ).fetchone()[0]
        wl.record_quarantine(con, "r1", "records", [_rejected("held.txt", held_doc)])
        refused = {
            r[0] for r in con.execute("SELECT path FROM raw.quarantine WHERE run_id = 'r1'").fetchall()
        }
        assert refused == {
            "empty.txt",
            "binary.txt",
            ".draft.txt",
            "held.txt",
        }  # each would be listed by the mart
        (paths.input_dir / "binary.txt").unlink()
        (paths.input_dir / ".draft.txt").unlink()
        (paths.input_dir / "held.txt").write_text(
            PAGE * 4, encoding="utf-8"
        )  # a new version, not yet screened
        ingest("r2")
        assert con.execute("SELECT path FROM raw.paths_gone ORDER BY 1").fetchall() == [
            (".draft.txt",),
            ("binary.txt",),
        ]
        (paths.input_dir / "binary.txt").write_bytes(bytes(range(256)) * 8)  # it comes back
        ingest("r3")  # raw.paths_gone is replaced by every run: it no longer names binary.txt
        assert con.execute("SELECT path, run_id FROM raw.paths_gone").fetchall() == [(".draft.txt", "r3")]
        # one build: the deleted and the replaced ones are gone, the ones still there stay
        assert held() == {"empty.txt", "binary.txt"}
    finally:
        con.close()


def _rejected(path: str, doc_id: str):
    from newsetl.pipeline.ingest import Rejected

    return Rejected(path, "not a page: 300 articles > 200", 10, doc_id, b"")
