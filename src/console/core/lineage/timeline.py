"""One timeline of everything that happened in a workspace.

A query, not a log: audit entries (ingests and refused batches, dataset and model
registrations, config changes, drift analyses, check runs, backups, sign-ins and
denials, ...), the deployment history (promotes and rollbacks, refused ones included),
the alert lifecycle (fired, acknowledged, resolved, ...) and job runs, merged in time
order. Audit entries that another source describes better (a deployment's audit entry,
an alert acknowledgement) are left to that source so nothing shows twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.base import audit

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

CATEGORIES = (
    "deployment", "config", "ingest", "alert", "drift", "check", "job", "data", "model",
    "backup", "access", "service", "runbook", "workspace", "other",
)  # fmt: skip

#: audit action (or its family before the dot) -> category
_ACTION_CATEGORY = {
    "ingest": "ingest",
    "dataset": "data",
    "model": "model",
    "config": "config",
    "security": "config",
    "drift": "drift",
    "check": "check",
    "report": "check",
    "backup": "backup",
    "user": "access",
    "auth": "access",
    "credential": "access",
    "audit": "access",
    "service": "service",
    "job": "job",
    "runbook": "runbook",
    "document": "runbook",
    "workspace": "workspace",
    "system": "workspace",
    "schedule": "job",
    "alert": "alert",
}
#: described by the deployments and alert_events tables instead
_SKIPPED = ("model.promote", "model.rollback", "alert.ack", "alert.evaluate")


@dataclass(frozen=True)
class TimelineEvent:
    at: str
    category: str
    title: str
    user: str = ""
    outcome: str = "ok"
    source: str = "audit"
    ref: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def events(
    ws: Workspace,
    *,
    since: str | None = None,
    until: str | None = None,
    categories: set[str] | None = None,
    limit: int | None = None,
) -> list[TimelineEvent]:
    """Events in [since, until) (ISO timestamps), oldest first; the newest ``limit``."""
    found = [
        *_from_audit(ws, since, until),
        *_from_deployments(ws, since, until),
        *_from_alerts(ws, since, until),
        *_from_jobs(ws, since, until),
    ]
    if categories:
        found = [e for e in found if e.category in categories]
    found.sort(key=lambda e: e.at)
    return found[-limit:] if limit else found


def _window(column: str, since: str | None, until: str | None) -> tuple[str, list[str]]:
    where, args = [], []
    if since:
        where.append(f"{column} >= ?")
        args.append(since)
    if until:
        where.append(f"{column} < ?")
        args.append(until)
    return (" WHERE " + " AND ".join(where)) if where else "", args


def category_of(action: str, outcome: str) -> str:
    if outcome == "denied":
        return "access"
    return _ACTION_CATEGORY.get(
        action, _ACTION_CATEGORY.get(action.split(".", maxsplit=1)[0], "other")
    )


def _from_audit(ws: Workspace, since: str | None, until: str | None) -> list[TimelineEvent]:
    out = []
    for e in audit.entries(ws.conn, since=since, until=until):
        if e.action in _SKIPPED and e.outcome != "denied":
            continue
        category = category_of(e.action, e.outcome)
        out.append(
            TimelineEvent(
                e.ts, category, _audit_title(e), e.user, e.outcome, "audit", f"audit:{e.seq}",
                e.details,
            )
        )  # fmt: skip
    return out


def _audit_title(e: audit.AuditEntry) -> str:
    d = e.details
    if e.outcome == "denied":
        return f"denied: {e.user} ({e.role}) tried {e.action} {e.target}".rstrip()
    if e.action == "ingest":
        if e.outcome != "ok":
            return f"refused batch {e.target}: {d.get('error', '')}".rstrip(": ")
        return f"ingested {d.get('rows', 0):,} {d.get('kind', '')} rows from {e.target}"
    if e.action == "drift.run":
        drifted = d.get("drifted_columns") or d.get("flagged_segments") or []
        what = f": {', '.join(map(str, drifted))}" if drifted else ": nothing drifted"
        return f"drift analysis {e.target.removeprefix('drift:')}{what}"
    if e.action == "config.edit":
        changed = ", ".join(c["key"] for c in d.get("changed", [])[:6])
        why = f" - {d['reason']}" if d.get("reason") else ""
        source = " (edited outside the console)" if d.get("source") == "outside" else ""
        if e.outcome != "ok":
            return f"config change refused: {d.get('error', '')}"
        if "version" not in d:  # a switch kept in the database (e.g. a security setting)
            shown = ", ".join(f"{k} {v}" for k, v in d.items())
            return f"setting {e.target} changed" + (f": {shown}" if shown else "")
        return f"config {e.target} version {d.get('version', '?')}{source}: {changed}{why}"
    if e.action == "dataset.create":
        return f"dataset {d.get('name', '')} registered ({e.target})"
    if e.outcome != "ok":
        return f"{e.action} {e.target} {e.outcome}: {d.get('error', '')}".rstrip(": ")
    return f"{e.action} {e.target}".strip()


def _from_deployments(ws: Workspace, since: str | None, until: str | None) -> list[TimelineEvent]:
    where, args = _window("finished_at", since, until)
    rows = ws.conn.execute(f"SELECT * FROM deployments{where} ORDER BY id", args).fetchall()
    out = []
    for r in rows:
        frm = r["from_version"] or "nothing"
        verb = {"switched": "", "refused": " refused", "reverted": " reverted"}[r["outcome"]]
        title = f"{r['kind']}{verb}: {frm} -> {r['to_version']} - {r['reason']}"
        out.append(
            TimelineEvent(
                r["finished_at"], "deployment", title, r["user"],
                "ok" if r["outcome"] == "switched" else r["outcome"], "deployments",
                f"deployment:{r['id']}",
                {"kind": r["kind"], "from": r["from_version"], "to": r["to_version"],
                 "outcome": r["outcome"], "reason": r["reason"]},
            )
        )  # fmt: skip
    return out


def _from_alerts(ws: Workspace, since: str | None, until: str | None) -> list[TimelineEvent]:
    where, args = _window("at", since, until)
    rows = ws.conn.execute(f"SELECT * FROM alert_events{where} ORDER BY id", args).fetchall()
    out = []
    for r in rows:
        value = f" ({r['metric']} = {r['value']:.4g})" if r["value"] is not None else ""
        title = f"alert {r['rule']} {r['kind']}: {r['from_state']} -> {r['to_state']}{value}"
        out.append(
            TimelineEvent(
                r["at"], "alert", title, r["user"], "ok", "alerts", f"alert:{r['rule']}",
                {"rule": r["rule"], "kind": r["kind"], "severity": r["severity"],
                 "episode": r["episode"], "detail": r["detail"]},
            )
        )  # fmt: skip
    return out


def _from_jobs(ws: Workspace, since: str | None, until: str | None) -> list[TimelineEvent]:
    where, args = _window("finished_at", since, until)
    sql = f"SELECT * FROM jobs{where}{' AND' if where else ' WHERE'} finished_at IS NOT NULL"
    out = []
    for r in ws.conn.execute(sql + " ORDER BY id", args):
        message = f": {r['message']}" if r["message"] else ""
        out.append(
            TimelineEvent(
                r["finished_at"], "job", f"job {r['kind']} {r['state']}{message}", r["user"],
                "ok" if r["state"] == "done" else r["state"], "jobs", f"job:{r['id']}",
                {"params": json.loads(r["params"] or "{}"), "started_at": r["started_at"]},
            )
        )  # fmt: skip
    return out
