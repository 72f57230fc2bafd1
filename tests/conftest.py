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
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
NEWSETL = [sys.executable, "-m", "newsetl.app.cli"]


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
    full_env = {k: v for k, v in full_env.items() if v is not None}  # None removes a variable
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [*NEWSETL, *args],
            stdout=out,
            stderr=err,
            text=True,
            cwd=ROOT,
            env=full_env,
            start_new_session=True,
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


def strict_gate_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a run whose gate fails: the batch suite demands a million articles."""
    strict = yaml.safe_load((ROOT / "expectations" / "gate.yml").read_text(encoding="utf-8"))
    strict["suites"]["batch"]["expectations"][0]["kwargs"]["min_value"] = 1_000_000
    cfg = tmp_path / "strict_gate.yml"
    cfg.write_text(yaml.safe_dump(strict, allow_unicode=True), encoding="utf-8")
    gx_root = tmp_path / "gx_context"
    gx_root.mkdir()
    return {"NEWSETL_GATE_CONFIG": str(cfg), "NEWSETL_GX_ROOT": str(gx_root)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def prefect_server(tmp_path_factory: pytest.TempPathFactory):
    """One real Prefect server (127.0.0.1) for every pipeline run of the session.

    Each ``newsetl run`` would otherwise start and stop its own temporary server
    (~5 s each); with PREFECT_API_URL set, runs report to this one instead.
    Set NEWSETL_TEST_EPHEMERAL=1 to exercise ephemeral mode instead.
    """
    if os.environ.get("NEWSETL_TEST_EPHEMERAL") or os.environ.get("PREFECT_API_URL"):
        yield None
        return
    home = tmp_path_factory.mktemp("prefect_home")
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=2):
                break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("Prefect test server did not start")
    if proc.poll() is not None:
        yield None  # fall back to ephemeral mode
        return
    os.environ["PREFECT_API_URL"] = api
    os.environ["PREFECT_HOME"] = str(home)
    try:
        yield api
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def seeded_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """The seed pages run once through the real pipeline (Prefect, dbt, GX, publish)."""
    base = tmp_path_factory.mktemp("seeded")
    # Like `make run`: Prefect in ephemeral mode (no server configured).
    result = pipeline_run(copy_seeds(base / "input"), base / "warehouse", env={"PREFECT_API_URL": None})
    assert result.returncode == 0, (
        f"pipeline failed:\nSTDOUT:\n{result.stdout}\nSTDERR:\n{result.stderr[-5000:]}"
    )
    return result


@pytest.fixture()
def published_con(seeded_run: RunResult):
    import duckdb

    con = duckdb.connect(str(seeded_run.published), read_only=True)
    yield con
    con.close()
