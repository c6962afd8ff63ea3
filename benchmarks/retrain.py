"""The monthly retraining job against a bare scikit-learn search of the same space.

A workspace gets a training dataset version and a labelled prediction log (together
``--rows`` labelled rows, the last ``--log-days`` days as the log), and a production
model. Each round, interleaved:

* ``console``: the whole retraining job (``retraining.retrain``: read the dataset and
  the log, check them, search in the child process, fit, compare with production on the
  held-out days, register the dataset version and the candidate);
* ``baseline``: ``HalvingRandomSearchCV`` of the same pipeline, space, candidates,
  factor, minimum resources and time-ordered CV, ``refit=True``, run directly in this
  process on the same training rows.

Locally and then on a 2-worker ``LocalCluster`` (``--no-cluster`` skips it): there the
console job gets ``[cluster] address`` and the baseline runs under joblib's dask
backend. Target: console <= 1.2x the baseline. Then the cancel latency (Cancel pressed
while the search runs, until the job has stopped) and the peak memory (resident, this
process and its children, sampled) of each. The fork server the search starts from is
started before the rounds (its one-off start-up is printed).

    python benchmarks/retrain.py              # 20,000 rows, small space (a few minutes)
    python benchmarks/retrain.py --full       # 1,000,000 rows, the default [retraining]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa

from _machine import Comparison, print_load, print_machine
from _memory_keyring import MemoryKeyring

USER = "bench"
TARGET = 1.2


class PeakMemory:
    """Largest resident size of this process plus its children, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.05):
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mb(self) -> float:
        return self.peak / 2**20


