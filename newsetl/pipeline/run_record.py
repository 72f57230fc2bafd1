"""What one run did: the record the flow fills stage by stage, stored in ops.runs and printed by the CLI."""

from __future__ import annotations

import datetime as dt
import resource
import secrets
from dataclasses import dataclass, field
from typing import Any

# Left out of the summary while unset: a run that failed early has no gate, counts or publication.
_SET_ONLY = ("stage", "ingest", "process", "gate", "data_docs", "counts", "lake", "published", "error")


def new_run_id() -> str:
    """A run's id: its start time (UTC), then random hex (two runs may start in the same second)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def peak_rss_mb() -> int:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@dataclass
class RunRecord:
    run_id: str
    input: str
    status: str = "running"
    backend: str | None = None
    recovered: str | None = None  # why the work database was rebuilt, if it was
    text_core: str | None = None  # compiled (build/native) or the sources, and why
    stage: str | None = None  # the stage running (the one that failed, after a failure)
    ingest: dict[str, Any] | None = None
    process: dict[str, int] | None = None
    gate: str | None = None
    data_docs: Any = None
    counts: dict[str, Any] | None = None  # the warehouse after dbt: documents, articles, topics...
    lake: dict[str, Any] | None = None
    published: str | None = None
    error: str | None = None
    inputs: str | None = None  # digest of the input folder's listing before ingest (warehouse/unchanged.py)
    settled: bool = False  # the run left nothing for the next one: no file to read, no document to process
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    peak_rss_mb: dict[str, int] = field(default_factory=dict)  # after each stage: which stage needs memory

    def stage_done(self, stage: str, seconds: float) -> None:
        self.timings[stage] = round(seconds, 3)
        self.peak_rss_mb[stage] = peak_rss_mb()

    def summary(self) -> dict[str, Any]:
        """The run so far as ops.runs stores it (:func:`newsetl.warehouse.opsdb.finish_run`)."""
        out: dict[str, Any] = {}
        for name in (
            "run_id", "input", "status", "backend", "recovered", "text_core",
            "stage", "ingest", "process", "gate", "data_docs",
        ):  # fmt: skip
            value = getattr(self, name)
            if value is not None or name not in _SET_ONLY or (name == "data_docs" and self.gate is not None):
                out[name] = value
        out.update(self.counts or {})
        for name in ("lake", "published", "error"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    def result(self) -> dict[str, Any]:
        """The finished run: its summary with the timings and memory per stage (what the CLI prints)."""
        return {**self.summary(), "timings": self.timings, "peak_rss_mb": self.peak_rss_mb}
