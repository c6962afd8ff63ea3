"""The console's main window: navigation, pages, menus, status bar, saved window state."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QRect, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from console import __version__
from console.core.alerts.records import Alert
from console.core.base import access, job_process
from console.core.base.workspace import Workspace
from console.gui import warmup, workers
from console.gui.due_jobs import DueJobsTimer
from console.gui.events import bridge_for
from console.gui.pages import PageEntry, page_entries
from console.gui.pages.base import Page
from console.gui.pages_ahead import IMPORTS, PagesAhead
from console.gui.rollback_readiness import RollbackReadiness
from console.gui.settings import app_settings
from console.gui.style import icon
from console.gui.tray import TrayController
from console.gui.widgets.stand_in import StandIn

if TYPE_CHECKING:  # the pages' modules are imported when a page is first shown
    from console.gui.pages.data import DataPage
    from console.gui.pages.overview import OverviewPage

log = logging.getLogger("console.gui")

APP_TITLE = "Model Operations Console"
DEFAULT_SIZE = QSize(1280, 800)
#: Explicit, so the layout never changes the window's minimum size after it is shown
#: (each change is a round trip to the window system).
MINIMUM_SIZE = QSize(760, 520)
CLOSE_WAIT_MS = 10_000
GEOMETRY_KEY, STATE_KEY, PAGE_KEY = "main_window/geometry", "main_window/state", "main_window/page"


class MainWindow(QMainWindow):
    #: a page was built (it is built when first shown or asked for)
    page_built = Signal(object)

    def __init__(self, ws: Workspace, user: str) -> None:
        super().__init__()
        self.ws = ws
        self.user = user
        self.role = ws.role_of(user)
        # the window system adds " — Model Operations Console" (the application's display
        # name) itself; naming it here too showed it twice
        self.setWindowTitle(ws.root.name)
        self.setMinimumSize(MINIMUM_SIZE)
        # core events of this workspace, on the GUI thread; other processes' changes too
        self.events = bridge_for(ws)
        self._make_actions()

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(18, 18))
        self.navigation.setFixedWidth(190)
        self.navigation.setSpacing(1)
        self.stack = QStackedWidget()
        self.page_actions = QActionGroup(self)
        self.page_actions.setExclusive(True)
        # Pages are built when first shown (or asked for), so the window paints after
        # building one page, not all of them; the rest cost nothing until visited.
        self.page_entries = page_entries()
        self._built: dict[int, Page] = {}
        # after the first paint: the page modules imported off the GUI thread, the shown
        # page built once its module is in, then the others ahead of their first visit
        self.ahead = PagesAhead(self)
        for entry in self.page_entries:
            self._add_page(entry)
        self._make_menus()
        self._make_toolbar()
        self.navigation.currentRowChanged.connect(self._page_chosen)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.workspace_label = QLabel(f"Workspace: {ws.root}")
        self.user_label = QLabel(f"User: {user} ({self.role})")
        self.statusBar().addPermanentWidget(self.workspace_label)
        self.statusBar().addPermanentWidget(self.user_label)

        self._restore_window_state()  # selects the page shown first
        self.tray = TrayController(self)  # alerts: tray icon, or badge and banner without one
        # after the first paint: warm the model libraries, pre-verify the rollback target
        # (again whenever a page changed something, e.g. a promote from the Models page)
        self.readiness = RollbackReadiness(self, ws, user)
        for page in self.built_pages():
            page.changed.connect(self.readiness.prepare)
        self.page_built.connect(lambda page: page.changed.connect(self.readiness.prepare))
        # once the first page is up: import what jobs need and freeze the start-up
        # objects, so neither stalls the GUI later while a job runs
        self.ahead.first_page_built.connect(warmup.start_warm_up)
        self.events.start_polling()
        self.due_jobs = DueJobsTimer(ws, user, self)  # scheduled maintenance while open

    # ------------------------------------------------------------------ building
    def _make_actions(self) -> None:
        self.import_predictions_action = self._action(
            "Import predictions…",
            "mdi6.file-upload-outline",
            "Ctrl+I",
            lambda: self.data_page.start_import("predictions"),
        )
        self.import_labels_action = self._action(
            "Import labels…",
            "mdi6.tag-plus-outline",
            "Ctrl+Shift+I",
            lambda: self.data_page.start_import("labels"),
        )
        self.refresh_action = self._action("Refresh", "mdi6.refresh", "F5", self.refresh_pages)
        # The 3 a.m. path: one shortcut, one toolbar button, from every page.
        self.rollback_action = self._action(
            "Roll back model…",
            "mdi6.backup-restore",
            "Ctrl+R",
            lambda _checked=False: self.roll_back(),
        )
        self.rollback_action.setToolTip(
            "Put the previous production model back (verified before and after the switch)"
        )
        self.rollback_action.setEnabled(access.allowed(self.role, "model.rollback"))
        self.register_model_action = self._action(
            "Register model…", "mdi6.plus-box-outline", "", self.register_model
        )
        self.register_model_action.setEnabled(access.allowed(self.role, "model.register"))
        self.quit_action = self._action("Quit", "mdi6.exit-to-app", "Ctrl+Q", self.close)
        self.about_action = self._action("About", "mdi6.information-outline", "", self.show_about)
        self.diagnostics_action = self._action(
            "Diagnostics…", "mdi6.stethoscope", "", self.show_diagnostics
        )
        may_ingest = access.allowed(self.role, "ingest")
        for action in (self.import_predictions_action, self.import_labels_action):
            action.setEnabled(may_ingest)
            if not may_ingest:
                roles = " or ".join(sorted(access.ACTIONS["ingest"]))
                action.setToolTip(f"Importing needs the {roles} role; {self.user} is {self.role}.")

    def _action(self, text: str, icon_name: str, shortcut: str, slot: object) -> QAction:
        action = QAction(icon(icon_name), text, self)
        action.setIconText(text)  # buttons keep the "…" that says a dialog follows
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _make_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.setToolTipsVisible(True)
        file_menu.addActions([self.import_predictions_action, self.import_labels_action])
        file_menu.addSeparator()
        file_menu.addAction(self.register_model_action)
        file_menu.addAction(self.rollback_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addActions(self.page_actions.actions())
        view_menu.addSeparator()
        view_menu.addAction(self.refresh_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.diagnostics_action)
        help_menu.addAction(self.about_action)

    def _add_page(self, page: PageEntry) -> None:
        stand_in = StandIn(page.title)  # until the page is built
        stand_in.first_paint.connect(self._build_shown_page_soon)
        number = self.stack.addWidget(stand_in)
        item = QListWidgetItem(icon(page.icon_name), page.title, self.navigation)
        item.setSizeHint(QSize(0, 36))
        action = QAction(icon(page.icon_name), page.title, self.page_actions)
        action.setCheckable(True)
        if number < 9:  # Ctrl+1 … Ctrl+9; later pages by the sidebar or the View menu
            action.setShortcut(QKeySequence(f"Ctrl+{number + 1}"))
        action.triggered.connect(lambda _checked=False, n=number: self.show_page(n))

    # ------------------------------------------------------------------ pages
    def page(self, key: str) -> Page:
        """The page with this key, built if need be (KeyError if there is none)."""
        keys = self.page_keys()
        if key not in keys:
            raise KeyError(key)
        return self._page_at(keys.index(key))

    def page_keys(self) -> list[str]:
        return [entry.key for entry in self.page_entries]

    def is_built(self, number: int) -> bool:
        return number in self._built

    def build_page(self, number: int, *, refresh: bool = True) -> Page:
        """The page at ``number``, built now if it is not yet (shown or not); without
        ``refresh`` a new page reads nothing yet (its caller refreshes it later)."""
        return self._page_at(number, refresh=refresh)

    def _page_at(self, number: int, *, refresh: bool = True) -> Page:
        built = self._built.get(number)
        if built is not None:
            built.build_rest()  # the parts of a page built ahead not made yet
            return built
        page = self.page_entries[number].load().create(self)
        page.changed.connect(self.refresh_soon)
        page.open_page.connect(self.show_page)
        checked = getattr(page, "checked", None)  # the Overview's Run checks summary
        if checked is not None:
            checked.connect(lambda text: self.statusBar().showMessage(text, 30_000))
        stand_in = self.stack.widget(number)
        current = self.stack.currentIndex()
        self.stack.insertWidget(number, page)
        if stand_in is not None:
            self.stack.removeWidget(stand_in)
            stand_in.deleteLater()
        if current == number:
            self.stack.setCurrentIndex(number)
        self._built[number] = page
        self.page_built.emit(page)
        if refresh:
            self.refresh_new_page(page)
        return page

    def refresh_new_page(self, page: Page) -> None:
        try:
            page.refresh()
        except Exception as exc:
            log.exception("refresh of a new page failed")
            workers.show_error(self, "Refresh failed", exc)

    @property
    def overview_page(self) -> OverviewPage:
        return self.page("overview")  # type: ignore[return-value]

    @property
    def data_page(self) -> DataPage:
        return self.page("data")  # type: ignore[return-value]

    def pages(self) -> list[Page]:
        """Every page, in order, building those not built yet."""
        return [self._page_at(n) for n in range(len(self.page_entries))]

    def built_pages(self) -> list[Page]:
        """The pages built so far (shown at least once, or asked for)."""
        return [self._page_at(n) for n in sorted(self._built)]

    def current_key(self) -> str:
        """The key of the page shown (without building it)."""
        return self.page_keys()[self.stack.currentIndex()]

    def current_page(self) -> Page:
        """The page shown (built now if the window has not got round to it yet)."""
        return self._page_at(self.stack.currentIndex())

    def show_page(self, page: int | str) -> None:
        """Show a page by number or key; ``key#item`` also asks the page to focus ``item``
        (e.g. ``runbooks#model-rollback``: an alert's runbook link)."""
        item = ""
        if isinstance(page, str):
            page, _, item = page.partition("#")
        number = self.page_keys().index(page) if isinstance(page, str) else page
        self.navigation.setCurrentRow(number)
        if item:
            focus = getattr(self._page_at(number), "focus_item", None)
            if focus is not None:
                focus(item)

    def _page_chosen(self, number: int) -> None:
        if number < 0:
            return
        if self.is_built(number) or not self.ahead.timer.isActive():
            self._page_at(number)
        else:
            # While the window still builds its pages (its first seconds), a page not
            # built yet shows its stand-in now and is built on the window's next pass
            # (PagesAhead), its module imported off the GUI thread: building and first
            # painting it in one go held the GUI thread 31-55 ms.
            IMPORTS.request([self.page_entries[number].module], first=True)
        self.stack.setCurrentIndex(number)
        self.page_actions.actions()[number].setChecked(True)

    def refresh_pages(self) -> None:
        try:
            for page in self.built_pages():  # the others read fresh data when built
                page.refresh()
        except Exception as exc:
            log.exception("refresh failed")
            workers.show_error(self, "Refresh failed", exc)

    def refresh_soon(self) -> None:
        """After a page's change: the shown page refreshes shortly, the others when next
        shown (the change's own events usually have done this already)."""
        for page in self.built_pages():
            page.refresh_soon()

    def roll_back(self, alert: Alert | None = None) -> None:
        """Open the Rollback dialog with the previous production version preselected
        (and, from an alert, the reason prefilled); the window updates as soon as the
        switch is done, behind the dialog that shows the outcome."""
        from console.gui.dialogs.rollback import RollbackDialog

        RollbackDialog.ask(self, self.ws, self.user, alert=alert, on_deployed=self.deployed)

    def deployed(self, *_args: object) -> None:
        """Production changed from this window: refresh, re-prepare the next rollback."""
        self.refresh_pages()
        self.tray.refresh()
        self.readiness.prepare()

    def _make_toolbar(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.rollback_action)
        toolbar.addAction(self.refresh_action)

    def register_model(self, *_args: object) -> None:
        # imported here: its model libraries' checks took 40 ms of the window's start-up
        from console.gui.dialogs.register_model import RegisterModelDialog

        if RegisterModelDialog.ask(self, self.ws, self.user) is not None:
            self.refresh_pages()

    def import_ended(self, message: str) -> None:
        self.refresh_pages()
        self.statusBar().showMessage(message, 15_000)

    def about_text(self) -> str:
        return (
            f"<h3>{APP_TITLE} {__version__}</h3>"
            "<p>Runs a deployed fraud-scoring model offline: data, monitoring, "
            "registry, rollback and audit.</p>"
            f"<p>Workspace: {self.ws.root}<br>User: {self.user} ({self.role})</p>"
        )

    def show_diagnostics(self) -> None:
        from console.gui.dialogs.diagnostics import DiagnosticsDialog

        DiagnosticsDialog.build(self.ws.root, self).open()

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_TITLE}", self.about_text())

    # ------------------------------------------------------------------ window state
    def _restore_window_state(self) -> None:
        settings = app_settings()
        geometry = settings.value(GEOMETRY_KEY)
        restored = isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)
        if not restored or not self._on_screen():
            self._default_geometry()
        state = settings.value(STATE_KEY)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        keys = self.page_keys()
        last = str(settings.value(PAGE_KEY, keys[0], type=str))
        # The page is selected now and built right after the window's first paint (its
        # stand-in says it is loading), so the window appears before the page's modules
        # load; anything that asks for the page earlier builds it then.
        number = keys.index(last) if last in keys else 0
        with QSignalBlocker(self.navigation):  # (superqt would load all its widgets here)
            self.navigation.setCurrentRow(number)
        self.stack.setCurrentIndex(number)
        self.page_actions.actions()[number].setChecked(True)

    def _build_shown_page_soon(self) -> None:
        # once the painted frame is on the screen (the imports would slow its flush)
        QTimer.singleShot(0, self, self._start_building)

    def _start_building(self) -> None:
        if not self.ahead.timer.isActive():
            self.ahead.start()

    def _on_screen(self) -> bool:
        """True when a usable part of the window (title bar included) is on a screen."""
        frame = self.frameGeometry()
        for screen in QGuiApplication.screens():
            seen = screen.availableGeometry().intersected(frame)
            if seen.width() >= 200 and seen.height() >= 100:
                return True
        return False

    def _default_geometry(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        size = DEFAULT_SIZE.boundedTo(QSize(int(area.width() * 0.95), int(area.height() * 0.95)))
        frame = QRect(0, 0, size.width(), size.height())
        frame.moveCenter(area.center())
        self.setGeometry(frame)

    def save_window_state(self) -> None:
        settings = app_settings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.setValue(STATE_KEY, self.saveState())
        settings.setValue(PAGE_KEY, self.current_key())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if workers.running_jobs():
            self.statusBar().showMessage("Cancelling running jobs…")
        self.ahead.stop()
        self.tray.stop()
        self.readiness.stop()
        self.events.close()
        for page in self._built.values():
            page.shut_down()
        # background refreshes too: none may outlive the window's workspace connections
        if not workers.cancel_running_jobs(CLOSE_WAIT_MS):
            log.warning("closing with jobs still running")
        job_process.shutdown()  # the ready child of the heavy jobs
        self.save_window_state()
        event.accept()
