"""System updates with a way back: ``console update --wheelhouse DIR`` and ``--back``.

The console's environments live beside each other (``.venv.d/env-<time>``) and ``.venv``
is a link to the one in use. An update builds a new environment from a wheelhouse
alone (every wheel checked against its SHA-256 in ``requirements.lock``), runs
``console doctor`` in it, and only then moves the link; the environment before stays
as ``.venv.previous`` and ``--back`` returns to it in one step. The work itself is
``packaging/wheelhouse.sh`` (the same script installs a workstation the first time);
this module checks the role, runs it, and writes the audit entry with the versions
before and after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace

VERSIONS_CODE = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))"
)


@dataclass(frozen=True)
class UpdateResult:
    """What an update or a step back changed."""

    action: str  # update | back
    environment: str  # the environment now in use
    previous: str  # the one before
    changed: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def installation_root() -> Path:
    """The folder the console is installed from (holding packaging/ and .venv)."""
    import console

    root = Path(console.__file__).resolve().parents[2]
    if not (root / "packaging" / "wheelhouse.sh").is_file():
        raise BadInput(
            f"{root}: this console was not installed from its repository (a bundle?): "
            "install the new bundle beside this one instead"
        )
    return root


def _versions(python: Path) -> dict[str, str]:
    if not python.exists():
        return {}
    done = subprocess.run(
        [str(python), "-c", VERSIONS_CODE], capture_output=True, text=True, check=False
    )
    return dict(json.loads(done.stdout)) if done.returncode == 0 else {}


def _diff(
    before: dict[str, str], after: dict[str, str]
) -> dict[str, tuple[str | None, str | None]]:
    names = sorted(set(before) | set(after))
    return {n: (before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)}


def _run_script(root: Path, link: Path, args: list[str], wheelhouse: Path | None) -> str:
    env = dict(os.environ, VENV=str(link), PYTHON=sys.executable)
    if wheelhouse is not None:
        env["WHEELHOUSE"] = str(wheelhouse)
    done = subprocess.run(
        ["bash", str(root / "packaging" / "wheelhouse.sh"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.startswith("wheelhouse:")]
        reason = lines[-1].removeprefix("wheelhouse: ") if lines else done.stderr.strip()[-300:]
        raise BadInput(f"update refused, nothing changed: {reason}")
    return done.stderr


def _target(link: Path) -> str:
    return os.readlink(link) if link.is_symlink() else str(link)


def update(ws: Workspace, user: str, wheelhouse: Path, *, root: Path | None = None) -> UpdateResult:
    """Install from ``wheelhouse`` into a new environment and switch to it (admin)."""
    ws.authorize(user, "system.update", str(wheelhouse))
    if not (wheelhouse / "requirements.lock").is_file():
        raise BadInput(f"{wheelhouse}: no requirements.lock (build it with wheelhouse.sh build)")
    root = root or installation_root()
    link = root / ".venv"
    before, previous = _versions(link / "bin" / "python"), _target(link)
    _run_script(root, link, ["install"], wheelhouse)
    result = UpdateResult(
        "update", _target(link), previous, _diff(before, _versions(link / "bin" / "python"))
    )
    _record(ws, user, "system.update", str(wheelhouse), result)
    return result


def back(ws: Workspace, user: str, *, root: Path | None = None) -> UpdateResult:
    """Return to the environment in use before the last update (admin)."""
    ws.authorize(user, "system.update", "back")
    root = root or installation_root()
    link = root / ".venv"
    before, previous = _versions(link / "bin" / "python"), _target(link)
    _run_script(root, link, ["back"], None)
    result = UpdateResult(
        "back", _target(link), previous, _diff(before, _versions(link / "bin" / "python"))
    )
    _record(ws, user, "system.update", "back", result)
    return result


def _record(ws: Workspace, user: str, action: str, target: str, result: UpdateResult) -> None:
    with ws.change(user, action, target) as change:
        change.details.update(
            {
                "kind": result.action,
                "environment": result.environment,
                "previous": result.previous,
                "changed": {k: list(v) for k, v in result.changed.items()},
            }
        )


def history(ws: Workspace, limit: int = 50) -> list[dict[str, Any]]:
    """Every update and step back on record, newest first (from the audit log)."""
    from console.core.base import audit

    out = []
    for entry in audit.entries(ws.conn, action="system.update", limit=limit):
        out.append({"ts": entry.ts, "user": entry.user, "outcome": entry.outcome, **entry.details})
    return out
