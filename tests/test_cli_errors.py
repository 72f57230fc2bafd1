"""What a user meets when something is off: one readable line and a documented exit code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsetl.app.cli import EXIT_NO_INPUT
from newsetl.app.status import failure_line
from newsetl.config import make_paths
from tests.conftest import NEWSETL, ROOT, run_cli

pytestmark = pytest.mark.e2e


def _empty_input(tmp_path: Path) -> Path:
    inp = tmp_path / "input"
    inp.mkdir()
    # neither counts as input: hidden files are skipped, the manifest only describes pages
    (inp / ".DS_Store").write_bytes(b"\0")
    (inp / "manifest.csv").write_text("file,publication_date\n", encoding="utf-8")
    (inp / ".git").mkdir()
    (inp / ".git" / "page.txt").write_text("复工复产", encoding="utf-8")
    return inp


def test_empty_input_folder_without_a_warehouse(tmp_path: Path) -> None:
    inp, wh = _empty_input(tmp_path), tmp_path / "warehouse"
    t0 = time.monotonic()
    proc = run_cli("run", "--input", str(inp), "--warehouse", str(wh))
    elapsed = time.monotonic() - t0
    assert proc.returncode == EXIT_NO_INPUT == 4
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "no input files in" in lines[0] and str(inp) in lines[0]
    assert "no warehouse has been published yet" in lines[0]
    assert "previous warehouse kept" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert elapsed < 10, f"{elapsed:.1f} s: no Prefect, no dbt for an empty folder"
    assert not (wh / "newsetl.duckdb").exists() and not (wh / ".work").exists()


def test_empty_input_folder_keeps_the_published_warehouse(tmp_path: Path, seeded_run) -> None:
    inp, wh = _empty_input(tmp_path), tmp_path / "warehouse"
    wh.mkdir()
    shutil.copy2(seeded_run.published, wh / "newsetl.duckdb")
    before = (wh / "newsetl.duckdb").read_bytes()
    proc = run_cli("run", "--input", str(inp), "--warehouse", str(wh))
    assert proc.returncode == EXIT_NO_INPUT
    assert f"{wh / 'newsetl.duckdb'} unchanged" in proc.stderr
    assert (wh / "newsetl.duckdb").read_bytes() == before


def test_failure_line_says_whether_a_warehouse_was_kept(tmp_path: Path) -> None:
    paths = make_paths(str(tmp_path), str(tmp_path / "wh"))
    line = failure_line(RuntimeError("boom"), paths)
    assert "no warehouse has been published yet" in line and "unchanged" not in line
    paths.warehouse_dir.mkdir()
    paths.published_db.write_bytes(b"x")
    line = failure_line(RuntimeError("boom"), paths)
    assert f"{paths.published_db} unchanged" in line and "RuntimeError: boom" in line


def _without_file_override() -> list[str]:
    """A command prefix under which root, too, is bound by file permissions."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_status_on_a_read_only_warehouse_folder(tmp_path: Path, seeded_run) -> None:
    wh = tmp_path / "readonly"
    shutil.copytree(seeded_run.warehouse_dir, wh, symlinks=True)
    assert (wh / ".newsetl.lock").exists()  # the run left its lock file: status must only read it
    for p in [wh, *wh.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        proc = subprocess.run(
            [*_without_file_override(), *NEWSETL, "status", "--warehouse", str(wh)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        probe = subprocess.run([*_without_file_override(), "touch", str(wh / "probe")], capture_output=True)
    finally:
        for p in [wh, *wh.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o755 if p.is_dir() else 0o644)
    assert probe.returncode != 0, "the folder was writable: the test proves nothing"
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith(f"published: {wh / 'newsetl.duckdb'}")
    assert "published" in proc.stdout.splitlines()[2]  # the run's row


def test_an_unreadable_input_folder_is_not_called_empty(tmp_path: Path) -> None:
    inp = tmp_path / "locked"
    (inp / "pages").mkdir(parents=True)
    (inp / "pages" / "a.txt").write_text("复工复产", encoding="utf-8")
    (inp / "pages").chmod(0o000)
    try:
        probe = (
            "from pathlib import Path; from newsetl.app.cli import has_input_files as h; print(h(Path(%r)))"
        )
        out = subprocess.run(
            [*_without_file_override(), sys.executable, "-c", probe % str(inp)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        (inp / "pages").chmod(0o755)
    assert out.stdout.strip() == "True", out.stderr
    (tmp_path / "empty").mkdir()
    assert (
        subprocess.run(
            [sys.executable, "-c", probe % str(tmp_path / "empty")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        == "False"
    )


def test_status_into_a_closed_pipe(seeded_run) -> None:
    """`newsetl status | head -1`: the reader is gone before the output is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [*NEWSETL, "status", "--warehouse", str(seeded_run.warehouse_dir)],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 0


def test_run_prints_no_link_to_its_temporary_server(seeded_run) -> None:
    # the shared run used a temporary Prefect server (like `make run`), gone once it ended
    assert "View at" not in seeded_run.stdout + seeded_run.stderr
    assert "dbt build" in seeded_run.stderr  # the run's progress itself is there
