"""The daily checks themselves: each turns figures into a :class:`Check` with a status.

Performance checks read the newest complete day whose labels have mostly arrived
(labels come days late) and, for the days after it, the estimated figures. Thresholds
come from ``[thresholds]`` of console.toml; the rest from the monitoring settings.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import numpy as np

from console.core.monitoring import data_age
from console.core.monitoring.checks import Check
from console.core.monitoring.performance import MetricTable, last_complete, last_labelled
from console.core.monitoring.settings import MonitoringSettings
from console.core.monitoring.windows import US

if TYPE_CHECKING:
    from console.core.base.config import Thresholds
    from console.core.base.workspace import Workspace


def _day(table: MetricTable, i: int) -> str:
    return table.start_iso(i)[:10]


def _value(table: MetricTable, name: str, i: int) -> float | None:
    v = float(table.column(name)[i])
    return None if math.isnan(v) else v


def performance_checks(
    ws: Workspace, table: MetricTable, now: dt.datetime, cfg: MonitoringSettings
) -> list[Check]:
    t = ws.config.thresholds
    now_us = int(now.timestamp() * US)
    i = last_labelled(table, now_us, cfg)
    if i is None:
        why = (
            data_age.nothing_before(ws, now.date())
            if len(table) == 0
            else f"no complete day has {cfg.min_label_coverage:.0%} label coverage and "
            f"{cfg.min_labels} labels yet"
        )
        out = [Check(m, None, None, "no_data", why, None, "day") for m in _LABELLED]
        out.append(Check("f1_drop", None, t.mild_drop, "no_data", why, None, "day"))
    else:
        day, n = _day(table, i), int(table.column("labelled")[i])
        undefined = table.status[i] == "one_class"
        out = [
            _level(
                "f1",
                _value(table, "f1", i),
                day,
                n,
                warn=t.f1_warning,
                crit=t.f1_critical,
                undefined=undefined,
            ),
            _upper("fpr", _value(table, "fpr", i), t.fpr_critical, day, n),
        ]
        for name in ("precision", "recall", "roc_auc"):
            value = _value(table, name, i)
            status = "ok" if value is not None else "no_data"
            text = (
                f"{name} {value:.3f} on {day} ({n:,} labelled rows)"
                if value is not None
                else f"{name} is undefined on {day}: {_undefined(table, i)}"
            )
            out.append(Check(name, value, None, status, text, n, day))
        out.append(_drop(table, i, cfg, t.mild_drop))
    out += _estimated(table, now_us, cfg, t)
    skewed = int(table.column("skewed").sum()) if len(table) else 0
    out.append(
        Check(
            "clock_skew",
            float(skewed),
            0.0,
            "warning" if skewed else "ok",
            f"{skewed:,} labels were confirmed before their prediction was made (ignored)"
            if skewed
            else "no label is timestamped before its prediction",
            skewed,
            "all",
        )
    )
    return out


_LABELLED = ("f1", "fpr", "precision", "recall", "roc_auc")


def _undefined(table: MetricTable, i: int) -> str:
    if table.status[i] == "one_class":
        return "the labels are all one class"
    return "nothing was flagged or no fraud was labelled"


def _level(
    name: str, value: float | None, day: str, n: int, *, warn: float, crit: float, undefined: bool
) -> Check:
    if value is None:
        why = "all labels are one class" if undefined else "no flagged or fraud rows"
        return Check(name, None, warn, "no_data", f"{name} is undefined on {day}: {why}", n, day)
    if value < crit:
        return Check(
            name,
            value,
            crit,
            "critical",
            f"{name} {value:.3f} on {day} ({n:,} labels) is below the critical {crit:.2f}",
            n,
            day,
        )
    if value < warn:
        return Check(
            name,
            value,
            warn,
            "warning",
            f"{name} {value:.3f} on {day} ({n:,} labels) is below the warning {warn:.2f}",
            n,
            day,
        )
    return Check(
        name,
        value,
        warn,
        "ok",
        f"{name} {value:.3f} on {day} ({n:,} labels; warning below {warn:.2f})",
        n,
        day,
    )


def _upper(name: str, value: float | None, crit: float, day: str, n: int) -> Check:
    if value is None:
        return Check(name, None, crit, "no_data", f"{name} is undefined on {day}", n, day)
    status = "critical" if value > crit else "ok"
    word = "above" if value > crit else "within"
    return Check(
        name,
        value,
        crit,
        status,
        f"{name} {value:.2%} on {day} is {word} the limit {crit:.2%}",
        n,
        day,
    )


def _drop(table: MetricTable, i: int, cfg: MonitoringSettings, mild: float) -> Check:
    f1 = table.column("f1")
    window = slice(max(0, i - cfg.baseline_days), i)
    trailing = [
        v
        for v, s in zip(f1[window], table.status[window], strict=True)
        if s == "ok" and not math.isnan(v)
    ]
    day = _day(table, i)
    current = _value(table, "f1", i)
    if current is None or not trailing:
        return Check(
            "f1_drop", None, mild, "no_data", f"no trailing F1 baseline before {day}", None, day
        )
    baseline = float(np.mean(trailing))
    drop = baseline - current
    status = "warning" if drop >= mild else "ok"
    text = (
        f"F1 {current:.3f} on {day} vs {baseline:.3f} over the {len(trailing)} days before: "
        f"drop {drop:+.3f}"
    )
    return Check("f1_drop", drop, mild, status, text, len(trailing), day)


def _estimated(
    table: MetricTable, now_us: int, cfg: MonitoringSettings, t: Thresholds
) -> list[Check]:
    i = last_complete(table, now_us)
    if i is None:
        why = "no complete day of predictions yet"
        return [
            Check(f"{m}_estimated", None, None, "no_data", why, None, "day") for m in ("f1", "fpr")
        ]
    day, n = _day(table, i), int(table.column("n")[i])
    f1, fpr = _value(table, "est_f1", i), _value(table, "est_fpr", i)
    if f1 is None:
        f1_check = Check(
            "f1_estimated",
            None,
            t.f1_warning,
            "no_data",
            f"F1 cannot be estimated on {day}",
            n,
            day,
        )
    else:
        low = f1 < t.f1_warning
        f1_check = Check(
            "f1_estimated",
            f1,
            t.f1_warning,
            "warning" if low else "ok",
            f"estimated F1 {f1:.3f} on {day} from scores, labels pending"
            + (f" (below the warning {t.f1_warning:.2f})" if low else ""),
            n,
            day,
        )
    if fpr is None:
        fpr_check = Check(
            "fpr_estimated",
            None,
            t.fpr_critical,
            "no_data",
            f"FPR cannot be estimated on {day}",
            n,
            day,
        )
    else:
        high = fpr > t.fpr_critical
        fpr_check = Check(
            "fpr_estimated",
            fpr,
            t.fpr_critical,
            "warning" if high else "ok",
            f"estimated FPR {fpr:.2%} on {day} from scores, labels pending"
            + (f" (above the limit {t.fpr_critical:.2%})" if high else ""),
            n,
            day,
        )
    return [f1_check, fpr_check]
