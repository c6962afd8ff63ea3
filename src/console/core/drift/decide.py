"""The decision per column: corrected p-values, the effect gates and the missing rate.

Each tested column gets a list of *signals* (one per number that can speak for drift:
the test's p-value, the effect sizes, the missing rate, each with its own threshold)
and a note that names every signal over its threshold, including those that did not
decide the status. The rules are :mod:`console.core.drift.settings`'.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from console.core.drift import stats
from console.core.drift.settings import DriftSettings

if TYPE_CHECKING:
    from console.core.drift.univariate import ColumnDrift

TEST_LABELS = {"ks": "KS", "chi2": "chi-square"}


def decide(results: list[ColumnDrift], settings: DriftSettings) -> list[ColumnDrift]:
    """Correct p-values across the tested columns and decide drifted/ok per column."""
    tested = [i for i, r in enumerate(results) if r.raw_p_value is not None]
    adjusted = stats.adjust_p_values(
        [results[i].raw_p_value or 0.0 for i in tested], settings.correction
    )
    p_adj = dict(zip(tested, adjusted, strict=True))
    out: list[ColumnDrift] = []
    for i, r in enumerate(results):
        if r.status not in ("ok", "constant"):
            out.append(r)
            continue
        out.append(decide_one(r, settings, p_adj.get(i)))
    return out


def _signal(
    name: str, label: str, value: float | None, threshold: float, *, passed: bool,
    decides: bool, unit: str = "",
) -> dict[str, Any]:  # fmt: skip
    return {
        "name": name, "label": label, "value": value, "threshold": threshold,
        "passed": passed, "decides": decides, "unit": unit,
    }  # fmt: skip


def _num(value: float | None) -> str:
    if value is None:
        return "inf"
    return "< 1e-300" if value == 0 else f"{value:.3g}"


def effect_signals(r: ColumnDrift, settings: DriftSettings) -> list[dict[str, Any]]:
    """The effect sizes of a test column, each against its gate."""
    gate = r.gate if r.gate is not None else 0.0
    m = r.metrics
    if r.kind == "category":
        specs = [
            ("max_share_change", f"share of {r.moved_category!r} moved", m.get("max_share_change"),
             gate, " points"),
            ("unseen_share", "unseen categories take", r.unseen_share or 0.0, gate, " points"),
            ("psi", "PSI", m.get("psi"), settings.min_psi, ""),
        ]  # fmt: skip
    else:
        specs = [
            ("ks_distance", "KS distance", m.get("ks"), gate, ""),
            ("wasserstein_norm", "Wasserstein", m.get("wasserstein_norm"),
             settings.min_effect_numeric, " SD"),
            ("psi", "PSI", m.get("psi"), settings.min_psi, ""),
        ]  # fmt: skip
    out = []
    for name, label, value, threshold, unit in specs:
        passed = value is None or value >= threshold  # None: infinite (constant reference)
        out.append(_signal(name, label, value, threshold, passed=passed, decides=True, unit=unit))
    return out


def effect_text(sig: dict[str, Any]) -> str:
    sign = ">=" if sig["passed"] else "<"
    if sig["unit"] == " points":
        value = "inf" if sig["value"] is None else f"{sig['value'] * 100:.1f}"
        return f"{sig['label']} {value} {sign} {sig['threshold'] * 100:g} points"
    return f"{sig['label']} {_num(sig['value'])}{sig['unit']} {sign} {sig['threshold']:g}"


def _missing_signal(r: ColumnDrift, settings: DriftSettings) -> tuple[dict[str, Any] | None, str]:
    if r.missing_p_value is None or r.missing_reference is None or r.missing_current is None:
        return None, ""
    change = abs(r.missing_current - r.missing_reference)
    big = change >= settings.min_missing_change
    significant = r.missing_p_value < settings.alpha
    sig = _signal(
        "missing_change", "missing rate moved", change, settings.min_missing_change,
        passed=big and significant, decides=True, unit=" points",
    )  # fmt: skip
    moved = f"missing rate {r.missing_reference:.1%} -> {r.missing_current:.1%}"
    gate = f"{settings.min_missing_change * 100:g} points"
    p = f"p = {_num(r.missing_p_value)}"
    if big and significant:
        return sig, f"{moved} (>= {gate}, {p}): drift by itself"
    if big:
        return sig, f"{moved} (>= {gate} but not significant, {p})"
    if significant:
        return sig, f"{moved} (significant, {p}, but under {gate})"
    return sig, ""


def decide_one(r: ColumnDrift, settings: DriftSettings, p_adj: float | None) -> ColumnDrift:
    threshold = r.threshold if r.threshold is not None else settings.alpha
    rejects: bool | None = None
    signals: list[dict[str, Any]] = []
    parts: list[str] = []
    if p_adj is not None:
        rejects = (r.raw_p_value or 0.0) < threshold
        significant = p_adj < threshold
        label = TEST_LABELS.get(r.method, r.method)
        signals.append(
            _signal(f"{r.method}_p_value", f"{label} p", p_adj, threshold,
                    passed=significant, decides=True)
        )  # fmt: skip
        effects = effect_signals(r, settings)
        gates_off = r.gate == 0
        big = gates_off or any(e["passed"] for e in effects)
        dist_drift = significant and big
        signals += effects
        parts.append(_test_sentence(r, p_adj, threshold, settings, effects, gates_off=gates_off))
    else:
        dist_drift = r.statistic is not None and r.statistic >= threshold
        signals.append(
            _signal(r.method, r.method.upper(), r.statistic, threshold, passed=dist_drift,
                    decides=True)
        )  # fmt: skip
        parts.append(f"{r.method.upper()} {_num(r.statistic)} {'>=' if dist_drift else '<'} "
                     f"{threshold:g}")  # fmt: skip
    miss_sig, miss_text = _missing_signal(r, settings)
    if miss_sig is not None:
        signals.append(miss_sig)
    if miss_text:
        parts.append(miss_text)
    if r.note:
        parts.append(r.note)
    drifted = dist_drift or r.missing_drift
    status = "drifted" if drifted else r.status
    return replace(
        r, p_value=p_adj, drifted=drifted, status=status, note="; ".join(parts),
        test_rejects=rejects, signals=signals,
    )  # fmt: skip


def _test_sentence(
    r: ColumnDrift, p: float, alpha: float, settings: DriftSettings,
    effects: list[dict[str, Any]], *, gates_off: bool,
) -> str:  # fmt: skip
    label = TEST_LABELS.get(r.method, r.method)
    corrected = settings.correction != "none" and r.raw_p_value is not None
    raw = f" (raw {_num(r.raw_p_value)}, {settings.correction})" if corrected else ""
    over = [effect_text(e) for e in effects if e["passed"]]
    under = [effect_text(e) for e in effects if not e["passed"]]
    if p >= alpha:
        text = f"{label} p = {_num(p)}{raw} >= {alpha:g}: no significant change"
        if over:
            text += f" (over its threshold, within chance at this sample size: {', '.join(over)})"
        return text
    if gates_off:
        return f"{label} p = {_num(p)}{raw} < {alpha:g} (effect gates off for this feature)"
    if not over:
        return (
            f"{label} p = {_num(p)}{raw} is significant but the change is small "
            f"({', '.join(under)})"
        )
    return f"{label} p = {_num(p)}{raw} < {alpha:g} and {', '.join(over)}"
