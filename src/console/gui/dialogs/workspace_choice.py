"""Asked when the folder to open is not a workspace: create a demo, an empty one, or quit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

DEMO, EMPTY = "demo", "empty"


class WorkspaceChoiceDialog:
    """``WorkspaceChoiceDialog.ask(parent, root)`` -> ``"demo"``, ``"empty"`` or None (quit)."""

    @classmethod
    def ask(cls, parent: QWidget | None, root: Path) -> str | None:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("No workspace")
        box.setText(f"{root} is not a console workspace yet.")
        box.setInformativeText(
            "A demo workspace holds 30 days of synthetic card transactions, their labels "
            "and a trained model in production (building it takes about a minute). "
            "An empty workspace starts with nothing. Either way you become its admin."
        )
        demo = box.addButton("Create demo workspace", QMessageBox.ButtonRole.AcceptRole)
        empty = box.addButton("Create empty workspace", QMessageBox.ButtonRole.AcceptRole)
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(demo)
        box.setEscapeButton(quit_button)
        box.exec()
        clicked = box.clickedButton()
        if clicked is demo:
            return DEMO
        if clicked is empty:
            return EMPTY
        return None
