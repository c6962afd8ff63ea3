"""Alert rules and notification settings: the ``[alerts]`` table of console.toml.

Defaults are the operations guide's (critical: F1 < 0.70, FPR > 1 %, system failure,
pipeline issue; warning: F1 < 0.75, data drift, resource use > 80 %, mild performance
drop); a rule in ``[alerts.rules.NAME]`` replaces the default of that name, and
``enabled = false`` turns one off. Everything is validated at load: an unknown metric,
a bad threshold or duration, a broken SMTP setting or a missing notification command is
refused with the rule and the reason (:class:`~console.core.base.errors.ConfigError`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from console.core.base.errors import ConfigError

if TYPE_CHECKING:
    from console.core.base.config import Thresholds
    from console.core.base.workspace import Workspace

M = TypeVar("M", bound=BaseModel)
Severity = Literal["critical", "warning"]
Comparison = Literal["<", "<=", ">", ">=", "status"]
Channel = Literal["tray", "desktop", "sound", "email", "command"]

#: Check names of the daily check report and of drift, plus
#: ``jobs_failed``, which the alert engine derives itself from the jobs table.
KNOWN_METRICS: tuple[str, ...] = (
    "f1", "fpr", "precision", "recall", "roc_auc", "f1_drop", "missing_values",
    "schema_violations", "ingest_overdue", "refused_batches", "volume", "cpu", "memory",
    "disk", "latency_p99", "error_rate", "backup_age", "data_drift", "jobs_failed",
    "f1_estimated", "fpr_estimated", "clock_skew", "out_of_range", "unseen_categories",
    "duplicate_ids", "access", "backup_failed", "data_recency", "unlogged_records",
)  # fmt: skip

#: Until runbooks exist, each metric's runbook is the console page that explains it.
METRIC_PAGES: dict[str, str] = {
    **dict.fromkeys(("f1", "fpr", "precision", "recall", "roc_auc", "f1_drop"), "performance"),
    **dict.fromkeys(("f1_estimated", "fpr_estimated"), "performance"),
    **dict.fromkeys(("missing_values", "schema_violations", "volume", "clock_skew"), "quality"),
    **dict.fromkeys(("out_of_range", "unseen_categories", "duplicate_ids"), "quality"),
    **dict.fromkeys(("ingest_overdue", "refused_batches", "data_recency"), "data"),
    **dict.fromkeys(("cpu", "memory", "disk", "latency_p99", "error_rate"), "system"),
    **dict.fromkeys(("backup_age", "jobs_failed"), "system"),
    "backup_failed": "backups",
    "data_drift": "drift",
    "access": "users",
    "unlogged_records": "service",
}

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | int) -> int:
    """``"90s"``, ``"15m"``, ``"4h"``, ``"2d"`` (or whole seconds) -> seconds."""
    if isinstance(text, int) and not isinstance(text, bool) and text >= 0:
        return text
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a duration like '90s', '15m', '4h' or '2d'")
    return int(match.group(1)) * _UNIT[match.group(2)]


#: The runbook an alert on each metric opens; a metric without one opens its page.
METRIC_RUNBOOKS: dict[str, str] = {
    **dict.fromkeys(
        ("f1", "fpr", "precision", "recall", "roc_auc", "f1_drop", "f1_estimated",
         "fpr_estimated", "data_drift", "missing_values", "schema_violations"),
        "performance-degradation",
    ),
    **dict.fromkeys(("cpu", "memory", "disk", "latency_p99", "error_rate"), "system-slowdown"),
    **dict.fromkeys(("ingest_overdue", "refused_batches", "backup_age"), "data-recovery"),
}  # fmt: skip


def runbook_for(metric: str) -> str:
    """``console:runbook/<name>`` for a metric with a runbook, else ``console:page/…``."""
    if metric in METRIC_RUNBOOKS:
        return f"console:runbook/{METRIC_RUNBOOKS[metric]}"
    return f"console:page/{METRIC_PAGES.get(metric, 'alerts')}#{metric}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class AlertRule(_Model):
    """When a metric of the check report raises an alert, and how urgently."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    metric: str
    comparison: Comparison
    threshold: float | None = None
    statuses: tuple[str, ...] = ()
    window: str = "as the check computes it"
    for_seconds: int = Field(0, ge=0)
    severity: Severity
    min_samples: int = Field(0, ge=0)
    runbook: str = ""
    enabled: bool = True
    summary: str = ""

    @field_validator("metric")
    @classmethod
    def _known(cls, metric: str) -> str:
        if metric not in KNOWN_METRICS:
            raise ValueError(f"metric {metric!r} is not a known check ({', '.join(KNOWN_METRICS)})")
        return metric

    @model_validator(mode="after")
    def _threshold(self) -> AlertRule:
        if self.comparison == "status":
            bad = [s for s in self.statuses if s not in ("warning", "critical", "no_data")]
            if not self.statuses or bad:
                raise ValueError("comparison 'status' needs statuses from warning, critical")
        elif (
            self.threshold is None
            or self.threshold != self.threshold
            or abs(self.threshold) == float("inf")
        ):
            raise ValueError(f"threshold must be a finite number (got {self.threshold!r})")
        return self

    @property
    def runbook_link(self) -> str:
        return self.runbook or runbook_for(self.metric)

    def condition(self) -> str:
        """How the rule reads: ``f1 < 0.7``."""
        if self.comparison == "status":
            return f"{self.metric} status {'/'.join(self.statuses)}"
        return f"{self.metric} {self.comparison} {self.threshold:g}"

    def holds(self, value: float, status: str) -> bool:
        if self.comparison == "status":
            return status in self.statuses
        t = float(self.threshold or 0.0)
        return {
            "<": value < t,
            "<=": value <= t,
            ">": value > t,
            ">=": value >= t,
        }[self.comparison]


