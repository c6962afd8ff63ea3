"""The progress dialog of a running job: what it is doing, how far, and Cancel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

SHOW_AFTER_MS = 400  # a job that ends sooner never flashes a dialog
STEPS = 1000


class JobProgressDialog(QDialog):
    """Title, message, progress bar and a Cancel button (Esc and closing also cancel).

    Cancelling does not close the dialog: it asks the job to stop and says so; the
    dialog closes when the job has really ended (:meth:`finish`).
    """

    def __init__(self, title: str, parent: QWidget | None, on_cancel: Callable[[], None]) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumSize(440, 150)  # explicit: the layout never resizes a shown dialog
        self._on_cancel = on_cancel
        self._ended = False

        self.message = QLabel("Starting…")
        self.message.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setValue(0)
        buttons = QDialogButtonBox()
        self.cancel_button: QPushButton = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        heading = QLabel(title)
        heading.setProperty("role", "section")
        layout.addWidget(heading)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(buttons)

    @property
    def cancelling(self) -> bool:
        return not self.cancel_button.isEnabled()

    def set_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(round(fraction * STEPS))
        if message and not self.cancelling:
            self.message.setText(message)

    def show_soon(self) -> None:
        """Show the dialog unless the job ends within ``SHOW_AFTER_MS``."""
        QTimer.singleShot(SHOW_AFTER_MS, self, self._show_if_running)

    def _show_if_running(self) -> None:
        if not self._ended:
            self.show()

    def reject(self) -> None:
        """Cancel (button, Esc): ask the job to stop; the dialog stays until it has."""
        if self._ended:
            super().reject()
            return
        if not self.cancelling:
            self.cancel_button.setEnabled(False)
            self.message.setText("Cancelling… nothing will be changed.")
            self._on_cancel()

    def finish(self) -> None:
        """The job has ended: close for good."""
        self._ended = True
        self.done(QDialog.DialogCode.Accepted)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._ended:
            event.accept()
        else:
            event.ignore()
            self.reject()
