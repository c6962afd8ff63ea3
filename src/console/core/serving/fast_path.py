"""A numpy scoring path for the pipelines the console trains, checked against scikit-learn.

A scikit-learn ``predict_proba`` on one record spends most of its time checking its
input (column names, dtypes, finiteness) in every step: 10-25 ms on a busy 2-core
machine, when the arithmetic takes microseconds. :func:`compile_pipeline` turns a
fitted pipeline of known step types into flat numpy arrays:

* a ``ColumnTransformer`` of ``SimpleImputer`` (numbers), ``OrdinalEncoder`` (text
  categories, unknown and missing as NaN) and ``"passthrough"`` steps, dropping the rest;
* a binary ``HistGradientBoostingClassifier``: every tree's nodes in one array, walked
  for all trees and all rows at once, level by level (a leaf points to itself). Each
  value is first put in its feature's bin: its rank among the thresholds the trees use
  for that feature, its category code, or the feature's missing slot. A node's next
  node then depends only on that bin, so each node keeps a small table of it, made
  with scikit-learn's own rules (``value <= threshold`` goes left; NaN, negative and
  unknown categories follow the node's missing direction; categories by bitset), and a
  level of the walk is one lookup;

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
    #: each node's feature (a leaf's: the constant column after the features, bin 0)
    feature: npt.NDArray[np.intp]
    #: where each node's table of next nodes starts in ``next_node`` (one entry per bin)
    offset: npt.NDArray[np.intp]
    next_node: npt.NDArray[np.intp]
    value: Floats
    roots: npt.NDArray[np.intp]
    depth: int
    baseline: float
    #: per feature of the trees' matrix: the sorted thresholds its nodes use (numbers)
    edges: tuple[Floats, ...]
    #: the categorical features' columns and their code counts (codes >= count, NaN and
    #: negative values take the missing slot, whose index is the count)
    cat_columns: npt.NDArray[np.intp]
    cat_codes: npt.NDArray[np.intp]
    #: each feature's missing slot
    missing_bin: npt.NDArray[np.intp]
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

    def bins(self, x: Floats) -> npt.NDArray[np.intp]:
        """Each value's bin, plus a last column of zeros (the leaves' "feature")."""
        n, width = x.shape
        out = np.zeros((n, width + 1), dtype=np.intp)
        for j, edges in enumerate(self.edges):
            if len(edges):
                out[:, j] = np.searchsorted(edges, x[:, j])
        if len(self.cat_columns):
            raw = x[:, self.cat_columns]
            missing = ~(raw >= 0)  # NaN or negative: scikit-learn's missing direction
            code = np.where(missing, 0, raw).astype(np.intp) & 255  # as its uint8 cast
            out[:, self.cat_columns] = np.where(missing | (code >= self.cat_codes),
                                                self.cat_codes, code)  # fmt: skip
        out[:, :width] = np.where(np.isnan(x), self.missing_bin, out[:, :width])
        return out

    def predict_proba1(self, columns: dict[str, np.ndarray]) -> Floats:
        """Probabilities of class 1."""
        x = self.matrix(columns)
        n = x.shape[0]
        if n == 0:
            return np.empty(0)
        xb = self.bins(x)
        feature, offset, next_node = self.feature, self.offset, self.next_node
        if n == 1:
            row = xb[0]
            node = self.roots.copy()
            for _ in range(self.depth):
                node = next_node[offset[node] + row[feature[node]]]
            raw = np.atleast_1d(self.value[node].sum()) + self.baseline
        else:
            rows = np.arange(n)[:, None]
            node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
            for _ in range(self.depth):
                node = next_node[offset[node] + xb[rows, feature[node]]]
            raw = self.value[node].sum(axis=1) + self.baseline
        proba: Floats = 1.0 / (1.0 + np.exp(-raw))
        return proba


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
        if transformer == "passthrough" or _identity(transformer):
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


def _identity(transformer: Any) -> bool:
    """A fitted ``"passthrough"`` (scikit-learn stores it as a FunctionTransformer)."""
    from sklearn.preprocessing import FunctionTransformer

    return (
        isinstance(transformer, FunctionTransformer)
        and transformer.func is None
        and transformer.inverse_func is None
    )


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _compile_trees(model: Any, steps: tuple[_Step, ...]) -> CompiledPipeline | None:
    if getattr(model, "n_trees_per_iteration_", 0) != 1 or len(model.classes_) != 2:
        return None
    predictors = [p[0] for p in model._predictors]
    if not predictors:
        return None
    known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    names = ("feat", "thr", "mgl", "left", "right", "val", "cat", "bits", "leaf")
    parts: dict[str, list[Any]] = {k: [] for k in names}
    bitsets: list[np.ndarray] = []
    roots, offset, bit_offset, depth = [], 0, 0, 0
    for tree in predictors:
        nodes = tree.nodes
        count = len(nodes)
        idx = np.arange(count) + offset
        leaf = nodes["is_leaf"].astype(bool)
        parts["leaf"].append(leaf)
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
    trees = {k: np.concatenate(v) for k, v in parts.items()}
    left_bits = np.concatenate(bitsets) if bit_offset else np.zeros((1, 8), np.uint32)
    known_bits = np.asarray(known, dtype=np.uint32).reshape(-1, 8)
    tables = _next_node_tables(
        trees, int(model.n_features_in_), left_bits, known_bits, np.asarray(f_idx_map, np.intp)
    )
    if tables is None:
        return None
    return CompiledPipeline(
        steps=steps,
        value=trees["val"],
        roots=np.asarray(roots, dtype=np.intp),
        depth=depth,
        baseline=float(np.asarray(model._baseline_prediction).ravel()[0]),
        **tables,
    )


def _next_node_tables(
    trees: dict[str, np.ndarray],
    width: int,
    left_bits: npt.NDArray[np.uint32],
    known_bits: npt.NDArray[np.uint32],
    known_row: npt.NDArray[np.intp],
) -> dict[str, Any] | None:
    """Each node's next node for every bin of its feature (see :meth:`CompiledPipeline.bins`):
    the fields ``feature``, ``offset``, ``next_node``, ``edges``, ``cat_columns``,
    ``cat_codes`` and ``missing_bin``; None when a feature is both numeric and
    categorical in the trees, or a node's feature is not among the ``width``."""
    leaf, cat, feat = trees["leaf"], trees["cat"], trees["feat"]
    inner = ~leaf
    if inner.any() and int(feat[inner].max()) >= width:
        return None
    is_cat = np.zeros(width, dtype=bool)
    is_cat[np.unique(feat[inner & cat])] = True
    if np.any(is_cat[feat[inner & ~cat]]):
        return None
    edges: list[Floats] = []
    slots = np.zeros(width, dtype=np.intp)  # bins of each feature, its missing slot included
    codes = np.zeros(width, dtype=np.intp)
    for f in range(width):
        on_f = inner & (feat == f)
        if is_cat[f]:
            edges.append(np.empty(0))
            rows = np.concatenate([left_bits[trees["bits"][on_f]], known_bits[known_row[[f]]]])
            codes[f] = _highest_code(rows) + 1
            slots[f] = codes[f] + 1
        else:
            edges.append(np.unique(trees["thr"][on_f]))
            slots[f] = len(edges[-1]) + 2  # ranks 0..len(edges), then the missing slot
    missing_bin = np.where(is_cat, codes, slots - 1)
    size = np.where(leaf, 1, slots[np.minimum(feat, max(width - 1, 0))] if width else 1)
    offset = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.intp)
    next_node = np.empty(int(size.sum()), dtype=np.intp)
    next_node[offset[leaf]] = trees["left"][leaf]  # a leaf points to itself
    mgl, left, right = trees["mgl"], trees["left"], trees["right"]
    for f in range(width):
        nodes = np.flatnonzero(inner & (feat == f))
        if not len(nodes):
            continue
        if is_cat[f]:
            code = np.arange(codes[f])
            word, bit = code >> 5, (code & 31).astype(np.uint32)
            goes_left = (left_bits[trees["bits"][nodes]][:, word] >> bit) & 1 == 1
            is_known = (known_bits[known_row[f], word] >> bit) & 1 == 1
            # in the node's left set: left; else known: right; else the missing way
            goes_left |= ~is_known & mgl[nodes, None]
        else:
            rank = np.searchsorted(edges[f], trees["thr"][nodes])
            goes_left = np.arange(slots[f] - 1) <= rank[:, None]  # value <= threshold
        goes_left = np.column_stack([goes_left, mgl[nodes]])  # the missing slot
        table = np.where(goes_left, left[nodes, None], right[nodes, None])
        next_node[offset[nodes, None] + np.arange(slots[f])] = table
    return {
        "feature": np.where(leaf, width, feat).astype(np.intp),
        "offset": offset,
        "next_node": next_node,
        "edges": tuple(edges),
        "cat_columns": np.flatnonzero(is_cat).astype(np.intp),
        "cat_codes": codes[is_cat],
        "missing_bin": missing_bin.astype(np.intp),
    }


def _highest_code(bitsets: npt.NDArray[np.uint32]) -> int:
    """The highest category code set in any of ``bitsets`` (rows of 8 32-bit words)."""
    words = np.bitwise_or.reduce(bitsets, axis=0) if len(bitsets) else np.zeros(8, np.uint32)
    for word in range(7, -1, -1):
        if words[word]:
            return word * 32 + int(words[word]).bit_length() - 1
    return -1


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
