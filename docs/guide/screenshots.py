"""Screenshots for the operator's guide, made from the demo so they stay current.

    .venv/bin/python docs/guide/screenshots.py [--workspace DIR] [--out docs/guide]

Without ``--workspace`` a small demo (the same story as ``console init --demo``: a
1.1.0 promoted days before the end that does worse, drift at the end) is built in a
temporary folder. Every page of the window is shown offscreen at 1280x800, given time
to finish its background work, and saved as ``<page key>.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


#: the action an operator presses first on a page that shows nothing until asked
FIRST_ACTION = {"drift": "start_analysis"}


def settle(app: object, seconds: float) -> None:
    from console.gui import workers

    end = time.monotonic() + seconds
    while time.monotonic() < end or (workers.running_jobs() and time.monotonic() < end + 60):
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def build_demo(root: Path) -> None:
    from console.core.base import access
    from console.core.base.workspace import Workspace
    from console.core.demo import build as demo

    me = access.current_user()
    settings = demo.DemoSettings(days=21, per_day=3000, training_days=10)
    Workspace.create(root, me, populate=lambda w: demo.build_demo(w, me, settings=settings)).close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="an existing workspace (default: a new demo)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    root = args.workspace
    if root is None:
        root = Path(tempfile.mkdtemp()) / "demo"
        print(f"building a demo in {root} ...", flush=True)
        build_demo(root)
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication

    from console.core.base import access
    from console.core.base.workspace import Workspace
    from console.gui.app import _application
    from console.gui.main_window import MainWindow

    app = _application()
    with Workspace.open(root) as ws:
        window = MainWindow(ws, access.current_user())
        window.resize(QSize(1280, 800))
        window.show()
        settle(app, 2.0)
        args.out.mkdir(parents=True, exist_ok=True)
        for key in window.page_keys():
            window.show_page(key)
            page = window.page(key)
            start = FIRST_ACTION.get(key)
            if start and hasattr(page, start):
                getattr(page, start)()  # what an operator would press first on that page
            settle(app, 2.5)
            path = args.out / f"{key}.png"
            window.grab().save(str(path))
            print(f"{path}", flush=True)
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
