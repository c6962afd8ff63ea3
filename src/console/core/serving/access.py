"""Who may call the service on this machine: the token, or ``open_on_loopback``.

The service wants the ``service-token`` credential on loopback too. A workspace made
for a demo or a benchmark gets one generated into the OS keyring
(:func:`provide_token`); where no keyring is usable there is nowhere to keep it, and
the workspace's ``[service] open_on_loopback`` is turned on instead, as an audited
configuration change whose reason says why (:func:`set_open_on_loopback`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from console.core.base import config_versions
from console.core.serving.security import TOKEN_NAME

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

KEY = "open_on_loopback"
NO_KEYRING = "no usable OS keyring holds a service-token here"
_SECTION = re.compile(r"^\[service\][^\n]*\n", re.MULTILINE)
_NEXT_SECTION = re.compile(r"^\[", re.MULTILINE)
_LINE = re.compile(rf"^{KEY}\s*=\s*(true|false)\b", re.MULTILINE)


def with_open_on_loopback(text: str, on: bool) -> str:
    """``text`` (console.toml) with ``[service] open_on_loopback`` set to ``on``; the
    rest of the file, comments included, is kept."""
    value = f"{KEY} = {'true' if on else 'false'}"
    header = _SECTION.search(text)
    if header is None:
        return text.rstrip("\n") + f"\n\n[service]\n{value}\n"
    following = _NEXT_SECTION.search(text, header.end())
    end = following.start() if following else len(text)
    body = text[header.end() : end]
    body = _LINE.sub(value, body, count=1) if _LINE.search(body) else f"{value}\n{body}"
    return text[: header.end()] + body + text[end:]


def set_open_on_loopback(ws: Workspace, user: str, on: bool, *, reason: str) -> None:
    """Open (or close) the service to loopback clients without the token (role admin:
    a configuration change, audited and versioned like any other)."""
    text = ws.config_path.read_text(encoding="utf-8")
    if ws.config.service.open_on_loopback == on:
        return
    config_versions.save(ws, user, with_open_on_loopback(text, on), reason=reason)


def provide_token(ws: Workspace, user: str, *, purpose: str) -> str | None:
    """Generate the service-token into the OS keyring (role admin) and return it; without
    a usable keyring, open the service on loopback instead (``purpose`` goes in the
    configuration change's reason) and return None."""
    from console.core.security import credentials

    if credentials.keyring_usable():
        token = credentials.generate_token()
        credentials.set_secret(ws, user, TOKEN_NAME, token)
        return token
    set_open_on_loopback(ws, user, True, reason=f"{purpose}: {NO_KEYRING}")
    return None
