"""The ``unlogged_records`` check: scored records the prediction log did not keep.

The scoring service answers a record whose id is already stored (or already waiting to
be stored) but does not log it again; the response says so per record and the service
records how many per flush (``console.core.serving.prediction_log``). Any such record
in the last 24 hours is a warning naming the count and the first ids: a client that
reuses ids, or retries with new features under an old id, leaves predictions that no
performance figure will ever see.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from console.core.monitoring import partners
from console.core.monitoring.checks import Check

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

NAME = "unlogged_records"
WINDOW = dt.timedelta(hours=24)


def unlogged_check(ws: Workspace, now: dt.datetime) -> Check:
    """Warning when any scored record of the last 24 h was not logged (duplicate id)."""
    count, first = partners.unlogged_records(ws, now - WINDOW, now)
    if not count:
        why = "every record the scoring service answered in the last 24 h was logged"
        return Check(NAME, 0.0, 0.0, "ok", why, 0, "24h")
    more = ", …" if count > len(first) else ""
    why = (
        f"{count:,} scored record{'s' if count != 1 else ''} not logged in the last 24 h: "
        f"their id was already stored (first: {', '.join(first)}{more})"
    )
    return Check(NAME, float(count), 0.0, "warning", why, count, "24h")
