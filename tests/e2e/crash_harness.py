"""Run one state change in a console subprocess that is killed at a named crash point
(or by ``kill -9`` at a random instant), then check what a crash must never break.

Shared by the crash-point tests (tests/e2e/test_crash_points.py) and the random kill
script (benchmarks/crash_kill.py). The subprocess shares the keyring file of
:mod:`tests.file_keyring`, so the signed audit head is checked as at a real site.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.base import audit, crash
from console.core.base.workspace import Workspace
from console.core.models import deploy
from tests.conftest import make_predictions
from tests.core.registry_helpers import register

#: Python run in the subprocess: {op} picks the state change; argv[1] is the workspace
DRIVER = """
import sys
from pathlib import Path
from console.core.base.workspace import Workspace
from console.core.models import deploy
from console.core.models.deploy_checks import CheckResult
from console.core.security import accounts

op, root = sys.argv[1], Path(sys.argv[2])
ws = Workspace.open(root)
if op.endswith("-failing-smoke"):
    deploy._smoke_test = lambda ws, version: CheckResult("smoke_test", False, "forced", 0.0)
    op = op.removesuffix("-failing-smoke")
if op == "ingest":
    from console.core.data import ingest
    ingest.ingest_file(ws, "alice", "predictions", Path(sys.argv[3]))
elif op == "promote":
    deploy.promote(ws, "alice", "1.1.0", reason="crash test")
elif op == "rollback":
    deploy.rollback(ws, "alice", reason="crash test")
elif op == "set-role":
    ws.set_role("alice", "bob", "operator")
elif op == "set-password":
    accounts._PARAMS = {"n": 2**10, "r": 8, "p": 1}
    accounts.set_password(ws, "alice", "bob", "bob-password-12")
elif op == "alert":
    from console.core.alerts import engine
    from console.core.base import clock
    from console.core.monitoring.checks import Check, CheckReport
    check = Check("access", 9.0, None, "critical", "crash test", 9, "now")
    engine.evaluate(ws, "alice", CheckReport(None, clock.iso(), [check]))
elif op == "open":
    pass
ws.close()
"""

#: which operation reaches each crash point
OPERATION = {
    "ingest.parts_written": "ingest",
    "ingest.before_commit": "ingest",
    "ingest.inside_commit": "ingest",
    "ingest.after_commit": "ingest",
    "promote.checked": "promote",
    "promote.switched": "promote",
    "promote.smoke_test": "promote",
    "promote.reverted": "promote-failing-smoke",
    "rollback.checked": "rollback",
    "rollback.switched": "rollback",
    "rollback.smoke_test": "rollback",
    "rollback.reverted": "rollback-failing-smoke",
    "user.set_role": "set-role",
    "user.account": "set-password",
    "alert.state": "alert",
    "audit.appended": "set-role",
    "audit.committed": "set-role",
    "store.sweep": "open",
}


@dataclass
class Outcome:
    """What the state change left: was it applied, and every invariant that failed."""

    exit_code: int
    applied: bool | None = None
    broken: list[str] = field(default_factory=list)


def build(root: Path, op: str, files: Path) -> tuple[dict[str, object], list[str]]:
    """The workspace ``op`` starts from, what it held, and the driver's extra args."""
    with Workspace.create(root, "alice") as ws:
        if op.startswith(("promote", "rollback")):
            register(ws, "1.0.0", stage="production")
            register(ws, "1.1.0", seed=2)
        ws.set_role("alice", "bob", "viewer")
        if op.startswith("rollback"):
            deploy.promote(ws, "alice", "1.1.0", reason="before the rollback")
        before = snapshot(ws)
    extra: list[str] = []
    if op == "ingest":
        csv = files / "pred.csv"
        if not csv.exists():
            frame = make_predictions(days=3, per_day=400)
            frame[[c for c in frame.columns if c != "is_fraud"]].to_csv(csv, index=False)
        extra = [str(csv)]
    if op == "open":  # orphans an earlier crash left, old enough to sweep
        folder = root / "predictions" / "month=2026-11"
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(3):
            (folder / f"2026-11-0{n + 1}_batch-dead-{n}.parquet").write_bytes(b"x" * 100)
        age_unrecorded_files(root)
    return before, extra


def run(
    op: str,
    root: Path,
    env: dict[str, str],
    *,
    crash_at: str = "",
    delay_us: int | None = None,
    kill_after: float | None = None,
    extra: list[str] | None = None,
) -> int:
    """Run ``op`` on ``root``; armed at ``crash_at``, or SIGKILLed after ``kill_after`` s."""
    env = {k: v for k, v in env.items() if not k.startswith(crash.ENV)}
    if crash_at:
        env[crash.ENV] = crash_at
    if delay_us is not None:
        env[crash.ENV_DELAY] = str(delay_us)
    argv = [sys.executable, "-c", DRIVER, op, str(root), *(extra or [])]
    with (root.parent / f"{root.name}.stderr").open("ab") as err:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
        if kill_after is not None:
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=300)
    return proc.returncode


def age_unrecorded_files(root: Path) -> None:
    """Make every file an interrupted ingest could leave older than the ingest limit."""
    then = time.time() - 24 * 3600
    for folder in ("predictions", "labels", "spool"):
        for path in (root / folder).rglob("*"):
            if path.is_file():
                os.utime(path, (then, then))


