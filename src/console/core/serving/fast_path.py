"""A numpy scoring path for the pipelines the console trains, checked against scikit-learn.

A scikit-learn ``predict_proba`` on one record spends most of its time checking its
input (column names, dtypes, finiteness) in every step: 10-25 ms on a busy 2-core
machine, when the arithmetic takes microseconds. :func:`compile_pipeline` turns a
fitted pipeline of known step types into flat numpy arrays:

* a ``ColumnTransformer`` of ``SimpleImputer`` (numbers), ``OrdinalEncoder`` (text
  categories, unknown and missing as NaN) and ``"passthrough"`` steps, dropping the rest;
* a binary ``HistGradientBoostingClassifier``: every tree's nodes in one array, walked
  for all trees and all rows at once, level by level (a leaf points to itself), with the
  same rules as scikit-learn's own predictor (NaN and unknown categories follow the
  node's missing direction; categories by bitset);

and returns None for anything else. The service uses the compiled path for a version
only after :func:`verified` found it reproduces scikit-learn's scores on the version's
golden set to :data:`TOLERANCE`; otherwise scikit-learn scores, as before.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

TOLERANCE = 1e-6

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Step:
    kind: str  # "impute", "encode" or "pass"
    columns: tuple[str, ...]
    fill: tuple[float, ...] = ()
    codes: tuple[dict[Any, float], ...] = ()


@dataclass(frozen=True)
class CompiledPipeline:
    """Scores feature columns (as the service prepares them) like the pipeline did."""

    steps: tuple[_Step, ...]
    feature: npt.NDArray[np.intp]
    threshold: Floats
    missing_left: npt.NDArray[np.bool_]
    left: npt.NDArray[np.intp]
    right: npt.NDArray[np.intp]
    value: Floats
    categorical: npt.NDArray[np.bool_]
    bitset: npt.NDArray[np.intp]
    left_bitsets: npt.NDArray[np.uint32]
    known_bitsets: npt.NDArray[np.uint32]
    known_row: npt.NDArray[np.intp]
    roots: npt.NDArray[np.intp]
    depth: int
    baseline: float
    #: the classifier's own re-encoding of its categorical columns (scikit-learn >= 1.4
    #: encodes them again and puts them first): (column, sorted known values) pairs,
    #: then the numeric columns' indices
    inner_categories: tuple[tuple[int, Floats], ...] = ()
    inner_numeric: tuple[int, ...] | None = None

    def matrix(self, columns: dict[str, np.ndarray]) -> Floats:
        """The preprocessed matrix: the ColumnTransformer's output."""
        parts: list[Floats] = []
        for step in self.steps:
            for n, name in enumerate(step.columns):
                raw = columns[name]
                if step.kind == "encode":
                    codes = step.codes[n]
                    parts.append(np.fromiter((_code(codes, v) for v in raw), np.float64, len(raw)))
                elif step.kind == "impute":
                    col = np.asarray(raw, dtype=np.float64)
                    parts.append(np.where(np.isnan(col), step.fill[n], col))
                else:
                    parts.append(np.asarray(raw, dtype=np.float64))
        x = np.column_stack(parts) if parts else np.empty((0, 0))
        if self.inner_numeric is None:
            return x
        inner = [_encode_float(x[:, j], known) for j, known in self.inner_categories]
        inner += [x[:, j] for j in self.inner_numeric]
        return np.column_stack(inner)

    def predict_proba1(self, columns: dict[str, np.ndarray]) -> Floats:
        """Probabilities of class 1."""
        x = self.matrix(columns)
        n = x.shape[0]
        if n == 0:
            return np.empty(0)
        rows = np.arange(n)[:, None]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        for _ in range(self.depth):
            feat = self.feature[node]
            val = x[rows, feat]
            missing = np.isnan(val)
            go_left = np.where(missing, self.missing_left[node], val <= self.threshold[node])
            cat = self.categorical[node] & ~missing
            if cat.any():
                go_left[cat] = self._categorical_left(node[cat], feat[cat], val[cat])
            node = np.where(go_left, self.left[node], self.right[node])
        raw = self.value[node].sum(axis=1) + self.baseline
        proba: Floats = 1.0 / (1.0 + np.exp(-raw))
        return proba

    def _categorical_left(
        self, node: npt.NDArray[np.intp], feat: npt.NDArray[np.intp], val: Floats
    ) -> npt.NDArray[np.bool_]:
        negative = val < 0
        code = np.where(negative, 0, val).astype(np.intp) & 255
        word, bit = code >> 5, (code & 31).astype(np.uint32)
        in_left = (self.left_bitsets[self.bitset[node], word] >> bit) & 1 == 1
        known = (self.known_bitsets[self.known_row[feat], word] >> bit) & 1 == 1
        missing_way = self.missing_left[node]
        # scikit-learn: negative -> missing; in the left set -> left; known -> right;
        # an unknown category -> missing
        return np.where(negative, missing_way, in_left | (~known & missing_way))


