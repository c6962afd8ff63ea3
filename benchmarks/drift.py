"""Drift analysis speed, memory and verdicts against Evidently, NannyML and scipy, in one run.

Target (issue 5): 1 M reference vs 1 M current rows, 20 numeric + 5 categorical columns,
some shifted: the full univariate report (every statistic for every column) at least
100x faster than Evidently's data drift preset, 10x faster than NannyML's univariate
drift calculator, faster than scipy per column (``ks_2samp`` / ``chi2_contingency``),
with the same drifted/not-drifted verdicts as scipy for the same tests (p < 0.05), and
peak memory at most 1.5x the input columns' size.

Every measurement runs in a fresh child process reading the same Parquet files, so its
peak RSS is its own. The console (cold and with a cached reference profile) and scipy
run interleaved ``--repeat`` times, the order flipped each round; the machine, the
medians and the worst round's ratio are printed. With ``--full``, Evidently and NannyML
run once each in their own venvs (build them with ``sh benchmarks/drift_env.sh``; they
are never dependencies of the console); a venv that is missing or fails is reported.

    python benchmarks/drift.py [--rows 1000000] [--repeat 5] [--full] [--env DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import Comparison, print_load, print_machine

NUMERIC, CATEGORIES = 20, 5
SHIFTED_NUMERIC = {0: 0.1, 1: 0.05, 2: 0.02, 3: 0.005}  # column -> mean shift in sd
SHIFTED_CATEGORY = {0: 0.05, 1: 0.01}  # column -> probability mass moved


def make_data(folder: Path, rows: int) -> tuple[Path, Path]:
    import numpy as np
    import pandas as pd

    def frame(seed: int, current: bool) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        data: dict[str, object] = {}
        for i in range(NUMERIC):
            shift = SHIFTED_NUMERIC.get(i, 0.0) if current else 0.0
            if i % 4 == 3:
                data[f"num_{i}"] = rng.poisson(4, rows).astype("float64") + round(shift * 10)
            else:
                data[f"num_{i}"] = rng.normal(shift, 1.0, rows) * (i + 1)
        for j in range(CATEGORIES):
            k = 4 + 6 * j  # 4 .. 28 categories
            p = np.linspace(1.0, 3.0, k)
            p /= p.sum()
            if current and j in SHIFTED_CATEGORY:
                p = p.copy()
                p[0] += SHIFTED_CATEGORY[j]
                p[-1] -= SHIFTED_CATEGORY[j]
            names = np.array([f"c{j}_{v:02d}" for v in range(k)])
            data[f"cat_{j}"] = pd.Categorical(names[rng.choice(k, rows, p=p)])
        return pd.DataFrame(data)

    ref, cur = folder / "reference.parquet", folder / "current.parquet"
    frame(1, False).to_parquet(ref, index=False)
    frame(2, True).to_parquet(cur, index=False)
    return ref, cur


# ---------------------------------------------------------------- child measurements
CHILD = r"""
import json, resource, sys, time
import pandas as pd
mode, ref_path, cur_path = sys.argv[1:4]
ref = pd.read_parquet(ref_path)
cur = pd.read_parquet(cur_path)
input_bytes = int(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
numeric = [c for c in ref.columns if c.startswith("num_")]
category = [c for c in ref.columns if c.startswith("cat_")]
verdicts = {}
t0 = time.perf_counter()
if mode in ("console", "console-warm"):
    import tracemalloc
    from console.core.drift import reference
    from console.core.drift.report import compare_profile
    from console.core.drift.settings import DriftSettings
    from console.core.base.jobs import JobContext
    kinds = {**{c: "number" for c in numeric}, **{c: "category" for c in category}}
    settings = DriftSettings(multivariate=False, correction="none")

    def full(profile=None):
        if profile is None:
            profile = reference.build_profile("bench", ref, kinds, bins=settings.bins)
        return compare_profile(profile, None, cur, kinds, settings, ctx=JobContext())

    cached = None
    if mode == "console-warm":
        cached = reference.build_profile("bench", ref, kinds, bins=settings.bins)
    t0 = time.perf_counter()
    result = full(cached)
    seconds = time.perf_counter() - t0
    traced_peak = None
    if mode == "console":  # memory: a second, untimed run under tracemalloc
        tracemalloc.start()
        full()
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    verdicts = {c.name: bool(c.test_rejects) for c in result.columns}
elif mode == "console-split":
    import cProfile, pstats
    from console.core.drift import reference
    from console.core.drift.report import compare_profile
    from console.core.drift.settings import DriftSettings
    from console.core.base.jobs import JobContext
    kinds = {**{c: "number" for c in numeric}, **{c: "category" for c in category}}
    settings = DriftSettings(multivariate=False, correction="none")
    t0 = time.perf_counter()
    profile = reference.build_profile("bench", ref, kinds, bins=settings.bins)
    t1 = time.perf_counter()
    compare_profile(profile, None, cur, kinds, settings, ctx=JobContext())
    t2 = time.perf_counter()
    wall = {"reference profile": t1 - t0, "comparison": t2 - t1}
    real = reference.run_columns
    def one_thread(names, work, **kw):
        kw["threads"] = 1
        return real(names, work, **kw)
    reference.run_columns = one_thread
    import console.core.drift.univariate as uni
    uni.run_columns = one_thread
    prof = cProfile.Profile()
    prof.enable()
    compare_profile(reference.build_profile("bench", ref, kinds, bins=settings.bins),
                    None, cur, kinds, settings, ctx=JobContext())
    prof.disable()
    groups = {
        "reference profile, all columns": ("reference.py", "profile_column"),
        "  of which the grid (bucket counts)": ("ecdf.py", "make_grid"),
        "comparison, all columns": ("univariate.py", "compare_column"),
        "  of which KS + Wasserstein (exact)": ("stats.py", "ks_and_wasserstein_unsorted"),
        "  of which KS p-values": ("stats.py", "ks_asymptotic_p"),
        "  of which display histograms": ("histogram.py", "numeric_hist"),
        "  of which PSI/JS/chi-square bins": ("stats.py", "bin_counts"),
        "  of which categories (counts, chi-square)": ("univariate.py", "_compare_category"),
    }
    st = pstats.Stats(prof).stats
    cum = {}
    for label, (file, fn) in groups.items():
        cum[label] = sum(v[3] for k, v in st.items() if k[0].endswith(file) and k[2] == fn)
    total = sum(v[2] for v in st.values())
    seconds = t2 - t0
    traced_peak = None
    verdicts = {"wall": wall, "cpu": cum, "cpu_total": total}
elif mode == "scipy":
    import numpy as np
    from scipy import stats
    for c in numeric:
        verdicts[c] = bool(stats.ks_2samp(ref[c].to_numpy(), cur[c].to_numpy()).pvalue < 0.05)
    for c in category:
        table = pd.concat([ref[c].value_counts(), cur[c].value_counts()], axis=1).fillna(0)
        table = table[table.sum(axis=1) > 0].to_numpy().T
        verdicts[c] = bool(stats.chi2_contingency(table).pvalue < 0.05)
    seconds = time.perf_counter() - t0
    traced_peak = None
elif mode == "evidently":
    try:
        from evidently import Report
        from evidently.presets import DataDriftPreset
        report = Report([DataDriftPreset()])
        snapshot = report.run(reference_data=ref, current_data=cur)
        doc = snapshot.dict()
    except ImportError:
        from evidently.report import Report
        from evidently.metric_preset import DataDriftPreset
        report = Report(metrics=[DataDriftPreset()])
        report.run(reference_data=ref, current_data=cur)
        doc = report.as_dict()
    seconds = time.perf_counter() - t0
    traced_peak = None
    verdicts = {}
elif mode == "nannyml":
    import nannyml as nml
    ref2 = ref.assign(chunk=0)
    cur2 = cur.assign(chunk=1)
    calc = nml.UnivariateDriftCalculator(
        column_names=numeric + category,
        continuous_methods=["kolmogorov_smirnov", "jensen_shannon"],
        categorical_methods=["chi2", "jensen_shannon"],
        chunk_number=1,
    )
    calc.fit(ref2)
    out = calc.calculate(cur2)
    seconds = time.perf_counter() - t0
    traced_peak = None
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak_rss": peak, "rss_loaded": rss_loaded,
                  "input_bytes": input_bytes, "traced_peak": traced_peak,
                  "verdicts": verdicts}))
