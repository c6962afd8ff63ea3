"""Models: the registry's versions, a version's card, two versions compared, the history.

Promote and Roll back open their dialogs (with live verification steps); Verify runs
the deployment checks on the selected version without switching anything.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from console.core.base.workspace import Workspace
from console.core.models import deploy, registry
from console.core.models.deploy import CheckResult, Deployment
from console.core.models.registry import ModelVersion
from console.gui import formatting, workers
from console.gui.dialogs.promote import PromoteDialog
from console.gui.dialogs.register_model import RegisterModelDialog
from console.gui.dialogs.rollback import RollbackDialog
from console.gui.pages.base import Page
from console.gui.style import icon
from console.gui.widgets.deployment_history import DeploymentHistory, check_item
from console.gui.widgets.metric_comparison import MetricComparison
from console.gui.widgets.model_card_view import ModelCardView
from console.gui.widgets.tables import style_table
from console.gui.widgets.version_table import SORT_ROLE, VersionTableModel


class ModelsPage(Page):
    key = "models"
    title = "Models"
    icon_name = "mdi6.cube-outline"
    order = 50

    @classmethod
    def create(cls, window: Any) -> ModelsPage:
        # The main window may own a global "Roll back…" action (Ctrl+R); reuse it if so.
        return cls(window.ws, window.user, rollback_action=getattr(window, "rollback_action", None))

    def __init__(
        self,
        ws: Workspace,
        user: str,
        parent: QWidget | None = None,
        *,
        rollback_action: QAction | None = None,
    ) -> None:
        super().__init__(ws, user, parent)
        self.verify_action = self.page_action(
            "Verify", "mdi6.shield-check-outline", "Ctrl+Shift+V", self.verify_selected
        )
        self.promote_action = self.page_action(
            "Promote…", "mdi6.rocket-launch-outline", "Ctrl+Shift+P", self.promote_selected
        )
        self.rollback_action = rollback_action or self.page_action(
            "Roll back…", "mdi6.backup-restore", "Ctrl+R", self.roll_back
        )
        self.register_action = self.page_action(
            "Register model…", "mdi6.plus-box-outline", "", self.register_model,
            needs="model.register",
        )  # fmt: skip
        for action in (
            self.register_action,
            self.verify_action,
            self.promote_action,
            self.rollback_action,
        ):
            self.add_header_button(action)

        self.model = VersionTableModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = _versions_view(self.proxy)
        self.table.selectionModel().currentRowChanged.connect(self._selected)

        self.card = ModelCardView()
        self.verification = QListWidget()
        self.verification.setObjectName("problems")
        self.verification.setWordWrap(True)
        self.verification.addItem("Verify runs the deployment checks on the selected version.")
        card_tab = QSplitter(Qt.Orientation.Horizontal)
        card_tab.addWidget(self.card)
        card_tab.addWidget(self.verification)
        card_tab.setSizes([700, 380])

        self.left = QComboBox()
        self.right = QComboBox()
        self.comparison = MetricComparison()
        compare_tab = self._compare_tab()

        self.history = DeploymentHistory()
        self.tabs = QTabWidget()
        self.tabs.addTab(card_tab, icon("mdi6.card-text-outline"), "Model card")
        self.tabs.addTab(compare_tab, icon("mdi6.compare-horizontal"), "Compare")
        self.tabs.addTab(self.history, icon("mdi6.history"), "Deployment history")

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.tabs)
        splitter.setSizes([220, 460])
        self.body.addWidget(splitter, 1)
        self.verify_job: workers.RunningJob | None = None

    def _compare_tab(self) -> QWidget:
        self.left.currentTextChanged.connect(self._compare)
        self.right.currentTextChanged.connect(self._compare)
        tab = QWidget()
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Compare"))
        pick.addWidget(self.left)
        pick.addWidget(QLabel("with"))
        pick.addWidget(self.right)
        pick.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(pick)
        layout.addWidget(self.comparison, 1)
        return tab

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        keep = self.selected_version()
        versions = registry.list_versions(self.ws)
        self.model.set_versions(versions)
        production = next((m for m in versions if m.stage == "production"), None)
        history = deploy.history(self.ws)
        self.history.set_deployments(history)
        last = history[0] if history else None
        change = (
            f" · last change {formatting.timestamp(last.finished_at)} by {last.user}"
            if last
            else ""
        )
        self.subtitle.setText(
            f"Production: {production.version if production else 'none'} · "
            f"{len(versions)} version{'s' if len(versions) != 1 else ''}{change}"
        )
        names = [m.version for m in versions]
        others = [v for v in names if production is None or v != production.version]
        defaults = (
            production.version if production else (names[0] if names else ""),
            others[0] if others else "",
        )
        for combo, default in zip((self.left, self.right), defaults, strict=True):
            current = combo.currentText()
            with signals_blocked(combo):
                combo.clear()
                combo.addItems(names)
                combo.setCurrentText(current if current in names else default)
        self.select_version(keep or (production.version if production else None))
        self._compare()

    def selected_version(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        model = self.model.version_at(self.proxy.mapToSource(index).row())
        return model.version if model else None

    def select_version(self, version: str | None) -> None:
        row = self.model.row_of(version) if version else None
        if row is None:
            row = 0 if self.model.rowCount() else None
        if row is None:
            self.card.show_card(None)
            return
        self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())

    def _selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        model = self.model.version_at(self.proxy.mapToSource(current).row())
        self.card.show_card(registry.model_card(self.ws, model.version) if model else None)
        if model is not None and model.stage != "production":
            self.right.setCurrentText(model.version)
        self.promote_action.setEnabled(model is not None and model.stage != "production")

    def _compare(self) -> None:
        left = registry.get(self.ws, self.left.currentText()) if self.left.currentText() else None
        right = (
            registry.get(self.ws, self.right.currentText()) if self.right.currentText() else None
        )
        self.comparison.compare(left, right)

    def compared(self) -> tuple[ModelVersion | None, ModelVersion | None]:
        return (
            registry.get(self.ws, self.left.currentText()),
            registry.get(self.ws, self.right.currentText()),
        )

    # ------------------------------------------------------------------ actions
    def promote_selected(self) -> None:
        result = PromoteDialog.ask(self, self.ws, self.user, version=self.selected_version())
        self._after(result)

    def register_model(self) -> None:
        model = RegisterModelDialog.ask(self, self.ws, self.user)
        if model is not None:
            self.changed.emit()
            self.select_version(model.version)

    def roll_back(self) -> None:
        self._after(RollbackDialog.ask(self, self.ws, self.user))

    def _after(self, result: Deployment | None) -> None:
        if result is not None:
            self.changed.emit()

    def verify_selected(self) -> None:
        version = self.selected_version()
        if version is None or self.verify_job is not None:
            return
        self.verification.clear()
        self.verification.addItem(f"Verifying {version}…")
        self.verify_job = workers.run_job(
            self,
            f"Verify {version}",
            deploy.verify,
            self.ws,
            self.user,
            version,
            on_done=lambda checks: self._verified(version, checks),
            on_error=lambda _exc: self._verified(version, None),
            on_cancelled=lambda: self._verified(version, None),
        )

    def _verified(self, version: str, checks: list[CheckResult] | None) -> None:
        self.verify_job = None
        self.verification.clear()
        if checks is None:
            self.verification.addItem(f"Verification of {version} did not complete.")
            return
        ok = all(c.ok for c in checks)
        self.verification.addItem(f"{version}: {'all checks passed' if ok else 'FAILED'}")
        for check in checks:
            self.verification.addItem(check_item(check))


def _versions_view(proxy: QSortFilterProxyModel) -> QTableView:
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    return style_table(view)
