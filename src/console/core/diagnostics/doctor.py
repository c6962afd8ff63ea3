"""``console doctor``: what the console needs on this machine, and whether it has it.

Each finding is one line — ok, warning or problem — with the fix when it is not ok:
Python and library versions against the console's declared requirements, the Qt
platform libraries (named one by one, with the Debian package that provides each), the
OS keyring, the workspace's schema and free disk space, and the scoring service's TLS
certificate. Nothing here changes anything or touches the network.
"""

from __future__ import annotations

import ctypes.util
import datetime as dt
import importlib.metadata
import re
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Status = Literal["ok", "warning", "problem"]
DIST = "model-ops-console"
DISK_WARNING_BYTES = 2 * 2**30
DISK_PROBLEM_BYTES = 200 * 2**20

#: shared libraries Qt loads (soname stem for ctypes) and the Debian package of each
QT_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("GL", "libgl1"),
    ("EGL", "libegl1"),
    ("fontconfig", "libfontconfig1"),
    ("glib-2.0", "libglib2.0-0"),
    ("dbus-1", "libdbus-1-3"),
    ("xkbcommon", "libxkbcommon0"),
    ("X11", "libx11-6"),
)
#: needed only for a window on an X display (not offscreen)
X_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("X11-xcb", "libx11-xcb1"),
    ("xkbcommon-x11", "libxkbcommon-x11-0"),
    ("xcb-cursor", "libxcb-cursor0"),
    ("xcb-icccm", "libxcb-icccm4"),
    ("xcb-keysyms", "libxcb-keysyms1"),
)


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    area: str
    status: Status
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        match = re.match(r"\d+", piece)
        if not match:
            break
        parts.append(int(match.group()))
    return tuple(parts)


def satisfies(installed: str, specifier: str) -> bool:
    """Whether version ``installed`` meets ``specifier`` (e.g. ``>=6.8,<6.12``)."""
    have = _version_tuple(installed)
    for clause in filter(None, (c.strip() for c in specifier.split(","))):
        match = re.match(r"(==|!=|>=|<=|>|<|~=)\s*([\w.*]+)", clause)
        if not match:
            continue
        op, text = match.groups()
        want = _version_tuple(text)
        width = max(len(have), len(want))
        a, b = have + (0,) * (width - len(have)), want + (0,) * (width - len(want))
        ok = {
            "==": a == b,
            "!=": a != b,
            ">=": a >= b,
            "<=": a <= b,
            ">": a > b,
            "<": a < b,
            "~=": a >= b and a[: len(want) - 1] == b[: len(want) - 1],
        }[op]
        if not ok:
            return False
    return True


def python_findings() -> list[Finding]:
    version = ".".join(map(str, sys.version_info[:3]))  # 3.11+: older cannot import this
    return [Finding("python", "ok", f"Python {version} ({sys.executable})")]


def library_findings() -> list[Finding]:
    """Every runtime requirement of the installed console, against what is installed."""
    try:
        requirements = importlib.metadata.requires(DIST) or []
    except importlib.metadata.PackageNotFoundError:
        return [Finding("libraries", "warning", f"{DIST} is not installed as a package")]
    out = []
    for requirement in requirements:
        if ";" in requirement:  # an extra (tests, cluster): not needed to run
            continue
        match = re.match(r"([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)", requirement)
        if not match:
            continue
        name, _extras, spec = match.groups()
        spec = spec.strip().strip("()")
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out.append(
                Finding(
                    "libraries",
                    "problem",
                    f"{name} is missing (needs {spec or 'any version'})",
                    "install from the wheelhouse: packaging/wheelhouse.sh install",
                )
            )
            continue
        if spec and not satisfies(installed, spec):
            out.append(
                Finding(
                    "libraries",
                    "problem",
                    f"{name} {installed} does not meet {spec}",
                    "reinstall the pinned versions: packaging/wheelhouse.sh install",
                )
            )
    if not out:
        out.append(Finding("libraries", "ok", f"{len(requirements)} requirements met"))
    return out


