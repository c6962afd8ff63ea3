"""The Overview's status tiles: daily checks, drift, service, alerts, backup.

Check figures come from the last stored report (nothing is computed here); drift,
the service and the open alerts are read live by :func:`gather_status`, which runs
off the GUI thread (it asks the service for its /health). Counts come from the same
core functions their pages use (``alert_counts``, ``drift_status``). Each tile opens
its page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from console.core.alerts import engine as alerts_engine
from console.core.alerts.engine import AlertCounts
from console.core.base.workspace import Workspace
from console.core.drift.summary import DriftStatus, drift_status
from console.core.monitoring import checks, partners
from console.core.monitoring.checks import Check, CheckReport
from console.core.security import policy
from console.core.serving.state import ServiceInfo
from console.gui import formatting as fmt
from console.gui.pages import page_entries
from console.gui.widgets.stat_tile import TileGrid
from console.gui.widgets.status_tile import StatusTile

WORST = ("critical", "warning", "ok", "no_data")
QUALITY = (
    "missing_values",
    "out_of_range",
    "unseen_categories",
    "duplicate_ids",
    "schema_violations",
)
PIPELINE = ("ingest_overdue", "refused_batches", "volume", "data_recency")
SYSTEM = ("cpu", "memory", "disk", "latency_p99", "error_rate")


@dataclass(frozen=True)
class StatusFacts:
    """What the status tiles show, read in one go (off the GUI thread)."""

    report: CheckReport | None
    drift: DriftStatus | None
    service: ServiceInfo | None
    health: dict[str, Any] | None
    alerts: AlertCounts
    caveats: list[str]  # what is not protected (keyring, encryption, signing)


def gather_status(ws: Workspace) -> StatusFacts:
    """Read the facts behind the tiles (database, and the service's /health)."""
    service = partners.running_service(ws)
    return StatusFacts(
        report=checks.latest_report(ws),
        drift=drift_status(ws),
        service=service,
        health=partners.service_health(ws, service) if service is not None else None,
        alerts=alerts_engine.alert_counts(ws),
        caveats=policy.status(ws).caveats(),
    )


def worst(found: list[Check]) -> Check | None:
    """The check with the worst status (first of equals)."""
    ranked = sorted(found, key=lambda c: WORST.index(c.status) if c.status in WORST else 9)
    return ranked[0] if ranked else None


class StatusTiles(QWidget):
    open_page = Signal(str)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.f1 = StatusTile("F1 (last labelled day)", "mdi6.bullseye-arrow", "performance")
        self.fpr = StatusTile("False positive rate", "mdi6.account-cancel-outline", "performance")
        self.drift = StatusTile("Data drift", "mdi6.chart-bell-curve", "drift")
        self.service = StatusTile("Scoring service", "mdi6.server-network", "service")
        self.alerts = StatusTile("Open alerts", "mdi6.bell-outline", "alerts")
        self.quality = StatusTile("Data quality", "mdi6.table-check", "quality")
        self.system = StatusTile("System", "mdi6.gauge", "system")
        self.backup = StatusTile("Last backup", "mdi6.backup-restore", "backups")
        self.protection = StatusTile("Protection", "mdi6.shield-lock-outline", "users")
        known = {entry.key for entry in page_entries()}  # without importing the pages
        self.grid = TileGrid(self.tiles(), self, columns=4)
        for tile in self.tiles():
            if tile.page in known:
                tile.clicked.connect(lambda t=tile: self.open_page.emit(t.page))

    def tiles(self) -> list[StatusTile]:
        return [
            self.f1, self.fpr, self.drift, self.service,
            self.alerts, self.quality, self.system, self.backup, self.protection,
        ]  # fmt: skip

    def refresh(self) -> None:
        """Read and show at once (tests; the Overview reads in the background)."""
        self.show_facts(gather_status(self.ws))

    def show_facts(self, facts: StatusFacts) -> None:
        self.show_report(facts.report)
        self.show_drift(facts.report, facts.drift)
        self.show_service(facts.service, facts.health)
        self.show_alerts(facts.alerts)
        self.show_protection(facts.caveats)

    def show_protection(self, caveats: list[str]) -> None:
        """Say plainly when audit signing or encryption at rest is not in force."""
        if not caveats:
            self.protection.show_status(
                "ok", "audit signed, data encrypted\nkeys in the OS keyring", "ok"
            )
            self.protection.setToolTip("Audit checkpoints are signed; datasets are encrypted.")
            return
        n = len(caveats)
        self.protection.show_status(
            f"{n} gap{'s' if n != 1 else ''}", "\n".join(caveats[:2]), "warning"
        )
        self.protection.setToolTip("Not protected now:\n" + "\n".join(caveats))

    def show_report(self, report: CheckReport | None) -> None:
        if report is None:
            for tile in (self.f1, self.fpr, self.quality, self.system, self.backup):
                tile.show_status("–", "no check has run yet:\nRun checks (Ctrl+Shift+K)", "no_data")
            return
        when = fmt.timestamp(report.created_at)
        for tile, name, percent in ((self.f1, "f1", False), (self.fpr, "fpr", True)):
            check = report.get(name)
            estimate = report.get(f"{name}_estimated")
            if check is None:
                continue
            value = (
                "–"
                if check.value is None
                else (fmt.percent(check.value, 2) if percent else fmt.metric(check.value))
            )
            est = ""
            if estimate is not None and estimate.value is not None:
                shown = fmt.percent(estimate.value, 2) if percent else fmt.metric(estimate.value)
                est = f" · est. {shown} on {estimate.window[5:]}"
            tile.show_status(value, f"{check.window}{est}\nchecked {when}", check.status)
            tile.setToolTip(check.explanation)
        self._group(self.quality, report, QUALITY + PIPELINE, when)
        self._group(self.system, report, SYSTEM, when)
        backup = report.get("backup_age")
        if backup is not None:
            value = "none" if backup.value is None else f"{backup.value:.0f} h ago"
            detail = "no verified backup" if backup.value is None else "since the last verified"
            self.backup.show_status(value, f"{detail}\nchecked {when}", backup.status)
            self.backup.setToolTip(backup.explanation)

    def _group(
        self, tile: StatusTile, report: CheckReport, names: tuple[str, ...], when: str
    ) -> None:
        found = [c for c in report.checks if c.name in names]
        bad = worst(found)
        if bad is None:
            tile.show_status("–", "not checked", "no_data")
            return
        problems = [c for c in found if c.status in ("warning", "critical")]
        value = "ok" if not problems else f"{len(problems)} finding{'s' * (len(problems) > 1)}"
        first = problems[0].name.replace("_", " ") if problems else f"{len(found)} checks"
        tile.show_status(value, f"{first}\nchecked {when}", bad.status if problems else "ok")
        tile.setToolTip("\n".join(f"{c.status}: {c.explanation}" for c in found))

    def show_drift(self, report: CheckReport | None, drift: DriftStatus | None) -> None:
        """The last stored drift analysis (as the Drift page counts it), else the daily
        check's data_drift."""
        check = report.get("data_drift") if report is not None else None
        if drift is None and check is not None:
            word = {"warning": "drift", "ok": "no drift"}.get(check.status, "–")
            self.drift.show_status(word, f"daily check, {check.window}\n{check.explanation}",
                                   check.status)  # fmt: skip
            self.drift.setToolTip(check.explanation)
            return
        if drift is None:
            self.drift.show_status("–", "no drift analysis yet\n", "no_data")
            return
        self.drift.show_status(
            "drift" if drift.dataset_drift else "no drift",
            f"{drift.headline}\n{drift.current} · {fmt.timestamp(drift.when)}",
            "warning" if drift.dataset_drift else "ok",
        )
        self.drift.setToolTip(
            f"{drift.headline} ({drift.window}): {', '.join(drift.drifted) or 'none'}"
        )

    def show_service(self, info: ServiceInfo | None, health: dict[str, Any] | None) -> None:
        if info is None:
            self.service.show_status("stopped", "no scoring service\nis running", "no_data")
            return
        if health is None:
            self.service.show_status(
                "no answer", f"{info.url}\ndoes not answer /health", "critical"
            )
            return
        p99 = health.get("p99_ms")
        self.service.show_status(
            str(health.get("model_version", "running")),
            f"{info.url}\np99 {'–' if p99 is None else f'{p99:.1f} ms'}"
            f" · {fmt.count(int(health.get('requests', 0)))} requests",
            "ok",
        )

    def show_alerts(self, counts: AlertCounts) -> None:
        """The badge's count, from the same core function as the badge and the Alerts page."""
        status = "critical" if counts.critical else "warning" if counts.loud else "ok"
        self.alerts.show_status(
            str(counts.loud), f"{counts.headline}, {counts.window}\n{counts.rest}", status
        )
        self.alerts.setToolTip(
            f"{counts.headline} · {counts.rest} ({counts.window}); firing alerts that are "
            "silenced or inhibited by a critical alert on the same metric count as quiet"
        )
