"""Default settings flag what an operator means by drift, and only that.

Every planted change is run over several seeds and magnitudes on 100 000 rows a side
(``drift_cases``); ``benchmarks/drift_detection.py`` prints the same rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from console.core.drift.report import analyze_frames
from console.core.drift.settings import DriftSettings, FeatureRule
from tests.core.drift.drift_cases import CASES, Case, detection_rate

PLANTED = [(c, m) for c in CASES if c.should_drift for m in c.magnitudes]
QUIET = [(c, m) for c in CASES if not c.should_drift for m in c.magnitudes]


@pytest.mark.parametrize(("case", "magnitude"), PLANTED, ids=lambda v: str(getattr(v, "name", v)))
def test_planted_changes_are_flagged_at_every_seed(case: Case, magnitude: float) -> None:
    assert detection_rate(case, magnitude) == 1.0


@pytest.mark.parametrize(("case", "magnitude"), QUIET, ids=lambda v: str(getattr(v, "name", v)))
def test_unchanged_and_negligible_columns_are_not_flagged(case: Case, magnitude: float) -> None:
    assert detection_rate(case, magnitude) == 0.0


def _one(ref: pd.DataFrame, cur: pd.DataFrame, kind: str, **kw: object) -> dict[str, object]:
    settings = DriftSettings(multivariate=False, **kw)  # type: ignore[arg-type]
    return analyze_frames(ref, cur, {"v": kind}, settings).columns[0].as_dict()


def test_every_signal_over_its_threshold_is_in_the_note_even_when_another_decides() -> None:
    """0 % -> 5 % missing: the missing rate decides; the values that are present did not
    change (KS p large) and PSI is high because missing values are a bin of their own."""
    rng = np.random.default_rng(11)
    ref = pd.DataFrame({"v": rng.normal(size=50_000)})
    cur = pd.DataFrame({"v": rng.normal(size=50_000)})
    cur.loc[: 50_000 * 0.05 - 1, "v"] = np.nan
    col = _one(ref, cur, "number", min_psi=0.1)
    assert col["drifted"] is True
    assert col["missing_drift"] is True
    note = str(col["note"])
    assert "no significant change" in note
    assert "missing rate 0.0% -> 5.0% (>= 2 points" in note
    assert "drift by itself" in note
    over = {s["name"] for s in col["signals"] if s["passed"]}  # type: ignore[attr-defined]
    assert "missing_change" in over
    assert "psi" in over
    assert "PSI" in note


def test_a_significant_but_small_change_names_each_gate() -> None:
    rng = np.random.default_rng(12)
    ref = pd.DataFrame({"v": rng.normal(0, 1, 400_000)})
    cur = pd.DataFrame({"v": rng.normal(0.03, 1, 400_000)})
    col = _one(ref, cur, "number")
    assert col["test_rejects"] is True
    assert col["drifted"] is False
    note = str(col["note"])
    assert "significant but the change is small" in note
    for needle in ("KS distance", "< 0.02", "Wasserstein", "< 0.1", "PSI", "< 0.2"):
        assert needle in note


def test_a_per_feature_gate_sets_or_turns_off_the_effect_gate() -> None:
    rng = np.random.default_rng(13)
    ref = pd.DataFrame({"v": rng.normal(0, 1, 400_000)})
    cur = pd.DataFrame({"v": rng.normal(0.03, 1, 400_000)})
    off = _one(ref, cur, "number", rules={"v": FeatureRule("ks", 0.05, 0.0)})
    assert off["drifted"] is True
    assert "effect gates off" in str(off["note"])
    strict = _one(ref, cur, "number", rules={"v": FeatureRule("ks", 0.05, 0.005)})
    assert strict["drifted"] is True
    assert strict["gate"] == 0.005
    cats = pd.DataFrame({"v": ["a"] * 52_000 + ["b"] * 48_000})
    moved = pd.DataFrame({"v": ["a"] * 51_000 + ["b"] * 49_000})  # 1 point
    assert _one(cats, moved, "category")["drifted"] is False
    gate_off = _one(cats, moved, "category", rules={"v": FeatureRule("chi2", None, 0.0)})
    assert gate_off["drifted"] is True


def test_share_change_names_the_category_and_counts_are_integers() -> None:
    ref = pd.DataFrame({"v": ["a"] * 5000 + ["b"] * 3000 + ["c"] * 2000})
    cur = pd.DataFrame({"v": ["a"] * 4600 + ["b"] * 3400 + ["c"] * 2000})
    col = _one(ref, cur, "category")
    assert col["drifted"] is True
    assert col["moved_category"] in ("a", "b")
    assert col["metrics"]["max_share_change"] == pytest.approx(0.04)  # type: ignore[index]
    assert isinstance(col["metrics"]["categories"], int)  # type: ignore[index]
    assert isinstance(col["metrics"]["dof"], int)  # type: ignore[index]
    assert "4.0 >= 2 points" in str(col["note"])


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (FeatureRule("psi", 0.2, 0.1), "only the tests ks and chi2 have an effect gate"),
        (FeatureRule("ks", 0.05, 2.0), "gate = 2.0: must be between 0 and 1"),
        (FeatureRule("ks", 3.0), "the alpha of a test must be between 0 and 1"),
    ],
)
def test_bad_gates_are_refused(rule: FeatureRule, message: str) -> None:
    from console.core.base.errors import BadInput

    with pytest.raises(BadInput, match=message):
        DriftSettings(rules={"v": rule})


def test_gates_are_listed_in_words() -> None:
    lines = DriftSettings(rules={"v": FeatureRule("chi2", None, 0.0)}).gate_lines()
    text = "\n".join(lines)
    for needle in (
        "p < 0.05 (holm-corrected",
        "KS distance >= 0.02",
        "Wasserstein >= 0.1",
        "moved >= 2 points",
        "missing rate moved >= 2 points",
        "v: chi2 gate off",
    ):
        assert needle in text  # fmt: skip


def test_a_gate_in_console_toml_reaches_the_feature_rule() -> None:
    from console.core.base.config import default_config_text, parse_config
    from console.core.drift.settings import for_workspace

    text = default_config_text() + '\n[drift.features.amount]\nmethod = "ks"\ngate = 0\n'

    class Ws:
        config = parse_config(text)

    settings = for_workspace(Ws())
    assert settings.rules["amount"] == FeatureRule("ks", None, 0.0)
    assert settings.rule_for("amount", "number").gate == 0.0
    assert settings.rule_for("country", "category").gate == 0.02
