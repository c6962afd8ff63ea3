"""Per-column drift: verdicts, bad input per column, honest false-alarm rate, the gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from console.core.base.errors import BadInput
from console.core.drift import reference, univariate
from console.core.drift.report import analyze_frames
from console.core.drift.settings import DriftSettings, FeatureRule

KINDS = {"x": "number", "n": "integer", "c": "category"}


def frame(rng: np.random.Generator, n: int, *, shift: float = 0.0, cats: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1, n),
            "n": rng.poisson(3 + shift, n),
            "c": rng.choice([f"k{i}" for i in range(cats)], n),
        }
    )


def by_name(report_columns: list[univariate.ColumnDrift]) -> dict[str, univariate.ColumnDrift]:
    return {c.name: c for c in report_columns}


def test_shifted_columns_drift_and_unchanged_do_not() -> None:
    rng = np.random.default_rng(0)
    ref = frame(rng, 5000)
    cur = frame(rng, 5000, shift=0.5)
    cur["c"] = rng.choice(["k0", "k0", "k0", "k1", "k2"], 5000)
    report = analyze_frames(ref, cur, KINDS)
    cols = by_name(report.columns)
    assert all(c.drifted for c in report.columns)
    assert report.dataset_drift
    assert report.share_drifted == 1.0
    assert cols["x"].method == "ks"
    assert cols["c"].method == "chi2"
    same = analyze_frames(ref, frame(rng, 5000), KINDS)
    assert not any(c.drifted for c in same.columns)
    assert not same.dataset_drift


def test_statistics_in_the_report_equal_scipy() -> None:
    rng = np.random.default_rng(1)
    ref, cur = frame(rng, 20_000), frame(rng, 15_000, shift=0.05)
    cols = by_name(analyze_frames(ref, cur, KINDS, DriftSettings(correction="none")).columns)
    ks = sps.ks_2samp(ref["x"], cur["x"])
    assert cols["x"].statistic == pytest.approx(ks.statistic, abs=1e-12)
    assert cols["x"].p_value == pytest.approx(ks.pvalue, rel=1e-9)
    w = sps.wasserstein_distance(ref["x"], cur["x"]) / ref["x"].std(ddof=0)
    assert cols["x"].metrics["wasserstein_norm"] == pytest.approx(w, rel=1e-9)
    table = pd.crosstab(
        np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[ref["c"].to_numpy(), cur["c"]]
    ).to_numpy()
    chi = sps.chi2_contingency(table)
    assert cols["c"].statistic == pytest.approx(chi.statistic, rel=1e-9)
    assert cols["c"].p_value == pytest.approx(chi.pvalue, rel=1e-9)


def test_false_alarm_rate_stays_at_alpha_for_same_distribution() -> None:
    """400 pairs from one distribution: the raw tests reject at about alpha = 5 %."""
    rng = np.random.default_rng(2026)
    settings = DriftSettings(correction="none", multivariate=False)
    kinds = {"x": "number", "c": "category"}
    cat_names = [f"cat{i:02d}" for i in range(30)]
    weights = rng.dirichlet(np.ones(30))
    num_alarms = cat_alarms = gated = 0
    trials = 400
    for _ in range(trials):
        pair = [
            pd.DataFrame(
                {"x": rng.normal(size=400), "c": rng.choice(cat_names, 600, p=weights)[:400]}
            )
            for _ in range(2)
        ]
        cols = by_name(analyze_frames(pair[0], pair[1], kinds, settings).columns)
        num_alarms += bool(cols["x"].test_rejects)
        cat_alarms += bool(cols["c"].test_rejects)
        gated += bool(cols["x"].drifted) + bool(cols["c"].drifted)
    assert num_alarms / trials <= 0.06
    assert cat_alarms / trials <= 0.06
    assert gated / (2 * trials) <= 0.06


def test_effect_size_gate_stops_tiny_shifts_in_huge_samples() -> None:
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 400_000)})
    cur = pd.DataFrame({"x": rng.normal(0.03, 1, 400_000)})
    col = analyze_frames(ref, cur, {"x": "number"}).columns[0]
    assert col.test_rejects is True  # significant...
    assert col.drifted is False  # ...but meaningless
    assert "small" in col.note


def test_missing_rate_change_is_drift() -> None:
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"x": rng.normal(size=4000)})
    cur = pd.DataFrame({"x": rng.normal(size=4000)})
    cur.loc[:800, "x"] = np.nan
    col = analyze_frames(ref, cur, {"x": "number"}).columns[0]
    assert col.missing_drift
    assert col.drifted
    assert col.missing_current == pytest.approx(801 / 4000)
    assert "missing rate 0.0% -> 20.0%" in col.note


def test_infinities_are_counted_not_dropped_silently() -> None:
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(size=3000)})
    cur = pd.DataFrame({"x": rng.normal(size=3000)})
    cur.loc[:9, "x"] = np.inf
    cur.loc[10:14, "x"] = -np.inf
    col = analyze_frames(ref, cur, {"x": "number"}).columns[0]
    assert col.inf_current == 15
    assert col.n_current == 2985
    assert col.missing_current == pytest.approx(15 / 3000)
    assert col.status in ("ok", "drifted")


def test_unseen_categories_are_counted_and_named() -> None:
    ref = pd.DataFrame({"c": ["a"] * 500 + ["b"] * 500})
    cur = pd.DataFrame({"c": ["a"] * 450 + ["b"] * 450 + ["zz"] * 70 + ["yy"] * 30})
    col = analyze_frames(ref, cur, {"c": "category"}).columns[0]
    assert col.unseen_count == 100
    assert col.unseen_share == pytest.approx(0.1)
    assert col.unseen_top == ["zz", "yy"]
    assert col.drifted
    assert "unseen categories" in col.note


@pytest.mark.parametrize(
    ("ref_values", "cur_values", "status", "needle"),
    [
        ([np.nan] * 100, list(range(100)), "all_missing", "in the reference is missing"),
        ([7.0] * 200, [7.0] * 200, "constant", ""),
        (list(range(200)), list(range(10)), "too_few_rows", "not meaningful"),
    ],
)
def test_bad_numeric_columns_get_a_status_not_an_exception(
    ref_values: list[float], cur_values: list[float], status: str, needle: str
) -> None:
    ref = pd.DataFrame({"x": ref_values})
    cur = pd.DataFrame({"x": cur_values})
    col = analyze_frames(ref, cur, {"x": "number"}).columns[0]
    assert col.status == status
    assert needle in col.note


def test_constant_columns_that_changed_value_drift() -> None:
    col = analyze_frames(
        pd.DataFrame({"x": [1.0] * 100}), pd.DataFrame({"x": [2.0] * 100}), {"x": "number"}
    ).columns[0]
    assert col.drifted is True


def test_all_missing_current_is_reported_as_missing_rate_drift() -> None:
    ref = pd.DataFrame({"x": np.arange(500.0)})
    cur = pd.DataFrame({"x": [np.nan] * 500})
    col = analyze_frames(ref, cur, {"x": "number"}).columns[0]
    assert col.drifted is True
    assert "every value" in col.note
    assert "100.0%" in col.note


def test_column_missing_from_one_side() -> None:
    ref = pd.DataFrame({"x": np.arange(100.0), "y": np.arange(100.0)})
    cur = pd.DataFrame({"x": np.arange(100.0), "z": np.arange(100.0)})
    report = analyze_frames(ref, cur, {"x": "number", "y": "number", "z": "number"})
    cols = by_name(report.columns)
    assert cols["y"].status == "missing_column"
    assert "current data" in cols["y"].note
    assert cols["z"].status == "missing_column"
    assert "reference" in cols["z"].note
    assert cols["y"].drifted is None
    assert report.share_drifted == 0.0  # only x was tested


def test_category_with_100k_distinct_values() -> None:
    ref = pd.DataFrame({"c": [f"id{i}" for i in range(100_000)]})
    cur = pd.DataFrame({"c": [f"id{i}" for i in range(50_000, 150_000)]})
    col = analyze_frames(ref, cur, {"c": "category"}).columns[0]
    assert col.status == "too_many_categories"
    assert col.drifted is None
    assert col.unseen_count == 50_000
    assert "150,000 distinct values" in col.note


def test_tiny_category_window() -> None:
    col = analyze_frames(
        pd.DataFrame({"c": list("ab") * 100}), pd.DataFrame({"c": list("ab") * 5}),
        {"c": "category"},
    ).columns[0]  # fmt: skip
    assert col.status == "too_few_rows"
    assert "not meaningful" in col.note


def test_non_numeric_values_in_a_number_column() -> None:
    ref = pd.DataFrame({"x": np.arange(100.0)})
    cur = pd.DataFrame({"x": ["1.5", "abc"] * 50})
    col = analyze_frames(ref, cur, {"x": "number"}).columns[0]
    assert col.status == "wrong_type"
    assert "50 current values" in col.note


def test_per_feature_rule_and_bad_rules() -> None:
    rng = np.random.default_rng(6)
    ref, cur = frame(rng, 3000), frame(rng, 3000, shift=0.3)
    settings = DriftSettings(rules={"x": FeatureRule("psi", 0.5), "c": FeatureRule("js")})
    cols = by_name(analyze_frames(ref, cur, KINDS, settings).columns)
    assert cols["x"].method == "psi"
    assert cols["x"].threshold == 0.5
    assert cols["x"].p_value is None
    assert cols["x"].drifted is False  # PSI of a 0.3 sd shift is below 0.5
    assert cols["c"].method == "js"
    assert cols["c"].threshold == 0.1
    with pytest.raises(BadInput, match=r"drift.features.x.method = 'chi2'"):
        analyze_frames(ref, cur, KINDS, DriftSettings(rules={"x": FeatureRule("chi2")}))
    with pytest.raises(BadInput, match=r"drift\.alpha"):
        DriftSettings(alpha=2)


def test_reference_profile_is_cached_per_key() -> None:
    reference.CACHE.clear()
    rng = np.random.default_rng(7)
    ref = frame(rng, 1000)
    loads = []

    def load() -> pd.DataFrame:
        loads.append(1)
        return ref

    first = reference.cached_profile("dataset:abc", load, KINDS, bins=10)
    second = reference.cached_profile("dataset:abc", load, KINDS, bins=10)
    assert first is second
    assert len(loads) == 1
    reference.cached_profile("dataset:other", load, KINDS, bins=10)
    assert len(loads) == 2
    assert reference.CACHE.hits == 1
    reference.CACHE.clear()


def test_every_column_is_explained_in_one_sentence() -> None:
    from console.core.drift.explain import explain

    rng = np.random.default_rng(9)
    ref, cur = frame(rng, 3000), frame(rng, 3000, shift=0.4)
    cur.loc[:5, "x"] = np.nan
    report = analyze_frames(ref, cur, {**KINDS, "gone": "number"})
    sentences = {c.name: explain(c.as_dict()) for c in report.columns}
    assert sentences["x"].startswith("KS ")
    assert "so x drifted. Over their thresholds: KS distance" in sentences["x"]
    assert "missing rate" not in sentences["x"]  # 6 of 3000 missing: under the gate
    assert sentences["c"].startswith("Chi-square ")
    assert sentences["gone"].startswith("gone was not tested: column 'gone' is missing")
    assert all(s.count("\n") == 0 for s in sentences.values())


def test_settings_from_a_drift_config_section_with_overrides() -> None:
    from types import SimpleNamespace

    from console.core.drift.settings import for_workspace

    plain = SimpleNamespace(config=SimpleNamespace())
    assert for_workspace(plain) == DriftSettings()
    section = {
        "alpha": 0.01,
        "drift_share": 0.5,
        "features": {"amount": {"method": "psi", "threshold": 0.25}},
    }
    ws = SimpleNamespace(config=SimpleNamespace(drift=section))
    settings = for_workspace(ws, alpha=None, drift_share=0.2)
    assert settings.alpha == 0.01
    assert settings.drift_share == 0.2  # the command line wins
    assert settings.rules == {"amount": FeatureRule("psi", 0.25)}
    bad = SimpleNamespace(config=SimpleNamespace(drift={"correction": "fdr"}))
    with pytest.raises(BadInput, match=r"drift\.correction = 'fdr'"):
        for_workspace(bad)
