"""``console audit list|verify``: the tamper-evident audit log."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.output import EXIT_OK, EXIT_PROBLEM, add_json, emit, short_time
from console.core import audit
from console.core.workspace import Workspace

ORDER = 90


def register(sub: Any) -> None:
    aud = sub.add_parser("audit", help="the tamper-evident audit log")
    actions = aud.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="newest entries first (auditor or admin)")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--action", help="only this action or family (e.g. ingest, user)")
    add_json(listing).set_defaults(run=run_list)
    verify = actions.add_parser("verify", help="check the hash chain; exit 1 if broken")
    add_json(verify).set_defaults(run=run_verify)


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    ws.authorize(user, "audit.read", "audit")
    entries = audit.entries(ws.conn, limit=args.limit, action=args.action)
    emit(
        args,
        {"entries": [e.as_dict() for e in entries]},
        lambda: "\n".join(
            f"{e.seq:>6} {short_time(e.ts)} {e.user:<12} {e.action:<16} {e.outcome:<8} {e.target}"
            for e in entries
        ),
    )
    return EXIT_OK


def run_verify(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    ws.authorize(user, "audit.read", "audit")
    report = audit.verify(ws.conn)
    emit(
        args,
        dict(report.__dict__),
        lambda: (
            f"Audit chain intact ({report.entries} entries)"
            if report.ok
            else f"Audit chain BROKEN at entry {report.first_bad}: {report.reason}"
        ),
    )
    return EXIT_OK if report.ok else EXIT_PROBLEM
