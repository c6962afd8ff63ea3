"""``console`` — the headless front end over the same core the GUI uses.

Contract: every reporting subcommand takes ``--json`` and prints one JSON document on
stdout. Exit codes: 0 ok, 1 a check found a problem, 2 bad input or usage (one line on
stderr, no traceback), 3 permission denied, 4 internal error (traceback in the log).
With no subcommand, or ``console gui``, the GUI opens.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from console import __version__
from console.core import access, audit, ingest, registry, store
from console.core.errors import ConsoleError, JobCancelled
from console.core.jobs import JobContext
from console.core.workspace import Workspace, default_root, demo_root

log = logging.getLogger("console.cli")

EXIT_OK, EXIT_PROBLEM, EXIT_BAD_INPUT, EXIT_DENIED, EXIT_INTERNAL = 0, 1, 2, 3, 4


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="console",
        description="Model Operations Console: run a deployed fraud-scoring model "
        "from one window, or headless from scripts.",
        epilog="Exit codes: 0 ok, 1 a check found a problem, 2 bad input or usage, "
        "3 permission denied, 4 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"console {__version__}")
    parser.add_argument(
        "--workspace",
        "-w",
        type=Path,
        metavar="DIR",
        help=f"workspace folder (default: $CONSOLE_WORKSPACE or {default_root()})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gui = sub.add_parser("gui", help="open the console window (the default)")
    gui.add_argument("--demo", action="store_true", help=f"open the demo workspace ({demo_root()})")

    init = sub.add_parser("init", help="create a workspace (you become its admin)")
    init.add_argument(
        "--demo",
        action="store_true",
        help="fill it with 30 days of synthetic transactions and a trained model",
    )
    init.add_argument("--config", type=Path, metavar="FILE", help="console.toml to start from")
    _json(init)

    ing = sub.add_parser("ingest", help="add a predictions or labels file (CSV or Parquet)")
    ing.add_argument("kind", choices=["predictions", "labels"])
    ing.add_argument("file", type=Path)
    _json(ing)

    _json(sub.add_parser("status", help="workspace, model in production and data at a glance"))

    bat = sub.add_parser("batches", help="ingest history: every file, its rows and outcome")
    bat.add_argument("--limit", type=int, default=50)
    _json(bat)

    users = sub.add_parser("users", help="who has which role")
    users_sub = users.add_subparsers(
        dest="users_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    _json(users_sub.add_parser("list", help="list users and roles"))
    setrole = users_sub.add_parser("set-role", help="give a user a role (admin)")
    setrole.add_argument("name")
    setrole.add_argument("role", choices=list(access.ROLES))
    _json(setrole)

    aud = sub.add_parser("audit", help="the tamper-evident audit log")
    aud_sub = aud.add_subparsers(
        dest="audit_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    alist = aud_sub.add_parser("list", help="newest entries first (auditor or admin)")
    alist.add_argument("--limit", type=int, default=50)
    alist.add_argument("--action", help="only this action (e.g. ingest)")
    _json(alist)
    _json(aud_sub.add_parser("verify", help="check the hash chain; exit 1 if broken"))
    return parser


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout")


# ---------------------------------------------------------------------- commands
def cmd_init(args: argparse.Namespace, root: Path, user: str) -> int:
    config_text = None
    if args.config:
        try:
            config_text = args.config.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConsoleError(f"{args.config}: cannot read: {exc.strerror}") from None
    made: dict[str, Any] = {}
    populate: Callable[[Workspace], None] | None = None
    if args.demo:
        from console.core.demo import build_demo

        def populate(ws: Workspace) -> None:
            made.update(build_demo(ws, user, _terminal_job(args)))

    ws = Workspace.create(root, user, config_text=config_text, populate=populate)
    result = {"workspace": str(ws.root), "admin": user, "demo": made or None}
    _emit(
        args,
        result,
        lambda: (
            f"Created workspace {ws.root} (admin: {user})"
            + (
                f"\nDemo: model {made['model']} in production, {made['predictions']} predictions, "
                f"{made['labels']} labels, {made['first_day']} .. {made['last_day']}"
                if made
                else ""
            )
        ),
    )
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    result = ingest.ingest_file(ws, user, args.kind, args.file, _terminal_job(args))
    _emit(
        args,
        result.as_dict(),
        lambda: (
            f"Ingested {result.rows} {result.kind} rows from {result.source} "
            f"(batch {result.batch_id})"
            if result.outcome == "ok"
            else f"{result.source}: {result.message}"
        ),
    )
    return EXIT_OK


def status_report(ws: Workspace, user: str) -> dict[str, Any]:
    model = registry.production(ws)
    return {
        "workspace": str(ws.root),
        "user": user,
        "role": ws.role_of(user),
        "production_model": None
        if model is None
        else {
            "version": model.version,
            "threshold": model.threshold,
            "created_at": model.created_at,
            "author": model.author,
            "metrics": model.metrics,
        },
        "data": store.summary(ws.conn).as_dict(),
    }


def cmd_status(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    report = status_report(ws, user)

    def text() -> str:
        data = report["data"]
        model = report["production_model"]
        last = data["last_ingest"]
        coverage = data["label_coverage"]
        return "\n".join(
            [
                f"Workspace:   {report['workspace']}",
                f"You:         {user} ({report['role']})",
                "Production:  "
                + (
                    f"model {model['version']} (threshold {model['threshold']:.4f})"
                    if model
                    else "no model in production"
                ),
                f"Predictions: {data['predictions']:,}",
                f"Labels:      {data['labels']:,}"
                + (f" ({coverage:.1%} of predictions)" if coverage is not None else ""),
                f"Data span:   {data['first_ts'] or '-'} .. {data['last_ts'] or '-'}",
                "Last ingest: "
                + (
                    f"{last['finished_at']} {last['kind']} {last['outcome']} ({last['rows']} rows)"
                    if last
                    else "never"
                ),
            ]
        )

    _emit(args, report, text)
    return EXIT_OK


def cmd_batches(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    rows = ingest.batches(ws, args.limit)

    def text() -> str:
        lines = [f"{'id':>5}  {'finished':<24} {'kind':<12} {'outcome':<10} {'rows':>9}  source"]
        for b in rows:
            lines.append(
                f"{b['id']:>5}  {b['finished_at']:<24} {b['kind']:<12} "
                f"{b['outcome']:<10} {b['rows']:>9}  {b['source']}"
            )
            if b["outcome"] != "ok" and b["message"]:
                lines.append(f"{'':>7}{b['message']}")
        return "\n".join(lines)

    _emit(args, {"batches": rows}, text)
    return EXIT_OK


def cmd_users(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.users_command == "set-role":
        ws.set_role(user, args.name, args.role)
    rows = ws.users()
    _emit(
        args,
        {"users": rows, "default_role": ws.config.access.default_role},
        lambda: "\n".join(f"{u['name']:<20} {u['role']}" for u in rows),
    )
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    ws.authorize(user, "audit.read", "audit")
    if args.audit_command == "verify":
        report = audit.verify(ws.conn)
        _emit(
            args,
            dict(report.__dict__),
            lambda: (
                f"Audit chain intact ({report.entries} entries)"
                if report.ok
                else f"Audit chain BROKEN at entry {report.first_bad}: {report.reason}"
            ),
        )
        return EXIT_OK if report.ok else EXIT_PROBLEM
    entries = audit.entries(ws.conn, limit=args.limit, action=args.action)
    _emit(
        args,
        {"entries": [e.as_dict() for e in entries]},
        lambda: "\n".join(
            f"{e.seq:>6} {e.ts} {e.user:<12} {e.action:<16} {e.outcome:<8} {e.target}"
            for e in entries
        ),
    )
    return EXIT_OK


# ---------------------------------------------------------------------- plumbing
def _emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text())


def _terminal_job(args: argparse.Namespace) -> JobContext:
    """A job context that draws a progress bar on stderr when it is a terminal."""
    if getattr(args, "json", False) or not sys.stderr.isatty():
        return JobContext()

    def draw(fraction: float, message: str) -> None:
        width = 30
        filled = int(fraction * width)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} {message:<40}"
        )
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return JobContext(draw, min_interval=0.1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    if command == "gui":
        from console.gui.app import run_gui

        root = demo_root() if getattr(args, "demo", False) else (args.workspace or default_root())
        return run_gui(root)
    root = args.workspace or default_root()
    user = access.current_user()
    try:
        if command == "init":
            return cmd_init(args, root, user)
        with Workspace.open(root) as ws:
            handler = {
                "ingest": cmd_ingest,
                "status": cmd_status,
                "batches": cmd_batches,
                "users": cmd_users,
                "audit": cmd_audit,
            }[command]
            return handler(args, ws, user)
    except JobCancelled:
        print("console: cancelled; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConsoleError as exc:
        print(f"console: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `console status | head`: the reader has gone
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("\nconsole: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:
        log.exception("internal error in 'console %s'", command)
        print(
            f"console: internal error: {type(exc).__name__}: {exc} "
            "(traceback in the workspace log)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
