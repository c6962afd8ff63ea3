"""The periodic access review: who has which role and when they last acted.

Built from the users table and the audit log, so it also lists people who acted
without an entry in the users table (with the default role) — exactly the accounts a
reviewer wants to notice. Reading it needs the ``audit.read`` role (auditor, admin).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.security.accounts import SIGN_IN

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

REVIEW_DAYS = 90


@dataclass(frozen=True)
class ReviewRow:
    name: str
    role: str
    in_users_table: bool
    has_password: bool
    granted_at: str | None
    granted_by: str | None
    last_action_at: str | None
    last_action: str | None
    last_sign_in_at: str | None
    actions_recent: int
    denials_recent: int
    idle_days: int | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def access_review(ws: Workspace, user: str, *, days: int = REVIEW_DAYS) -> list[ReviewRow]:
    """One row per person (role holders and anyone in the audit log), admins first."""
    ws.authorize(user, "audit.read", "access-review")
    conn = ws.conn
    now = clock.now()
    since = clock.iso(now - dt.timedelta(days=days))
    users = {r["name"]: r for r in conn.execute("SELECT * FROM users")}
    passwords = {r["name"] for r in conn.execute("SELECT name FROM accounts")}
    last = {
        r["user"]: r
        for r in conn.execute(
            "SELECT user, ts, action FROM audit WHERE seq IN "
            "(SELECT MAX(seq) FROM audit WHERE outcome = 'ok' GROUP BY user)"
        )
    }
    sign_ins = dict(
        conn.execute(
            "SELECT user, MAX(ts) FROM audit WHERE action = ? AND outcome = 'ok' GROUP BY user",
            (SIGN_IN,),
        ).fetchall()
    )
    counts: dict[str, tuple[int, int]] = {
        r["user"]: (r["ok"], r["denied"])
        for r in conn.execute(
            "SELECT user, SUM(outcome = 'ok') AS ok, SUM(outcome = 'denied') AS denied "
            "FROM audit WHERE ts >= ? GROUP BY user",
            (since,),
        )
    }
    default_role = ws.config.access.default_role
    rows = []
    for name in sorted(set(users) | set(last) | set(counts)):
        granted = users.get(name)
        acted = last.get(name)
        idle = (now - dt.datetime.fromisoformat(acted["ts"])).days if acted else None
        ok, denied = counts.get(name, (0, 0))
        rows.append(
            ReviewRow(
                name=name,
                role=granted["role"] if granted else default_role,
                in_users_table=granted is not None,
                has_password=name in passwords,
                granted_at=granted["created_at"] if granted else None,
                granted_by=granted["created_by"] if granted else None,
                last_action_at=acted["ts"] if acted else None,
                last_action=acted["action"] if acted else None,
                last_sign_in_at=sign_ins.get(name),
                actions_recent=int(ok or 0),
                denials_recent=int(denied or 0),
                idle_days=idle,
            )
        )
    order = {"admin": 0, "auditor": 1, "operator": 2, "viewer": 3}
    rows.sort(key=lambda r: (order.get(r.role, 9), r.name))
    return rows
