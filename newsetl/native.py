"""The text core compiled with mypyc: the same source, about 15 % less CPU per page.

The modules in :data:`COMPILED` (the text core, the classifier and their models) are
plain typed Python. ``python -m newsetl.native_build`` compiles them with mypyc into
``build/native/``, beside a copy of their sources and a manifest of the sources'
hashes (``make`` runs it, with mypy from its own small venv: mypy and dbt pin
incompatible ``pathspec`` versions). At ``import newsetl``, :func:`activate` puts an
import finder first that loads those compiled modules, but only when every hash
still matches the source tree, the interpreter is the one they were built for, and
``NEWSETL_NATIVE`` is not ``0``. Otherwise the sources run as they are: the same
output, slower. A stale build is never used, so editing the text core needs no
rebuild to be correct, only to be fast again (``make`` rebuilds when a source changed).

Standard library and :mod:`newsetl.config` (itself standard library only): ``newsetl/__init__.py``
imports this module first, everywhere.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import sys
import sysconfig
from pathlib import Path
from types import ModuleType

from newsetl.config import environment

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
BUILD_DIR = PROJECT_ROOT / "build" / "native"
MANIFEST = "manifest.json"
GROUP = "newsetl_native"  # mypyc's shared library of the group: newsetl_native__mypyc

# The modules the processing stage spends its CPU in (one group: calls between them
# are native). Packages are listed by name and compiled from their __init__.py.
COMPILED = (
    "newsetl.core.models",
    "newsetl.core.text.bylines",
    "newsetl.core.text.dedup",
    "newsetl.core.text.furniture",
    "newsetl.core.text.glued",
    "newsetl.core.text.headlines",
    "newsetl.core.text.linear",
    "newsetl.core.text.normalize",
    "newsetl.core.text.pieces",
    "newsetl.core.text.repair",
    "newsetl.core.text.segment",
    "newsetl.core.classify",
    "newsetl.core.classify.dates",
    "newsetl.core.classify.entities",
    "newsetl.core.classify.gazetteer",
    "newsetl.core.classify.lexicon",
    "newsetl.core.classify.ministries",
    "newsetl.core.classify.organisations",
    "newsetl.core.classify.people",
    "newsetl.core.classify.places",
    "newsetl.core.classify.policy_docs",
    "newsetl.core.classify.topics",
    "newsetl.core.classify.years",
)

STATUS = "not activated"  # set by activate(): "compiled (...)" or why the sources run


def source_path(module: str, root: Path = PROJECT_ROOT) -> Path:
    parts = module.split(".")
    package = root.joinpath(*parts)
    return package / "__init__.py" if package.is_dir() else root.joinpath(*parts[:-1], parts[-1] + ".py")


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def interpreter() -> dict[str, str]:
    return {"version": sys.version, "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX") or ""}


class CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and mypyc's shared library) in a build; nothing else."""

    def __init__(self, files: dict[str, tuple[Path, Path | None]]) -> None:
        self.files = files  # module -> (extension file, package directory of the sources or None)

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        entry = self.files.get(fullname)
        if entry is None:
            return None
        ext, package_dir = entry
        # a compiled package keeps its source directory as the search path of its submodules
        locations = [str(package_dir)] if package_dir is not None else None
        return importlib.util.spec_from_file_location(fullname, ext, submodule_search_locations=locations)


def check_build(build_dir: Path = BUILD_DIR, root: Path = PROJECT_ROOT) -> tuple[dict | None, str]:
    """The build's manifest if it can be used for the sources under ``root``, else None and why."""
    try:
        manifest = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, f"not built ({build_dir} missing: `make native`)"
    except (OSError, ValueError) as exc:
        return None, f"unreadable build manifest: {exc}"
    if manifest.get("interpreter") != interpreter():
        return None, "built for another interpreter"
    if set(manifest.get("modules", {})) != set(COMPILED):
        return None, "built for another module list"
    for module, entry in manifest["modules"].items():
        src = source_path(module, root)
        if not src.is_file() or source_digest(src) != entry["sha256"]:
            return None, f"stale: {src.relative_to(root)} changed since the build"
        if not (build_dir / entry["ext"]).is_file():
            return None, f"incomplete: {entry['ext']} missing"
    return manifest, "ok"


def activate(build_dir: Path = BUILD_DIR) -> str:
    """Load the compiled modules from ``build_dir`` from now on, if the build is current."""
    global STATUS
    if not environment().native:
        STATUS = "sources (NEWSETL_NATIVE=0)"
        return STATUS
    if any(isinstance(f, CompiledFinder) for f in sys.meta_path):
        return STATUS
    loaded = [m for m in COMPILED if m in sys.modules]
    if loaded:  # too late: these already run from source, and mixing the two is not supported
        STATUS = f"sources ({loaded[0]} was imported before newsetl.native.activate)"
        return STATUS
    manifest, why = check_build(build_dir)
    if manifest is None:
        STATUS = f"sources ({why})"
        return STATUS
    files: dict[str, tuple[Path, Path | None]] = {f"{GROUP}__mypyc": (build_dir / manifest["shared"], None)}
    for module, entry in manifest["modules"].items():
        src = source_path(module)
        files[module] = (build_dir / entry["ext"], src.parent if src.name == "__init__.py" else None)
    sys.meta_path.insert(0, CompiledFinder(files))
    STATUS = f"compiled ({len(COMPILED)} modules, mypyc {manifest.get('mypy', '?')}, {build_dir})"
    return STATUS


def is_compiled(module: ModuleType) -> bool:
    """Whether ``module`` was loaded from an extension (a compiled build), not from source."""
    return str(getattr(module, "__file__", "") or "").endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def status() -> str:
    """One line: whether the build under build/native is usable, and what this process runs."""
    _, why = check_build()
    return f"build {why}; this process runs {STATUS}"
