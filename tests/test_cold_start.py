"""`console --help` and `console status` start without the data libraries.

They run in a fresh interpreter (the operator's cold start); the heavy modules they
must not import are checked by name in that interpreter's ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.core.base.workspace import Workspace
from tests.core.registry_helpers import register

HEAVY = ("pandas", "numpy", "sklearn", "pyarrow", "scipy", "skops", "PySide6", "pyqtgraph")

PROBE = r"""
import json, sys
from console.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.stdin.read())))
mine = sorted(m for m in sys.modules if m.startswith("console."))
print("\n" + json.dumps({"code": code, "heavy": loaded, "console": mine}))
"""


def loaded_by(*argv: str, workspace: Path | None = None) -> tuple[int, list[str], str]:
    code, heavy, _, stdout = probe(*argv, workspace=workspace)
    return code, heavy, stdout


def probe(
    *argv: str, workspace: Path | None = None, extra: tuple[str, ...] = ()
) -> tuple[int, list[str], list[str], str]:
    """Exit code, heavy packages loaded, console modules loaded, stdout."""
    env = dict(os.environ)
    if workspace is not None:
        env["CONSOLE_WORKSPACE"] = str(workspace)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        input=json.dumps(HEAVY + extra),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    verdict = json.loads(out.stdout.strip().splitlines()[-1])
    return (
        int(verdict["code"] or 0),
        list(verdict["heavy"]),
        list(verdict["console"]),
        out.stdout,
    )


def test_help_loads_no_command_module_and_no_workspace() -> None:
    code, heavy, mine, stdout = probe("--help", extra=("pydantic", "keyring"))
    assert code == 0
    assert "models" in stdout
    assert heavy == []
    assert [m for m in mine if m.endswith("_cmds")] == []
    assert "console.core.base.workspace" not in mine


def test_a_command_loads_only_its_own_module(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "ws", "alice").close()
    code, _, mine, _ = probe("status", "--json", workspace=tmp_path / "ws")
    assert code == 0
    assert [m for m in mine if m.endswith("_cmds")] == ["console.commands.workspace_cmds"]


@pytest.mark.parametrize("argv", [("--help",), ("drift", "--help"), ("models", "--help")])
def test_help_imports_no_data_library(argv: tuple[str, ...]) -> None:
    code, heavy, stdout = loaded_by(*argv)
    assert code == 0
    assert "usage: console" in stdout
    assert heavy == []


def test_status_imports_no_data_library(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Workspace.create(root, "alice") as ws:
        register(ws, "1.0.0", stage="production", user="alice")
    code, heavy, stdout = loaded_by("status", "--json", workspace=root)
    assert code == 0
    assert '"version": "1.0.0"' in stdout
    assert heavy == []


def test_the_probe_sees_heavy_imports(tmp_path: Path) -> None:
    """The check can fail: a command that needs numpy shows it in the list."""
    Workspace.create(tmp_path / "ws", "alice").close()
    code, heavy, _ = loaded_by("metrics", "--json", workspace=tmp_path / "ws")
    assert code == 0
    assert "numpy" in heavy


PAINT_PROBE = r"""
import json, os, sys
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from console.core.base.workspace import Workspace
from console.gui.app import _application
from console.gui.main_window import MainWindow

painted = []


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            painted.append(True)
        return False


app = _application()
spy = FirstPaint()
app.installEventFilter(spy)
window = MainWindow(Workspace.open(Path(sys.argv[1])), sys.argv[2])
window.show()
while not painted:
    app.processEvents()
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.stdin.read())))
banner = window.tray.banner_text.text() if window.tray.banner.isVisibleTo(window) else ""
print("\n" + json.dumps({"heavy": heavy, "built": len(window.built_pages()), "banner": banner}))
"""


@pytest.mark.slow
def test_the_first_paint_loads_no_data_library(tmp_path: Path) -> None:
    """A window on a workspace with a critical alert (the banner, the rollback offer and
    its evidence all decided before the first paint) paints before numpy, pandas,
    pyarrow, pyqtgraph, superqt, qtawesome or the job process's multiprocessing load:
    they come with the page, after it."""
    from console.core.demo import build as demo

    root = tmp_path / "ws"
    settings = demo.DemoSettings(days=8, per_day=1500, training_days=6)
    Workspace.create(
        root, "alice", populate=lambda w: demo.build_demo(w, "alice", settings=settings)
    ).close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", PAINT_PROBE, str(root), "alice"],
        input=json.dumps([*HEAVY, "superqt", "qtawesome", "qtpy", "multiprocessing.connection"]),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    verdict = json.loads(out.stdout.strip().splitlines()[-1])
    assert verdict["banner"].startswith("CRITICAL: f1_critical")
    assert verdict["built"] == 0
    assert verdict["heavy"] == ["PySide6"]
