"""``data diff A B``: how two dataset versions differ.

Schema (columns added, removed, or with another type), row counts, and per column the
distribution change measured with the drift statistics (KS / Wasserstein for numbers,
chi-square / PSI for categories, the same tests and effect-size gates as a drift
analysis), with A as the reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.data import datasets
from console.core.drift.settings import for_workspace

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace


def resolve_dataset(ws: Workspace, ref: str) -> datasets.DatasetVersion:
    """A dataset version by hash, unique hash prefix (6+ characters) or name (newest)."""
    text = ref.strip().lower()
    versions = datasets.list_versions(ws)
    if len(text) >= 6:
        found = [v for v in versions if v.sha256.startswith(text)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise BadInput(f"dataset prefix {ref!r} is ambiguous ({len(found)} versions)")
    named = [v for v in versions if v.name == ref.strip()]
    if named:
        return named[0]  # list_versions is newest first
    raise BadInput(f"dataset {ref!r} is not registered (see 'console data list')")


def column_kinds(ws: Workspace, frame: pd.DataFrame) -> dict[str, str]:
    """Each comparable column's kind: the workspace schema's, else from its dtype.
    Identifiers and timestamps are not distributions and are left out."""
    import pandas as pd

    schema = ws.config.data_schema
    skip = {schema.id, schema.timestamp, "labelled_at"}
    kinds: dict[str, str] = {}
    for name in frame.columns:
        if name in skip or pd.api.types.is_datetime64_any_dtype(frame[name]):
            continue
        if name in schema.features:
            kinds[name] = schema.features[name]
        elif pd.api.types.is_bool_dtype(frame[name]) or pd.api.types.is_integer_dtype(frame[name]):
            kinds[name] = "integer"
        elif pd.api.types.is_numeric_dtype(frame[name]):
            kinds[name] = "number"
        else:
            kinds[name] = "category"
    return kinds


def diff(ws: Workspace, a: str, b: str, ctx: JobContext | None = None) -> dict[str, Any]:
    """Compare dataset version ``b`` against ``a`` (the reference)."""
    from console.core.drift import report  # numpy and pandas: only for a diff

    ctx = ctx or JobContext()
    old, new = resolve_dataset(ws, a), resolve_dataset(ws, b)
    ctx.progress(0.0, "Loading both versions")
    left, right = datasets.load(ws, old.sha256), datasets.load(ws, new.sha256)
    left_types = {c: str(t) for c, t in left.dtypes.items()}
    right_types = {c: str(t) for c, t in right.dtypes.items()}
    added = [c for c in right.columns if c not in left_types]
    removed = [c for c in left.columns if c not in right_types]
    retyped = [
        {"column": c, "a": left_types[c], "b": right_types[c]}
        for c in left.columns
        if c in right_types and left_types[c] != right_types[c]
    ]
    kinds = {
        name: kind
        for name, kind in column_kinds(ws, left).items()
        if name in right.columns and name not in {r["column"] for r in retyped}
    }
    result = report.analyze_frames(
        left, right, kinds, for_workspace(ws), reference_key=f"dataset:{old.sha256}",
        ctx=ctx.sub(0.1, 1.0),
    )  # fmt: skip
    columns = [
        {
            "column": c.name,
            "kind": c.kind,
            "method": c.method,
            "statistic": c.statistic,
            "p_value": c.p_value,
            "effect": c.metrics.get("psi" if c.kind == "category" else "wasserstein_norm"),
            "drifted": c.drifted,
            "note": c.note,
            "missing_a": c.missing_reference,
            "missing_b": c.missing_current,
        }
        for c in result.columns
    ]
    columns.sort(key=lambda c: (not c["drifted"], c["column"]))
    doc: dict[str, Any] = report.json_safe(
        {
            "a": {"sha256": old.sha256, "name": old.name, "rows": old.rows},
            "b": {"sha256": new.sha256, "name": new.name, "rows": new.rows},
            "rows_change": new.rows - old.rows,
            "schema": {"added": added, "removed": removed, "retyped": retyped},
            "changed_columns": [c["column"] for c in columns if c["drifted"]],
            "share_changed": result.share_drifted,
            "columns": columns,
            "same_content": old.sha256 == new.sha256,
        }
    )
    return doc
