"""``console timeline`` and ``console what-changed``: the incident timeline."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.lineage_cmds import parse_time
from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base import clock
from console.core.base.errors import EXIT_OK, BadInput
from console.core.base.workspace import Workspace
from console.core.lineage import timeline, what_changed


def register(sub: Any) -> None:
    tl = sub.add_parser("timeline")
    tl.add_argument("--since", default="7d", help="from (ISO time, or an age like 2d; default 7d)")
    tl.add_argument("--until", default="now", help="up to (default now)")
    tl.add_argument(
        "--category", action="append", choices=timeline.CATEGORIES, help="only these (repeat)"
    )
    tl.add_argument("--limit", type=int, default=500, help="the newest N events (default 500)")
    add_json(tl).set_defaults(run=run_timeline)
    why = sub.add_parser("what-changed")
    why.add_argument("--alert", metavar="RULE", help="before this alert started")
    why.add_argument("--at", help="before this moment (default now)")
    why.add_argument("--hours", type=float, default=what_changed.HOURS, help="window (72)")
    why.add_argument("--days", type=int, default=what_changed.DATA_DAYS, help="data days (3)")
    add_json(why).set_defaults(run=run_what_changed)


def run_timeline(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    since, until = parse_time(args.since, "--since"), parse_time(args.until, "--until")
    if until <= since:
        raise BadInput(f"--until ({args.until}) is not after --since ({args.since})")
    if args.limit < 1:
        raise BadInput(f"--limit must be at least 1 (got {args.limit})")
    found = timeline.events(
        ws, since=clock.iso(since), until=clock.iso(until),
        categories=set(args.category or []), limit=args.limit,
    )  # fmt: skip

    def text() -> str:
        if not found:
            return "Nothing happened in that window."
        lines = []
        for e in found:
            mark = "" if e.outcome == "ok" else f" [{e.outcome}]"
            who = f" ({e.user})" if e.user else ""
            lines.append(f"{short_time(e.at)}  {e.category:<10} {e.title}{mark}{who}")
        return "\n".join(lines)

    doc = {"since": clock.iso(since), "until": clock.iso(until),
           "events": [e.as_dict() for e in found]}  # fmt: skip
    emit(args, doc, text)
    return EXIT_OK


def run_what_changed(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.alert and args.at:
        raise BadInput("give --alert or --at, not both")
    if args.hours <= 0 or args.days < 1:
        raise BadInput("--hours must be positive and --days at least 1")
    moment = (
        what_changed.alert_start(ws, args.alert)
        if args.alert
        else (parse_time(args.at, "--at") if args.at else None)
    )
    answer = what_changed.what_changed(
        ws, moment, hours=args.hours, data_days=args.days, ctx=terminal_job(args)
    )

    def text() -> str:
        head = f"Before {short_time(answer['at'])} (events since {short_time(answer['since'])})"
        lines = [head + (f", alert {args.alert}:" if args.alert else ":")]
        if not answer["causes"]:
            lines.append("  nothing changed")
        for n, c in enumerate(answer["causes"], start=1):
            when = f" at {short_time(c['at'])}" if c["at"] else ""
            lines.append(f"  {n:>2}. [{c['category']}] {c['title']}{when}")
        lines += [f"  note: {n}" for n in answer["notes"]]
        return "\n".join(lines)

    emit(args, answer, text)
    return EXIT_OK
