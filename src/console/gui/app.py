"""Start the GUI: the application object, the style, the workspace, the main window.

``run_gui(root)`` returns the process exit code: 0 after a normal quit, 2 when the
workspace cannot be opened (bad console.toml, newer schema, unreadable database), with
the one-line reason shown in a message box first.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from console import __version__
from console.core.base import access
from console.core.base.errors import EXIT_BAD_INPUT, EXIT_DENIED, EXIT_OK, ConsoleError
from console.core.base.jobs import JobContext
from console.core.base.workspace import CONFIG_FILE, Workspace
from console.core.security import accounts
from console.gui import workers
from console.gui.dialogs.sign_in import SignInDialog
from console.gui.dialogs.workspace_choice import DEMO, WorkspaceChoiceDialog
from console.gui.main_window import APP_TITLE, MainWindow
from console.gui.settings import APPLICATION, ORGANISATION
from console.gui.style import THEME, apply_style, icon

EXIT_CANNOT_OPEN = EXIT_BAD_INPUT  # the workspace cannot be opened: bad input
log = logging.getLogger(__name__)


def run_gui(root: Path) -> int:
    """Open the workspace at ``root`` (offering to create one) and run the window."""
    app = _application()
    user = access.current_user()
    opened = open_workspace(root, user)
    if isinstance(opened, int):
        return opened
    with opened as ws:
        try:
            user = ws.resolve_user(user)
        except ConsoleError as exc:
            workers.show_error(None, "Cannot act under that name", exc)
            return EXIT_DENIED
        signed_in = sign_in(ws, user)
        if signed_in is None:
            return EXIT_OK
        show_window(ws, signed_in)
        return app.exec()


def show_window(ws: Workspace, user: str) -> MainWindow:
    """The main window, shown. The audit log's head is checked right after its first
    paint (the workspace is opened without it: the keyring's backend search alone takes
    about 0.1 s), and a tampering found raises the critical access alert then."""
    window = MainWindow(ws, user)
    window.show()
    after_first_paint(window, lambda: check_at_open(ws, user))
    return window


def check_at_open(ws: Workspace, user: str) -> None:
    ws.check_audit_head()
    raise_tamper_alert(ws, user)


class _FirstPaint(QObject):
    def __init__(self, window: QWidget, then: Callable[[], None]) -> None:
        super().__init__(window)
        self._window, self._then = window, then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        painted = event.type() == QEvent.Type.Paint
        if painted and isinstance(watched, QWidget) and watched.window() is self._window:
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            QTimer.singleShot(0, self._window, self._then)  # once the frame is out
        return False


def after_first_paint(window: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` on the GUI thread once ``window`` has painted for the first time."""
    app = QApplication.instance()
    if app is None:
        then()
        return
    app.installEventFilter(_FirstPaint(window, then))


def raise_tamper_alert(ws: Workspace, user: str) -> None:
    """A tampered audit log or security state found at open raises the critical access
    alert now (the Overview and Audit pages say what changed)."""
    if ws.integrity.ok:
        return  # the usual case: nothing to raise, and no need to load the checks
    from console.core.alerts import integrity

    try:
        integrity.raise_if_tampered(ws, user)
    except ConsoleError as exc:
        log.warning("the tampering alert could not be raised: %s", exc)


def sign_in(ws: Workspace, user: str) -> str | None:
    """The user to act as: ``user`` (the OS user) unless the workspace has console
    accounts, then whoever signs in (None if the dialog was cancelled)."""
    if not accounts.enabled(ws):
        return user
    return SignInDialog.ask(None, ws, user)


def _application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_TITLE)
    app.setApplicationVersion(__version__)
    apply_style(app)
    app.setWindowIcon(application_icon())
    app.setDesktopFileName("model-ops-console")  # matches packaging/desktop-entry.sh
    return app


def application_icon() -> QIcon:
    """The console's icon (resources/icons), the one the desktop entry shows too."""
    from importlib import resources

    path = resources.files("console.resources") / "icons" / "model-ops-console.svg"
    found = QIcon(str(path))
    return found if not found.isNull() else icon("mdi6.shield-search", THEME.accent)


def open_workspace(root: Path, user: str) -> Workspace | int:
    """The open workspace, or an exit code when there is none to work with."""
    root = root.expanduser().resolve()
    while not (root / CONFIG_FILE).is_file():
        choice = WorkspaceChoiceDialog.ask(None, root)
        if choice is None:
            return EXIT_OK
        create_with_progress(root, user, demo=choice == DEMO)
    try:
        return Workspace.open(root, check_head=False)  # checked once the window is painted
    except ConsoleError as exc:
        workers.show_error(None, "Cannot open the workspace", exc)
        return EXIT_CANNOT_OPEN


def create_with_progress(root: Path, user: str, *, demo: bool) -> bool:
    """Create the workspace as a job with a progress dialog; True if it was made."""
    loop = QEventLoop()
    title = "Creating the demo workspace" if demo else "Creating the workspace"
    job = workers.run_job(None, title, create_workspace, root, user, demo)
    job.ended.connect(loop.quit)
    if job.outcome == "running":
        loop.exec()
    return job.outcome == "done"


def create_workspace(root: Path, user: str, demo: bool, ctx: JobContext) -> Path:
    """The job: create the workspace (and build the demo in it); nothing is left at
    ``root`` if it fails or is cancelled."""
    from console.core.demo.build import build_demo

    ctx.progress(0.0, "Creating the workspace")

    def populate(ws: Workspace) -> None:
        build_demo(ws, user, ctx)

    ws = Workspace.create(root, user, populate=populate if demo else None)
    ws.close()
    ctx.progress(1.0, "Workspace ready")
    return ws.root