"""


def child(python: str, mode: str, ref: Path, cur: Path, timeout: float) -> dict[str, object]:
    env = dict(os.environ)
    if mode.startswith("console") or mode == "scipy":
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    try:
        out = subprocess.run(
            [python, "-c", CHILD, mode, str(ref), str(cur)],
            capture_output=True, text=True, timeout=timeout, env=env, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {out.returncode}: {last[:160]}"}
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="also Evidently and NannyML")
    parser.add_argument(
        "--env", type=Path, default=Path(os.environ.get("DRIFT_BENCH_ENV", "/tmp/drift-bench"))
    )
    parser.add_argument("--tool-timeout", type=float, default=1800.0)
    args = parser.parse_args()
    print_machine()

    with tempfile.TemporaryDirectory(prefix="drift-bench-") as tmp:
        ref, cur = make_data(Path(tmp), args.rows)
        print(
            f"{args.rows:,} reference vs {args.rows:,} current rows, {NUMERIC} numeric + "
            f"{CATEGORIES} categorical columns; shifted: num_0..3, cat_0..1"
        )
        runs: dict[str, list[dict[str, object]]] = {}
        tools = {
            "console": sys.executable,
            "console-warm": sys.executable,
            "scipy": sys.executable,
        }
        for n in range(args.repeat):
            order = list(tools) if n % 2 == 0 else list(reversed(tools))
            for mode in order:
                result = child(tools[mode], mode, ref, cur, args.tool_timeout)
                runs.setdefault(mode, []).append(result)
                print(f"  round {n + 1}: {mode} {result.get('seconds', result.get('error'))}",
                      file=sys.stderr, flush=True)  # fmt: skip
        for tool in ("evidently", "nannyml") if args.full else ():
            python = args.env / tool / "bin" / "python"
            if not python.exists():  # the venvs take minutes to build: never built here
                runs[tool] = [
                    {"error": f"no venv at {python.parent.parent} (run benchmarks/drift_env.sh)"}
                ]
                continue
            runs[tool] = [child(str(python), tool, ref, cur, args.tool_timeout)]
        report(runs)
        paired(runs)
        split(child(sys.executable, "console-split", ref, cur, args.tool_timeout))
    print_load()
    return 0


def split(result: dict[str, object]) -> None:
    """Where the console's time goes: wall time of its two phases (2 threads), and the
    CPU split by statistic from a profile of a one-thread run."""
    if "error" in result:
        print(f"\nsplit: {result['error']}")
        return
    data = result["verdicts"]
    assert isinstance(data, dict)
    wall = data["wall"]
    print("\nwhere the time goes (wall, 2 threads): " + ", ".join(
        f"{k} {v:.2f} s" for k, v in wall.items()))  # fmt: skip
    total = float(data["cpu_total"]) or 1.0
    print(f"CPU split, one-thread profiled run ({total:.2f} s of calls):")
    for label, seconds in data["cpu"].items():
        print(f"  {label:<54} {seconds:>6.2f} s {seconds / total:>6.1%}")


def paired(runs: dict[str, list[dict[str, object]]]) -> None:
    """Console against scipy round by round: the medians and the worst ratio."""
    print()
    for mode, label in (("console", "cold"), ("console-warm", "cached reference")):
        cmp = Comparison(f"drift {label} vs scipy per column")
        for ours, theirs in zip(runs.get(mode, []), runs.get("scipy", []), strict=False):
            if "error" not in ours and "error" not in theirs:
                cmp.add(float(ours["seconds"]), float(theirs["seconds"]))  # type: ignore[arg-type]
        if cmp.console:
            # console/scipy <= 1/6 means at least 6x faster than scipy
            cmp.print(target=round(1 / 6, 3), baseline_name="scipy")
            print(f"  speed-up over scipy: median {1 / cmp.median_ratio:.1f}x, "
                  f"worst round {1 / cmp.worst_ratio:.1f}x (goal >= 6x)")  # fmt: skip


def report(runs: dict[str, list[dict[str, object]]]) -> None:
    def median(mode: str, key: str) -> float | None:
        values = [
            float(r[key]) for r in runs.get(mode, []) if "error" not in r and r.get(key) is not None
        ]  # type: ignore[arg-type]
        return statistics.median(values) if values else None

    ours = median("console", "seconds")
    mib = 1024 * 1024
    input_bytes = median("console", "input_bytes") or 0.0
    print(f"\ninput columns (both sides, in memory): {input_bytes / mib:,.0f} MiB\n")
    print(f"{'run':<34} {'median s':>9} {'x console':>10} {'peak RSS MiB':>13}")
    labels = {
        "console": "console (profile + compare)",
        "console-warm": "console (cached reference)",
        "scipy": "scipy per column (c)",
        "evidently": "Evidently DataDriftPreset (a)",
        "nannyml": "NannyML UnivariateDrift (b)",
    }
    for mode, label in labels.items():
        errors = [r["error"] for r in runs.get(mode, []) if "error" in r]
        secs = median(mode, "seconds")
        if secs is None:
            print(f"{label:<34} {'-':>9} {'-':>10} {'-':>13}   {errors[0] if errors else ''}")
            continue
        ratio = f"{secs / ours:,.1f}x" if ours else "-"
        rss = median(mode, "peak_rss") or 0.0
        print(f"{label:<34} {secs:>9.2f} {ratio:>10} {rss / mib:>13,.0f}")
    goals = {"evidently": 100, "nannyml": 10, "scipy": 1}
    parts = []
    for m, g in goals.items():
        secs = median(m, "seconds")
        got = f"{secs / ours:,.1f}x" if ours and secs else "n/a"
        parts.append(f"{m} {got} slower than console (goal >= {g}x)")
    print("\ngoals: " + "; ".join(parts))
    traced = median("console", "traced_peak")
    loaded = median("console", "rss_loaded")
    peak = median("console", "peak_rss")
    if traced and input_bytes:
        print(
            f"memory: analysis allocations peak {traced / mib:,.0f} MiB = "
            f"{traced / input_bytes:.2f}x the input columns (goal <= 1.5x); process RSS "
            f"{(loaded or 0) / mib:,.0f} MiB after loading -> {(peak or 0) / mib:,.0f} MiB peak"
        )
    ok_runs = [r for r in runs.get("console", []) if "error" not in r]
    sp_runs = [r for r in runs.get("scipy", []) if "error" not in r]
    if ok_runs and sp_runs:
        a, b = ok_runs[0]["verdicts"], sp_runs[0]["verdicts"]
        assert isinstance(a, dict)
        assert isinstance(b, dict)
        same = sum(a[k] == b[k] for k in b)
        differ = [k for k in b if a[k] != b[k]]
        print(
            f"verdicts vs scipy (p < 0.05, same tests): {same}/{len(b)} equal"
            + (f"; differ: {differ}" if differ else "")
            + f"; drifted: {sorted(k for k, v in a.items() if v)}"
        )


if __name__ == "__main__":
    sys.exit(main())
