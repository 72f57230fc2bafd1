"""Which warehouse backend a folder uses: the single DuckDB file (default) or a DuckLake.

The choice comes from ``--backend``/``--catalog``, else ``NEWSETL_BACKEND``/``NEWSETL_CATALOG``
(newsetl/config.py), else what the folder remembers: the first run writes ``backend.json``
there, so ``newsetl status|sql --warehouse DIR`` need no options and a later run cannot
switch a folder's backend by accident (a warehouse half in one file, half in a lake).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from newsetl.config import PUBLISHED_NAME, backend_settings, environment

BACKEND_FILE = "backend.json"
DUCKDB = "duckdb"
DUCKLAKE = "ducklake"
BACKENDS = (DUCKDB, DUCKLAKE)
SQLITE_CATALOG = "lake.sqlite"  # readers can attach it while a run writes (a DuckDB-file catalog is locked)
DATA_DIR = "lake_data"


class BackendMismatch(ValueError):
    """The options ask for another backend or catalog than the folder already uses."""


@dataclass(frozen=True)
class Backend:
    kind: str = DUCKDB
    catalog: str | None = None  # a ``ducklake:`` attach string (ducklake only)
    data_path: str | None = None  # where the lake's Parquet files go (ducklake only)

    @property
    def is_lake(self) -> bool:
        return self.kind == DUCKLAKE


def catalog_attach_string(catalog: str) -> str:
    """``ducklake:…`` from what a user types: a ``postgresql://`` URL, a ``sqlite:``/``postgres:`` spec,
    a path to a ``.sqlite`` file, or an attach string already."""
    if catalog.startswith("ducklake:"):
        return catalog
    if catalog.startswith(("postgresql://", "postgres://")):
        return f"ducklake:postgres:{catalog}"
    if catalog.startswith(("sqlite:", "postgres:")):
        return f"ducklake:{catalog}"
    return f"ducklake:sqlite:{Path(catalog).resolve()}"


def default_lake(warehouse_dir: Path) -> Backend:
    return Backend(DUCKLAKE, f"ducklake:sqlite:{warehouse_dir / SQLITE_CATALOG}", _data_path(warehouse_dir))


def _data_path(warehouse_dir: Path) -> str:
    """Where a new lake's Parquet files go: ``NEWSETL_LAKE_DATA_PATH`` (a folder, or ``s3://bucket/prefix/``
    with a DuckDB S3 secret, docs/scaling.md), else ``DIR/lake_data``. A lake keeps its own."""
    data = environment().lake_data_path
    if not data:
        return str(warehouse_dir / DATA_DIR)
    return data if "://" in data else str(Path(data).resolve())


def remembered(warehouse_dir: Path) -> Backend | None:
    """The folder's backend; a warehouse published before ``backend.json`` existed is a single file."""
    try:
        data = json.loads((warehouse_dir / BACKEND_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        published = (warehouse_dir / PUBLISHED_NAME).exists() or (warehouse_dir / ".published").is_dir()
        return Backend() if published else None
    return Backend(**{k: data.get(k) for k in ("kind", "catalog", "data_path")})


def resolve(warehouse_dir: Path, kind: str | None = None, catalog: str | None = None) -> Backend:
    """The backend of ``warehouse_dir``: explicit options, then the environment, then the folder."""
    env_kind, env_catalog = backend_settings()
    kind = kind or env_kind
    catalog = catalog or env_catalog
    if catalog and not kind:
        kind = DUCKLAKE  # a catalog only makes sense for a lake
    known = remembered(warehouse_dir)
    if kind is None:
        return known or Backend()
    if kind not in BACKENDS:
        raise ValueError(f"unknown backend {kind!r}: one of {', '.join(BACKENDS)}")
    if kind == DUCKDB:
        wanted = Backend()
    elif catalog:
        wanted = Backend(DUCKLAKE, catalog_attach_string(catalog), _data_path(warehouse_dir))
    else:
        wanted = known if known and known.is_lake else default_lake(warehouse_dir)
    if known and (known.kind, known.catalog) != (wanted.kind, wanted.catalog):
        raise BackendMismatch(
            f"{warehouse_dir} uses backend {known.kind}"
            + (f" ({known.catalog})" if known.catalog else "")
            + f", not {wanted.kind}"
            + (f" ({wanted.catalog})" if wanted.catalog else "")
            + f"; use another warehouse folder (or remove {BACKEND_FILE} after moving the data)"
        )
    return known or wanted  # a lake keeps the data path it was created with


def remember(warehouse_dir: Path, backend: Backend) -> None:
    """Write ``backend.json`` once (atomically); a folder's backend never changes afterwards."""
    path = warehouse_dir / BACKEND_FILE
    if path.exists():
        return
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(asdict(backend), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
