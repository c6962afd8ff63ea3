"""The Overview's status tiles: daily checks, drift, service, alerts, backup.

Check figures come from the last stored report (nothing is computed here); drift,
the service and the open alerts are read live. Each tile opens its page.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from console.core.alerts import engine as alerts_engine
from console.core.base.workspace import Workspace
from console.core.monitoring import checks, partners
from console.core.monitoring.checks import Check, CheckReport
from console.gui import formatting as fmt
from console.gui.pages import page_classes
from console.gui.widgets.status_tile import StatusTile

WORST = ("critical", "warning", "ok", "no_data")
QUALITY = (
    "missing_values",
    "out_of_range",
    "unseen_categories",
    "duplicate_ids",
    "schema_violations",
)
PIPELINE = ("ingest_overdue", "refused_batches", "volume")
SYSTEM = ("cpu", "memory", "disk", "latency_p99", "error_rate")


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
        known = {cls.key for cls in page_classes()}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(12)
        for n, tile in enumerate(self.tiles()):
            grid.addWidget(tile, n // 4, n % 4)
            grid.setColumnStretch(n % 4, 1)
            if tile.page in known:
                tile.clicked.connect(lambda t=tile: self.open_page.emit(t.page))

    def tiles(self) -> list[StatusTile]:
        return [
            self.f1, self.fpr, self.drift, self.service,
            self.alerts, self.quality, self.system, self.backup,
        ]  # fmt: skip

    def refresh(self) -> None:
        report = checks.latest_report(self.ws)
        self.show_report(report)
        self.show_drift(report)
        self.show_service()
        self.show_alerts()

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

    def show_drift(self, report: CheckReport | None = None) -> None:
        """The last stored drift analysis, else the daily check's data_drift."""
        drift = partners.latest_drift(self.ws)
        check = report.get("data_drift") if report is not None else None
        if drift is None and check is not None:
            word = {"warning": "drift", "ok": "no drift"}.get(check.status, "–")
            detail = f"daily check, {check.window}\n{check.explanation[:38]}"
            self.drift.show_status(word, detail, check.status)
            self.drift.setToolTip(check.explanation)
            return
        if drift is None:
            self.drift.show_status("–", "no drift analysis yet\n", "no_data")
            return
        share = drift.get("share_drifted")
        drifted = bool(drift.get("dataset_drift"))
        columns = drift.get("drifted_columns") or []
        self.drift.show_status(
            "drift" if drifted else "no drift",
            f"{fmt.percent(share, 0)} of features drifted\n{fmt.timestamp(drift.get('when'))}",
            "warning" if drifted else "ok",
        )
        self.drift.setToolTip(", ".join(str(c) for c in columns))

    def show_service(self) -> None:
        info = partners.running_service(self.ws)
        if info is None:
            self.service.show_status("stopped", "no scoring service\nis running", "no_data")
            return
        health = partners.service_health(self.ws, info)
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

    def show_alerts(self) -> None:
        alerts = alerts_engine.open_alerts(self.ws)
        # counted as the tray/badge counts: firing and not inhibited by a critical
        loud = [
            a
            for a in alerts
            if getattr(a, "state", "") == "firing" and not getattr(a, "inhibited_by", None)
        ]
        critical = sum(1 for a in loud if getattr(a, "severity", "") == "critical")
        quiet = len(alerts) - len(loud)
        status = "critical" if critical else "warning" if loud else "ok"
        detail = f"{critical} critical" if loud else "nothing firing"
        others = f"{quiet} pending, inhibited or without data" if quiet else "from the alert rules"
        self.alerts.show_status(str(len(loud)), f"{detail}\n{others}", status)
