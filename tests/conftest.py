"""Shared fixtures: one real pipeline run per test session.

End-to-end tests read the warehouse produced by ``seeded_run`` instead of
starting Prefect and dbt again; tests that need their own run (gate failure,
concurrency, scheduling) build a private input and warehouse under tmp.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
NEWSETL = [sys.executable, "-m", "newsetl.cli"]


@dataclass(frozen=True)
class RunResult:
    input_dir: Path
    warehouse_dir: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def published(self) -> Path:
        return self.warehouse_dir / "newsetl.duckdb"


def run_cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``newsetl`` in its own session; output goes to files, not pipes.

    A run that dies hard (SIGKILL tests) can leave its ephemeral Prefect server
    behind holding inherited pipes; with files we never wait on them, and the
    whole process group is killed afterwards.
    """
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [*NEWSETL, *args], stdout=out, stderr=err, text=True, cwd=ROOT, env=full_env, start_new_session=True
        )
        try:
            proc.wait(timeout=timeout)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())


def pipeline_run(input_dir: Path, warehouse_dir: Path, *extra: str, env: dict | None = None) -> RunResult:
    proc = run_cli("run", "--input", str(input_dir), "--warehouse", str(warehouse_dir), *extra, env=env)
    return RunResult(input_dir, warehouse_dir, proc.returncode, proc.stdout, proc.stderr)


def copy_seeds(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for page in sorted(SEEDS.glob("*.txt")):
        shutil.copy2(page, dest / page.name)
    return dest


@pytest.fixture(scope="session")
def seeded_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The seed pages run once through the real pipeline (Prefect, dbt, GX, publish)."""
    base = tmp_path_factory.mktemp("seeded")
    result = pipeline_run(copy_seeds(base / "input"), base / "warehouse")
    assert result.returncode == 0, f"pipeline failed:\nSTDOUT:\n{result.stdout}\nSTDERR:\n{result.stderr[-5000:]}"
    return result


@pytest.fixture()
def published_con(seeded_run: RunResult):
    import duckdb

    con = duckdb.connect(str(seeded_run.published), read_only=True)
    yield con
    con.close()