def check(root: Path, op: str, before: dict[str, Any]) -> Outcome:
    """The invariants after a crash, then after the next start."""
    out = Outcome(0)
    conn = sqlite3.connect(root / "console.db")
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    if integrity != "ok":
        out.broken.append(f"integrity_check: {integrity}")
    age_unrecorded_files(root)
    with Workspace.open(root) as ws:  # the next start: sweeps, checks the signed head
        report = audit.verify(ws.conn)
        if not report.ok:
            out.broken.append(f"audit: {report.reason}")
        if not ws.integrity.ok:
            out.broken.append(f"at start: {ws.integrity.reason}")
        out.broken += _batches_whole(ws)
        leftover = _unrecorded(ws)
        if leftover:
            out.broken.append(f"{len(leftover)} orphan(s) left after the next start")
        now = snapshot(ws)
    applied, problems = _applied(op, before, now)
    out.applied = applied
    out.broken += problems
    return out


def snapshot(ws: Workspace) -> dict[str, Any]:
    conn = ws.conn
    production = conn.execute("SELECT version FROM models WHERE stage = 'production'").fetchone()
    actions: dict[str, int] = {}
    for row in conn.execute("SELECT action, outcome, COUNT(*) AS n FROM audit GROUP BY 1, 2"):
        actions[f"{row['action']}:{row['outcome']}"] = int(row["n"])
    role = conn.execute("SELECT role FROM users WHERE name = 'bob'").fetchone()
    return {
        "batches_ok": conn.execute("SELECT COUNT(*) FROM batches WHERE outcome = 'ok'").fetchone()[
            0
        ],
        "production": production[0] if production else None,
        "bob_role": role[0] if role else None,
        "bob_password": conn.execute("SELECT COUNT(*) FROM accounts WHERE name = 'bob'").fetchone()[
            0
        ],
        "alert_events": conn.execute("SELECT COUNT(*) FROM alert_events").fetchone()[0],
        "audit": actions,
        "entries": conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0],
    }


def _batches_whole(ws: Workspace) -> list[str]:
    problems = []
    for batch in ws.conn.execute("SELECT id, rows FROM batches WHERE outcome = 'ok'"):
        parts = ws.conn.execute(
            "SELECT path, rows FROM parts WHERE batch_id = ?", (batch["id"],)
        ).fetchall()
        if sum(p["rows"] for p in parts) != batch["rows"]:
            problems.append(f"batch {batch['id']}: parts hold fewer rows than recorded")
        missing = [p["path"] for p in parts if not (ws.root / p["path"]).is_file()]
        if missing:
            problems.append(f"batch {batch['id']}: {len(missing)} recorded part(s) missing")
    orphan_parts = ws.conn.execute(
        "SELECT COUNT(*) FROM parts WHERE batch_id NOT IN (SELECT id FROM batches)"
    ).fetchone()[0]
    if orphan_parts:
        problems.append(f"{orphan_parts} part row(s) without a batch")
    return problems


def _unrecorded(ws: Workspace) -> list[Path]:
    recorded = {ws.root / r["path"] for r in ws.conn.execute("SELECT path FROM parts")}
    found = [p for p in (ws.root / "predictions").rglob("*.parquet") if p not in recorded]
    found += list((ws.root / "predictions").rglob(".*.tmp"))
    return found + list((ws.root / "spool").glob("*"))


def _applied(op: str, before: dict[str, Any], now: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether the change happened, and whether the audit log says exactly that."""
    gained = {
        k: now["audit"].get(k, 0) - before["audit"].get(k, 0)
        for k in set(now["audit"]) | set(before["audit"])
    }
    problems: list[str] = []

    def expect(applied: bool, entry: str) -> tuple[bool, list[str]]:
        if applied != (gained.get(entry, 0) == 1):
            problems.append(f"applied={applied} but {gained.get(entry, 0)} new '{entry}' entries")
        return applied, problems

    if op == "ingest":
        added = now["batches_ok"] - before["batches_ok"]
        if added not in (0, 1):
            problems.append(f"{added} batches added")
        return expect(added == 1, "ingest:ok")
    if op in ("promote", "rollback"):
        new = "1.1.0" if op == "promote" else "1.0.0"
        if now["production"] not in (before["production"], new):
            problems.append(f"production is {now['production']}")
        return expect(now["production"] == new, f"model.{op}:ok")
    if op.endswith("-failing-smoke"):
        kind = op.split("-", maxsplit=1)[0]
        if now["production"] != before["production"]:
            switched = gained.get(f"model.{kind}:ok", 0) == 1
            reverted = gained.get(f"model.{kind}:refused", 0) == 1
            if not switched or reverted:
                problems.append(f"production {now['production']} without a switch entry")
        return now["production"] != before["production"], problems
    if op == "set-role":
        return expect(now["bob_role"] == "operator", "user.set_role:ok")
    if op == "set-password":
        return expect(now["bob_password"] == 1, "user.manage:ok")
    if op == "alert":
        return expect(now["alert_events"] > before["alert_events"], "alert.evaluate:ok")
    return True, problems
