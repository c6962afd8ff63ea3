"""``console update``: system updates from a wheelhouse, with a way back (admin)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit, short_time
from console.core.base.errors import EXIT_OK, BadInput
from console.core.base.workspace import Workspace


def register(sub: Any) -> None:
    upd = sub.add_parser(
        "update",
    )
    what = upd.add_mutually_exclusive_group(required=True)
    what.add_argument("--wheelhouse", type=Path, metavar="DIR", help="a built wheelhouse")
    what.add_argument("--back", action="store_true", help="return to the previous environment")
    what.add_argument("--history", action="store_true", help="list updates on record")
    add_json(upd).set_defaults(run=run_update)


def run_update(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.diagnostics import update

    if args.history:
        rows = update.history(ws)

        def listing() -> str:
            if not rows:
                return "No updates on record."
            lines = []
            for r in rows:
                changed = r.get("changed", {})
                moved = ", ".join(f"{k} {a or '-'} -> {b or '-'}" for k, (a, b) in changed.items())
                lines.append(
                    f"{short_time(r['ts'])}  {r['user']:<10} {r.get('kind', '?'):<7} "
                    f"{r['outcome']:<8} {moved or 'no version changed'}"
                )
            return "\n".join(lines)

        emit(args, {"updates": rows}, listing)
        return EXIT_OK
    if args.wheelhouse is not None and not args.wheelhouse.is_dir():
        raise BadInput(f"{args.wheelhouse}: no such folder (is the removable drive mounted?)")
    result = update.back(ws, user) if args.back else update.update(ws, user, args.wheelhouse)

    def text() -> str:
        lines = [f"Now using {result.environment} (before: {result.previous})."]
        for name, (old, new) in result.changed.items():
            lines.append(f"  {name}: {old or '-'} -> {new or '-'}")
        if not result.changed:
            lines.append("  no library version changed")
        return "\n".join(lines)

    emit(args, result.as_dict(), text)
    return EXIT_OK
