"""``console`` — the headless front end over the same core the GUI uses.

Contract: every reporting subcommand takes ``--json`` and prints one JSON document on
stdout. Exit codes: 0 ok, 1 a check found a problem, 2 bad input or usage (one line on
stderr, no traceback), 3 permission denied, 4 internal error (traceback in the log).
With no subcommand, or ``console gui``, the GUI opens. The subcommands themselves live
in :mod:`console.commands`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from console import __version__
from console.commands import COMMANDS, add_command, add_stubs
from console.core.base import access
from console.core.base.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    ConsoleError,
    JobCancelled,
)
from console.core.base.roots import default_root, demo_root

log = logging.getLogger("console.cli")
#: commands the console window starts in the background (they sign in with a start ticket)
TICKET_COMMANDS = frozenset({"serve", "traffic"})


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 2 with one line, as the contract says."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``console`` parser with ``command``'s module in full and every other command
    as a name and summary only (enough for ``console --help``)."""
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
    if command in COMMANDS:
        add_command(sub, command)
    else:
        add_stubs(sub)
    return parser


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Two passes: the first learns which command is asked for (and answers
    ``--help`` and ``--version``) without importing any command module; the second
    parses with that command's module only."""
    first, _ = build_parser().parse_known_args(argv)
    return build_parser(first.command).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.command in (None, "gui"):
        from console.gui.app import run_gui

        root = demo_root() if getattr(args, "demo", False) else (args.workspace or default_root())
        return run_gui(root)
    from console.commands.sign_in import acting_user
    from console.core.base.workspace import Workspace

    root = args.workspace or default_root()
    user = access.current_user()
    try:
        if not getattr(args, "needs_workspace", True):
            return int(args.run(args, root, user))
        with Workspace.open(root) as ws:
            user = ws.resolve_user(user)
            if not ws.integrity.ok:
                print(
                    f"console: WARNING: audit log or security state tampered with: "
                    f"{ws.integrity.reason} (see 'console audit verify')",
                    file=sys.stderr,
                )
            ticket = args.command in TICKET_COMMANDS
            return int(args.run(args, ws, acting_user(ws, user, ticket=ticket)))
    except JobCancelled:
        print("console: cancelled; nothing was changed", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConsoleError as exc:
        print(f"console: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `console batches | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("\nconsole: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:
        log.exception("internal error in 'console %s'", args.command)
        print(
            f"console: internal error: {type(exc).__name__}: {exc} "
            "(traceback in the workspace log)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
