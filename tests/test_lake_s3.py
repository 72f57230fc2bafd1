"""The lake's data files in an S3-compatible bucket: a local S3 server (moto's ``moto_server``,
from PyPI, in its own venv: ``make s3-test-server``) on 127.0.0.1, DuckDB's httpfs from its pip
package, credentials in a DuckDB persistent S3 secret under a throwaway HOME."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from newsetl.warehouse import lake
from newsetl.warehouse.backend import Backend
from tests.conftest import ROOT
from tests.test_lake import _documents_db

pytestmark = pytest.mark.long

MOTO = ROOT / ".venv" / "s3-test-server" / "bin" / "moto_server"


@pytest.fixture()
def bucket(tmp_path: Path, monkeypatch):
    """An empty bucket on a local S3 server, and a HOME whose DuckDB has the secret for it."""
    server = str(MOTO) if MOTO.exists() else shutil.which("moto_server")
    if not server:
        pytest.skip("no local S3 server: make s3-test-server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/lake", method="PUT")).read()
        monkeypatch.setenv("HOME", str(tmp_path / "home"))  # DuckDB keeps persistent secrets under ~/.duckdb
        con = duckdb.connect()
        con.load_extension(str(lake.extension_path("httpfs")))
        con.execute(
            f"""CREATE PERSISTENT SECRET lake_s3 (TYPE s3, KEY_ID 'test', SECRET 'test', REGION 'us-east-1',
                ENDPOINT '127.0.0.1:{port}', URL_STYLE 'path', USE_SSL false, SCOPE 's3://lake')"""
        )
        con.close()
        yield "s3://lake/newsetl/"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_lake_data_files_in_a_local_s3_bucket(bucket: str, tmp_path: Path) -> None:
    backend = Backend("ducklake", f"ducklake:sqlite:{tmp_path / 'lake.sqlite'}", bucket)
    docs = {f"d{i}": ("r1", [f"t{i}a", f"t{i}b"]) for i in range(3000)}
    work = _documents_db(tmp_path, docs, "r1")
    lake.publish(work, backend, "r1")
    docs["d5"] = ("r2", ["rewritten"])
    second = lake.publish(_documents_db(tmp_path, docs, "r2"), backend, "r2")
    assert second["changed_keys"]["processed"] == 1  # keyed increments on S3 too
    con = duckdb.connect()
    try:
        for statement in lake.attach_statements(backend):  # what `newsetl status` prints: no secret in it
            con.execute(statement)
        assert "SECRET" not in " ".join(lake.attach_statements(backend))
        files = con.execute("SELECT count(*) FROM glob(?)", [f"{bucket}**/*.parquet"]).fetchone()[0]
        articles = con.execute("SELECT count(*) FROM lake.raw.articles").fetchone()[0]
        path = con.execute("SELECT value FROM lake.options() WHERE option_name = 'data_path'").fetchone()
    finally:
        con.close()
    assert files >= 2 and articles == 2 * 3000 - 1
    assert path is None or path[0].startswith(bucket)
    reader = subprocess.run(  # another process (an analyst): the same HOME's secret, nothing else
        [
            sys.executable,
            "-c",
            "import sys, duckdb; from newsetl.warehouse import lake; from newsetl.warehouse.backend import Backend; "
            "con = duckdb.connect(); [con.execute(s) for s in lake.attach_statements(Backend(*sys.argv[1:]))]; "
            "print(con.execute('SELECT count(*) FROM lake.raw.article_topics').fetchone()[0])",
            *(backend.kind, backend.catalog, backend.data_path),
        ],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
    )
    assert reader.returncode == 0, reader.stderr[-2000:]
    assert int(reader.stdout) == 2 * 3000 - 1
