"""What a drift analysis decides with: methods, thresholds and the dataset-drift share.

Defaults (documented in the README):

* number/integer columns: Kolmogorov-Smirnov test at ``alpha``; the column drifts when
  the (corrected) p-value is below ``alpha`` AND the Wasserstein distance normalised by
  the reference's standard deviation reaches ``min_effect_numeric`` (the effect-size
  gate: with a million rows any shift is "significant"). PSI, Wasserstein and
  Jensen-Shannon are reported for every numeric column.
* category columns: chi-square test of homogeneity (2 x k contingency table of
  reference and current counts) at ``alpha``, gated by PSI >= ``min_effect_category``.
* a column with fewer than ``min_rows`` values on either side is not tested.
* a change of the missing (NaN/inf) rate of ``min_missing_change`` or more that the
  2 x 2 chi-square test finds significant is drift of that column.
* dataset drift: share of drifted columns (among those tested) >= ``drift_share``.

``rules`` overrides the method and threshold of single features: method "ks", "psi",
"wasserstein" or "js" for numbers, "chi2", "psi" or "js" for categories. For the
distance methods the threshold is the distance at or above which the column drifts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from console.core.base.errors import BadInput

NUMERIC_METHODS = ("ks", "psi", "wasserstein", "js")
CATEGORY_METHODS = ("chi2", "psi", "js")
CORRECTIONS = ("none", "bonferroni", "holm")
DEFAULT_DISTANCE_THRESHOLDS = {"psi": 0.2, "wasserstein": 0.1, "js": 0.1}


@dataclass(frozen=True)
class FeatureRule:
    method: str
    threshold: float | None = None  # alpha for tests, distance for distance methods


@dataclass(frozen=True)
class DriftSettings:
    alpha: float = 0.05
    correction: str = "holm"
    drift_share: float = 0.3
    min_rows: int = 30
    bins: int = 10
    max_categories: int = 1000
    min_effect_numeric: float = 0.1
    min_effect_category: float = 0.05
    min_missing_change: float = 0.05
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
        for name, rule in self.rules.items():
            if rule.method not in NUMERIC_METHODS + CATEGORY_METHODS:
                problems.append(f"drift.features.{name}.method = {rule.method!r}: unknown method")
            if rule.threshold is not None and rule.threshold <= 0:
                problems.append(f"drift.features.{name}.threshold must be positive")
        if problems:
            raise BadInput(problems[0], problems=problems)

    def rule_for(self, name: str, kind: str) -> FeatureRule:
        """The method and threshold used for column ``name`` of ``kind``."""
        rule = self.rules.get(name)
        allowed = CATEGORY_METHODS if kind == "category" else NUMERIC_METHODS
        if rule is not None and rule.method not in allowed:
            raise BadInput(
                f"drift.features.{name}.method = {rule.method!r} does not suit a {kind} "
                f"column (use one of {', '.join(allowed)})"
            )
        if rule is None:
            return FeatureRule("chi2" if kind == "category" else "ks", self.alpha)
        if rule.threshold is None:
            default = DEFAULT_DISTANCE_THRESHOLDS.get(rule.method, self.alpha)
            return replace(rule, threshold=default)
        return rule

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["rules"] = {k: dict(v.__dict__) for k, v in self.rules.items()}
        return data


def for_workspace(ws: Any, **overrides: Any) -> DriftSettings:
    """The workspace's ``[drift]`` settings (module defaults until console.toml has the
    section), with ``overrides`` (e.g. from the command line) on top."""
    section = getattr(ws.config, "drift", None)
    data: dict[str, Any] = {}
    if section is not None:
        raw = section.model_dump() if hasattr(section, "model_dump") else dict(section)
        features = raw.pop("features", None) or {}
        data = {k: v for k, v in raw.items() if k in DriftSettings.__dataclass_fields__}
        data["rules"] = {
            name: FeatureRule(str(rule["method"]), rule.get("threshold"))
            for name, rule in features.items()
        }
    data.update({k: v for k, v in overrides.items() if v is not None})
    if overrides.get("rules"):
        data["rules"] = {**data.get("rules", {}), **overrides["rules"]}
    return DriftSettings(**data)
