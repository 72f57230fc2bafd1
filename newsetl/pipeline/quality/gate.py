"""Run the great-expectations quality gate over the work database.

Suites, thresholds and severities live in ``expectations/gate.yml`` (one
place, each with a short why). They are synced into the GX file context in
``expectations/gx`` only when the YAML changes, so the committed suite files
stay stable. Each suite's query is read through DuckDB into pandas and
validated by a checkpoint (the GX SQL datasource cannot validate DuckDB).
Validation results and the Data Docs site belong to the warehouse being checked
(:func:`quality_dirs`); every gate run adds its pages to that site.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newsetl.config import EXPECTATIONS_DIR, LEXICON_DIR, environment, settings
from newsetl.pipeline.quality.data_docs import make_offline

GATE_CONFIG = EXPECTATIONS_DIR / "gate.yml"


def gate_config_path() -> Path:
    """gate.yml, or another file named by NEWSETL_GATE_CONFIG (e.g. a stricter gate for a test)."""
    return Path(environment().gate_config or GATE_CONFIG)


def gx_root() -> Path:
    """Folder of the GX file context; NEWSETL_GX_ROOT points a custom gate at its own context."""
    return Path(environment().gx_root or EXPECTATIONS_DIR)


# great_expectations.yml names these for the validation results store and the Data Docs site
RESULTS_VAR = "NEWSETL_GX_RESULTS_DIR"
SITE_VAR = "NEWSETL_GX_SITE_DIR"


@dataclass(frozen=True)
class QualityDirs:
    """Where one warehouse's GX validation results and Data Docs site live."""

    results: Path
    site: Path

    @property
    def index(self) -> Path:
        return self.site / "index.html"


def quality_dirs(warehouse_dir: Path | None = None) -> QualityDirs:
    """``<warehouse>/docs/data_docs`` (beside the dbt docs) and ``<warehouse>/.gx/validations``.

    One site per warehouse: the site index lists every result in its store, so a shared store
    showed one warehouse's runs in another's Data Docs. Without a warehouse (unit tests of the
    gate alone) both stay in the context's own ``uncommitted`` folder.
    """
    if warehouse_dir is None:
        base = gx_root() / "gx" / "uncommitted"
        return QualityDirs(base / "validations", base / "data_docs" / "local_site")
    return QualityDirs(warehouse_dir / ".gx" / "validations", warehouse_dir / "docs" / "data_docs")


DATASOURCE = "newsetl_frames"
KEEP_VALIDATIONS = 30  # stored GX results per suite (the full history is in ops.gate_results)


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str
    why: str


@dataclass
class GateOutcome:
    results: list[ExpectationOutcome] = field(default_factory=list)
    data_docs: str | None = None

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success and r.severity == "batch"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success and r.severity != "batch"]

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.success:
            return f"passed ({len(self.results)} expectations, {len(self.warnings)} warnings)"
        named = ", ".join(
            f"{f.suite}.{f.expectation}({f.column or ''}) observed {f.observed}" for f in self.failures
        )
        return f"FAILED {len(self.failures)} of {len(self.results)}: {named}"


# This run's articles (loaded or excluded), each with the article rules it failed. Articles and
# files an operator set aside (``newsetl set-aside``) are not counted.
ARTICLE_RULES_QUERY = """
WITH set_aside AS (
    SELECT target FROM ops.decisions WHERE kind IN ('article', 'file') AND NOT revoked
),
arts AS (
    SELECT article_id, doc_id FROM raw.articles WHERE processed_run = $run_id
    UNION
    SELECT article_id, doc_id FROM raw.article_quarantine WHERE processed_run = $run_id
)
SELECT arts.article_id,
       coalesce(list(q.rule ORDER BY q.rule) FILTER (WHERE q.rule IS NOT NULL), []) AS failed_rules
FROM arts
LEFT JOIN raw.article_quarantine AS q ON q.article_id = arts.article_id AND q.processed_run = $run_id
WHERE arts.article_id NOT IN (SELECT target FROM set_aside)
  AND arts.doc_id NOT IN (
      SELECT v.doc_id FROM raw.file_versions AS v WHERE v.path IN (SELECT target FROM set_aside)
  )
GROUP BY arts.article_id
"""


