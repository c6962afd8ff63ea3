"""How every table of the console looks: read-only, one row selected at a time, compact,
and columns that fit.

:func:`fit_columns` (applied by :func:`style_table`, :func:`table_with_headers` and
:func:`style_grid`) keeps a table's columns sized to their content whenever the content
changes: each column as wide as its widest cell, up to :data:`MAX_COLUMN_WIDTH`, and
never narrower than its header text; the last column stretches to the edge. A cell
whose text does not fit is elided and shows its full text as a tooltip
(:class:`ElidedTooltipDelegate`). A column the operator resized by hand keeps its width.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTableWidget,
    QToolTip,
)

#: a column sized to its content is at most this wide; longer text is elided
MAX_COLUMN_WIDTH = 320
#: rows measured per column and fit (Qt always adds the visible ones): 100 rows cost a
#: few ms on the GUI thread where 1,000 (Qt's default) cost ~90 ms on a 5,000-row table
FIT_ROWS = 100

_Index = QModelIndex | QPersistentModelIndex


class ElidedTooltipDelegate(QStyledItemDelegate):
    """Draws cells as usual; a cell whose text is elided shows its full text as tooltip
    (followed by the model's own tooltip, if it has one)."""

    def elided(self, view: QAbstractItemView, index: _Index) -> bool:
        """Whether ``index``'s text is cut in ``view`` as it is laid out now."""
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if text is None or str(text) == "":
            return False
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.font = view.font()
        needed = self.sizeHint(option, index).width()
        cell = view.model().index(index.row(), index.column(), index.parent())
        return needed > view.visualRect(cell).width()

    def tooltip(self, view: QAbstractItemView, index: _Index) -> str:
        """The tooltip of ``index``: the full text where elided, else the model's own."""
        own = index.data(Qt.ItemDataRole.ToolTipRole)
        own_text = "" if own is None else str(own)
        if not self.elided(view, index):
            return own_text
        full = str(index.data(Qt.ItemDataRole.DisplayRole))
        return full if own_text in ("", full) else f"{full}\n{own_text}"

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: _Index,
    ) -> bool:
        if event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        text = self.tooltip(view, index)
        if text:
            QToolTip.showText(event.globalPos(), text, view)
        else:
            QToolTip.hideText()
        return True


class ColumnFitter(QObject):
    """Re-fits a table's columns (see the module docstring) after its content changed;
    several changes in one event-loop pass cost one fit."""

    def __init__(self, view: QTableView, max_width: int = MAX_COLUMN_WIDTH) -> None:
        super().__init__(view)
        self.view = view
        self.max_width = max_width
        self.user_sized: set[int] = set()
        self._fitting = False
        self._model: QAbstractItemModel | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._fit_if_shown)
        self._columns: list[int] = []  # still to fit, one per pass of the event loop
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.setInterval(0)
        self._step_timer.timeout.connect(self._fit_next)
        view.horizontalHeader().sectionResized.connect(self._resized)
        view.installEventFilter(self)
        self._watch()

    def _watch(self) -> None:
        model = self.view.model()
        if model is None or model is self._model:
            return
        self._model = model
        for signal in (
            model.modelReset,
            model.layoutChanged,
            model.rowsInserted,
            model.rowsRemoved,
            model.columnsInserted,
            model.columnsRemoved,
            model.dataChanged,
            model.headerDataChanged,
        ):
            signal.connect(self.schedule)

    def schedule(self, *_args: object) -> None:
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() in (QEvent.Type.Show, QEvent.Type.FontChange):
            self._watch()
            self.schedule()
        return False

    def _resized(self, column: int, _old: int, _new: int) -> None:
        header = self.view.horizontalHeader()
        stretched = header.stretchLastSection() and column == _last_visible(self.view)
        if not (self._fitting or stretched) and header.sectionResizeMode(column) == (
            QHeaderView.ResizeMode.Interactive
        ):
            self.user_sized.add(column)  # the operator's width stays

    def _fit_if_shown(self) -> None:
        # A hidden table (a page built ahead, or not shown) is fitted when it is shown:
        # Qt measures every row of a hidden view (a visible one: the rows in view plus
        # FIT_ROWS), which took 140 ms on a page filled while hidden.
        # Shown, it is fitted a column at a time, one per pass of the event loop: the
        # whole table at once kept the GUI thread 30-85 ms late on the Logs, Data and
        # Audit pages, whose rows come while they are shown.
        if self.view.isVisible():
            self._watch()
            model = self.view.model()
            self._columns = list(range(model.columnCount())) if model is not None else []
            self._fit_next()

    def _fit_next(self) -> None:
        while self._columns:
            if self._fit_column(self._columns.pop(0)):
                break
        if self._columns:
            self._step_timer.start()

    def busy(self) -> bool:
        """True while a fit begun on show or on a change has columns left to size."""
        return bool(self._columns)

    def fit(self) -> None:
        """Size every column now."""
        self._watch()
        self._columns.clear()
        model = self.view.model()
        if model is None:
            return
        for column in range(model.columnCount()):
            self._fit_column(column)

    def _fit_column(self, column: int) -> bool:
        """Size ``column`` to its content; False if it is left alone (hidden, sized by
        the operator, or gone)."""
        model = self.view.model()
        if (
            model is None
            or column >= model.columnCount()
            or self.view.isColumnHidden(column)
            or column in self.user_sized
        ):
            return False
        header = self.view.horizontalHeader()
        self._fitting = True
        try:
            if header.sectionResizeMode(column) != QHeaderView.ResizeMode.Interactive:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, self.width_for(column))
        finally:
            self._fitting = False
        return True

    def width_for(self, column: int) -> int:
        """Content width up to the cap, and never less than the header text needs."""
        header = self.view.horizontalHeader()
        heading = header.sectionSizeFromContents(column).width()
        content = self.view.sizeHintForColumn(column)
        return max(heading, min(content, self.max_width))


def _last_visible(view: QTableView) -> int:
    model = view.model()
    count = model.columnCount() if model is not None else 0
    shown = [c for c in range(count) if not view.isColumnHidden(c)]
    return shown[-1] if shown else -1


def fit_columns(view: QTableView, max_width: int = MAX_COLUMN_WIDTH) -> ColumnFitter:
    """Keep ``view``'s columns fitted to their content, with elided cells' full text as
    tooltip and the last column stretching (idempotent)."""
    found = view.findChild(ColumnFitter)
    if isinstance(found, ColumnFitter):
        found.max_width = max_width
        return found
    view.setTextElideMode(
        view.textElideMode()
        if view.textElideMode() != Qt.TextElideMode.ElideNone
        else Qt.TextElideMode.ElideRight
    )
    view.setWordWrap(False)
    if type(view.itemDelegate()) is QStyledItemDelegate:  # keep a page's own delegate
        view.setItemDelegate(ElidedTooltipDelegate(view))
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setTextElideMode(Qt.TextElideMode.ElideNone)
    header.setResizeContentsPrecision(FIT_ROWS)
    fitter = ColumnFitter(view, max_width)
    fitter.schedule()
    return fitter


def style_table(table: QTableView) -> QTableView:
    """Apply the console's table look, with columns fitted to their content."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setShowGrid(False)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    fit_columns(table)
    return table


def table_with_headers(table: QTableWidget, headers: list[str]) -> QTableWidget:
    """``table`` with these column headers, in the console's look."""
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    style_table(table)
    return table


def style_grid(table: QTableWidget) -> QTableWidget:
    """The look of a small fixed grid (row and column headers), columns fitted."""
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    fit_columns(table)
    return table
