"""Errors the core raises on purpose, each mapped to one CLI exit code.

Anything else that escapes the core is a bug: the CLI logs its traceback to the
workspace log and prints one line pointing there.
"""

from __future__ import annotations

#: The exit codes of every front end (CLI and GUI), defined here once:
#: 0 ok, 1 a check found a problem, 2 bad input or usage, 3 permission denied,
#: 4 internal error (a bug: the traceback goes to the workspace log).
EXIT_OK, EXIT_PROBLEM, EXIT_BAD_INPUT, EXIT_DENIED, EXIT_INTERNAL = 0, 1, 2, 3, 4


class ConsoleError(Exception):
    """Base of the errors an operator can act on. ``str(err)`` is one line."""

    exit_code = EXIT_BAD_INPUT


class BadInput(ConsoleError):
    """A file, field, value or argument is wrong; nothing stored was changed."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class ConfigError(BadInput):
    """console.toml is unreadable or invalid: names the file, key and reason."""


class WorkspaceError(ConsoleError):
    """The workspace is missing, from a newer version, or otherwise unusable."""

    exit_code = EXIT_BAD_INPUT


class PermissionDenied(ConsoleError):
    """The acting user's role does not allow the action (already audited)."""

    exit_code = EXIT_DENIED

    def __init__(self, user: str, role: str, action: str) -> None:
        super().__init__(f"permission denied: {user} ({role}) may not {action}")
        self.user = user
        self.role = role
        self.action = action


class JobCancelled(ConsoleError):
    """A job stopped because somebody pressed Cancel; what it wrote was rolled back."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)
