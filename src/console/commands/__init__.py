"""The CLI's subcommands, one module per area of the console (``*_cmds.py``).

:data:`COMMANDS` lists every top-level command, the module that implements it and its
one-line summary, in ``console --help`` order. Only the module of the command being run
is imported, so ``console --help`` and ``console status`` do not pay for the data
libraries the other commands need (a test keeps the list and the modules in step).

Each module has ``register(sub)``, which adds its parsers to the ``console`` command and
sets ``run=`` on each to a handler ``run(args, ws, user) -> exit code``. A parser that
works without an open workspace also sets ``needs_workspace=False``; its handler gets
the workspace root instead.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

#: name → (module in this package, one-line summary), in ``console --help`` order.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("workspace_cmds", "create a workspace (you become its admin)"),
    "status": ("workspace_cmds", "workspace, model in production and data at a glance"),
    "users": ("workspace_cmds", "who has which role"),
    "ingest": ("data_cmds", "add a predictions or labels file (CSV or Parquet)"),
    "batches": ("data_cmds", "ingest history: every file, its rows and outcome"),
    "data": ("datasets_cmds", "dataset versions: list, show, register, diff, verify"),
    "lineage": ("lineage_cmds", "what was live when, and what it came from"),
    "timeline": ("timeline_cmds", "everything that happened, in time order"),
    "what-changed": ("timeline_cmds", "ranked changes before an alert (or a moment)"),
    "runbook": ("runbook_cmds", "guided procedures: list, show, run, history, edit"),
    "check": ("check_cmds", "run the daily checks; exit 1 when any is critical"),
    "metrics": ("check_cmds", "model performance per hour, day or week"),
    "system": ("check_cmds", "system health samples (and take some)"),
    "drift": (
        "drift_cmds",
        "data drift of a window or file against the training data (or any reference)",
    ),
    "jobs": ("jobs_cmds", "maintenance jobs: schedules, run now or when due, history"),
    "alerts": ("alerts_cmds", "open alerts, acknowledge, silence, history"),
    "models": ("models_cmds", "model registry: versions, promote, rollback, verify"),
    "backup": ("backup_cmds", "encrypted snapshots: create, verify, restore, prune"),
    "recover": (
        "backup_cmds",
        "data recovery from a backup: restore, re-ingest, validate (admin)",
    ),
    "serve": ("serve_cmds", "run the scoring service (POST /v1/predict, /health, /metrics)"),
    "traffic": ("serve_cmds", "send realistic demo transactions to the running service"),
    "service": ("serve_cmds", "status, start, stop or restart the scoring service"),
    "config": ("config_cmds", "console.toml: current values, versions, diff, revert"),
    "logs": ("logs_cmds", "read (and follow) the console, service and request logs"),
    "audit": ("audit_cmds", "the tamper-evident audit log"),
    "doctor": (
        "doctor_cmds",
        "check this machine: Python, libraries, Qt system libraries, keyring, workspace "
        "schema and disk, service certificate (exit 1 on a problem)",
    ),
    "security": ("security_cmds", "accounts, credentials, access review, encryption"),
    "update": (
        "update_cmds",
        "install a wheelhouse into a new environment, check it, switch to it (admin); "
        "--back returns to the environment before",
    ),
}


def module_of(command: str) -> ModuleType:
    """The module that implements ``command`` (imported now)."""
    return importlib.import_module(f"{__name__}.{COMMANDS[command][0]}")


def add_stubs(sub: Any) -> None:
    """Every command as a name and summary only: enough for ``console --help`` and to
    learn which command is asked for, without importing any command module."""
    for name, (_, summary) in COMMANDS.items():
        sub.add_parser(name, help=summary, add_help=False)


def add_command(sub: Any, command: str) -> None:
    """The full parsers of ``command``'s module (which may register several commands);
    each gets its summary as its description unless it has its own."""
    module_of(command).register(sub)
    for name, parser in sub.choices.items():
        if name in COMMANDS:
            summary = COMMANDS[name][1]
            parser.description = parser.description or summary[0].upper() + summary[1:] + "."