def qt_library_findings(*, window: bool = True) -> list[Finding]:
    """The system libraries Qt needs, each named with its Debian package when missing."""
    wanted = QT_LIBRARIES + (X_LIBRARIES if window else ())
    missing = [(lib, pkg) for lib, pkg in wanted if ctypes.util.find_library(lib) is None]
    if sys.platform != "linux":
        return [Finding("qt", "ok", "system libraries are bundled with Qt on this platform")]
    if not missing:
        return [Finding("qt", "ok", f"{len(wanted)} system libraries for Qt found")]
    names = ", ".join(f"lib{lib}" for lib, _ in missing)
    packages = " ".join(pkg for _, pkg in missing)
    core = {lib for lib, _ in QT_LIBRARIES}
    status: Status = "problem" if any(lib in core for lib, _ in missing) else "warning"
    what = "the window cannot open" if status == "problem" else "only offscreen use works"
    return [Finding("qt", status, f"missing {names}: {what}", f"apt-get install {packages}")]


def keyring_findings() -> list[Finding]:
    from console.core.security import credentials

    try:
        usable = credentials.keyring_usable()
    except Exception as exc:  # a broken backend raises on import or on probe
        return [Finding("keyring", "problem", f"the keyring cannot be used: {exc}")]
    if usable:
        return [Finding("keyring", "ok", "OS keyring usable")]
    return [
        Finding(
            "keyring",
            "warning",
            "no OS keyring: the audit log is not tamper-evident against someone with file "
            "access, and datasets are stored unencrypted",
            credentials.ENABLE_HINT.format(backend="no backend"),
        )
    ]


def workspace_findings(root: Path) -> list[Finding]:
    from console.core.base import db
    from console.core.base.errors import ConsoleError
    from console.core.base.workspace import DB_FILE, Workspace

    out: list[Finding] = []
    if not (root / DB_FILE).is_file():
        return [Finding("workspace", "warning", f"{root}: no workspace here", "console init")]
    try:
        with Workspace.open(root) as ws:
            version = int(ws.conn.execute("PRAGMA user_version").fetchone()[0])
            out.append(
                Finding("workspace", "ok", f"{root}: schema {version} of {db.SCHEMA_VERSION}")
            )
            out += certificate_findings(ws.root)
    except ConsoleError as exc:
        out.append(Finding("workspace", "problem", str(exc)))
    free = shutil.disk_usage(root).free
    gib = free / 2**30
    if free < DISK_PROBLEM_BYTES:
        out.append(Finding("disk", "problem", f"{gib:.1f} GiB free", "free space on the volume"))
    elif free < DISK_WARNING_BYTES:
        out.append(Finding("disk", "warning", f"{gib:.1f} GiB free", "free space soon"))
    else:
        out.append(Finding("disk", "ok", f"{gib:.1f} GiB free on the workspace's volume"))
    return out


def certificate_findings(root: Path) -> list[Finding]:
    from cryptography import x509

    from console.core.base import clock

    folder = root / "tls"
    certs = [p for p in (folder / "site.crt", folder / "console.crt") if p.is_file()]
    if not certs:
        return [Finding("certificate", "ok", "none yet (made when the service first starts)")]
    try:
        cert = x509.load_pem_x509_certificate(certs[0].read_bytes())
    except ValueError:
        return [Finding("certificate", "problem", f"{certs[0]}: not a PEM certificate")]
    left = cert.not_valid_after_utc - clock.now()
    if left <= dt.timedelta(0):
        status: Status = "problem"
    elif left < dt.timedelta(days=30):
        status = "warning"
    else:
        status = "ok"
    fix = "" if status == "ok" else "restart the service (a console certificate is renewed)"
    message = f"{certs[0].name} valid until {cert.not_valid_after_utc:%Y-%m-%d}"
    return [Finding("certificate", status, message, fix)]


def run(root: Path | None, *, window: bool = True) -> list[Finding]:
    """Every finding, in a fixed order."""
    findings = python_findings() + library_findings() + qt_library_findings(window=window)
    findings += keyring_findings()
    if root is not None:
        findings += workspace_findings(root)
    return findings


def worst(findings: list[Finding]) -> Status:
    order = {"ok": 0, "warning": 1, "problem": 2}
    return max((f.status for f in findings), key=order.__getitem__, default="ok")
