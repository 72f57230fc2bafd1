"""The temporary Prefect API server of one ``newsetl run``, started by newsetl itself.

Without ``PREFECT_API_URL`` Prefect would start its own temporary server
(``SubprocessASGIServer`` in ``prefect/server/api/server.py``). newsetl starts the same
server instead (same ``python -m uvicorn --factory prefect.server.api.server:create_app``
command line and environment, UI off) and hands its URL to Prefect as ``PREFECT_API_URL``:

- the run's process never imports ``prefect.server`` (about 2 s and 80 MB of FastAPI and
  SQLAlchemy models that only the server needs);
- the server boots while the run imports great-expectations and the flow;
- the listening socket is bound here, on 127.0.0.1, and passed to uvicorn (``--fd``): the
  port is known before the server starts and no other process can take it meanwhile;
- the server gets ``PR_SET_PDEATHSIG``: the kernel stops it when the run dies, even by
  SIGKILL, which skips every ``atexit`` hook (Prefect's own server was left running).
  It is spawned from the main thread: the signal follows the spawning thread, and the main
  thread lives as long as the process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


def _pdeathsig_preexec(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking for ``signum`` when the parent dies (Linux; None elsewhere).

    Everything is prepared before the fork; the child only calls ``prctl`` and checks ``getppid``
    (if the parent died before ``prctl``, no signal would ever come: exit at once).
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def _prefect_package_dir() -> Path:
    """Where ``prefect`` is installed, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("prefect is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


class TemporaryServer:
    """A Prefect API server on 127.0.0.1 for the lifetime of one run (``start`` / ``wait_ready`` / ``stop``)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> str:
        """Spawn the server (returns at once) and return its API URL."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        args = [
            sys.executable, "-m", "uvicorn",
            "--app-dir", str(_prefect_package_dir().parent),
            "--factory", "prefect.server.api.server:create_app",
            "--fd", str(sock.fileno()),
            "--log-level", "error",
            "--lifespan", "on",
        ]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        self.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            args, env={**env, **SERVER_ENV}, pass_fds=(sock.fileno(),), preexec_fn=_pdeathsig_preexec()
        )
        sock.close()  # the server holds its own copy; connections now queue on it until it accepts
        return self.api_url

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until ``/health`` answers; a clear error if the server exits or never answers."""
        assert self.process is not None, "start() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"temporary Prefect server exited with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as resp:  # noqa: S310 - loopback URL built here
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"temporary Prefect server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 5 s; idempotent."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
