"""The scoring service under load, and hot swaps while it is loaded.

Prints the machine first, then, side by side with their baselines:

* single-record predict over HTTP (sequential client, cache misses) beside the model
  call alone in-process, scikit-learn's and the compiled fast path's, interleaved in
  ``--repeat`` rounds: medians of the rounds' p50/p99 and the worst round;
* batch throughput (requests of 1,000 records) beside in-process ``predict_proba``;
* single-record latency at ``--rate`` requests/s (default 250) from a second process,
  ``--repeat`` phases of ``--seconds`` each: p50 and p99 per phase (targets 5 / 20 ms);
* sustained load at ``--switch-rate`` (default 500 requests/s) from a second process:
  p99 with no switch beside p99 during ``--cycles`` promote/rollback cycles
  (``console.core.models.deploy.promote`` / ``rollback``, the real checked switch with
  its smoke test against the running service), failed requests, and responses from a
  version that was neither in production when the request was received nor the one
  before it; two switching phases: in the first, the first promote runs the full checks
  of a version never verified; in the second, both versions were verified ahead (as the
  window does at registration and for the rollback target while idle). Targets: the
  rate held, 0 failed, switching p99 <= 2x calm p99.

Latencies are absolute (this machine, this load); the ratios are the portable figures.
The service runs as its own process (``console serve``) on 127.0.0.1 only, the load
as another; every request count and duration is bounded. The clients send the service
token (generated into the OS keyring); on a machine without a usable keyring the
throwaway workspace is opened on loopback instead, and the first lines say which.

    python benchmarks/serving.py [--rate 250] [--switch-rate 500] [--cycles 10]
                                 [--repeat 5] [--seconds 5]
"""

from __future__ import annotations

import argparse
import bisect
import getpass
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _machine import Comparison, print_load, print_machine
from two_models import build_two_models

USER = getpass.getuser()  # the OS user: a workspace lets no one act under another name
PER_DAY = 4000
TOKEN_ENV = "CONSOLE_BENCH_SERVICE_TOKEN"
TOKEN: list[str | None] = [None]  # the service token the clients send (None: open)


def build(root: Path) -> str | None:
    """A workspace with two demo-recipe models: 1.0.0 in production, 1.1.0 a candidate.

    Returns the service token the clients send (generated into the OS keyring); None
    where no keyring is usable, and the throwaway workspace is opened on loopback.
    """
    from console.core.base.workspace import Workspace
    from console.core.serving import access

    build_two_models(root, USER, days=7, per_day=PER_DAY, golden_rows=1000)
    with Workspace.open(root) as ws:
        return access.provide_token(ws, USER, purpose="the serving benchmark")


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def distinct_records(n: int, seed: int) -> list[dict]:
    from console.core.demo import traffic

    seen, out = set(), []
    for rec in traffic.records(seed=seed):
        key = tuple(v for k, v in rec.items() if k != "transaction_id")
        if key not in seen:
            seen.add(key)
            out.append(rec)
        if len(out) == n:
            return out
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def single_and_batch(ws, url: str, token: str | None, repeat: int) -> dict[str, object]:
    import dataclasses

    import httpx
    import threadpoolctl

    from console.core.serving.cache import PredictionCache
    from console.core.serving.model_holder import load_production
    from console.core.serving.scoring import predict, prepare

    model = load_production(ws)
    sklearn_only = dataclasses.replace(model, compiled=None)
    schema = ws.config.data_schema
    records = distinct_records(100 * repeat + 1000, seed=11)
    singles, batches = records[: 100 * repeat], records[100 * repeat :]
    http_p = Comparison("single record over HTTP vs the scikit-learn call alone, p50", "ms")
    http_99 = Comparison("single record over HTTP vs the scikit-learn call alone, p99", "ms")
    fast_p = Comparison("fast-path call vs scikit-learn call, one record, p50", "ms")
    with httpx.Client(trust_env=False, headers=auth(token)) as client:
        for n in range(repeat):
            chunk = singles[100 * n : 100 * (n + 1)]
            local: list[float] = []
            fast: list[float] = []
            http: list[float] = []
            with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
                for rec in chunk:
                    columns = prepare(model, [rec], schema, PredictionCache(0)).frame_columns()
                    t = time.perf_counter()
                    predict(sklearn_only, columns)
                    local.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    predict(model, columns)
                    fast.append(time.perf_counter() - t)
            for rec in chunk:
                t = time.perf_counter()
                response = client.post(f"{url}/v1/predict", json=rec)
                http.append(time.perf_counter() - t)
                response.raise_for_status()
            http_p.add(pct(http, 50) * 1e3, pct(local, 50) * 1e3)
            http_99.add(pct(http, 99) * 1e3, pct(local, 99) * 1e3)
            fast_p.add(pct(fast, 50) * 1e3, pct(local, 50) * 1e3)
        whole = prepare(model, batches, schema, PredictionCache(0)).frame_columns()
        local_batch = []
        with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):  # as the service
            for _ in range(5):
                t = time.perf_counter()
                predict(model, whole)
                local_batch.append(time.perf_counter() - t)
        batch_times = []
        for n in range(5):
            fresh = [dict(r, transaction_id=f"{r['transaction_id']}-b{n}") for r in batches]
            for r in fresh:  # new features too, so the cache does not answer
                r["amount"] = round(float(r["amount"] or 0) + 0.01 * (n + 1), 2)
            t = time.perf_counter()
            client.post(f"{url}/v1/predict", json={"records": fresh}).raise_for_status()
            batch_times.append(time.perf_counter() - t)
    return {
        "comparisons": [http_p, http_99, fast_p],
        "batch_records_per_s": len(batches) / statistics.median(batch_times),
        "local_records_per_s": len(batches) / statistics.median(local_batch),
        "scoring_path": model.compiled_note,
    }


