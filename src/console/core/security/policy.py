"""Workspace security switches an admin changes (each one audited ``config.edit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.security import credentials, settings

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class SecurityStatus:
    workspace_id: str
    keyring: str
    keyring_usable: bool
    accounts_enabled: bool
    require_encryption: bool
    console_user_override: bool
    checkpoint_every: int
    audit_signing_key: bool
    unencrypted_datasets: int
    database_mode: str
    service_open_on_loopback: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"caveats": self.caveats()}

    def caveats(self) -> list[str]:
        """What is NOT protected now, in plain sentences (empty: all is as promised)."""
        out: list[str] = []
        if not self.keyring_usable:
            out.append(
                "no usable keyring: new audit checkpoints are not signed and new dataset "
                "versions are stored unencrypted"
                + ("" if not self.require_encryption else " (refused: encryption required)")
            )
        if self.unencrypted_datasets:
            n = self.unencrypted_datasets
            out.append(f"{n} dataset version{'s are' if n != 1 else ' is'} stored unencrypted")
        if not self.audit_signing_key:
            out.append("audit checkpoints are not signed (no signing key yet)")
        if self.service_open_on_loopback:
            out.append(
                "the scoring service answers any program on this machine without the "
                "service-token ([service] open_on_loopback)"
            )
        return out


def set_require_encryption(ws: Workspace, user: str, on: bool) -> None:
    """When on, files with transaction data are refused rather than stored unencrypted
    on a machine without a usable keyring (role admin)."""
    with ws.change(user, "config.edit", "security.require_encryption") as ch:
        before = settings.flag(ch.conn, "require_encryption")
        settings.put(ch.conn, "require_encryption", "1" if on else "0")
        ch.details = {"before": before, "after": on}


def set_console_user_override(ws: Workspace, user: str, on: bool) -> None:
    """Let ``CONSOLE_USER`` name someone other than the OS user (role admin). Off by
    default: on a shared account anyone could then claim any name; on for the demo."""
    key = "console_user_override"
    with ws.change(user, "config.edit", f"security.{key}") as ch:
        before = settings.flag(ch.conn, key)
        settings.put(ch.conn, key, "1" if on else "0")
        ch.details = {"before": before, "after": on}


def status(ws: Workspace) -> SecurityStatus:
    """What protects this workspace now (read-only, any role)."""
    conn = ws.conn
    plain = conn.execute("SELECT COUNT(*) FROM datasets WHERE path NOT LIKE '%.enc'").fetchone()[0]
    db_file = ws.root / "console.db"
    mode = oct(db_file.stat().st_mode & 0o777) if db_file.exists() else "-"
    return SecurityStatus(
        workspace_id=settings.workspace_id(conn),
        keyring=credentials.backend_path(),
        keyring_usable=credentials.keyring_usable(),
        accounts_enabled=settings.flag(conn, "accounts_enabled"),
        require_encryption=settings.flag(conn, "require_encryption"),
        console_user_override=settings.flag(conn, "console_user_override"),
        checkpoint_every=int(settings.get(conn, "checkpoint_every", "20")),
        audit_signing_key=bool(settings.get(conn, "audit_public_key")),
        unencrypted_datasets=int(plain),
        database_mode=mode,
        service_open_on_loopback=ws.config.service.open_on_loopback,
    )
