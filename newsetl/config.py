"""Paths and environment switches shared by the CLI, the flow and the tests.

Everything that must hold before Prefect, dbt or great-expectations is
imported (offline switches, project-local state) is set in
:func:`configure_environment`, so no user shell set-up is ever needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = PROJECT_ROOT / "dbt"
LEXICON_DIR = DBT_DIR / "seeds"
TEXT_MODEL_DIR = PROJECT_ROOT / "newsetl" / "core" / "text" / "data"  # learned weights of the text core
CLASSIFY_MODEL_DIR = (
    PROJECT_ROOT / "newsetl" / "core" / "classify" / "data"
)  # learned weights of the classifier
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_INPUT = PROJECT_ROOT / "seeds"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse"
PUBLISHED_NAME = "newsetl.duckdb"
SERVE_INPUT_ENV = "NEWSETL_SERVE_INPUT"  # set by `newsetl serve`, read by its flow runs
SERVE_WAREHOUSE_ENV = "NEWSETL_SERVE_WAREHOUSE"
FAULT_ENV = "NEWSETL_FAULT"  # tests only (newsetl/faults.py)
BREAK_ENV = "NEWSETL_BREAK"


BACKEND_ENV = "NEWSETL_BACKEND"  # duckdb (one published file, the default) or ducklake
CATALOG_ENV = "NEWSETL_CATALOG"  # a DuckLake catalog: postgresql://..., sqlite:PATH or ducklake:...
LAKE_DATA_ENV = (
    "NEWSETL_LAKE_DATA_PATH"  # where a new lake's Parquet files go: a folder or s3://bucket/prefix/
)


@dataclass(frozen=True)
class Environment:
    """Every ``NEWSETL_*`` environment variable, read in one place (:func:`environment`).

    docs/settings.md lists them, with the operator thresholds of :data:`SETTINGS`. A blank
    value counts as unset. Read at call time, not at import: tests, ``newsetl serve`` and the
    fault-injection runs set variables after this module is imported.
    """

    duckdb_memory: str  # memory limit of every pipeline and dbt DuckDB connection
    work_storage: str  # DuckDB storage format of the work database, hence of the published file
    workers: str | None  # text-worker processes (default: all cores)
    dask_address: str | None  # run the text work on this Dask cluster
    native: bool  # use the compiled text core when it is current
    prefect_server: str | None  # "auto" or a URL: a running Prefect server instead of a temporary one
    fast_exit: bool  # end `newsetl run` without the interpreter's teardown
    cron: str | None  # schedule of `newsetl serve`
    serve_input: str | None  # set by `newsetl serve` for its flow runs
    serve_warehouse: str | None  # set by `newsetl serve` for its flow runs
    gate_config: str | None  # another gate.yml (e.g. a stricter gate for a test)
    gx_root: str | None  # the GX file context of that gate
    skip_dbt_docs: bool  # publish without generating the dbt docs site
    sql_history: str | None  # history file of `newsetl sql`
    fault: str | None  # tests only: SIGKILL the run at a stage
    break_rows: str | None  # tests only: simulate a processing regression
    backend: str | None  # duckdb (one published file) or ducklake
    catalog: str | None  # the DuckLake catalog: postgresql://..., sqlite:PATH or ducklake:...
    lake_data_path: str | None  # a new lake's data files: a folder or s3://bucket/prefix/


# DuckDB creates files in its oldest storage format unless told otherwise, and that format has
# no general string compression: the Chinese text was stored uncompressed (15.3 MB for 15.4 MB
# of pages). From v1.2.0 long strings get ZSTD. The work database is written in it, so that
# publishing is a byte copy of a compact file; readers of the published file need DuckDB 1.2+
# (NEWSETL_WORK_STORAGE=v0.10.2 for older readers, at about 5x the size).
WORK_STORAGE = "v1.2.0"


def environment(env: Mapping[str, str] = os.environ) -> Environment:
    """The ``NEWSETL_*`` variables of ``env`` (the process environment by default)."""

    def get(name: str) -> str | None:
        return env.get(name, "").strip() or None

    return Environment(
        duckdb_memory=get("NEWSETL_DUCKDB_MEMORY") or "300MB",
        work_storage=get("NEWSETL_WORK_STORAGE") or WORK_STORAGE,
        workers=get("NEWSETL_WORKERS"),
        dask_address=get("NEWSETL_DASK_ADDRESS"),
        native=get("NEWSETL_NATIVE") != "0",
        prefect_server=get("NEWSETL_PREFECT_SERVER"),
        fast_exit=get("NEWSETL_FAST_EXIT") in (None, "1"),
        cron=get("NEWSETL_CRON"),
        serve_input=get(SERVE_INPUT_ENV),
        serve_warehouse=get(SERVE_WAREHOUSE_ENV),
        gate_config=get("NEWSETL_GATE_CONFIG"),
        gx_root=get("NEWSETL_GX_ROOT"),
        skip_dbt_docs=get("NEWSETL_SKIP_DBT_DOCS") == "1",
        sql_history=get("NEWSETL_SQL_HISTORY"),
        fault=get(FAULT_ENV),
        break_rows=get(BREAK_ENV),
        backend=(get(BACKEND_ENV) or "").lower() or None,
        catalog=get(CATALOG_ENV),
        lake_data_path=get(LAKE_DATA_ENV),
    )


def duckdb_config() -> dict[str, str]:
    """Settings for the pipeline's own DuckDB connections.

    DuckDB's default memory limit is 80 % of RAM and its buffer pool keeps what it
    read, so a run over a large archive grew to several GB although nothing needed
    it. With a limit, big joins spill to ``<db>.tmp`` instead (``NEWSETL_DUCKDB_MEMORY``,
    default 300MB: the run's whole process tree stays within 1.5 GB), and freed memory
    goes back to the system sooner (a low allocator flush threshold).
    """
    return {
        "memory_limit": environment().duckdb_memory,
        "allocator_flush_threshold": "16MB",
        # the format of files these connections create (the work database): see WORK_STORAGE
        "storage_compatibility_version": environment().work_storage,
    }


@dataclass(frozen=True)
class Setting:
    """One operator setting: its environment variable, default and why (docs/settings.md lists them)."""

    env: str
    default: float
    why: str


# Batch thresholds of the quality gate (``setting:<name>`` in expectations/gate.yml) and the
# per-page cost bounds. Defaults fit general-news pages, not only the industry-policy seeds.
SETTINGS: dict[str, Setting] = {
    "max_no_topic_share": Setting(
        "NEWSETL_MAX_NO_TOPIC_SHARE",
        0.75,
        "share of current articles outside the topic taxonomy; a general-news page has ~40 % of them",
    ),
    "max_no_topic_share_change": Setting(
        "NEWSETL_MAX_NO_TOPIC_SHARE_CHANGE",
        0.25,
        "change of that share against the last published run (the published history)",
    ),
    "max_fragment_share": Setting(
        "NEWSETL_MAX_FRAGMENT_SHARE", 0.6, "share of articles flagged as fragments (boundaries broke)"
    ),
    "min_volume_ratio": Setting(
        "NEWSETL_MIN_VOLUME_RATIO", 0.7, "articles now / articles of the last published run"
    ),
    "max_document_quarantine_share": Setting(
        "NEWSETL_MAX_DOCUMENT_QUARANTINE_SHARE",
        0.25,
        "share of this run's processed documents held back whole (not Chinese, no article, failed)",
    ),
    "min_documents_held_to_block": Setting(
        "NEWSETL_MIN_DOCUMENTS_HELD_TO_BLOCK",
        3,
        "the document quarantine share blocks only once this many of the run's documents are held "
        "back: two dumps dropped beside five pages are quarantined, not a regression",
    ),
    "window_chars": Setting(
        "NEWSETL_WINDOW_CHARS",
        60000,
        "a page longer than this is segmented in windows of about this size (segmentation cost is "
        "quadratic in the window, linear in the page)",
    ),
    "lake_snapshot_days": Setting(
        "NEWSETL_LAKE_SNAPSHOT_DAYS",
        30.0,
        "DuckLake: after a publish, snapshots older than this many days are expired (no time travel "
        "to them) and data files unused or orphaned for as long are deleted; 0 keeps every snapshot",
    ),
    "worker_memory_mb": Setting(
        "NEWSETL_WORKER_MEMORY_MB",
        1024,
        "address-space limit of a text worker above its warm size; a page that needs more is "
        "quarantined (MemoryError), the host is never at risk; 0 turns it off",
    ),
}


def setting(name: str) -> float:
    """The value of one :data:`SETTINGS` entry: its environment variable, else its default."""
    spec = SETTINGS[name]
    raw = os.environ.get(spec.env, "").strip()
    if not raw:
        return spec.default
    try:
        return type(spec.default)(float(raw)) if isinstance(spec.default, int) else float(raw)
    except ValueError as exc:
        raise ValueError(f"{spec.env}={raw!r} is not a number") from exc


def settings() -> dict[str, float]:
    return {name: setting(name) for name in SETTINGS}


def backend_settings() -> tuple[str | None, str | None]:
    """The warehouse backend and DuckLake catalog from the environment (None: not set)."""
    env = environment()
    return env.backend, env.catalog


def configure_environment() -> None:
    """Offline, telemetry-free, project-local settings for the whole stack."""
    os.environ.setdefault("PREFECT_HOME", str(PROJECT_ROOT / ".prefect"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    # Prefect's servers (ephemeral or `newsetl serve`) must never listen beyond loopback: forced, not defaulted.
    os.environ["PREFECT_SERVER_API_HOST"] = "127.0.0.1"
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")


@dataclass(frozen=True)
class Paths:
    """Where one warehouse lives.

    ``work_db`` is the only file the pipeline writes; ``published_db`` is
    replaced atomically after the quality gate and is what analysts open.
    The work file has the same name as the published one on purpose: DuckDB
    names a catalog after its file, and views store catalog-qualified names.
    """

    input_dir: Path
    warehouse_dir: Path

    @property
    def work_dir(self) -> Path:
        return self.warehouse_dir / ".work"

    @property
    def work_db(self) -> Path:
        return self.work_dir / PUBLISHED_NAME

    @property
    def published_db(self) -> Path:
        return self.warehouse_dir / PUBLISHED_NAME

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / ".newsetl.lock"

    @property
    def exports_dir(self) -> Path:
        return self.warehouse_dir / "exports"

    @property
    def reports_dir(self) -> Path:
        return self.warehouse_dir / "reports"

    @property
    def raw_backup_dir(self) -> Path:
        return self.warehouse_dir / "raw_log"


def served_paths() -> Paths:
    """The folders ``newsetl serve`` was started with (set in its own environment, inherited by
    its flow runs): the scheduled deployment takes no parameters from the Prefect API."""
    env = environment()
    inp, wh = env.serve_input, env.serve_warehouse
    if not inp or not wh:
        raise RuntimeError(f"{SERVE_INPUT_ENV} and {SERVE_WAREHOUSE_ENV} are set by `newsetl serve` only")
    return make_paths(inp, wh)


def make_paths(input_dir: str | Path | None = None, warehouse_dir: str | Path | None = None) -> Paths:
    return Paths(
        input_dir=Path(input_dir or DEFAULT_INPUT).resolve(),
        warehouse_dir=Path(warehouse_dir or DEFAULT_WAREHOUSE).resolve(),
    )
