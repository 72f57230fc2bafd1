"""Great-expectations Data Docs load nothing from the network (their index was empty offline)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsetl.pipeline.quality.data_docs import ASSETS, make_offline, remote_fetches

pytestmark = pytest.mark.e2e

LOCAL = re.compile(r'<(?:script|img|link)\b[^>]*(?:src|href)="([^"#?]+)', re.I)


def test_the_gate_writes_offline_data_docs(seeded_run) -> None:
    from newsetl.app.status import data_docs_path
    from newsetl.config import make_paths

    index = Path(data_docs_path(make_paths(seeded_run.input_dir, seeded_run.warehouse_dir)))
    assert index == seeded_run.warehouse_dir / "docs" / "data_docs" / "index.html"
    site = index.parent
    assert index.exists()
    assert remote_fetches(site) == []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 1
    for page in (index, pages[-1]):
        text = page.read_text(encoding="utf-8")
        refs = [r for r in LOCAL.findall(text) if not r.startswith(("http:", "https:", "data:"))]
        assert any("jquery" in r for r in refs) and any("bootstrap-table" in r for r in refs), page
        for ref in refs:
            assert (page.parent / ref).resolve().is_file(), f"{page.name}: {ref} missing"
        assert "crossorigin" not in text  # a browser refuses crossorigin loads of local files


def test_make_offline_rewrites_every_cdn_asset(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "validations" / "suite").mkdir(parents=True)
    head = "".join(
        f'<script src="{url}" integrity="sha384-x" crossorigin="anonymous"></script>'
        if url.endswith(".js")
        else f'<link rel="stylesheet" href="{url}">'
        for url in ASSETS
    )
    head += '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
    head += '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1&dataContextId=x">'
    (site / "index.html").write_text(head, encoding="utf-8")
    # GX's own slip: a deeper page's favicon one folder short of static/
    favicon = '<link rel="shortcut icon" href="../static/images/favicon.ico"/>'
    (site / "validations" / "suite" / "run.html").write_text(head + favicon, encoding="utf-8")
    assert len(remote_fetches(site)) == 2 * (len(ASSETS) + 2)
    assert make_offline(site) == 2
    assert remote_fetches(site) == []
    nested = (site / "validations" / "suite" / "run.html").read_text(encoding="utf-8")
    assert '"../../static/vendor/jquery-3.7.1.min.js"' in nested
    assert '"../../static/images/logo-long.png"' in nested and "dataContextId" not in nested
    assert 'href="../../static/images/favicon.ico"' in nested
    for name in set(ASSETS.values()):
        assert (site / "static" / "vendor" / name).is_file(), name
    assert (site / "static" / "vendor" / "webfonts" / "fa-solid-900.woff2").is_file()
    assert make_offline(site) == 0  # idempotent


def test_data_docs_index_renders_in_a_browser_without_network(seeded_run, tmp_path: Path) -> None:
    """The index table is filled in by bootstrap-table: with every host name unresolvable it still is."""
    import subprocess

    from newsetl.app.status import data_docs_path
    from newsetl.config import make_paths
    from newsetl.pipeline.report import find_chromium

    browser = find_chromium()
    if browser is None:
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    index = Path(data_docs_path(make_paths(seeded_run.input_dir, seeded_run.warehouse_dir)))
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can come from a CDN
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            index.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    # rows rendered by bootstrap-table from the page's data: one per validation result
    assert len(re.findall(r'data-index="\d+"', dom)) >= 5, dom[-2000:]
    assert "newsetl_batch" in dom


def test_each_warehouse_has_its_own_data_docs_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two warehouses gated one after the other: each site lists its own runs, never the other's."""
    import pandas as pd

    from newsetl.pipeline.quality import gate

    monkeypatch.setenv("NEWSETL_GX_ROOT", str(tmp_path / "context"))  # the committed context stays as is
    config = {"suites": {"article_rules": gate.article_rules_suite({"body_present": {"max_count": 2}})}}
    frame = pd.DataFrame({"article_id": ["a1", "a2"], "failed_rules": [[], []]})
    sites = {}
    for name in ("north", "south"):
        warehouse = tmp_path / name
        for run in range(2):
            outcome = gate.run_gate({"article_rules": frame.copy()}, f"{name}-run-{run}", config, warehouse)
            assert outcome.success
        sites[name] = gate.quality_dirs(warehouse)
        assert outcome.data_docs == str(warehouse / "docs" / "data_docs" / "index.html")
    for name, other in (("north", "south"), ("south", "north")):
        dirs = sites[name]
        results = sorted(p.relative_to(dirs.results).parts[1] for p in dirs.results.rglob("*.json"))
        assert results == [f"{name}-run-0", f"{name}-run-1"]
        pages = "".join(p.read_text(encoding="utf-8") for p in dirs.site.rglob("*.html"))
        assert f"{name}-run-1" in dirs.index.read_text(encoding="utf-8")
        assert f"{other}-run" not in pages
        assert remote_fetches(dirs.site) == []
    project = (tmp_path / "context" / "gx" / "great_expectations.yml").read_text(encoding="utf-8")
    assert "${NEWSETL_GX_SITE_DIR}" in project and str(tmp_path / "north") not in project
