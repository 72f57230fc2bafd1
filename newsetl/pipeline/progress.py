"""Run progress for the person at the terminal: one line per stage, dbt's node count while it builds.

The flow reports through the module functions; they do nothing unless ``newsetl run`` installed
a reporter (scheduled runs and tests log through Prefect only). On a terminal the running stage
shows as a rich spinner with the dbt node count; otherwise (a log file, CI) plain lines.
"""

from __future__ import annotations

from typing import Any, Protocol


class Reporter(Protocol):
    def stage_started(self, stage: str) -> None: ...
    def stage_finished(self, stage: str, seconds: float, detail: str) -> None: ...
    def dbt_node(self, done: int, total: int, node: str) -> None: ...


_reporter: Reporter | None = None

LABELS = {
    "ingest": "ingest",
    "plan": "plan",
    "process_load": "text core + load",
    "dbt": "dbt build",
    "gate": "quality gate",
    "publish": "publish",
}


# newsetl/pipeline/dbt_plan.py's build modes, in words
DBT_MODES = {
    "full": "full build",
    "seeds": "lexicons changed: full build",
    "data": "new data: incremental build",
    "skip": "nothing changed",
}


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter


def stage_started(stage: str) -> None:
    if _reporter is not None:
        _reporter.stage_started(stage)


def stage_finished(stage: str, seconds: float, detail: str = "") -> None:
    if _reporter is not None:
        _reporter.stage_finished(stage, seconds, detail)


def dbt_node(done: int, total: int, node: str) -> None:
    if _reporter is not None:
        _reporter.dbt_node(done, total, node)


def describe(stage: str, result: Any) -> str:
    """A few words on what a stage did, from what its task returned."""
    if stage == "ingest" and isinstance(result, dict):
        return (
            f"{result.get('files_seen', 0)} files seen, {result.get('files_read', 0)} read, "
            f"{result.get('documents_new', 0)} new documents, {result.get('quarantined', 0)} quarantined"
        )
    if stage == "plan" and isinstance(result, list):
        return f"{len(result)} documents to process"
    if stage == "process_load" and isinstance(result, dict):
        return f"{result.get('documents', 0)} documents, {result.get('articles', 0)} articles"
    if stage == "dbt" and isinstance(result, dict):
        why = DBT_MODES.get(result.get("mode", ""), result.get("mode", ""))
        return f"{why} ({result.get('nodes', 0)} nodes)" if result.get("nodes") else f"{why}: skipped"
    if stage == "gate":
        summary = getattr(result, "summary", None)
        return summary() if callable(summary) else ""
    return ""


class ConsoleProgress:
    """Stage lines on stderr (stdout stays for the summary), with rich."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True, highlight=False)
        self.live = self.console.is_terminal
        self._status: Any = None
        self._dbt_step = 0
        self._stage = ""

    def stage_started(self, stage: str) -> None:
        self._stage = stage
        self._dbt_step = 0
        if self.live:
            self._status = self.console.status(f"{LABELS.get(stage, stage)} ...")
            self._status.start()

    def dbt_node(self, done: int, total: int, node: str) -> None:
        if self._status is not None:
            self._status.update(f"dbt build: {done}/{total} nodes ({node})")
            return
        # a log file: a line at every quarter of the build, not one per node
        step = (done * 4) // max(total, 1)
        if step > self._dbt_step:
            self._dbt_step = step
            self.console.print(f"  dbt build: {done}/{total} nodes")

    def stage_finished(self, stage: str, seconds: float, detail: str) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        label = LABELS.get(stage, stage)
        self.console.print(f"{label:<17} {seconds:6.1f} s  {detail}".rstrip(), markup=False)
