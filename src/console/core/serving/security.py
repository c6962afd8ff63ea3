"""What the service needs from the security package: a bearer token and a certificate.

Bound to loopback the service speaks plain HTTP without a token. Bound to anything
else it requires ``Authorization: Bearer <token>`` with the ``service-token`` credential
from the OS keyring and serves HTTPS with the workspace's certificate (the site's, or
a self-signed one the console generates). Both come from ``console.core.security``; they
are looked up when needed, so a loopback service works without a keyring.
"""

from __future__ import annotations

import hmac
import importlib
import ipaddress
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput

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


def service_token(ws: Workspace) -> str:
    """The bearer token clients must send to a non-loopback service."""
    token = _security("credentials").get_secret(ws, TOKEN_NAME)
    if not token:
        raise BadInput(
            f"no '{TOKEN_NAME}' credential: an admin sets it (console credentials set "
            f"{TOKEN_NAME}) before the service may listen beyond this machine"
        )
    return str(token)


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