def article_rules_suite(rules: dict[str, Any]) -> dict[str, Any]:
    """The ``article_rules`` suite: per rule, how many of this run's articles may fail it.

    One 0/1 column per rule (:func:`rule_columns`); ``mostly`` is the share that must pass,
    ``max_count`` how many may fail. A failing article is quarantined either way (excluded or
    its field nulled): the run blocks only when more fail than that.
    """
    expectations = []
    for name, spec in rules.items():
        why = spec.get("why", "")
        if "max_count" in spec:
            expectations.append(
                {
                    "expectation": "expect_column_sum_to_be_between",
                    "kwargs": {"column": name, "min_value": 0, "max_value": spec["max_count"]},
                    "severity": spec.get("severity", "batch"),
                    "why": why,
                }
            )
        else:
            expectations.append(
                {
                    "expectation": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": name, "value_set": [0], "mostly": spec.get("mostly", 1.0)},
                    "severity": spec.get("severity", "batch"),
                    "why": why,
                }
            )
    return {
        "description": "This run's articles: how many failed each article rule (failing ones are quarantined).",
        "query": ARTICLE_RULES_QUERY,
        "expectations": expectations,
        "rules": list(rules),
    }


def rule_columns(frame: Any, rules: list[str]) -> Any:
    """``failed_rules`` (a list per article) as one 0/1 column per rule."""
    import pandas as pd

    failed = frame["failed_rules"] if "failed_rules" in frame else pd.Series([], dtype=object)
    out = pd.DataFrame({"article_id": frame.get("article_id", pd.Series([], dtype=object))})
    lists = [set(f) if isinstance(f, list | tuple) or hasattr(f, "tolist") else set() for f in failed]
    for rule in rules:
        out[rule] = pd.Series([int(rule in f) for f in lists], dtype="int64")
    return out


def _resolve_settings(value: Any, values: dict[str, float], used: dict[str, float]) -> Any:
    """``setting:<name>`` -> a GX suite parameter, its value supplied to each checkpoint run.

    The stored suites (committed under ``expectations/gx``) name the setting, never its value:
    an operator's override applies to the runs that have it set and rewrites no file.
    """
    if isinstance(value, str) and value.startswith("setting:"):
        name = value.split(":", 1)[1]
        used[name] = values[name]
        return {"$PARAMETER": name}
    return value


def load_config(path: Path | None = None) -> dict[str, Any]:
    """Read gate.yml, replacing ``lexicon:<file>`` value sets by the lexicon's codes and
    ``setting:<name>`` values by suite parameters; ``config["parameters"]`` holds their values
    from the operator settings (newsetl/config.py ``SETTINGS``) for this run."""
    import csv

    config = yaml.safe_load((path or gate_config_path()).read_text(encoding="utf-8"))
    if config.get("article_rules"):
        config["suites"]["article_rules"] = article_rules_suite(config["article_rules"])
    values = settings()
    used: dict[str, float] = {}
    for spec in config["suites"].values():
        for exp in spec["expectations"]:
            kwargs = exp.get("kwargs", {})
            for key in ("min_value", "max_value", "mostly"):
                if key in kwargs:
                    kwargs[key] = _resolve_settings(kwargs[key], values, used)
            value_set = exp.get("kwargs", {}).get("value_set")
            if isinstance(value_set, str) and value_set.startswith("lexicon:"):
                codes: set[str] = set()
                for lexicon in value_set.split(":", 1)[1].split("+"):  # "lexicon:topics+ministries"
                    with (LEXICON_DIR / f"{lexicon}.csv").open(encoding="utf-8") as fh:
                        rows = list(csv.reader(fh))
                    codes.update(r[0] for r in rows[1:] if r)
                exp["kwargs"]["value_set"] = sorted(codes)
    config["parameters"] = used  # the settings' values for this run (run_gate passes them to GX)
    return config


