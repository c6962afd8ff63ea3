"""``console logs``: the console's, the scoring service's and its request log."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from console.commands.lineage_cmds import parse_time
from console.commands.output import add_json, emit
from console.core.base import log_files
from console.core.base.errors import EXIT_OK, BadInput
from console.core.base.workspace import Workspace

FOLLOW_SECONDS = 0.5


def register(sub: Any) -> None:
    logs = sub.add_parser("logs")
    logs.add_argument(
        "--service", action="append", choices=log_files.SOURCES, dest="sources",
        help="which log (repeat; default all): console, service, requests",
    )  # fmt: skip
    logs.add_argument("--level", default="DEBUG", type=str.upper, choices=log_files.LEVELS,
                      help="this level and above")  # fmt: skip
    logs.add_argument("--since", help="from (ISO time, or an age like 2h)")
    logs.add_argument("--until", help="up to")
    logs.add_argument("--grep", default="", help="only records containing this text")
    logs.add_argument("--limit", type=int, default=200, help="the newest N records (200)")
    logs.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="keep printing new records (Ctrl+C stops; with --json one per line)",
    )
    add_json(logs).set_defaults(run=run_logs)


def _line(r: log_files.LogRecord) -> str:
    when = r.ts[:23].replace("T", " ") if r.ts else "-"
    return f"{when} {r.level:<7} {r.source:<8} {r.logger} {r.message}"


def run_logs(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.limit < 1:
        raise BadInput(f"--limit must be at least 1 (got {args.limit})")
    since = log_files.local_naive(parse_time(args.since, "--since")) if args.since else None
    until = log_files.local_naive(parse_time(args.until, "--until")) if args.until else None
    flt = log_files.LogFilter(
        tuple(args.sources or log_files.SOURCES), args.level, since, until, args.grep
    )
    found = log_files.read(ws, flt, limit=args.limit)
    if not args.follow:
        emit(args, {"records": [r.as_dict() for r in found]},
             lambda: "\n".join(_line(r) for r in found) or "No matching log records.")  # fmt: skip
        return EXIT_OK
    follower = log_files.Follower(ws, flt)
    follower.start_at_end()
    show = (lambda r: json.dumps(r.as_dict())) if args.json else _line
    for r in found:
        print(show(r), flush=True)
    try:
        while True:
            for r in follower.poll():
                print(show(r), flush=True)
            time.sleep(FOLLOW_SECONDS)
    except KeyboardInterrupt:
        sys.stdout.flush()
    return EXIT_OK