def _encode_float(column: Floats, known: Floats) -> Floats:
    """The index of each value in sorted ``known``; NaN when absent or missing."""
    if not len(known):
        return np.full(len(column), np.nan)
    pos = np.searchsorted(known, column)
    clipped = np.minimum(pos, len(known) - 1)
    found = (pos < len(known)) & (known[clipped] == column)
    return np.where(found, clipped.astype(np.float64), np.nan)


def _code(codes: dict[Any, float], value: Any) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    return codes.get(value, math.nan)


def compile_pipeline(pipeline: Any) -> CompiledPipeline | None:
    """The compiled form of ``pipeline``, or None when a step is of another kind."""
    try:
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.pipeline import Pipeline
    except ImportError:
        return None
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        return None
    pre, model = pipeline.steps[0][1], pipeline.steps[1][1]
    if not isinstance(pre, ColumnTransformer) or not isinstance(
        model, HistGradientBoostingClassifier
    ):
        return None
    steps = _compile_columns(pre)
    if steps is None:
        return None
    inner = _compile_inner(model)
    if inner is None:
        return None
    compiled = _compile_trees(model, steps)
    if compiled is None or inner == ((), None):
        return compiled
    return dataclasses.replace(compiled, inner_categories=inner[0], inner_numeric=inner[1])


_Inner = tuple[tuple[tuple[int, Floats], ...], tuple[int, ...] | None]


def _compile_inner(model: Any) -> _Inner | None:
    """The classifier's internal category encoding: ((), None) when it has none, None
    when it is of a form this module does not know."""
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

    inner = getattr(model, "_preprocessor", None)
    if inner is None:
        return (), None
    named = {name: (t, cols) for name, t, cols in inner.transformers_}
    if set(named) - {"encoder", "numerical", "remainder"}:
        return None
    encoder, cat_mask = named["encoder"]
    numerical, num_mask = named["numerical"]
    if not isinstance(encoder, OrdinalEncoder) or not isinstance(numerical, FunctionTransformer):
        return None
    if "remainder" in named and named["remainder"][0] != "drop" and len(named["remainder"][1]):
        return None
    if not (_is_nan(encoder.unknown_value) and _is_nan(encoder.encoded_missing_value)):
        return None
    cat_idx = np.flatnonzero(np.asarray(cat_mask, dtype=bool))
    num_idx = np.flatnonzero(np.asarray(num_mask, dtype=bool))
    categories = []
    for j, known in zip(cat_idx, encoder.categories_, strict=True):
        values = np.asarray(known, dtype=np.float64)
        if np.isnan(values).any() and not np.isnan(values[-1]):
            return None
        values = values[~np.isnan(values)]
        if np.any(np.diff(values) <= 0):
            return None
        categories.append((int(j), values))
    return tuple(categories), tuple(int(j) for j in num_idx)


