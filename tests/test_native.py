"""The compiled text core (newsetl/native.py): used only when it matches the sources, same output."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsetl import native
from newsetl.native import COMPILED, check_build, interpreter, source_digest, source_path
from newsetl.pipeline.process import DocInput, LocalPool, process_batch
from newsetl_tools.synth import iter_pages

ROOT = Path(__file__).resolve().parents[1]


def _need_build() -> None:
    manifest, why = check_build()
    if manifest is None:
        # `make test` builds it first: in CI a missing build means that step failed
        assert not os.environ.get("CI"), f"no compiled text core in CI: {why} (see build/native.log)"
        pytest.skip(f"no compiled text core: {why}")


def _pages(n: int = 60) -> list[DocInput]:
    docs = [
        DocInput(p.name, p.name, p.read_text(encoding="utf-8"))
        for p in sorted((ROOT / "seeds").glob("*.txt"))
    ]
    for p in iter_pages(n, seed=11):
        text = p.data.decode("gb18030") if "gb18030" in p.phenomena else p.data.decode("utf-8")
        docs.append(DocInput(f"doc{p.index:03d}", p.file_name, text, p.publication_date.isoformat()))
    return docs


def test_this_process_and_the_text_workers_run_the_compiled_core() -> None:
    _need_build()
    from newsetl.core.classify import people
    from newsetl.core.text import segment

    assert native.STATUS.startswith("compiled"), native.STATUS
    assert native.is_compiled(segment) and native.is_compiled(people)
    pool = LocalPool(2)
    try:
        assert pool.pool().submit(native.status).result(timeout=60).endswith(native.STATUS)
    finally:
        pool.shutdown()


def test_compiled_and_source_core_give_identical_rows(tmp_path: Path) -> None:
    """The seed pages and synthetic pages with every phenomenon, through both: equal rows."""
    _need_build()
    docs = _pages()
    (tmp_path / "docs.pkl").write_bytes(pickle.dumps(docs))
    script = (
        "import pickle, sys; from newsetl import native; from newsetl.pipeline.process import process_batch; "
        "from newsetl.core.text import segment; assert not native.is_compiled(segment), native.STATUS; "
        "docs = pickle.load(open(sys.argv[1], 'rb')); "
        "pickle.dump(process_batch(docs, 'r'), open(sys.argv[2], 'wb'))"
    )
    env = {**os.environ, "NEWSETL_NATIVE": "0"}
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "docs.pkl"), str(tmp_path / "rows.pkl")],
        check=True,
        env=env,
        cwd=ROOT,
    )
    from_source = pickle.loads((tmp_path / "rows.pkl").read_bytes())
    compiled = process_batch(docs, "r")
    assert len(compiled[0]["articles"]["article_id"]) > len(docs)
    assert compiled == from_source


def _manifest(root: Path) -> dict:
    modules = {m: {"ext": f"src/{m}.so", "sha256": source_digest(source_path(m, root))} for m in COMPILED}
    return {"interpreter": interpreter(), "mypy": "test", "shared": "src/shared.so", "modules": modules}


@pytest.fixture()
def fake_build(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sources and a build manifest made from them (extension files empty)."""
    root = tmp_path / "tree"
    shutil.copytree(ROOT / "newsetl", root / "newsetl", ignore=shutil.ignore_patterns("__pycache__"))
    build = tmp_path / "build"
    manifest = _manifest(root)
    for entry in [*manifest["modules"].values(), {"ext": manifest["shared"]}]:
        (build / entry["ext"]).parent.mkdir(parents=True, exist_ok=True)
        (build / entry["ext"]).touch()
    (build / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return root, build


def test_a_build_matching_the_sources_is_usable(fake_build: tuple[Path, Path]) -> None:
    root, build = fake_build
    assert check_build(build, root)[1] == "ok"


def test_an_edited_source_makes_the_build_stale(fake_build: tuple[Path, Path]) -> None:
    root, build = fake_build
    seg = root / "newsetl" / "core" / "text" / "segment.py"
    seg.write_text(seg.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    manifest, why = check_build(build, root)
    assert manifest is None and why == "stale: newsetl/core/text/segment.py changed since the build"


def test_other_interpreters_module_lists_and_missing_files_are_refused(fake_build: tuple[Path, Path]) -> None:
    root, build = fake_build
    path = build / native.MANIFEST
    good = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**good, "interpreter": {"version": "3.12.0", "ext_suffix": ".so"}}))
    assert check_build(build, root) == (None, "built for another interpreter")
    path.write_text(json.dumps({**good, "modules": dict(list(good["modules"].items())[1:])}))
    assert check_build(build, root) == (None, "built for another module list")
    path.write_text(json.dumps(good))
    (build / good["modules"]["newsetl.core.text.segment"]["ext"]).unlink()
    assert check_build(build, root)[1].startswith("incomplete")
    shutil.rmtree(build)
    assert check_build(build, root)[1].startswith("not built")


def test_native_0_runs_the_sources() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from newsetl import native; import newsetl.core.text.segment as s; "
         "print(native.STATUS, native.is_compiled(s))"],
        check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "NEWSETL_NATIVE": "0"},
    )  # fmt: skip
    assert out.stdout.strip() == "sources (NEWSETL_NATIVE=0) False"
