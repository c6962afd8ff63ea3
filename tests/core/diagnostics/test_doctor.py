"""console doctor: each finding says ok, warning or problem, and the fix."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from console.cli import main
from console.core.base.workspace import Workspace
from console.core.diagnostics import doctor


@pytest.mark.parametrize(
    ("installed", "spec", "ok"),
    [
        ("6.8.1", ">=6.8,<6.12", True),
        ("6.12.0", ">=6.8,<6.12", False),
        ("2.4.6", ">=1.26", True),
        ("1.25.0", ">=1.26", False),
        ("0.28.1", "==0.28.1", True),
        ("4.2", "~=4.1", True),
        ("5.0", "~=4.1", False),
    ],
)
def test_version_specifiers(installed: str, spec: str, ok: bool) -> None:
    assert doctor.satisfies(installed, spec) is ok


def test_a_missing_qt_library_is_named_with_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor.sys, "platform", "linux")
    monkeypatch.setattr(
        doctor.ctypes.util, "find_library", lambda name: None if name == "EGL" else "lib.so"
    )
    [finding] = doctor.qt_library_findings(window=False)
    assert finding.status == "problem"
    assert "libEGL" in finding.message
    assert finding.fix == "apt-get install libegl1"


def test_missing_x_libraries_only_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doctor.sys, "platform", "linux")
    monkeypatch.setattr(
        doctor.ctypes.util, "find_library", lambda name: None if "xcb" in name else "lib.so"
    )
    [finding] = doctor.qt_library_findings(window=True)
    assert finding.status == "warning"
    assert "offscreen" in finding.message


def test_a_missing_library_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        doctor.importlib.metadata, "requires", lambda dist: ["no-such-lib-here>=1.0"]
    )
    [finding] = doctor.library_findings()
    assert finding.status == "problem"
    assert "no-such-lib-here is missing" in finding.message


def test_workspace_from_a_newer_console_is_a_problem(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "ws", "alice").close()
    conn = sqlite3.connect(tmp_path / "ws" / "console.db")
    conn.execute("PRAGMA user_version = 9999")
    conn.commit()
    conn.close()
    findings = doctor.workspace_findings(tmp_path / "ws")
    assert findings[0].status == "problem"
    assert "newer" in findings[0].message


def test_doctor_cli_reports_json_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Workspace.create(tmp_path / "ws", "alice").close()
    monkeypatch.setattr(doctor, "qt_library_findings", lambda window: [])
    code = main(["-w", str(tmp_path / "ws"), "doctor", "--json"])
    doc = json.loads(capsys.readouterr().out)
    areas = {f["area"]: f for f in doc["findings"]}
    assert {"python", "libraries", "keyring", "workspace", "disk", "certificate"} <= set(areas)
    assert areas["workspace"]["status"] == "ok"
    assert code == (1 if doc["status"] == "problem" else 0)


def test_an_expired_certificate_is_a_problem(tmp_path: Path) -> None:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "old")])
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(past)
        .not_valid_after(past + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "tls").mkdir()
    (tmp_path / "tls" / "console.crt").write_bytes(cert.public_bytes(Encoding.PEM))
    [finding] = doctor.certificate_findings(tmp_path)
    assert finding.status == "problem"
    assert "2020-01-31" in finding.message
