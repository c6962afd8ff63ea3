"""Synthetic card transactions for demos, tests and the drift walkthrough.

The console needs data that behaves like a real fraud-scoring feed without any
customer data: plausible marginal distributions, a daily and weekly rhythm, a
rare positive class with a learnable (not perfect) signal, a few missing values
for the data-quality checks to find, and two kinds of controllable drift.

How rows are made
-----------------
Features are drawn first (``x``), then the label is drawn from a fixed fraud
mechanism ``P(fraud | x)``. Generating in that order is what makes the two drift
kinds clean:

* **data drift** (covariate shift) changes only how ``x`` is drawn: amounts grow,
  the channel mix moves online, a never-seen country code appears and activity
  moves later in the day. ``P(fraud | x)`` is untouched, so a model trained
  before the drift keeps ranking well even though the monitoring statistics
  (PSI, KS, unseen categories) light up. The observed fraud rate may move a
  little because more rows land in risky regions - as it would in reality.
* **concept drift** changes ``P(fraud | x)``: a growing share of fraud follows a
  new pattern (small daytime contactless/chip payments at domestic groceries and
  petrol stations - the places the old mechanism considered safe). Feature
  distributions barely move, but a model trained before the drift misses most of
  the new fraud and its F1 at the old threshold drops sharply.

The mechanism's intercepts are calibrated once per ``fraud_rate`` on a fixed,
undrifted reference sample, so the positive rate before any drift is close to
``fraud_rate`` and the mechanism is exactly the same function on every day.

Reproducibility
---------------
Each calendar day draws from its own ``numpy.random.default_rng`` seeded with
``(seed, date.toordinal())``. A day's rows therefore depend only on the seed, the
date and the options, not on which ``start``/``days`` window produced them:
generating 1 January alone or as part of a month gives the same rows and the
same ``transaction_id`` values, and different days never share an id.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "FEATURES",
    "SEGMENTS",
    "DriftSpec",
    "amounts_in_cents",
    "generate_transactions",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

FEATURES: Final[dict[str, str]] = {
    "amount": "number",
    "merchant_category": "category",
    "hour": "integer",
    "country": "category",
    "channel": "category",
    "card_age_days": "integer",
    "distance_from_home_km": "number",
    "tx_velocity_24h": "integer",
    "is_new_merchant": "integer",
    "amount_vs_avg": "number",
}
"""Model features in column order, name -> ``"number" | "integer" | "category"``.

* ``amount`` - transaction amount in EUR (log-normal per merchant category).
* ``merchant_category`` - one of 12 coarse merchant categories.
* ``hour`` - local hour of the transaction, 0-23 (equals ``ts.hour``).
* ``country`` - ISO 3166 alpha-2 code of the merchant; mostly domestic ("DE").
* ``channel`` - ``pos`` (chip and PIN), ``contactless``, ``online`` or ``atm``.
* ``card_age_days`` - days since the card was issued.
* ``distance_from_home_km`` - distance between merchant (or IP location for
  online payments) and the cardholder's home; missing when geolocation failed.
* ``tx_velocity_24h`` - earlier transactions on this card in the last 24 hours.
* ``is_new_merchant`` - 1 when the card never paid this merchant before, else 0.
* ``amount_vs_avg`` - amount divided by the card's 90-day average amount in the
  same merchant category (1.0 = a typical amount for this cardholder).
