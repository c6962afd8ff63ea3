"""The console's main flows, run by the no-network test in a fresh process.

``python flows.py WORKSPACE`` builds a small demo, ingests a file, runs the daily check
and drift, promotes and rolls back, starts the scoring service with loopback traffic
and stops it, and opens the window offscreen. It prints one line per step and exits
non-zero at the first step that fails.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def step(name: str, argv: list[str], ok: tuple[int, ...] = (0,)) -> str:
    import contextlib
    import io

    from console import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(argv)
    print(f"{name}: exit {code}", flush=True)
    if code not in ok:
        raise SystemExit(f"{name} failed with exit {code}: {out.getvalue()[-500:]}")
    return out.getvalue()


def main(root: Path) -> None:
    import pandas as pd

    from console.core.base import access
    from console.core.base.workspace import Workspace
    from console.core.demo import build as demo
    from console.core.demo.data import generate_transactions

    me = access.current_user()  # the OS user acts, as an operator at the workstation would
    settings = demo.DemoSettings(
        days=6, per_day=1500, training_days=6, end=pd.Timestamp("2026-11-29").date()
    )
    ws = Workspace.create(root, me, populate=lambda w: demo.build_demo(w, me, settings=settings))
    ws.close()
    print("init --demo: ok", flush=True)
    w = ["-w", str(root)]
    feed = root.parent / "more.csv"
    frame = generate_transactions(pd.Timestamp("2026-11-30").date(), 1, 300, seed=7)
    frame = frame.drop(columns=["is_fraud"]).assign(score=0.1, decision=0, model_version="1.0.0")
    frame.to_csv(feed, index=False)
    step("ingest", [*w, "ingest", "predictions", str(feed)])
    step("check", [*w, "check", "--json"], ok=(0, 1))
    step("drift", [*w, "drift", "--json"], ok=(0, 1))
    versions = json.loads(step("models list", [*w, "models", "list", "--json"]))
    other = next(v["version"] for v in versions["versions"] if v["stage"] != "production")
    step("promote", [*w, "models", "promote", other, "--reason", "offline test", "--json"])
    step("rollback", [*w, "models", "rollback", "--reason", "offline test", "--json"])
    step("service start", [*w, "service", "start", "--port", "0", "--demo-traffic", "20"])
    try:
        deadline = time.monotonic() + 60
        served = 0
        while time.monotonic() < deadline:
            status = json.loads(step("service status", [*w, "service", "status", "--json"]))
            # scored records, not requests: a request refused for want of the token
            # (the demo opens loopback where no keyring holds one) does not count
            served = int((status.get("health") or {}).get("records", 0))
            if served:
                break
            time.sleep(1)
        if not served:
            raise SystemExit("the service scored no loopback request within 60 s")
    finally:
        step("service stop", [*w, "service", "stop"])
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from console.gui.main_window import MainWindow

    with Workspace.open(root) as ws:
        window = MainWindow(ws, me)
        window.show()
        end = time.monotonic() + 3
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        window.close()
    print("window: ok", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    print("all flows done", flush=True)
