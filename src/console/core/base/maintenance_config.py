"""The maintenance sections of console.toml: [schedules], [validation], [retraining], [cluster].

Schedules are cron expressions (minute hour day-of-month month day-of-week, UTC) parsed
by ``croniter``; an empty string turns a schedule off. The sections are declared here
and joined into :class:`console.core.base.config.Config`.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: the maintenance jobs a schedule can name, in the order the guide lists them
JOB_NAMES: Final = ("daily_checks", "drift", "validation", "retraining")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


def check_cron(expr: str) -> str:
    """``expr`` stripped if croniter accepts it (or it is empty: off); else ValueError."""
    text = expr.strip()
    if text in SHIPPED_SCHEDULES:
        return text
    from croniter import croniter

    if text and (len(text.split()) != 5 or not croniter.is_valid(text)):
        raise ValueError(
            f"not a cron expression (5 fields: minute hour day month weekday): {text!r}"
        )
    return text


#: the schedules the console ships, which croniter accepts (a test checks): reading
#: them needs no croniter, whose import took 30 ms of every command
SHIPPED_SCHEDULES: Final = frozenset({"0 6 * * *", "0 7 * * 1", "30 7 * * 1", "0 2 1 * *"})


class Schedules(_Section):
    """When each maintenance job runs (UTC). ``""`` = not scheduled."""

    daily_checks: str = "0 6 * * *"
    drift: str = "0 7 * * 1"
    validation: str = "30 7 * * 1"
    retraining: str = "0 2 1 * *"
    catch_up: bool = True  # a run missed while nothing was running happens once at next start
    in_gui: bool = True  # the open console window also runs due jobs (besides cron/systemd)

    @field_validator("daily_checks", "drift", "validation", "retraining")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    def expression(self, name: str) -> str:
        return str(getattr(self, name))


class Validation(_Section):
    """The weekly model validation (backtest, metrics review, threshold validation)."""

    lookback_days: int = Field(28, ge=1, le=730)  # labelled days backtested
    threshold_days: int = Field(14, ge=1, le=365)  # recent labelled days for the threshold
    max_fpr: float = Field(0.01, gt=0, lt=1)  # the threshold keeps FPR at or below this
    tolerance: float = Field(0.05, gt=0, lt=1)  # a metric moving more than this is reported
    fpr_tolerance: float = Field(0.005, gt=0, lt=1)  # ... the false positive rate, this
    min_labels: int = Field(200, ge=10)  # fewer labelled rows: no verdict


class Retraining(_Section):
    """The monthly retraining into a candidate version."""

    recent_days: int = Field(28, ge=0, le=730)  # labelled log days added to the dataset
    holdout_days: int = Field(7, ge=1, le=90)  # the most recent days, held out
    folds: int = Field(3, ge=2, le=20)  # time-ordered cross-validation folds
    gap_days: float = Field(1.0, ge=0, le=30)  # between each training and validation fold
    candidates: int = Field(12, ge=2, le=1000)  # hyper-parameter sets tried
    factor: int = Field(3, ge=2, le=10)  # successive halving keeps 1/factor each round
    rounds: list[int] = Field(default_factory=lambda: [100, 200, 300], min_length=1)
    seed: int = Field(0, ge=0)
    label_column: str = "is_fraud"  # the label column of training dataset versions
    max_rows: int = Field(5_000_000, ge=1000)  # more rows are refused


class Cluster(_Section):
    """A Dask distributed cluster for the search, cross-validation and backtests."""

    address: str = ""  # e.g. "tcp://scheduler.example:8786"; empty: run locally
    fallback_local: bool = False  # an unreachable cluster: run locally instead of failing
    timeout_s: float = Field(10.0, gt=0, le=600)

    @model_validator(mode="after")
    def _scheme(self) -> Cluster:
        if self.address and "://" not in self.address:
            raise ValueError(f"address {self.address!r} needs a scheme, e.g. tcp://host:8786")
        return self
