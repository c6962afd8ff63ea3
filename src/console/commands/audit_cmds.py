"""``console audit list|verify|export``: the tamper-evident audit log."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands import prompts
from console.commands.output import add_json, emit, short_time
from console.commands.sign_in import acting_user
from console.core.base import audit
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM
from console.core.base.workspace import Workspace
from console.core.security import anchor, audit_export


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--action", help="only this action or family (e.g. ingest, user)")
    parser.add_argument("--user", dest="by", metavar="NAME", help="only what NAME did")
    parser.add_argument("--outcome", choices=["ok", "denied", "refused"])
    parser.add_argument("--search", metavar="TEXT", help="text in target, action, user, details")
    parser.add_argument("--since", metavar="ISO", help="from this time (e.g. 2026-11-01)")
    parser.add_argument("--until", metavar="ISO", help="before this time")


def register(sub: Any) -> None:
    aud = sub.add_parser("audit")
    actions = aud.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="newest entries first (auditor or admin)")
    listing.add_argument("--limit", type=int, default=50)
    _filters(listing)
    add_json(listing).set_defaults(run=run_list)
    verify = actions.add_parser(
        "verify", help="check the hash chain and signed checkpoints; exit 1 if broken"
    )
    add_json(verify).set_defaults(run=run_verify)
    reanchor = actions.add_parser(
        "reanchor",
        help="accept the log's end and security state as they are now, after a finding (admin)",
    )
    reanchor.add_argument("--reason", required=True, help="why (recorded in the audit log)")
    add_json(reanchor).set_defaults(run=run_reanchor)
    export = actions.add_parser("export", help="write the log to a file (auditor or admin)")
    export.add_argument("file", type=Path)
    export.add_argument("--format", choices=audit_export.FORMATS, default="json")
    export.add_argument(
        "--encrypt",
        action="store_true",
        help="encrypt with a passphrase (asked twice; decrypt with 'console security decrypt')",
    )
    _filters(export)
    add_json(export).set_defaults(run=run_export)


def _filter_values(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "action": args.action,
        "user": args.by,
        "outcome": args.outcome,
        "search": args.search,
        "since": args.since,
        "until": args.until,
    }


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    ws.authorize(user, "audit.read", "audit")
    entries = audit.entries(ws.conn, limit=args.limit, **_filter_values(args))
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
    user = acting_user(ws, user)
    ws.authorize(user, "audit.read", "audit")
    report = audit.verify(ws.conn)

    def text() -> str:
        lines = [report.summary()]
        lines += [f"  changed: {change}" for change in report.changes]
        if report.ok:
            lines.append(
                f"  {report.checkpoints} checkpoint(s), {report.signed_checkpoints} signed"
            )
        lines += [f"  note: {note}" for note in report.notes]
        return "\n".join(lines)

    emit(args, report.as_dict(), text)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def run_reanchor(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    found = anchor.reanchor(ws, user, args.reason)
    emit(
        args,
        {"accepted": found.reason or None, "changes": found.changes},
        lambda: f"Signed audit head re-anchored; accepted: {found.reason or 'nothing was wrong'}",
    )
    return EXIT_OK


def ask_new_passphrase() -> str:
    return prompts.new_secret("Passphrase for the export: ", "passphrases")


def run_export(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    ws.authorize(user, "audit.export", str(args.file))  # before asking for a passphrase
    passphrase = ask_new_passphrase() if args.encrypt else None
    result = audit_export.export_audit(
        ws, user, args.file, fmt=args.format, passphrase=passphrase, filters=_filter_values(args)
    )
    emit(
        args,
        result.as_dict(),
        lambda: (
            f"Exported {result.entries} entries to {result.path} ({result.format}, "
            f"{'encrypted' if result.encrypted else 'NOT encrypted'}; sha256 {result.sha256[:16]})"
        ),
    )
    return EXIT_OK
