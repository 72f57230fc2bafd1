"""The benchmark's RSS sampler counts each process once: a child caught between fork and exec is not the parent twice."""

from __future__ import annotations

import subprocess
import sys

from newsetl_tools.bench import TreeRss

# The parent forks a child that never execs (it carries the parent's command line and shared
# pages for 0.6 s) and starts `sleep` (fork, then exec).
PARENT = """
import os, subprocess, time
pid = os.fork()
if pid == 0:
    time.sleep(0.6)
    os._exit(0)
subprocess.run(["sleep", "0.6"])
os.waitpid(pid, 0)
"""


def test_a_child_before_exec_is_not_counted_as_a_second_parent() -> None:
    proc = subprocess.Popen([sys.executable, "-c", PARENT])
    with TreeRss(proc.pid, interval=0.02) as sampler:
        assert proc.wait(timeout=30) == 0
    kinds = set(sampler.peak_by_kind)
    assert "pipeline" in kinds and "other:sleep" in kinds
    assert "other:python" not in kinds  # the un-exec'd fork, a copy of the parent
    assert sampler.peak_sum < 1.5 * sampler.peak_by_kind["pipeline"]
