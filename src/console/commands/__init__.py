"""The CLI's subcommands, one module per area of the console.

Each module has ``register(sub)``, which adds its parsers to the ``console`` command
and sets ``run=`` on each to a handler ``run(args, ws, user) -> exit code``; a parser
that works without an open workspace also sets ``needs_workspace=False`` and its
handler gets the workspace root instead of a workspace. ``console.cli`` registers the
modules listed in :data:`GROUPS`, in this order (the order of ``console --help``).
"""

from __future__ import annotations

from console.commands import audit_cmds, data_cmds, workspace_cmds

GROUPS = (workspace_cmds, data_cmds, audit_cmds)
