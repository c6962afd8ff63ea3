"""Jobs: each maintenance schedule with next and last run, running jobs, the run history.

Run now starts the selected job with a progress dialog and Cancel (a second click while
it runs is refused by the core's lock, with who holds it). Running jobs of every
process (the window, cron, a systemd timer) are listed with their progress and can be
cancelled. The history shows each run's HTML report. Admins edit a schedule.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QInputDialog,
    QProgressBar,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QWidget,
)

from console.core.base.workspace import Workspace
from console.core.maintenance import catalog, runner, runs, schedules
from console.core.maintenance.runs import JobRun
from console.gui import formatting, workers
from console.gui.pages.base import Page
from console.gui.widgets.panel import panel
from console.gui.widgets.tables import table_with_headers

SCHEDULE_COLUMNS = ["Job", "Schedule (UTC)", "Next run", "Last run", "Outcome", "Due"]
RUNNING_COLUMNS = ["Run", "Job", "Started by", "Since", "Progress"]
HISTORY_COLUMNS = ["Run", "Job", "Outcome", "Trigger", "User", "Started", "Took", "Message"]
POLL_MS = 1000


class JobsPage(Page):
    key = "jobs"
    title = "Jobs"
    icon_name = "mdi6.calendar-clock"
    order = 75
    listens_to = ("job_finished", "config_changed")

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.run_action = self.page_action(
            "Run now", "mdi6.play-circle-outline", "Ctrl+Shift+J", self.run_selected,
            needs="job.run",
        )  # fmt: skip
        self.cancel_action = self.page_action(
            "Cancel run", "mdi6.stop-circle-outline", "", self.cancel_selected, needs="job.run"
        )
        self.edit_action = self.page_action(
            "Edit schedule…", "mdi6.calendar-edit", "", self.edit_selected, needs="schedule.edit"
        )
        for action in (self.run_action, self.cancel_action, self.edit_action):
            self.add_header_button(action)
        self.schedules = table_with_headers(QTableWidget(), SCHEDULE_COLUMNS)
        self.running = table_with_headers(QTableWidget(), RUNNING_COLUMNS)
        self.history = table_with_headers(QTableWidget(), HISTORY_COLUMNS)
        self.history.currentCellChanged.connect(lambda row, *_: self._show_report(row))
        self.report = QTextBrowser()
        self.report.setOpenExternalLinks(False)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(panel("History", self.history))
        lower.addWidget(panel("Report", self.report))
        lower.setSizes([560, 520])
        upper = QSplitter(Qt.Orientation.Vertical)
        upper.addWidget(panel("Schedules", self.schedules))
        upper.addWidget(panel("Running", self.running))
        upper.addWidget(lower)
        upper.setSizes([170, 110, 420])
        self.body.addWidget(upper, 1)
        self.items: list[schedules.ScheduleStatus] = []
        self.runs: list[JobRun] = []
        self.active: list[JobRun] = []
        self.job: workers.RunningJob | None = None
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._refresh_running)

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        self.items = schedules.status(self.ws)
        self._fill_schedules()
        self._refresh_running()
        keep = self.history.currentRow()
        self.runs = runs.history(self.ws, limit=100)
        self._fill_history()
        if self.runs:
            self.history.setCurrentCell(max(keep, 0), 0)
        due = [s.name for s in self.items if s.due]
        self.subtitle.setText(
            f"{len(self.runs)} recorded run{'s' if len(self.runs) != 1 else ''}"
            + (f" · due: {', '.join(due)}" if due else " · nothing due")
        )

    def _fill_schedules(self) -> None:
        self.schedules.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            last = item.last_run
            values = [
                catalog.SPECS[item.name].title,
                item.expression or "off",
                formatting.timestamp(item.next_run) if item.next_run else "–",
                formatting.timestamp(last.started_at) if last else "never",
                f"{last.state} ({last.trigger})" if last else "–",
                "due" if item.due else "",
            ]
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if column == 0:
                    cell.setToolTip(catalog.SPECS[item.name].description)
                self.schedules.setItem(row, column, cell)
        if self.schedules.currentRow() < 0 and self.items:
            self.schedules.setCurrentCell(0, 0)

    def _refresh_running(self) -> None:
        self.active = runs.running(self.ws)
        self.running.setRowCount(len(self.active))
        for row, run in enumerate(self.active):
            for column, text in enumerate(
                [str(run.id), run.kind, f"{run.user} ({run.trigger})",
                 formatting.timestamp(run.started_at)]
            ):  # fmt: skip
                self.running.setItem(row, column, QTableWidgetItem(text))
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(int(run.progress * 1000))
            bar.setFormat(f"{run.progress:.0%} {run.progress_message}")
            self.running.setCellWidget(row, 4, bar)
        if self.active and not self.poll.isActive():
            self.poll.start()
        elif not self.active:
            self.poll.stop()

    def _fill_history(self) -> None:
        self.history.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            took = f"{run.seconds:.1f} s" if run.seconds is not None else "…"
            values = [str(run.id), run.kind, run.state, run.trigger, run.user,
                      formatting.timestamp(run.started_at), took, run.message]  # fmt: skip
            for column, text in enumerate(values):
                self.history.setItem(row, column, QTableWidgetItem(text))

    def _show_report(self, row: int) -> None:
        if not 0 <= row < len(self.runs):
            self.report.clear()
            return
        page = runs.html_of(self.ws, self.runs[row].id)
        if page:
            self.report.setHtml(page)
        else:
            self.report.setPlainText(
                f"Run {self.runs[row].id} has no report ({self.runs[row].state})."
            )

    # ------------------------------------------------------------------ actions
    def selected_job(self) -> str | None:
        row = self.schedules.currentRow()
        return self.items[row].name if 0 <= row < len(self.items) else None

    def run_selected(self) -> None:
        name = self.selected_job()
        if name is None:
            return
        self.job = workers.run_job(
            self, f"Run {catalog.SPECS[name].title}", runner.run_job, self.ws, self.user, name,
            on_done=self._ended, on_error=self._ended, on_cancelled=lambda: self._ended(None),
        )  # fmt: skip
        QTimer.singleShot(300, self._refresh_running)

    def _ended(self, _result: object) -> None:
        self.job = None
        self.refresh()
        self.changed.emit()

    def cancel_selected(self) -> None:
        row = self.running.currentRow()
        target = self.active[row] if 0 <= row < len(self.active) else None
        if target is None and self.active:
            target = self.active[0]
        if target is None:
            return
        try:
            runs.request_cancel(self.ws, self.user, target.id)
        except Exception as exc:
            workers.show_error(self, "Cancel run", exc)
        self._refresh_running()

    def edit_selected(self) -> None:
        name = self.selected_job()
        if name is None:
            return
        current = self.ws.config.schedules.expression(name)
        text = ScheduleEditor.ask(self, name, current)
        if text is None or text == current:
            return
        try:
            schedules.set_schedule(self.ws, self.user, name, text)
        except Exception as exc:
            workers.show_error(self, "Edit schedule", exc)
            return
        self.refresh()


class ScheduleEditor:
    """Asks for a cron expression (tests replace :meth:`ask`)."""

    @classmethod
    def ask(cls, parent: QWidget, name: str, current: str) -> str | None:
        text, ok = QInputDialog.getText(
            parent, "Edit schedule",
            f"Cron expression for {name} (minute hour day month weekday, UTC; empty = off):",
            text=current,
        )  # fmt: skip
        return text.strip() if ok else None