class EscalationStep(_Model):
    after_seconds: int = Field(0, ge=0)
    channels: tuple[Channel, ...] = Field(min_length=1)
    contacts: tuple[str, ...] = ()


class Smtp(_Model):
    host: str = Field(min_length=1)
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = True
    username: str = ""
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    timeout_seconds: int = Field(10, ge=1, le=300)


class Command(_Model):
    argv: tuple[str, ...] = Field(min_length=1)
    timeout_seconds: int = Field(10, ge=1, le=300)

    @field_validator("argv")
    @classmethod
    def _exists(cls, argv: tuple[str, ...]) -> tuple[str, ...]:
        if not argv or shutil.which(argv[0]) is None:
            raise ValueError(f"notification command {argv[0] if argv else ''!r} is not executable")
        return argv


class AlertSettings(_Model):
    rules: tuple[AlertRule, ...]
    escalation: tuple[EscalationStep, ...]
    smtp: Smtp | None = None
    command: Command | None = None
    evaluate_every_seconds: int = Field(60, ge=5)
    reminder_every_seconds: int = Field(4 * 3600, ge=60)
    flap_window_seconds: int = Field(1800, ge=0)
    stale_after_seconds: int = Field(36 * 3600, ge=60)

    @model_validator(mode="after")
    def _channels(self) -> AlertSettings:
        for number, step in enumerate(self.escalation, start=1):
            if "email" in step.channels and (self.smtp is None or not step.contacts):
                raise ValueError(
                    f"escalation step {number} sends e-mail: needs [alerts.smtp] and contacts"
                )
            if "command" in step.channels and self.command is None:
                raise ValueError(f"escalation step {number} runs a command: needs [alerts.command]")
        return self

    def rule(self, name: str) -> AlertRule | None:
        return next((r for r in self.rules if r.name == name), None)


def default_rules(t: Thresholds) -> dict[str, dict[str, Any]]:
    """The operations guide's rules, with thresholds from ``[thresholds]``."""
    crit, warn = "critical", "warning"
    return {
        "f1_critical": _r("f1", "<", t.f1_critical, crit, 200, "F1 below the critical level"),
        "fpr_critical": _r(
            "fpr", ">", t.fpr_critical, crit, 1000, "too many good customers blocked"
        ),
        "service_errors": _s("error_rate", ("critical",), crit, "scoring service down or erroring"),
        "jobs_failed": _r("jobs_failed", ">", 0, crit, 0, "a job crashed in the last day"),
        "disk_full": _r("disk", ">", 0.95, crit, 0, "disk of the workspace nearly full"),
        "ingest_overdue": _s("ingest_overdue", (warn, crit), crit, "data feed overdue"),
        "ingest_refused": _s("refused_batches", (warn, crit), crit, "ingest batches refused"),
        "access_burst": _s("access", (crit,), crit, "a burst of failed sign-ins or denials"),
        "backup_failed": _s("backup_failed", (crit,), crit, "a backup or its verify failed"),
        "f1_warning": _r("f1", "<", t.f1_warning, warn, 200, "F1 below the warning level"),
        "data_drift": _s("data_drift", (warn, crit), warn, "data drift detected"),
        "cpu_high": _r("cpu", ">", t.resource_warning, warn, 0, "CPU use high"),
        "memory_high": _r("memory", ">", t.resource_warning, warn, 0, "memory use high"),
        "disk_high": _r("disk", ">", t.resource_warning, warn, 0, "disk use high"),
        "f1_drop": _s("f1_drop", (warn, crit), warn, "mild drop against the trailing baseline"),
        "access": _s("access", (warn, crit), warn, "repeated failed sign-ins or denials"),
        "unlogged_records": _s(
            "unlogged_records", (warn,), warn, "scored records not logged (duplicate ids)"
        ),
    }


