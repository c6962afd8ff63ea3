"""Beyond loopback the service wants the bearer token and speaks HTTPS.

The ``console.core.security`` package (credentials, certificate) is faked here: the
adapter in ``console.core.serving.security`` is pointed at stand-ins.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.serving import security, state
from console.core.serving.server import ScoringService
from console.core.serving.settings import ServiceSettings
from tests.core.serving_models import record, running, with_models


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "console test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str | None]:
    """Treat 127.0.0.1 as a remote address and fake F's credentials and certificate."""
    secrets: dict[str, str | None] = {"service-token": "t0ken"}
    cert = self_signed(tmp_path)
    modules = {
        "credentials": SimpleNamespace(get_secret=lambda ws, name: secrets.get(name)),
        "tls": SimpleNamespace(ensure_certificate=lambda ws: cert),
    }
    monkeypatch.setattr(security, "_security", modules.__getitem__)
    monkeypatch.setattr(security, "is_loopback", lambda host: False)
    return secrets


def test_loopback_addresses() -> None:
    assert security.is_loopback("127.0.0.1")
    assert security.is_loopback("localhost")
    assert security.is_loopback("::1")
    assert not security.is_loopback("0.0.0.0")
    assert not security.is_loopback("10.1.2.3")


def test_remote_service_needs_token_and_serves_https(workspace: Workspace, remote) -> None:
    ws = with_models(workspace)
    with running(ws) as service:
        info = service.info
        assert info.tls
        assert info.url.startswith("https://127.0.0.1:")
        verify = security.client_context(ws)
        with httpx.Client(verify=verify) as client:
            denied = client.post(f"{info.url}/v1/predict", json=record())
            assert denied.status_code == 401
            headers = {"Authorization": "Bearer t0ken"}
            ok = client.post(f"{info.url}/v1/predict", json=record(), headers=headers)
            assert ok.status_code == 200
        with pytest.raises(httpx.HTTPError):
            httpx.get(info.url.replace("https", "http") + "/health")
        assert state.wait_for_version(ws, "1.0.0", timeout=2)
        assert state.fetch_health(info, 2.0, verify)["model_version"] == "1.0.0"
        with pytest.raises(OSError, match=r"https://127\.0\.0\.1:\d+/health: .*CERTIFICATE"):
            state.fetch_health(info, 2.0, True)  # the system's authorities do not know it


def test_remote_service_without_a_token_is_refused(workspace: Workspace, remote) -> None:
    ws = with_models(workspace)
    remote["service-token"] = None
    with pytest.raises(BadInput, match="no 'service-token' credential"):
        ScoringService(ws, "alice", ServiceSettings(host="0.0.0.0", port=0))
    assert state.recent_runs(ws) == []


def test_traffic_generator_speaks_https_with_the_token(workspace: Workspace, remote) -> None:
    from console.core.demo import traffic

    ws = with_models(workspace)
    with running(ws) as service:
        verify = security.client_context(ws)
        url = service.info.url
        good = traffic.send(url, rate=40, duration=0.3, token="t0ken", verify=verify)
        bad = traffic.send(url, rate=40, duration=0.2, verify=verify)
    assert good.sent > 0
    assert (good.ok, good.failed) == (good.sent, 0)
    assert bad.ok == 0
    assert dict(bad.statuses) == {"401": bad.sent}
