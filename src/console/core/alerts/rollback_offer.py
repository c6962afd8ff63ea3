"""Whether the console offers a rollback right now, to which version, and why not.

The alert banner, the tray menu and the alert detail all ask :func:`rollback_offer`, so
they never disagree: a rollback is offered when the user's role may roll back, an
earlier production version is on record (``deploy.previous_production``), and the
alert it would answer does not judge a version that is no longer in production (after
a rollback, 1.1.0's F1 alert must not offer a "rollback" back to 1.1.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.core.alerts import evidence
from console.core.base import access
from console.core.models import deploy, registry

if TYPE_CHECKING:
    from console.core.alerts.records import Alert
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class RollbackOffer:
    """``target`` is the version a rollback would restore, None when none is offered;
    ``why`` says what the rollback would do, or why there is none to offer."""

    target: str | None
    why: str
    stale: evidence.StaleEvidence | None = None  # the answered alert's old evidence

    @property
    def offered(self) -> bool:
        return self.target is not None


def rollback_offer(ws: Workspace, user: str, alert: Alert | None = None) -> RollbackOffer:
    """The rollback the console offers ``user`` now, answering ``alert`` (if any)."""
    stale = evidence.stale_evidence(ws, [alert]).get(alert.rule) if alert is not None else None
    if not access.allowed(ws.role_of(user), "model.rollback"):
        return RollbackOffer(None, "your role may not roll back (operator or admin)", stale)
    if stale is not None and alert is not None:
        return RollbackOffer(None, f"{stale.note} (alert {alert.rule})", stale)
    target = deploy.previous_production(ws)
    if target is None:
        current = registry.production(ws)
        now = current.version if current is not None else "none"
        return RollbackOffer(None, f"no earlier production version (production is {now})")
    current = registry.production(ws)
    shown = f" in place of {current.version}" if current is not None else ""
    return RollbackOffer(target, f"put {target} back in production{shown}")
