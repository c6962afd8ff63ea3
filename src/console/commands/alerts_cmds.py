"""``console alerts``: open alerts, acknowledge, silence, history, headless evaluation."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from console.commands.output import add_json, emit, short_time
from console.core.alerts import engine, evidence, notify, silences
from console.core.alerts.records import Alert
from console.core.base import clock
from console.core.base.alert_rules import parse_duration
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.workspace import Workspace


def register(sub: Any) -> None:
    alerts = sub.add_parser("alerts")
    act = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    lst = act.add_parser("list", help="open alerts, worst first (exit 1 if a critical fires)")
    lst.add_argument("--all", action="store_true", help="also inactive and resolved alerts")
    add_json(lst).set_defaults(run=run_list)

    ack = act.add_parser("ack", help="acknowledge an open alert: reminders and escalation stop")
    ack.add_argument("rule")
    ack.add_argument("--note", default="", help="what you are doing about it")
    add_json(ack).set_defaults(run=run_ack)

    sil = act.add_parser("silence", help="mute matching alerts' notifications for a while")
    sil.add_argument("--match", required=True, metavar="KEY=GLOB,...",
                     help="rule=, metric= and/or severity= globs, e.g. rule=f1_*")  # fmt: skip
    until = sil.add_mutually_exclusive_group(required=True)
    until.add_argument("--for", dest="duration", metavar="DURATION", help="e.g. 30m, 4h, 2d")
    until.add_argument("--until", metavar="ISO-TIME", help="e.g. 2026-12-01T08:00Z")
    sil.add_argument("--reason", required=True)
    add_json(sil).set_defaults(run=run_silence)

    uns = act.add_parser("unsilence", help="end a silence now")
    uns.add_argument("id", type=int)
    add_json(uns).set_defaults(run=run_unsilence)

    sls = act.add_parser("silences", help="silences in force (--all: also ended ones)")
    sls.add_argument("--all", action="store_true")
    add_json(sls).set_defaults(run=run_silences)

    his = act.add_parser("history", help="alert events, newest first")
    his.add_argument("--rule")
    his.add_argument("--kind", help="e.g. fired, resolved, acknowledged, escalated")
    his.add_argument("--severity", choices=["critical", "warning"])
    his.add_argument("--since", metavar="DURATION", help="only the last 7d, 12h, ...")
    his.add_argument("--limit", type=int, default=100)
    add_json(his).set_defaults(run=run_history)

    ev = act.add_parser("evaluate", help="run the rules on the latest check report now")
    add_json(ev).set_defaults(run=run_evaluate)


def _firing_critical(alerts: list[Alert]) -> bool:
    return any(a.state == "firing" and a.severity == "critical" for a in alerts)


def alert_line(a: Alert) -> str:
    value = "–" if a.value is None else f"{a.value:.4g}"
    quiet = f"  [{a.quiet_reason}]" if a.quiet_reason else ""
    since = short_time(a.fired_at if a.state == "firing" else a.since)
    return (
        f"{a.severity.upper():<8} {a.state:<8} {a.rule:<16} {value:>8}  {a.condition:<28} "
        f"since {since}{quiet}"
    )


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    alerts = engine.all_alerts(ws) if args.all else engine.open_alerts(ws)
    failed = notify.failures(ws, 5)
    # alerts that judge a version no longer in production, as the window marks them
    stale = evidence.stale_evidence(ws, alerts)

    def text() -> str:
        lines = ["No open alerts."] if not alerts else []
        for a in alerts:
            lines.append(alert_line(a))
            if a.rule in stale:
                lines.append(f"{'':<8} {stale[a.rule].note} ({stale[a.rule].estimate})")
        lines += [f"notification failed: {n.channel} {n.target} {n.error}".strip() for n in failed]
        return "\n".join(lines)

    emit(
        args,
        {
            "alerts": [
                a.as_dict() | {"stale_evidence": _stale_dict(stale.get(a.rule))} for a in alerts
            ],
            "notification_failures": [n.as_dict() for n in failed],
        },
        text,
    )
    return EXIT_PROBLEM if _firing_critical(alerts) else EXIT_OK


def _stale_dict(found: evidence.StaleEvidence | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "note": found.note,
        "estimate": found.estimate,
        "deployed_at": found.deployed_at,
        "production": found.version,
        "scored_by": found.scored_by,
    }


def run_ack(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    alert = engine.acknowledge(ws, user, args.rule, args.note)
    emit(args, alert.as_dict(), lambda: f"Acknowledged {alert.rule} ({alert.severity}) as {user}.")
    return EXIT_OK


def _until(args: argparse.Namespace) -> datetime:
    if args.duration:
        try:
            return clock.now() + timedelta(seconds=parse_duration(args.duration))
        except ValueError as exc:
            raise BadInput(f"--for: {exc}") from None
    try:
        moment = datetime.fromisoformat(args.until.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"--until: {args.until!r} is not an ISO-8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run_silence(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    made = silences.silence(ws, user, silences.parse_matcher(args.match), _until(args), args.reason)
    emit(
        args,
        made.as_dict(),
        lambda: f"Silence {made.id}: {args.match} until {short_time(made.until)} UTC.",
    )
    return EXIT_OK


def run_unsilence(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    ended = silences.unsilence(ws, user, args.id)
    emit(args, ended.as_dict(), lambda: f"Silence {ended.id} ended.")
    return EXIT_OK


def run_silences(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    found = silences.list_silences(ws, include_ended=args.all)

    def text() -> str:
        if not found:
            return "No silences in force."
        return "\n".join(
            f"{s.id:>4}  {','.join(f'{k}={v}' for k, v in s.matcher.items()):<24} "
            f"until {short_time(s.until)}  by {s.created_by}: {s.reason}"
            + (f"  (ended {short_time(s.ended_at)})" if s.ended_at else "")
            for s in found
        )

    emit(args, {"silences": [s.as_dict() for s in found]}, text)
    return EXIT_OK


def run_history(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    since = None
    if args.since:
        try:
            since = clock.now() - timedelta(seconds=parse_duration(args.since))
        except ValueError as exc:
            raise BadInput(f"--since: {exc}") from None
    flt = engine.HistoryFilter(args.rule, args.kind, args.severity, since, args.limit)
    events = engine.history(ws, flt)

    def text() -> str:
        if not events:
            return "No alert events."
        return "\n".join(
            f"{short_time(e.at)}  {e.severity:<8} {e.rule:<16} {e.kind:<15} "
            f"{e.from_state}->{e.to_state:<9} {e.user:<8} {e.detail}".rstrip()
            for e in events
        )

    emit(args, {"events": [e.as_dict() for e in events]}, text)
    return EXIT_OK


def run_evaluate(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    events = engine.evaluate_latest(ws, user)
    alerts = engine.open_alerts(ws)

    def text() -> str:
        head = f"{len(events)} alert event(s); {len(alerts)} open alert(s)."
        lines = [f"  {e.rule}: {e.kind} {e.detail}".rstrip() for e in events]
        return "\n".join([head, *lines, *(alert_line(a) for a in alerts)])

    emit(
        args,
        {"events": [e.as_dict() for e in events], "open": [a.as_dict() for a in alerts]},
        text,
    )
    return EXIT_PROBLEM if _firing_critical(alerts) else EXIT_OK
