"""Every SQL block of README.md and docs/*.md runs on the published seed warehouse and returns rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsetl.pipeline.search import load_fts

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.S | re.M)


def _statements() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, block in enumerate(_BLOCK.findall(doc.read_text(encoding="utf-8"))):
            code = "\n".join(ln for ln in block.splitlines() if not ln.lstrip().startswith("--"))
            for k, stmt in enumerate(s.strip() for s in code.split(";")):
                if stmt:
                    out.append((f"{doc.relative_to(ROOT)}#{n + 1}.{k + 1}", stmt))
    return out


STATEMENTS = _statements()


def test_the_docs_have_sql() -> None:
    assert any(name.startswith("README.md") for name, _ in STATEMENTS)


@pytest.mark.parametrize(("name", "sql"), STATEMENTS, ids=[n for n, _ in STATEMENTS])
def test_sql_block_runs_and_returns_rows(published_con, name: str, sql: str) -> None:
    load_fts(published_con)  # one block uses the fts extension's own function
    rows = published_con.sql(sql).fetchall()
    assert rows, f"{name} returned no rows on the seed warehouse"
