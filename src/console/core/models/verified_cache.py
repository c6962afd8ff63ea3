"""The pre-verification cache: which model versions passed every deployment check, and
under which conditions, so a later switch only re-checks what can have changed.

A version's checks (safe load, input schema, known answers on the golden set, latency)
depend only on its artifact's bytes, its recorded trusted types, its golden set and the
versions of the libraries that load and score it. A version that passed them all is
recorded in ``verified_artifacts`` under an :class:`ArtifactKey` of exactly those
things plus the artifact file's size and modification time. A deployment always
re-hashes the artifact (a tampered or corrupt file is refused as before); when the
hash, the file, the golden set and the libraries all match the record, the loading and
scoring steps are taken from it instead of importing scikit-learn and skops again,
which is what makes a rollback from a freshly started process fast. Anything else is a
miss, and the full checks run.

Library versions come from the installed packages' metadata, without importing them.
"""

from __future__ import annotations

import functools
import json
import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import clock, db

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace
    from console.core.models.registry import ModelVersion

#: Packages whose version can change how an artifact loads or what it scores.
LIBRARIES = ("scikit-learn", "skops", "numpy", "scipy", "pandas", "pyarrow")


@functools.cache
def library_versions() -> str:
    """``python=3.11.9 scikit-learn=1.5.2 …``: read from metadata, nothing imported."""
    from importlib import metadata  # (12 ms: not at the window's start-up)

    parts = [f"python={platform.python_version()}"]
    for name in LIBRARIES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=absent")
    return " ".join(parts)


@dataclass(frozen=True)
class ArtifactKey:
    """What a cached verification is valid for."""

    sha256: str
    size: int
    mtime_ns: int
    golden_sha256: str | None
    libraries: str
    trusted: str  # the version's recorded trusted types, as JSON


@dataclass(frozen=True)
class Verified:
    """A version that passed every check under ``key``."""

    version: str
    key: ArtifactKey
    fitted: list[str] | None  # the column names the pipeline was fitted on
    checks: list[dict[str, Any]]  # the passing checks, as recorded (name, detail, seconds)
    verified_at: str

    def check(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.checks if c.get("name") == name), None)


def key_for(model: ModelVersion, *, size: int, mtime_ns: int) -> ArtifactKey:
    """The key of ``model``'s artifact as it is on disk now (size and mtime from a stat)."""
    return ArtifactKey(
        sha256=model.sha256,
        size=size,
        mtime_ns=mtime_ns,
        golden_sha256=model.golden_sha256,
        libraries=library_versions(),
        trusted=json.dumps(sorted(model.trusted)),
    )


def lookup(ws: Workspace, version: str, key: ArtifactKey) -> Verified | None:
    """The recorded verification of ``version``, only if it was made under ``key``."""
    found = recorded(ws, version)
    return found if found is not None and found.key == key else None


def recorded(ws: Workspace, version: str) -> Verified | None:
    """The recorded verification of ``version`` whatever its key (None if there is none)."""
    row = ws.conn.execute(
        "SELECT * FROM verified_artifacts WHERE version = ?", (version,)
    ).fetchone()
    if row is None:
        return None
    key = ArtifactKey(
        row["sha256"],
        row["size"],
        row["mtime_ns"],
        row["golden_sha256"],
        row["libraries"],
        row["trusted"],
    )
    fitted = json.loads(row["fitted"]) if row["fitted"] is not None else None
    return Verified(version, key, fitted, json.loads(row["checks"]), row["verified_at"])


def record(
    ws: Workspace,
    version: str,
    key: ArtifactKey,
    *,
    fitted: list[str] | None,
    checks: list[dict[str, Any]],
) -> None:
    """Remember that ``version`` passed ``checks`` under ``key`` (replaces an older record)."""
    with db.write_transaction(ws.conn) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO verified_artifacts (version, sha256, size, mtime_ns,"
            " golden_sha256, libraries, trusted, fitted, checks, verified_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                version,
                key.sha256,
                key.size,
                key.mtime_ns,
                key.golden_sha256,
                key.libraries,
                key.trusted,
                json.dumps(fitted) if fitted is not None else None,
                json.dumps(checks),
                clock.iso(),
            ),
        )


def forget(ws: Workspace, version: str) -> None:
    """Drop ``version``'s record (e.g. after a check failed on it)."""
    with db.write_transaction(ws.conn) as conn:
        conn.execute("DELETE FROM verified_artifacts WHERE version = ?", (version,))
