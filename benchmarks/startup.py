"""Cold starts where the operator waits: the CLI's first answer and the first window.

Each figure is a fresh process (a cold start, as the operator meets it), interleaved
with its baseline in the same run:

1. ``console --help`` and ``console status --json`` against a bare ``python -c pass``
   (targets: <= 0.5 s each, absolute);
2. the console's first window on the demo workspace, offscreen, from process start to
   its first paint, against a bare PySide6 window holding one pyqtgraph PlotWidget
   (target: <= 1.3x); the heavy job libraries must load after that paint, off the GUI
   thread. The same child then builds a second window in the warm process: the
   warm figure printed beside the cold one.

The demo workspace is built once (``console init --demo``, about a minute) and reused.

Before the timed rounds, one start of each window is not timed, so that neither is
timed reading the Qt libraries from disk that the other then finds in memory. With
``--drop-caches`` (Linux, as root) both windows are also timed with cold files: the
page cache is dropped before every start, as after a reboot.

    python benchmarks/startup.py [--repeat 5] [--workspace DIR] [--drop-caches]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _machine import Comparison, interleave, print_load, print_machine

HEAVY = ("pandas", "numpy", "sklearn", "pyarrow", "scipy")
DEMO = Path("/tmp/console-startup-bench")


CPU: dict[str, list[float]] = {}


def run_seconds(argv: list[str], env: dict[str, str] | None = None, *, key: str = "") -> float:
    """Wall seconds of the command; its CPU seconds (user + system) go to ``CPU[key]``:
    on a busy machine the wall time swings with the load, the CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU.setdefault(key, []).append(cpu)
    return seconds


def console_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "console", *args]


def window_child(kind: str, root: Path) -> None:
    """Show a window, print {"painted": seconds since start, ...} at its first paint."""
    started = time.perf_counter()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow

    painted: list[float] = []

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter() - started)
            return False

    if kind == "bare":
        import pyqtgraph as pg

        app = QApplication([])
        spy = FirstPaint()
        app.installEventFilter(spy)
        window = QMainWindow()
        window.setCentralWidget(pg.PlotWidget())
        window.resize(1280, 800)
        window.show()
    else:
        from console.core.base.workspace import Workspace
        from console.gui.app import _application, after_first_paint, check_at_open
        from console.gui.main_window import MainWindow

        app = _application()
        spy = FirstPaint()
        app.installEventFilter(spy)
        ws = Workspace.open(root, check_head=False)  # as the console opens it
        window = MainWindow(ws, "bench")
        window.resize(1280, 800)
        window.show()
        after_first_paint(window, lambda: check_at_open(ws, "bench"))
    while not painted:
        app.processEvents()
    # the parent times the process until this line: print it at once, the rest after
    print(json.dumps({"painted": painted[0]}), flush=True)
    heavy_at_paint = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
    warm = ready = None
    if kind == "console":
        # the page shown first is built after the first paint and reads in the background
        def page_ready() -> bool:
            built = window.built_pages()
            return bool(built) and not any(p.loading() for p in built)

        while not page_ready():
            app.processEvents()
        ready = time.perf_counter() - started
        app.removeEventFilter(spy)
        start = time.perf_counter()
        second = MainWindow(ws, "bench")
        second.resize(1280, 800)
        second.show()
        app.processEvents()
        warm = time.perf_counter() - start  # windows left open: closing saves settings
    # flushed: PySide may crash while the interpreter tears the application down
    print(json.dumps({"ready": ready, "warm": warm, "heavy_at_paint": heavy_at_paint}), flush=True)


