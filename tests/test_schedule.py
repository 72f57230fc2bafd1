"""Scheduling is real: a local Prefect server on 127.0.0.1 serves the deployment,
and a scheduled run picks up a page dropped into the input folder and publishes it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, SEEDS

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listen_addresses(port: int) -> set[str]:
    """IPv4/IPv6 addresses listening on ``port``, read from /proc/net/tcp{,6}."""
    found: set[str] = set()
    for name in ("tcp", "tcp6"):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                continue
            if len(addr) == 8:
                found.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
            else:
                found.add("::" if set(addr) == {"0"} else addr)
    return found


def _published_files(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return set()
    try:
        return {r[0] for r in con.execute("SELECT DISTINCT source_file FROM marts.fct_articles").fetchall()}
    finally:
        con.close()


def _wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            pytest.fail(
                f"newsetl serve exited early ({proc.returncode}) while waiting for {what}:\n{log.read_text()[-4000:]}"
            )
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-4000:]}")


def test_scheduled_runs_publish_new_pages(tmp_path: Path) -> None:
    inp, wh = tmp_path / "input", tmp_path / "warehouse"
    inp.mkdir()
    pages = sorted(SEEDS.glob("*.txt"))
    shutil.copy2(pages[0], inp / pages[0].name)
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect_home"),
        # the dbt docs site (≈ 10 s of the first publish under load) is tested with the seeded run
        "NEWSETL_SKIP_DBT_DOCS": "1",
        # serve's runner looks for due runs every 10 s by default: a tick waited up to that long
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsetl.app.cli",
            "serve",
            "--input",
            str(inp),
            "--warehouse",
            str(wh),
            "--interval",
            "5",  # a new page waits for the next tick: up to the interval
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    db = wh / "newsetl.duckdb"
    try:
        _wait_for(lambda: pages[0].name in _published_files(db), 240, "the first scheduled run", proc, log)
        # The server listens on loopback only and knows the deployment.
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/deployments/name/etl/newsetl-scheduled", timeout=5
        ) as r:
            deployment = json.load(r)
        assert deployment["name"] == "newsetl-scheduled"
        # no folders to override through the (unauthenticated) API
        assert deployment["parameters"] == {}
        assert not deployment["parameter_openapi_schema"].get("properties")
        assert _listen_addresses(port) == {"127.0.0.1"}
        shutil.copy2(pages[1], inp / pages[1].name)
        _wait_for(
            lambda: pages[1].name in _published_files(db),
            240,
            "a scheduled run to publish the new page",
            proc,
            log,
        )
        # one run of the deployment at a time; a colliding tick is cancelled, not queued or Failed
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
        # The command serve prints starts a run from another terminal; a run that finds the
        # warehouse held by another (here: this test, as a manual `newsetl run` would) is
        # skipped: Cancelled, not Failed.
        command = next(
            line.strip() for line in log.read_text().splitlines() if "deployment run 'etl/" in line
        )
        assert command.startswith(f"PREFECT_API_URL=http://127.0.0.1:{port}/api ")
        from newsetl.warehouse.lock import run_lock

        with run_lock(wh / ".newsetl.lock"):
            started = subprocess.run(
                ["bash", "-c", command],
                cwd="/",
                env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert started.returncode == 0, started.stdout + started.stderr
            run_id = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout).group(1)

            def final_state() -> str | None:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/flow_runs/{run_id}", timeout=5
                ) as r:
                    state = json.load(r)["state"]
                return (
                    state["type"]
                    if state and state["type"] not in ("SCHEDULED", "PENDING", "RUNNING")
                    else None
                )

            _wait_for(lambda: final_state() is not None, 180, "the colliding run to end", proc, log)
            assert final_state() == "CANCELLED"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log.read_text()
    assert f"http://127.0.0.1:{port}/api" in text
