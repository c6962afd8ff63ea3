"""Concept drift detectors over the time-ordered stream of labelled outcomes.

The stream is one 0/1 value per labelled prediction: 1 when the decision was wrong.
Rows without a label or decision are not part of it (counted by the caller, never fed
in as a value). Two detectors:

* :class:`DDM` (Gama et al., 2004): tracks the error rate p and its standard deviation
  s; warns at p + s > p_min + 2 s_min and signals drift at p + s > p_min + 3 s_min,
  then starts over. It starts judging after ``min_instances`` outcomes and
  ``min_errors`` errors: with rare errors an earlier minimum is luck, not a baseline.
* :class:`PageHinkley`: cumulative deviation of the values from their running mean
  (minus a tolerance ``delta``); signals drift when it rises more than ``threshold``
  above its minimum, then starts over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from console.core.base.jobs import JobContext

DETECTORS = ("ddm", "page_hinkley")


class DDM:
    name = "ddm"

    def __init__(
        self,
        min_instances: int = 100,
        min_errors: int = 100,
        warning_level: float = 2.0,
        drift_level: float = 3.0,
    ) -> None:
        self.min_instances = min_instances
        self.min_errors = min_errors
        self.warning_level = warning_level
        self.drift_level = drift_level
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.errors = 0.0
        self.p_min = math.inf
        self.s_min = math.inf
        self.ps_min = math.inf

    def update(self, error: float) -> str | None:
        """Feed one outcome (1 = wrong); returns "drift", "warning" or None."""
        self.n += 1
        self.errors += error
        p = self.errors / self.n
        s = math.sqrt(p * (1 - p) / self.n)
        if self.n < self.min_instances or self.errors < self.min_errors:
            return None  # the error rate is not known well enough yet
        if p + s <= self.ps_min:
            self.p_min, self.s_min, self.ps_min = p, s, p + s
        if p + s > self.p_min + self.drift_level * self.s_min:
            self.reset()
            return "drift"
        if p + s > self.p_min + self.warning_level * self.s_min:
            return "warning"
        return None


class PageHinkley:
    name = "page_hinkley"

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 1e-4,
    ) -> None:
        self.min_instances = min_instances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.sum = 0.0
        self.min_sum = math.inf

    def update(self, value: float) -> str | None:
        self.n += 1
        self.mean += (value - self.mean) / self.n
        self.sum = self.alpha * self.sum + (value - self.mean - self.delta)
        self.min_sum = min(self.min_sum, self.sum)
        if self.n >= self.min_instances and self.sum - self.min_sum > self.threshold:
            self.reset()
            return "drift"
        return None


def make_detector(name: str, **params: float) -> DDM | PageHinkley:
    if name == "ddm":
        return DDM(**params)  # type: ignore[arg-type]
    if name == "page_hinkley":
        return PageHinkley(**params)  # type: ignore[arg-type]
    raise ValueError(f"unknown detector {name!r}")


@dataclass(frozen=True)
class Detection:
    detector: str
    index: int  # position in the stream
    kind: str  # "drift" | "warning" (first warning before a drift)
    ts: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def detect(
    errors: npt.NDArray[np.floating[Any]] | list[float],
    detectors: tuple[str, ...] = DETECTORS,
    *,
    params: dict[str, dict[str, float]] | None = None,
    ctx: JobContext | None = None,
) -> list[Detection]:
    """Run each detector (with ``params[name]``, defaults otherwise) over ``errors``
    (finite values only) and list its detections."""
    values = np.asarray(errors, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("a concept-drift stream must hold finite values only")
    found: list[Detection] = []
    items = values.tolist()
    total = len(items) * len(detectors) or 1
    done = 0
    for name in detectors:
        det = make_detector(name, **(params or {}).get(name, {}))
        warned = False
        for i, x in enumerate(items):
            if ctx is not None and i % 20_000 == 0:
                ctx.progress((done + i) / total, f"Running {name} over the outcomes")
            state = det.update(x)
            if state == "warning" and not warned:
                found.append(Detection(name, i, "warning"))
                warned = True
            elif state == "drift":
                found.append(Detection(name, i, "drift"))
                warned = False
        done += len(items)
    return found