def load_process(
    url: str, rate: float, seconds: float, stop_file: Path, out: Path
) -> subprocess.Popen:
    """Start the second process that sends the load (this script with --load)."""
    args = [
        sys.executable,
        __file__,
        "--load",
        url,
        str(rate),
        str(seconds),
        str(stop_file),
        str(out),
    ]
    return subprocess.Popen(args, env=os.environ | {TOKEN_ENV: TOKEN[0] or ""})


def run_load(url: str, rate: float, seconds: float, stop_file: Path, out: Path) -> None:
    from console.core.demo import traffic

    token = os.environ.get(TOKEN_ENV) or None  # from the parent, never on a command line
    # every record of a phase made before its clock starts (a phase lasts < 30 s): a
    # chunk made while sending holds the generator's interpreter lock in 5 ms turns, and
    # the answers it reads meanwhile look that much slower than the service made them
    chunk = max(2000, min(traffic.MAX_CHUNK, int(rate * 40)))
    result = traffic.send(
        url, rate=rate, duration=seconds, token=token, until=stop_file.exists, freeze_gc=True,
        chunk=chunk,
    )  # fmt: skip
    answers = [
        (result.started_wall + sent, result.started_wall + got, version)
        for sent, got, version in result.answers
    ]
    data = {**result.as_dict(), "answers": answers, "latencies_ms": result.latencies_ms}
    out.write_text(json.dumps(data))


