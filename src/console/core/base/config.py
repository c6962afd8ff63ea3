"""console.toml: typed, validated on load, with errors that name file, line and key.

The defaults are the operations guide's; the commented default file shipped in
``resources/console.toml`` is what ``console init`` writes, and a test keeps it equal
to the defaults declared here.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from console.core.base.alert_rules import parse_settings
from console.core.base.errors import ConfigError
from console.core.base.maintenance_config import Cluster, Retraining, Schedules, Validation

CONFIG_VERSION = 1
FeatureType = Literal["number", "integer", "category"]
Role = Literal["viewer", "operator", "auditor", "admin"]
_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: a validator's message may start with "[at KEY.PATH=VALUE] ": the error then points at
#: that key's line (and at VALUE's line inside a multi-line array), not at the section
_AT = re.compile(r"^\[at ([A-Za-z0-9_.\-]+)(?:=([^\]]*))?\] (.*)$", re.DOTALL)


def _at(key: str, message: str, value: str | None = None) -> str:
    return f"[at {key}{'' if value is None else '=' + value}] {message}"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Thresholds(_Section):
    """Alert thresholds, as fractions (0.01 = 1 %)."""

    f1_critical: float = Field(0.70, gt=0, lt=1)
    f1_warning: float = Field(0.75, gt=0, lt=1)
    fpr_critical: float = Field(0.01, gt=0, lt=1)
    resource_warning: float = Field(0.80, gt=0, le=1)
    mild_drop: float = Field(0.05, gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.f1_warning < self.f1_critical:
            raise ValueError(
                _at("f1_warning", f"f1_warning ({self.f1_warning}) must not be below "
                    f"f1_critical ({self.f1_critical})")
            )  # fmt: skip
        return self


class Logging(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    file: str = "logs/console.log"
    max_bytes: int = Field(5_000_000, ge=10_000)
    backup_count: int = Field(5, ge=0, le=100)


class Limits(_Section):
    max_ingest_rows: int = Field(20_000_000, ge=1)
    max_ingest_file_mb: int = Field(4096, ge=1)
    #: an ingest taking longer is refused at its commit; older unrecorded parts are orphans
    max_ingest_minutes: float = Field(60.0, ge=1, le=7 * 24 * 60)
    max_problems_reported: int = Field(20, ge=1, le=10_000)
    memory_limit_mb: int = Field(8192, ge=256)
    job_threads: int = Field(2, ge=1, le=64)


class Paths(_Section):
    """Folders inside the workspace (relative) or absolute paths elsewhere."""

    artifacts: str = "artifacts"
    datasets: str = "datasets"
    predictions: str = "predictions"
    labels: str = "labels"
    backups: str = "backups"


class Schema(_Section):
    """The columns of the prediction log and the labels that join it by id."""

    id: str = Field("transaction_id", pattern=_NAME)
    timestamp: str = Field("ts", pattern=_NAME)
    score: str = Field("score", pattern=_NAME)
    decision: str = Field("decision", pattern=_NAME)
    label: str = Field("label", pattern=_NAME)
    features: dict[str, FeatureType] = Field(min_length=1)
    segments: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Schema:
        reserved = {
            "id": self.id, "timestamp": self.timestamp, "score": self.score,
            "decision": self.decision, "label": self.label,
        }  # fmt: skip
        seen: dict[str, str] = {}
        for key, column in reserved.items():
            if column in seen:
                raise ValueError(
                    _at(key, f"{key} and {seen[column]} are both {column!r}: id, timestamp, "
                        "score, decision and label must be distinct columns")
                )  # fmt: skip
            seen[column] = key
        for name in self.features:
            if not re.match(_NAME, name):
                raise ValueError(
                    _at(f"features.{name}", f"feature name {name!r} is not a valid column name")
                )
            if name in seen:
                raise ValueError(
                    _at(f"features.{name}", f"feature {name!r} clashes with the {seen[name]} "
                        "column")
                )  # fmt: skip
        for seg in self.segments:
            if seg not in self.features:
                raise ValueError(_at("segments", f"segment {seg!r} is not a feature", seg))
            if self.features[seg] == "number":
                raise ValueError(
                    _at("segments", f"segment {seg!r} must be a category or integer feature", seg)
                )
        return self

    @property
    def prediction_columns(self) -> list[str]:
        """Columns of a predictions file, in order."""
        return [self.id, self.timestamp, *self.features, self.score, self.decision]

    @property
    def label_columns(self) -> list[str]:
        return [self.id, self.label]


class Access(_Section):
    default_role: Role = "viewer"

    @field_validator("default_role")
    @classmethod
    def _not_a_changing_role(cls, role: str) -> str:
        if role in ("operator", "admin"):
            raise ValueError(
                f"may not be {role}: every OS user not listed would get it; give roles by "
                "name (console users set-role NAME ROLE)"
            )
        return role


class Monitoring(_Section):
    """Daily checks and system health (console check, the Performance/Quality/System pages)."""

    window: Literal["hour", "day", "week"] = "day"  # default window of the Performance page
    min_labels: int = Field(100, ge=1)  # fewer labelled rows in a window: "too few labels"
    min_label_coverage: float = Field(0.5, gt=0, le=1)  # a day counts as labelled from this
    baseline_days: int = Field(7, ge=1, le=90)  # trailing baseline of the mild-drop check
    ingest_cadence_hours: float = Field(24.0, gt=0)  # a predictions ingest is expected this often
    volume_tolerance: float = Field(0.5, gt=0, lt=1)  # a day's rows off the median by this much
    missing_warning: float = Field(0.05, gt=0, lt=1)  # share of missing values per feature
    out_of_range_warning: float = Field(0.01, gt=0, lt=1)  # share outside the training range
    sample_seconds: float = Field(60.0, ge=1)  # how often system samples are stored
    raw_retention_days: int = Field(7, ge=1)  # samples kept at full resolution
    hour_retention_days: int = Field(365, ge=1)  # then hourly means for this long
    latency_p99_warning_ms: float = Field(250.0, gt=0)  # the scoring service's p99
    error_rate_warning: float = Field(0.01, gt=0, lt=1)  # service errors per request
    error_rate_critical: float = Field(0.05, gt=0, lt=1)
    backup_max_age_hours: float = Field(48.0, gt=0)  # a verified backup older than this

    @model_validator(mode="after")
    def _ordered(self) -> Monitoring:
        if self.hour_retention_days < self.raw_retention_days:
            raise ValueError(
                _at("hour_retention_days", "hour_retention_days must not be below "
                    "raw_retention_days")
            )  # fmt: skip
        if self.error_rate_critical < self.error_rate_warning:
            raise ValueError(
                _at("error_rate_critical", "error_rate_critical must not be below "
                    "error_rate_warning")
            )  # fmt: skip
        return self


class DriftFeature(_Section):
    """A per-feature override of the drift test."""

    # number: ks | psi | wasserstein | js; category: chi2 | psi | js
    method: Literal["ks", "psi", "wasserstein", "js", "chi2"]
    threshold: float | None = Field(None, gt=0)  # alpha for ks/chi2, a distance otherwise
    gate: float | None = Field(None, ge=0, le=1)  # ks/chi2: main effect gate, 0 = off


Detector = Literal["ddm", "page_hinkley"]
DETECTORS: tuple[Detector, ...] = ("ddm", "page_hinkley")


class DdmSettings(_Section):
    """DDM (Gama et al., 2004) over the 0/1 stream of wrong decisions."""

    min_instances: int = Field(100, ge=1)  # outcomes before it judges
    min_errors: int = Field(100, ge=1)  # ... and errors: with rare errors a minimum is luck
    warning_level: float = Field(2.0, gt=0)  # warn at p + s > p_min + 2 s_min
    drift_level: float = Field(3.0, gt=0)  # drift at p + s > p_min + 3 s_min, then restart

    @model_validator(mode="after")
    def _ordered(self) -> DdmSettings:
        if self.drift_level <= self.warning_level:
            raise ValueError(_at("drift_level", "drift_level must be above warning_level"))
        return self


class PageHinkleySettings(_Section):
    """Page-Hinkley over the same stream."""

    min_instances: int = Field(30, ge=1)
    delta: float = Field(0.005, ge=0)  # tolerated deviation from the running mean
    threshold: float = Field(50.0, gt=0)  # drift when the sum rises this far above its minimum
    alpha: float = Field(1 - 1e-4, gt=0, le=1)  # forgetting factor of the cumulative sum


class SegmentWindows(_Section):
    """Performance by segment: recent days against the baseline days before them."""

    recent_days: int = Field(3, ge=1)  # the last N days of the labelled outcomes
    baseline_days: int = Field(0, ge=0)  # the N days before them; 0 = every earlier day
    f1_change: float = Field(0.10, gt=0, lt=1)  # flag a segment whose F1 fell this much
    fpr_change: float = Field(0.005, gt=0, lt=1)  # ... or whose FPR rose this much
    min_positives: int = Field(10, ge=1)  # fewer frauds on a side: F1 not judged
    min_negatives: int = Field(200, ge=1)  # fewer genuine rows on a side: FPR not judged


class ConceptDrift(_Section):
    """Concept drift (console drift concept, the Drift page's timeline)."""

    detectors: list[Detector] = Field(default_factory=lambda: list(DETECTORS), min_length=1)
    ddm: DdmSettings = Field(default_factory=DdmSettings)
    page_hinkley: PageHinkleySettings = Field(default_factory=PageHinkleySettings)
    segments: SegmentWindows = Field(default_factory=SegmentWindows)


class Drift(_Section):
    """Drift analysis (console drift, the Drift page, the data_drift check)."""

    alpha: float = Field(0.05, gt=0, lt=1)
    correction: Literal["none", "bonferroni", "holm"] = "holm"
    drift_share: float = Field(0.3, gt=0, le=1)  # dataset drift from this share of features
    min_rows: int = Field(30, ge=2)  # fewer values on a side: "not meaningful"
    bins: int = Field(10, ge=2, le=100)  # PSI bins from reference quantiles
    max_categories: int = Field(1000, ge=2)
    min_ks_distance: float = Field(0.02, ge=0, le=1)  # numbers: largest change of a CDF
    min_effect_numeric: float = Field(0.1, ge=0)  # numbers: Wasserstein / reference std
    min_share_change: float = Field(0.02, ge=0, le=1)  # categories: one category's share
    min_psi: float = Field(0.2, ge=0)  # either kind: PSI over the reference's bins
    min_missing_change: float = Field(0.02, ge=0, le=1)  # drift by itself when significant
    multivariate: bool = True
    features: dict[str, DriftFeature] = Field(default_factory=dict)
    concept: ConceptDrift = Field(default_factory=ConceptDrift)

    @model_validator(mode="before")
    @classmethod
    def _retired_keys(cls, data: Any) -> Any:
        """Keys earlier consoles wrote into every console.toml still load: a workspace
        must open after an update. ``min_effect_category`` (a PSI gate on categories)
        is superseded by ``min_share_change`` and ``min_psi`` and is ignored."""
        if isinstance(data, dict) and "min_effect_category" in data:
            data = {k: v for k, v in data.items() if k != "min_effect_category"}
        return data


class Service(_Section):
    """The scoring service (``console serve``)."""

    host: str = "127.0.0.1"  # beyond loopback it needs the service-token credential and HTTPS
    port: int = Field(8765, ge=0, le=65535)  # 0 picks a free port
    max_batch: int = Field(1000, ge=1, le=100_000)
    max_body_bytes: int = Field(5_000_000, ge=1_000, le=1_000_000_000)
    request_timeout_s: float = Field(10.0, gt=0, le=600)
    cache_size: int = Field(10_000, ge=0, le=10_000_000)  # 0 turns the cache off
    flush_seconds: float = Field(30.0, gt=0, le=3600)
    flush_rows: int = Field(20_000, ge=1, le=10_000_000)
    poll_seconds: float = Field(0.25, ge=0.05, le=10)
    # on loopback too the service wants the service-token credential, unless this is on
    open_on_loopback: bool = False
    # load model versions in a helper process, so a switch never stalls requests
    load_in_helper: bool = True


class BackupRepository(_Section):
    """One place backups go: a second disk, a removable drive or a network share path."""

    path: str = Field(min_length=1)
    include_logs: bool = True  # the prediction/label log parts (they can be large)
    include_tls_key: bool = False  # the TLS private key (the certificate always)


class Backup(_Section):
    """Backup repositories and the retention policy (console backup, the Backups page)."""

    repositories: dict[str, BackupRepository] = Field(default_factory=dict)
    verify_after_create: bool = True  # read back the new snapshot's data right away
    keep_last: int = Field(7, ge=0)
    keep_daily: int = Field(14, ge=0)
    keep_weekly: int = Field(8, ge=0)
    keep_monthly: int = Field(12, ge=0)

    @model_validator(mode="after")
    def _names(self) -> Backup:
        for name in self.repositories:
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", name):
                raise ValueError(f"repository name {name!r}: letters, digits, - and _ only")
        if not (self.keep_last or self.keep_daily or self.keep_weekly or self.keep_monthly):
            raise ValueError("the retention policy keeps nothing: set at least one keep_* above 0")
        return self


class Config(_Section):
    config_version: int = CONFIG_VERSION
    thresholds: Thresholds = Field(default_factory=Thresholds)
    logging: Logging = Field(default_factory=Logging)
    limits: Limits = Field(default_factory=Limits)
    paths: Paths = Field(default_factory=Paths)
    access: Access = Field(default_factory=Access)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    drift: Drift = Field(default_factory=Drift)
    service: Service = Field(default_factory=Service)
    schedules: Schedules = Field(default_factory=Schedules)
    validation: Validation = Field(default_factory=Validation)
    retraining: Retraining = Field(default_factory=Retraining)
    cluster: Cluster = Field(default_factory=Cluster)
    backup: Backup = Field(default_factory=Backup)
    #: alert rules, escalation and channels: the [alerts] schema in console.core.base.alert_rules
    alerts: dict[str, Any] = Field(default_factory=dict)
    data_schema: Schema = Field(alias="schema")

    @model_validator(mode="after")
    def _drift_features_exist(self) -> Config:
        unknown = [name for name in self.drift.features if name not in self.data_schema.features]
        if unknown:
            raise ValueError(
                _at(f"drift.features.{unknown[0]}",
                    f"drift.features names unknown feature(s): {', '.join(unknown)}")
            )  # fmt: skip
        return self

    @model_validator(mode="after")
    def _version(self) -> Config:
        if self.config_version > CONFIG_VERSION:
            raise ValueError(
                _at("config_version", f"config_version {self.config_version} is newer than "
                    f"this console understands ({CONFIG_VERSION})")
            )  # fmt: skip
        return self


def default_config_text() -> str:
    """The commented default console.toml shipped with the console."""
    return (resources.files("console.resources") / "console.toml").read_text(encoding="utf-8")


def parse_config(text: str, source: str = "console.toml") -> Config:
    """Parse and validate TOML text; raise ConfigError naming source, line and key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err, text, source, data) for err in exc.errors()]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(problems[0] + more, problems=problems) from None
    try:
        parse_settings(config.alerts, config.thresholds, source)
    except ConfigError as exc:
        raise _with_line(exc, text, source) from None
    return config


def _with_line(exc: ConfigError, text: str, source: str) -> ConfigError:
    """``SOURCE: alerts.rules.x.key: ...`` becomes ``SOURCE:LINE: alerts.rules.x.key: ...``."""
    message = str(exc)
    match = re.match(rf"^{re.escape(source)}: ([A-Za-z0-9_.\-]+): (.*)$", message, re.DOTALL)
    if match is None:
        return exc
    loc = match.group(1).split(".")
    while loc and (line := _line_of(text, loc)) is None:
        loc = loc[:-1]
    if not loc:
        return exc
    return ConfigError(f"{source}:{line}: {match.group(1)}: {match.group(2)}")


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, str(path))


def _describe(err: Any, text: str, source: str, data: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    if loc and loc[-1] == "[key]":  # dict key errors report the key itself
        loc = loc[:-1]
    msg = str(err["msg"]).removeprefix("Value error, ")
    at = _AT.match(msg)
    value_hint = None
    if at is not None:
        sub = at.group(1).split(".")
        loc = sub if loc == [] and sub[0] in _SECTIONS else [*loc, *sub]
        value_hint, msg = at.group(2), at.group(3)
    key = ".".join(loc)
    line = _line_of(text, loc, value_hint)
    where = f"{source}:{line}" if line else source
    if err["type"] == "extra_forbidden":
        parent = _section_model(loc[:-1])
        known = list(parent.model_fields) if parent else []
        known = [("schema" if k == "data_schema" else k) for k in known]
        hint = difflib.get_close_matches(loc[-1], known, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(known)})"
        return f"{where}: {key}: unknown key{suggestion}"
    if err["type"] == "missing":
        return f"{where}: {key}: required key is missing"
    value = err.get("input")
    shown = "" if isinstance(value, dict) or at is not None else f" (got {value!r})"
    return f"{where}: {key or 'config'}: {msg}{shown}"


_SECTIONS: dict[str, type[BaseModel]] = {
    "thresholds": Thresholds,
    "logging": Logging,
    "limits": Limits,
    "paths": Paths,
    "access": Access,
    "monitoring": Monitoring,
    "drift": Drift,
    "service": Service,
    "schedules": Schedules,
    "validation": Validation,
    "retraining": Retraining,
    "cluster": Cluster,
    "backup": Backup,
    "schema": Schema,
}


def _section_model(loc: list[str]) -> type[BaseModel] | None:
    if not loc:
        return Config
    return _SECTIONS.get(loc[0]) if len(loc) == 1 else None


def _line_of(text: str, loc: list[str], value: str | None = None) -> int | None:
    """Best-effort line number of a dotted key in TOML text (1-based); with ``value``, the
    line of that quoted value when the key's array spans several lines."""
    if not loc:
        return None
    table: list[str] = []
    header = re.compile(r"^\s*\[+\s*([^\]]+?)\s*\]+")
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        m = header.match(raw)
        if m:
            table = [p.strip().strip('"') for p in m.group(1).split(".")]
            if table == loc:
                return number
            continue
        key = re.match(r"^\s*\"?([A-Za-z0-9_\-]+)\"?\s*=", raw)
        if key and [*table, key.group(1)] == loc[: len(table) + 1] and len(table) < len(loc):
            return _value_line(lines, number, value) if value else number
    return None


def _value_line(lines: list[str], start: int, value: str) -> int:
    """The line from ``start`` on (to the end of its array) that holds ``"value"``."""
    quoted = re.compile(rf"""["']{re.escape(value)}["']""")
    for number in range(start, len(lines) + 1):
        raw = lines[number - 1]
        if quoted.search(raw):
            return number
        if "]" in raw.split("#")[0]:
            break
    return start
