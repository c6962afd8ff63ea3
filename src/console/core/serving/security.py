"""What the service needs from the security package: a bearer token and a certificate.

The service requires ``Authorization: Bearer <token>`` with the ``service-token``
credential from the OS keyring on every address, loopback included: any program of any
OS user on this machine can reach a loopback port. ``[service] open_on_loopback = true``
lets a loopback service answer without it. Bound to anything but loopback it also serves
HTTPS with the workspace's certificate (the site's, or a self-signed one the console
generates). Both come from ``console.core.security``; they are looked up when needed,
so an open loopback service works without a keyring.
"""

from __future__ import annotations

import hmac
import importlib
import ipaddress
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput, ConsoleError

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

TOKEN_NAME = "service-token"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _security(module: str) -> Any:
    return importlib.import_module(f"console.core.security.{module}")


OPEN_HINT = (
    "or, to let every program on this machine score without it, an admin sets "
    "[service] open_on_loopback = true"
)


def needs_token(host: str, open_on_loopback: bool) -> bool:
    """True unless the service listens on loopback and is opened there."""
    return not (is_loopback(host) and open_on_loopback)


def service_token(ws: Workspace, *, loopback: bool = False) -> str:
    """The bearer token the service requires (BadInput when none is set; on
    ``loopback`` the message names ``open_on_loopback`` too)."""
    try:
        token = _security("credentials").get_secret(ws, TOKEN_NAME)
    except ConsoleError as exc:  # no usable keyring
        if not loopback:
            raise
        raise BadInput(
            f"the service needs the '{TOKEN_NAME}' credential: {exc}; {OPEN_HINT}"
        ) from None
    if not token:
        where = "starts" if loopback else "may listen beyond this machine"
        hint = f"; {OPEN_HINT}" if loopback else ""
        raise BadInput(
            f"no '{TOKEN_NAME}' credential: an admin sets it (console credentials set "
            f"{TOKEN_NAME} --generate) before the service {where}{hint}"
        )
    return str(token)


def client_token(ws: Workspace) -> str | None:
    """The token a client on this machine sends: the credential when this keyring holds
    it, else None (enough for a service opened on loopback)."""
    try:
        token = _security("credentials").get_secret(ws, TOKEN_NAME)
    except ConsoleError:
        return None
    return str(token) if token else None


def certificate(ws: Workspace) -> tuple[Path, Path]:
    """(certificate, key) files for HTTPS."""
    cert, key = _security("tls").ensure_certificate(ws)
    return Path(cert), Path(key)


def client_context(ws: Workspace) -> ssl.SSLContext:
    """A client TLS context that trusts exactly the workspace's service certificate."""
    cert, _key = certificate(ws)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False  # pinned to our own certificate instead
    return context


def token_matches(header: str | None, token: str) -> bool:
    """True if an ``Authorization`` header carries ``token`` (constant-time compare)."""
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())
