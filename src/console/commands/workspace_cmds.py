"""``console init``, ``status`` and ``users``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base import access, orphans, workspace
from console.core.base.errors import EXIT_OK, ConsoleError
from console.core.base.workspace import Workspace
from console.core.data import store
from console.core.models import registry


def register(sub: Any) -> None:
    init = sub.add_parser("init")
    init.add_argument(
        "--demo",
        action="store_true",
        help="fill it with 30 days of synthetic transactions and a trained model",
    )
    init.add_argument("--config", type=Path, metavar="FILE", help="console.toml to start from")
    add_json(init).set_defaults(run=run_init, needs_workspace=False)

    status = sub.add_parser("status")
    add_json(status).set_defaults(run=run_status)

    users = sub.add_parser("users")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add_json(actions.add_parser("list", help="list users and roles")).set_defaults(run=run_users)
    setrole = actions.add_parser("set-role", help="give a user a role (admin)")
    setrole.add_argument("name")
    setrole.add_argument("role", choices=list(access.ROLES))
    add_json(setrole).set_defaults(run=run_users)


def run_init(args: argparse.Namespace, root: Path, user: str) -> int:
    config_text = None
    if args.config:
        try:
            config_text = args.config.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConsoleError(f"{args.config}: cannot read: {exc.strerror}") from None
    made: dict[str, Any] = {}
    populate: Callable[[Workspace], None] | None = None
    if args.demo:
        from console.core.demo.build import build_demo

        def populate(ws: Workspace) -> None:
            made.update(build_demo(ws, user, terminal_job(args)))

    access.resolve_user(user, workspace.ALLOW_CONSOLE_USER or args.demo)
    ws = Workspace.create(
        root, user, config_text=config_text, populate=populate,
        config_source=str(args.config) if args.config else None,
    )  # fmt: skip
    ws.close()

    def text() -> str:
        lines = [f"Created workspace {ws.root} (admin: {user})"]
        if made:
            lines.append(
                f"Demo: model {made['model']} in production, {made['predictions']:,} "
                f"predictions, {made['labels']:,} labels, {made['first_day']} .. "
                f"{made['last_day']}"
            )
        return "\n".join(lines)

    emit(args, {"workspace": str(ws.root), "admin": user, "demo": made or None}, text)
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
        "orphans": orphans.report(ws),
    }


def run_status(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    report = status_report(ws, user)

    def text() -> str:
        data = report["data"]
        model = report["production_model"]
        last = data["last_ingest"]
        coverage = data["label_coverage"]
        production = (
            f"model {model['version']} (threshold {model['threshold']:.4f})"
            if model
            else "no model in production"
        )
        labels = f"{data['labels']:,}"
        if coverage is not None:
            labels += f" ({coverage:.1%} of predictions)"
        ingest = "never"
        if last:
            ingest = f"{short_time(last['finished_at'])} {last['kind']} {last['outcome']}"
            ingest += f" ({last['rows']:,} rows)"
        return "\n".join(
            [
                f"Workspace:   {report['workspace']}",
                f"You:         {user} ({report['role']})",
                f"Production:  {production}",
                f"Predictions: {data['predictions']:,}",
                f"Labels:      {labels}",
                f"Data span:   {short_time(data['first_ts'])} .. {short_time(data['last_ts'])}",
                f"Last ingest: {ingest}",
                f"Orphans:     {orphans.describe(report['orphans'])}",
            ]
        )

    emit(args, report, text)
    return EXIT_OK


def run_users(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.users_command == "set-role":
        ws.set_role(user, args.name, args.role)
    rows = ws.users()
    emit(
        args,
        {"users": rows, "default_role": ws.config.access.default_role},
        lambda: "\n".join(f"{u['name']:<20} {u['role']}" for u in rows),
    )
    return EXIT_OK
