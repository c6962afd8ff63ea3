"""The GUI thread's worst lateness over a run of the demo with live traffic.

Builds a small demo workspace (or uses ``--workspace``), starts the scoring service
with its demo traffic generator (so the service scores requests and logs them to the
store every ``--flush-seconds``, which the window notices through the change feed),
opens the main window offscreen and visits every page in turn, ``--dwell`` seconds
each, for ``--minutes`` (default 1; ``--minutes 10`` for the full run). A 10 ms timer
on the GUI thread records how late it fires; the first seconds after the window opens
(start-up) are reported apart, and a page's first visit apart from its later ones (the
window builds pages ahead while idle: the report says which were built before their
first visit). Target: never late by more than 50 ms.

    .venv/bin/python benchmarks/gui.py                # about a minute
    .venv/bin/python benchmarks/gui.py --minutes 10   # the full run
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import print_load, print_machine

TARGET_MS = 50.0
PROBE_MS = 10
START_UP_S = 3.0
USER = "bench"


def build(root: Path, flush_seconds: float) -> None:
    """A demo workspace whose service logs every ``flush_seconds`` on a free port."""
    from console.core.base.config import default_config_text
    from console.core.base.workspace import Workspace
    from console.core.demo.build import DemoSettings, build_demo

    text = default_config_text()
    text = text.replace("flush_seconds = 30.0", f"flush_seconds = {flush_seconds}")
    text = text.replace("port = 8765", "port = 0")
    settings = DemoSettings(days=10, per_day=2_000, training_days=8)
    started = time.perf_counter()
    ws = Workspace.create(
        root, USER, config_text=text, populate=lambda w: build_demo(w, USER, settings=settings)
    )
    ws.close()
    print(f"demo workspace built in {time.perf_counter() - started:.1f} s", flush=True)


def _short(line: str) -> str:
    """``File "/x/site-packages/pkg/mod.py", line 12 in f`` -> ``pkg/mod.py:12 in f``."""
    path, _, rest = line.removeprefix('File "').partition('", line ')
    return "/".join(Path(path).parts[-2:]) + ":" + rest


class StallSampler:
    """Where the GUI thread is while it is late: a thread looks every 5 ms and, when the
    probe has not ticked for ``STALL_MS``, notes the GUI thread's innermost console (or
    library) frames. Printed with ``--stacks``: the places to make cheaper."""

    STALL_MS = 30.0

    def __init__(self) -> None:
        import threading

        self.gui_thread = threading.get_ident()
        self.tick = time.perf_counter()
        self.seen: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import faulthandler
        import tempfile

        # faulthandler reads the other thread's frames the way a crash report does;
        # walking them from here with sys._current_frames can crash the process
        marker = f"Thread 0x{self.gui_thread:016x}"
        with tempfile.TemporaryFile("w+") as dump:
            while not self._stop.wait(0.005):
                if (time.perf_counter() - self.tick) * 1000 < self.STALL_MS:
                    continue
                dump.seek(0)
                dump.truncate()
                faulthandler.dump_traceback(dump, all_threads=True)
                dump.seek(0)
                section = dump.read().split(marker, 1)[-1].split("\n\n", 1)[0]
                frames = [
                    _short(line.strip()) for line in section.splitlines()
                    if line.strip().startswith("File ")
                ][:6]  # fmt: skip
                self.seen[" <- ".join(frames)] += 5

    def report(self) -> None:
        print(
            f"where the GUI thread was while late (ms sampled, stalls over {self.STALL_MS:g} ms):"
        )
        for stack, ms in self.seen.most_common(12):
            print(f"  {ms:5d} ms  {stack}")


class LatenessProbe:
    """A 10 ms timer on the GUI thread that records how late it fires, by page and by
    visit (first visit of a page, built then or ahead of it; later visits)."""

    def __init__(self, window: Any) -> None:
        from PySide6.QtCore import QElapsedTimer

        self.window = window
        self.keys: list[str] = window.page_keys()
        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = self.clock.elapsed()
        self.visits = 0
        self.seen: set[str] = {window.current_key()}
        self.first_visit = False
        self.start_up = 0.0
        self.first: dict[str, float] = defaultdict(float)  # page's first visit
        self.again: dict[str, float] = defaultdict(float)  # page shown again
        self.events: list[tuple[float, str, float]] = []
        self.ingested = 0
        self.sampler: StallSampler | None = None
        window.events.listen(["ingested"], self._ingested)

    def _ingested(self, _event: object) -> None:
        self.ingested += 1

    def probe(self) -> None:
        if self.sampler is not None:
            self.sampler.tick = time.perf_counter()
        now = self.clock.elapsed()
        late = max(0.0, now - self.last - PROBE_MS)
        self.last = now
        page = self.window.current_key()
        if now / 1000 < START_UP_S:
            self.start_up = max(self.start_up, late)
            return
        table = self.first if self.first_visit else self.again
        table[page] = max(table[page], late)
        if late > TARGET_MS / 2:
            self.events.append((late, page + (" (first visit)" if self.first_visit else ""),
                                now / 1000))  # fmt: skip

    def next_page(self) -> None:
        self.visits += 1
        key = self.keys[self.visits % len(self.keys)]
        self.first_visit = key not in self.seen
        self.seen.add(key)
        self.window.show_page(key)

    def run(self, app: Any, minutes: float, dwell: float) -> None:
        from PySide6.QtCore import QTimer

        probe_timer = QTimer()
        probe_timer.setInterval(PROBE_MS)
        probe_timer.timeout.connect(self.probe)
        page_timer = QTimer()
        page_timer.setInterval(int(dwell * 1000))
        page_timer.timeout.connect(self.next_page)
        probe_timer.start()
        page_timer.start()
        QTimer.singleShot(int(minutes * 60_000), app.quit)
        try:
            app.exec()
        finally:
            probe_timer.stop()
            page_timer.stop()

    def report(self, elapsed: float, dwell: float) -> None:
        def per_page(table: dict[str, float]) -> str:
            return ", ".join(f"{k} {table[k]:.0f}" for k in self.keys if k in table) or "-"

        print(
            f"ran {elapsed:.0f} s: {self.visits} page visits ({len(self.keys)} pages, "
            f"{dwell:g} s each), {self.ingested} batches ingested by the service meanwhile"
        )
        print(f"start-up (first {START_UP_S:g} s): worst {self.start_up:.0f} ms")
        ahead = [k for k in self.window.ahead.built_ahead if k in self.first]
        print(f"first visit of each page, worst ms: {per_page(self.first)}")
        print(f"  built ahead of their first visit: {len(ahead)} of {len(self.first)} pages")
        slices = self.window.ahead.slices
        if slices:
            worst = sorted(slices, key=lambda s: -s[1])[:3]
            print(
                f"  building ahead: {len(slices)} slices of work, worst "
                + ", ".join(f"{ms:.0f} ms ({what})" for what, ms in worst)
            )
        print(f"later visits, worst ms: {per_page(self.again)}")
        for late, page, at in sorted(self.events, reverse=True)[:6]:
            print(f"  late by {late:.0f} ms on {page} at {at:.1f} s")
        worst = max([*self.first.values(), *self.again.values()], default=0.0)
        steady = max(self.again.values(), default=0.0)
        for label, value in (("every page visited", worst), ("pages already built", steady)):
            verdict = "PASS" if value <= TARGET_MS else "FAIL"
            print(f"GUI thread worst lateness, {label}: {value:.0f} ms "
                  f"(target <= {TARGET_MS:g} ms: {verdict})", flush=True)  # fmt: skip


def run(root: Path, minutes: float, dwell: float, traffic: float, stacks: bool = False) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from console.core.base.workspace import Workspace
    from console.core.serving import control
    from console.gui.main_window import MainWindow

    # the window saves its geometry: into the run's own folder, not the operator's
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(root.parent / "qsettings")
    )
    app = QApplication.instance() or QApplication([])
    ws = Workspace.open(root)
    info = control.start_service(ws, USER, demo_traffic=traffic)
    print(f"scoring service at {info.url} with demo traffic at {traffic:g} requests/s")
    window = MainWindow(ws, USER)
    window.resize(1280, 800)
    window.show()
    probe = LatenessProbe(window)
    if stacks:
        probe.sampler = StallSampler()
        probe.sampler.start()
    started = time.perf_counter()
    try:
        probe.run(app, minutes, dwell)
    finally:
        if probe.sampler is not None:
            probe.sampler.stop()
        window.close()
        try:
            control.stop_service(ws, USER)
        except Exception as exc:  # report it, keep the figures
            print(f"stopping the service: {exc}", file=sys.stderr)
        ws.close()
    elapsed = time.perf_counter() - started
    probe.report(elapsed, dwell)
    if probe.sampler is not None:
        probe.sampler.report()
    print_load()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=1.0, help="how long (default 1)")
    parser.add_argument("--dwell", type=float, default=2.0, help="seconds on each page")
    parser.add_argument("--traffic", type=float, default=20.0, help="demo requests per second")
    parser.add_argument(
        "--flush-seconds", type=float, default=5.0, help="how often the service logs (new demo)"
    )
    parser.add_argument("--workspace", type=Path, help="use this demo workspace instead")
    parser.add_argument(
        "--stacks", action="store_true", help="also print where the GUI thread was while late"
    )
    args = parser.parse_args()
    print_machine(f"GUI lateness, {args.minutes:g} min, offscreen")
    os.environ.setdefault("CONSOLE_USER", USER)
    if args.workspace:
        return run(args.workspace, args.minutes, args.dwell, args.traffic, args.stacks)
    folder = Path(tempfile.mkdtemp(prefix="console-gui-bench-"))
    try:
        build(folder / "demo", args.flush_seconds)
        return run(folder / "demo", args.minutes, args.dwell, args.traffic, args.stacks)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
