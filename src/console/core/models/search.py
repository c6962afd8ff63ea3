"""The hyper-parameter search of the retraining, in a process of its own.

Successive halving (scikit-learn's ``HalvingRandomSearchCV``) over the baseline
pipeline's boosting parameters, scored by average precision (the positives are rare),
with **time-ordered** cross-validation: ``TimeSeriesSplit`` on rows sorted by time,
with a gap between each training fold and its validation fold, so no fold learns from
its own future. Then the best parameters are fitted on all the training rows.

It runs in a spawned child process (:func:`run_in_child`): Cancel terminates the child,
which takes effect at once however long a single fit is, and leaves nothing behind (the
model comes back as skops bytes through a pipe; no temporary files). With a cluster
address the child connects to it and joblib's dask backend runs the fits there.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import multiprocessing
import platform
import threading
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.base.errors import ConsoleError, JobCancelled

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    import pandas as pd

    from console.core.base.jobs import JobContext

POLL_S = 0.05
HEARTBEAT_S = 0.25
#: each subsample of the halving keeps at least this many positives per fold
MIN_POSITIVES_PER_FOLD = 10
LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "skops", "joblib")


@dataclass(frozen=True)
class SearchInput:
    x: pd.DataFrame  # feature columns as the pipeline reads them, rows in time order
    y: np.ndarray
    features: dict[str, str]
    seed: int
    candidates: int
    factor: int
    folds: int
    gap_rows: int
    rounds: tuple[int, ...] = (100, 200, 300)
    cluster: str | None = None
    cluster_timeout_s: float = 10.0


def space(rounds: tuple[int, ...] = (100, 200, 300)) -> dict[str, Any]:
    """The search space: the baseline's boosting parameters around their defaults."""
    from scipy.stats import loguniform

    return {
        "model__learning_rate": loguniform(0.02, 0.3),
        "model__max_leaf_nodes": [15, 31, 63],
        "model__min_samples_leaf": [20, 40, 80, 160],
        "model__l2_regularization": loguniform(1e-3, 10.0),
        "model__max_iter": list(rounds),
    }


def make_pipeline(features: dict[str, str], seed: int) -> Any:
    from sklearn.pipeline import Pipeline

    from console.core.models import training

    preprocess, model = training.make_steps(features, seed)
    model.set_params(warm_start=False)
    return Pipeline([("preprocess", preprocess), ("model", model)])


def make_search(inp: SearchInput, scoring: Any = "average_precision", n_jobs: int = 1) -> Any:
    """The ``HalvingRandomSearchCV`` the retraining runs (also what the benchmark times)."""
    importlib.import_module("sklearn.experimental.enable_halving_search_cv")
    from sklearn.model_selection import HalvingRandomSearchCV, TimeSeriesSplit

    n = len(inp.y)
    positive_rate = max(float(np.mean(inp.y)), 1.0 / n)
    floor = math.ceil(MIN_POSITIVES_PER_FOLD * (inp.folds + 1) / positive_rate)
    iterations = max(1, math.ceil(math.log(inp.candidates, inp.factor)))
    smallest = max(floor, math.ceil(n / inp.factor ** (iterations)))
    return HalvingRandomSearchCV(
        make_pipeline(inp.features, inp.seed),
        space(inp.rounds),
        n_candidates=inp.candidates,
        factor=inp.factor,
        min_resources=min(n, smallest),
        cv=TimeSeriesSplit(n_splits=inp.folds, gap=inp.gap_rows),
        scoring=scoring,
        refit=False,
        random_state=inp.seed,
        n_jobs=n_jobs,
        error_score=np.nan,
    )


class _ProgressScorer:
    """Average precision that also reports each finished fit (local search only)."""

    def __init__(self, report: Any, expected: int) -> None:
        self.report = report
        self.expected = max(expected, 1)
        self.done = 0

    def __call__(self, estimator: Any, x: Any, y: Any) -> float:
        from sklearn.metrics import average_precision_score

        self.done += 1
        self.report(min(0.9, 0.9 * self.done / self.expected), f"cross-validated fit {self.done}")
        if np.unique(y).size < 2:
            return float("nan")
        return float(average_precision_score(y, estimator.predict_proba(x)[:, 1]))


