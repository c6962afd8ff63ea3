"""A job run's report as one readable HTML page, from its JSON.

The page says what ran, who or which schedule started it, when, how it ended and the
summary sentences; then each section of the report: a list of records becomes a table,
a mapping a two-column table, numbers are rounded for reading. Self-contained (no
scripts, no network), so it opens in any browser and in the console's report viewer.
"""

from __future__ import annotations

import html
from typing import Any

COLOURS = {"done": "#1b7f3b", "failed": "#c62828", "cancelled": "#8a6d00", "running": "#1f5fbf"}
MAX_ROWS = 200
#: keys too bulky to show as tables (curves, raw series): the JSON keeps them
HIDDEN = frozenset({"curve", "series", "windows", "trade_off", "cv_results", "checks_raw"})


def render(meta: dict[str, Any], report: dict[str, Any] | None) -> str:
    """``meta``: the run (kind, trigger, user, started_at, finished_at, state, message)."""
    state = str(meta.get("state", ""))
    title = f"{meta.get('kind', 'job')} run {meta.get('id', '')}"
    started = meta.get("trigger", "manual")
    head = (
        f"<p>Started by <b>{_e(meta.get('user'))}</b> ({_e(started)}) at "
        f"{_e(meta.get('started_at'))}; ended {_e(meta.get('finished_at') or '-')}; outcome "
        f'<b style="color:{COLOURS.get(state, "#000")}">{_e(state)}</b>'
        f"{' - ' + _e(meta.get('message')) if meta.get('message') else ''}</p>"
    )
    body = [head]
    if meta.get("params"):
        body.append("<h2>Parameters</h2>" + _mapping(meta["params"]))
    if report:
        sentences = report.get("findings") or []
        if report.get("summary"):
            body.append(f"<p><b>{_e(report['summary'])}</b></p>")
        if sentences:
            body.append("<ul>" + "".join(f"<li>{_e(s)}</li>" for s in sentences) + "</ul>")
        for key, value in report.items():
            if key in ("summary", "findings") or key in HIDDEN:
                continue
            section = _section(value)
            if section:
                body.append(f"<h2>{_e(key.replace('_', ' '))}</h2>{section}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>body{{font-family:sans-serif;margin:24px;color:#1f2430}}
table{{border-collapse:collapse;margin:6px 0 14px}}td,th{{border:1px solid #d8dce3;
padding:3px 8px;text-align:left;font-size:13px}}th{{background:#f4f5f7}}
h2{{font-size:16px;margin-top:20px}}</style></head><body>
<h1>{_e(title)}</h1>
{"".join(body)}
</body></html>
"""


def _section(value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return _records(value)
    if isinstance(value, dict) and value:
        if all(isinstance(v, dict) for v in value.values()):
            return "".join(
                f"<h3>{_e(k)}</h3>{_section(v)}" for k, v in value.items() if _section(v)
            )
        return _mapping(value)
    if isinstance(value, list) and value:
        return "<p>" + ", ".join(_e(_fmt(v)) for v in value[:MAX_ROWS]) + "</p>"
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"<p>{_e(_fmt(value))}</p>"
    return ""


def _records(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows[:MAX_ROWS]:
        columns += [k for k, v in row.items() if k not in columns and not isinstance(v, list)]
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    lines = [
        "<tr>" + "".join(f"<td>{_e(_fmt(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows[:MAX_ROWS]
    ]
    more = (
        f"<p>… and {len(rows) - MAX_ROWS} more rows (in the JSON)</p>"
        if len(rows) > MAX_ROWS
        else ""
    )
    return f"<table><tr>{head}</tr>{''.join(lines)}</table>{more}"


def _mapping(data: dict[str, Any]) -> str:
    lines = [
        f"<tr><th>{_e(k)}</th><td>{_e(_fmt(v))}</td></tr>"
        for k, v in data.items()
        if not isinstance(v, dict | list) or (isinstance(v, list) and len(v) <= 12)
    ]
    return f"<table>{''.join(lines)}</table>" if lines else ""


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return str(value)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))
