"""The scoring service's TLS certificate: the site's, or one the console generates.

A site that has its own certificate puts ``site.crt`` and ``site.key`` (PEM) in the
workspace's ``tls/`` folder; otherwise the console generates a self-signed ECDSA P-256
certificate for localhost, 127.0.0.1 and this host's name (``console.crt`` /
``console.key``, key readable by the owner only) and renews it 30 days before it expires.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from console.core.base import clock
from console.core.base.errors import WorkspaceError
from console.core.base.files import atomic_path, atomic_write_bytes

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

TLS_FOLDER = "tls"
VALID_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)


def tls_folder(ws: Workspace) -> Path:
    return ws.root / TLS_FOLDER


def ensure_certificate(ws: Workspace) -> tuple[Path, Path]:
    """(certificate, private key) PEM paths for the scoring service's HTTPS."""
    folder = tls_folder(ws)
    site_cert, site_key = folder / "site.crt", folder / "site.key"
    if site_cert.exists() or site_key.exists():
        if not (site_cert.is_file() and site_key.is_file()):
            raise WorkspaceError(f"{folder}: site.crt and site.key must both be present")
        return site_cert, site_key
    cert, key = folder / "console.crt", folder / "console.key"
    if not (cert.is_file() and key.is_file()) or _expires_soon(cert):
        _generate(cert, key)
    return cert, key


def _expires_soon(cert: Path) -> bool:
    from cryptography import x509

    try:
        loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    except ValueError:
        return True
    return loaded.not_valid_after_utc - RENEW_BEFORE <= clock.now()


def _generate(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    host = socket.gethostname() or "localhost"
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, host),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Model Operations Console"),
        ]
    )
    alt_names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    if host != "localhost":
        alt_names.append(x509.DNSName(host))
    start = clock.now() - dt.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(key_path.parent, 0o700)
    with atomic_path(key_path) as tmp:
        os.chmod(tmp, 0o600)
        tmp.write_bytes(key_pem)
    atomic_write_bytes(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