def _compile_columns(pre: Any) -> tuple[_Step, ...] | None:
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OrdinalEncoder

    steps: list[_Step] = []
    for name, transformer, cols in pre.transformers_:
        if name == "remainder":
            if transformer != "drop":
                return None
            continue
        if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
            return None
        if transformer == "drop":
            continue
        if transformer == "passthrough":
            steps.append(_Step("pass", tuple(cols)))
        elif isinstance(transformer, SimpleImputer):
            fill = np.asarray(transformer.statistics_, dtype=np.float64)
            if (
                transformer.add_indicator
                or not (isinstance(transformer.missing_values, float))
                or not math.isnan(transformer.missing_values)
                or np.isnan(fill).any()
            ):
                return None
            steps.append(_Step("impute", tuple(cols), fill=tuple(float(f) for f in fill)))
        elif isinstance(transformer, OrdinalEncoder):
            unknown, missing = transformer.unknown_value, transformer.encoded_missing_value
            if (
                transformer.handle_unknown != "use_encoded_value"
                or not _is_nan(unknown)
                or not _is_nan(missing)
                or getattr(transformer, "_infrequent_enabled", False)
            ):
                return None
            codes = tuple(
                {v: float(i) for i, v in enumerate(cats) if isinstance(v, str)}
                for cats in transformer.categories_
            )
            steps.append(_Step("encode", tuple(cols), codes=codes))
        else:
            return None
    return tuple(steps)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _compile_trees(model: Any, steps: tuple[_Step, ...]) -> CompiledPipeline | None:
    if getattr(model, "n_trees_per_iteration_", 0) != 1 or len(model.classes_) != 2:
        return None
    predictors = [p[0] for p in model._predictors]
    if not predictors:
        return None
    known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    names = ("feat", "thr", "mgl", "left", "right", "val", "cat", "bits")
    parts: dict[str, list[Any]] = {k: [] for k in names}
    bitsets: list[np.ndarray] = []
    roots, offset, bit_offset, depth = [], 0, 0, 0
    for tree in predictors:
        nodes = tree.nodes
        count = len(nodes)
        idx = np.arange(count) + offset
        leaf = nodes["is_leaf"].astype(bool)
        parts["feat"].append(np.where(leaf, 0, nodes["feature_idx"]).astype(np.intp))
        parts["thr"].append(nodes["num_threshold"].astype(np.float64))
        parts["mgl"].append(nodes["missing_go_to_left"].astype(bool))
        parts["left"].append(np.where(leaf, idx, nodes["left"].astype(np.intp) + offset))
        parts["right"].append(np.where(leaf, idx, nodes["right"].astype(np.intp) + offset))
        parts["val"].append(np.where(leaf, nodes["value"], 0.0).astype(np.float64))
        parts["cat"].append(nodes["is_categorical"].astype(bool) & ~leaf)
        parts["bits"].append(nodes["bitset_idx"].astype(np.intp) + bit_offset)
        raw_bits = np.asarray(tree.raw_left_cat_bitsets, dtype=np.uint32).reshape(-1, 8)
        bitsets.append(raw_bits)
        bit_offset += len(raw_bits)
        roots.append(offset)
        offset += count
        depth = max(depth, int(nodes["depth"].max()))
    left_bits = np.concatenate(bitsets) if bit_offset else np.zeros((1, 8), np.uint32)
    cat = np.concatenate(parts["cat"])
    bits = np.where(cat, np.concatenate(parts["bits"]), 0)
    known_bits = np.asarray(known, dtype=np.uint32).reshape(-1, 8)
    if not len(known_bits):
        known_bits = np.zeros((1, 8), np.uint32)
    return CompiledPipeline(
        steps=steps,
        feature=np.concatenate(parts["feat"]),
        threshold=np.concatenate(parts["thr"]),
        missing_left=np.concatenate(parts["mgl"]),
        left=np.concatenate(parts["left"]),
        right=np.concatenate(parts["right"]),
        value=np.concatenate(parts["val"]),
        categorical=cat,
        bitset=bits,
        left_bitsets=left_bits,
        known_bitsets=known_bits,
        known_row=np.asarray(f_idx_map, dtype=np.intp),
        roots=np.asarray(roots, dtype=np.intp),
        depth=depth,
        baseline=float(np.asarray(model._baseline_prediction).ravel()[0]),
    )


def verified(
    compiled: CompiledPipeline, pipeline: Any, columns: dict[str, np.ndarray]
) -> tuple[bool, float]:
    """(True, max difference) when ``compiled`` scores ``columns`` as ``pipeline`` does
    to :data:`TOLERANCE`, row by row, and there is at least one row."""
    import pandas as pd

    expected = np.asarray(pipeline.predict_proba(pd.DataFrame(columns))[:, 1], dtype=np.float64)
    got = compiled.predict_proba1(columns)
    if not len(expected) or got.shape != expected.shape:
        return False, math.inf
    worst = float(np.max(np.abs(got - expected)))
    return worst <= TOLERANCE, worst
