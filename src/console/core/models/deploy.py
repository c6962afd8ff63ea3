"""Promote and rollback as checked transactions, with a deployment history.

A deployment runs the verification steps (artifact hash, safe load, input schema
against the workspace schema, known-answer test on the golden set, single-row latency),
then switches the production pointer in ONE transaction that first checks production
is still what it was when the deployment began (so two promotes at once serialise),
then smoke-tests the running scoring service. Any failure before the switch refuses
the deployment; a failed smoke test undoes the switch. Either way the attempt is one
record in ``deployments`` and is audited. A crash at any instant leaves production on
the version it was on, or on the new, already verified one: never in between. A
deployment that switched ends by publishing ``deployed``.

:func:`preverify` runs the checks ahead of time (the GUI does it for the previous
production version while the window is idle) so that the switch itself only re-checks
what can have changed since: the artifact's hash and the input schema.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import audit, clock, db, events, jobs
from console.core.base.crash import crash_point
from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.models import registry, verified_cache
from console.core.models.deploy_checks import CheckResult, run_deploy_checks

if TYPE_CHECKING:
    import sqlite3

    from console.core.base.workspace import Workspace

__all__ = [
    "CheckResult",
    "Deployment",
    "history",
    "preverified",
    "preverify",
    "previous_production",
    "promote",
    "rollback",
    "verify",
    "was_in_production",
]

KINDS = ("promote", "rollback")
OUTCOMES = ("switched", "refused", "reverted")
SMOKE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Deployment:
    id: int
    kind: str  # "promote" | "rollback"
    from_version: str | None
    to_version: str
    user: str
    reason: str
    started_at: str
    finished_at: str
    outcome: str  # "switched" | "refused" | "reverted"
    checks: list[CheckResult]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


StepCallback = Callable[[CheckResult], None]


class _Conflict(Exception):
    """Production changed while this deployment was verifying."""


def verify(
    ws: Workspace,
    user: str,
    version: str,
    *,
    ctx: JobContext | None = None,
    on_step: StepCallback | None = None,
) -> list[CheckResult]:
    """Run every verification step on ``version`` without switching (role: operator).

    Nothing is taken from the pre-verification cache; a full pass is recorded in it.
    """
    ws.authorize(user, "model.verify", f"model:{version}")
    model = registry.require(ws, version)
    return run_deploy_checks(ws, model, ctx or JobContext(), on_step, reuse=False)


def preverify(
    ws: Workspace, user: str, version: str | None = None, *, ctx: JobContext | None = None
) -> list[CheckResult]:
    """Verify ``version`` (default: the previous production version) ahead of a switch
    (role: operator); a version already verified under the current key is not re-run.

    Returns the checks ([] when there is no version to verify).
    """
    ws.authorize(user, "model.verify", f"model:{version or 'previous'}")
    target = version or previous_production(ws)
    if target is None:
        return []
    model = registry.require(ws, target)
    return run_deploy_checks(ws, model, ctx or JobContext())


def preverified(ws: Workspace, version: str) -> verified_cache.Verified | None:
    """The cached verification of ``version`` if its artifact file and the libraries are
    unchanged since (a quick look for display: the switch still re-hashes the bytes)."""
    model = registry.get(ws, version)
    if model is None:
        return None
    try:
        stat = (ws.root / model.path).stat()
    except OSError:
        return None
    key = verified_cache.key_for(model, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    return verified_cache.lookup(ws, version, key)


def promote(
    ws: Workspace,
    user: str,
    version: str,
    *,
    reason: str,
    ctx: JobContext | None = None,
    on_step: StepCallback | None = None,
) -> Deployment:
    """Verify ``version`` and make it production (role: admin)."""
    return _deploy(ws, user, "promote", version, reason=reason, ctx=ctx, on_step=on_step)


def rollback(
    ws: Workspace,
    user: str,
    *,
    reason: str,
    to: str | None = None,
    ctx: JobContext | None = None,
    on_step: StepCallback | None = None,
) -> Deployment:
    """Verify and restore an earlier production version (role: operator).

    ``to=None`` takes the previous production version from the deployment history.
    """
    role = ws.authorize(user, "model.rollback", f"model:{to or 'previous'}")
    target = to if to is not None else previous_production(ws)
    if target is None:
        _refuse(
            ws,
            user,
            role,
            action="model.rollback",
            target="model:previous",
            message=_no_previous(ws),
        )
    assert target is not None
    if target not in was_in_production(ws):
        _refuse(
            ws,
            user,
            role,
            action="model.rollback",
            target=f"model:{target}",
            message=f"version {target} was never in production; rollback only restores an earlier "
            "production version (an admin can promote it)",
        )
    return _deploy(ws, user, "rollback", target, reason=reason, ctx=ctx, on_step=on_step)


def history(ws: Workspace, limit: int = 100) -> list[Deployment]:
    """Deployments, newest first."""
    rows = ws.conn.execute("SELECT * FROM deployments ORDER BY id DESC LIMIT ?", (limit,))
    return [_deployment(r) for r in rows]


def was_in_production(ws: Workspace) -> set[str]:
    """Versions that production ran at some point (switched deployments)."""
    rows = ws.conn.execute(
        "SELECT from_version, to_version FROM deployments WHERE outcome = 'switched'"
    ).fetchall()
    return {v for r in rows for v in (r["from_version"], r["to_version"]) if v}


def previous_production(ws: Workspace) -> str | None:
    """The production version before the current one, skipping versions rolled back from."""
    current = registry.production(ws)
    # the three columns it needs: the whole history (each one's checks parsed) cost the
    # scoring service's poll thread, which asks after every switch, milliseconds of GIL
    switched = ws.conn.execute(
        "SELECT kind, from_version, to_version FROM deployments WHERE outcome = 'switched' "
        "ORDER BY id DESC LIMIT 10000"
    ).fetchall()
    rolled_back_from = {d["from_version"] for d in switched if d["kind"] == "rollback"}
    for d in switched:
        for version in (d["from_version"], d["to_version"]):
            usable = version and version not in rolled_back_from
            if usable and (current is None or version != current.version):
                return str(version)
    return None


def _deploy(
    ws: Workspace,
    user: str,
    kind: str,
    version: str,
    *,
    reason: str,
    ctx: JobContext | None,
    on_step: StepCallback | None,
) -> Deployment:
    action = f"model.{kind}"
    target = f"model:{version}"
    role = ws.authorize(user, action, target)
    reason = " ".join(reason.split())
    if not reason:
        _refuse(
            ws, user, role, action=action, target=target, message=f"a reason is required to {kind}"
        )
    model = registry.get(ws, version)
    if model is None:
        _refuse(
            ws,
            user,
            role,
            action=action,
            target=target,
            message=f"model version {version} is not registered",
        )
    assert model is not None
    current = registry.production(ws)
    expected = current.version if current else None
    if expected == version:
        _refuse(
            ws,
            user,
            role,
            action=action,
            target=target,
            message=f"version {version} is already in production",
        )
    started = clock.iso()
    checks: list[CheckResult] = []

    def step(result: CheckResult) -> None:
        checks.append(result)
        if on_step is not None:
            on_step(result)

    job = ctx or JobContext()
    # at a lower CPU priority: on a machine the scoring service shares, a version's first
    # checks (safe load, known answers, latency: 1-2 s of CPU) would take cores from it
    jobs.at_lower_priority(run_deploy_checks, ws, model, job, step)
    record = _Record(kind, expected, version, user, reason, started)
    if not all(c.ok for c in checks):
        failed = next(c for c in checks if not c.ok)
        return _record_refusal(ws, role, record, checks, f"{failed.name}: {failed.detail}")
    crash_point("promote.checked" if kind == "promote" else "rollback.checked")
    job.progress(0.9, "Switching production")
    t0 = time.perf_counter()
    try:
        deployment_id = _switch(
            ws,
            user,
            action=action,
            target=target,
            record=record,
            target_stage=model.stage,
            checks=checks,
        )
    except _Conflict as exc:
        step(CheckResult("switch", False, str(exc), time.perf_counter() - t0))
        return _record_refusal(ws, role, record, checks, str(exc))
    # The switch is committed: from here on, cancel no longer applies.
    switched = CheckResult(
        "switch", True, f"production {expected or 'none'} -> {version}", time.perf_counter() - t0
    )
    checks.append(switched)
    _set_checks(ws, deployment_id, checks)
    if on_step is not None:
        on_step(switched)
    crash_point("promote.smoke_test" if kind == "promote" else "rollback.smoke_test")
    smoke = _smoke_test(ws, version)
    checks.append(smoke)
    if smoke.ok:
        _set_checks(ws, deployment_id, checks)
    else:
        _revert(
            ws,
            user,
            role=role,
            action=action,
            target=target,
            deployment_id=deployment_id,
            record=record,
            target_stage=model.stage,
            checks=checks,
        )
    if on_step is not None:
        on_step(smoke)
    result = _get(ws, deployment_id)
    assert result is not None
    if result.outcome == "switched":
        events.publish(
            "deployed", ws, version=version, previous=expected, action=kind, deployment=result.id
        )
    return result


@dataclass(frozen=True)
class _Record:
    kind: str
    from_version: str | None
    to_version: str
    user: str
    reason: str
    started_at: str


def _switch(
    ws: Workspace,
    user: str,
    *,
    action: str,
    target: str,
    record: _Record,
    target_stage: str,
    checks: list[CheckResult],
) -> int:
    """The atomic switch of the production pointer and its deployment record."""
    with ws.change(user, action, target) as ch:
        row = ch.conn.execute("SELECT version FROM models WHERE stage = 'production'").fetchone()
        now_production = row["version"] if row else None
        if now_production != record.from_version:
            raise _Conflict(
                f"production changed from {record.from_version or 'none'} to "
                f"{now_production or 'none'} while verifying; nothing was switched"
            )
        ch.conn.execute("UPDATE models SET stage = 'archived' WHERE stage = 'production'")
        ch.conn.execute(
            "UPDATE models SET stage = 'production' WHERE version = ?", (record.to_version,)
        )
        deployment_id = _insert(ch.conn, record, "switched", checks)
        ch.details = {
            "deployment": deployment_id,
            "from": record.from_version,
            "to": record.to_version,
            "previous_stage": target_stage,
            "reason": record.reason,
            "outcome": "switched",
            "checks": [f"{c.name}:{'ok' if c.ok else 'failed'}" for c in checks],
        }
        crash_point("promote.switched" if record.kind == "promote" else "rollback.switched")
    return deployment_id


def _revert(
    ws: Workspace,
    user: str,
    *,
    role: str,
    action: str,
    target: str,
    deployment_id: int,
    record: _Record,
    target_stage: str,
    checks: list[CheckResult],
) -> None:
    """Undo a switch whose smoke test failed (only if nobody switched since)."""
    failed = checks[-1]
    with db.write_transaction(ws.conn) as conn:
        row = conn.execute("SELECT version FROM models WHERE stage = 'production'").fetchone()
        if row and row["version"] == record.to_version:
            conn.execute(
                "UPDATE models SET stage = ? WHERE version = ?", (target_stage, record.to_version)
            )
            if record.from_version:
                conn.execute(
                    "UPDATE models SET stage = 'production' WHERE version = ?",
                    (record.from_version,),
                )
        conn.execute(
            "UPDATE deployments SET outcome = 'reverted', finished_at = ?, checks = ? WHERE id = ?",
            (clock.iso(), _checks_json(checks), deployment_id),
        )
        audit.append(
            conn,
            user=user,
            role=role,
            action=action,
            target=target,
            outcome="refused",
            details={
                "deployment": deployment_id,
                "outcome": "reverted",
                "restored": record.from_version,
                "error": f"{failed.name}: {failed.detail}",
            },
        )
        crash_point("promote.reverted" if record.kind == "promote" else "rollback.reverted")


def _smoke_test(ws: Workspace, version: str) -> CheckResult:
    t0 = time.perf_counter()
    info = _running_service(ws)
    if info is None:
        return CheckResult("smoke_test", True, "skipped: no service running", 0.0)
    url = getattr(info, "url", "the service")
    if _wait_for_version(ws, version, SMOKE_TIMEOUT_S):
        detail = f"{url} answers with model {version}"
        return CheckResult("smoke_test", True, detail, time.perf_counter() - t0)
    detail = f"{url} did not report model {version} within {SMOKE_TIMEOUT_S:g} s"
    return CheckResult("smoke_test", False, detail, time.perf_counter() - t0)


def _running_service(ws: Workspace) -> Any:
    from console.core.serving import state  # imported when used: the service is optional

    return state.running_service(ws)


def _wait_for_version(ws: Workspace, version: str, timeout: float) -> bool:
    from console.core.serving import state

    return bool(state.wait_for_version(ws, version, timeout=timeout))


def _record_refusal(
    ws: Workspace, role: str, record: _Record, checks: list[CheckResult], error: str
) -> Deployment:
    with db.write_transaction(ws.conn) as conn:
        deployment_id = _insert(conn, record, "refused", checks)
        audit.append(
            conn,
            user=record.user,
            role=role,
            action=f"model.{record.kind}",
            target=f"model:{record.to_version}",
            outcome="refused",
            details={"deployment": deployment_id, "reason": record.reason, "error": error},
        )
    result = _get(ws, deployment_id)
    assert result is not None
    return result


def _refuse(ws: Workspace, user: str, role: str, *, action: str, target: str, message: str) -> None:
    with db.write_transaction(ws.conn) as conn:
        audit.append(
            conn,
            user=user,
            role=role,
            action=action,
            target=target,
            outcome="refused",
            details={"error": message},
        )
    raise BadInput(message)


def _no_previous(ws: Workspace) -> str:
    current = registry.production(ws)
    now = current.version if current else "none"
    return f"no earlier production version to roll back to (production is {now})"


def _insert(
    conn: sqlite3.Connection, record: _Record, outcome: str, checks: list[CheckResult]
) -> int:
    cur = conn.execute(
        "INSERT INTO deployments (kind, from_version, to_version, user, reason, started_at,"
        " finished_at, outcome, checks) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            record.kind,
            record.from_version,
            record.to_version,
            record.user,
            record.reason,
            record.started_at,
            clock.iso(),
            outcome,
            _checks_json(checks),
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def _set_checks(ws: Workspace, deployment_id: int, checks: list[CheckResult]) -> None:
    with db.write_transaction(ws.conn) as conn:
        conn.execute(
            "UPDATE deployments SET checks = ?, finished_at = ? WHERE id = ?",
            (_checks_json(checks), clock.iso(), deployment_id),
        )


def _checks_json(checks: list[CheckResult]) -> str:
    return json.dumps([asdict(c) for c in checks])


def _get(ws: Workspace, deployment_id: int) -> Deployment | None:
    row = ws.conn.execute("SELECT * FROM deployments WHERE id = ?", (deployment_id,)).fetchone()
    return _deployment(row) if row else None


def _deployment(row: Any) -> Deployment:
    return Deployment(
        row["id"],
        row["kind"],
        row["from_version"],
        row["to_version"],
        row["user"],
        row["reason"],
        row["started_at"],
        row["finished_at"],
        row["outcome"],
        [CheckResult(**c) for c in json.loads(row["checks"])],
    )
