"""Prompts for passwords and passphrases that fail cleanly without a terminal.

``getpass`` raises ``EOFError`` when its input ends (``… </dev/null``, a cron job, a
pipe that closed): that is bad input, exit 2 with one line saying what to do, not an
internal error. Commands check the acting user's role *before* they prompt, so nobody
types a secret only to be refused.
"""

from __future__ import annotations

import getpass

from console.core.base.errors import BadInput

PASSWORD_FILE_HINT = (
    "run the command at a terminal, or give the password in a 0600 file named by "
    "CONSOLE_PASSWORD_FILE"
)


def secret(prompt: str, *, hint: str = "run the command at a terminal") -> str:
    """Read a secret without echo; end of input is a :class:`BadInput`."""
    try:
        return getpass.getpass(prompt)
    except EOFError:
        what = prompt.strip().rstrip(":")
        raise BadInput(f"no input for '{what}' (end of input): {hint}") from None


def new_secret(prompt: str, what: str) -> str:
    """Ask twice; refuse when the two differ."""
    first = secret(prompt)
    if secret("Repeat it: ") != first:
        raise BadInput(f"the two {what} differ; nothing was changed")
    return first