def _class_name(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _context(dirs: QualityDirs):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_file = gx_root() / "gx" / "great_expectations.yml"
    if not project_file.exists():
        # a context of its own (NEWSETL_GX_ROOT) starts from the committed project file, so its
        # results and site go to the warehouse too; its suites are written by sync_suites
        project_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXPECTATIONS_DIR / "gx" / "great_expectations.yml", project_file)
    context = gx.get_context(
        mode="file",
        project_root_dir=str(gx_root()),
        # GX's own variable substitution: the project file stays as committed
        runtime_environment={RESULTS_VAR: f"{dirs.results}/", SITE_VAR: f"{dirs.site}/"},
    )
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def sync_suites(context, config: dict[str, Any]) -> None:
    """Write suites/checkpoints into the file context when gate.yml changed."""
    import great_expectations as gx

    try:
        datasource = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        datasource = context.data_sources.add_pandas(DATASOURCE)
    for name, spec in config["suites"].items():
        digest = hashlib.sha256(yaml.safe_dump(spec, sort_keys=True).encode()).hexdigest()[:16]
        suite_name = f"newsetl_{name}"
        try:
            existing = context.suites.get(suite_name)
        except Exception:  # noqa: BLE001 - GX raises its own not-found types
            existing = None
        changed = existing is None or (existing.meta or {}).get("config_hash") != digest
        if not changed and _has_current_checkpoint(context, f"gate_{name}"):
            continue  # nothing to write: keeps the committed context files stable
        if changed:
            suite = gx.ExpectationSuite(
                name=suite_name, meta={"config_hash": digest, "description": spec.get("description", "")}
            )
            for exp in spec["expectations"]:
                cls = getattr(gx.expectations, _class_name(exp["expectation"]))
                suite.add_expectation(
                    cls(
                        **exp.get("kwargs", {}),
                        meta={"severity": exp.get("severity", "batch"), "why": exp.get("why", "")},
                    )
                )
            suite = context.suites.add_or_update(suite)
        else:
            suite = existing
        asset_name = f"{name}_frame"
        try:
            asset = datasource.get_asset(asset_name)
        except LookupError:
            asset = datasource.add_dataframe_asset(asset_name)
        try:
            batch_def = asset.get_batch_definition("whole")
        except (KeyError, ValueError):
            batch_def = asset.add_batch_definition_whole_dataframe("whole")
        vd = gx.ValidationDefinition(name=f"validate_{name}", data=batch_def, suite=suite)
        vd = context.validation_definitions.add_or_update(vd)
        cp = gx.Checkpoint(
            name=f"gate_{name}",
            validation_definitions=[vd],
            actions=[],  # Data Docs are built once per gate run (run_gate), not once per suite
            result_format={"result_format": "SUMMARY"},
        )
        context.checkpoints.add_or_update(cp)


def _has_current_checkpoint(context, name: str) -> bool:
    try:
        checkpoint = context.checkpoints.get(name)
    except Exception:  # noqa: BLE001 - GX raises its own not-found types
        return False
    return not checkpoint.actions  # older layout: a Data Docs rebuild per suite


def prune_validation_results(dirs: QualityDirs, keep: int = KEEP_VALIDATIONS) -> int:
    """Keep the newest ``keep`` stored validation results per suite (and their Data Docs pages).

    GX keeps every result forever and re-reads all of them to render the Data Docs index:
    the gate grew slower with every run (8 s after a few hundred). The full history of
    every gate result stays in ``ops.gate_results``; GX keeps the recent ones for browsing.
    """
    store = dirs.results
    site = dirs.site / "validations"
    removed = 0
    if not store.is_dir():
        return 0
    for suite_dir in (p for p in store.iterdir() if p.is_dir()):
        results = sorted(suite_dir.rglob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in results[keep:]:
            rel = old.relative_to(store)
            old.unlink(missing_ok=True)
            (site / rel).with_suffix(".html").unlink(missing_ok=True)
            removed += 1
        for folder in sorted((p for p in suite_dir.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only empty ones
    return removed


def _observed(result: dict[str, Any]) -> str:
    if "observed_value" in result:
        return str(result["observed_value"])[:200]
    if "unexpected_count" in result:
        sample = result.get("partial_unexpected_list") or []
        return f"{result['unexpected_count']} unexpected (e.g. {sample[:3]})"[:200]
    return ""


def gx_run_id(run_name: str) -> Any:
    """GX's identifier of this run, with its time given (now, UTC).

    Without a time GX parses one out of the run name with dateutil, and a run id such as
    ``20261122T065733Z-6096ad`` parses as a date with a 60:96 UTC offset ("ad"), which
    fails the whole gate (about 1 run in 3,000, seen once in CI).
    """
    from great_expectations.core.run_identifier import RunIdentifier

    return RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))


# ------------------------------------------------------------------ outcomes reused
# Importing great-expectations costs seconds (the largest import of a run) and a re-run with no
# new files validates the same frames as an earlier run. Each suite's results of a passing gate
# are kept with a fingerprint of what decided them (the resolved config, the GX version, the
# suite's frame); a frame with a known fingerprint gets the same results without GX. A few are
# kept per suite: the first re-run after new pages validates an empty "this run's articles"
# frame, which an earlier re-run saw.
GATE_CACHE = "last-gate.json"  # in the warehouse's work folder
KEEP_PER_SUITE = 4


def suite_fingerprints(frames: dict[str, Any], config: dict[str, Any]) -> dict[str, str]:
    """Per suite, what its results depend on: the resolved config, the GX version and its frame."""
    from importlib.metadata import version

    base = hashlib.sha256()
    base.update(json.dumps(config, sort_keys=True, default=str).encode())
    base.update(version("great_expectations").encode())
    out = {}
    for name, frame in frames.items():
        digest = base.copy()
        digest.update(name.encode())
        digest.update(repr(list(zip(frame.columns, map(str, frame.dtypes), strict=True))).encode())
        # to_json, not hash_pandas_object: the frames hold lists (unhashable cells)
        digest.update(
            frame.to_json(orient="split", index=False, date_format="iso", default_handler=str).encode()
        )
        out[name] = digest.hexdigest()
    return out


def _read_cache(cache: Path) -> dict[str, Any]:
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) and isinstance(stored.get("suites"), dict) else {}


