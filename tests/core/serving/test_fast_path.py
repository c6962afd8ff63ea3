"""The compiled scoring path: scikit-learn's scores to 1e-6, or scikit-learn itself."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from console.core.base.workspace import Workspace
from console.core.models import registry
from console.core.serving import fast_path, model_holder, scoring
from console.core.serving.model_holder import ModelHolder, load_production
from tests.core import serving_models
from tests.core.registry_helpers import FEATURES, register, trained


def request_columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return scoring.golden_columns(frame, FEATURES)


def awkward_rows() -> pd.DataFrame:
    """Holdout rows with an unknown category, missing categories and missing numbers."""
    frame = trained(1).holdout[list(FEATURES)].head(400).reset_index(drop=True)
    categories = [n for n, k in FEATURES.items() if k == "category"]
    numbers = [n for n, k in FEATURES.items() if k != "category"]
    frame[categories[0]] = frame[categories[0]].astype(object)
    frame.loc[0, categories[0]] = "a value never seen in training"
    frame.loc[1:5, categories[0]] = None
    frame.loc[6:9, numbers[0]] = np.nan
    frame.loc[10, numbers] = np.nan
    return frame


def sklearn_scores(pipeline: object, columns: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(pipeline.predict_proba(pd.DataFrame(columns))[:, 1])  # type: ignore[attr-defined]


def test_compiled_pipeline_scores_as_scikit_learn_does() -> None:
    pipeline = trained(1).pipeline
    compiled = fast_path.compile_pipeline(pipeline)
    assert compiled is not None
    columns = request_columns(awkward_rows())
    expected = sklearn_scores(pipeline, columns)
    np.testing.assert_allclose(compiled.predict_proba1(columns), expected, rtol=0, atol=1e-6)
    one = {name: values[:1] for name, values in columns.items()}
    np.testing.assert_allclose(compiled.predict_proba1(one), expected[:1], rtol=0, atol=1e-6)
    assert fast_path.verified(compiled, pipeline, columns)[0]


def test_a_compiled_path_that_differs_is_refused() -> None:
    pipeline = trained(1).pipeline
    compiled = fast_path.compile_pipeline(pipeline)
    assert compiled is not None
    skewed = dataclasses.replace(compiled, baseline=compiled.baseline + 1e-3)
    same, worst = fast_path.verified(skewed, pipeline, request_columns(awkward_rows()))
    assert not same
    assert worst > fast_path.TOLERANCE


def test_other_pipelines_do_not_compile() -> None:
    assert fast_path.compile_pipeline(serving_models.fit()) is None  # scaler + logistic
    assert fast_path.compile_pipeline(object()) is None


def test_service_uses_the_checked_fast_path(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws", "alice") as ws:
        register(ws, "1.0.0", stage="production")
        loaded = load_production(ws)
        assert loaded.compiled is not None
        assert loaded.compiled_note.startswith("fast path: golden set reproduced")
        golden = registry.load_golden(ws, registry.require(ws, "1.0.0"))
        columns = request_columns(golden.head(50))
        np.testing.assert_allclose(
            scoring.predict(loaded, columns),
            golden[registry.EXPECTED_SCORE].head(50).to_numpy(),
            rtol=0,
            atol=1e-6,
        )


def test_service_falls_back_to_scikit_learn(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws", "alice") as ws:
        serving_models.with_models(ws)
        loaded = load_production(ws)
        assert loaded.compiled is None
        assert loaded.compiled_note.startswith("scikit-learn")
        columns = {name: np.array([1.0, 2.0]) for name in serving_models.FEATURES}
        np.testing.assert_allclose(
            scoring.predict(loaded, columns), sklearn_scores(loaded.pipeline, columns)
        )


def test_switching_back_loads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workspace.create(tmp_path / "ws", "alice") as ws:
        serving_models.with_models(ws)
        holder = ModelHolder(ws)
        loads: list[str] = []
        real = model_holder.load_version

        def counting(ws: Workspace, model: registry.ModelVersion) -> object:
            loads.append(model.version)
            return real(ws, model)

        monkeypatch.setattr(model_holder, "load_version", counting)
        for version in ("1.1.0", "1.0.0", "1.1.0", "1.0.0"):
            serving_models.switch_production(ws, version)
            assert holder.poll_once()
            assert holder.current.version == version
        assert loads == ["1.1.0"]  # 1.0.0 was loaded at start and stayed loaded


def hand_made_pipeline() -> object:
    """Numbers passed through (NaN reaches the trees), a category, and a last column no
    tree splits on (constant), trained on a rule the trees can learn."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame(
        {
            "amount": rng.gamma(2.0, 50.0, n),
            "hour": rng.integers(0, 24, n).astype(float),
            "shop": rng.choice(["a", "b", "c", "d", "e"], n),
            "constant": np.ones(n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "amount"] = np.nan
    label = (frame["amount"].fillna(500) > 120) ^ frame["shop"].isin(["b", "d"])
    encoder = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
    )
    pre = ColumnTransformer(
        [
            ("num", "passthrough", ["amount", "hour"]),
            ("cat", encoder, ["shop"]),
            ("rest", "passthrough", ["constant"]),
        ]
    )
    model = HistGradientBoostingClassifier(max_iter=30, categorical_features=[2], random_state=0)
    return Pipeline([("pre", pre), ("model", model)]).fit(frame, label)


def test_values_on_thresholds_missing_and_unknown_go_where_scikit_learn_sends_them() -> None:
    pipeline = hand_made_pipeline()
    compiled = fast_path.compile_pipeline(pipeline)
    assert compiled is not None
    # every threshold the trees use, exactly, and just around it
    edges = np.concatenate([e for e in compiled.edges if len(e)])
    on_edges = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf)])
    rows = pd.DataFrame(
        {
            "amount": np.resize(np.concatenate([on_edges, [np.nan, np.inf, -np.inf]]), 600),
            "hour": np.resize(np.concatenate([on_edges[::-1], [np.nan, 0.0]]), 600),
            "shop": np.resize(np.array(["a", "b", "c", "d", "e", "never seen", None], object), 600),
            "constant": np.ones(600),
        }
    )
    columns = {name: rows[name].to_numpy() for name in rows}
    expected = sklearn_scores(pipeline, columns)
    np.testing.assert_allclose(compiled.predict_proba1(columns), expected, rtol=0, atol=1e-12)
    for i in (0, len(edges), 598, 599):  # one record at a time, as the service scores
        one = {name: values[i : i + 1] for name, values in columns.items()}
        np.testing.assert_allclose(compiled.predict_proba1(one), expected[i : i + 1], atol=1e-12)
