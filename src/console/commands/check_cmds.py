"""``console check``, ``console metrics`` and ``console system``: the daily checks."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.commands.output import add_json, emit, terminal_job
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.workspace import Workspace
from console.core.monitoring import checks, report_html

if TYPE_CHECKING:
    from console.core.monitoring import performance

MARKS = {"ok": "ok", "warning": "WARN", "critical": "CRIT", "no_data": "n/a"}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: Any) -> None:
    chk = sub.add_parser("check")
    chk.add_argument("--html", type=Path, metavar="FILE", help="also write the report as HTML")
    chk.add_argument(
        "--last", action="store_true", help="show the last stored report instead of running"
    )
    add_json(chk).set_defaults(run=run_check)

    met = sub.add_parser("metrics")
    met.add_argument("--window", choices=["hour", "day", "week"], default="day")
    met.add_argument("--start", type=_date, help="first day (YYYY-MM-DD)")
    met.add_argument("--end", type=_date, help="last day (YYYY-MM-DD)")
    met.add_argument("--segments", action="store_true", help="per segment instead of per window")
    add_json(met).set_defaults(run=run_metrics)

    sysp = sub.add_parser("system")
    sysp.add_argument("--hours", type=float, default=24.0, help="stored samples of this span")
    sysp.add_argument("--sample", type=int, default=0, metavar="N", help="take N samples first")
    sysp.add_argument("--every", type=float, default=60.0, metavar="S", help="seconds between")
    add_json(sysp).set_defaults(run=run_system)


def _report_text(report: checks.CheckReport) -> str:
    lines = [f"Daily checks {report.created_at[:19].replace('T', ' ')} UTC: {report.status}"]
    for c in report.checks:
        value = "-" if c.value is None else f"{c.value:.4g}"
        lines.append(
            f"  {MARKS.get(c.status, c.status):<4}  {c.name:<18} {value:>9}  {c.explanation}"
        )
    return "\n".join(lines)


def run_check(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.last:
        found = checks.latest_report(ws)
        if found is None:
            raise BadInput("no check report is stored yet: run 'console check'")
        report = found
    else:
        from console.core.alerts.check_run import check_and_evaluate

        report = check_and_evaluate(ws, user, ctx=terminal_job(args)).report
    if args.html:
        report_html.export_html(ws, user, report, args.html)
    emit(args, report.as_dict(), lambda: _report_text(report))
    return EXIT_PROBLEM if report.status == "critical" else EXIT_OK


def run_metrics(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.monitoring import performance  # numpy: only when metrics are asked

    ctx = terminal_job(args)
    if args.segments:
        tables = performance.segment_metrics(ws, start=args.start, end=args.end, ctx=ctx)
        data: dict[str, Any] = {name: t.rows() for name, t in tables.items()}
        emit(args, {"segments": data}, lambda: _segments_text(tables))
        return EXIT_OK
    table = performance.windowed_metrics(
        ws, window=args.window, start=args.start, end=args.end, ctx=ctx
    )
    rows = table.rows()
    emit(args, {"window": args.window, "windows": rows}, lambda: _windows_text(rows))
    return EXIT_OK


def _fmt(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _windows_text(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'window':<20} {'rows':>8} {'labelled':>8} {'F1':>6} {'est F1':>6} {'prec':>6} "
        f"{'recall':>6} {'FPR':>7} {'est FPR':>7} {'AUC':>6}  note"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['window'][:16].replace('T', ' '):<20} {int(r['n']):>8,} {int(r['labelled']):>8,} "
            f"{_fmt(r['f1']):>6} {_fmt(r['est_f1']):>6} {_fmt(r['precision']):>6} "
            f"{_fmt(r['recall']):>6} {_fmt(r['fpr'], '.2%'):>7} {_fmt(r['est_fpr'], '.2%'):>7} "
            f"{_fmt(r['roc_auc']):>6}  {r['note']}"
        )
    return "\n".join(lines) if rows else "No predictions stored in that range."


def _segments_text(tables: dict[str, performance.MetricTable]) -> str:
    lines = []
    for name, table in tables.items():
        lines.append(f"{name}:")
        for r in table.rows():
            lines.append(
                f"  {r['window']:<14} {int(r['n']):>8,} rows  F1 {_fmt(r['f1'])}  "
                f"FPR {_fmt(r['fpr'], '.2%')}  AUC {_fmt(r['roc_auc'])}  {r['note']}"
            )
    return "\n".join(lines) if lines else "No segment columns are configured."


def run_system(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.sample < 0 or args.every <= 0 or args.hours <= 0:
        raise BadInput("--sample must be >= 0, --every and --hours > 0")
    from console.core.monitoring import system  # numpy and psutil: only for this command

    if args.sample:
        ws.authorize(user, "check.run", "system-sample")
    probe = system.ServiceProbe()
    system.machine_sample(ws)  # prime the CPU counter
    for i in range(args.sample):
        time.sleep(args.every if i else min(args.every, 1.0))
        sample = system.machine_sample(ws) | probe.read(ws)
        system.store_sample(ws, time.time(), sample)
    if args.sample:
        system.compact(ws, time.time())
    series = system.stored_series(ws, time.time() - args.hours * 3600)
    samples: list[dict[str, float | None]] = [
        {
            "ts": float(series["ts"][i]),
            **{
                f: (None if math.isnan(series[f][i]) else float(series[f][i]))
                for f in system.FIELDS
            },
        }
        for i in range(len(series["ts"]))
    ]
    data = {"samples": samples}

    def text() -> str:
        n = len(series["ts"])
        if not n:
            return "No system samples stored in that span (take some with --sample N)."
        last = samples[-1]
        stamp = dt.datetime.fromtimestamp(float(last["ts"] or 0), dt.UTC).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        parts = [f"{n} samples; last at {stamp} UTC:"]
        for f in system.FIELDS:
            parts.append(f"  {f:<15} {_fmt(last[f], '.3f')}")
        return "\n".join(parts)

    emit(args, data, text)
    return EXIT_OK
