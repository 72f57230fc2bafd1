"""``newsetl``: run, serve, status, sql, accept, set-aside.

Heavy imports (Prefect, dbt, GX) happen inside the subcommands, so
``newsetl status`` and ``newsetl sql`` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from newsetl.app.prefect_server import TemporaryServer
from newsetl.app.schedule import _healthy, serve
from newsetl.app.sqlshell import run_sql
from newsetl.app.status import failure_line, print_status
from newsetl.config import DEFAULT_INPUT, DEFAULT_WAREHOUSE, configure_environment, environment, make_paths
from newsetl.pipeline import progress
from newsetl.pipeline.decisions import main_accept, main_set_aside
from newsetl.pipeline.ingest import MANIFEST_NAME
from newsetl.pipeline.quality.gate import GATE_CACHE
from newsetl.pipeline.report import print_report
from newsetl.pipeline.run_record import new_run_id
from newsetl.pipeline.stages import unchanged_run
from newsetl.warehouse.backend import BackendMismatch, resolve
from newsetl.warehouse.lock import RunInProgress, run_lock
from newsetl_tools.synth import add_arguments as _synth_args
from newsetl_tools.synth import run as run_synth


def _add_paths(p: argparse.ArgumentParser, with_input: bool = True) -> None:
    if with_input:
        p.add_argument("--input", default=str(DEFAULT_INPUT), help="folder of input pages (default: seeds/)")
    p.add_argument(
        "--warehouse", default=str(DEFAULT_WAREHOUSE), help="warehouse folder (default: warehouse/)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsetl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the pipeline once and publish if the quality gate passes")
    _add_paths(run)
    run.add_argument(
        "--full-refresh", action="store_true", help="reprocess every document and rebuild all models"
    )
    run.add_argument(
        "--workers", type=int, default=None, help="processes for the text work (default: all cores)"
    )
    run.add_argument(
        "--backend",
        choices=("duckdb", "ducklake"),
        default=None,
        help="publish to one DuckDB file (duckdb) or a DuckLake (ducklake); default from NEWSETL_BACKEND, "
        "else what the warehouse folder already uses, else duckdb",
    )
    run.add_argument(
        "--catalog",
        default=None,
        help="DuckLake catalog: postgresql://... or a SQLite file (default from NEWSETL_CATALOG, "
        "else <warehouse>/lake.sqlite)",
    )
    run.add_argument("--json", action="store_true", help="print the run summary as JSON (for programs)")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="also show Prefect's log lines (task states, timings)"
    )
    run.add_argument(
        "--dask",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="run the text work on a Dask cluster via prefect-dask: a scheduler address (tcp://host:8786), "
        "or no value for a local cluster of --workers processes (default from NEWSETL_DASK_ADDRESS)",
    )

    serve = sub.add_parser("serve", help="serve a scheduled deployment on a local Prefect server")
    _add_paths(serve)
    serve.add_argument(
        "--cron", default=None, help="cron schedule (default from NEWSETL_CRON or '0 * * * *')"
    )
    serve.add_argument(
        "--interval", type=float, default=None, help="schedule every N seconds instead of cron"
    )
    serve.add_argument("--port", type=int, default=4200, help="local Prefect server port (127.0.0.1 only)")

    status = sub.add_parser(
        "status", help="recent runs, gate results and freshness of the published warehouse"
    )
    _add_paths(status, with_input=False)
    status.add_argument("--limit", type=int, default=10)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--run", default=None, help="show every gate result of this run (default: the latest)"
    )

    synth = sub.add_parser("synth", help="write a deterministic synthetic corpus of realistic pages")

    _synth_args(synth)

    sql = sub.add_parser("sql", help="query the published warehouse read-only")
    _add_paths(sql, with_input=False)
    sql.add_argument("-c", "--command", dest="query", default=None, help="run one query and print its result")
    sql.add_argument(
        "--format",
        choices=("box", "csv", "json"),
        default="box",
        help="-c output: box (a table, at most 100 rows), csv or json (every row)",
    )

    accept = sub.add_parser(
        "accept",
        help="publish the latest run although the quality gate blocked it (recorded in ops.decisions)",
    )
    _add_paths(accept, with_input=False)
    accept.add_argument("run_id", help="the blocked run (newsetl status shows it)")
    accept.add_argument("--reason", required=True, help="why it is right to publish it")

    aside = sub.add_parser(
        "set-aside",
        help="keep an article or an input file out of the marts and the gate from the next run on",
    )
    _add_paths(aside, with_input=False)
    target = aside.add_mutually_exclusive_group(required=True)
    target.add_argument("--article", help="article_id (newsetl status, marts.fct_quarantine)")
    target.add_argument("--file", help="input path relative to the input folder")
    aside.add_argument("--reason", default="", help="why (required unless --undo)")
    aside.add_argument("--undo", action="store_true", help="take a set-aside back")

    report = sub.add_parser("report", help="print (or open) the HTML report of the latest published run")
    _add_paths(report, with_input=False)
    report.add_argument("--open", action="store_true", help="open it in the default browser")
    report.add_argument("--rebuild", action="store_true", help="render it again from the published warehouse")
    return parser


# Exit codes of every command (README "Command line").
EXIT_OK = 0
EXIT_FAILED = 1  # the run failed or the quality gate blocked it: nothing published
EXIT_USAGE = 2  # bad arguments, input folder missing
EXIT_LOCKED = 3  # another run holds the warehouse
EXIT_NO_INPUT = 4  # the input folder has no input files: nothing to do, nothing started


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here, not at interpreter exit, where a closed pipe cannot be handled
        return code
    except BrokenPipeError:
        # `newsetl status | head -1`: the reader left; that is not an error worth a traceback.
        # Point stdout at /dev/null so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _main(argv: list[str] | None) -> int:
    configure_environment()
    args = build_parser().parse_args(argv)
    if args.command == "run":
        code = cmd_run(args)
        return _exit_now(code) if argv is None else code  # argv None: the command line, not a caller
    if args.command == "serve":
        return serve(args.input, args.warehouse, cron=args.cron, interval=args.interval, port=args.port)
    if args.command == "status":
        return print_status(make_paths(None, args.warehouse), args.limit, as_json=args.json, run_id=args.run)
    if args.command == "synth":
        return run_synth(args)
    if args.command == "sql":
        return run_sql(make_paths(None, args.warehouse), args.query, args.format)
    if args.command == "accept":
        return main_accept(make_paths(None, args.warehouse), args.run_id, args.reason)
    if args.command == "set-aside":
        kind, target = ("article", args.article) if args.article else ("file", args.file)
        if not args.undo and not args.reason.strip():
            print("newsetl: set-aside needs --reason", file=sys.stderr)
            return 2
        return main_set_aside(make_paths(None, args.warehouse), kind, target, args.reason, args.undo)
    if args.command == "report":
        return print_report(make_paths(None, args.warehouse), open_browser=args.open, rebuild=args.rebuild)
    return 2


def cmd_run(args: argparse.Namespace) -> int:
    paths = make_paths(args.input, args.warehouse)
    if not paths.input_dir.is_dir():
        print(f"newsetl: input folder not found: {paths.input_dir}", file=sys.stderr)
        return EXIT_USAGE
    if not has_input_files(paths.input_dir):
        # Before Prefect and dbt start: an empty folder (often a missing mount) is not a run
        # that ingests nothing, and it must never retire every published document.
        kept = (
            f"{paths.published_db} unchanged"
            if paths.published_db.exists()
            else "no warehouse has been published yet"
        )
        print(
            f"newsetl: no input files in {paths.input_dir} (hidden files and manifest.csv do not count); "
            f"nothing run, {kept}",
            file=sys.stderr,
        )
        return EXIT_NO_INPUT

    try:  # before Prefect starts: a wrong backend or catalog is a usage error
        target = resolve(paths.warehouse_dir, args.backend, args.catalog)
    except (BackendMismatch, ValueError) as exc:
        print(f"newsetl: {exc}", file=sys.stderr)
        return EXIT_USAGE

    if not args.verbose:
        # Prefect's INFO lines (task states, the run summary as JSON) still reach its API and
        # UI; the terminal gets the stage lines below, warnings and errors.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

    progress.set_reporter(progress.ConsoleProgress())
    try:
        # Take the lock before Prefect starts, so a rival run is refused at once.
        with run_lock(paths.lock_file):
            # nothing changed since the last publish: recorded without Prefect, dbt or the gate
            summary = None if args.full_refresh or target.is_lake else unchanged_run(paths, new_run_id())
            if summary is None:
                summary = _full_run(args, paths)
            if summary is None:  # the quality gate blocked the run
                return EXIT_FAILED
    except RunInProgress as exc:
        print(f"newsetl: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except Exception as exc:  # noqa: BLE001 - one clear line for the operator
        print(failure_line(exc, paths), file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    else:
        print(format_summary(summary))
    return EXIT_OK


def _full_run(args: argparse.Namespace, paths) -> dict | None:
    """The flow, on a temporary Prefect server unless one is configured; None if the gate blocked it."""
    _reuse_prefect_server()
    server = _start_temporary_server()  # stopped by an exit hook, after Prefect's
    if _gate_may_validate(paths):
        # the quality gate's library, imported before the flow starts: inside a flow run
        # Prefect's threads slow a large import (+4-6 s measured); skipped when the gate
        # will most likely reuse its last outcome (quality/gate.py cached_outcome), even
        # beside a temporary server's boot: it costs CPU and memory for the whole run
        import great_expectations  # noqa: F401

    from flows.etl import GateBlocked, etl  # deferred: Prefect, loaded only when a run starts

    if not args.verbose:
        _quiet_run_tracebacks()
    if server is not None:
        server.wait_ready(float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")))
    try:
        return etl(
            str(paths.input_dir),
            str(paths.warehouse_dir),
            args.full_refresh,
            args.workers,
            dask_address=args.dask,
            backend=args.backend,
            catalog=args.catalog,
            check_unchanged=False,  # checked above, before Prefect was imported
        )
    except GateBlocked as exc:
        print(failure_line(exc, paths, gate=True), file=sys.stderr)  # one line: what failed, where to look
        return None


def _quiet_run_tracebacks() -> None:
    """On the terminal a failed run is the one line the CLI prints (stage, reason, where to look);
    the flow engine's error record with its traceback still reaches Prefect's API and UI."""
    import logging

    from prefect.logging.handlers import PrefectConsoleHandler

    def keep(record: logging.LogRecord) -> bool:
        return not (record.exc_info and record.name.startswith(("prefect.flow_runs", "prefect.task_runs")))

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler):
            handler.addFilter(keep)


def has_input_files(input_dir: Path) -> bool:
    """True as soon as the folder holds one entry the ingest would look at (stops at the first).

    Same rules as ``newsetl.pipeline.ingest.discover``: hidden files and folders and the manifest do not
    count; anything else does, even a file ingest will quarantine (it is reported, not ignored).
    """
    unlistable: list[OSError] = []
    for _dirpath, dirnames, filenames in os.walk(input_dir, followlinks=False, onerror=unlistable.append):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        if any(not n.startswith(".") and n != MANIFEST_NAME for n in filenames):
            return True
    # a folder that cannot be listed is not an empty one: the run reports it (raw.quarantine)
    return bool(unlistable)


def _gate_may_validate(paths) -> bool:
    """False when nothing in the input folder changed since the last passing gate was stored
    (no file or folder modified after it, so no page added, changed, renamed or removed).

    Only a guess for when to import great-expectations; the gate itself compares its frames.
    """
    try:
        stored = (paths.work_dir / GATE_CACHE).stat().st_mtime_ns
    except OSError:
        return True
    for dirpath, _dirnames, filenames in os.walk(paths.input_dir):
        for path in (dirpath, *(os.path.join(dirpath, n) for n in filenames)):
            try:
                if os.stat(path).st_mtime_ns >= stored:
                    return True
            except OSError:
                return True
    return False


def _reuse_prefect_server() -> None:
    """Opt-in: run against a running local Prefect server instead of a temporary one (saves ~4-8 s).

    ``NEWSETL_PREFECT_SERVER=auto`` uses the server on 127.0.0.1:4200 (what ``newsetl serve``
    starts) when it answers, else falls back to the temporary server; a URL uses that API.
    Off by default: a run must not depend on a server someone else may stop mid-run.
    ``PREFECT_API_URL``, when set, always wins (Prefect's own setting).
    """
    import os

    choice = environment().prefect_server
    if not choice or os.environ.get("PREFECT_API_URL"):
        return

    url = "http://127.0.0.1:4200/api" if choice == "auto" else choice.rstrip("/")
    if _healthy(url):
        os.environ["PREFECT_API_URL"] = url


def _exit_now(code: int) -> int:
    """End a run without the interpreter's slow teardown (~0.5-1 s of module and thread clean-up).

    Everything a run leaves behind is already committed and closed; the exit hooks (Prefect's
    log and event flush, then the temporary server's stop) still run, in their usual order.
    """
    if not environment().fast_exit:
        return code
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _start_temporary_server():
    """Start this run's temporary Prefect server (``newsetl.app.prefect_server``) unless an API URL is set.

    Returns at once: the server boots while the caller imports great-expectations and the
    flow, then ``wait_ready``. Prefect finds it through ``PREFECT_API_URL``, set here before
    Prefect is first imported (its settings are read then).
    """
    if os.environ.get("PREFECT_API_URL"):
        return None
    import atexit

    server = TemporaryServer()
    os.environ["PREFECT_API_URL"] = server.start()
    # No "View at http://127.0.0.1:<port>/..." line: this server stops with the run, so the
    # link would lead nowhere (Prefect prints no link when its UI URL is empty).
    os.environ["PREFECT_UI_URL"] = ""
    # registered before Prefect is imported, so it runs after Prefect's own exit hooks
    # (they flush the run's last logs and events to this server)
    atexit.register(server.stop)
    return server


TOPICS_SHOWN = 8  # primary topics named in the summary; the rest are counted


def format_summary(summary: dict) -> str:
    ingest = summary.get("ingest", {})
    process = summary.get("process", {})
    all_topics = list(summary.get("topics", {}).items())
    topics = ", ".join(f"{k} {v}" for k, v in all_topics[:TOPICS_SHOWN])
    if len(all_topics) > TOPICS_SHOWN:
        rest = all_topics[TOPICS_SHOWN:]
        n_rest = sum(v for _, v in rest)
        topics += (
            f", and {len(rest)} more ({n_rest} article{'' if n_rest == 1 else 's'}; "
            "all: newsetl sql -c 'FROM marts.dim_topics')"
        )
    timings = ", ".join(f"{k} {v}" for k, v in summary.get("timings", {}).items())
    rss = ", ".join(f"{k} {v}" for k, v in summary.get("peak_rss_mb", {}).items())
    lines = [
        f"run {summary['run_id']}: {summary['status']}",
        f"  files seen {ingest.get('files_seen', 0)}, read {ingest.get('files_read', 0)}, "
        f"new documents {ingest.get('documents_new', 0)}, quarantined {ingest.get('quarantined', 0)}",
        f"  documents processed {process.get('documents', 0)}, articles written {process.get('articles', 0)}",
        f"  warehouse: {summary.get('documents', 0)} documents, {summary.get('articles', 0)} articles "
        f"({summary.get('fragments', 0)} fragments)",
        f"  primary topics: {topics}",
        f"  quality gate: {summary.get('gate')}",
        f"  published: {summary.get('published')}",
        f"  stage seconds: {timings}",
        f"  peak RSS MB after each stage: {rss}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["main", "Path"]
