"""Every ``NEWSETL_*`` environment variable is read in one place and listed in one table.

``newsetl/config.py`` reads them (``environment()`` and the operator ``SETTINGS``);
``docs/settings.md`` documents them. A variable read anywhere else, or missing from the
table, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from newsetl.config import PROJECT_ROOT, environment

NAME = re.compile(r"NEWSETL_[A-Z_]*[A-Z]")
# a read of a NEWSETL_ variable (by name or through a *_ENV constant); assignments are writes
READ = re.compile(
    r"(os\.environ\.get|os\.getenv)\(\s*(\"NEWSETL_|[A-Z_]+_ENV\b)|os\.environ\[(\"NEWSETL_|[A-Z_]+_ENV)[^\]]*\](?!\s*=)"
)
# dbt_runner saves and restores the caller's NEWSETL_WORK_DB around setting it for dbt/profiles.yml
ALLOWED = {("newsetl/pipeline/dbt_runner.py", 'os.environ.get("NEWSETL_WORK_DB")')}


def code_files() -> list[Path]:
    return sorted([*(PROJECT_ROOT / "newsetl").rglob("*.py"), *(PROJECT_ROOT / "flows").rglob("*.py")])


def test_no_module_but_config_reads_a_newsetl_variable() -> None:
    stray = []
    for path in code_files():
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        if rel == "newsetl/config.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = READ.search(line)
            if match and not any(rel == f and snippet in line for f, snippet in ALLOWED):
                stray.append(f"{rel}:{number}: {line.strip()}")
    assert not stray, "read NEWSETL_* through newsetl.config.environment():\n" + "\n".join(stray)


def test_the_settings_table_lists_every_variable() -> None:
    in_code = set(NAME.findall((PROJECT_ROOT / "newsetl" / "config.py").read_text(encoding="utf-8")))
    in_code.add("NEWSETL_WORK_DB")  # set by newsetl/pipeline/dbt_runner.py, read by dbt/profiles.yml
    table = [
        line
        for line in (PROJECT_ROOT / "docs" / "settings.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    documented = {name for line in table for name in NAME.findall(line.split("|")[1])}
    assert documented == in_code


def test_blank_is_unset_and_switches_parse() -> None:
    default = environment({})
    assert default.duckdb_memory == "300MB" and default.native and default.fast_exit
    assert not default.skip_dbt_docs and default.workers is None
    env = environment(
        {
            "NEWSETL_DUCKDB_MEMORY": " ",
            "NEWSETL_NATIVE": "0",
            "NEWSETL_FAST_EXIT": "0",
            "NEWSETL_SKIP_DBT_DOCS": "1",
            "NEWSETL_WORKERS": "3",
            "NEWSETL_FAULT": "dbt:1.5",
        }
    )
    assert env.duckdb_memory == "300MB"
    assert not env.native and not env.fast_exit and env.skip_dbt_docs
    assert env.workers == "3" and env.fault == "dbt:1.5"
