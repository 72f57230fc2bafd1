"""Project imports sit at the top of their module; the few deferred ones say why.

The layer contracts themselves (imports point down: core < warehouse < pipeline < flows < app,
and no cycle) are checked by ``lint-imports`` in ``make lint`` (pyproject.toml). An import placed
inside a function hides a dependency from that check and from the reader, so one is allowed
only with a ``# deferred: <reason>`` comment on it or on the line before it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from newsetl.config import PROJECT_ROOT

PACKAGES = ("newsetl", "flows", "newsetl_tools")


def _project_module(node: ast.AST) -> str | None:
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        name = node.module
    elif isinstance(node, ast.Import):
        name = node.names[0].name
    else:
        return None
    return name if name.split(".")[0] in PACKAGES else None


def hidden_imports(path: Path) -> list[str]:
    """``file:line module`` of every project import inside a function without a ``# deferred:`` reason."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    out = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            module = _project_module(node)
            if module is None:
                continue
            around = lines[node.lineno - 2 : node.end_lineno]
            if not any("# deferred:" in line for line in around):
                where = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path.name
                out.append(f"{where}:{node.lineno} {module}")
    return out


def test_no_project_import_hides_inside_a_function() -> None:
    files = [p for package in PACKAGES for p in (PROJECT_ROOT / package).rglob("*.py")]
    assert len(files) > 50
    assert [hit for p in sorted(files) for hit in hidden_imports(p)] == []


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    src = PROJECT_ROOT / "newsetl" / "probe_module.py"
    code = "def f():\n    from newsetl.config import environment\n    return environment\n"
    try:
        src.write_text(code, encoding="utf-8")
        assert hidden_imports(src) == ["newsetl/probe_module.py:2 newsetl.config"]
        src.write_text(
            code.replace("environment\n", "environment  # deferred: a reason\n", 1), encoding="utf-8"
        )
        assert hidden_imports(src) == []
    finally:
        src.unlink(missing_ok=True)
