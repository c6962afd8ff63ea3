"""The scoring service as one process or as several workers sharing its port.

Prints the machine first. Then, on a workspace with two models (as
``benchmarks/serving.py`` builds it), the service runs as ``--workers`` processes
(default 2) sharing one listening port, the way uvicorn's own ``--workers`` runs an
app: the kernel hands each new connection to one of them (``SO_REUSEPORT``); each
worker has its own model helper, prediction log and record. Each of ``--repeat``
rounds (default 5) starts the one-process service and the several-worker one in turn
(the order flipped every round) and, from a second process, sends single-record
requests:

* at ``--rate`` requests/s (default 500) for ``--seconds`` (default 6): p50, p99,
  achieved rate, failed requests, the service's CPU per request (all its processes);
* at the same rate through ``--cycles`` promote/rollback cycles (default 4) of two
  versions verified ahead: p99 and its ratio to the calm p99 (target <= 2x), and
  responses from a wrong version;
* at ``--high-rate`` (default 800) for ``--seconds``: the rate reached and p99.

It also prints the service's memory (resident set of its processes and helpers).
Latencies are absolute (this machine, this load); compare the two columns of one
run. The console's own service is the one-process one: this measures the option.
About 4 minutes with the defaults.

    python benchmarks/serving_workers.py [--workers 2] [--repeat 5] [--rate 500]
                                         [--high-rate 800] [--cycles 4] [--seconds 6]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import serving
from _machine import print_load, print_machine
from serving import USER, build, check_versions, cycles, pct, run_phase


def worker(root: str, port: int, index: int) -> None:
    """One worker: the console's service on the shared ``port`` (run in its own process)."""
    from console.core.base.workspace import Workspace
    from console.core.serving import server, state
    from console.core.serving.settings import ServiceSettings

    def shared_bind(host: str, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
        return sock

    ws = Workspace.open(Path(root))
    server._bind = shared_bind  # the workers share the port
    refuse_second = state.running_service
    state.running_service = lambda _ws: None  # the other workers are this service
    try:
        settings = ServiceSettings.of(ws, host="127.0.0.1", port=port)
        service = server.ScoringService(ws, USER, settings)
    finally:
        state.running_service = refuse_second
    if service.prediction_log is not None:
        service.prediction_log.source = f"{service.prediction_log.source}:w{index}"
    service.run()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(root: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"CONSOLE_USER": USER}
    args = [sys.executable, __file__, "--worker", str(root), str(port)]
    procs = [
        subprocess.Popen(
            [*args, str(n)], env=env, stdout=subprocess.DEVNULL, start_new_session=True
        )
        for n in range(workers)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise SystemExit(f"a worker ended at start (exit code {proc.returncode})")
        if all(_listening(p.pid) for p in procs):
            return url, procs
        time.sleep(0.2)
    stop(procs)
    raise SystemExit(f"{workers} worker(s) did not answer within 60 s")


def _listening(pid: int) -> bool:
    """The worker ``pid`` has its socket and its helper (its service record is written)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return bool(proc.net_connections(kind="tcp")) and bool(proc.children())
    except psutil.Error:
        return False


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def service_cpu(procs: list[subprocess.Popen]) -> float:
    """CPU seconds of the workers and their helpers."""
    import psutil

    total = 0.0
    for proc in procs:
        try:
            p = psutil.Process(proc.pid)
            for q in [p, *p.children(recursive=True)]:
                t = q.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            pass
    return total


def service_rss_mb(procs: list[subprocess.Popen]) -> float:
    import psutil

    total = 0
    for proc in procs:
        p = psutil.Process(proc.pid)
        total += sum(q.memory_info().rss for q in [p, *p.children(recursive=True)])
    return total / 2**20


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--high-rate", type=float, default=800.0)
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.worker:
        root, port, index = args.worker
        worker(root, int(port), int(index))
        return
    print_machine()
    os.environ["CONSOLE_USER"] = USER
    from console.core.base.workspace import Workspace
    from console.core.models import deploy

    variants = (1, args.workers)
    rows: dict[int, dict[str, list[float]]] = {w: {} for w in variants}

    def add(w: int, key: str, value: float) -> None:
        rows[w].setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory(prefix="serving-workers-") as tmp:
        root = Path(tmp) / "ws"
        print("building a workspace with two models ...", flush=True)
        serving.TOKEN[0] = build(root)
        with Workspace.open(root) as ws:
            deploy.verify(ws, USER, "1.1.0")  # both versions verified ahead
            deploy.verify(ws, USER, "1.0.0")
        for n in range(args.repeat):
            for w in variants if n % 2 == 0 else variants[::-1]:
                print(f"round {n + 1}/{args.repeat}: {w} process(es) ...", flush=True)
                url, procs = start(root, w)
                try:
                    time.sleep(1.0)
                    name = f"r{n}w{w}"
                    cpu = partial(service_cpu, procs)
                    calm = run_phase(Path(tmp), name + "calm", url, args.rate,
                                     seconds=args.seconds, work=None, service_cpu=cpu)  # fmt: skip
                    timeline: list[tuple[float, float, str]] = [(0.0, 0.0, "1.0.0")]
                    with Workspace.open(root) as ws:
                        switching = run_phase(
                            Path(tmp), name + "switch", url, args.rate, seconds=600.0,
                            work=lambda ws=ws, t=timeline: cycles(ws, args.cycles, t),
                            service_cpu=cpu,
                        )  # fmt: skip
                    high = run_phase(Path(tmp), name + "high", url, args.high_rate,
                                     seconds=args.seconds, work=None, service_cpu=cpu)  # fmt: skip
                    add(w, "rss", service_rss_mb(procs))
                finally:
                    stop(procs)
                for key, data in (("calm", calm), ("switch", switching), ("high", high)):
                    add(w, f"{key} p50", pct(data["latencies_ms"], 50))
                    add(w, f"{key} p99", pct(data["latencies_ms"], 99))
                    add(w, f"{key} rate", float(data["rate"]))
                    add(w, f"{key} failed", float(data["failed"]))
                    add(w, f"{key} cpu", float(data["service_cpu_ms"]))
                add(w, "switch ratio", rows[w]["switch p99"][-1] / rows[w]["calm p99"][-1])
                add(w, "wrong", float(check_versions(switching["answers"], timeline)))
    report(rows, args)
    print_load()


def report(rows: dict[int, dict[str, list[float]]], args: argparse.Namespace) -> None:
    one, many = sorted(rows)
    print(f"\nper round, then the median; {one} process vs {many} workers sharing the port:")
    lines = (
        (f"p50 at {args.rate:g} requests/s (ms)", "calm p50", ".1f"),
        (f"p99 at {args.rate:g} requests/s (ms)", "calm p99", ".1f"),
        ("service CPU per request (ms)", "calm cpu", ".2f"),
        (f"p99 through {args.cycles} switch cycles (ms)", "switch p99", ".1f"),
        ("  ratio to the calm p99 (target <= 2x)", "switch ratio", ".2f"),
        ("  responses from a wrong version", "wrong", ".0f"),
        (f"rate reached asking {args.high_rate:g}/s", "high rate", ".0f"),
        (f"p99 asking {args.high_rate:g}/s (ms)", "high p99", ".1f"),
        ("failed requests, all phases", None, ".0f"),
        ("resident memory of the service (MB)", "rss", ".0f"),
    )
    for label, key, form in lines:
        cells = []
        for w in (one, many):
            if key is None:
                phases = (rows[w][f"{p} failed"] for p in ("calm", "switch", "high"))
                values = [sum(v) for v in zip(*phases, strict=True)]
            else:
                values = rows[w][key]
            each = " / ".join(f"{v:{form}}" for v in values)
            cells.append(f"{each} ({statistics.median(values):{form}})")
        print(f"{label:42} {cells[0]:>28}   {cells[1]:>28}")


if __name__ == "__main__":
    main()
