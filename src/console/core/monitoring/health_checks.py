"""Daily checks of data quality, the ingest pipeline, the machine and the service."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from typing import TYPE_CHECKING

import numpy as np
import psutil

from console.core.monitoring import data_age, partners, quality, system
from console.core.monitoring.checks import Check
from console.core.monitoring.settings import MonitoringSettings

DISK_FULL = 0.95

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace
    from console.core.security.anchor import AnchorReport


def quality_checks(
    ws: Workspace, table: quality.QualityTable, cfg: MonitoringSettings, day: str
) -> list[Check]:
    """Missing values, out-of-range values, unseen categories, duplicate ids, schema."""
    out: list[Check] = []
    i = _last_window_with_rows(table)
    if i is None:
        why = data_age.nothing_before(ws, dt.date.fromisoformat(day))
        for name in ("missing_values", "out_of_range", "unseen_categories"):
            out.append(Check(name, None, None, "no_data", why, 0, day))
    else:
        day = dt.datetime.fromtimestamp(int(table.starts[i]) / 1e6, dt.UTC).date().isoformat()
        n = int(table.rows[i])
        out.append(
            _worst(
                "missing_values",
                table.missing[i],
                table.features,
                day,
                n,
                limit=cfg.missing_warning,
                what="missing",
            )
        )
        if table.has_profile:
            out.append(
                _worst(
                    "out_of_range",
                    table.out_of_range[i],
                    table.features,
                    day,
                    n,
                    limit=cfg.out_of_range_warning,
                    what="outside the training range",
                )
            )
            out.append(
                _worst(
                    "unseen_categories",
                    table.unseen[i],
                    table.features,
                    day,
                    n,
                    limit=cfg.out_of_range_warning,
                    what="categories unseen in training",
                )
            )
        else:
            why = "no production model with a training dataset to compare against"
            out.append(Check("out_of_range", None, None, "no_data", why, n, day))
            out.append(Check("unseen_categories", None, None, "no_data", why, n, day))
    dup = table.duplicate_ids
    out.append(
        Check(
            "duplicate_ids",
            float(dup),
            0.0,
            "critical" if dup else "ok",
            f"{dup:,} prediction ids are stored more than once"
            if dup
            else "every prediction id is unique",
            dup,
            "all",
        )
    )
    violations = quality.schema_violations(ws)
    out.append(
        Check(
            "schema_violations",
            float(len(violations)),
            0.0,
            "critical" if violations else "ok",
            violations[0] + (f" (and {len(violations) - 1} more)" if len(violations) > 1 else "")
            if violations
            else "every stored part matches the configured schema",
            len(violations),
            "all",
        )
    )
    return out


def _last_window_with_rows(table: quality.QualityTable) -> int | None:
    nonzero = np.flatnonzero(table.rows > 0)
    return int(nonzero[-1]) if len(nonzero) else None


def _worst(
    name: str, shares: np.ndarray, features: list[str], day: str, n: int, *, limit: float, what: str
) -> Check:
    values = [(float(v), f) for v, f in zip(shares, features, strict=True) if not math.isnan(v)]
    if not values:
        return Check(name, None, limit, "no_data", f"no feature to check for {what}", n, day)
    worst, feature = max(values)
    status = "warning" if worst > limit else "ok"
    return Check(
        name,
        worst,
        limit,
        status,
        f"{feature}: {worst:.1%} {what} on {day} (warning above {limit:.0%})",
        n,
        day,
    )


def pipeline_checks(ws: Workspace, now: dt.datetime, cfg: MonitoringSettings) -> list[Check]:
    """Time since the last accepted ingest, refused/failed batches, daily volume."""
    health = quality.pipeline_health(ws, now)
    cadence = cfg.ingest_cadence_hours
    out: list[Check] = []
    hours = health.hours_since_ingest
    if hours is not None and hours < 0:
        out.append(
            Check(
                "ingest_overdue",
                hours,
                cadence,
                "warning",
                f"the last ingest is {-hours:.1f} h in the future: check the clocks",
                None,
                "now",
            )
        )
    elif hours is None:
        out.append(
            Check(
                "ingest_overdue",
                None,
                cadence,
                "no_data",
                "no predictions file has been ingested yet",
                None,
                "now",
            )
        )
    else:
        status = "critical" if hours > 2 * cadence else "warning" if hours > 1.5 * cadence else "ok"
        out.append(
            Check(
                "ingest_overdue",
                hours,
                cadence,
                status,
                f"last predictions ingest {hours:.1f} h ago (expected every {cadence:g} h)",
                None,
                "now",
            )
        )
    bad = health.refused_24h + health.failed_24h
    text = (
        f"{health.refused_24h} refused and {health.failed_24h} failed batches in 24 h; "
        f"latest: {health.refused_messages[0]}"
        if bad
        else "no refused or failed batch in the last 24 h"
    )
    status = "critical" if health.failed_24h else "warning" if bad else "ok"
    out.append(Check("refused_batches", float(bad), 0.0, status, text.splitlines()[0], bad, "24h"))
    out.append(_volume(health.day_rows, now, cfg))
    return out


def _volume(day_rows: dict[str, int], now: dt.datetime, cfg: MonitoringSettings) -> Check:
    today = now.date().isoformat()
    days = sorted(d for d in day_rows if d < today)
    if len(days) < 2:
        return Check(
            "volume",
            None,
            None,
            "no_data",
            "fewer than two complete days of predictions",
            None,
            "day",
        )
    last = days[-1]
    history = [day_rows[d] for d in days[-1 - cfg.baseline_days : -1]]
    median = statistics.median(history)
    ratio = day_rows[last] / median if median else math.inf
    tol = cfg.volume_tolerance
    far = not (1 - tol) <= ratio <= 1 / (1 - tol)
    status = "warning" if far else "ok"
    return Check(
        "volume",
        ratio,
        tol,
        status,
        f"{day_rows[last]:,} rows on {last} is {ratio:.2f}x the median of the "
        f"{len(history)} days before",
        day_rows[last],
        last,
    )


def system_checks(ws: Workspace, now: dt.datetime, cfg: MonitoringSettings) -> list[Check]:
    """Machine CPU, memory and disk; service p99 latency and error rate; backup age."""
    limit = ws.config.thresholds.resource_warning
    since = now.timestamp() - 15 * 60
    stored = system.stored_series(ws, since)
    live = system.machine_sample(ws)
    out: list[Check] = []
    for name, label in (
        ("cpu", "CPU"),
        ("memory", "memory"),
        ("disk", "disk of the workspace volume"),
    ):
        values = stored[name][~np.isnan(stored[name])]
        if name == "cpu":
            value = float(values.mean()) if len(values) else psutil.cpu_percent(0.2) / 100.0
        else:
            value = float(live[name] or 0.0)
        full = name == "disk" and value >= DISK_FULL  # a full disk is a failure
        status = "critical" if full else "warning" if value >= limit else "ok"
        out.append(
            Check(
                name,
                value,
                limit,
                status,
                f"{label} use {value:.0%} (warning at {limit:.0%})",
                None,
                "now",
            )
        )
    out += _service_checks(ws, cfg)
    out.append(_backup(ws, now, cfg))
    out.append(_backup_failed(ws))
    return out


def _service_checks(ws: Workspace, cfg: MonitoringSettings) -> list[Check]:
    info = partners.running_service(ws)
    if info is None:
        why = "no scoring service is running"
        return [
            Check("latency_p99", None, cfg.latency_p99_warning_ms, "no_data", why, None, "now"),
            Check("error_rate", None, cfg.error_rate_warning, "no_data", why, None, "now"),
        ]
    health = system.fetch_health(ws, info) or {}
    p99 = system._number(health, "p99_ms", "latency_p99_ms", "p99")
    requests = system._number(health, "requests") or 0.0
    errors = system._number(health, "errors") or 0.0
    out = []
    if p99 is None:
        out.append(
            Check(
                "latency_p99",
                None,
                cfg.latency_p99_warning_ms,
                "critical",
                f"the service at {info.url} does not answer /health",
                None,
                "now",
            )
        )
    else:
        status = "warning" if p99 > cfg.latency_p99_warning_ms else "ok"
        out.append(
            Check(
                "latency_p99",
                p99,
                cfg.latency_p99_warning_ms,
                status,
                f"p99 response time {p99:.1f} ms (warning above {cfg.latency_p99_warning_ms:g} ms)",
                int(requests),
                "since start",
            )
        )
    rate = errors / requests if requests else 0.0
    status = (
        "critical"
        if rate > cfg.error_rate_critical
        else "warning"
        if rate > cfg.error_rate_warning
        else "ok"
    )
    out.append(
        Check(
            "error_rate",
            rate,
            cfg.error_rate_warning,
            status,
            f"{int(errors):,} errors in {int(requests):,} requests ({rate:.2%})",
            int(requests),
            "since start",
        )
    )
    return out


def _backup(ws: Workspace, now: dt.datetime, cfg: MonitoringSettings) -> Check:
    last = partners.last_verified_backup(ws)
    if last is None:
        return Check(
            "backup_age",
            None,
            cfg.backup_max_age_hours,
            "warning",
            "no backup: no verified backup of this workspace exists",
            None,
            "now",
        )
    hours = (now - dt.datetime.fromisoformat(last)).total_seconds() / 3600
    status = "warning" if hours > cfg.backup_max_age_hours else "ok"
    return Check(
        "backup_age",
        hours,
        cfg.backup_max_age_hours,
        status,
        f"last verified backup {hours:.0f} h ago",
        None,
        "now",
    )


def _backup_failed(ws: Workspace) -> Check:
    """Critical while the newest backup failure is not cleared by a later success."""
    failure = partners.last_backup_failure(ws)
    if failure is None:
        return Check("backup_failed", 0.0, 0.0, "ok", "no backup failure", None, "now")
    if failure["kind"] == "create":
        why = (
            f"backup to {failure['location']} failed at {failure['at'][:16]}: {failure['message']}"
        )
    else:
        why = (
            f"snapshot {str(failure['snapshot'])[:8]} in {failure['location']} failed its "
            f"verify at {failure['at'][:16]}: {failure['message']}"
        )
    return Check("backup_failed", 1.0, 0.0, "critical", why, None, "now")


def access_check(ws: Workspace, now: dt.datetime) -> Check:
    """Repeated failed sign-ins or permission denials in the last 24 hours (from the audit
    log): a warning, or critical for a burst twice the threshold. Critical, whatever
    else, when the audit log's end or the security state does not match the signed head
    (an edit outside the console)."""
    from console.core.security import anchor
    from console.core.security.monitoring import access_findings

    tampered = anchor.check(ws.conn)
    if not tampered.ok:
        return Check("access", 1.0, None, "critical", tampered_message(tampered), 1, "now")
    findings = access_findings(ws, now - dt.timedelta(hours=24))
    if not findings:
        why = "no repeated failed sign-ins or permission denials in the last 24 h"
        return Check("access", 0.0, None, "ok", why, 0, "24h")
    status = "critical" if any(f["severity"] == "critical" for f in findings) else "warning"
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    message = str(findings[0]["message"]) + more
    return Check("access", float(len(findings)), None, status, message, len(findings), "24h")


def tampered_message(report: AnchorReport) -> str:
    """One line for a failed :func:`console.core.security.anchor.check`."""
    return f"audit log or security state tampered with: {report.reason}"
