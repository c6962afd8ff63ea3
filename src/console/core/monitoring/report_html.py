"""A check report as ONE self-contained HTML file, plots drawn as inline SVG (no Qt,
no matplotlib, nothing fetched): for sites that file a daily report."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base.files import atomic_write_text
from console.core.monitoring.checks import CheckReport, stored_series

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

COLOURS = {"ok": "#2e7d4f", "warning": "#b25e09", "critical": "#b3261e", "no_data": "#5d6677"}


def line_svg(
    title: str,
    days: list[str],
    series: dict[str, list[float | None]],
    lines: dict[str, float],
    *,
    width: int = 640,
    height: int = 200,
) -> str:
    """A small line chart: one polyline per series (gaps where None), dashed threshold
    lines, first and last day on the x axis."""
    values = [v for vs in series.values() for v in vs if v is not None] + list(lines.values())
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if math.isclose(low, high):
        low, high = low - 0.5, high + 0.5
    pad_l, pad_r, pad_t, pad_b = 56, 12, 38, 24
    n = max(len(days) - 1, 1)

    def x(i: int) -> float:
        return pad_l + (width - pad_l - pad_r) * i / n

    def y(v: float) -> float:
        return pad_t + (height - pad_t - pad_b) * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="{pad_l}" y="14" font-weight="600">{html.escape(title)}</text>',
        f'<rect x="{pad_l}" y="{pad_t}" width="{width - pad_l - pad_r}" '
        f'height="{height - pad_t - pad_b}" fill="none" stroke="#d8dce3"/>',
        f'<text x="4" y="{y(high) + 4:.1f}">{_tick(high)}</text>',
        f'<text x="4" y="{y(low) + 4:.1f}">{_tick(low)}</text>',
    ]
    if days:
        parts.append(f'<text x="{pad_l}" y="{height - 6}">{html.escape(days[0])}</text>')
        parts.append(
            f'<text x="{width - pad_r}" y="{height - 6}" text-anchor="end">'
            f"{html.escape(days[-1])}</text>"
        )
    for name, value in lines.items():
        colour = COLOURS["critical" if "critical" in name else "warning"]
        parts.append(
            f'<line x1="{pad_l}" x2="{width - pad_r}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{colour}" stroke-dasharray="5,4"><title>{html.escape(name)}</title></line>'
        )
    palette = ["#2f5fb3", "#e08a2c", "#7a4fb3", "#2e7d4f"]
    for k, (name, vs) in enumerate(series.items()):
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        dash = ' stroke-dasharray="2,3"' if name.startswith("estimated") else ""
        for run in runs:
            if run:
                parts.append(
                    f'<polyline fill="none" stroke="{palette[k % 4]}" stroke-width="2"{dash} '
                    f'points="{" ".join(run)}"><title>{html.escape(name)}</title></polyline>'
                )
        parts.append(
            f'<text x="{pad_l + 150 * k}" y="{pad_t - 8}" fill="{palette[k % 4]}">'
            f"{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _tick(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def render(ws: Workspace, report: CheckReport) -> str:
    """The report as an HTML document (title, checks table, F1/FPR/volume plots)."""
    t = ws.config.thresholds
    series: dict[str, Any] = stored_series(ws, report.id) if report.id is not None else {}
    days = list(series.get("day", []))
    rows = []
    for c in report.checks:
        value = "–" if c.value is None else f"{c.value:.4g}"
        threshold = "–" if c.threshold is None else f"{c.threshold:.4g}"
        rows.append(
            f'<tr><td>{html.escape(c.name)}</td><td style="color:{COLOURS.get(c.status, "#000")};'
            f'font-weight:600">{html.escape(c.status)}</td><td>{value}</td><td>{threshold}</td>'
            f"<td>{html.escape(c.window)}</td><td>{html.escape(c.explanation)}</td></tr>"
        )
    plots = ""
    if days:
        plots = (
            line_svg(
                "F1 per day (realised, and estimated from scores)",
                days,
                {"F1": series["f1"], "estimated F1": series["est_f1"]},
                {"F1 warning": t.f1_warning, "F1 critical": t.f1_critical},
            )
            + line_svg(
                "False positive rate per day",
                days,
                {"FPR": series["fpr"], "estimated FPR": series["est_fpr"]},
                {"FPR critical": t.fpr_critical},
            )
            + line_svg("Predictions per day", days, {"rows": series["n"]}, {})
        )
    colour = COLOURS.get(report.status, "#000")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Daily checks {html.escape(report.created_at)}</title>
<style>body{{font-family:sans-serif;margin:24px;color:#1f2430}}
table{{border-collapse:collapse}}td,th{{border:1px solid #d8dce3;padding:4px 8px;
text-align:left;font-size:13px}}th{{background:#f4f5f7}}svg{{display:block;margin:12px 0}}
</style></head><body>
<h1>Daily checks</h1>
<p>Workspace {html.escape(str(ws.root))} · report {report.id} · {html.escape(report.created_at)}
· overall <b style="color:{colour}">{html.escape(report.status)}</b></p>
<table><tr><th>check</th><th>status</th><th>value</th><th>threshold</th><th>window</th>
<th>explanation</th></tr>
{"".join(rows)}
</table>
{plots}
<p style="color:#5d6677">Estimated figures come from the scores (confidence-based estimation)
and are shown dotted; realised figures need labels, which arrive days late.</p>
</body></html>
"""


def export_html(ws: Workspace, user: str, report: CheckReport, path: Path) -> Path:
    """Write the report to ``path`` atomically (role report.export)."""
    ws.authorize(user, "report.export", str(path))
    if path.exists() and path.is_dir():
        from console.core.base.errors import BadInput

        raise BadInput(f"{path}: is a folder; give a file name ending in .html")
    atomic_write_text(path, render(ws, report))
    return path