def search(inp: SearchInput, report: Any) -> dict[str, Any]:
    """Run the search and the final fit here; return the model as skops bytes + summary."""
    import skops.io as sio

    started = time.perf_counter()
    warnings.simplefilter("ignore")  # failed fits are counted below, not printed
    expected = inp.folds * sum(
        math.ceil(inp.candidates / inp.factor**i)
        for i in range(max(1, math.ceil(math.log(inp.candidates, inp.factor))) + 1)
    )
    if inp.cluster:
        joblib = importlib.import_module("joblib")
        distributed = importlib.import_module("dask.distributed")
        with distributed.Client(inp.cluster, timeout=f"{inp.cluster_timeout_s}s"):
            report(0.05, f"searching on the cluster {inp.cluster}")
            cv = make_search(inp, n_jobs=-1)
            with joblib.parallel_backend("dask"):
                cv.fit(inp.x, inp.y)
    else:
        cv = make_search(inp, scoring=_ProgressScorer(report, expected))
        cv.fit(inp.x, inp.y)
    scores = np.asarray(cv.cv_results_["mean_test_score"], dtype=np.float64)
    if not np.isfinite(scores).any():
        raise ValueError("every cross-validated fit failed; too few positives per fold?")
    best = cv.best_params_
    report(0.92, "fitting the best parameters on all training rows")
    final = make_pipeline(inp.features, inp.seed).set_params(**best)
    final.fit(inp.x, inp.y)
    order = np.argsort(-np.nan_to_num(scores, nan=-1.0))[:5]
    return {
        "model": sio.dumps(final),
        "best_params": {k: _plain(v) for k, v in best.items()},
        "best_score": float(cv.best_score_),
        "scoring": "average precision",
        "iterations": [
            {"iteration": i, "candidates": int(c), "rows": int(r)}
            for i, (c, r) in enumerate(zip(cv.n_candidates_, cv.n_resources_, strict=True))
        ],
        "top": [
            {
                "rank": n + 1,
                "score": float(scores[i]),
                "iteration": int(cv.cv_results_["iter"][i]),
                **{
                    k.removeprefix("model__"): _plain(v)
                    for k, v in cv.cv_results_["params"][i].items()
                },
            }
            for n, i in enumerate(order)
        ],
        "fits": int(len(scores) * inp.folds),
        "failed_fits": int(np.sum(~np.isfinite(scores)) * inp.folds),
        "cv": f"TimeSeriesSplit(n_splits={inp.folds}, gap={inp.gap_rows} rows)",
        "seconds": time.perf_counter() - started,
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def library_versions() -> dict[str, str]:
    from importlib import metadata

    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _child(conn: Connection, inp: SearchInput) -> None:  # pragma: no cover - in the child
    from console.core.models import training

    try:
        with training.thread_limit():
            result = search(inp, lambda f, m: conn.send(("progress", f, m)))
        conn.send(("result", result))
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class SearchFailed(ConsoleError):
    exit_code = 4


def run_in_child(inp: SearchInput, ctx: JobContext) -> dict[str, Any]:
    """:func:`search` in a spawned process; ``ctx`` gets its progress and may cancel it.

    Adds ``peak_rss_mb`` (the child's peak resident memory, sampled) to the result.
    """
    import psutil

    spawn = _context()
    reader, writer = spawn.Pipe(duplex=False)
    proc = spawn.Process(target=_child, args=(writer, inp), daemon=True, name="retraining-search")
    peak = 0
    _start(proc, writer, reader, ctx)
    try:
        writer.close()
        if proc.pid is None:
            raise SearchFailed("the search process could not be started")
        watched = psutil.Process(proc.pid)
        last: tuple[float, str] = (0.0, "starting the search process")
        reported = time.monotonic()
        while True:
            if time.monotonic() - reported >= HEARTBEAT_S:
                # a heartbeat while one long fit runs: lets a Cancel recorded by another
                # process (read at progress reports) reach this job
                ctx.progress(*last)
                reported = time.monotonic()
            ctx.check()
            with contextlib.suppress(psutil.Error):
                peak = max(peak, watched.memory_info().rss)
            if reader.poll(POLL_S):
                try:
                    message = reader.recv()
                except EOFError:
                    raise SearchFailed(
                        f"the search process ended unexpectedly (exit code {proc.exitcode})"
                    ) from None
                if message[0] == "progress":
                    last = (message[1], message[2])
                    ctx.progress(*last)
                    reported = time.monotonic()
                elif message[0] == "error":
                    raise SearchFailed(f"the hyper-parameter search failed: {message[1]}")
                else:
                    result: dict[str, Any] = message[1]
                    result["peak_rss_mb"] = peak / 2**20
                    return result
            elif not proc.is_alive() and not reader.poll(0):
                raise SearchFailed(f"the search process ended (exit code {proc.exitcode})")
    except JobCancelled:
        proc.terminate()
        raise
    finally:
        reader.close()
        if proc.pid is not None:
            _stop(proc)


#: what the search process imports before it forks (paid once per console process)
PRELOAD = [
    "console.core.models.search",
    "console.core.models.training",
    "sklearn.ensemble",
    "sklearn.model_selection",
    "sklearn.pipeline",
    "skops.io",
    "pandas",
    "scipy.stats",
]


def _context() -> Any:
    """A fork server where there is one (children fork from a process that imported
    scikit-learn but never ran it, so OpenMP is safe and start-up is quick), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _start(proc: Any, writer: Any, reader: Any, ctx: JobContext) -> None:
    """Start the child; a Cancel meanwhile returns at once (the first start waits for the
    fork server to import its modules) and the child is ended as soon as it exists."""
    started = threading.Thread(target=proc.start, name="retraining-search-start", daemon=True)
    started.start()
    while started.is_alive():
        if ctx.cancelled:
            threading.Thread(target=_stop_when_started, args=(started, proc, writer),
                             daemon=True).start()  # fmt: skip
            reader.close()
            raise JobCancelled()
        started.join(POLL_S)


def _stop_when_started(started: threading.Thread, proc: Any, writer: Any) -> None:
    """After a cancel during start-up: end the child once it exists."""
    started.join()
    writer.close()
    if proc.pid is not None:
        proc.terminate()
        _stop(proc)


def _stop(proc: Any) -> None:
    proc.join(1.0)
    if proc.is_alive():
        proc.kill()
        proc.join(1.0)
