"""Which repositories a workspace backs up to, and opening one with its passphrase.

``[backup.repositories.NAME]`` in console.toml names them (the first is the default);
a path given on the command line works too. The passphrase is the workspace's
``backup-passphrase`` credential in the OS keyring; with no usable keyring the console
says how to enable one and changes nothing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.backup.repository import Repository, RepositoryError
from console.core.base.errors import BadInput
from console.core.security import credentials

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

PASSPHRASE = "backup-passphrase"


@dataclass(frozen=True)
class Target:
    """A repository as the workspace knows it: name, path and what goes into it."""

    name: str
    path: Path
    include_logs: bool = True
    include_tls_key: bool = False


def configured(ws: Workspace) -> list[Target]:
    out = []
    for name, repo in ws.config.backup.repositories.items():
        path = Path(repo.path).expanduser()
        path = path if path.is_absolute() else ws.root / path
        out.append(Target(name, path, repo.include_logs, repo.include_tls_key))
    return out


def target(ws: Workspace, repo: str | Path | None) -> Target:
    """A configured repository by name, the first one when ``repo`` is None, or a path."""
    targets = configured(ws)
    if repo is None or repo == "":
        if not targets:
            raise BadInput(
                "no backup repository: pass --repo DIR, or name one in console.toml "
                '[backup.repositories.NAME] path = "DIR"'
            )
        return targets[0]
    text = str(repo)
    for t in targets:
        if t.name == text:
            return t
    path = Path(text).expanduser().resolve()
    for t in targets:
        if t.path.resolve() == path:
            return t
    if "/" not in text and "\\" not in text and not path.exists():
        known = ", ".join(t.name for t in targets) or "none configured"
        raise BadInput(f"--repo {text}: no repository of that name ({known}) nor folder")
    return Target(path.name, path)


def passphrase(ws: Workspace) -> str:
    """The backup-passphrase credential (KeyringUnavailable / BadInput if it is not there)."""
    value = credentials.get_secret(ws, PASSPHRASE)
    if not value:
        raise BadInput(
            "the backup-passphrase credential is not set: an admin sets it with "
            "'console security credentials set backup-passphrase'"
        )
    return value


def open_repository(ws: Workspace, repo: str | Path | None) -> tuple[Target, Repository]:
    t = target(ws, repo)
    return t, Repository.open(t.path, passphrase(ws))


def status(ws: Workspace, t: Target) -> dict[str, Any]:
    """Reachable or not, free space, format: what the Backups page shows per repository."""
    out: dict[str, Any] = {"name": t.name, "path": str(t.path), "include_logs": t.include_logs}
    try:
        config = Repository.read_config(t.path)
    except RepositoryError as exc:
        return {**out, "reachable": False, "problem": str(exc), "free_bytes": None}
    try:
        free = shutil.disk_usage(t.path).free
    except OSError:
        free = None
    return {**out, "reachable": True, "problem": "", "free_bytes": free, "id": config["id"]}


def init_repository(ws: Workspace, user: str, path: Path) -> Repository:
    """A new repository at ``path`` keyed by the backup-passphrase credential (admin)."""
    ws.authorize(user, "backup.init", str(path))
    secret = passphrase(ws)
    with ws.change(user, "backup.init", str(path)) as ch:
        repo = Repository.init(path, secret)
        ch.details = {"repository": repo.id}
    return repo


def export_key(ws: Workspace, user: str, repo: Repository, file: Path, secret: str) -> None:
    """Write a recovery key for the site's safe, opened by ``secret`` (admin, audited)."""
    ws.authorize(user, "backup.export_key", str(file))
    file = file.expanduser().resolve()
    if file.exists():
        raise BadInput(f"{file}: already exists; choose a new file")
    if repo.path == file or repo.path in file.parents:
        raise BadInput(f"{file}: inside the repository; the recovery key belongs elsewhere")
    with ws.change(user, "backup.export_key", str(file)) as ch:
        repo.export_key(file, secret)
        ch.details = {"repository": repo.id}
