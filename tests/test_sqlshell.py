"""`newsetl sql`: formats for programs, and an interactive shell with editing, history and Ctrl-C."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import NEWSETL, ROOT, run_cli

pytestmark = pytest.mark.e2e

QUERY = "SELECT date_day, month_label_zh, is_weekend FROM marts.dim_dates ORDER BY date_day"


def _expected(seeded_run) -> list[tuple]:
    con = duckdb.connect(str(seeded_run.published), read_only=True)
    try:
        return con.execute(QUERY).fetchall()
    finally:
        con.close()


def test_csv_and_json_print_every_row(seeded_run) -> None:
    expected = _expected(seeded_run)
    assert len(expected) > 100  # more than a box shows
    wh = str(seeded_run.warehouse_dir)
    out = run_cli("sql", "--warehouse", wh, "-c", QUERY, "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == ["date_day", "month_label_zh", "is_weekend"]
    assert rows[1:] == [[d.isoformat(), m, str(w)] for d, m, w in expected]
    out = run_cli("sql", "--warehouse", wh, "-c", QUERY, "--format", "json")
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert records == [
        {"date_day": d.isoformat(), "month_label_zh": m, "is_weekend": w} for d, m, w in expected
    ]
    # LIST and MAP columns stay structured
    out = run_cli(
        "sql",
        "--warehouse",
        wh,
        "-c",
        "SELECT topic_codes, topic_mix FROM marts.mart_articles_by_date, "
        "(SELECT topic_codes FROM marts.fct_articles LIMIT 1) LIMIT 1",
        "--format",
        "json",
    )
    record = json.loads(out.stdout)[0]
    assert isinstance(record["topic_codes"], list) and isinstance(record["topic_mix"], dict)


def test_box_is_capped_and_errors_are_one_line(seeded_run) -> None:
    wh = str(seeded_run.warehouse_dir)
    out = run_cli("sql", "--warehouse", wh, "-c", QUERY)
    assert out.returncode == 0 and "┌" in out.stdout and "date_day" in out.stdout
    assert "2020-01-01" in out.stdout and "2020-12-31" not in out.stdout.split("│ 2020-01-01")[0]
    out = run_cli("sql", "--warehouse", wh, "-c", "SELECT * FROM no_such_table", "--format", "csv")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.startswith("error: ") and "Traceback" not in out.stderr


class _Terminal:
    """The master side of a pty: read up to a marker, keeping what came after it for the next read."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending = b""

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def read_until(self, needle: bytes, timeout: float = 60) -> bytes:
        deadline = time.monotonic() + timeout
        while needle not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{needle!r} not seen; output so far:\n{self.pending.decode(errors='replace')}"
                )
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(
                        f"shell ended before {needle!r}:\n{self.pending.decode(errors='replace')}"
                    )
                self.pending += chunk
        head, _, self.pending = self.pending.partition(needle)
        return head + needle


def test_interactive_shell_on_a_terminal(seeded_run, tmp_path: Path) -> None:
    """A real terminal: .tables, Ctrl-C drops the line, up-arrow recalls it, history is kept."""
    history = tmp_path / "history"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*NEWSETL, "sql", "--warehouse", str(seeded_run.warehouse_dir)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env={**os.environ, "NEWSETL_SQL_HISTORY": str(history), "TERM": "xterm"},
        start_new_session=True,
    )
    os.close(slave)
    term = _Terminal(master)
    try:
        term.read_until(b"newsetl> ")
        term.write(b".tables fct_\r")
        out = term.read_until(b"newsetl> ")
        assert b"marts.fct_articles" in out and b"marts.fct_quarantine" in out
        term.write(b"SELECT 'half typed'")
        term.read_until(b"half typed")
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends: the line goes, the shell stays
        term.read_until(b"^C")
        term.read_until(b"newsetl> ")
        term.write(b"SELECT 6 * 7 AS answer;\r")
        out = term.read_until(b"newsetl> ")
        assert b"42" in out and b"half typed" not in out
        term.write(b"\x1b[A\r")  # up-arrow: the previous statement again
        out = term.read_until(b"newsetl> ")
        assert b"SELECT 6 * 7 AS answer;" in out and b"42" in out
        term.write(b".quit\r")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    lines = history.read_text(encoding="utf-8").splitlines()
    assert "SELECT 6 * 7 AS answer;" in lines
