"""One sentence per column that says what its statistic means, for people."""

from __future__ import annotations

from typing import Any

from console.core.drift.decide import effect_text


def _p(value: Any) -> str:
    """The p-value as a clause: "p = 0.003", "p < 1e-300" (a p-value that underflowed)."""
    if value is None:
        return "p = -"
    return "p < 1e-300" if value == 0 else f"p = {value:.3g}"


def explain(column: dict[str, Any]) -> str:
    """Explain a stored column result (a ``ColumnDrift.as_dict()``) in one sentence, then
    name every signal over its own threshold (effect sizes, the missing rate)."""
    sentence = _sentence(column)
    over = [
        effect_text(s)
        for s in column.get("signals") or []
        if s.get("passed") and not str(s.get("name", "")).endswith("_p_value")
    ]
    if over and column.get("drifted") is not None:
        sentence += f" Over their thresholds: {'; '.join(over)}."
    return sentence


def _sentence(column: dict[str, Any]) -> str:
    method = column.get("method")
    stat = column.get("statistic")
    metrics = column.get("metrics") or {}
    verdict = "drifted" if column.get("drifted") else "has not drifted"
    p = column.get("p_value")
    significant = p is not None and p < (column.get("threshold") or 0.05)
    if significant and not column.get("drifted"):
        verdict = f"the change of {column['name']} is significant but too small to count as drift"
    elif column.get("drifted") and column.get("missing_drift") and not significant:
        verdict = f"{column['name']} drifted through its missing rate"
    else:
        verdict = f"{column['name']} {verdict}"
    if column.get("drifted") is None:
        return f"{column['name']} was not tested: {column.get('note') or column.get('status')}."
    if method == "ks":
        return (
            f"KS {stat:.3f}: the reference and current cumulative distributions differ by at "
            f"most {stat:.1%} ({_p(column.get('p_value'))}), and the typical value moved "
            f"{metrics.get('wasserstein_norm') or 0:.2f} reference standard deviations, so "
            f"{verdict}."
        )
    if method == "chi2":
        return (
            f"Chi-square {stat:.1f} over {int(metrics.get('categories') or 0)} categories: the "
            f"category shares differ {'more' if significant else 'no more'}"
            f" than chance allows ({_p(column.get('p_value'))}, PSI "
            f"{metrics.get('psi') or 0:.3f}), so {verdict}."
        )
    if method == "psi":
        return (
            f"PSI {stat:.3f} (threshold {column.get('threshold')}): the share of values per "
            f"reference bin moved {'a lot' if column.get('drifted') else 'little'}, so "
            f"{verdict}."
        )
    if method == "wasserstein":
        return (
            f"Wasserstein {stat:.3f} reference standard deviations (threshold "
            f"{column.get('threshold')}): the values moved that far on average, so "
            f"{verdict}."
        )
    return (
        f"Jensen-Shannon distance {stat:.3f} (threshold {column.get('threshold')}, 0 = same, "
        f"1 = disjoint), so {verdict}."
    )
