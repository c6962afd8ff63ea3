"""The Data page's history table and detail pane, fed with batches as the core lists them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from console.core.data.ingest import Batch
from console.gui.main_window import MainWindow
from console.gui.widgets.batch_detail import BatchDetail
from console.gui.widgets.batch_table import COLUMNS, BatchTableModel


def batch(batch_id: int, outcome: str, rows: int, **extra: Any) -> Batch:
    return Batch(
        **{
            "id": batch_id,
            "kind": "predictions",
            "source": f"/data/feed/predictions-{batch_id}.csv",
            "sha256": "ab" * 32,
            "rows": rows,
            "started_at": "2026-03-02T10:00:00+00:00",
            "finished_at": f"2026-03-02T10:00:{batch_id:02d}+00:00",
            "outcome": outcome,
            "message": "",
            "problems": [],
            "user": "alice",
            "ts_min": None,
            "ts_max": None,
        }
        | extra
    )


REFUSED = batch(
    3,
    "refused",
    0,
    message="f.csv: line 4, column 'amount': 'x' is not a number (and 1 more problems)",
    problems=[
        "f.csv: line 4, column 'amount': 'x' is not a number",
        "f.csv: line 9, column 'score': 1.5 is outside [0, 1]",
    ],
)


def column(name: str) -> int:
    return [field for _title, field in COLUMNS].index(name)


def test_model_formats_tints_and_sorts_raw_values() -> None:
    model = BatchTableModel()
    model.set_batches([REFUSED, batch(2, "ok", 12_000), batch(1, "ok", 900)])
    assert model.rowCount() == 3
    assert model.columnCount() == len(COLUMNS)
    rows = model.index(1, column("rows"))
    assert model.data(rows) == "12,000"
    assert model.data(rows, Qt.ItemDataRole.UserRole) == 12_000
    assert model.data(model.index(0, column("rows"))) == "–"  # nothing added
    assert model.data(model.index(0, column("finished_at"))) == "2026-03-02 10:00:03"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(1, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert model.row_of(1) == 2


def test_table_sorts_by_a_clicked_column(window: MainWindow) -> None:
    page = window.data_page
    page.model.set_batches([REFUSED, batch(2, "ok", 12_000), batch(1, "ok", 900)])
    page.table.sortByColumn(column("rows"), Qt.SortOrder.AscendingOrder)
    shown = [page.proxy.index(r, 0, QModelIndex()).data() for r in range(3)]
    assert shown == ["3", "1", "2"]


def test_detail_lists_the_problems_of_a_refused_batch(qtbot: QtBot) -> None:
    detail = BatchDetail()
    qtbot.addWidget(detail)
    detail.show_batch(REFUSED)
    assert "refused" in detail.heading.text()
    assert detail.message.text() == REFUSED.message
    assert detail.problem_texts() == REFUSED.problems
    assert not detail.problems.isHidden()
    detail.show_batch(batch(2, "ok", 12_000))
    assert detail.message.text() == "12,000 rows added."
    assert detail.problems.isHidden()


def test_refresh_keeps_the_selected_batch(window: MainWindow) -> None:
    page = window.data_page
    window.show_page("data")
    first = page.selected_batch()
    assert first is not None
    assert first.outcome == "ok"
    page.refresh()
    assert page.selected_batch() == first
    assert "1 ingest batch · 1 ok" in page.subtitle.text()
