"""The digests the no-change check compares (newsetl/warehouse/unchanged.py); the check itself
against a real warehouse is in tests/test_pipeline.py (the archive's runs)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from newsetl.warehouse import unchanged
from newsetl.warehouse.unchanged import CODE_TREES, code_digest, input_listing
from tests.conftest import ROOT


def _touch(path: Path, delta_ns: int) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + delta_ns))


def test_input_listing_sees_what_ingest_would_see(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("一", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("二", encoding="utf-8")
    base = input_listing(tmp_path)
    assert base is not None and input_listing(tmp_path) == base

    _touch(tmp_path / "sub" / "b.txt", 1_000)  # same bytes, newer mtime: ingest reads it again
    assert input_listing(tmp_path) != base
    _touch(tmp_path / "sub" / "b.txt", -1_000)
    sub_mtime = (tmp_path / "sub").stat().st_mtime_ns
    assert input_listing(tmp_path) == base

    (tmp_path / "sub" / "b.txt").write_text("三", encoding="utf-8")  # same size, new content
    os.utime(tmp_path / "sub", ns=(sub_mtime, sub_mtime))
    assert input_listing(tmp_path) != base

    (tmp_path / "sub" / "b.txt").rename(tmp_path / "sub" / "c.txt")
    assert input_listing(tmp_path) != base

    other = tmp_path.parent / f"{tmp_path.name}-hidden"
    other.mkdir()
    (other / "a.txt").write_text("一", encoding="utf-8")
    before = input_listing(other)
    (other / ".a.txt.swp").write_bytes(b"x")  # hidden: not read, but recorded by ingest
    assert input_listing(other) != before
    (other / ".a.txt.swp").unlink()
    (other / "link.txt").symlink_to(other / "a.txt")  # a symlink is an entry of its own
    assert input_listing(other) != before


def test_input_listing_is_none_for_a_folder_that_is_gone(tmp_path: Path) -> None:
    assert input_listing(tmp_path / "missing") is None


def test_code_digest_covers_models_lexicons_gate_and_code(tmp_path: Path) -> None:
    for tree in CODE_TREES:
        shutil.copytree(
            ROOT / tree, tmp_path / tree, ignore=shutil.ignore_patterns("__pycache__", "target", "logs")
        )
    before = code_digest(tmp_path)
    for edited in (
        "dbt/models/marts/fct_articles.sql",
        "dbt/seeds/organisations.csv",
        "expectations/gate.yml",
        "newsetl/pipeline/report.py",
        "flows/etl.py",
    ):
        path = tmp_path / edited
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert code_digest(tmp_path) != before, edited
        path.write_bytes(original)
    assert code_digest(tmp_path) == before
    (tmp_path / "dbt" / "target" / "manifest.json").parent.mkdir(exist_ok=True)
    (tmp_path / "dbt" / "target" / "manifest.json").write_text("{}", encoding="utf-8")  # dbt's output
    assert code_digest(tmp_path) == before


def test_code_digest_covers_the_installed_versions_of_the_run_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = code_digest(tmp_path)
    # a package appearing (or upgraded) among those that shape a run changes the digest
    monkeypatch.setattr(unchanged, "RUN_PACKAGES", (*unchanged.RUN_PACKAGES, "pytest"))
    assert code_digest(tmp_path) != before