def check_versions(answers: list, timeline: list[tuple[float, float, str]]) -> int:
    """Responses whose version was neither in production at receipt nor the one before.

    ``timeline``: (switch began, switch returned, new version); a switch's commit lies
    somewhere in that interval, so a request received inside it may see either side.
    """
    begins = [b for b, _e, _v in timeline]
    ends = [e for _b, e, _v in timeline]
    bad = 0
    for sent, got, version in answers:
        # versions possibly in production at `sent`: from the last switch surely done
        # before it up to the last switch that may have begun before it
        first = max(bisect.bisect_right(ends, sent) - 1, 0)
        last = max(bisect.bisect_right(begins, got) - 1, 0)
        allowed = {timeline[i][2] for i in range(max(first - 1, 0), last + 1)}
        bad += version not in allowed
    return bad


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=250.0)
    parser.add_argument("--switch-rate", type=float, default=500.0)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of a calm phase")
    parser.add_argument("--load", nargs=5, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.load:
        url, rate, seconds, stop_file, out = args.load
        run_load(url, float(rate), float(seconds), Path(stop_file), Path(out))
        return

    print_machine()
    os.environ["CONSOLE_USER"] = USER
    from console.core.base.workspace import Workspace
    from console.core.serving import control

    with tempfile.TemporaryDirectory(prefix="serving-bench-") as tmp:
        root = Path(tmp) / "ws"
        print("building a workspace with two models ...", flush=True)
        TOKEN[0] = build(root)
        print(
            "clients send the service token" if TOKEN[0] else
            "no usable keyring: the service is opened on loopback (no token)", flush=True,
        )  # fmt: skip
        ws = Workspace.open(root)
        info = control.start_service(ws, USER, host="127.0.0.1", port=0)
        try:
            print(f"service at {info.url} (pid {info.pid})", flush=True)
            SERVICE_PID.append(info.pid)
            figures = single_and_batch(ws, info.url, TOKEN[0], args.repeat)
            steady = []
            for n in range(args.repeat):
                print(f"steady load {n + 1}/{args.repeat}: {args.seconds:g} s at {args.rate:g}/s")
                steady.append(
                    run_phase(Path(tmp), f"steady{n}", info.url, args.rate,
                              seconds=args.seconds, work=None)
                )  # fmt: skip
            rate = args.switch_rate
            print(f"load without switches: {2 * args.seconds:g} s at {rate:g}/s ...", flush=True)
            calm = run_phase(Path(tmp), "calm", info.url, rate, seconds=2 * args.seconds, work=None)
            switching: dict[str, dict] = {}
            timelines: dict[str, list[tuple[float, float, str]]] = {}
            for phase in PHASES:
                print(f"load at {rate:g}/s with {args.cycles} promote/rollback cycles, "
                      f"{phase} ...", flush=True)  # fmt: skip
                timeline: list[tuple[float, float, str]] = [(0.0, 0.0, "1.0.0")]
                timelines[phase] = timeline
                switching[phase] = run_phase(
                    Path(tmp), f"switch{len(switching)}", info.url, rate, seconds=600.0,
                    work=lambda t=timeline: cycles(ws, args.cycles, t),
                )  # fmt: skip
        finally:
            control.stop_service(ws, USER)
            ws.close()
    wrong = {k: check_versions(switching[k]["answers"], timelines[k]) for k in PHASES}
    report(figures, steady, calm, switching, wrong=wrong, args=args)
    for phase in PHASES:
        took = [end - began for began, end, _v in timelines[phase][1:]]
        print(f"\n{phase}:")
        print(
            f"{'  checked switches (s): first, median, slowest':44} {took[0]:>12.3f} "
            f"{statistics.median(took):>12.3f} {max(took):>7.3f}"
        )
        slow_around_switch(switching[phase]["answers"], timelines[phase])
    print_load()


#: the switching phases, in the order they run. In the first, 1.1.0 was never verified:
#: its first promote runs the full checks (safe load, known answers, latency: 1-2 s of
#: CPU) in this process, beside the service and the load. By the second, it has been
#: verified, as the window's Register dialog and ``console models verify`` do ahead of
#: a promote, and the window's rollback readiness does for the rollback target: every
#: switch only re-checks what can have changed.
PHASES = ("first promote verifies 1.1.0", "both versions verified ahead")


def cycles(ws, count: int, timeline: list[tuple[float, float, str]]) -> None:
    """``count`` promote/rollback cycles through the real checked switch."""
    from console.core.models import deploy

    for n in range(count):
        for step in ("promote", "rollback"):
            began = time.time()
            if step == "promote":
                d = deploy.promote(ws, USER, "1.1.0", reason=f"benchmark cycle {n}")
            else:
                d = deploy.rollback(ws, USER, reason=f"benchmark cycle {n}")
            if d.outcome != "switched":
                raise SystemExit(f"{step} {n} was {d.outcome}: {d.checks}")
            timeline.append((began, time.time(), d.to_version))


SERVICE_PID: list[int] = []


def slow_around_switch(answers: list, timeline: list[tuple[float, float, str]]) -> None:
    """Where the slowest 1 % of the switching phase's requests were sent: during the
    first checked switch (the new version's first checks: safe load, known answers,
    latency, in this process), during a later one (checks cached: the switch waits for
    the service to pick it up), within 1 s after one returned, or elsewhere."""
    if not answers or len(timeline) < 2:
        return
    slowest = sorted(answers, key=lambda a: a[1] - a[0])[-max(len(answers) // 100, 1) :]
    spans = timeline[1:]
    places = {"during the first": 0, "during a later one": 0, "within 1 s after one": 0,
              "elsewhere": 0}  # fmt: skip
    for sent, _got, _version in slowest:
        if spans[0][0] <= sent <= spans[0][1]:
            places["during the first"] += 1
        elif any(b <= sent <= e for b, e, _v in spans):
            places["during a later one"] += 1
        elif any(e < sent <= e + 1.0 for _b, e, _v in spans):
            places["within 1 s after one"] += 1
        else:
            places["elsewhere"] += 1
    where = ", ".join(f"{n} {k}" for k, n in places.items())
    print(f"{'the slowest 1 % of switching requests sent':44} {where}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads)."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def run_phase(
    tmp: Path, name: str, url: str, rate: float, *, seconds: float, work, service_cpu=None
) -> dict:
    """One load phase; adds the CPU each process spent per request (a figure that holds
    on a busy machine, where latency and the rate reached do not). ``service_cpu()``:
    the service's CPU seconds so far (default: its one process's)."""
    service_cpu = service_cpu or (lambda: cpu_seconds(SERVICE_PID[0]))
    stop_file, out = tmp / f"{name}.stop", tmp / f"{name}.json"
    service_before = service_cpu()
    proc = load_process(url, rate, seconds, stop_file, out)
    load_cpu = 0.0
    try:
        time.sleep(2.0)  # the load process imports and starts sending
        if work is not None:
            work()
            time.sleep(0.5)
            stop_file.touch()
        while proc.poll() is None:
            load_cpu = cpu_seconds(proc.pid)
            time.sleep(0.2)
    finally:
        proc.wait(timeout=seconds + 60)
    data = json.loads(out.read_text())
    sent = max(int(data["sent"]), 1)
    data["service_cpu_ms"] = (service_cpu() - service_before) * 1000 / sent
    data["load_cpu_ms"] = load_cpu * 1000 / sent
    return data


def report(
    figures: dict,
    steady: list[dict],
    calm: dict,
    switching: dict[str, dict],
    *,
    wrong: dict[str, int],
    args,
) -> None:
    def p99(data: dict) -> float:
        return pct(data["latencies_ms"], 99)

    print(f"\nscoring path of the production model: {figures['scoring_path']}")
    for cmp in figures["comparisons"]:
        cmp.print(baseline_name="scikit-learn call")
    a, b = figures["batch_records_per_s"], figures["local_records_per_s"]
    print(f"batch of 1,000 over HTTP: {a:,.0f} records/s; in-process predict {b:,.0f} "
          f"records/s ({b / a:.2f}x)")  # fmt: skip
    p50s = [pct(d["latencies_ms"], 50) for d in steady]
    p99s = [p99(d) for d in steady]
    print(
        f"single record at {args.rate:g} requests/s from a second process, {len(steady)} "
        f"phases of {args.seconds:g} s: p50 {', '.join(f'{v:.1f}' for v in p50s)} ms "
        f"(median {statistics.median(p50s):.1f}, worst {max(p50s):.1f}; target <= 5); "
        f"p99 {', '.join(f'{v:.1f}' for v in p99s)} ms (median {statistics.median(p99s):.1f}, "
        f"worst {max(p99s):.1f}; target <= 20); achieved "
        f"{min(d['rate'] for d in steady):,.0f}-{max(d['rate'] for d in steady):,.0f} "
        f"requests/s; failed {sum(d['failed'] for d in steady)}"
    )
    service_cpu = statistics.median(d["service_cpu_ms"] for d in steady)
    load_cpu = statistics.median(d["load_cpu_ms"] for d in steady)
    print(
        f"CPU per single-record request (median of the phases): service {service_cpu:.2f} ms "
        f"(so one core serves at most ~{1000 / service_cpu:,.0f} requests/s), load generator "
        f"{load_cpu:.2f} ms; load average now {', '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )
    print()
    print(f"at {args.switch_rate:g} requests/s from a second process, {args.cycles} cycles "
          "per switching phase:")  # fmt: skip
    first, ahead = (switching[k] for k in PHASES)
    print(f"{'':44} {'switching':>12} {'switching':>12} {'no switch':>12}")
    print(f"{'':44} {'verified':>12} {'1st checks':>12}")
    print(f"{'':44} {'ahead':>12} {'in phase':>12}")
    a, f, b = p99(ahead), p99(first), p99(calm)
    print(f"{'p99 latency (ms)':44} {a:>12.1f} {f:>12.1f} {b:>12.1f}")
    print(f"{'  ratio to no switch (target <= 2x)':44} {a / b:>11.2f}x {f / b:>11.2f}x")
    a, f, b = (pct(d["latencies_ms"], 50) for d in (ahead, first, calm))
    print(f"{'p50 latency (ms)':44} {a:>12.1f} {f:>12.1f} {b:>12.1f}")
    for label, key, form in (
        ("achieved rate (requests/s)", "rate", ",.1f"),
        ("requests", "sent", ",.0f"),
        ("failed requests", "failed", ","),
    ):
        print(f"{label:44} {ahead[key]:>12{form}} {first[key]:>12{form}} {calm[key]:>12{form}}")
    a, f, b = (d["service_cpu_ms"] for d in (ahead, first, calm))
    print(f"{'service CPU per request (ms)':44} {a:>12.2f} {f:>12.2f} {b:>12.2f}")
    print(f"{'responses from a wrong version':44} {wrong[PHASES[1]]:>12,} "
          f"{wrong[PHASES[0]]:>12,} {'-':>12}")  # fmt: skip
    for label, phase in (("verified ahead", PHASES[1]), ("first checks in phase", PHASES[0])):
        print(f"{'versions answering, ' + label:44} {json.dumps(switching[phase]['versions'])}")


if __name__ == "__main__":
    main()