def drop_page_cache() -> None:
    """Forget every file read so far (Linux, as root): the next start reads its files
    from disk, as the first start after a reboot does."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def window_seconds(
    kind: str, root: Path, notes: dict[str, list[object]], *, drop: bool = False
) -> float:
    """Wall time from starting the process to its first paint (as the parent sees it)."""
    if drop:
        drop_page_cache()
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, "--workspace", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    seconds = time.perf_counter() - start
    # the rest through the same reader: readline() may already hold it in its buffer,
    # where communicate() would not look
    assert proc.stderr is not None
    rest, err = proc.stdout.read(), proc.stderr.read()
    proc.wait(timeout=120)
    if not line or not rest.strip():
        raise SystemExit(f"{kind} window child failed: {err.strip()[-400:]}")
    data = {**json.loads(line), **json.loads(rest.strip().splitlines()[-1])}
    # the child's own figure excludes interpreter start-up; the parent's includes it
    notes.setdefault(f"{kind}-in-process", []).append(data["painted"])
    if data["warm"] is not None:
        notes.setdefault("warm", []).append(data["warm"])
        notes.setdefault("ready", []).append(data["ready"])
    notes.setdefault(f"{kind}-heavy", []).append(",".join(data["heavy_at_paint"]) or "none")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workspace", type=Path, default=DEMO)
    parser.add_argument(
        "--bundle",
        type=Path,
        metavar="DIR",
        help="also time the one-folder bundle (packaging/bundle.sh build) against this venv",
    )
    parser.add_argument(
        "--drop-caches",
        action="store_true",
        help="also time both windows with cold files (drops the page cache before each "
        "start: Linux, as root; slows the whole machine for a moment)",
    )
    parser.add_argument("--child", choices=["bare", "console"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        window_child(args.child, args.workspace)
        return
    print_machine("cold = a fresh process each time; console and baseline interleaved")
    env = dict(os.environ, CONSOLE_WORKSPACE=str(args.workspace), CONSOLE_USER="bench")
    probe = subprocess.run(console_argv("status"), env=env, capture_output=True, check=False)
    if probe.returncode != 0 and args.workspace == DEMO and DEMO.exists():
        print(f"the cached demo does not open with this version: rebuilding {DEMO}")
        shutil.rmtree(DEMO)
    if not (args.workspace / "console.toml").exists():
        print(f"building the demo workspace in {args.workspace} (once) ...", flush=True)
        subprocess.run(console_argv("-w", str(args.workspace), "init", "--demo"), check=True)
    bare = [sys.executable, "-c", "pass"]
    results: list[tuple[Comparison, float | None, str]] = []
    commands = {"console --help": ["--help"], "console status --json": ["status", "--json"]}
    for label, argv in commands.items():
        cmp = interleave(
            f"{label} (cold process)",
            console=lambda argv=argv, label=label: run_seconds(console_argv(*argv), env, key=label),
            baseline=lambda: run_seconds(bare, env, key="bare"),
            repeat=args.repeat,
        )
        results.append((cmp, None, "python -c pass"))
    notes: dict[str, list[object]] = {}
    # One start of each, not timed: otherwise the first round's first window reads the
    # Qt and pyqtgraph libraries from disk and the other finds them in memory.
    for kind in ("bare", "console"):
        window_seconds(kind, args.workspace, {})
    window = interleave(
        "first window, process start to first paint (cold process, offscreen)",
        console=lambda: window_seconds("console", args.workspace, notes),
        baseline=lambda: window_seconds("bare", args.workspace, notes),
        repeat=args.repeat,
    )
    results.append((window, 1.3, "bare PySide6 + PlotWidget window"))
    if args.drop_caches:
        cold: dict[str, list[object]] = {}
        results.append((
            interleave(
                "first window with cold files: the page cache dropped before each start",
                console=lambda: window_seconds("console", args.workspace, cold, drop=True),
                baseline=lambda: window_seconds("bare", args.workspace, cold, drop=True),
                repeat=args.repeat,
            ),
            None,
            "bare PySide6 + PlotWidget window, its files cold too",
        ))  # fmt: skip
    print()
    for cmp, target, name in results:
        cmp.print(target=target, baseline_name=name)
        if target is None and cmp.label.startswith("console"):
            worst = max(cmp.console)
            print(f"  absolute: median {statistics.median(cmp.console):.3f} s, worst {worst:.3f} s "
                  f"(target <= 0.5 s: {'PASS' if worst <= 0.5 else 'FAIL'})")  # fmt: skip
            label = cmp.label.removesuffix(" (cold process)")
            print(f"  CPU time (user + system): median {statistics.median(CPU[label]):.3f} s, "
                  f"worst {max(CPU[label]):.3f} s; python -c pass "
                  f"{statistics.median(CPU['bare']):.3f} s")  # fmt: skip

    def med(key: str) -> float:
        return statistics.median(float(v) for v in notes[key])  # type: ignore[arg-type]

    print(
        f"  the first page built and read (in process, after the first paint): median "
        f"{med('ready'):.3f} s, worst {max(float(v) for v in notes['ready']):.3f} s"  # type: ignore[arg-type]
    )
    print(
        f"  inside the process (after interpreter start): console {med('console-in-process'):.3f}"
        f" s, bare {med('bare-in-process'):.3f} s; warm (a second window in the same process): "
        f"{med('warm'):.3f} s"
    )
    loaded = sorted(set(map(str, notes["console-heavy"])))
    print(f"  data libraries loaded at the console's first paint: {loaded}")
    if args.bundle is not None:
        bundle_figures(args.bundle, env, args.repeat)
    print_load()


def bundle_figures(folder: Path, env: dict[str, str], repeat: int) -> None:
    """The bundle's cold CLI beside the virtual environment's (target: <= 1.2x)."""
    exe = folder / "model-ops-console"
    if not exe.is_file():
        raise SystemExit(f"{exe}: no bundle there (packaging/bundle.sh build)")
    print()
    for label, argv in {"--help": ["--help"], "--version": ["--version"]}.items():
        cmp = interleave(
            f"bundle {label} against the venv's (cold process)",
            console=lambda argv=argv: run_seconds([str(exe), *argv], env, key="bundle"),
            baseline=lambda argv=argv: run_seconds(console_argv(*argv), env, key="venv"),
            repeat=repeat,
        )
        cmp.print(target=1.2, baseline_name="the same command from the venv")
    print(
        f"  CPU time: bundle median {statistics.median(CPU['bundle']):.3f} s, "
        f"venv {statistics.median(CPU['venv']):.3f} s"
    )


if __name__ == "__main__":
    main()