def _r(metric: str, cmp: str, thr: float, sev: str, n: int, summary: str) -> dict[str, Any]:  # noqa: PLR0917
    return {"metric": metric, "comparison": cmp, "threshold": float(thr), "severity": sev,
            "min_samples": n, "summary": summary}  # fmt: skip


def _s(metric: str, statuses: tuple[str, ...], sev: str, summary: str) -> dict[str, Any]:
    return {"metric": metric, "comparison": "status", "statuses": statuses, "severity": sev,
            "summary": summary}  # fmt: skip


DEFAULT_ESCALATION: tuple[dict[str, Any], ...] = (
    {"after_seconds": 0, "channels": ("tray", "desktop", "sound")},
)

_DURATIONS = {
    key: f"{key}_seconds"
    for key in (
        "after",
        "timeout",
        "evaluate_every",
        "reminder_every",
        "flap_window",
        "stale_after",
    )
} | {"for": "for_seconds"}


def _durations(table: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key in _DURATIONS:
            try:
                out[_DURATIONS[key]] = parse_duration(value)
            except ValueError as exc:
                raise ConfigError(f"{where}.{key}: {exc}") from None
        elif isinstance(value, list):
            out[key] = tuple(value)
        else:
            out[key] = value
    return out


def parse_settings(table: dict[str, Any], thresholds: Thresholds, source: str) -> AlertSettings:
    """Validate the raw ``[alerts]`` table; ConfigError names the rule and the reason."""
    table = dict(table)
    rules_table = table.pop("rules", {})
    if not isinstance(rules_table, dict):
        raise ConfigError(f"{source}: alerts.rules: must be a table of rules")
    rules: dict[str, dict[str, Any]] = default_rules(thresholds)
    for name, raw in rules_table.items():
        where = f"{source}: alerts.rules.{name}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: must be a table")
        if raw.get("enabled") is False and set(raw) == {"enabled"} and name in rules:
            rules[name] = {**rules[name], "enabled": False}
            continue
        rules[name] = _durations(raw, where)
    parsed: list[AlertRule] = []
    for name, raw in rules.items():
        parsed.append(_validate(AlertRule, {"name": name, **raw}, f"{source}: alerts.rules.{name}"))
    steps = table.pop("escalation", None)
    escalation = (
        tuple(
            _durations(s, f"{source}: alerts.escalation") if isinstance(s, dict) else s
            for s in steps
        )
        if isinstance(steps, list)
        else steps
    )
    out: dict[str, Any] = _durations(table, f"{source}: alerts")
    for key, model in (("smtp", Smtp), ("command", Command)):
        if key in out:
            if not isinstance(out[key], dict):
                raise ConfigError(f"{source}: alerts.{key}: must be a table")
            out[key] = _validate(model, _durations(out[key], key), f"{source}: alerts.{key}")
    out["rules"] = tuple(r for r in parsed if r.enabled)
    out["escalation"] = DEFAULT_ESCALATION if escalation is None else escalation
    return _validate(AlertSettings, out, f"{source}: alerts")


def _validate(model: type[M], data: dict[str, Any], where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        prefix = f"{where}.{key}" if key else where
        raise ConfigError(f"{prefix}: {msg}") from None


def load_settings(ws: Workspace) -> AlertSettings:
    """The alert settings of the workspace's console.toml (defaults when no [alerts])."""
    source = str(Path(ws.root) / "console.toml")
    return parse_settings(ws.config.alerts, ws.config.thresholds, source)