def cached_results(
    cache: Path, fingerprints: dict[str, str]
) -> tuple[dict[str, list[ExpectationOutcome]], str | None]:
    """The stored results of every suite whose fingerprint is known, and the Data Docs they came with."""
    stored = _read_cache(cache)
    hits: dict[str, list[ExpectationOutcome]] = {}
    for name, fingerprint in fingerprints.items():
        for entry in stored.get("suites", {}).get(name, []):
            if entry.get("fingerprint") == fingerprint:
                with contextlib.suppress(KeyError, TypeError):
                    hits[name] = [ExpectationOutcome(**r) for r in entry["results"]]
                break
    return hits, stored.get("data_docs")


def store_results(cache: Path, fingerprints: dict[str, str], outcome: GateOutcome) -> None:
    """Keep a passing gate's results per suite for :func:`cached_results`; a failing gate clears
    them (it is validated again each run, with fresh Data Docs for whoever looks into it)."""
    if not outcome.success:
        cache.unlink(missing_ok=True)
        return
    suites = _read_cache(cache).get("suites", {})
    for name, fingerprint in fingerprints.items():
        results = [asdict(r) for r in outcome.results if r.suite == name]
        kept = [e for e in suites.get(name, []) if e.get("fingerprint") != fingerprint]
        suites[name] = [{"fingerprint": fingerprint, "results": results}, *kept][:KEEP_PER_SUITE]
    payload = {"suites": suites, "data_docs": outcome.data_docs}
    tmp = cache.with_name(cache.name + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, cache)


def run_gate_reusing(
    frames: dict[str, Any],
    run_name: str,
    config: dict[str, Any],
    cache: Path,
    warehouse_dir: Path | None = None,
) -> tuple[GateOutcome, int]:
    """:func:`run_gate` for the suites whose frame has no stored results; the others' results are
    reused (no great-expectations import when none is left). Returns the outcome and the number
    of suites reused."""
    fingerprints = suite_fingerprints(frames, config)
    hits, docs = cached_results(cache, fingerprints)
    todo = {name: frame for name, frame in frames.items() if name not in hits}
    fresh = run_gate(todo, run_name, config, warehouse_dir) if todo else GateOutcome(data_docs=docs)
    results = [
        r
        for name in config["suites"]
        if name in frames
        for r in (hits.get(name) or [x for x in fresh.results if x.suite == name])
    ]
    outcome = GateOutcome(results=results, data_docs=fresh.data_docs)
    store_results(cache, fingerprints, outcome)
    return outcome, len(hits)


def run_gate(
    frames: dict[str, Any],
    run_name: str,
    config: dict[str, Any] | None = None,
    warehouse_dir: Path | None = None,
) -> GateOutcome:
    """Validate one DataFrame per configured suite; return every expectation's outcome.

    Results and Data Docs pages go to ``warehouse_dir``'s own folders (:func:`quality_dirs`).
    """
    config = config or load_config()
    dirs = quality_dirs(warehouse_dir)
    context = _context(dirs)
    sync_suites(context, config)
    outcome = GateOutcome()
    new_results: list = []
    for name, spec in config["suites"].items():
        if name not in frames:
            continue
        if "rules" in spec:
            frames[name] = rule_columns(frames[name], spec["rules"])
        checkpoint = context.checkpoints.get(f"gate_{name}")
        result = checkpoint.run(
            batch_parameters={"dataframe": frames[name]},
            expectation_parameters=dict(config.get("parameters") or {}),
            run_id=gx_run_id(run_name),
        )
        new_results.extend(result.run_results)
        for suite_result in result.run_results.values():
            for r in suite_result.results:
                cfg = r.expectation_config
                meta = cfg.meta or {}
                outcome.results.append(
                    ExpectationOutcome(
                        suite=name,
                        expectation=cfg.type,
                        column=cfg.kwargs.get("column")
                        or ",".join(cfg.kwargs.get("column_list") or [])
                        or None,
                        severity=meta.get("severity", "batch"),
                        success=bool(r.success),
                        observed=_observed(r.result or {}),
                        why=meta.get("why", ""),
                    )
                )
    prune_validation_results(dirs)
    context.build_data_docs(resource_identifiers=new_results)  # this run's pages and the index only

    make_offline(dirs.site)  # CSS and JS from the site itself, not CDNs: readable offline
    outcome.data_docs = str(dirs.index) if dirs.index.exists() else None
    return outcome
