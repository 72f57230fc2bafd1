"""The processing fingerprint (``processor_version``) moves with the processing code and lexicons only.

It decides what is reprocessed: a change to the test tooling must not reprocess every
document, a change to a lexicon or to the text core must.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsetl.config import PROJECT_ROOT
from newsetl.fingerprint import processing_files, processing_fingerprint
from newsetl.native import COMPILED, source_path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's packages and lexicons, to edit."""
    shutil.copytree(
        PROJECT_ROOT / "newsetl", tmp_path / "newsetl", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        PROJECT_ROOT / "newsetl_tools",
        tmp_path / "newsetl_tools",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(PROJECT_ROOT / "dbt" / "seeds", tmp_path / "dbt" / "seeds")
    return tmp_path


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_fingerprint_covers_the_compiled_core_and_the_lexicons() -> None:
    files = set(processing_files())
    assert {source_path(m) for m in COMPILED} <= files
    assert PROJECT_ROOT / "dbt" / "seeds" / "topic_terms.csv" in files
    assert PROJECT_ROOT / "newsetl" / "core" / "classify" / "data" / "year_model.json" in files
    for tooling in ("synth.py", "degrade.py", "harness.py", "score.py", "bench.py"):
        assert PROJECT_ROOT / "newsetl_tools" / tooling not in files
    assert PROJECT_ROOT / "dbt" / "seeds" / "place_names_en.csv" not in files  # read by dbt only


@pytest.mark.parametrize(
    "tooling", ["newsetl_tools/synth.py", "newsetl_tools/degrade.py", "newsetl/app/cli.py"]
)
def test_editing_the_tooling_reprocesses_nothing(tree: Path, tooling: str) -> None:
    before = processing_fingerprint(tree)
    append(tree / tooling, "\n# an edit\n")
    assert processing_fingerprint(tree) == before


@pytest.mark.parametrize(
    "changed", ["dbt/seeds/topic_terms.csv", "newsetl/core/classify/topics.py", "newsetl/pipeline/process.py"]
)
def test_editing_the_lexicons_or_the_core_reprocesses(tree: Path, changed: str) -> None:
    before = processing_fingerprint(tree)
    append(tree / changed, "\n")
    assert processing_fingerprint(tree) != before


def test_the_project_fingerprint_is_the_processor_version() -> None:
    from newsetl.pipeline.process import processor_version

    assert processor_version() == processing_fingerprint()
