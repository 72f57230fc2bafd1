"""Compile the text core with mypyc into build/native/ (see :mod:`newsetl.native`).

Run by ``make native`` with the mypy venv (``.venv/native-tools``, requirements-native.lock):
``.venv/native-tools/bin/python -m newsetl.native_build``. Standard library, mypy and
setuptools only: the project's own dependencies are not installed there.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
from pathlib import Path

from newsetl.native import (
    BUILD_DIR,
    COMPILED,
    GROUP,
    MANIFEST,
    PROJECT_ROOT,
    interpreter,
    source_digest,
    source_path,
)

# Third-party imports (numpy, rjieba, ahocorasick_rs) have no stubs in the mypy venv: Any.
MYPY_FLAGS = ("--ignore-missing-imports", "--follow-imports=silent")


def check() -> int:
    """Type-check the compiled modules as the build does (``make lint``): mypyc relies on the
    annotations being true, and checks them at run time."""
    from mypy import api

    out, err, status = api.run(
        [*MYPY_FLAGS, *(str(source_path(m).relative_to(PROJECT_ROOT)) for m in COMPILED)]
    )
    print((out + err).strip())
    return status


def build(build_dir: Path = BUILD_DIR, root: Path = PROJECT_ROOT) -> dict:
    """Compile :data:`COMPILED` into ``build_dir`` (replaced only once the build succeeded)."""
    import mypy.version
    from mypyc.build import mypycify  # the mypy venv (requirements-native.lock), not the project's
    from setuptools import setup

    staging = build_dir.with_name(build_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    src = staging / "src"
    # the whole package, so that mypy sees the real types of what the compiled modules import
    shutil.copytree(root / "newsetl", src / "newsetl", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    paths = [str(source_path(m, src).relative_to(src)) for m in COMPILED]
    cwd = Path.cwd()
    os.chdir(src)
    try:
        extensions = mypycify([*MYPY_FLAGS, *paths], opt_level="3", group_name=GROUP)
        setup(
            name="newsetl-native",
            ext_modules=extensions,
            script_args=["--quiet", "build_ext", "--inplace", "--build-temp", str(staging / "tmp")],
        )
    finally:
        os.chdir(cwd)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    modules = {}
    for module, path in zip(COMPILED, paths, strict=True):
        ext = Path(path).with_name(Path(path).stem + suffix)  # a package: its __init__ + suffix
        if not (src / ext).is_file():
            raise RuntimeError(f"mypyc produced no {ext}")
        modules[module] = {
            "ext": str(Path("src") / ext),
            "sha256": source_digest(source_path(module, src)),
        }  # what was compiled
    shared = f"{GROUP}__mypyc{suffix}"
    if not (src / shared).is_file():
        raise RuntimeError(f"mypyc produced no {shared}")
    shutil.rmtree(staging / "tmp", ignore_errors=True)
    shutil.rmtree(src / "build", ignore_errors=True)
    manifest = {
        "interpreter": interpreter(),
        "mypy": mypy.version.__version__,
        "shared": str(Path("src") / shared),
        "modules": modules,
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    old = build_dir.with_name(build_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if build_dir.exists():
        build_dir.rename(old)
    staging.rename(build_dir)
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        return check()
    manifest = build()
    print(f"newsetl.native_build: compiled {len(manifest['modules'])} modules into {BUILD_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