def build(root: Path, rows: int, log_days: int, settings: dict[str, Any]) -> Any:
    from console.core.base.workspace import Workspace
    from console.core.data import datasets, ingest
    from console.core.demo import data as demo_data
    from console.core.models import registry, training

    days = 30
    per_day = -(-rows // days)
    first = dt.date(2026, 10, 1)
    frame = demo_data.generate_transactions(first, days, per_day, seed=11)
    cut = pd.Timestamp(first + dt.timedelta(days=days - log_days), tz="UTC")
    train, log = frame[frame["ts"] < cut], frame[frame["ts"] >= cut]
    ws = Workspace.create(root, USER)
    ws.config = ws.config.model_copy(
        update={"retraining": ws.config.retraining.model_copy(update=settings)}
    )
    features = dict(ws.config.data_schema.features)
    dataset = datasets.register_frame(ws, USER, "bench-training", train)
    sample = train.sample(n=min(40_000, len(train)), random_state=1)
    model = training.train_baseline(sample, features, "is_fraud", seed=1)
    registry.register_pipeline(
        ws, USER, model.pipeline, version="1.0.0", threshold=model.threshold,
        features=features, metrics=model.metrics, notes="bench production",
        stage="production", dataset=dataset.sha256, golden=model.holdout.head(500),
    )  # fmt: skip
    scores = training.score(model.pipeline, log, features)
    preds = log.drop(columns=["is_fraud"]).assign(
        score=scores, decision=(scores >= model.threshold).astype("int8")
    )
    labels = pd.DataFrame({"transaction_id": log["transaction_id"],
                           "label": log["is_fraud"].astype("int64"),
                           "labelled_at": log["ts"] + pd.Timedelta(hours=6)})  # fmt: skip
    for kind, part in (("predictions", preds), ("labels", labels)):
        ingest.ingest_table(ws, USER, kind, pa.Table.from_pandas(part, preserve_index=False),
                            source=f"bench:{kind}")  # fmt: skip
    return ws


def search_input(ws: Any) -> Any:
    from console.core.models import registry, retraining, search, training

    cfg = ws.config.retraining
    production = registry.production(ws)
    data = retraining.gather(ws, production)
    train, _holdout, _span = retraining.split(ws, data.frame)
    stamp = ws.config.data_schema.timestamp
    days = max(1.0, (train[stamp].iloc[-1] - train[stamp].iloc[0]).days)
    return search.SearchInput(
        x=training.feature_frame(train, production.features),
        y=train[cfg.label_column].to_numpy().astype(np.int8),
        features=production.features, seed=cfg.seed, candidates=cfg.candidates,
        factor=cfg.factor, folds=cfg.folds, gap_rows=round(cfg.gap_days * len(train) / days),
        rounds=tuple(cfg.rounds),
    )  # fmt: skip


def bare_search(inp: Any, *, on_cluster: bool) -> float:
    """scikit-learn alone: the same HalvingRandomSearchCV, refit=True, in this process."""
    importlib.import_module("sklearn.experimental.enable_halving_search_cv")
    from sklearn.model_selection import HalvingRandomSearchCV, TimeSeriesSplit

    from console.core.models import search, training

    same = search.make_search(inp)  # only to read the same minimum resources
    cv = HalvingRandomSearchCV(
        search.make_pipeline(inp.features, inp.seed), search.space(inp.rounds),
        n_candidates=inp.candidates, factor=inp.factor, min_resources=same.min_resources,
        cv=TimeSeriesSplit(n_splits=inp.folds, gap=inp.gap_rows), scoring="average_precision",
        refit=True, random_state=inp.seed, n_jobs=-1 if on_cluster else 1,
    )  # fmt: skip
    start = time.perf_counter()
    with training.thread_limit():
        if on_cluster:
            joblib = importlib.import_module("joblib")
            with joblib.parallel_backend("dask"):
                cv.fit(inp.x, inp.y)
        else:
            cv.fit(inp.x, inp.y)
    return time.perf_counter() - start


def console_job(ws: Any) -> tuple[float, dict[str, Any]]:
    from console.core.models import retraining

    start = time.perf_counter()
    report = retraining.retrain(ws, USER)
    return time.perf_counter() - start, report.as_dict()


def cancel_latency(ws: Any, after_s: float) -> float:
    from console.core.base.errors import JobCancelled
    from console.core.base.jobs import JobContext
    from console.core.base.workspace import Workspace
    from console.core.models import retraining

    searching = threading.Event()
    ctx = JobContext(lambda f, m: searching.set() if f > 0.06 else None, min_interval=0)
    stopped: list[float] = []

    def run() -> None:
        try:
            retraining.retrain(Workspace.open(ws.root), USER, ctx=ctx)
        except JobCancelled:
            stopped.append(time.perf_counter())

    thread = threading.Thread(target=run)
    thread.start()
    searching.wait(600)
    time.sleep(after_s)
    asked = time.perf_counter()
    ctx.cancel()
    thread.join(60)
    return (stopped[0] - asked) if stopped else float("nan")


def measure(ws: Any, label: str, rounds: int, *, on_cluster: bool) -> None:
    inp = search_input(ws)
    print(f"{label}: {len(inp.y):,} training rows ({int(inp.y.sum()):,} positives), "
          f"{inp.candidates} candidates, factor {inp.factor}, {inp.folds} folds, gap "
          f"{inp.gap_rows:,} rows, boosting rounds {list(inp.rounds)}", flush=True)  # fmt: skip
    cmp = Comparison(f"retraining {label}")
    peaks: dict[str, float] = {"console": 0.0, "baseline": 0.0}
    for n in range(rounds):
        order = ("console", "baseline") if n % 2 == 0 else ("baseline", "console")
        got: dict[str, float] = {}
        for who in order:
            with PeakMemory() as mem:
                if who == "console":
                    got[who], report = console_job(ws)
                    search_s = report["search"]["seconds"]
                else:
                    got[who] = bare_search(inp, on_cluster=on_cluster)
            peaks[who] = max(peaks[who], mem.mb)
        cmp.add(got["console"], got["baseline"])
        print(f"  round {n + 1}/{rounds}: console {got['console']:.1f} s (search in the child "
              f"{search_s:.1f} s), baseline {got['baseline']:.1f} s", flush=True)  # fmt: skip
    cmp.print(target=TARGET, baseline_name="bare HalvingRandomSearchCV")
    print(f"peak memory {label} (process + children, resident): console {peaks['console']:.0f} "
          f"MB, baseline {peaks['baseline']:.0f} MB", flush=True)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="1,000,000 rows, default search")
    parser.add_argument("--rows", type=int, help="labelled rows in all (default 20,000)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--log-days", type=int, default=7)
    parser.add_argument("--cancel-after", type=float, default=2.0)
    parser.add_argument("--no-cluster", action="store_true")
    args = parser.parse_args()
    rows = args.rows or (1_000_000 if args.full else 20_000)
    settings: dict[str, Any] = {"recent_days": args.log_days + 1, "holdout_days": 2}
    if not args.full:
        settings.update(candidates=6, rounds=[50, 100], folds=3)
    print_machine(f"{rows:,} labelled rows; memory {psutil.virtual_memory().total / 2**30:.1f} GB")
    import keyring

    keyring.set_keyring(MemoryKeyring())  # the workspace's data key, for this run only
    from console.core.models import search

    start = time.perf_counter()
    search._context().Process(target=time.sleep, args=(0,)).start()  # the fork server
    print(f"fork server start-up (once per console process): "
          f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-retrain-") as folder:
        started = time.perf_counter()
        ws = build(Path(folder) / "ws", rows, args.log_days, settings)
        print(f"workspace built in {time.perf_counter() - started:.0f} s", flush=True)
        measure(ws, "locally", args.rounds, on_cluster=False)
        print(f"cancel latency (Cancel {args.cancel_after:g} s into the search, locally): "
              f"{cancel_latency(ws, args.cancel_after) * 1000:.0f} ms (target < 1000 ms)",
              flush=True)  # fmt: skip
        if not args.no_cluster:
            distributed = importlib.import_module("dask.distributed")
            with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                          dashboard_address=":0") as found, \
                    distributed.Client(found):  # fmt: skip
                ws.config = ws.config.model_copy(update={"cluster": ws.config.cluster.model_copy(
                    update={"address": found.scheduler_address})})  # fmt: skip
                measure(ws, "on a 2-worker LocalCluster", args.rounds, on_cluster=True)
                latency = cancel_latency(ws, args.cancel_after) * 1000
                print(f"cancel latency on the cluster: {latency:.0f} ms", flush=True)
        ws.close()
    print_load()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
