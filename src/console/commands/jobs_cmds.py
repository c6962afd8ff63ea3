"""``console jobs``: the maintenance schedules, running jobs now or when due, their runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.files import atomic_write_text
from console.core.base.maintenance_config import JOB_NAMES
from console.core.base.workspace import Workspace
from console.core.maintenance import runner, runs, schedules
from console.core.maintenance.runs import JobRun


def register(sub: Any) -> None:
    jobs = sub.add_parser("jobs")
    actions = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    add_json(
        actions.add_parser("list", help="each job's schedule, next and last run")
    ).set_defaults(run=run_list)
    run = actions.add_parser("run", help="run a job now (operator); exit 1 if it found a problem")
    run.add_argument("name", choices=JOB_NAMES)
    add_json(run).set_defaults(run=run_now)
    due = actions.add_parser(
        "run-due", help="run every job whose schedule is due (what cron or a systemd timer calls)"
    )
    add_json(due).set_defaults(run=run_due)
    hist = actions.add_parser("history", help="recorded runs, newest first")
    hist.add_argument("--job", choices=JOB_NAMES)
    hist.add_argument("--limit", type=int, default=30)
    add_json(hist).set_defaults(run=run_history)
    show = actions.add_parser("show", help="one run with its report")
    show.add_argument("id", type=int)
    show.add_argument("--html", type=Path, metavar="FILE", help="write the report's HTML view")
    add_json(show).set_defaults(run=run_show)
    cancel = actions.add_parser("cancel", help="ask a running job to stop (any process)")
    cancel.add_argument("id", type=int)
    add_json(cancel).set_defaults(run=run_cancel)
    sched = actions.add_parser("schedule", help='change a schedule (admin); "" turns it off')
    sched.add_argument("name", choices=JOB_NAMES)
    sched.add_argument("expression", help='cron expression in UTC, e.g. "30 7 * * 1"')
    add_json(sched).set_defaults(run=run_schedule)
    adopt = actions.add_parser(
        "adopt-threshold",
        help="register production with a validated threshold as a new patch version (admin)",
    )
    adopt.add_argument("--run", type=int, dest="run_id", help="validation run (default: latest)")
    adopt.add_argument("--threshold", type=float, help="default: the run's proposed threshold")
    adopt.add_argument("--reason", required=True, help="why (in the new version's card)")
    add_json(adopt).set_defaults(run=run_adopt)


def _schedule_lines(items: list[schedules.ScheduleStatus]) -> str:
    lines = [f"{'job':<13} {'schedule':<14} {'next run':<19}  {'last run':<19}  outcome"]
    for s in items:
        last = s.last_run
        outcome = f"{last.state} (run {last.id})" if last else "-"
        due = "  DUE" if s.due else ""
        lines.append(
            f"{s.name:<13} {s.expression or 'off':<14} {short_time(s.next_run):<19}  "
            f"{short_time(last.started_at if last else None):<19}  {outcome}{due}"
        )
    return "\n".join(lines)


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    items = schedules.status(ws)
    emit(args, {"schedules": [s.as_dict() for s in items]}, lambda: _schedule_lines(items))
    return EXIT_OK


def _run_line(r: JobRun) -> str:
    took = f"{r.seconds:.1f} s" if r.seconds is not None else f"{r.progress:.0%}"
    return (
        f"{r.id:>5}  {r.kind:<13} {r.state:<9} {r.trigger:<8} {r.user:<10} "
        f"{short_time(r.started_at):<19} {took:>8}  {r.message}"
    )


def run_now(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    done = runner.run_job(ws, user, args.name, ctx=terminal_job(args))
    emit(args, done.as_dict(), lambda: _run_line(done))
    ok = bool((done.report or {}).get("ok", True))
    return EXIT_OK if ok else EXIT_PROBLEM


def run_due(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    outcome = runner.run_due(ws, user, ctx=terminal_job(args))

    def text() -> str:
        lines = [f"marked failed (process ended): run {i}" for i in outcome.recovered]
        lines += [_run_line(r) for r in outcome.ran]
        lines += [f"{n}: already running; left due" for n in outcome.busy]
        lines += [f"{n}: FAILED: {e}" for n, e in outcome.failed]
        return "\n".join(lines) or "nothing was due"

    emit(args, outcome.as_dict(), text)
    return EXIT_OK if outcome.ok else EXIT_PROBLEM


def run_history(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.limit < 1:
        raise BadInput(f"--limit {args.limit}: must be at least 1")
    items = runs.history(ws, kind=args.job, limit=args.limit)
    head = f"{'id':>5}  {'job':<13} {'state':<9} {'trigger':<8} {'user':<10} {'started':<19} "
    emit(
        args,
        {"runs": [r.as_dict(with_report=False) for r in items]},
        lambda: "\n".join([head + "    took  message", *(_run_line(r) for r in items)]),
    )
    return EXIT_OK


def run_show(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    found = runs.require(ws, args.id)
    if args.html is not None:
        page = runs.html_of(ws, args.id)
        if not page:
            raise BadInput(f"job run {args.id} has no report yet ({found.state})")
        atomic_write_text(args.html, page)

    def text() -> str:
        report = found.report or {}
        lines = [_run_line(found), f"  parameters: {found.params}"]
        if report.get("summary"):
            lines.append(f"  {report['summary']}")
        lines += [f"  - {s}" for s in report.get("findings", [])]
        return "\n".join(lines)

    emit(args, found.as_dict(), text)
    return EXIT_OK


def run_cancel(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    found = runs.request_cancel(ws, user, args.id)
    emit(args, found.as_dict(with_report=False), lambda: f"asked run {found.id} to stop")
    return EXIT_OK


def run_schedule(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    item = schedules.set_schedule(ws, user, args.name, args.expression)
    emit(args, item.as_dict(), lambda: _schedule_lines([item]))
    return EXIT_OK


def run_adopt(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.models import validation

    run = runs.require(ws, args.run_id) if args.run_id else runs.latest(ws, "validation")
    if run is None or run.kind != "validation" or run.report is None:
        raise BadInput("no finished validation run to take the threshold from; run one first")
    model = validation.adopt_threshold(
        ws, user, run.report, run_id=run.id, threshold=args.threshold, reason=args.reason
    )
    emit(
        args,
        model.as_dict(),
        lambda: (
            f"Registered {model.version} (threshold {model.threshold:.4f}) as a candidate; "
            f"promote it with: console models promote {model.version} --reason ..."
        ),
    )
    return EXIT_OK
