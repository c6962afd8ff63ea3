"""What a drift analysis decides with: methods, thresholds, the gates and the dataset share.

Defaults (the README compares them with Evidently's and NannyML's):

* number/integer columns: Kolmogorov-Smirnov test at ``alpha`` (p-values corrected across
  columns). A significant column drifts when its change is big enough by one of the
  effect gates: the KS distance (the largest change of the share of values below any
  point) reaches ``min_ks_distance``, or the Wasserstein distance in reference standard
  deviations reaches ``min_effect_numeric``, or PSI reaches ``min_psi``. With a million
  rows any shift is "significant"; the gates keep negligible ones out.
* category columns: chi-square test of homogeneity at ``alpha``; a significant column
  drifts when one category's share changed by ``min_share_change`` or more (an unseen
  category counts from a share of 0), or the unseen categories together take that share,
  or PSI reaches ``min_psi``.
* the missing rate (NaN/inf, or an empty category) is a signal of its own: a change of
  ``min_missing_change`` or more that its 2 x 2 chi-square test finds significant is
  drift of the column, whatever the values that are present do.
* a column with fewer than ``min_rows`` values on either side is not tested.
* dataset drift: share of drifted columns (among those tested) >= ``drift_share``.

``rules`` overrides the method, threshold and gate of single features: method "ks",
"psi", "wasserstein" or "js" for numbers, "chi2", "psi" or "js" for categories. For the
tests the threshold is alpha and the gate replaces the main effect gate (KS distance for
"ks", share change for "chi2"; 0 turns the gates off: the test alone decides). For the
distance methods the threshold is the distance at or above which the column drifts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from console.core.base.errors import BadInput

NUMERIC_METHODS = ("ks", "psi", "wasserstein", "js")
CATEGORY_METHODS = ("chi2", "psi", "js")
TEST_METHODS = ("ks", "chi2")
CORRECTIONS = ("none", "bonferroni", "holm")
DEFAULT_DISTANCE_THRESHOLDS = {"psi": 0.2, "wasserstein": 0.1, "js": 0.1}


@dataclass(frozen=True)
class FeatureRule:
    method: str
    threshold: float | None = None  # alpha for tests, distance for distance methods
    gate: float | None = None  # tests only: the main effect gate (0 = off), None = default


@dataclass(frozen=True)
class DriftSettings:
    alpha: float = 0.05
    correction: str = "holm"
    drift_share: float = 0.3
    min_rows: int = 30
    bins: int = 10
    max_categories: int = 1000
    min_ks_distance: float = 0.02
    min_effect_numeric: float = 0.1
    min_share_change: float = 0.02
    min_psi: float = 0.2
    min_missing_change: float = 0.02
    multivariate: bool = True
    rules: dict[str, FeatureRule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not 0 < self.alpha < 1:
            problems.append(f"drift.alpha = {self.alpha}: must be between 0 and 1")
        if self.correction not in CORRECTIONS:
            problems.append(
                f"drift.correction = {self.correction!r}: must be one of {', '.join(CORRECTIONS)}"
            )
        if not 0 < self.drift_share <= 1:
            problems.append(f"drift.drift_share = {self.drift_share}: must be in (0, 1]")
        if self.min_rows < 2:
            problems.append(f"drift.min_rows = {self.min_rows}: must be at least 2")
        if not 2 <= self.bins <= 100:
            problems.append(f"drift.bins = {self.bins}: must be between 2 and 100")
        if self.max_categories < 2:
            problems.append(f"drift.max_categories = {self.max_categories}: must be >= 2")
        for key in ("min_ks_distance", "min_share_change", "min_missing_change"):
            if not 0 <= getattr(self, key) <= 1:
                problems.append(f"drift.{key} = {getattr(self, key)}: must be between 0 and 1")
        for key in ("min_effect_numeric", "min_psi"):
            if getattr(self, key) < 0:
                problems.append(f"drift.{key} = {getattr(self, key)}: must not be negative")
        for name, rule in self.rules.items():
            problems += _rule_problems(name, rule)
        if problems:
            raise BadInput(problems[0], problems=problems)

    def rule_for(self, name: str, kind: str) -> FeatureRule:
        """The method, threshold and gate used for column ``name`` of ``kind``."""
        rule = self.rules.get(name)
        allowed = CATEGORY_METHODS if kind == "category" else NUMERIC_METHODS
        if rule is not None and rule.method not in allowed:
            raise BadInput(
                f"drift.features.{name}.method = {rule.method!r} does not suit a {kind} "
                f"column (use one of {', '.join(allowed)})"
            )
        if rule is None:
            rule = FeatureRule("chi2" if kind == "category" else "ks")
        if rule.threshold is None:
            default = DEFAULT_DISTANCE_THRESHOLDS.get(rule.method, self.alpha)
            rule = replace(rule, threshold=default)
        if rule.gate is None and rule.method in TEST_METHODS:
            gate = self.min_share_change if rule.method == "chi2" else self.min_ks_distance
            rule = replace(rule, gate=gate)
        return rule

    def gate_lines(self) -> list[str]:
        """The decision rules in words, for the report header and ``drift --help``."""
        return gate_lines(self)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["rules"] = {k: dict(v.__dict__) for k, v in self.rules.items()}
        data["gates"] = self.gate_lines()
        return data


def _rule_problems(name: str, rule: FeatureRule) -> list[str]:
    problems = []
    if rule.method not in NUMERIC_METHODS + CATEGORY_METHODS:
        problems.append(f"drift.features.{name}.method = {rule.method!r}: unknown method")
    if rule.threshold is not None and rule.threshold <= 0:
        problems.append(f"drift.features.{name}.threshold must be positive")
    if rule.method in TEST_METHODS and rule.threshold is not None and rule.threshold >= 1:
        problems.append(
            f"drift.features.{name}.threshold = {rule.threshold}: the alpha of a test must be "
            "between 0 and 1"
        )
    if rule.gate is not None:
        if rule.method not in TEST_METHODS:
            problems.append(
                f"drift.features.{name}.gate: only the tests ks and chi2 have an effect gate "
                f"({rule.method} decides by its threshold)"
            )
        elif not 0 <= rule.gate <= 1:
            problems.append(f"drift.features.{name}.gate = {rule.gate}: must be between 0 and 1")
    return problems


def gate_lines(s: DriftSettings) -> list[str]:
    corrected = "" if s.correction == "none" else f" ({s.correction}-corrected across features)"
    lines = [
        f"a feature drifts when its test is significant (p < {s.alpha:g}{corrected}) and its "
        "change is big enough:",
        f"  numbers: KS distance >= {s.min_ks_distance:g} or Wasserstein >= "
        f"{s.min_effect_numeric:g} reference SD or PSI >= {s.min_psi:g}",
        f"  categories: a category's share moved >= {s.min_share_change * 100:g} points, or "
        f"unseen categories take >= {s.min_share_change:.0%}, or PSI >= {s.min_psi:g}",
        f"  or its missing rate moved >= {s.min_missing_change * 100:g} points (2x2 chi-square "
        f"p < {s.alpha:g}), whatever the other values do",
    ]
    for name, rule in sorted(s.rules.items()):
        gate = "" if rule.gate is None else f" gate {rule.gate:g}"
        gate = " gate off" if rule.gate == 0 else gate
        threshold = "" if rule.threshold is None else f" threshold {rule.threshold:g}"
        lines.append(f"  {name}: {rule.method}{threshold}{gate}")
    return lines


def for_workspace(ws: Any, **overrides: Any) -> DriftSettings:
    """The workspace's ``[drift]`` settings (module defaults until console.toml has the
    section), with ``overrides`` (e.g. from the command line) on top."""
    section = getattr(ws.config, "drift", None)
    data: dict[str, Any] = {}
    if section is not None:
        raw = section.model_dump() if hasattr(section, "model_dump") else dict(section)
        features = raw.pop("features", None) or {}
        data = {k: v for k, v in raw.items() if k in DriftSettings.__dataclass_fields__}
        data.pop("rules", None)
        data["rules"] = {
            name: FeatureRule(str(rule["method"]), rule.get("threshold"), rule.get("gate"))
            for name, rule in features.items()
        }
    data.update({k: v for k, v in overrides.items() if v is not None})
    if overrides.get("rules"):
        data["rules"] = {**data.get("rules", {}), **overrides["rules"]}
    return DriftSettings(**data)
