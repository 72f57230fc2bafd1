"""A SIGKILLed ``newsetl run`` takes Prefect's temporary API server with it (``newsetl/app/prefect_server.py``).

Without ``PREFECT_API_URL`` a run starts a temporary Prefect server (``python -m uvicorn ...``, a child
of the run). SIGKILL skips the run's ``atexit`` hook that would stop it; the kernel's parent-death
signal (``PR_SET_PDEATHSIG``) stops it instead. The run itself must not import ``prefect.server``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from tests.conftest import NEWSETL, ROOT, SEEDS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only"),
]


def temporary_server(cli: psutil.Process) -> tuple[psutil.Process, int] | None:
    """The run's uvicorn child and its listening port, once it listens."""
    try:
        children = cli.children(recursive=True)
    except psutil.NoSuchProcess:
        return None
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            cmdline = child.cmdline()
            if "uvicorn" in cmdline and "prefect.server.api.server:create_app" in cmdline:
                for conn in child.net_connections(kind="tcp"):
                    if conn.status == psutil.CONN_LISTEN:
                        return child, conn.laddr.port
    return None


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def gone(proc: psutil.Process) -> bool:
    """Exited (a zombie waiting for init to reap it counts: it no longer runs)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_sigkilled_run_takes_its_temporary_prefect_server_with_it(tmp_path):
    input_dir = tmp_path / "input"
    input_dir.mkdir()
    for page in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy2(page, input_dir / page.name)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # ephemeral mode, like `make run`
    log = (tmp_path / "run.log").open("w")
    run = subprocess.Popen(
        [*NEWSETL, "run", "--input", str(input_dir), "--warehouse", str(tmp_path / "warehouse")],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    server = None
    try:
        deadline = time.monotonic() + 120
        found = None
        while found is None or not healthy(found[1]):
            assert run.poll() is None, (
                f"run ended before its server was seen:\n{(tmp_path / 'run.log').read_text()}"
            )
            assert time.monotonic() < deadline, "no temporary Prefect server came up within 120 s"
            time.sleep(0.2)
            found = found or temporary_server(psutil.Process(run.pid))
        server, port = found
        time.sleep(1.5)
        assert not gone(server) and healthy(port), "the server stopped while the run goes on"
        assert run.poll() is None, "the run finished before it could be killed (input too large a share?)"

        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not gone(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert gone(server), f"temporary Prefect server (pid {server.pid}) outlived the SIGKILLed run"
        assert not healthy(port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        if server is not None and not gone(server):
            with contextlib.suppress(psutil.NoSuchProcess):
                server.kill()
        log.close()


def test_run_process_does_not_import_prefects_server_code():
    """The run talks to its server over HTTP; the server's FastAPI app stays in the server process."""
    code = (
        "import os, sys\n"
        "from newsetl.config import configure_environment\n"
        "configure_environment()\n"
        "from newsetl.app.cli import _start_temporary_server\n"
        "server = _start_temporary_server()\n"
        "import great_expectations, flows.etl\n"
        "server.wait_ready(60)\n"
        "import urllib.request\n"
        "assert urllib.request.urlopen(os.environ['PREFECT_API_URL'] + '/health').status == 200\n"
        "print(sorted(m for m in sys.modules if m.startswith('prefect.server')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[]"
