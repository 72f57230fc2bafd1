"""Prefect's temporary API server dies with the run that started it (Linux).

Without ``PREFECT_API_URL`` a run uses Prefect's ``SubprocessASGIServer``
(``prefect/server/api/server.py``): ``_run_uvicorn_command`` starts ``python -m uvicorn ...``
with ``subprocess.Popen`` and an ``atexit`` hook stops it. A run killed with SIGKILL runs no
``atexit`` hook, so the server was left running forever.

``die_with_this_process()`` makes the kernel send the server SIGTERM when the run dies, however it
dies: the server's child process calls ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` before ``exec``.

The parent-death signal fires when the *thread* that forked the child exits, not the process.
Prefect starts the server from whichever thread first needs it (newsetl's CLI boots it in a
short-lived thread while the main thread imports), so every spawn is handed to one daemon thread
that lives as long as the process; it only dies when the process does.

The patch is narrow: ``SubprocessASGIServer._run_uvicorn_command`` (the module's only ``Popen``)
is wrapped to run on the spawner thread, and the server module's ``subprocess`` name becomes a
proxy of the real module whose ``Popen`` adds the ``preexec_fn`` on that thread only; Prefect's own
command line, environment and retries are used unchanged. If Prefect's internals change shape, nothing is patched (a warning is logged) and the
server behaves as before; ``tests/reliability/test_prefect_server.py`` then fails.
Elsewhere than Linux it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
_lock = threading.Lock()
_installed = False
_spawns: queue.SimpleQueue[tuple[Callable[[], Any], Future]] = queue.SimpleQueue()


def _spawner() -> None:
    """Run spawn requests forever; being alive for the whole process is this thread's whole job."""
    while True:
        work, done = _spawns.get()
        try:
            done.set_result(work())
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            done.set_exception(exc)


def _on_spawner(work: Callable[[], Any]) -> Any:
    done: Future = Future()
    _spawns.put((work, done))
    return done.result()


def _pdeathsig_preexec(signum: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` (runs in the child between fork and exec) that asks for ``signum`` on parent death.

    Everything is prepared before the fork; the child only calls ``prctl`` and checks ``getppid``
    (if the parent already died before ``prctl``, no signal would ever come: exit at once).
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


class _SubprocessWithPdeathsig:
    """Stands in for the ``subprocess`` module inside Prefect's server module: ``Popen`` asks for SIGTERM
    on parent death; every other attribute is the real module's."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen:  # noqa: N802 - mirrors subprocess.Popen
        if threading.current_thread() is _spawner_thread and kwargs.get("preexec_fn") is None:
            kwargs["preexec_fn"] = _pdeathsig_preexec()
        return subprocess.Popen(*args, **kwargs)


_spawner_thread: threading.Thread | None = None


def die_with_this_process() -> bool:
    """Make the temporary Prefect server(s) this process starts get SIGTERM when it dies.

    Idempotent; call it before anything starts the server. Returns whether the patch is active.
    """
    global _installed, _spawner_thread
    if not sys.platform.startswith("linux") or os.environ.get("PREFECT_API_URL"):
        return False  # no temporary server when an API URL is set
    with _lock:
        if _installed:
            return True
        try:
            from prefect.server.api import server as server_module

            original = server_module.SubprocessASGIServer._run_uvicorn_command
            if getattr(server_module, "subprocess", None) is not subprocess:
                raise AttributeError("prefect.server.api.server no longer uses the subprocess module")
        except (ImportError, AttributeError) as exc:
            log.warning("temporary Prefect server will not stop with a killed run: %s", exc)
            return False

        _spawner_thread = threading.Thread(target=_spawner, name="prefect-server-spawner", daemon=True)
        _spawner_thread.start()
        server_module.subprocess = _SubprocessWithPdeathsig()  # only its Popen differs, and only on the spawner

        def _run_uvicorn_command(self: Any) -> subprocess.Popen:
            return _on_spawner(lambda: original(self))

        _run_uvicorn_command.__doc__ = f"{original.__doc__ or ''}\n(newsetl: spawned with PR_SET_PDEATHSIG)"
        server_module.SubprocessASGIServer._run_uvicorn_command = _run_uvicorn_command
        _installed = True
        return True
