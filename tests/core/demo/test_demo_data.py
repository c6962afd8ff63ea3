"""Behaviour of the synthetic transaction generator (console.core.demo.data)."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from console.core.demo.data import (
    FEATURES,
    NEW_COUNTRY,
    SEGMENTS,
    DriftSpec,
    generate_transactions,
)

START = dt.date(2024, 6, 3)  # a Monday
DRIFT_DAY = START + dt.timedelta(days=5)


@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    """Ten undrifted days, 5,000 rows a day."""
    return generate_transactions(START, 10, 5_000, seed=7)


@pytest.fixture(scope="module")
def data_drifted() -> pd.DataFrame:
    """The same ten days with data drift from the sixth day on."""
    return generate_transactions(
        START, 10, 5_000, seed=7, drift=DriftSpec(data_drift_from=DRIFT_DAY)
    )


def _before(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["ts"].dt.date < DRIFT_DAY]


def _after(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["ts"].dt.date >= DRIFT_DAY]


def test_features_and_segments_are_declared_consistently() -> None:
    required = {
        "amount": "number",
        "merchant_category": "category",
        "hour": "integer",
        "country": "category",
        "channel": "category",
        "card_age_days": "integer",
        "distance_from_home_km": "number",
        "tx_velocity_24h": "integer",
    }
    assert required.items() <= FEATURES.items()
    assert 9 <= len(FEATURES) <= 11
    assert set(FEATURES.values()) <= {"number", "integer", "category"}
    assert SEGMENTS == ("channel", "country")
    assert all(FEATURES[s] == "category" for s in SEGMENTS)


def test_columns_dtypes_and_order(plain: pd.DataFrame) -> None:
    assert list(plain.columns) == ["transaction_id", "ts", *FEATURES, "is_fraud"]
    assert isinstance(plain["ts"].dtype, pd.DatetimeTZDtype)
    assert str(plain["ts"].dt.tz) == "UTC"
    assert plain["ts"].is_monotonic_increasing
    assert plain["is_fraud"].dtype == np.int8
    assert set(plain["is_fraud"].unique()) == {0, 1}
    for name, kind in FEATURES.items():
        col = plain[name]
        if kind == "number":
            assert col.dtype == np.float64, name
        elif kind == "integer":
            assert pd.api.types.is_integer_dtype(col.dtype), name
        else:
            assert pd.api.types.is_string_dtype(col.dtype), name
    assert pd.api.types.is_string_dtype(plain["transaction_id"].dtype)


def test_values_are_plausible(plain: pd.DataFrame) -> None:
    assert (plain["hour"] == plain["ts"].dt.hour).all()
    assert plain["hour"].between(0, 23).all()
    assert set(plain["channel"]) == {"pos", "contactless", "online", "atm"}
    assert 10 <= plain["merchant_category"].nunique() <= 14
    assert 6 <= plain["country"].nunique() <= 10
    assert (plain["country"] == "DE").mean() > 0.8
    assert (plain["amount"] > 0).all()
    assert (plain["card_age_days"] >= 0).all()
    assert (plain["tx_velocity_24h"] >= 0).all()
    assert set(plain["is_new_merchant"].unique()) == {0, 1}
    assert (plain["amount_vs_avg"] > 0).all()
    # Daily cycle: far more traffic at noon than at 3 a.m.
    by_hour = plain["hour"].value_counts()
    assert by_hour[12] > 5 * by_hour[3]
    # The fraud signal points the documented way.
    fraud = plain[plain["is_fraud"] == 1]
    legit = plain[plain["is_fraud"] == 0]
    assert fraud["amount"].median() > 2 * legit["amount"].median()
    assert (fraud["hour"] <= 5).mean() > 2 * (legit["hour"] <= 5).mean()


def test_same_seed_same_frame_and_other_seed_differs() -> None:
    a = generate_transactions(START, 3, 2_000, seed=11)
    b = generate_transactions(START, 3, 2_000, seed=11)
    pd.testing.assert_frame_equal(a, b)
    c = generate_transactions(START, 3, 2_000, seed=12)
    assert not a["amount"].equals(c["amount"])


def test_a_day_does_not_depend_on_the_window_it_was_generated_in() -> None:
    window = generate_transactions(START, 3, 2_000, seed=4)
    third_day = START + dt.timedelta(days=2)
    alone = generate_transactions(third_day, 1, 2_000, seed=4)
    from_window = window[window["ts"].dt.date == third_day].reset_index(drop=True)
    pd.testing.assert_frame_equal(from_window, alone)


def test_ids_are_unique_across_separately_generated_days() -> None:
    day1 = generate_transactions(START, 1, 3_000, seed=0)
    day2 = generate_transactions(START + dt.timedelta(days=1), 1, 3_000, seed=0)
    other_seed = generate_transactions(START, 1, 3_000, seed=1)
    ids = pd.concat([day1["transaction_id"], day2["transaction_id"], other_seed["transaction_id"]])
    assert ids.is_unique
    assert day1["transaction_id"].iloc[0] == "tx-20240603-0-0000000"
    assert day2["transaction_id"].str.startswith("tx-20240604-0-").all()


def test_fraud_rate_is_near_target(plain: pd.DataFrame) -> None:
    assert 0.007 <= plain["is_fraud"].mean() <= 0.013
    higher = generate_transactions(START, 5, 4_000, seed=2, fraud_rate=0.04)
    assert 0.032 <= higher["is_fraud"].mean() <= 0.048


def test_daily_volume_follows_weekly_pattern_within_ten_percent(plain: pd.DataFrame) -> None:
    per_day = plain.groupby(plain["ts"].dt.date).size()
    assert len(per_day) == 10
    assert per_day.between(4_500, 5_500).all()
    assert per_day.nunique() > 1
    saturday = per_day[START + dt.timedelta(days=5)]
    monday = per_day[START]
    assert saturday > monday


def test_missing_values_only_in_distance(plain: pd.DataFrame) -> None:
    missing = plain.isna().sum()
    assert missing.drop("distance_from_home_km").eq(0).all()
    share = plain["distance_from_home_km"].isna().mean()
    assert 0.01 <= share <= 0.06
    numeric = plain.select_dtypes("number").to_numpy(dtype=np.float64)
    assert not np.isinf(numeric).any()


def test_data_drift_moves_distributions_only_after_the_date(
    plain: pd.DataFrame, data_drifted: pd.DataFrame
) -> None:
    # Before the date the drifted run is the undrifted run, row for row.
    pd.testing.assert_frame_equal(
        _before(data_drifted).reset_index(drop=True), _before(plain).reset_index(drop=True)
    )
    reference = _before(plain)
    ks_same = ks_2samp(reference["amount"], _after(plain)["amount"]).statistic
    ks_drift = ks_2samp(reference["amount"], _after(data_drifted)["amount"]).statistic
    assert ks_same < 0.03
    assert ks_drift > 0.08
    assert _after(data_drifted)["amount"].median() > 1.2 * reference["amount"].median()
    online_before = (reference["channel"] == "online").mean()
    online_after = (_after(data_drifted)["channel"] == "online").mean()
    assert online_after > online_before + 0.05
    hour_shift = _after(data_drifted)["hour"].mean() - reference["hour"].mean()
    assert hour_shift > 0.5


def test_new_country_appears_only_after_data_drift(
    plain: pd.DataFrame, data_drifted: pd.DataFrame
) -> None:
    assert NEW_COUNTRY not in set(plain["country"])
    assert NEW_COUNTRY not in set(_before(data_drifted)["country"])
    assert (_after(data_drifted)["country"] == NEW_COUNTRY).sum() > 50


def test_concept_drift_changes_fraud_not_features(plain: pd.DataFrame) -> None:
    drifted = generate_transactions(
        START, 10, 5_000, seed=7, drift=DriftSpec(concept_drift_from=DRIFT_DAY)
    )
    # Features are drawn identically; only the labels after the date differ.
    pd.testing.assert_frame_equal(drifted.drop(columns="is_fraud"), plain.drop(columns="is_fraud"))
    pd.testing.assert_frame_equal(_before(drifted), _before(plain))
    after, plain_after = _after(drifted), _after(plain)
    assert 0.006 <= after["is_fraud"].mean() <= 0.015
    grocery_share = after.loc[after["is_fraud"] == 1, "merchant_category"].eq("grocery").mean()
    plain_share = plain_after.loc[plain_after["is_fraud"] == 1, "merchant_category"].eq("grocery")
    assert grocery_share > plain_share.mean() + 0.2
    assert after.loc[after["is_fraud"] == 1, "amount"].median() < 40


def test_zero_strength_means_no_drift(plain: pd.DataFrame) -> None:
    none = generate_transactions(
        START,
        10,
        5_000,
        seed=7,
        drift=DriftSpec(data_drift_from=START, concept_drift_from=START, strength=0.0),
    )
    pd.testing.assert_frame_equal(none, plain)


def test_strength_scales_data_drift(plain: pd.DataFrame, data_drifted: pd.DataFrame) -> None:
    half = generate_transactions(
        START, 10, 5_000, seed=7, drift=DriftSpec(data_drift_from=DRIFT_DAY, strength=0.5)
    )
    median = [_after(f)["amount"].median() for f in (plain, half, data_drifted)]
    assert median[0] < median[1] < median[2]


def test_empty_results_keep_the_layout() -> None:
    for frame in (generate_transactions(START, 0, 100), generate_transactions(START, 2, 0)):
        assert frame.empty
        assert list(frame.columns) == ["transaction_id", "ts", *FEATURES, "is_fraud"]
        assert isinstance(frame["ts"].dtype, pd.DatetimeTZDtype)
        assert frame["is_fraud"].dtype == np.int8


@pytest.mark.parametrize(
    "kwargs",
    [{"days": -1}, {"per_day": -5}, {"seed": -1}, {"fraud_rate": 0.0}, {"fraud_rate": 1.0}],
)
def test_invalid_arguments_raise(kwargs: dict[str, float]) -> None:
    args: dict[str, float] = {"days": 1, "per_day": 10, **kwargs}
    with pytest.raises(ValueError, match=r"must be"):
        generate_transactions(START, **args)  # type: ignore[arg-type]


def test_negative_drift_strength_is_rejected() -> None:
    with pytest.raises(ValueError, match="strength"):
        DriftSpec(data_drift_from=START, strength=-1.0)


def test_generation_is_vectorised() -> None:
    generate_transactions(START, 1, 1_000)  # warm caches (mechanism calibration)
    t0 = time.perf_counter()
    frame = generate_transactions(START, 10, 10_000, seed=3)
    elapsed = time.perf_counter() - t0
    assert len(frame) > 90_000
    # ~0.2 s on two cores; a generous bound so a busy CI machine does not flake.
    assert elapsed < 3.0
