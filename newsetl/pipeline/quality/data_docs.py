"""Great-expectations Data Docs that work offline.

GX 1.24 writes pages that load jQuery, Bootstrap, bootstrap-table, Popper, the datepicker and
Font Awesome from CDNs (and a logo from S3, with the data context id in the URL): offline the
index page, filled in by bootstrap-table, stays empty. After each build this copies the same
versions, shipped in ``expectations/data_docs_assets/``, into the site (``static/vendor/``) and
points every page at them; the dark-mode stylesheet and the Vega chart libraries (the gate
renders no charts) are dropped, the logo is the site's own copy.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from newsetl.config import EXPECTATIONS_DIR

ASSETS_DIR = EXPECTATIONS_DIR / "data_docs_assets"
VENDOR = "vendor"  # under the site's static/ folder

# CDN URL -> file in ASSETS_DIR
ASSETS = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper-1.12.9.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-filter-control-1.19.1.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-filter-control-1.19.1.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-filter-control-1.19.1.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker-1.9.0.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker-1.9.0.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-6.6.0.all.min.css",
}
_DROP = re.compile(
    r'<link[^>]*href="https://cdn\.jsdelivr\.net/npm/@forevolve/bootstrap-dark@[^"]*"[^>]*>'
    r'|<script[^>]*src="https://cdn\.jsdelivr\.net/npm/vega[^"]*"[^>]*>\s*</script>'
)
_SRI = re.compile(
    r'(<(?:script|link)\b[^>]*/{VENDOR}/[^"]*")\s+integrity="[^"]*"\s+crossorigin="[^"]*"'.replace(
        "{VENDOR}", VENDOR
    )
)
_STATIC = re.compile(r'((?:src|href)=")(?:\.\.?/)*static/')
_LOGO = re.compile(r'https://great-expectations-web-assets\.s3\.[^"]*/(logo-long\.png)\?[^"]*')
# what a page may still fetch from elsewhere once rewritten: nothing (links to read are fine)
FETCHED = re.compile(r'<(?:script|img|link)\b[^>]*(?:src|href)="(https?:)?//[^"]*"', re.I)


def make_offline(site: Path) -> int:
    """Copy the assets into ``site`` and rewrite its pages; returns the number of pages changed."""
    if not (site / "index.html").exists():
        return 0
    vendor = site / "static" / VENDOR
    for src in ASSETS_DIR.rglob("*"):
        if src.is_file() and src.suffix != ".md":
            dest = vendor / src.relative_to(ASSETS_DIR)
            if not dest.exists() or dest.stat().st_size != src.stat().st_size:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
    changed = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        static = Path(os.path.relpath(site / "static", page.parent)).as_posix()
        # GX points some deeper pages one folder short of static/ (their favicon): every page
        # gets the path that resolves from where it is
        new = _STATIC.sub(r"\g<1>" + static + "/", text)
        if "https://" not in new and new == text:
            continue
        new = _DROP.sub("", new)
        for url, name in ASSETS.items():
            new = new.replace(f'"{url}"', f'"{static}/{VENDOR}/{name}"')
        # a crossorigin file:// load is refused by browsers (no CORS for local files)
        new = _SRI.sub(r"\1", new)
        new = _LOGO.sub(f"{static}/images/" + r"\1", new)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def remote_fetches(site: Path) -> list[str]:
    """Every page element that would still load something from the network."""
    return [
        f"{page.relative_to(site)}: {m.group(0)}"
        for page in sorted(site.rglob("*.html"))
        for m in FETCHED.finditer(page.read_text(encoding="utf-8"))
    ]
