"""``newsetl serve``: a scheduled deployment of the etl flow on a local Prefect server.

The server is found at ``PREFECT_API_URL`` or on 127.0.0.1:<port>; if none
answers, one is started on 127.0.0.1 only (its state in the project-local
PREFECT_HOME) and stopped again when serving ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from newsetl.config import SERVE_INPUT_ENV, SERVE_WAREHOUSE_ENV, environment

DEFAULT_CRON = "0 * * * *"
DEPLOYMENT_NAME = "newsetl-scheduled"


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:  # noqa: S310 - loopback URL
            return resp.status == 200
    except OSError:
        return False


def ensure_server(port: int = 4200, timeout: float = 90.0) -> tuple[str, subprocess.Popen | None]:
    """Return the API URL of a running local server, starting one if needed."""
    api_url = os.environ.get("PREFECT_API_URL") or f"http://127.0.0.1:{port}/api"
    if _healthy(api_url):
        return api_url, None
    env = {**os.environ, "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    env.pop("PREFECT_API_URL", None)
    log = Path(os.environ["PREFECT_HOME"]) / "server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _healthy(api_url):
            return api_url, proc
        if proc.poll() is not None:
            raise RuntimeError(f"Prefect server exited early; see {log}")
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"Prefect server not healthy after {timeout}s; see {log}")


def run_now_command(api_url: str) -> str:
    """A shell command that starts the served deployment from any terminal of this machine."""
    import shlex

    prefect = Path(sys.executable).with_name("prefect")
    return f"PREFECT_API_URL={shlex.quote(api_url)} {shlex.quote(str(prefect))} deployment run 'etl/{DEPLOYMENT_NAME}'"


def serve(
    input_dir: str,
    warehouse_dir: str,
    cron: str | None = None,
    interval: float | None = None,
    port: int = 4200,
) -> int:
    api_url, server = ensure_server(port)
    os.environ["PREFECT_API_URL"] = api_url
    print(f"newsetl serve: Prefect API {api_url} (UI: {api_url.removesuffix('/api')})", flush=True)
    from flows.etl import scheduled_etl  # deferred: Prefect, loaded only when serving

    # The folders travel in this process's environment (inherited by its flow runs), not as
    # deployment parameters anyone reaching the API could override.
    os.environ[SERVE_INPUT_ENV] = str(Path(input_dir).resolve())
    os.environ[SERVE_WAREHOUSE_ENV] = str(Path(warehouse_dir).resolve())
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    # One run of the deployment at a time: a tick that comes while the previous run is still
    # going is cancelled (the next tick reads the same folder), never queued up or Failed.
    options = {
        "name": DEPLOYMENT_NAME,
        "pause_on_shutdown": False,
        "global_limit": ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        # Prefect's own banner names `prefect deployment run` without the server it needs
        "print_starting_message": False,
    }
    try:
        if interval:
            print(f"newsetl serve: deployment etl/{DEPLOYMENT_NAME} every {interval:g}s", flush=True)
            options["interval"] = interval
        else:
            cron = cron or environment().cron or DEFAULT_CRON
            print(f"newsetl serve: deployment etl/{DEPLOYMENT_NAME} on cron '{cron}'", flush=True)
            options["cron"] = cron
        print(f"newsetl serve: start a run now with\n  {run_now_command(api_url)}", flush=True)
        scheduled_etl.serve(**options)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0