"""

SEGMENTS: Final[tuple[str, ...]] = ("channel", "country")
"""Categorical features the console slices monitoring metrics by."""

HOME_COUNTRY: Final = "DE"
NEW_COUNTRY: Final = "BR"
"""Country code that only ever appears after data drift starts."""

_CATEGORIES: Final = (
    "grocery",
    "restaurants",
    "fuel",
    "retail",
    "electronics",
    "travel",
    "online_services",
    "gambling",
    "entertainment",
    "health",
    "utilities",
    "cash",
)
_CHANNELS: Final = ("pos", "contactless", "online", "atm")
_POS, _CONTACTLESS, _ONLINE, _ATM = range(4)
_COUNTRIES: Final = (HOME_COUNTRY, "FR", "NL", "AT", "IT", "ES", "GB", "US", NEW_COUNTRY)
_US_INDEX: Final = _COUNTRIES.index("US")
_NEW_COUNTRY_INDEX: Final = _COUNTRIES.index(NEW_COUNTRY)

# Share of each channel: before data drift, and at data-drift strength 1.
_CHANNEL_P: Final = np.array([0.38, 0.30, 0.25, 0.07])
_CHANNEL_P_DRIFTED: Final = np.array([0.32, 0.28, 0.35, 0.05])

# Merchant category mix per channel (rows follow _CHANNELS, columns _CATEGORIES).
_CATEGORY_P: Final = np.array(
    [
        # groc  rest  fuel  retl  elec  trav  onl   gamb  ent   hlth  util  cash
        [0.26, 0.14, 0.14, 0.18, 0.06, 0.03, 0.00, 0.01, 0.06, 0.07, 0.05, 0.00],
        [0.34, 0.22, 0.10, 0.14, 0.02, 0.02, 0.00, 0.00, 0.07, 0.07, 0.02, 0.00],
        [0.05, 0.04, 0.00, 0.22, 0.12, 0.12, 0.25, 0.05, 0.07, 0.02, 0.06, 0.00],
        [0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 1.00],
    ]
)
_CATEGORY_CUMP: Final = np.cumsum(_CATEGORY_P, axis=1)

# Typical amount (EUR, median) and log-spread of a single payment per category.
_AMOUNT_MEDIAN: Final = np.array(
    [32.0, 27.0, 55.0, 48.0, 160.0, 280.0, 14.0, 40.0, 35.0, 42.0, 75.0, 120.0]
)
_AMOUNT_SIGMA: Final = np.array([0.8, 0.7, 0.45, 0.9, 1.0, 0.9, 0.9, 1.0, 0.8, 0.9, 0.6, 0.7])

# Probability that the merchant is domestic, per channel; foreign country mix.
_DOMESTIC_P: Final = np.array([0.93, 0.95, 0.75, 0.94])
_FOREIGN_P: Final = np.array([0.20, 0.17, 0.17, 0.13, 0.13, 0.12, 0.08])
_FOREIGN_CUMP: Final = np.cumsum(_FOREIGN_P)
# Probability that a row's country becomes NEW_COUNTRY at data-drift strength 1.
_NEW_COUNTRY_P: Final = np.array([0.008, 0.008, 0.03, 0.008])

# Share of distance_from_home_km left missing (geolocation failed), per channel.
_DISTANCE_MISSING_P: Final = np.array([0.02, 0.02, 0.06, 0.02])
_NEW_MERCHANT_P: Final = np.array([0.12, 0.08, 0.22, 0.05])

# Share of the day's transactions per local hour: before drift and at strength 1
# (activity two hours later: late evening and night get busier).
_HOUR_W: Final = np.array(
    [
        0.012,
        0.007,
        0.005,
        0.004,
        0.004,
        0.008,
        0.020,
        0.040,
        0.055,
        0.060,
        0.062,
        0.068,
        0.078,
        0.070,
        0.060,
        0.058,
        0.062,
        0.072,
        0.075,
        0.065,
        0.050,
        0.035,
        0.025,
        0.018,
    ]
)
_HOUR_P: Final = _HOUR_W / _HOUR_W.sum()
_HOUR_P_DRIFTED: Final = np.roll(_HOUR_P, 2)

# Daily volume relative to per_day, Monday first (busy Friday/Saturday).
_WEEKDAY_VOLUME: Final = np.array([0.94, 0.95, 0.97, 1.00, 1.07, 1.08, 0.97])

# Amount inflation (log scale) at data-drift strength 1: exp(0.3) = +35 %.
_DRIFT_LOG_INFLATION: Final = 0.3

# Fraud mechanism: per-category log-odds contributions (order of _CATEGORIES).
_RISK_CATEGORY: Final = np.array([-1.2, -0.6, -0.4, 0.3, 1.2, 0.6, 0.2, 1.4, 0.0, -0.9, -1.5, 0.4])
_RISK_CHANNEL: Final = np.array([0.0, -0.9, 0.9, 0.5])
# New (post concept drift) fraud pattern: cloned cards used for small in-store
# payments at groceries and petrol stations during the day.
_NEW_RISK_CATEGORY: Final = np.array(
    [2.5, 0.5, 1.5, -1.0, -1.5, -1.5, -1.5, -1.5, -1.0, 0.5, -1.5, -2.0]
)
_NEW_RISK_CHANNEL: Final = np.array([0.5, 1.5, -1.5, -2.0])
# Log-odds scale of each mechanism; together with the features these set how
# separable fraud is. At 6.5 the baseline reaches a holdout ROC AUC of about 0.999
# and F1 about 0.8 at a false positive rate of about 0.2 % (healthy against the
# guide's thresholds); concept drift takes F1 to about 0.2 and FPR past 1 %.
_RISK_SCALE: Final = 6.5
_NEW_RISK_SCALE: Final = 1.5
# Share of fraud following the new pattern at concept-drift strength 1.
_CONCEPT_SHARE: Final = 0.7

_HOUR_US: Final = 3_600_000_000
_REFERENCE_ROWS: Final = 40_000
_REFERENCE_SEED: Final = 20_240_601


@dataclass(frozen=True)
class DriftSpec:
    """When and how strongly the generated data drifts.

    ``data_drift_from`` starts a covariate shift (feature distributions move,
    fraud mechanism unchanged); ``concept_drift_from`` starts a change of the
    fraud mechanism itself. Both apply to every day on or after their date.
    ``strength`` scales both effects linearly: 0 is no drift, 1 the designed
    scenario, 2 twice as far (mixes are clipped to stay valid probabilities).
    """

    data_drift_from: datetime.date | None = None
    concept_drift_from: datetime.date | None = None
    strength: float = 1.0

    def __post_init__(self) -> None:
        """Reject a negative or non-finite strength early, with one clear line."""
        if not np.isfinite(self.strength) or self.strength < 0:
            raise ValueError(f"drift strength must be a finite number >= 0, got {self.strength}")


def generate_transactions(
    start: datetime.date,
    days: int,
    per_day: int,
    *,
    seed: int = 0,
    drift: DriftSpec | None = None,
    fraud_rate: float = 0.01,
) -> pd.DataFrame:
    """Return ``days`` days of synthetic card transactions starting at ``start``.

    Columns, in order: ``transaction_id`` (str, unique and deterministic, e.g.
    ``tx-20240601-0-0000042``), ``ts`` (``datetime64[us, UTC]``, ascending), the
    :data:`FEATURES` columns, then ``is_fraud`` (int8, 0/1). Each day has about
    ``per_day`` rows, varied within +-10 % by a weekly pattern; about
    ``fraud_rate`` of the rows are fraud before any drift. Only
    ``distance_from_home_km`` has missing values (NaN, a few percent).

    Raises ``ValueError`` for negative ``days``/``per_day``/``seed`` or a
    ``fraud_rate`` outside (0, 1).
    """
    if days < 0 or per_day < 0:
        raise ValueError(f"days and per_day must be >= 0, got days={days}, per_day={per_day}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if not 0.0 < fraud_rate < 1.0:
        raise ValueError(f"fraud_rate must be between 0 and 1 (exclusive), got {fraud_rate}")
    if isinstance(start, datetime.datetime):
        start = start.date()
    drift = drift or DriftSpec()
    offsets = _mechanism_offsets(float(fraud_rate))

    parts = [
        _generate_day(start + datetime.timedelta(days=i), per_day, seed, drift, offsets)
        for i in range(days)
    ]
    return _assemble(parts)


@dataclass(frozen=True)
class _Day:
    """Rows of one generated day, in ``ts`` order."""

    ids: list[str]
    ts: npt.NDArray[np.datetime64]
    x: _Features
    is_fraud: BoolArray


def _generate_day(
    day: datetime.date,
    per_day: int,
    seed: int,
    drift: DriftSpec,
    offsets: tuple[float, float],
) -> _Day:
    """Generate one calendar day; the stream depends only on (seed, day)."""
    rng = np.random.default_rng((seed, day.toordinal()))
    data_s = _strength_on(day, drift.data_drift_from, drift.strength)
    concept_s = _strength_on(day, drift.concept_drift_from, drift.strength)

    volume = _WEEKDAY_VOLUME[day.weekday()] * (1.0 + 0.02 * rng.standard_normal())
    n = round(per_day * float(np.clip(volume, 0.9, 1.1)))

    # Time of day first, sorted: rows are i.i.d., so drawing every other column
    # afterwards leaves the whole day in ts order without a reshuffle.
    hour_p = _mix(_HOUR_P, _HOUR_P_DRIFTED, data_s)
    hour = rng.choice(24, size=n, p=hour_p).astype(np.int64)
    micros = np.sort(hour * _HOUR_US + (rng.random(n) * _HOUR_US).astype(np.int64))
    hour = micros // _HOUR_US
    day_start = np.datetime64(day.isoformat(), "us")
    ts = day_start + micros.astype("timedelta64[us]")

    x = _draw_features(rng, n, hour, data_s)

    p_old = _sigmoid(_RISK_SCALE * _risk(x) + offsets[0])
    share = min(1.0, _CONCEPT_SHARE * concept_s)
    if share > 0.0:
        p_new = _sigmoid(_NEW_RISK_SCALE * _new_risk(x) + offsets[1])
        p_fraud = (1.0 - share) * p_old + share * p_new
    else:
        p_fraud = p_old
    is_fraud = rng.random(n) < p_fraud

    prefix = f"tx-{day:%Y%m%d}-{seed}-"
    return _Day(ids=[f"{prefix}{k:07d}" for k in range(n)], ts=ts, x=x, is_fraud=is_fraud)


@dataclass(frozen=True)
class _Features:
    """Feature arrays of a batch of rows; categories as integer codes."""

    amount: FloatArray
    category: IntArray
    hour: IntArray
    country: IntArray
    channel: IntArray
    card_age_days: IntArray
    distance: FloatArray
    velocity: IntArray
    new_merchant: IntArray
    amount_vs_avg: FloatArray


def _draw_features(rng: np.random.Generator, n: int, hour: IntArray, data_s: float) -> _Features:
    """Draw every feature except the hour (given) for ``n`` rows.

    ``data_s`` is the data-drift strength on this day (0 = none). Everything is
    vectorised; categorical draws use inverse-CDF lookups on per-row tables.
    """
    channel = rng.choice(4, size=n, p=_mix(_CHANNEL_P, _CHANNEL_P_DRIFTED, data_s))
    channel = channel.astype(np.int64)
    category = (rng.random(n)[:, None] >= _CATEGORY_CUMP[channel]).sum(axis=1)
    category = np.minimum(category, len(_CATEGORIES) - 1).astype(np.int64)

    # Domestic or one of the foreign countries; after data drift some rows come
    # from a country the model has never seen.
    domestic = rng.random(n) < _DOMESTIC_P[channel]
    foreign = 1 + np.minimum((rng.random(n)[:, None] >= _FOREIGN_CUMP).sum(axis=1), 6)
    country = np.where(domestic, 0, foreign).astype(np.int64)
    if data_s > 0.0:
        new_p = np.minimum(_NEW_COUNTRY_P[channel] * data_s, 0.5)
        country = np.where(rng.random(n) < new_p, _NEW_COUNTRY_INDEX, country)

    # Amount = category median x cardholder's spending level x deviation from
    # the cardholder's usual; amount_vs_avg measures that deviation (with noise
    # because the 90-day average is itself an estimate).
    card_level = np.exp(0.35 * rng.standard_normal(n))
    deviation = np.exp(_AMOUNT_SIGMA[category] * rng.standard_normal(n))
    inflation = np.exp(_DRIFT_LOG_INFLATION * data_s)
    raw_amount = _AMOUNT_MEDIAN[category] * card_level * deviation * inflation
    is_cash = category == len(_CATEGORIES) - 1
    amount = np.where(
        is_cash,
        np.maximum(np.round(raw_amount / 10.0) * 10.0, 20.0),
        np.maximum(np.round(raw_amount, 2), 0.5),
    )
    avg_noise = np.exp(0.15 * rng.standard_normal(n))
    usual = _AMOUNT_MEDIAN[category] * card_level * inflation * avg_noise
    amount_vs_avg = np.maximum(np.round(amount / usual, 3), 0.001)

    # Most cards are years old; a few percent were issued in the last two months.
    new_card = rng.random(n) < 0.06
    old_age = np.clip(np.exp(np.log(900.0) + 0.7 * rng.standard_normal(n)), 60, 4000)
    card_age_days = np.where(new_card, rng.integers(0, 60, size=n), old_age).astype(np.int64)

    # Distance: local for domestic card-present payments, wider for online (IP
    # geolocation), hundreds to thousands of km abroad.
    local_median = np.where(channel == _ONLINE, 8.0, np.where(channel == _ATM, 3.0, 4.0))
    local_sigma = np.where(channel == _ONLINE, 1.5, 1.1)
    local = local_median * np.exp(local_sigma * rng.standard_normal(n))
    far_median = np.where(
        country == _US_INDEX, 7000.0, np.where(country == _NEW_COUNTRY_INDEX, 9800.0, 700.0)
    )
    far_sigma = np.where((country == _US_INDEX) | (country == _NEW_COUNTRY_INDEX), 0.1, 0.5)
    far = far_median * np.exp(far_sigma * rng.standard_normal(n))
    distance = np.round(np.where(country == 0, local, far), 1)
    distance = np.where(rng.random(n) < _DISTANCE_MISSING_P[channel], np.nan, distance)

    velocity = rng.negative_binomial(2, 0.5, size=n).astype(np.int64)  # mean 2
    new_merchant = (rng.random(n) < _NEW_MERCHANT_P[channel]).astype(np.int64)

    return _Features(
        amount=amount.astype(np.float64),
        category=category,
        hour=hour,
        country=country,
        channel=channel,
        card_age_days=card_age_days,
        distance=distance.astype(np.float64),
        velocity=velocity,
        new_merchant=new_merchant,
        amount_vs_avg=amount_vs_avg.astype(np.float64),
    )


def _risk(x: _Features) -> FloatArray:
    """Log-odds of the original fraud mechanism (before the intercept).

    Fraud is an unusually large amount for the card, at night, abroad, online,
    in electronics/gambling, on a new card, after a burst of activity, at a new
    merchant, far from home.
    """
    night = np.where(x.hour <= 5, 1.6, np.where(x.hour >= 22, 0.7, 0.0))
    far = np.where(np.isnan(x.distance), 0.0, np.log1p(np.nan_to_num(x.distance)) - 1.6)
    risk = (
        1.1 * np.clip(np.log(x.amount_vs_avg), -2.0, 3.5)
        + 0.35 * np.clip(np.log(x.amount / 50.0), -3.0, 4.0)
        + night
        + np.where(x.country == 0, 0.0, 1.3)
        + np.where((x.country == _US_INDEX) | (x.country == _NEW_COUNTRY_INDEX), 0.5, 0.0)
        + _RISK_CHANNEL[x.channel]
        + _RISK_CATEGORY[x.category]
        + 1.4 * np.exp(-x.card_age_days / 30.0)
        + 0.45 * (np.minimum(x.velocity, 15) - 2)
        + 1.0 * x.new_merchant
        + 0.15 * far
        + 0.8 * ((x.channel == _ONLINE) & (x.new_merchant == 1) & (x.hour <= 5))
    )
    return np.asarray(risk, dtype=np.float64)


def _new_risk(x: _Features) -> FloatArray:
    """Log-odds of the post-concept-drift fraud pattern (before the intercept).

    Small daytime contactless or chip payments at domestic groceries and petrol
    stations: exactly where the original mechanism sees little risk.
    """
    daytime = np.where((x.hour >= 9) & (x.hour <= 17), 1.2, np.where(x.hour <= 5, -1.0, 0.0))
    risk = (
        _NEW_RISK_CATEGORY[x.category]
        + _NEW_RISK_CHANNEL[x.channel]
        - 1.0 * np.clip(np.log(x.amount / 30.0), -3.0, 3.0)
        + daytime
        + np.where(x.country == 0, 0.8, -0.8)
        + 0.3 * (np.minimum(x.velocity, 15) - 2)
    )
    return np.asarray(risk, dtype=np.float64)


@functools.lru_cache(maxsize=16)
def _mechanism_offsets(fraud_rate: float) -> tuple[float, float]:
    """Intercepts that make each mechanism yield ``fraud_rate`` on undrifted data.

    Solved by bisection on a fixed reference sample, so the mechanisms are the
    same functions for every call with the same ``fraud_rate``.
    """
    rng = np.random.default_rng(_REFERENCE_SEED)
    hour = rng.choice(24, size=_REFERENCE_ROWS, p=_HOUR_P).astype(np.int64)
    x = _draw_features(rng, _REFERENCE_ROWS, hour, 0.0)
    return (
        _solve_offset(_RISK_SCALE * _risk(x), fraud_rate),
        _solve_offset(_NEW_RISK_SCALE * _new_risk(x), fraud_rate),
    )


def _solve_offset(logits: FloatArray, target: float) -> float:
    """Return ``b`` with ``mean(sigmoid(logits + b)) == target`` (bisection)."""
    low, high = -60.0, 60.0
    for _ in range(80):
        mid = 0.5 * (low + high)
        if float(np.mean(_sigmoid(logits + mid))) < target:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def _sigmoid(z: FloatArray) -> FloatArray:
    """Numerically safe logistic function."""
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


def _strength_on(day: datetime.date, since: datetime.date | None, strength: float) -> float:
    """Drift strength in effect on ``day``: ``strength`` from ``since`` on, else 0."""
    if since is None or day < since:
        return 0.0
    return float(strength)


def _mix(before: FloatArray, after: FloatArray, s: float) -> FloatArray:
    """Probability vector moved a fraction ``s`` from ``before`` towards ``after``.

    ``s > 1`` extrapolates; negative entries are clipped and the result is
    renormalised so it stays a valid distribution.
    """
    p = np.clip(before + s * (after - before), 0.0, None)
    return np.asarray(p / p.sum(), dtype=np.float64)


def _assemble(parts: list[_Day]) -> pd.DataFrame:
    """Concatenate day arrays into the public frame layout (see FEATURES)."""
    empty_dtypes: dict[str, npt.DTypeLike] = {"ts": "datetime64[us]", "is_fraud": np.bool_}

    def cat(name: str) -> npt.NDArray[np.generic]:
        arrays = [
            getattr(p, name) if name in {"ts", "is_fraud"} else getattr(p.x, name) for p in parts
        ]
        if not arrays:
            return np.empty(0, dtype=empty_dtypes.get(name, np.float64))
        return np.asarray(np.concatenate(arrays))

    def labels(name: str, names: tuple[str, ...]) -> object:
        codes = cat(name).astype(np.int64)
        return pd.array(np.asarray(names, dtype=str)[codes], dtype="str")

    ids = [tx_id for p in parts for tx_id in p.ids]
    columns: dict[str, object] = {
        "transaction_id": pd.array(ids, dtype="str"),
        "ts": pd.DatetimeIndex(cat("ts").astype("datetime64[us]")).tz_localize("UTC"),
        "amount": cat("amount").astype(np.float64),
        "merchant_category": labels("category", _CATEGORIES),
        "hour": cat("hour").astype(np.int64),
        "country": labels("country", _COUNTRIES),
        "channel": labels("channel", _CHANNELS),
        "card_age_days": cat("card_age_days").astype(np.int64),
        "distance_from_home_km": cat("distance").astype(np.float64),
        "tx_velocity_24h": cat("velocity").astype(np.int64),
        "is_new_merchant": cat("new_merchant").astype(np.int64),
        "amount_vs_avg": cat("amount_vs_avg").astype(np.float64),
        "is_fraud": cat("is_fraud").astype(np.int8),
    }
    return pd.DataFrame(columns)


AMOUNT_DEFECT: Final = (
    "planted defect: the training extract carried `amount` in cents instead of euros, so "
    "in production, where amounts arrive in euros, this model sees every amount 100 times "
    "smaller than it learned and misses much of the fraud its holdout metrics promised"
)
"""What :func:`amounts_in_cents` does to a model, in the words of its model card."""


def amounts_in_cents(frame: pd.DataFrame) -> pd.DataFrame:
    """The demo's planted training defect: ``frame`` with ``amount`` in cents.

    A model trained on it looks healthy on its own (equally skewed) holdout and passes
    every deployment check (they test that it loads and reproduces its own scores), but
    scores live rows, whose amounts are in euros, with a skewed view of the strongest
    fraud signal: a training/serving skew of the kind that only live metrics reveal.
    """
    return frame.assign(amount=frame["amount"] * 100.0)
