"""Multivariate drift: PCA reconstruction error of the numeric features.

The reference's numeric features are standardised and reduced to the principal
components that explain ``VARIANCE_KEPT`` of their variance. Data from the same joint
distribution reconstructs as well as the reference did; a change in how the features
move together (a correlation that breaks, while every feature alone looks the same)
raises the reconstruction error. The threshold is the reference's own chunk-to-chunk
spread: mean + ``SIGMAS`` standard deviations of the error over reference chunks of the
current sample's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.drift import stats

if TYPE_CHECKING:
    import pandas as pd

VARIANCE_KEPT = 0.9
SIGMAS = 3.0
MAX_FIT_ROWS = 200_000
CHUNKS = 20
MIN_ROWS = 100


@dataclass(frozen=True)
class PcaModel:
    columns: list[str]
    mean: stats.FloatArray
    scale: stats.FloatArray
    components: stats.FloatArray  # k x d
    errors: stats.FloatArray  # per reference row (sample), for the chunk threshold


@dataclass(frozen=True)
class MultivariateDrift:
    method: str
    score: float | None  # mean reconstruction error of the current data
    reference_score: float | None
    threshold: float | None
    drifted: bool | None
    components: int
    columns: list[str]
    note: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _matrix(frame: pd.DataFrame, columns: list[str], model: PcaModel | None) -> stats.FloatArray:
    x = np.column_stack(
        [
            np.asarray(frame[c].to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
            for c in columns
        ]
    )
    x[~np.isfinite(x)] = np.nan
    means = model.mean if model is not None else np.nanmean(x, axis=0)
    rows, cols = np.nonzero(np.isnan(x))
    x[rows, cols] = np.asarray(means)[cols]  # impute with the reference mean
    return x


def fit(frame: pd.DataFrame, columns: list[str], *, seed: int = 0) -> PcaModel | None:
    """Fit on (a sample of) the reference; None when fewer than 2 usable columns/rows."""
    usable = [c for c in columns if c in frame.columns]
    if len(usable) < 2 or len(frame) < MIN_ROWS:
        return None
    sample = frame[usable]
    if len(sample) > MAX_FIT_ROWS:
        sample = sample.sample(MAX_FIT_ROWS, random_state=seed)
    with np.errstate(all="ignore"):
        x = _matrix(sample, usable, None)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
    keep = np.isfinite(mean) & (scale > 0)
    if keep.sum() < 2:
        return None
    usable = [c for c, k in zip(usable, keep, strict=True) if k]
    x, mean, scale = x[:, keep], mean[keep], scale[keep]
    z = (x - mean) / scale
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    explained = np.cumsum(s**2) / np.sum(s**2)
    k = int(np.searchsorted(explained, VARIANCE_KEPT) + 1)
    k = min(max(k, 1), len(usable) - 1)
    model = PcaModel(usable, mean, scale, vt[:k], np.empty(0))
    return PcaModel(usable, mean, scale, vt[:k], _errors(model, z))


def _errors(model: PcaModel, z: stats.FloatArray) -> stats.FloatArray:
    recon = (z @ model.components.T) @ model.components
    return np.asarray(np.sqrt(np.sum((z - recon) ** 2, axis=1)), dtype=np.float64)


def compare(model: PcaModel | None, current: pd.DataFrame, *, seed: int = 0) -> MultivariateDrift:
    if model is None:
        return MultivariateDrift(
            "pca_reconstruction", None, None, None, None, 0, [],
            "fewer than two numeric features (or 100 reference rows) vary: not computed",
        )  # fmt: skip
    missing = [c for c in model.columns if c not in current.columns]
    if missing or len(current) < MIN_ROWS:
        why = f"current data lacks {missing}" if missing else "fewer than 100 current rows"
        return MultivariateDrift(
            "pca_reconstruction", None, None, None, None, len(model.components),
            model.columns, f"{why}: not computed",
        )  # fmt: skip
    with np.errstate(all="ignore"):
        z = (_matrix(current, model.columns, model) - model.mean) / model.scale
    score = float(_errors(model, z).mean())
    rng = np.random.default_rng(seed)
    size = min(len(current), model.errors.size // 2)
    chunk_means = np.array(
        [rng.choice(model.errors, size, replace=False).mean() for _ in range(CHUNKS)]
    )
    ref_score = float(model.errors.mean())
    threshold = float(chunk_means.mean() + SIGMAS * chunk_means.std())
    drifted = score > threshold
    return MultivariateDrift(
        "pca_reconstruction", score, ref_score, threshold, drifted, len(model.components),
        model.columns,
        f"mean reconstruction error {score:.3g} vs reference {ref_score:.3g} "
        f"(threshold {threshold:.3g}): "
        + ("the features no longer move together as in the reference" if drifted
           else "joint structure unchanged"),
    )  # fmt: skip
