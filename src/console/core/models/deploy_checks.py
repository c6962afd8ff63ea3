"""The checks a model version passes before it may serve: one function per step.

``run_deploy_checks`` runs them in order and stops at the first failure (a version whose
artifact does not hash right is not loaded; one that does not load is not scored):
artifact hash, safe load, input schema against the workspace schema, known-answer test
on the golden set (scores reproduce to :data:`KAT_TOLERANCE`), single-row latency.

The artifact hash and the input schema (the workspace's schema may have changed) are
always checked. The loading and scoring steps are taken from the pre-verification cache
(:mod:`console.core.models.verified_cache`) when this version passed them before with
the same artifact bytes and file, golden set and library versions; otherwise they run,
and a full pass is recorded there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base.errors import ConsoleError, JobCancelled
from console.core.models import registry, verified_cache

if TYPE_CHECKING:
    from console.core.base.jobs import JobContext
    from console.core.base.workspace import Workspace
    from console.core.models.registry import ModelVersion

KAT_TOLERANCE = 1e-9
LATENCY_P99_MS = 200.0
LATENCY_CALLS = 25
STEPS = ("artifact_hash", "safe_load", "input_schema", "known_answer", "latency")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float


class StepFailed(Exception):
    """A verification step found a problem (the message says which)."""


@dataclass
class _State:
    ws: Workspace
    model: ModelVersion
    reuse: bool = True
    data: bytes = b""
    pipeline: Any = None
    fitted: list[str] | None = None
    golden: Any = None
    key: verified_cache.ArtifactKey | None = None
    cached: verified_cache.Verified | None = None


def run_deploy_checks(
    ws: Workspace,
    model: ModelVersion,
    ctx: JobContext,
    on_step: Callable[[CheckResult], None] | None = None,
    *,
    reuse: bool = True,
) -> list[CheckResult]:
    """Run the steps on ``model``; ``on_step`` sees each result as it completes.

    ``reuse=False`` runs every step even when the cache holds a valid verification.
    """
    state = _State(ws, model, reuse=reuse)
    results: list[CheckResult] = []
    for n, name in enumerate(STEPS):
        fn = _reused if state.cached is not None and name in REUSABLE else _STEPS[name]
        ctx.progress(0.85 * n / len(STEPS), f"Checking {name.replace('_', ' ')}")
        t0 = time.perf_counter()
        try:
            result = CheckResult(name, True, fn(state, name), time.perf_counter() - t0)
        except JobCancelled:
            raise
        except (StepFailed, ConsoleError) as exc:
            result = CheckResult(name, False, str(exc), time.perf_counter() - t0)
        except Exception as exc:  # a broken artifact may fail in any way when used
            detail = f"{type(exc).__name__}: {exc}".splitlines()[0]
            result = CheckResult(name, False, detail, time.perf_counter() - t0)
        results.append(result)
        if on_step is not None:
            on_step(result)
        if not result.ok:
            break
    ctx.progress(0.85, "Checks done")
    _remember(state, results)
    return results


def _remember(s: _State, results: list[CheckResult]) -> None:
    """Record a full pass in the cache; forget an earlier pass when a full run failed."""
    if s.cached is not None or s.key is None:
        return
    if len(results) == len(STEPS) and all(r.ok for r in results):
        checks = [
            {"name": r.name, "detail": r.detail, "seconds": r.seconds}
            for r in results
            if r.name in REUSABLE
        ]
        verified_cache.record(s.ws, s.model.version, s.key, fitted=s.fitted, checks=checks)
    else:
        verified_cache.forget(s.ws, s.model.version)


def _artifact_hash(s: _State, _name: str) -> str:
    s.data = registry.read_artifact(s.ws, s.model)
    stat = (s.ws.root / s.model.path).stat()
    s.key = verified_cache.key_for(s.model, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    if s.reuse:
        s.cached = verified_cache.lookup(s.ws, s.model.version, s.key)
        if s.cached is not None:
            s.fitted = s.cached.fitted
    return f"SHA-256 {s.model.sha256[:12]}… matches ({len(s.data):,} bytes)"


def _reused(s: _State, name: str) -> str:
    """A step this version passed before under the same key: its recorded result."""
    assert s.cached is not None
    if name == "known_answer":  # the reference itself must still be intact
        registry.read_golden(s.ws, s.model)
    earlier = s.cached.check(name)
    detail = str(earlier["detail"]) if earlier else "passed"
    when = s.cached.verified_at[:16].replace("T", " ")
    return f"{detail} — pre-verified {when} UTC (same artifact, file and libraries)"


def _safe_load(s: _State, _name: str) -> str:
    registry.refuse_untrusted(s.model.trusted, f"model {s.model.version}")
    s.pipeline = registry.load_bytes(s.model, s.data)
    fitted = getattr(s.pipeline, "feature_names_in_", None)
    s.fitted = [str(n) for n in fitted] if fitted is not None else None
    return f"skops load with {len(s.model.trusted)} recorded trusted types"


def _input_schema(s: _State, _name: str) -> str:
    workspace = dict(s.ws.config.data_schema.features)
    problems = []
    for name, kind in s.model.features.items():
        if name not in workspace:
            problems.append(f"{name} is not in the workspace schema")
        elif workspace[name] != kind:
            problems.append(f"{name} is {kind} in the model but {workspace[name]} in the workspace")
    if s.fitted is not None:
        unknown = [n for n in s.fitted if n not in s.model.features]
        if unknown:
            problems.append(f"the pipeline was fitted on undeclared columns {unknown[:3]}")
    if problems:
        raise StepFailed("; ".join(problems[:3]))
    return f"{len(s.model.features)} features match the workspace schema"


def _known_answer(s: _State, _name: str) -> str:
    import numpy as np

    from console.core.models import training

    s.golden = registry.load_golden(s.ws, s.model)
    expected = s.golden[registry.EXPECTED_SCORE].to_numpy(dtype=np.float64)
    scores = training.score(s.pipeline, s.golden, s.model.features)
    diff = np.abs(scores - expected)
    worst = float(np.max(diff)) if diff.size else 0.0
    if not np.isfinite(diff).all() or worst > KAT_TOLERANCE:
        bad = int(np.sum(~(diff <= KAT_TOLERANCE)))
        raise StepFailed(
            f"{bad} of {len(expected):,} golden rows score differently "
            f"(largest difference {worst:.3g} > {KAT_TOLERANCE:g})"
        )
    return f"{len(expected):,} golden rows reproduce (max difference {worst:.1e})"


def _latency(s: _State, _name: str) -> str:
    import numpy as np

    from console.core.models import training

    rows = s.golden.drop(columns=[registry.EXPECTED_SCORE]).head(LATENCY_CALLS)
    x = training._feature_frame(rows, s.model.features)  # same encoding as score()
    times = []
    with training._thread_limit():  # as the service scores: one OpenMP thread per core less
        for i in range(len(x)):
            one = x.iloc[i : i + 1]
            t0 = time.perf_counter()
            s.pipeline.predict_proba(one)
            times.append((time.perf_counter() - t0) * 1000.0)
    p99 = float(np.percentile(times, 99)) if times else 0.0
    if p99 > LATENCY_P99_MS:
        raise StepFailed(f"single-row p99 {p99:.1f} ms is over the {LATENCY_P99_MS:g} ms bound")
    return f"single-row p99 {p99:.1f} ms (bound {LATENCY_P99_MS:g} ms, {len(times)} calls)"


_STEPS: dict[str, Callable[[_State, str], str]] = {
    "artifact_hash": _artifact_hash,
    "safe_load": _safe_load,
    "input_schema": _input_schema,
    "known_answer": _known_answer,
    "latency": _latency,
}
#: Steps whose result depends only on what the cache key covers.
REUSABLE = frozenset({"safe_load", "known_answer", "latency"})
