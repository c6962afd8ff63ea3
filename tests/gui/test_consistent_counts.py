"""Every count shown twice is the same number: each Overview tile against its page.

The alerts tile, the badge and the Alerts page count the alerts open now with one core
function; the drift tile and the Drift page say "N of M tested features drifted" of the
same stored analysis. A change made by another process reaches the pages by itself.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from console.core.alerts import engine
from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.drift import report
from console.core.drift.summary import drift_status
from console.core.monitoring.checks import Check, CheckReport
from console.gui.main_window import MainWindow
from console.gui.pages.alerts import AlertsPage
from console.gui.pages.drift import DriftPage
from tests.core.drift.test_drift_report import drift_ws  # noqa: F401 - the fixture
from tests.gui.conftest import settle


def three_alerts() -> CheckReport:
    """F1 critical (which inhibits the F1 warning) and FPR over its limit."""
    at = clock.iso(clock.now() - timedelta(minutes=10))
    return CheckReport(
        1,
        at,
        [
            Check("f1", 0.55, 0.7, "critical", "F1 over the last day", 900, "1d"),
            Check("fpr", 0.02, 0.01, "critical", "FPR over the last day", 900, "1d"),
        ],
    )


@pytest.fixture
def window(qtbot: QtBot, drift_ws: Workspace) -> Iterator[MainWindow]:  # noqa: F811
    report.run_drift(drift_ws, "alice", "production", "last:3")
    engine.evaluate(drift_ws, "alice", three_alerts(), now=clock.now() - timedelta(minutes=5))
    main = MainWindow(drift_ws, "alice")
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


def test_each_overview_tile_says_what_its_page_says(qtbot: QtBot, window: MainWindow) -> None:
    overview = window.overview_page
    settle(qtbot, window)
    tiles = overview.status
    counts = engine.alert_counts(window.ws)
    assert counts.loud >= 1
    assert counts.quiet == 1  # the F1 warning, inhibited by f1_critical

    window.show_page("alerts")
    alerts = window.page("alerts")
    assert isinstance(alerts, AlertsPage)
    settle(qtbot, window)
    assert tiles.alerts.value.text() == str(counts.loud)
    assert tiles.alerts.detail.text().startswith(f"{counts.headline}, open now")
    assert alerts.subtitle.text().startswith(f"{counts.headline} · {counts.rest} (open now)")
    assert window.tray.count == counts.loud
    assert window.tray.badge.text() == str(counts.loud) or window.tray.use_tray

    window.show_page("drift")
    drift = window.page("drift")
    assert isinstance(drift, DriftPage)
    status = drift_status(window.ws)
    assert status is not None
    assert status.headline in tiles.drift.detail.text()
    assert status.headline in drift.summary.text()
    assert f"{len(status.drifted)} of {status.tested} tested features drifted" in (
        drift.summary.text()
    )


def test_a_check_from_another_process_reaches_the_alerts_page(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.show_page("alerts")
    alerts = window.page("alerts")
    settle(qtbot, window)
    assert isinstance(alerts, AlertsPage)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from console.core.alerts import engine\n"
        "from console.core.base.workspace import Workspace\n"
        "ws = Workspace.open(Path(sys.argv[1]))\n"
        "engine.acknowledge(ws, 'alice', 'f1_critical', 'from a shell')\n"
    )
    subprocess.run([sys.executable, "-c", code, str(window.ws.root)], check=True)

    def shown_ack() -> str | None:
        found = [a for a in alerts.table.alerts if a.rule == "f1_critical"]
        return found[0].acked_by if found else None

    assert shown_ack() is None
    # noticed by the change feed (off the GUI thread), then re-read by the shown page
    qtbot.waitUntil(lambda: shown_ack() == "alice", timeout=10_000)
